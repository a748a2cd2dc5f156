"""Page objects and site profiles: the building blocks every extractor is made of.

An :class:`ArticlePage` turns one page's HTML into :class:`~newscrawl.items.RawFields`
without a crawler, so it can be run on saved pages (``newscrawl extract``, the tests).
Each field is one small method marked with :func:`field`; shared parsing (the selector,
the page's JSON-LD and meta tags) is computed once per page and reused by every field.

A :class:`SiteProfile` groups the page versions of one family of sites with what the
spiders need to walk them (hosts, section pages, which links are articles). A layout
change is a new page class that subclasses the previous one, overrides only the fields that
changed, and gets the date the old one stopped being valid, in the manner of Fundus'
publisher parsers.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

from parsel import Selector

from newscrawl.items import RawFields
from newscrawl.urls import site_of

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

    def __init__(self, html: str, url: str, selector: Selector | None = None) -> None:
        self.html = html
        self.url = url
        if selector is not None:  # a response's own selector: the page is parsed once
            self.selector = selector

    @cached_property
    def selector(self) -> Selector:
        return Selector(text=self.html, base_url=self.url)

    @cached_property
    def meta(self) -> dict[str, str]:
        """``<meta>`` tags by lower-cased name/property/itemprop; the first one wins."""
        found: dict[str, str] = {}
        for tag in self.selector.xpath("//meta[@content]"):
            # The element's own get(), not Selector.attrib: that copies every attribute,
            # and lxml raises on a malformed attribute name (``{...}property``).
            get = tag.root.get
            key = get("property") or get("name") or get("itemprop")
            if key:
                found.setdefault(key.strip().lower(), get("content"))
        return found

    @cached_property
    def linked_data(self) -> list[dict[str, Any]]:
        """Every JSON-LD object on the page, ``@graph`` and lists flattened."""
        objects: list[dict[str, Any]] = []
        for data in json_ld_documents(self.selector):
            objects.extend(walk_json_ld(data))
        return objects

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


def json_ld_documents(selector: Selector) -> Iterator[Any]:
    """The parsed content of each JSON-LD script of a page; a script that is not JSON is
    skipped, as browsers and search engines skip it."""
    for script in selector.xpath(
        '//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]/text()'
    ).getall():
        try:
            yield json.loads(script, strict=False)
        except (ValueError, RecursionError):  # not JSON, or nested deeper than the stack
            continue


def walk_json_ld(
    data: Any, keys: Collection[str] | None = ("@graph",), max_depth: int = 8, depth: int = 0
) -> Iterator[dict[str, Any]]:
    """The objects of a JSON-LD document: top-level ones, list members, and the objects
    under ``keys`` (under every key when ``keys`` is None), depth-first.

    Which keys to follow is the caller's question: ``@graph`` holds the page's own nodes;
    ``mainEntity`` the thing a page is about; every key also reaches the authors,
    publishers and images an article mentions. Real pages nest a few levels, hostile ones
    more, hence ``max_depth``.
    """
    if depth > max_depth:
        return
    if isinstance(data, list):
        for entry in data:
            yield from walk_json_ld(entry, keys, max_depth, depth + 1)
    elif isinstance(data, dict):
        yield data
        for key, value in data.items():
            if isinstance(value, dict | list) and (keys is None or key in keys):
                yield from walk_json_ld(value, keys, max_depth, depth + 1)


def schema_types(kind: Any) -> set[str]:
    """A JSON-LD ``@type`` or microdata ``itemtype`` value (one or a list), lower-cased and
    without the vocabulary prefix: ``"https://schema.org/NewsArticle"`` and
    ``"NewsArticle"`` are one type."""
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.rsplit("/", 1)[-1].lower() for k in kinds if isinstance(k, str)}


@dataclass(frozen=True)
class Section:
    """A section (listing) page a spider starts from."""

    host: str
    key: str
    url: str


@dataclass
class SiteProfile:
    """A family of sites sharing one template: where to start, what to follow, how to parse.

    ``versions`` lists the article layouts newest last; each is tried in turn (the one
    valid at the fetch date first) and the first whose markers match parses the page.
    """

    name: str
    hosts: Sequence[str]
    versions: Sequence[type[ArticlePage]]
    sections: Sequence[Section] = ()
    article_url_patterns: Sequence[re.Pattern[str]] = ()
    next_page_xpath: str = '//a[@rel="next"]/@href'
    listing_link_xpath: str = "//a/@href"
    #: Feeds to read besides the ones section pages announce (``key`` "site" for a
    #: site-wide feed, else the section key); sitemaps are found through robots.txt.
    feeds: Sequence[Section] = ()
    #: Sitemaps to read besides the ones robots.txt names.
    sitemaps: Sequence[str] = ()

    @cached_property
    def sites(self) -> frozenset[str]:
        return frozenset(site_of(f"https://{host}/") for host in self.hosts)

    def claims(self, url: str) -> bool:
        return site_of(url) in self.sites

    def is_article_url(self, url: str) -> bool:
        return self.claims(url) and any(p.search(url) for p in self.article_url_patterns)

    def page(
        self,
        html: str,
        url: str,
        when: dt.date | None = None,
        selector: Selector | None = None,
    ) -> ArticlePage:
        """The page object of the first layout version whose markers match."""
        reasons: list[str] = []
        for version in self._versions_for(when):
            page = version(html, url, selector)
            try:
                page.check()
            except ProfileMismatch as exc:
                reasons.append(f"{version.layout}: {exc}")
                continue
            return page
        raise ProfileMismatch(f"{self.name}: no layout matches ({'; '.join(reasons)})")

    def _versions_for(self, when: dt.date | None) -> list[type[ArticlePage]]:
        def still_valid(version: type[ArticlePage]) -> bool:
            return when is None or version.valid_until is None or when < version.valid_until

        ordered = sorted(self.versions, key=lambda v: not still_valid(v))
        return list(ordered)
