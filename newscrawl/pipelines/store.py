"""The record goes into the store; drops from earlier stages become aliases and rejections.

Last of the pipelines: what it stores is what the feed exports. A duplicate found at
another URL (``same_body``, ``near_duplicate``) becomes an alias of the stored story (an
entry of its ``also_at``); a copy marked ``copy_of`` (it outranks the stored story,
:mod:`newscrawl.canonical`) takes the story's place, and leaves the feed, which had the
story already under its earlier URL; the other pages of a story split over several pages
become aliases of the story it was stored as (reason ``part``, not in ``also_at``); a
rejection is recorded with its reason, so incremental runs do not fetch the page again. A
store that fails stops the crawl (:meth:`~newscrawl.extensions.store.CrawlStore.stop_on_error`)
rather than lose items.
"""

from __future__ import annotations

import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler

from newscrawl.exceptions import CanonicalReplaced, DuplicateItem, RejectedItem
from newscrawl.extensions.store import CrawlStore
from newscrawl.items import ArticleItem, article_record
from newscrawl.storage import StoreError
from newscrawl.urls import site_of

logger = logging.getLogger(__name__)

# Duplicates found at another URL: each is another place of the stored story (an alias, and
# an entry of its also_at). A same_url duplicate is the same place seen again.
ALIAS_REASONS = ("same_body", "near_duplicate")


class StorePipeline:
    """Writes records, aliases and rejections; stops the crawl if the store fails."""

    def __init__(self, crawler: Crawler) -> None:
        self.owner = CrawlStore.required_by(crawler)
        self.store = self.owner.store
        self.stats = crawler.stats
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)
        # After the feed exporter's handler (extensions connect first): an item's record
        # is committed only once its feed line is written (newscrawl.extensions.feeds).
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        logger.info("Storing articles in %s", self.store.location)

    def close_spider(self) -> None:
        self._guard(self.store.commit)  # the last batch; the extension closes the store

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ArticleItem) and item.get("copy_of") is not None:
            self._replace(item)
        if isinstance(item, ArticleItem):
            record = article_record(item)  # plain values: NormalizePipeline built them
            stored = self._guard(self.store.add_article, record)
            if stored:
                self._add_parts(item, record["url"])
                self.stats.inc_value("newscrawl/stored")
                self.stats.inc_value(f"newscrawl/stored/{record['site']}")
            else:
                self._lost_race(record)
            if not self.store.per_item:  # the item ends once its feed line is written
                self.store.unexported += 1
                return item
        self._guard(self.store.end_item)
        return item

    def item_scraped(self, item: Any) -> None:
        """After the feed exporter wrote the item's line (a fleet worker has committed it
        already: one item, one transaction, so its reservations are released at once)."""
        if isinstance(item, ArticleItem) and not self.store.per_item:
            self.store.unexported -= 1
            try:
                self.store.end_item()
            except StoreError as exc:
                self.owner.stop_on_error(exc)  # logged; the crawl stops

    def _replace(self, item: ArticleItem) -> None:
        """Store a better copy of a stored story in its place, then drop it from the feed."""
        copy_of = item["copy_of"]
        record = article_record(item)
        placed = self._guard(self.store.replace_story, copy_of.url, record, copy_of.sketch)
        self._add_parts(item, record["url"] if placed.replaced else placed.url)
        self._guard(self.store.end_item)
        self.stats.inc_value("newscrawl/duplicate")
        self.stats.inc_value(f"newscrawl/duplicate/{placed.reason}")
        if placed.replaced:
            self.stats.inc_value("newscrawl/canonical_replaced")
            raise CanonicalReplaced(record["url"], placed.url, placed.reason)
        raise DuplicateItem(record["url"], placed.url, placed.reason, recorded=True)

    def _lost_race(self, record: dict[str, Any]) -> None:
        """The store refused the record: another writer stored its URL or body first.

        Reservations make this rare (see :mod:`newscrawl.storage.connection`); if it happens the
        record is a duplicate like any other, never a second copy in the feed.
        """
        url = record["url"]
        canonical = self.store.url_known(url)
        reason = "same_url"
        if canonical is None:
            canonical, reason = self.store.url_for_fingerprint(record["fingerprint"]), "same_body"
        self.stats.inc_value("newscrawl/duplicate")
        self.stats.inc_value(f"newscrawl/duplicate/{reason}")
        raise DuplicateItem(url, canonical or "?", reason, fingerprint=record["fingerprint"])

    def item_dropped(self, item: Any, response: Any, exception: BaseException) -> None:
        if isinstance(exception, DuplicateItem) and exception.recorded:
            return  # stored by process_item, which ended the item
        try:
            self._record_drop(item, exception)
        finally:
            self._guard(self.store.end_item)

    def _record_drop(self, item: Any, exception: BaseException) -> None:
        if isinstance(exception, DuplicateItem) and exception.reason in ALIAS_REASONS:
            fields = ItemAdapter(item)
            self._guard(
                self.store.add_alias,
                exception.url,
                exception.canonical,
                site_of(exception.url),
                exception.reason,
                fields.get("fetched_at"),
                exception.fingerprint or fields.get("fingerprint"),
            )
            self._add_parts(item, exception.canonical)
        elif isinstance(exception, RejectedItem):
            self._guard(self.store.add_rejection, exception.url, exception.reason, exception.detail)

    def _add_parts(self, item: Any, url: str) -> None:
        """A multi-page story's other pages, as aliases of the story stored at ``url``."""
        if isinstance(item, ArticleItem) and item.get("part_urls"):
            self._guard(self.store.add_parts, url, item["part_urls"], item.get("fetched_at"))

    def _guard(self, write: Any, *args: Any) -> Any:
        """Run a store write; on failure stop the crawl instead of losing items silently."""
        try:
            return write(*args)
        except StoreError as exc:
            raise self.owner.stop_on_error(exc) from exc
