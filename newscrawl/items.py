"""The article record, and the raw fields a page object hands to the loader.

:class:`ArticleItem` is what pipelines, the store and the feed see. Its field order is the
order of keys in every exported JSON line (``FEED_EXPORT_FIELDS`` is built from it), so
downstream tools can rely on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypedDict

import scrapy


class ArticleItem(scrapy.Item):
    url = scrapy.Field()  # canonical URL (newscrawl.urls.canonicalize_url)
    site = scrapy.Field()  # host without "www."
    section = scrapy.Field()
    headline = scrapy.Field()
    dateline = scrapy.Field()  # {"raw", "place", "agency", "date"} or None
    published = scrapy.Field()  # ISO 8601
    modified = scrapy.Field()  # ISO 8601: the last update the page states; never published
    authors = scrapy.Field()  # list[str]
    body = scrapy.Field()  # paragraphs joined by a blank line
    # False: the page declares paywalled content; True: declared free; None: not said.
    free_access = scrapy.Field()
    paywalled_omitted = scrapy.Field()  # paragraphs left out of body as declared paywalled
    related_links = scrapy.Field()  # list of {"group", "title", "url"}
    images = scrapy.Field()  # list of {"url", "caption"}
    # A story split over several pages is one record (newscrawl.spiders.multipage): how
    # many pages its body was stitched from, and whether a page is missing (a part failed
    # to download, or MAX_ARTICLE_PAGES was reached). One page read alone: 1, and
    # incomplete when that page links to a next page.
    pages = scrapy.Field()
    incomplete = scrapy.Field()
    language = scrapy.Field()  # the text's language, else the declared one
    language_declared = scrapy.Field()  # what the page declared, only where it differs
    fetched_at = scrapy.Field()  # ISO 8601, UTC
    fingerprint = scrapy.Field()  # newscrawl.text.fingerprint of the normalised body
    # Other places the story was found: [{"url", "site", "fetched_at"}]. Empty in the crawl's
    # feed (a line is written when the story is first seen); the store's record gains them.
    also_at = scrapy.Field()
    # Internal, never exported or stored: pipeline work an extraction worker did ahead
    # (newscrawl.extract.worker). ``normalized``: NormalizePipeline's output for this item;
    # on that output, ``sketch``: its near-duplicate sketch (newscrawl.neardup.MadeSketch).
    normalized = scrapy.Field(internal=True)
    sketch = scrapy.Field(internal=True)
    # Set by the dedup pipelines: this copy outranks the stored story it duplicates and
    # takes its place (newscrawl.canonical.CopyOf).
    copy_of = scrapy.Field(internal=True)
    # The canonical URLs of a multi-page story's other pages, in order: the store pipeline
    # records them as the story's aliases (reason "part"), so no run fetches them as
    # articles. Plain strings, carried through normalisation.
    part_urls = scrapy.Field(internal=True)


# Declaration order above is export order.
ARTICLE_FIELDS: tuple[str, ...] = tuple(
    name for name, meta in ArticleItem.fields.items() if not meta.get("internal")
)


def article_record(item: ArticleItem) -> dict[str, Any]:
    """The record the store keeps: the item's article fields, internal ones left out."""
    return {name: item[name] for name in ARTICLE_FIELDS if name in item}


class RelatedLink(TypedDict):
    group: str | None
    title: str
    url: str


class Image(TypedDict):
    url: str
    caption: str | None


class RawFields(TypedDict, total=False):
    """What a page object (site profile or generic extractor) found, before loading.

    Values are as found on the page: relative URLs, untrimmed text, a dateline string,
    a date string in any format. The loader owns cleaning and parsing, so every source
    of fields is cleaned the same way.
    """

    url: str  # the page's own canonical URL if it declares one (og:url, rel=canonical)
    section: str | None
    headline: str | None
    dateline: str | None
    published: str | None
    modified: str | None  # the last update the page states, any format
    authors: list[str]
    body: list[str]  # paragraphs
    free_access: bool | None
    paywalled_omitted: int  # paragraphs taken out of ``body`` as declared paywalled
    related_links: list[RelatedLink]
    images: list[Image]
    language: str | None
    language_declared: str | None  # only when the text overrode it


@dataclass
class Rejection:
    """A page that yields no article (not HTML, unparseable): recorded, counted, not exported.

    Spiders yield it so that the validation pipeline logs and counts every rejection in
    one place, and the store keeps it beside the articles.
    """

    url: str
    reason: str
    detail: str | None = None
