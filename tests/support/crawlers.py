"""Crawler objects for tests that drive components without a crawl.

A real crawl builds its extensions before its pipelines and middlewares, and those reach
the crawl's store through ``crawler.get_extension(CrawlStore)``; these helpers build the
same, so a pipeline test runs the components exactly as a crawl wires them.
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler

from newscrawl.extensions.store import CrawlStore


def store_crawler(store_url: str | None, **settings: Any) -> Crawler:
    """A crawler with the project's store extension (the store off when ``store_url`` is
    empty), its stats open."""
    crawler = get_crawler(
        settings_dict={
            "STORE_URL": store_url or "",
            "EXTENSIONS": {"newscrawl.extensions.store.CrawlStore": 0},
            **settings,
        }
    )
    crawler.stats.open_spider()
    return crawler


def end_crawl(crawler: Crawler) -> None:
    """What the end of a crawl does to the store: closed and unlocked."""
    owner = crawler.get_extension(CrawlStore)
    if owner is not None:
        owner.spider_closed()
