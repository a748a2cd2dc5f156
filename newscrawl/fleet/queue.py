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

from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy_redis import connection
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue

from newscrawl.downloadermiddlewares.incremental import ARTICLE_META, PART_META
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
# Pop the best request into this worker's lease hash: one atomic step.
POP_SCRIPT = """
local found = redis.call('ZRANGE', KEYS[1], 0, 0)
if #found == 0 then return nil end
redis.call('ZREM', KEYS[1], found[1])
local id = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[2], 'r' .. id, found[1])
return {'r' .. id, found[1]}
"""
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
    """Push start URLs for ``spider``'s workers (scrapy-redis' JSON format)."""
    if not urls:
        return 0
    return server.rpush(keys_for(spider)["start_urls"], *[json.dumps({"url": u}) for u in urls])


class LeasedQueue(PriorityQueue):
    """scrapy-redis' priority queue whose ``pop`` leases instead of forgetting."""

    worker: str = ""

    def pop(self, timeout: int = 0) -> Request | None:
        keys = keys_for(self.spider.name, self.worker)
        found = self.server.eval(POP_SCRIPT, 3, self.key, keys["leases"], keys["lease_ids"])
        if not found:
            return None
        lease, data = found
        request = self._decode_request(data)
        request.meta[LEASE_META] = lease.decode() if isinstance(lease, bytes) else lease
        return request


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
    """A request for an enqueued start URL: a listing page for the spider to read."""
    try:
        url = json.loads(data)["url"] if data.lstrip().startswith("{") else data.strip()
    except (ValueError, KeyError, TypeError):
        logger.warning('Ignored start URL entry %r: not {"url": ...}', data[:200])
        return None
    callback = getattr(spider, "parse_listing", None)
    return Request(url, callback=callback, dont_filter=True)


def redis_for(url: str) -> Any:
    """A Redis client as scrapy-redis builds it."""
    if not url:
        raise NotConfigured("REDIS_URL is empty")
    return connection.get_redis(url=url)
