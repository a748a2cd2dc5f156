"""Exact duplicates: the same canonical URL, or the same body fingerprint under another URL.

A sister site's copy of a wire story has another URL and the same words: it is dropped
from the feed as ``same_body`` and kept in the store as an alias of the first copy
(:mod:`.store`). Both checks run against this run and, with a store, every earlier run.
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler

from newscrawl.exceptions import DuplicateItem
from newscrawl.extensions.store import CrawlStore
from newscrawl.items import ArticleItem
from newscrawl.storage import reservation_key


class DedupPipeline:
    """Exact duplicates: canonical URL, then body fingerprint, this run and earlier runs."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.urls: dict[str, str] = {}  # URL -> canonical URL, this run
        self.fingerprints: dict[str, str] = {}  # fingerprint -> canonical URL, this run

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        # Without a store, duplicates are still caught within the run.
        owner = self.crawler.get_extension(CrawlStore)
        self.store = owner.store if owner is not None else None

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        url, fp = item["url"], item["fingerprint"]
        if self.store is not None:  # other writers of this fingerprint wait until we commit
            self.store.reserve([reservation_key(fp)])
        canonical = self.urls.get(url) or (self.store and self.store.url_known(url))
        if canonical:
            self._duplicate(url, canonical, "same_url")
        canonical = self.fingerprints.get(fp) or (self.store and self.store.url_for_fingerprint(fp))
        if canonical:
            self.urls[url] = canonical
            self._duplicate(url, canonical, "same_body")
        self.urls[url] = url
        self.fingerprints[fp] = url
        return item

    def _duplicate(self, url: str, canonical: str, reason: str) -> None:
        self.stats.inc_value("newscrawl/duplicate")
        self.stats.inc_value(f"newscrawl/duplicate/{reason}")
        raise DuplicateItem(url, canonical, reason)
