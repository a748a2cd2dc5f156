"""Article extraction from a spider: in the crawl's extraction pool, or in this process.

Every spider extracts its article pages (first pages and later parts of a story alike)
through :func:`extract_or_reject`, so the pool, the profiles and paywall settings, the
``Content-Language`` header and the counting of profile mismatches are the same for all.
"""

from __future__ import annotations

import datetime as dt

import scrapy
from scrapy.http import Response, TextResponse

from newscrawl.exceptions import ExtractionFailed, PoolUnavailable
from newscrawl.extensions.pool import ExtractionPool
from newscrawl.extract.article import Extraction, extract_article
from newscrawl.extract.worker import Job
from newscrawl.items import Rejection
from newscrawl.urls import canonicalize_url, site_of


def _fetched_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def content_language(response: Response) -> str | None:
    """The response's ``Content-Language`` header (the page's language, as the server says)."""
    value = response.headers.get("Content-Language")
    return value.decode("latin-1")[:100] if value else None


def extract_response(
    spider: scrapy.Spider,
    response: TextResponse,
    section: str | None = None,
    fetched_at: str | None = None,
) -> Extraction:
    """Every spider's article extraction in the crawl process: the response's own selector
    (parsed once), the fetch time (now, or when an archive says the page was fetched),
    the profiles setting, and a logged, counted profile mismatch."""
    extraction = extract_article(
        response.text,
        response.url,
        fetched_at=fetched_at or _fetched_now(),
        section=section,
        use_profiles=spider.settings.getbool("NEWSCRAWL_USE_PROFILES", True),
        selector=response.selector,
        content_language=content_language(response),
        keep_paywalled=spider.settings.getbool("NEWSCRAWL_KEEP_PAYWALLED", False),
    )
    _note_mismatch(spider, response, extraction)
    return extraction


async def extract_or_reject(
    spider: scrapy.Spider,
    response: TextResponse,
    section: str | None = None,
    fetched_at: str | None = None,
) -> Extraction | Rejection:
    """The page's extraction, in the crawl's extraction pool when it has one
    (:mod:`newscrawl.extensions.pool`), else in this process; a :class:`Rejection` when it
    failed (generic extraction's error, or a worker's). ``fetched_at`` is now unless
    given (a page replayed from an archive was fetched when the archive says)."""
    pool = spider.crawler.get_extension(ExtractionPool)
    extraction = None
    if pool is not None:
        job = Job(
            url=response.url,
            body=response.body,
            encoding=response.encoding,
            fetched_at=fetched_at or _fetched_now(),
            section=section,
            use_profiles=spider.settings.getbool("NEWSCRAWL_USE_PROFILES", True),
            content_language=content_language(response),
            keep_paywalled=spider.settings.getbool("NEWSCRAWL_KEEP_PAYWALLED", False),
        )
        try:
            extraction = await pool.extract(job)
        except ExtractionFailed as exc:
            return Rejection(
                url=canonicalize_url(response.url), reason=exc.reason, detail=exc.detail
            )
        except PoolUnavailable:  # no worker left (logged by the pool): extract here
            pass
        else:
            _note_mismatch(spider, response, extraction)
    if extraction is None:
        extraction = extract_response(spider, response, section, fetched_at)
    if extraction.error:  # generic extraction failed on this page (logged)
        return Rejection(
            url=extraction.item["url"], reason="extraction_error", detail=extraction.error
        )
    return extraction


def _note_mismatch(spider: scrapy.Spider, response: Response, extraction: Extraction) -> None:
    if extraction.mismatch:  # a profiled site whose page matched none of its layouts
        spider.crawler.stats.inc_value(f"newscrawl/profile_mismatch/{site_of(response.url)}")
        spider.logger.warning(
            "Layout not recognised, generic extraction used for %s: %s",
            response.url,
            extraction.mismatch,
        )
