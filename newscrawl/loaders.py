"""Item loaders: raw fields from a page object become a clean :class:`ArticleItem`.

:func:`extract_article` is the one entry point for turning a page into a record. The spiders
call it on responses and ``newscrawl extract`` on saved files, so a field always comes from
the same place: the site profile that claims the URL (:mod:`newscrawl.profiles`), or the
generic extractor (:mod:`newscrawl.generic`) when none does or the page does not match the
profile's layouts. This module only cleans, parses and assembles.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import re
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from itemloaders.processors import Identity, Join, MapCompose, TakeFirst
from parsel import Selector
from scrapy.loader import ItemLoader

from newscrawl.datelines import parse_dateline
from newscrawl.generic import GenericArticlePage
from newscrawl.items import ARTICLE_FIELDS, ArticleItem, Image, RawFields, RelatedLink
from newscrawl.profiles import ArticlePage, ProfileMismatch, profile_for
from newscrawl.text import clean_text
from newscrawl.urls import canonicalize_url, safe_urljoin, site_of

# A byline entry that names a desk, not a person ("by Staff Writers", "AFP Staff Writers").
_PLACEHOLDER_WORDS = frozenset(
    {"staff", "writer", "writers", "reporter", "reporters", "editor", "editors", "newsroom",
     "desk", "correspondent", "correspondents", "team"}
)  # fmt: skip
# "By", "Von", "Par", "Por", "Door", "Av", "Di", "Written by", "Autor:", "Text:" ...
_BY_PREFIX = re.compile(
    r"^\s*(?:(?:written|posted|reported|text|words|story)\s+(?:by\s*)?|"
    r"(?:by|von|vom|par|por|door|av|af)\b|(?:author|autor|autorin|auteur|text)\s*:)"
    r"\s*[:\-]?\s*",
    re.I,
)
# Between names: punctuation, "&", and "and" in the languages bylines are written in.
_AUTHOR_SPLIT = re.compile(
    r"\s*(?:,|;|&|\||·|\band\b|\bund\b|\bog\b|\boch\b|\bet\b|\by\b|\be\b|\ben\b)\s*",
    re.I,
)
# Debris after a name: a short parenthesised handle ("Ann Lee (al)").
_TRAILING_HANDLE = re.compile(r"\s*\([\w.\- ]{1,6}\)$")
# A byline entry that is a date or time, not a name ("18. Oktober 2019", "13:36 Uhr").
_DATE_LIKE = re.compile(r"\d{1,2}[.:/]\s?\d{1,2}|\d{4}")
logger = logging.getLogger(__name__)

# Control characters other than tab and line breaks: never text, and one of them is enough
# for the generic extractor's body finder to discard a whole page (issue 8).
_HTML_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def split_byline(byline: str) -> list[str]:
    """``"By Ann Lee and Bo Chen"`` -> ``["Ann Lee", "Bo Chen"]``; desk placeholders -> [].

    Entries that are dates or times (bylines often carry them) are dropped, as is a
    trailing parenthesised handle after a name.
    """
    names = []
    for name in _AUTHOR_SPLIT.split(_BY_PREFIX.sub("", byline)):
        name = _TRAILING_HANDLE.sub("", _BY_PREFIX.sub("", name)).strip(" .:-")
        words = {w.lower() for w in name.split()}
        if name and not words & _PLACEHOLDER_WORDS and not _DATE_LIKE.search(name):
            names.append(name)
    return names


def to_iso(value: str | None) -> str | None:
    """ISO 8601 from the date spellings pages use (ISO itself, RFC 822); else None.

    A bare date stays a date: inventing midnight would claim a precision the page lacks.
    """
    if not value:
        return None
    value = value.strip()
    try:
        if len(value) == 10:
            return dt.date.fromisoformat(value).isoformat()
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat()
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(value).isoformat()
    except (TypeError, ValueError, IndexError):
        return None


def _or_none(value: Any) -> Any:
    """Empty values are dropped (MapCompose drops None), so they never join or win TakeFirst."""
    return value or None


def _absolute_link(link: RelatedLink, loader_context: dict[str, Any]) -> RelatedLink | None:
    title = clean_text(link.get("title"))
    url = safe_urljoin(loader_context["base_url"], link.get("url"))
    if not title or not url.startswith(("http://", "https://")):
        return None
    group = clean_text(link.get("group")) or None
    return RelatedLink(group=group, title=title, url=url)


def _absolute_image(image: Image, loader_context: dict[str, Any]) -> Image | None:
    url = safe_urljoin(loader_context["base_url"], image.get("url"))
    if not url.startswith(("http://", "https://")):
        return None
    return Image(url=url, caption=clean_text(image.get("caption")) or None)


def _unique(values: list[Any]) -> list[Any]:
    seen: list[Any] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


class ArticleLoader(ItemLoader):
    """Cleaning rules per field, the same for every source of raw fields."""

    default_item_class = ArticleItem
    default_input_processor = MapCompose(clean_text, _or_none)
    default_output_processor = TakeFirst()

    authors_in = MapCompose(clean_text, split_byline, _or_none)
    authors_out = _unique
    body_out = Join("\n\n")
    published_in = MapCompose(clean_text, to_iso)
    language_in = MapCompose(clean_text, str.lower, _or_none)
    related_links_in = MapCompose(_absolute_link)
    related_links_out = _unique
    images_in = MapCompose(_absolute_image)
    images_out = _unique
    url_in = Identity()
    site_in = Identity()
    fetched_at_in = Identity()

    def load_item(self) -> ArticleItem:
        item = super().load_item()
        raw_dateline = item.get("dateline")
        dateline = (
            parse_dateline(raw_dateline, context=item.get("published")) if raw_dateline else None
        )
        item["dateline"] = dateline.as_dict() if dateline else None
        if not item.get("published") and dateline and dateline.date:
            item["published"] = dateline.date
        for name in ARTICLE_FIELDS:
            if name not in item:
                item[name] = [] if name in ("authors", "related_links", "images") else None
        return item


@dataclass(frozen=True)
class Extraction:
    """An extracted record with where its fields came from."""

    item: ArticleItem
    layout: str  # the page class that produced the fields ("smn-classic", "generic", ...)
    mismatch: str | None = None  # why the site's profile did not apply, if it claims the URL
    error: str | None = None  # generic extraction failed on this page: the item is empty


def choose_page(
    html: str,
    url: str,
    *,
    use_profiles: bool = True,
    selector: Selector | None = None,
    when: dt.date | None = None,
) -> tuple[ArticlePage, str | None]:
    """The page object for ``url``: its site profile's layout, else the generic one."""
    profile = profile_for(url) if use_profiles else None
    if profile is not None:
        try:
            return profile.page(html, url, when=when, selector=selector), None
        except ProfileMismatch as exc:
            return GenericArticlePage(html, url, selector), str(exc)
    return GenericArticlePage(html, url, selector), None


