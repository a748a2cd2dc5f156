"""Item loading: raw fields from any page object become a clean :class:`ArticleItem`.

Site profiles and the generic layer hand over what they found as it stands on the page
(:class:`~newscrawl.items.RawFields`: relative URLs, untrimmed text, a dateline string, a
date in any spelling). Cleaning and parsing happen here, once, with the same rules for
every source, so a field is spelled the same whichever extractor found it.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from typing import Any

from itemloaders.processors import Identity, Join, MapCompose, TakeFirst
from scrapy.loader import ItemLoader

from newscrawl.extract.datelines import parse_dateline
from newscrawl.items import ARTICLE_FIELDS, ArticleItem, Image, RawFields, RelatedLink
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


def consistent_modified(published: str | None, modified: str | None) -> str | None:
    """The update date when it is an update: a moment after the publication.

    A page that states the same moment for both (templates fill ``dateModified`` with
    ``datePublished`` until a story is edited) was not updated; one that states an update
    before its publication contradicts itself. Both give None. When either date is a bare
    day, or only one states its time zone, they are compared by day, and an update on the
    publication day cannot be told from the publication itself: None too (the published
    day of such a page may even have been read from the update stamp).
    """
    if not modified or not published:
        return modified
    try:
        first, last = dt.datetime.fromisoformat(published), dt.datetime.fromisoformat(modified)
    except ValueError:
        return modified
    zoned = (first.tzinfo is not None, last.tzinfo is not None)
    if len(published) == 10 or len(modified) == 10 or zoned[0] != zoned[1]:
        return modified if last.date() > first.date() else None
    return modified if last > first else None


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


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
    modified_in = MapCompose(clean_text, to_iso)
    free_access_in = MapCompose(_flag)
    paywalled_omitted_in = MapCompose(_count)
    language_in = MapCompose(clean_text, str.lower, _or_none)
    language_declared_in = MapCompose(clean_text, str.lower, _or_none)
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
        item["modified"] = consistent_modified(item.get("published"), item.get("modified"))
        for name in ARTICLE_FIELDS:
            if name not in item:
                item[name] = [] if name in ("authors", "related_links", "images") else None
        item["paywalled_omitted"] = item["paywalled_omitted"] or 0
        if item["language_declared"] == item["language"]:
            item["language_declared"] = None
        return item


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
    for name in ("section", "headline", "dateline", "published", "modified", "language",
                 "language_declared", "free_access", "paywalled_omitted"):  # fmt: skip
        loader.add_value(name, raw.get(name))
    loader.add_value("section", section)  # the listing's section, when the page has none
    for name in ("authors", "body", "related_links", "images"):
        loader.add_value(name, raw.get(name) or [])
    loader.add_value("fetched_at", fetched_at)
    return loader.load_item()
