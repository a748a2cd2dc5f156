"""Page objects: one page's HTML in, raw fields out, with no crawler anywhere.

An :class:`ArticlePage` turns one page's HTML into :class:`~newscrawl.items.RawFields`, so
it runs the same in a spider, an extraction worker, ``newscrawl extract`` on saved pages,
a bench or a test. Each field is one small method marked with :func:`field`; shared
parsing (the tree, the page's meta tags and JSON-LD) is computed once per page and reused
by every field, in the manner of web-poet's page objects and Fundus' publisher parsers.

Site profiles (:mod:`newscrawl.profiles`) subclass it per layout version; the generic
layer (:mod:`newscrawl.extract.generic`) is the subclass for every other page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cached_property
from typing import Any, ClassVar

from lxml import etree
from parsel import Selector

from newscrawl.extract.markup import linked_data, meta_tags
from newscrawl.items import RawFields

_FIELD_ATTR = "_newscrawl_field"


class ProfileMismatch(ValueError):
    """The page lacks the markers of every layout version the profile knows.

    Raised instead of returning a half-parsed record: the caller falls back to generic
    extraction and counts the mismatch, which is how a site's redesign shows up.
    """


def field(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a method of an :class:`ArticlePage` as the extractor of raw field ``name``."""

    def mark(method: Callable[..., Any]) -> Callable[..., Any]:
        setattr(method, _FIELD_ATTR, name)
        return method

    return mark


class ArticlePage:
    """One article page, parsed once; subclasses add ``@field`` methods."""

    #: Human-readable layout name, reported when the page is extracted.
    layout: ClassVar[str] = "page"
    #: The date this layout stopped being served (None: still current).
    valid_until: ClassVar[dt.date | None] = None
    #: The HTTP ``Content-Language`` header the page came with, when the caller had one
    #: (set by :func:`newscrawl.extract.article.extract_article`): a declaration of the
    #: page's language weaker than its markup's.
    content_language: str | None = None
    #: Keep in the body the paragraphs the page declares paywalled (set by
    #: ``extract_article``; by default they are left out and counted).
    keep_paywalled: bool = False
    #: XPath of the ``<a>`` elements that may lead to the story's other pages when a site
    #: splits it (:mod:`newscrawl.discovery.continuation`); None: the generic article scope.
    parts_xpath: ClassVar[str | None] = None

    def __init__(self, html: str, url: str, selector: Selector | None = None) -> None:
        self.html = html
        self.url = url
        #: A response's own selector, when the caller has one: the page is parsed once.
        self.given_selector = selector

    @cached_property
    def selector(self) -> Selector:
        if self.given_selector is not None:
            return self.given_selector
        return Selector(text=self.html, base_url=self.url)

    @cached_property
    def root(self) -> etree._Element:
        """The document tree the fields read."""
        return self.selector.root

    @cached_property
    def meta(self) -> dict[str, str]:
        """``<meta>`` tags by lower-cased name/property/itemprop; the first one wins."""
        return meta_tags(self.root)

    @cached_property
    def linked_data(self) -> list[dict[str, Any]]:
        """Every JSON-LD object on the page, nested ones included, in document order."""
        return linked_data(self.root)

    @classmethod
    def field_methods(cls) -> dict[str, str]:
        """Raw field name -> method name, the most derived definition winning."""
        found: dict[str, str] = {}
        for klass in reversed(cls.__mro__):
            for attr, value in vars(klass).items():
                name = getattr(value, _FIELD_ATTR, None)
                if name is not None:
                    found[name] = attr
        return found

    def check(self) -> None:
        """Raise :class:`ProfileMismatch` when the page is not of this layout."""

    def fields(self) -> RawFields:
        self.check()
        raw: dict[str, Any] = {}
        for name, attr in self.field_methods().items():
            raw[name] = getattr(self, attr)()
        return RawFields(**raw)  # type: ignore[typeddict-item]
