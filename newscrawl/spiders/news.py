"""``news``: the spider for any site the project has no profile for.

``scrapy crawl news -a start_urls=https://www.example.com/[,URL...] [-a max_pages=N]``

The walk has three levels, so it stays on the sections of a site instead of wandering it:

0. the start pages, and their next pages up to ``max_pages``;
1. every page a start page links to: an article is extracted; a page that lists articles
   (:func:`newscrawl.discovery.pagekind.is_listing`) is a section, walked like a start page
   (its next pages up to ``max_pages``); anything else is counted and left;
2. every page a section links to: an article is extracted, anything else is counted as
   ``newscrawl/news/not_article`` and not followed further.

Which page is what is decided by :mod:`newscrawl.discovery.pagekind` (rules about pages,
never about one site); which URLs may be requested at all by
:mod:`newscrawl.discovery.scope` (the start hosts only). Articles go through the same
:func:`~newscrawl.extract.article.extract_article` and pipelines as every other spider's;
robots.txt and the polite defaults of the project settings apply. A story split over
several pages is fetched page by page and stored as one record
(:mod:`newscrawl.spiders.multipage`).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import HtmlResponse, Response
from scrapy.linkextractors import IGNORED_EXTENSIONS
from scrapy.utils.url import url_has_any_extension

from newscrawl.discovery import pagekind
from newscrawl.discovery.scope import SiteScope
from newscrawl.exceptions import SpiderArgumentError
from newscrawl.items import Rejection
from newscrawl.spiders.arguments import comma_list, page_count
from newscrawl.spiders.extraction import extract_or_reject
from newscrawl.spiders.multipage import MultiPageMixin

DEFAULT_MAX_PAGES = 5
_SKIPPED_EXTENSIONS = {f".{ext}" for ext in IGNORED_EXTENSIONS}


class NewsSpider(MultiPageMixin, scrapy.Spider):
    """Walk any news site's sections and extract its articles generically.

    Spider arguments: ``start_urls`` (comma-separated; their hosts are the only ones
    requested) and ``max_pages`` (pages of each listing to read, default 5).
    """

    name = "news"
    # It follows links on sites nobody vetted: names are resolved and checked before a
    # request goes on (newscrawl.downloadermiddlewares.guard; "-s ADDRESS_GUARD_DNS=False"
    # turns it off).
    custom_settings = {"ADDRESS_GUARD_DNS": True}

    def __init__(
        self,
        *args: Any,
        start_urls: str | list[str] | None = None,
        max_pages: str | int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.start_urls = comma_list(start_urls)
        # ``scrapy check`` creates spiders without arguments (and its own start requests).
        if not self.start_urls and not os.environ.get("SCRAPY_CHECK"):
            raise SpiderArgumentError(
                "start_urls", None, "the news spider needs -a start_urls=URL[,URL...]"
                " (http(s) pages; only their hosts are crawled)",
            )  # fmt: skip
        try:
            self.scope = SiteScope.from_start_urls(self.start_urls)
        except ValueError:
            raise SpiderArgumentError(
                "start_urls", start_urls, "http(s) URLs with a host, comma-separated"
            ) from None
        self.allowed_domains = self.scope.hosts  # Scrapy's offsite filter as a second guard
        self.max_pages = page_count("max_pages", max_pages, DEFAULT_MAX_PAGES) or 1

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_urls:
            yield scrapy.Request(url, self.parse_listing, cb_kwargs={"page": 1, "level": 0})

    # ------------------------------------------------------------------ helpers

    def _count(self, key: str) -> None:
        self.crawler.stats.inc_value(f"newscrawl/news/{key}")

    def _in_scope(self, response: Response) -> bool:
        """A redirect may have left the site: such a response is not read."""
        if self.scope.allows(response.url):
            return True
        self._count("offsite_response")
        self.logger.warning("Ignored %s: redirected outside the start hosts", response.url)
        return False

    def _follow(self, url: str) -> bool:
        if not self.scope.allows(url):
            self._count("link_out_of_scope")
            return False
        if url_has_any_extension(url, _SKIPPED_EXTENSIONS):
            self._count("link_not_a_page")  # PDFs, images, archives: never an article page
            return False
        return True

    # ------------------------------------------------------------------ callbacks

    async def parse_listing(
        self, response: Response, page: int = 1, level: int = 0, section: str | None = None
    ) -> list[Any]:
        """A start or section page: its next page, then every page it links to.

        Callbacks here are coroutines returning lists (see ``ProfileSpider.parse_article``):
        an article's extraction may be awaited from the extraction pool.
        """
        if not self._in_scope(response):
            return []
        if not isinstance(response, HtmlResponse):  # an XML selector would expand entities
            self._count("not_article")
            return []
        kind = pagekind.classify(response.selector, response.url)
        if level == 0 and page == 1 and kind.is_article:  # an article given as a start URL
            return await self.parse_article(response)
        return list(self._listing_links(response, page, level, section))

    def _listing_links(
        self, response: HtmlResponse, page: int, level: int, section: str | None
    ) -> Iterator[scrapy.Request]:
        self._count("listing")
        next_url = pagekind.next_page(response.selector, response.url)
        if next_url and page < self.max_pages and self._follow(next_url):
            yield scrapy.Request(
                next_url,
                self.parse_listing,
                cb_kwargs={"page": page + 1, "level": level, "section": section},
            )
        for url in pagekind.links(response.selector, response.url):
            if url in (response.url, next_url) or pagekind.is_pagination_url(url):
                continue  # pages of a listing are read through next_page, up to max_pages
            if self._follow(url):
                yield scrapy.Request(
                    url, self.parse_page, cb_kwargs={"level": level + 1, "section": section}
                )

    async def parse_page(
        self, response: Response, level: int = 1, section: str | None = None
    ) -> list[Any]:
        """A page reached from a listing: an article, a section (from a start page), or else."""
        if not self._in_scope(response):
            return []
        if not isinstance(response, HtmlResponse):
            self._count("not_article")
            return []
        kind = pagekind.classify(response.selector, response.url)
        if kind.is_article:
            return await self.parse_article(response, section)
        if level == 1 and pagekind.is_listing(response.selector, response.url, self.scope.allows):
            heading = " ".join(response.xpath("string((//h1)[1])").get("").split()) or None
            return list(self._listing_links(response, 1, 1, heading))
        self._count("not_article")
        self.logger.debug("Not an article: %s (signals: %s)", response.url, kind.signals)
        return []

    async def parse_article(self, response: Response, section: str | None = None) -> list[Any]:
        """An article page of any site, extracted generically unless a profile claims it.

        @url https://www.harbourgazette.example/2025/08/21/ferry-terminal-upgrade-wins-state-grant/
        @meta {"mirror_dir": "fixtures/mirror"}
        @returns items 1 1
        @returns requests 0 0
        @scrapes url site headline published authors body language fetched_at
        """
        extraction = await extract_or_reject(self, response, section)
        if isinstance(extraction, Rejection):
            return [extraction]
        if not extraction.first_part:  # a later page of a story is not an article of its own
            self._count("article")
        return self.story_output(extraction, section)

    # -- multi-page stories (newscrawl.spiders.multipage) --------------------------------
    def may_request_part(self, url: str) -> bool:
        return self._follow(url)

    def first_page_requests(self, url: str, section: str | None) -> list[scrapy.Request]:
        """The story's first page, read as any page a section links to."""
        if not self._follow(url):
            return []
        return [scrapy.Request(url, self.parse_page, cb_kwargs={"level": 2, "section": section})]
