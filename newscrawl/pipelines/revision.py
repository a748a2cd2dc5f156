"""Revisions: a re-fetched stored article replaces its stored record when its body changed
or the update date it states (``modified``) moved.

Under ``INCREMENTAL_REFETCH=newer`` the incremental middleware
(:mod:`newscrawl.downloadermiddlewares.incremental`) lets a stored article through again
when a feed or sitemap dates it later than the stored copy; it keeps the list of those
re-fetches, which this pipeline reads through ``crawler.get_downloader_middleware``.
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from newscrawl.downloadermiddlewares.incremental import IncrementalMiddleware
from newscrawl.extensions.store import CrawlStore
from newscrawl.items import ArticleItem, article_record


class RevisionPipeline:
    """A re-fetched article replaces its stored record when its body or update date changed.

    Runs before deduplication (which would drop it as an already stored URL). A revision
    leaves the crawl's feed (it is not a new story) and reaches consumers through
    ``newscrawl export --new``, where it comes out again with its new ``seq``.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.store = CrawlStore.required_by(crawler).store
        self.stats = crawler.stats
        self.refetched: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RevisionPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        incremental = self.crawler.get_downloader_middleware(IncrementalMiddleware)
        if incremental is not None:
            self.refetched = incremental.refetched

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem) or not self.refetched:
            return item
        stored = self.refetched.get(item.get("url", ""))
        if stored is None or stored != item.get("url"):
            return item
        if item.get("part_urls"):  # a story that grew a page: its new part is an alias too
            self.store.add_parts(stored, item["part_urls"], item.get("fetched_at"))
        if self.store.revise_article(article_record(item)):
            self.stats.inc_value("newscrawl/revised")
            raise DropItem(f"revised {stored}: stored record replaced", log_level="INFO")
        self.stats.inc_value("newscrawl/unchanged")
        raise DropItem(
            f"unchanged {stored}: re-fetched, same body and update date", log_level="INFO"
        )
