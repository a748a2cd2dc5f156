"""Crawl a few URLs with a downloader middleware that archives what it sees (run as a script).

    python tests/support/warc_crawl.py CONFIG.json

CONFIG holds ``urls``, ``warc_dir``, ``facts`` (a JSON file to write) and ``settings``
(priority of the middleware as ``ARCHIVE_PRIORITY``, size limits...). The middleware is
the smallest version of what the crawl's archiving middleware does: it turns Scrapy's
response and request into an :class:`~newscrawl.archive.Exchange` and writes it. It also
writes down, per URL, what Scrapy handed it (body, headers, flags, protocol, address, or
the exception), which is what ``tests/test_archive_scrapy.py`` checks Scrapy's behaviour
against. A script, run in its own process, because a Twisted reactor starts once.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess

from newscrawl.archive import Exchange, WarcWriter, header_pairs

FLAG_TRUNCATION = {"dataloss": "disconnect", "download_stopped": "unspecified"}


class ArchiveProbe:
    """Archive every response, and note what Scrapy gave for each request."""

    def __init__(self, crawler: Crawler) -> None:
        self.writer = WarcWriter(crawler.settings["WARC_DIR"])
        self.facts: dict[str, Any] = {}
        self.facts_file = Path(crawler.settings["FACTS_FILE"])
        crawler.signals.connect(self.closed, signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveProbe:
        return cls(crawler)

    def process_response(self, request: scrapy.Request, response: scrapy.http.Response):
        truncated = next((FLAG_TRUNCATION[f] for f in response.flags if f in FLAG_TRUNCATION), None)
        self.writer.write_exchange(
            Exchange(
                url=response.url,
                status=response.status,
                response_headers=header_pairs(response.headers),
                body=response.body,
                method=request.method,
                request_headers=header_pairs(request.headers),
                request_body=request.body,
                protocol=response.protocol,
                ip_address=str(response.ip_address) if response.ip_address else None,
                truncated=truncated,
            )
        )
        self.facts[response.url] = {
            "status": response.status,
            "protocol": response.protocol,
            "ip_address": str(response.ip_address),
            "flags": list(response.flags),
            "headers": [
                [k.decode("latin-1"), [v.decode("latin-1") for v in vs]]
                for k, vs in response.headers.items()
            ],
            "body": response.body.hex(),
        }
        return response

    def process_exception(self, request: scrapy.Request, exception: Exception) -> None:
        self.facts[request.url] = {"exception": type(exception).__name__}

    def closed(self) -> None:
        self.writer.close()
        self.facts_file.write_text(json.dumps(self.facts), encoding="utf-8")


class UrlsSpider(scrapy.Spider):
    name = "urls"

    async def start(self):
        for url in self.urls:
            yield scrapy.Request(url, dont_filter=True, errback=self.failed)

    def parse(self, response: scrapy.http.Response) -> None:
        pass

    def failed(self, failure: Any) -> None:
        pass  # expected: the size-limit and data-loss cases


def main() -> None:
    config = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    settings = {
        "DOWNLOADER_MIDDLEWARES": {"__main__.ArchiveProbe": config["settings"]["ARCHIVE_PRIORITY"]},
        "WARC_DIR": config["warc_dir"],
        "FACTS_FILE": config["facts"],
        "LOG_LEVEL": "WARNING",
        "RETRY_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "ROBOTSTXT_OBEY": False,
        **config["settings"],
    }
    process = CrawlerProcess(settings)
    process.crawl(UrlsSpider, urls=config["urls"])
    process.start()


if __name__ == "__main__":
    main()
