"""The scheduler of a fleet worker: leases, a heartbeat, start URLs and idle stopping.

See :mod:`newscrawl.fleet` for why each part exists.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.misc import load_object
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from newscrawl.fleet.queue import (
    ARTICLE_META,
    ENQUEUE_SCRIPT,
    LEASE_META,
    LEAVE_SCRIPT,
    POP_START_SCRIPT,
    RELEASE_SCRIPT,
    LeasedQueue,
    check_redis_url,
    keys_for,
    start_request,
)

logger = logging.getLogger(__name__)


class FleetScheduler(Scheduler):
    """scrapy-redis' scheduler with leases, a heartbeat, start URLs and idle stopping."""

    crawler: Crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FleetScheduler:
        check_redis_url(
            crawler.settings.get("REDIS_URL") or "",
            crawler.settings.getbool("FLEET_ALLOW_UNAUTHENTICATED_REDIS"),
        )
        instance = cls.from_settings(crawler.settings)
        instance.crawler = crawler
        instance.stats = None  # counted here without scrapy-redis' deprecated spider=
        instance.fleet_stats = crawler.stats
        settings = crawler.settings
        instance.worker = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        instance.lease_timeout = settings.getfloat("FLEET_LEASE_TIMEOUT", 30)
        instance.idle_timeout = settings.getfloat("FLEET_IDLE_TIMEOUT", 60)
        instance.tick_interval = settings.getfloat("FLEET_TICK", 0.5)
        instance.idle_since: float | None = None
        instance.leased: dict[str, Request] = {}
        crawler.signals.connect(instance.spider_idle, signal=signals.spider_idle)
        return instance

    # -- Scrapy's scheduler interface ------------------------------------------------
    def open(self, spider: Any) -> None:
        # scrapy-redis' open() without its Spider.log() call (deprecated in Scrapy 2.19).
        self.spider = spider
        self.queue = load_object(self.queue_cls)(
            server=self.server, spider=spider, key=self.queue_key % {"spider": spider.name},
            serializer=self.serializer,
        )  # fmt: skip
        if not isinstance(self.queue, LeasedQueue):
            raise NotConfigured("a fleet needs SCHEDULER_QUEUE_CLASS newscrawl.fleet.LeasedQueue")
        if not self.df:
            self.df = load_object(self.dupefilter_cls).from_spider(spider)
        if len(self.queue):
            logger.info("Joining a crawl in progress (%d requests queued)", len(self.queue))
        self.queue.worker = self.worker
        self.queue.stats = self.fleet_stats
        self.keys = keys_for(spider.name, self.worker)
        self.server.sadd(self.keys["workers"], self.worker)
        self._heartbeat()
        logger.info("Fleet worker %s on %s (queue %s)", self.worker, spider.name, self.queue.key)
        self.ticker = task.LoopingCall(self.tick)
        self.ticker.start(self.tick_interval, now=False)

    def close(self, reason: str) -> None:
        if self.ticker.running:
            self.ticker.stop()
        self._ack_finished()
        if self.leased:  # closed early (store failure, shutdown): others take them
            logger.info("Giving %d unfinished requests back to the fleet", len(self.leased))
        self.server.eval(RELEASE_SCRIPT, 4, self.keys["leases"], self.queue.key,
                         self.keys["start_urls"], self.keys["workers"], self.worker)  # fmt: skip
        cleared = self.server.eval(LEAVE_SCRIPT, 5, self.keys["workers"], self.queue.key,
                                   self.keys["start_urls"], self.df.key, self.keys["alive"],
                                   self.worker)  # fmt: skip
        if cleared:
            logger.info("Last fleet worker out: the duplicate filter was cleared")

    def enqueue_request(self, request: Request) -> bool:
        request.meta.pop(LEASE_META, None)  # a redirect or retry copy is a new request
        try:
            entry = self.queue._encode_request(request)
        except ValueError as exc:  # a request the fleet's schema cannot carry (.codec)
            self.fleet_stats.inc_value("newscrawl/fleet/unqueueable")
            logger.warning("Not queued: %s", exc)
            return False
        queued = self.server.eval(
            ENQUEUE_SCRIPT, 2, self.df.key, self.queue.key,
            self.df.request_fingerprint(request), -request.priority,
            entry, "0" if self._filtered(request) else "1",
        )  # fmt: skip
        if not queued:
            self.df.log(request, self.spider)
            return False
        self.fleet_stats.inc_value("scheduler/enqueued/redis")
        return True

    @staticmethod
    def _filtered(request: Request) -> bool:
        """Article requests skip Scrapy's filter in a single process (``dont_filter``: the
        incremental middleware filters them against this run and the store). A fleet
        filters them here, by canonical URL, across workers: a lease keeps a filtered
        article from being lost before its record is committed."""
        return not request.dont_filter or bool(request.meta.get(ARTICLE_META))

    def next_request(self) -> Request | None:
        request = self.queue.pop()
        if request is not None:
            self.leased[request.meta[LEASE_META]] = request
            self.fleet_stats.inc_value("scheduler/dequeued/redis")
        return request

    # -- the worker's tick -----------------------------------------------------------
    def tick(self) -> None:
        try:
            self._heartbeat()
            self._ack_finished()
            self._recover_dead_workers()
            self._read_start_urls()
            slot = self._engine_slot()
            if slot is not None and self.server.zcard(self.queue.key):
                slot.nextcall.schedule()  # wake an idle engine now
        except Exception:  # a Redis hiccup must not stop the tick for good
            logger.exception("Fleet tick failed")

    def _engine_slot(self) -> Any:
        engine = getattr(self.crawler, "_engine", None)  # unset outside a running crawl
        return engine._slot if engine is not None else None  # see the module docstring

    def _heartbeat(self) -> None:
        self.server.set(self.keys["alive"], "1", px=int(self.lease_timeout * 1000))

    def _ack_finished(self) -> None:
        """Release the leases of requests Scrapy has finished with (see the docstring).

        Not after a store failure: records of requests finished since were not stored, so
        their leases stay and go back to the queue when this worker closes.
        """
        if self.fleet_stats.get_value("newscrawl/store_error"):
            return
        slot = self._engine_slot()
        inprogress = slot.inprogress if slot is not None else set()
        done = [lease for lease, request in self.leased.items() if request not in inprogress]
        if done:
            self.server.hdel(self.keys["leases"], *done)
            for lease in done:
                del self.leased[lease]

    def _recover_dead_workers(self) -> None:
        for raw in self.server.smembers(self.keys["workers"]):
            worker = raw.decode() if isinstance(raw, bytes) else raw
            if worker == self.worker:
                continue
            keys = keys_for(self.spider.name, worker)
            if self.server.exists(keys["alive"]):
                continue
            count = self.server.eval(RELEASE_SCRIPT, 4, keys["leases"], self.queue.key,
                                     keys["start_urls"], keys["workers"], worker)  # fmt: skip
            logger.warning("Fleet worker %s is gone: %d requests back in the queue", worker,
                           count)  # fmt: skip
            self.fleet_stats.inc_value("newscrawl/fleet/recovered", count)

    def _read_start_urls(self) -> None:
        engine = self.crawler.engine
        keys = self.keys
        while True:
            found = self.server.eval(POP_START_SCRIPT, 3, keys["start_urls"], keys["leases"],
                                     keys["lease_ids"])  # fmt: skip
            if not found:
                return
            lease, data = (part.decode() if isinstance(part, bytes) else part for part in found)
            request = start_request(self.spider, data)
            if request is not None:
                engine.crawl(request)  # pushed to the shared queue before the lease goes
                self.fleet_stats.inc_value("newscrawl/fleet/start_urls")
            else:
                self.fleet_stats.inc_value("newscrawl/fleet/bad_start_urls")
            self.server.hdel(keys["leases"], lease)

    def _fleet_busy(self) -> bool:
        if self.server.zcard(self.queue.key) or self.server.llen(self.keys["start_urls"]):
            return True
        for raw in self.server.smembers(self.keys["workers"]):
            worker = raw.decode() if isinstance(raw, bytes) else raw
            if self.server.hlen(keys_for(self.spider.name, worker)["leases"]):
                return True
        return False

    def spider_idle(self) -> None:
        """Stay open while the fleet has work; stop after ``FLEET_IDLE_TIMEOUT`` without."""
        from twisted.internet import reactor

        now = reactor.seconds()  # type: ignore[attr-defined]
        self._ack_finished()
        if self._fleet_busy():
            self.idle_since = None
            raise DontCloseSpider
        if self.idle_since is None:
            self.idle_since = now
        if now - self.idle_since < self.idle_timeout:
            raise DontCloseSpider
        logger.info("Fleet idle for %.0f s: worker %s stops", now - self.idle_since, self.worker)
