"""The bench's baseline: a spider that follows the same links as ``smn`` and extracts nothing.

It starts from the same section pages, follows the same article links (listing links,
pagination, and the related-box links of article pages, all filtered by the SMN profile's
article URL patterns) and yields no items. Its pages/s is the ceiling the real crawl is
measured against: Scrapy's own cost of fetching and parsing each page for links.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse

from newscrawl.profiles.smn import SMN
from newscrawl.urls import site_of

SITES = frozenset(site_of(s.url) for s in SMN.sections)
# Links whose path has an article shape, chosen inside lxml: the pages carry hundreds of
# navigation and ad links, and judging each in Python would make the baseline itself slow
# (the real spider reads article pages' links from the extracted related boxes).
ARTICLE_HREFS = '//a/@href[re:test(., "^https?://[^/]+/(reports|afp|news|[0-9]{4})/")]'


class BareSpider(scrapy.Spider):
    """``-a sections=`` and ``-a platforms=`` choose the start pages as ``smn``'s do."""

    name = "bare"
    allowed_domains = sorted(SITES)

    def __init__(self, sections: str = "", platforms: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.keys = set(sections.split(",")) - {""}
        self.platforms = set(platforms.split(",")) - {""}

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for section in SMN.sections:
            if self.keys and section.key not in self.keys:
                continue
            if self.platforms and section.platform not in self.platforms | {None}:
                continue
            yield scrapy.Request(section.url, self.parse)

    def parse(self, response: Response) -> Iterator[scrapy.Request]:
        if not isinstance(response, TextResponse):
            return
        for href in response.xpath(ARTICLE_HREFS).getall():
            url = response.urljoin(href)
            if site_of(url) in SITES and SMN.is_article_url(url):
                yield scrapy.Request(url, self.parse)
        for href in response.xpath(SMN.next_page_xpath).getall()[:1]:
            yield response.follow(href, self.parse)