def resolve_url(url: str, declared: str | None) -> str:
    """The record's canonical URL: the page's declared canonical when it is on the same site.

    A declared canonical on another site (a sister site naming the original) is ignored:
    following it would hide the copy instead of recording it as an alias.
    """
    if declared:
        declared = safe_urljoin(url, declared)
        try:
            if declared and site_of(declared) == site_of(url):
                return canonicalize_url(declared)
        except ValueError:  # a malformed declared canonical (port 99999, "[::1"): ignored
            pass
    return canonicalize_url(url)


def load_article(
    raw: RawFields, url: str, *, fetched_at: str | None = None, section: str | None = None
) -> ArticleItem:
    loader = ArticleLoader(base_url=url)
    loader.add_value("url", resolve_url(url, raw.get("url")))
    loader.add_value("site", site_of(url))
    for name in ("section", "headline", "dateline", "published", "language"):
        loader.add_value(name, raw.get(name))
    loader.add_value("section", section)  # the listing's section, when the page has none
    for name in ("authors", "body", "related_links", "images"):
        loader.add_value(name, raw.get(name) or [])
    loader.add_value("fetched_at", fetched_at)
    return loader.load_item()


def extract_article(
    html: str,
    url: str,
    *,
    fetched_at: str | None = None,
    section: str | None = None,
    use_profiles: bool = True,
    selector: Selector | None = None,
) -> Extraction:
    """Extract one article page into a loaded item (not yet normalised or validated)."""
    if _HTML_CONTROL.search(html):  # as clean_text does for fields: each becomes a space
        html, selector = _HTML_CONTROL.sub(" ", html), None  # the given selector saw them
    when = dt.date.fromisoformat(fetched_at[:10]) if fetched_at else None
    page, mismatch = choose_page(html, url, use_profiles=use_profiles, selector=selector, when=when)
    error = None
    try:
        fields = page.fields()
    except Exception as exc:
        # Generic extraction meets pages no rule foresaw: a bug there costs this page (an
        # empty item, rejected as ``extraction_error`` by the spiders), not the crawl.
        # Site profiles are precise code; their bugs still raise.
        if not isinstance(page, GenericArticlePage):
            raise
        where = traceback.extract_tb(exc.__traceback__)[-1]
        error = f"{type(exc).__name__} at {Path(where.filename).name}:{where.lineno}: {exc}"
        logger.warning("Generic extraction failed on %s: %s", url, error, exc_info=True)
        fields = RawFields()
    item = load_article(fields, url, fetched_at=fetched_at, section=section)
    return Extraction(item=item, layout=page.layout, mismatch=mismatch, error=error)
