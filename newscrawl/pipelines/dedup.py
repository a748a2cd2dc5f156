"""Exact duplicates: the same canonical URL, or the same body fingerprint under another URL.

A sister site's copy of a wire story has another URL and the same words: it is dropped
from the feed as ``same_body`` and kept in the store as an alias of the story (:mod:`.store`).
Both checks run against this run and, with a store, every earlier run; the words are looked
up among every place of a stored story, so an exact copy of an edited copy is found too
(named ``near_duplicate``: it is not the stored record's words).

Which copy is the story's record does not depend on which was fetched first
(:mod:`newscrawl.canonical`): a copy that outranks the stored story is not dropped but goes
on, marked ``copy_of``, to take the story's place in the store (and stays out of the feed,
which had the story already).
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler

from newscrawl.canonical import CopyOf, outranks
from newscrawl.exceptions import DuplicateItem
from newscrawl.extensions.store import CrawlStore
from newscrawl.items import ArticleItem
from newscrawl.storage import reservation_key


class DedupPipeline:
    """Exact duplicates: canonical URL, then body fingerprint, this run and earlier runs."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        # Without a store, this run's URLs and words (the store is the memory otherwise).
        self.urls: dict[str, str] = {}  # URL -> canonical URL
        self.fingerprints: dict[str, str] = {}  # fingerprint -> canonical URL

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
        if self.store is None:
            return self._in_run(item)
        url, fp = item["url"], item["fingerprint"]
        self.store.reserve([reservation_key(fp)])  # other writers of these words wait for us
        canonical = self.store.url_known(url)
        if canonical:
            self._duplicate(url, canonical, "same_url", fp)
        story = self.store.story_for_fingerprint(fp)
        if story is None:
            return item
        if outranks(url, item.get("published"), story.url, story.published):
            item["copy_of"] = CopyOf(story.url)
            return item
        reason = "same_body" if story.fingerprint == fp else "near_duplicate"
        self._duplicate(url, story.url, reason, fp)

    def _in_run(self, item: ArticleItem) -> ArticleItem:
        """Without a store: the feed is the only output, so the first copy stays."""
        url, fp = item["url"], item["fingerprint"]
        if url in self.urls:
            self._duplicate(url, self.urls[url], "same_url", fp)
        if fp in self.fingerprints:
            self.urls[url] = self.fingerprints[fp]
            self._duplicate(url, self.fingerprints[fp], "same_body", fp)
        self.urls[url] = url
        self.fingerprints[fp] = url
        return item

    def _duplicate(self, url: str, canonical: str, reason: str, fingerprint: str) -> None:
        self.stats.inc_value("newscrawl/duplicate")
        self.stats.inc_value(f"newscrawl/duplicate/{reason}")
        raise DuplicateItem(url, canonical, reason, fingerprint=fingerprint)
