"""The crawl's one store: opened once, locked for the length of the crawl, closed at the end.

:class:`CrawlStore` is an extension because everything that reads or writes the store
during a crawl (the incremental middleware, the dedup, near-duplicate, revision and store
pipelines) must share one connection and one transaction: a record is checked and written
in the same transaction that reserved its keys (:mod:`newscrawl.storage.connection`). They reach
it with ``crawler.get_extension(CrawlStore).store``; ``STORE_URL`` empty turns the
extension off, and with it every component that needs a store.

It is built before the engine opens anything, so it also keeps crawls apart: it takes the
store's advisory lock (:meth:`~newscrawl.storage.connection.StoreConnection.lock`). When
another crawl holds it, the crawl stops before its first request: an error naming the store
and the holder, and exit status 75 (:mod:`newscrawl.commands.crawl`; Scrapy alone exits 1,
counting an extension that fails to start as a failed bootstrap). Cron can fire every few
minutes without runs overlapping. Fleet workers (``REDIS_URL``) take the lock shared:
together they are one crawl.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.defer import deferred_from_coro

from newscrawl.exceptions import StoreBusy
from newscrawl.storage import BaseStore, StoreError, StoreLocked, open_store

logger = logging.getLogger(__name__)


class CrawlStore:
    """Extension (``EXTENSIONS``) owning the crawl's store (see the module docstring).

    A fleet worker (``REDIS_URL`` set, see :mod:`newscrawl.fleet`) commits after every
    item instead of in batches (``STORE_COMMIT_EACH_ITEM``): the keys a record reserved are
    released at once for the other workers, and what it acknowledges to the shared queue
    is already durable.
    """

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        url = settings.get("STORE_URL")
        if not url:
            raise NotConfigured("STORE_URL is empty: the store is off")
        self.crawler = crawler
        self.store: BaseStore = open_store(url, batch_size=settings.getint("STORE_BATCH_SIZE", 100))
        fleet = bool(settings.get("REDIS_URL"))
        self.store.per_item = settings.getbool("STORE_COMMIT_EACH_ITEM", fleet)
        self.store.item_batches = True  # an item's writes are committed together
        # Shared by processes that are one crawl together: fleet workers, and the worker
        # processes of ``newscrawl ccnews --processes N`` (which set it).
        shared = settings.getbool("STORE_LOCK_SHARED", fleet)
        owner = (
            f"pid {os.getpid()} on {socket.gethostname()}, spider {crawler.spidercls.name},"
            f" since {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}"
        )
        try:
            self.store.lock(owner, shared=shared)
        except StoreLocked as exc:
            logger.error("Not crawling: %s", exc)
            crawler.stats.set_value("newscrawl/store_busy", str(exc))
            raise StoreBusy(f"not crawling: {exc}") from None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlStore:
        return cls(crawler)

    @classmethod
    def required_by(cls, crawler: Crawler) -> CrawlStore:
        """The crawl's store for a component that needs one; ``NotConfigured`` (the
        component is left out) when the store is off."""
        owner = crawler.get_extension(cls)
        if owner is None:
            raise NotConfigured("STORE_URL is empty: the store is off")
        return owner

    def stop_on_error(self, exc: StoreError) -> DropItem:
        """Stop the crawl (finish reason ``store_error``) rather than lose items silently;
        the returned drop, raised by the caller, keeps the item out of the feed."""
        logger.error("Store failure, stopping the crawl: %s", exc)
        self.crawler.stats.set_value("newscrawl/store_error", str(exc))
        engine = self.crawler.engine
        if engine is not None and engine.running:
            deferred_from_coro(engine.close_spider_async(reason="store_error"))
        return DropItem(f"not stored: {exc}")

    def spider_closed(self) -> None:
        """Close the connection (the store pipeline committed its last batch) and unlock."""
        try:
            self.store.close()
        except StoreError as exc:
            logger.error("Closing the store failed: %s", exc)
            self.crawler.stats.set_value("newscrawl/store_error", str(exc))
        finally:
            self.store.unlock()
