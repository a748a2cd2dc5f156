"""A careless spider for the guard tests: no ``allowed_domains``, follows every link.

With no offsite filter and no scope of its own, only the project's downloader guards
(newscrawl/downloadermiddlewares/guard.py, wired by the project settings) stand between
its links and the network. Run with
``scrapy runspider tests/support/naive_spider.py -a start=URL`` from the project folder, so
the project settings apply, and always through the fault site's proxy.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import scrapy
from scrapy.http import HtmlResponse, Response


class NaiveSpider(scrapy.Spider):
    name = "naive"

    def __init__(self, start: str, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.start_url = start

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.start_url, self.parse)

    def parse(self, response: Response) -> Iterator[scrapy.Request]:
        if not isinstance(response, HtmlResponse):
            return
        for href in response.css("a::attr(href)").getall():
            try:
                yield response.follow(href, self.parse)
            except ValueError:  # Scrapy refuses javascript: and mailto: URLs itself
                self.crawler.stats.inc_value("naive/unrequestable")
