"""A fleet of crawl workers sharing one frontier in Redis (scrapy-redis) and one store.

With ``REDIS_URL`` set, :class:`FleetAddon` makes a crawl a *worker*: requests go to a
shared Redis queue through scrapy-redis' scheduler and duplicate filter (pinned to 0.9.1),
so any number of ``scrapy crawl SPIDER`` processes, on any machines, share the work and
each page is fetched once. Every adaptation of scrapy-redis to Scrapy 2.19 and to what the
fleet needs lives in this module (``tests/test_fleet.py`` fails if an upgrade breaks one):

- **No request is lost when a worker dies.** scrapy-redis pops a request and forgets it;
  a worker killed before the page's records were committed would lose them (and the
  duplicate filter would stop anyone from fetching the page again). :class:`LeasedQueue`
  pops into a per-worker *lease* hash in the same Redis script; a lease is released only
  when Scrapy is done with the request (its response went through the callback and the
  item pipelines, whose records a fleet worker commits per item). Each worker keeps a
  heartbeat key with a TTL (``FLEET_LEASE_TIMEOUT``); any worker that sees a dead
  worker's heartbeat gone puts its leases back in the queue, in one script.
  Scrapy has no public signal for "this request is completely processed": the engine's
  set of in-progress requests (``engine._slot.inprogress``) is read for that.
- **Idle workers pick up new work at once**, not at the engine's 5 s idle heartbeat: the
  worker's tick (every ``FLEET_TICK`` s) wakes the engine when the shared queue has
  requests (``engine._slot.nextcall``).
- **Start URLs** (``newscrawl enqueue SPIDER URL...``) are read by the worker tick from
  ``<spider>:start_urls`` (scrapy-redis' key and JSON format) through a lease as well,
  and become requests to the spider's ``parse_listing``. scrapy-redis' own
  ``RedisSpider`` reads them through ``start_requests``, which Scrapy 2.19 only calls
  through a deprecated path, and only from its idle handler: it is not used.
- **Workers stop after ``FLEET_IDLE_TIMEOUT`` s** with nothing to do fleet-wide: empty
  queue, no start URLs, and no leases held by any worker, alive or dead (a dead worker's
  leases come back after the lease timeout, so survivors wait for them).
- **The queue and the duplicate filter outlive a worker** (``SCHEDULER_PERSIST``): a
  stopping worker must not flush the fleet's frontier. The last worker to stop with
  nothing left anywhere clears the duplicate filter, so tomorrow's crawl starts afresh
  (articles already stored are skipped by the store's incremental state).
- **Article URLs are filtered by canonical URL** (http/https, ``www.``, tracking
  parameters), as the single-process incremental middleware does, so two spellings of
  one article found by two workers are one fetch. The spiders mark article requests
  ``dont_filter`` (their filter is the incremental middleware); the fleet filters them
  all the same, since it must filter across processes.
- scrapy-redis passes ``spider=`` to the stats collector, deprecated in Scrapy 2.19:
  :class:`FleetScheduler` counts without it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import uuid
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.settings import BaseSettings
from scrapy.utils.misc import load_object
from scrapy_redis import connection
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from newscrawl.urls import canonicalize_url

logger = logging.getLogger(__name__)

ARTICLE_META = "newscrawl_article"  # as newscrawl.incremental
LEASE_META = "newscrawl_lease"

# Keys, per spider name: what scrapy-redis uses, plus the fleet's own.
QUEUE_KEY = "%(spider)s:requests"
DUPEFILTER_KEY = "%(spider)s:dupefilter"
START_URLS_KEY = "%(spider)s:start_urls"
WORKERS_KEY = "%(spider)s:workers"  # set of worker ids
LEASES_KEY = "%(spider)s:leases:%(worker)s"  # hash: lease id -> encoded request
ALIVE_KEY = "%(spider)s:alive:%(worker)s"  # heartbeat, expires after the lease timeout
LEASE_IDS_KEY = "%(spider)s:lease_ids"

# Mark a request seen and queue it in one step: a worker killed between the two would
# leave a request that is "seen" but queued nowhere, lost for good.
_ENQUEUE = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 and ARGV[4] == '0' then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""
# Pop the best request into this worker's lease hash: one atomic step.
_POP = """
local found = redis.call('ZRANGE', KEYS[1], 0, 0)
if #found == 0 then return nil end
redis.call('ZREM', KEYS[1], found[1])
local id = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[2], 'r' .. id, found[1])
return {'r' .. id, found[1]}
"""
# Pop a start URL into the lease hash (it is released once its request is queued).
_POP_START = """
local data = redis.call('LPOP', KEYS[1])
if not data then return nil end
local id = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[2], 's' .. id, data)
return {'s' .. id, data}
"""
# Give a worker's leases back: requests to the queue, start URLs to their list.
_RELEASE = """
local leases = redis.call('HGETALL', KEYS[1])
for i = 1, #leases, 2 do
  if string.sub(leases[i], 1, 1) == 's' then
    redis.call('LPUSH', KEYS[3], leases[i + 1])
  else
    redis.call('ZADD', KEYS[2], 0, leases[i + 1])
  end
end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[4], ARGV[1])
return #leases / 2
"""
# The last worker out, with nothing left anywhere, clears the duplicate filter.
_LEAVE = """
redis.call('SREM', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[5])
if redis.call('SCARD', KEYS[1]) == 0 and redis.call('ZCARD', KEYS[2]) == 0
   and redis.call('LLEN', KEYS[3]) == 0 then
  redis.call('DEL', KEYS[4])
  return 1
