"""Page -> record: the one entry point every caller extracts an article page through.

:func:`extract_article` is called by the spiders (directly, or in an extraction worker),
by ``newscrawl extract`` on saved pages and by the benches, so a field always comes from
the same place: the site profile that claims the URL (:mod:`newscrawl.profiles`), or the
generic layer (:mod:`newscrawl.extract.generic`) when none does or the page matches none
of the profile's layouts. The item is loaded (:mod:`newscrawl.extract.loader`) but not yet
normalised or validated: that is the item pipelines' work.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import traceback
from dataclasses import dataclass
from pathlib import Path

from parsel import Selector

from newscrawl.discovery.continuation import ArticleParts, article_parts
from newscrawl.extract.generic import GenericArticlePage
from newscrawl.extract.loader import load_article
from newscrawl.extract.page import ArticlePage, ProfileMismatch
from newscrawl.items import ArticleItem, RawFields
from newscrawl.profiles import profile_for

logger = logging.getLogger(__name__)

# Control characters other than tab and line breaks: never text, and one of them is enough
# for the generic extractor's body finder to discard a whole page.
_HTML_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Extraction:
    """An extracted record with where its fields came from."""

    item: ArticleItem
    layout: str  # the page class that produced the fields ("smn-classic", "generic", ...)
    mismatch: str | None = None  # why the site's profile did not apply, if it claims the URL
    error: str | None = None  # generic extraction failed on this page: the item is empty
    # The story goes on: the URL of its next page (newscrawl.discovery.continuation).
    next_part: str | None = None
    # This page is a later page of a story: the URL of its first page (or an earlier one).
    first_part: str | None = None


def choose_page(
    html: str,
    url: str,
    *,
    use_profiles: bool = True,
    selector: Selector | None = None,
    when: dt.date | None = None,
) -> tuple[ArticlePage, str | None]:
    """The page object for ``url``: its site profile's layout, else the generic one (with
    what the profile knows of its sites applied, when it says how: ``fallback``)."""
    profile = profile_for(url) if use_profiles else None
    if profile is not None:
        try:
            return profile.page(html, url, when=when, selector=selector), None
        except ProfileMismatch as exc:
            fallback = profile.fallback or GenericArticlePage
            return fallback(html, url, selector), str(exc)
    return GenericArticlePage(html, url, selector), None


def extract_article(
    html: str,
    url: str,
    *,
    fetched_at: str | None = None,
    section: str | None = None,
    use_profiles: bool = True,
    selector: Selector | None = None,
    content_language: str | None = None,
    keep_paywalled: bool = False,
) -> Extraction:
    """Extract one article page into a loaded item (not yet normalised or validated).

    ``content_language``: the response's ``Content-Language`` header, if any (a weaker
    declaration of the page's language than its markup's). ``keep_paywalled``: keep in
    the body the paragraphs the page declares paywalled (by default they are left out).
    """
    if _HTML_CONTROL.search(html):  # as clean_text does for fields: each becomes a space
        html, selector = _HTML_CONTROL.sub(" ", html), None  # the given selector saw them
    when = dt.date.fromisoformat(fetched_at[:10]) if fetched_at else None
    page, mismatch = choose_page(html, url, use_profiles=use_profiles, selector=selector, when=when)
    page.content_language = content_language
    page.keep_paywalled = keep_paywalled
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
    parts = ArticleParts() if error else article_parts(page.selector, url, page.parts_xpath)
    item["pages"] = 1
    item["incomplete"] = parts.next is not None  # this page alone is not the whole story
    return Extraction(
        item=item,
        layout=page.layout,
        mismatch=mismatch,
        error=error,
        next_part=parts.next,
        first_part=parts.first,
    )
