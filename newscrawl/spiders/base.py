"""The spider every site-profile spider is made of: sections -> pagination -> articles."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar

import scrapy
from scrapy.http import HtmlResponse, Response

from newscrawl.items import Rejection
from newscrawl.profiles import SiteProfile
from newscrawl.spiders.arguments import choices, comma_list, page_count
from newscrawl.spiders.discovery import DiscoveryMixin, started_hosts
from newscrawl.spiders.extraction import extract_or_reject, extract_response
from newscrawl.spiders.multipage import MultiPageMixin
from newscrawl.spiders.platforms import PlatformAccounting, probe_meta
from newscrawl.urls import canonicalize_url, site_of

__all__ = ["ProfileSpider", "extract_or_reject", "extract_response"]


class ProfileSpider(PlatformAccounting, DiscoveryMixin, MultiPageMixin, scrapy.Spider):
    """Walks a site profile's section pages, feeds and sitemaps, and parses the articles
    they link to.

    The entry points of every platform the profile's sites may run are asked; a site's 404
    for those of a platform it does not run is counted, not a failure
    (:mod:`newscrawl.spiders.platforms`).

    Spider arguments: ``-a sections=KEY[,KEY...]`` limits the crawl to those sections'
    pages (feed and sitemap discovery off unless ``discover`` says otherwise, and related
    links not followed, so the run returns what those sections list; :meth:`section_keys`),
    ``-a max_pages=N`` limits pagination depth per section (default: follow all),
    ``-a discover=sections,feeds,sitemaps`` chooses the listings (default: all),
    ``-a max_age=2d`` skips feed and sitemap entries dated before that,
    ``-a platforms=classic`` asks only the entry points of those platforms (default: every
    platform the profile knows).

    A story split over several pages is fetched page by page and stored as one record
    (:mod:`newscrawl.spiders.multipage`).
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
        platforms: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.init_platforms(platforms)
        covered = self.hosts or tuple(self.profile.hosts)
        self.sites = frozenset(site_of(f"https://{host}/") for host in covered)
        self.allowed_domains = sorted(self.sites)
        own = [s for s in self.profile.sections if site_of(s.url) in self.sites and self.asks(s)]
        if sections is None:
            self.sections, self.targeted = own, False
        else:
            wanted = choices("sections", sections, comma_list(sections), self.section_keys())
            self.sections, self.targeted = [s for s in own if s.key in wanted], True
        self.init_discovery(discover, max_age, targeted=self.targeted)
        self.max_pages = page_count("max_pages", max_pages, None)

    @classmethod
    def section_keys(cls) -> list[str]:
        """The ``-a sections=`` keys this spider accepts (its sites' sections)."""
        covered = cls.hosts or tuple(cls.profile.hosts)
        sites = {site_of(f"https://{host}/") for host in covered}
        return list(dict.fromkeys(s.key for s in cls.profile.sections if site_of(s.url) in sites))

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> ProfileSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.watch_platforms()
        return spider

    def covers(self, url: str) -> bool:
        return site_of(url) in self.sites

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if "sections" in self.sources:
            for section in self.sections:
                yield scrapy.Request(
                    section.url,
                    self.parse_listing,
                    cb_kwargs={"section": section.record_section, "page": 1},
                    meta=probe_meta(section.platform),
                )
        for request in self.discovery_requests(started_hosts(self)):
            yield request

    def parse_listing(
        self, response: Response, section: str | None = None, page: int = 1
    ) -> Iterator[scrapy.Request]:
        """Article links of a section page, then its next page."""
        if self.absent(response) or response.status >= 400:
            return
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
        output = self.story_output(extraction, section)
        if extraction.first_part:  # a later page of a story: its first page says the rest
            return output
        if self.max_age is not None:  # related links carry no date: a recent-only run
            return output  # stays on what dated listings offer
        if self.targeted:  # a run limited to some sections returns what they list, not
            return output  # the whole network their stories' related boxes lead to
        for link in extraction.item.get("related_links") or []:
            if self.covers(link["url"]) and self.profile.is_article_url(link["url"]):
                output.extend(self.article_request(link["url"]))
        return output

    # -- multi-page stories (newscrawl.spiders.multipage) --------------------------------
    def may_request_part(self, url: str) -> bool:
        return self.covers(url)

    def first_page_requests(self, url: str, section: str | None) -> list[scrapy.Request]:
        return list(self.article_request(url, section)) if self.covers(url) else []