end
return 0
"""


def keys_for(spider: str, worker: str = "") -> dict[str, str]:
    names = {"spider": spider, "worker": worker}
    return {
        "queue": QUEUE_KEY % names,
        "dupefilter": DUPEFILTER_KEY % names,
        "start_urls": START_URLS_KEY % names,
        "workers": WORKERS_KEY % names,
        "leases": LEASES_KEY % names,
        "alive": ALIVE_KEY % names,
        "lease_ids": LEASE_IDS_KEY % names,
    }


def fleet_status(server: Any, spider: str) -> dict[str, Any]:
    """What the fleet of ``spider`` is doing: queue sizes, workers and their leases."""
    keys = keys_for(spider)
    workers = sorted(w.decode() if isinstance(w, bytes) else w
                     for w in server.smembers(keys["workers"]))  # fmt: skip
    return {
        "queued": server.zcard(keys["queue"]),
        "start_urls": server.llen(keys["start_urls"]),
        "seen": server.scard(keys["dupefilter"]),
        "workers": {
            worker: {
                "alive": bool(server.exists(keys_for(spider, worker)["alive"])),
                "leases": server.hlen(keys_for(spider, worker)["leases"]),
            }
            for worker in workers
        },
    }


def enqueue(server: Any, spider: str, urls: list[str]) -> int:
    """Push start URLs for ``spider``'s workers (scrapy-redis' JSON format)."""
    if not urls:
        return 0
    return server.rpush(keys_for(spider)["start_urls"], *[json.dumps({"url": u}) for u in urls])


class LeasedQueue(PriorityQueue):
    """scrapy-redis' priority queue whose ``pop`` leases instead of forgetting."""

    worker: str = ""

    def pop(self, timeout: int = 0) -> Request | None:
        keys = keys_for(self.spider.name, self.worker)
        found = self.server.eval(_POP, 3, self.key, keys["leases"], keys["lease_ids"])
        if not found:
            return None
        lease, data = found
        request = self._decode_request(data)
        request.meta[LEASE_META] = lease.decode() if isinstance(lease, bytes) else lease
        return request


class FleetDupeFilter(RFPDupeFilter):
    """scrapy-redis' shared filter; article requests are keyed by their canonical URL."""

    def request_fingerprint(self, request: Request) -> str:
        if request.meta.get(ARTICLE_META):
            return hashlib.sha1(b"article " + canonicalize_url(request.url).encode()).hexdigest()
        return super().request_fingerprint(request)


class FleetScheduler(Scheduler):
    """scrapy-redis' scheduler with leases, a heartbeat, start URLs and idle stopping."""

    crawler: Crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FleetScheduler:
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
        self.server.eval(_RELEASE, 4, self.keys["leases"], self.queue.key,
                         self.keys["start_urls"], self.keys["workers"], self.worker)  # fmt: skip
        cleared = self.server.eval(_LEAVE, 5, self.keys["workers"], self.queue.key,
                                   self.keys["start_urls"], self.df.key, self.keys["alive"],
                                   self.worker)  # fmt: skip
        if cleared:
            logger.info("Last fleet worker out: the duplicate filter was cleared")

    def enqueue_request(self, request: Request) -> bool:
        request.meta.pop(LEASE_META, None)  # a redirect or retry copy is a new request
        queued = self.server.eval(
            _ENQUEUE, 2, self.df.key, self.queue.key,
            self.df.request_fingerprint(request), -request.priority,
            self.queue._encode_request(request), "0" if self._filtered(request) else "1",
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
            count = self.server.eval(_RELEASE, 4, keys["leases"], self.queue.key,
                                     keys["start_urls"], keys["workers"], worker)  # fmt: skip
            logger.warning("Fleet worker %s is gone: %d requests back in the queue", worker,
                           count)  # fmt: skip
            self.fleet_stats.inc_value("newscrawl/fleet/recovered", count)

    def _read_start_urls(self) -> None:
        engine = self.crawler.engine
        keys = self.keys
        while True:
            found = self.server.eval(_POP_START, 3, keys["start_urls"], keys["leases"],
                                     keys["lease_ids"])  # fmt: skip
            if not found:
                return
            lease, data = (part.decode() if isinstance(part, bytes) else part for part in found)
            request = start_request(self.spider, data)
            if request is not None:
                engine.crawl(request)  # pushed to the shared queue before the lease goes
                self.fleet_stats.inc_value("newscrawl/fleet/start_urls")
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


def start_request(spider: Any, data: str) -> Request | None:
    """A request for an enqueued start URL: a listing page for the spider to read."""
    try:
        url = json.loads(data)["url"] if data.lstrip().startswith("{") else data.strip()
    except (ValueError, KeyError, TypeError):
        logger.warning('Ignored start URL entry %r: not {"url": ...}', data[:200])
        return None
    callback = getattr(spider, "parse_listing", None)
    return Request(url, callback=callback, dont_filter=True)


class FleetAddon:
    """With ``REDIS_URL`` set, the crawl is a fleet worker (see the module docstring)."""

    priority = "spider"  # above the project settings; "-s" still wins

    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.get("REDIS_URL"):
            return
        for name, value in {
            "SCHEDULER": "newscrawl.fleet.FleetScheduler",
            "SCHEDULER_QUEUE_CLASS": "newscrawl.fleet.LeasedQueue",
            "DUPEFILTER_CLASS": "newscrawl.fleet.FleetDupeFilter",
            "SCHEDULER_QUEUE_KEY": QUEUE_KEY,
            "SCHEDULER_DUPEFILTER_KEY": DUPEFILTER_KEY,
            "SCHEDULER_PERSIST": True,
            "SCHEDULER_FLUSH_ON_START": False,
        }.items():
            settings.set(name, value, priority=self.priority)


def redis_for(url: str) -> Any:
    """A Redis client as scrapy-redis builds it."""
    if not url:
        raise NotConfigured("REDIS_URL is empty")
    return connection.get_redis(url=url)
