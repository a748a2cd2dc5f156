"""The fleet's shared frontier in Redis: keys, atomic scripts, leased queue, shared filter.

Every key and Lua script the workers share lives here, with the two scrapy-redis classes
adapted to them (:class:`LeasedQueue`, :class:`FleetDupeFilter`) and the helpers the
``newscrawl enqueue`` and ``newscrawl fleet`` commands use. The scheduler that drives them
in a worker is :mod:`newscrawl.fleet.scheduler`; why each adaptation exists is in
:mod:`newscrawl.fleet`.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any
from urllib.parse import parse_qs, urlsplit

from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy_redis import connection
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue

from newscrawl.downloadermiddlewares.guard import is_internal_host
from newscrawl.downloadermiddlewares.incremental import ARTICLE_META, PART_META
from newscrawl.fleet.codec import MAX_URL, BadEntry, decode, encode
from newscrawl.redact import redact_url
from newscrawl.urls import canonicalize_url

logger = logging.getLogger(__name__)


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
ENQUEUE_SCRIPT = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 and ARGV[4] == '0' then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""
# Move one queued entry, already decoded and checked, into this worker's lease hash: one
# atomic step, which does nothing when another worker took the entry first.
LEASE_SCRIPT = """
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return nil end
local id = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[2], 'r' .. id, ARGV[1])
return 'r' .. id
"""
#: Queue entries a worker looks at in one ``ZRANGE`` (the best first), and how many such
#: looks one ``pop`` makes at most (a flood of bad entries is dropped a slice at a time,
#: between which the reactor does other work).
PEEK = 8
ROUNDS = 16
# Pop a start URL into the lease hash (it is released once its request is queued).
POP_START_SCRIPT = """
local data = redis.call('LPOP', KEYS[1])
if not data then return nil end
local id = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[2], 's' .. id, data)
return {'s' .. id, data}
"""
# Give a worker's leases back: requests to the queue, start URLs to their list.
RELEASE_SCRIPT = """
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
LEAVE_SCRIPT = """
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
    """Push start URLs for ``spider``'s workers (scrapy-redis' JSON format); ``ValueError``
    naming the first URL that breaks the rules every link obeys (:func:`start_url_problem`)."""
    if not urls:
        return 0
    for url in urls:
        problem = start_url_problem(url)
        if problem:
            raise ValueError(f"{problem}: {url[:200]}")
    return server.rpush(keys_for(spider)["start_urls"], *[json.dumps({"url": u}) for u in urls])


def start_url_problem(url: str) -> str | None:
    """Why ``url`` may not start a fleet's crawl, or None: an http(s) URL with a host that
    is not a loopback, private, link-local, ... address (the address guard's rule for
    links, :func:`newscrawl.downloadermiddlewares.guard.is_internal_host`)."""
    if len(url) > MAX_URL:
        return f"longer than {MAX_URL} characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return "not a URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "not an http(s) URL"
    if is_internal_host(parts.hostname):
        return "an internal address"
    return None


class LeasedQueue(PriorityQueue):
    """scrapy-redis' priority queue with the fleet's JSON entries (:mod:`.codec`), whose
    ``pop`` leases instead of forgetting.

    An entry is decoded and checked *before* it is leased: one that does not decode is
    removed from the queue, counted (``newscrawl/fleet/bad_entries``) and logged, and never
    reaches a lease that would keep the fleet busy for ever.
    """

    worker: str = ""
    stats: Any = None  # the crawl's stats, set by the scheduler

    def _encode_request(self, request: Request) -> str:
        return encode(request, self.spider)

    def _decode_request(self, encoded_request: bytes | str) -> Request:
        return decode(encoded_request, self.spider)

    def pop(self, timeout: int = 0) -> Request | None:
        keys = keys_for(self.spider.name, self.worker)
        for _ in range(ROUNDS):
            entries = self.server.zrange(self.key, 0, PEEK - 1)
            if not entries:
                return None
            for data in entries:
                try:
                    request = self._decode_request(data)
                except BadEntry as exc:
                    if self.server.zrem(self.key, data):  # another worker may have been first
                        self._dropped(data, exc)
                    continue
                lease = self.server.eval(LEASE_SCRIPT, 3, self.key, keys["leases"],
                                         keys["lease_ids"], data)  # fmt: skip
                if lease is None:
                    continue  # another worker leased it first
                request.meta[LEASE_META] = lease.decode() if isinstance(lease, bytes) else lease
                return request
        return None

    def _dropped(self, data: bytes | str, exc: BadEntry) -> None:
        if self.stats is not None:
            self.stats.inc_value("newscrawl/fleet/bad_entries")
        logger.warning("Dropped a queue entry of %s that is not a fleet request (%s): %r",
                       self.key, exc, data[:80])  # fmt: skip


class FleetDupeFilter(RFPDupeFilter):
    """scrapy-redis' shared filter; article requests are keyed by their canonical URL.

    A part of a multi-page story (:mod:`newscrawl.spiders.multipage`) is keyed apart from
    an article request of the same URL: a page reached first as an article (and found to
    be a part) must still be fetched for its story, and a part dropped here would end
    its story silently (a filtered request has no errback).
    """

    def request_fingerprint(self, request: Request) -> str:
        if request.meta.get(PART_META):
            return hashlib.sha1(b"part " + canonicalize_url(request.url).encode()).hexdigest()
        if request.meta.get(ARTICLE_META):
            return hashlib.sha1(b"article " + canonicalize_url(request.url).encode()).hexdigest()
        return super().request_fingerprint(request)


def start_request(spider: Any, data: str) -> Request | None:
    """A request for an enqueued start URL: a listing page for the spider to read.

    None (logged) for an entry that is not ``{"url": ...}`` or a bare URL, or whose URL
    breaks the rules of links (:func:`start_url_problem`) or is outside what the spider
    may crawl (the ``news`` spider's scope, a profile spider's sites): an entry in Redis
    is input like a link on a page, whoever wrote it.
    """
    try:
        url = json.loads(data)["url"] if data.lstrip().startswith("{") else data.strip()
        if not isinstance(url, str):
            raise TypeError(url)
    except (ValueError, KeyError, TypeError):
        logger.warning('Ignored start URL entry %r: not {"url": ...}', data[:200])
        return None
    problem = start_url_problem(url)
    scope = getattr(spider, "scope", None)
    if problem is None and scope is not None and not scope.allows(url):
        problem = "outside the start hosts"
    elif problem is None and hasattr(spider, "covers") and not spider.covers(url):
        problem = f"not a site of spider {spider.name}"
    if problem:
        logger.warning("Ignored start URL %r: %s", url[:200], problem)
        return None
    callback = getattr(spider, "parse_listing", None)
    return Request(url, callback=callback, dont_filter=True)


def authenticated(url: str) -> bool:
    """True when a Redis URL carries a password (``redis://:pw@host``, ``user:pw@``, or a
    ``password`` query parameter, all read by redis-py)."""
    parts = urlsplit(url)
    return bool(parts.password) or bool(parse_qs(parts.query).get("password"))


class FleetConfigError(RuntimeError):
    """A fleet worker that must not start as configured."""


def check_redis_url(url: str, allow_unauthenticated: bool) -> None:
    """Refuse a worker's Redis without a password (see ``FLEET_ALLOW_UNAUTHENTICATED_REDIS``):
    whoever can write to it decides what every worker fetches."""
    if not authenticated(url) and not allow_unauthenticated:
        raise FleetConfigError(
            f"REDIS_URL {redact_url(url)} has no password: whoever can write to the fleet's"
            " Redis decides what every worker fetches. Give it one (requirepass or an ACL"
            " user; redis://:PASSWORD@host:6379/0, from the environment: REDIS_URL),"
            " or set FLEET_ALLOW_UNAUTHENTICATED_REDIS=True for a Redis only this machine reaches"
        )


def redis_for(url: str) -> Any:
    """A Redis client as scrapy-redis builds it."""
    if not url:
        raise NotConfigured("REDIS_URL is empty")
    return connection.get_redis(url=url)
