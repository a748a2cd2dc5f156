"""Item pipelines, each doing one thing, in this order (see ``ITEM_PIPELINES``):

1. :class:`NormalizePipeline` — one spelling of every text field, and the body fingerprint.
2. :class:`ValidatePipeline` — records without a headline or body, and :class:`Rejection`
   items from the spiders, are dropped with a reason, logged and counted.
3. :class:`DedupPipeline` — a URL already seen, or a body already seen under another URL
   (the same wire story on a sister site), is dropped as a duplicate.
   :class:`NearDupPipeline` then drops a story already stored in an edited form
   (another headline, a trimmed paragraph...): see :mod:`newscrawl.neardup`.
4. :class:`StorePipeline` — the record goes into the store; drops from the stages above
   become aliases and rejections there.

What survives all four is what the feed exports, so the feed never holds a record the
store refused.
"""

from __future__ import annotations

import logging
from typing import Any
from weakref import WeakKeyDictionary

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.logformatter import LogFormatter, LogFormatterResult
from scrapy.utils.defer import deferred_from_coro

from newscrawl.extraction import take_normalized, take_sketch
from newscrawl.items import ArticleItem, Rejection
from newscrawl.neardup import MemoryIndex, NearDupConfig, NearDupDetector, StoreIndex
from newscrawl.storage import BaseStore, StoreError, reservation_key
from newscrawl.text import normalize_record
from newscrawl.urls import site_of

logger = logging.getLogger(__name__)

REQUIRED_FIELDS = ("url", "headline", "body")
# Duplicates found at another URL: each is another place of the stored story (an alias, and
# an entry of its also_at). A same_url duplicate is the same place seen again.
ALIAS_REASONS = ("same_body", "near_duplicate")


class RejectedItem(DropItem):
    """A record that is not a valid article; ``reason`` is a short stable code."""

    def __init__(self, url: str, reason: str, detail: str | None = None) -> None:
        super().__init__(
            f"rejected {url}: {reason}" + (f" ({detail})" if detail else ""), log_level="WARNING"
        )
        self.url, self.reason, self.detail = url, reason, detail


class DuplicateItem(DropItem):
    """A record already stored under ``canonical`` (same URL, or same body elsewhere)."""

    def __init__(self, url: str, canonical: str, reason: str) -> None:
        super().__init__(f"duplicate {url}: {reason} of {canonical}", log_level="INFO")
        self.url, self.canonical, self.reason = url, canonical, reason


class DropLogFormatter(LogFormatter):
    """Log a dropped item as its one-line reason: the whole record would drown the log."""

    def dropped(
        self, item: Any, exception: BaseException, response: Any, spider: Any
    ) -> LogFormatterResult:
        result = super().dropped(item, exception, response, spider)
        result["msg"] = "Dropped: %(exception)s"
        result["args"] = {"exception": exception}
        return result


def stop_on_store_error(crawler: Crawler, exc: StoreError) -> DropItem:
    """Stop the crawl (finish reason ``store_error``) rather than lose items silently; the
    returned drop, raised by the caller, keeps this item out of the feed."""
    logger.error("Store failure, stopping the crawl: %s", exc)
    crawler.stats.set_value("newscrawl/store_error", str(exc))
    if crawler.engine is not None and crawler.engine.running:
        deferred_from_coro(crawler.engine.close_spider_async(reason="store_error"))
    return DropItem(f"not stored: {exc}")


_STORES: WeakKeyDictionary[Crawler, BaseStore] = WeakKeyDictionary()


def store_for(crawler: Crawler) -> BaseStore:
    """The crawl's one store, shared by the pipelines that read and write it.

    A fleet worker (``REDIS_URL`` set, see :mod:`newscrawl.fleet`) commits after every
    item instead of in batches: the keys a record reserved are released at once for the
    other workers, and what it acknowledges to the shared queue is already durable.
    """
    if crawler not in _STORES:
        settings = crawler.settings
        store = BaseStore.from_url(
            settings.get("STORE_URL"), batch_size=settings.getint("STORE_BATCH_SIZE", 100)
        )
        store.per_item = settings.getbool("STORE_COMMIT_EACH_ITEM", bool(settings.get("REDIS_URL")))
        _STORES[crawler] = store
    return _STORES[crawler]


class NormalizePipeline:
    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        normalized = take_normalized(item)  # by an extraction worker, with the same function
        if normalized is not None:
            return normalized
        return ArticleItem(normalize_record(ItemAdapter(item)))


class ValidatePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, Rejection):
            self._reject(item.url, item.reason, item.detail)
        if isinstance(item, ArticleItem):
            for name in REQUIRED_FIELDS:
                if not item.get(name):
                    self._reject(item.get("url") or "?", f"missing_{name}")
        return item

    def _reject(self, url: str, reason: str, detail: str | None = None) -> None:
        self.stats.inc_value("newscrawl/rejected")
        self.stats.inc_value(f"newscrawl/rejected/{reason}")
        raise RejectedItem(url, reason, detail)


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
        self.store = store_for(self.crawler) if self.crawler.settings.get("STORE_URL") else None

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


class StorePipeline:
    """Writes records, aliases and rejections; stops the crawl if the store fails."""

    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.get("STORE_URL"):
            raise NotConfigured("STORE_URL is empty: the store is off")
        self.crawler = crawler
        self.stats = crawler.stats
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.store = store_for(self.crawler)
        logger.info("Storing articles in %s", self.store.location)

    def close_spider(self) -> None:
        self._guard(self.store.close)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ArticleItem):
            # Its values are plain (NormalizePipeline built them): no deep asdict() needed.
            record = dict(item)
            stored = self._guard(self.store.add_article, record)
            if stored:
                self.stats.inc_value("newscrawl/stored")
                self.stats.inc_value(f"newscrawl/stored/{record['site']}")
            else:
                self._lost_race(record)
        self._guard(self.store.end_item)
        return item

    def _lost_race(self, record: dict[str, Any]) -> None:
        """The store refused the record: another writer stored its URL or body first.

        Reservations make this rare (see :mod:`newscrawl.storage.base`); if it happens the
        record is a duplicate like any other, never a second copy in the feed.
        """
        url = record["url"]
        canonical = self.store.url_known(url)
        reason = "same_url"
        if canonical is None:
            canonical, reason = self.store.url_for_fingerprint(record["fingerprint"]), "same_body"
        self.stats.inc_value("newscrawl/duplicate")
        self.stats.inc_value(f"newscrawl/duplicate/{reason}")
        raise DuplicateItem(url, canonical or "?", reason)

    def item_dropped(self, item: Any, response: Any, exception: BaseException) -> None:
        try:
            self._record_drop(item, exception)
        finally:
            self._guard(self.store.end_item)

    def _record_drop(self, item: Any, exception: BaseException) -> None:
        if isinstance(exception, DuplicateItem) and exception.reason in ALIAS_REASONS:
            self._guard(
                self.store.add_alias,
                exception.url,
                exception.canonical,
                site_of(exception.url),
                exception.reason,
                ItemAdapter(item).get("fetched_at"),
            )
        elif isinstance(exception, RejectedItem):
            self._guard(self.store.add_rejection, exception.url, exception.reason, exception.detail)

    def _guard(self, write: Any, *args: Any) -> Any:
        """Run a store write; on failure stop the crawl instead of losing items silently."""
        try:
            return write(*args)
        except StoreError as exc:
            raise stop_on_store_error(self.crawler, exc) from exc


class NearDuplicateItem(DuplicateItem):
    """A record whose story is already stored in an edited form under ``canonical``."""

    def __init__(self, url: str, canonical: str, score: float) -> None:
        super().__init__(url, canonical, "near_duplicate")
        self.score = score


class NearDupPipeline:
    """Near-duplicates: the same story with edits, this run and earlier runs.

    Runs after :class:`DedupPipeline`, so only records with a new URL and a new body are
    sketched. A record that matches nothing is indexed (in the store, beside the article
    the store pipeline writes next; without a store, in memory for this run).
    """

    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.getbool("NEARDUP_ENABLED", True):
            raise NotConfigured("NEARDUP_ENABLED is off")
        self.crawler = crawler
        self.stats = crawler.stats
        self.config = NearDupConfig.from_settings(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NearDupPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        if self.crawler.settings.get("STORE_URL"):
            index: StoreIndex | MemoryIndex = StoreIndex(store_for(self.crawler))
        else:
            index = MemoryIndex()
        self.detector = NearDupDetector(index, self.config)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        # An extraction worker may have sketched it already (same text, same settings).
        sketched, sketch = take_sketch(item, self.config)
        try:
            match = self.detector.check(
                item["url"], item.get("headline"), item.get("body"), sketch, sketched=sketched
            )
        except StoreError as exc:
            raise stop_on_store_error(self.crawler, exc) from exc
        if match is not None:
            self.stats.inc_value("newscrawl/duplicate")
            self.stats.inc_value("newscrawl/duplicate/near_duplicate")
            raise NearDuplicateItem(item["url"], match.url, match.score)
        return item
