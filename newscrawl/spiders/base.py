"""The spider every site-profile spider is made of: sections -> pagination -> articles."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar

import scrapy
from scrapy.http import HtmlResponse, Response, TextResponse

from newscrawl.exceptions import ExtractionFailed, PoolUnavailable
from newscrawl.extensions.pool import ExtractionPool
from newscrawl.extract.article import Extraction, extract_article
from newscrawl.extract.worker import Job
from newscrawl.items import Rejection
from newscrawl.profiles import SiteProfile
from newscrawl.spiders.discovery import DiscoveryMixin, started_hosts
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


class ProfileSpider(DiscoveryMixin, scrapy.Spider):
    """Walks a site profile's section pages, feeds and sitemaps, and parses the articles
    they link to.

    Spider arguments: ``-a sections=KEY[,KEY...]`` limits the start sections (and turns
    feed and sitemap discovery off unless ``discover`` says otherwise),
    ``-a max_pages=N`` limits pagination depth per section (default: follow all),
    ``-a discover=sections,feeds,sitemaps`` chooses the listings (default: all),
    ``-a max_age=2d`` skips feed and sitemap entries dated before that.
    """

    profile: ClassVar[SiteProfile]
    #: Hosts this spider covers; empty means every host of the profile.
    hosts: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        *args: Any,
        sections: str | None = None,
        max_pages: str | int | None = None,
        discover: str | None = None,
        max_age: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.init_discovery(discover, max_age, targeted=bool(sections))
        covered = self.hosts or tuple(self.profile.hosts)
        self.sites = frozenset(site_of(f"https://{host}/") for host in covered)
        self.allowed_domains = sorted(self.sites)
        wanted = {s.strip() for s in sections.split(",")} if sections else None
        self.sections = [
            s for s in self.profile.sections
            if site_of(s.url) in self.sites and (wanted is None or s.key in wanted)
        ]  # fmt: skip
        if wanted and not self.sections:
            keys = ", ".join(s.key for s in self.profile.sections if site_of(s.url) in self.sites)
            raise ValueError(f"no section among {sorted(wanted)} (this spider has: {keys})")
        self.max_pages = int(max_pages) if max_pages else None

    def covers(self, url: str) -> bool:
        return site_of(url) in self.sites

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if "sections" in self.sources:
            for section in self.sections:
                yield scrapy.Request(
                    section.url, self.parse_listing, cb_kwargs={"section": section.key, "page": 1}
                )
        for request in self.discovery_requests(started_hosts(self)):
            yield request

    def parse_listing(
        self, response: Response, section: str | None = None, page: int = 1
    ) -> Iterator[scrapy.Request]:
        """Article links of a section page, then its next page."""
        if not isinstance(response, HtmlResponse):  # an XML selector would expand entities
            return
        yield from self.announced_feeds(response)
        for href in response.xpath(self.profile.listing_link_xpath).getall():
            url = response.urljoin(href)
            if self.covers(url) and self.profile.is_article_url(url):
                yield from self.article_request(url, section)
        if self.max_pages is None or page < self.max_pages:
            for href in response.xpath(self.profile.next_page_xpath).getall()[:1]:
                yield response.follow(
                    href, self.parse_listing, cb_kwargs={"section": section, "page": page + 1}
                )

    async def parse_article(self, response: Response, section: str | None = None) -> list[Any]:
        """Parse an article page; follow its related links to covered sites' articles.

        A coroutine returning a list, not an asynchronous generator: Scrapy passes each
        output of an asynchronous generator through every spider middleware as another
        asynchronous generator, which costs more per page than the extraction it awaits.
        Site spiders restate this method with ``scrapy check`` contracts naming one of
        their own articles (a contract URL must be on the spider's sites).
        """
        if not isinstance(response, HtmlResponse):
            kind = response.headers.get("Content-Type", b"").decode("latin-1") or "unknown"
            return [Rejection(url=canonicalize_url(response.url), reason="not_html", detail=kind)]
        extraction = await extract_or_reject(self, response, section)
        if isinstance(extraction, Rejection):
            return [extraction]
        output: list[Any] = [extraction.item]
        if self.max_age is not None:  # related links carry no date: a recent-only run
            return output  # stays on what dated listings offer
        for link in extraction.item.get("related_links") or []:
            if self.covers(link["url"]) and self.profile.is_article_url(link["url"]):
                output.extend(self.article_request(link["url"]))
        return output
