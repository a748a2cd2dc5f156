"""A fleet of crawl workers sharing one frontier in Redis (scrapy-redis) and one store.

With ``REDIS_URL`` set, :class:`FleetAddon` makes a crawl a *worker*: requests go to a
shared Redis queue through scrapy-redis' scheduler and duplicate filter (pinned to 0.9.1),
so any number of ``scrapy crawl SPIDER`` processes, on any machines, share the work and
each page is fetched once. Every adaptation of scrapy-redis to Scrapy 2.19 and to what the
fleet needs lives in this module (``tests/test_fleet.py`` fails if an upgrade breaks one):

- **A queue entry is data, never code.** scrapy-redis pickles queued requests by default,
  and unpickling an entry runs whatever it says: anyone who could write to Redis ran
  code on every worker. Entries are JSON of a strict schema (:mod:`newscrawl.fleet.codec`:
  URL, callback name, a few plain ``meta`` values, never ``is_start_request``,
  ``mirror_dir`` or ``dont_filter``); one that does not decode is dropped and counted
  before it is leased. Start URLs read from Redis obey the rules of links. A worker
  refuses a Redis URL without a password (``FLEET_ALLOW_UNAUTHENTICATED_REDIS``).
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

from typing import Any


def __getattr__(name: str) -> Any:
    # The classes lived in this module before it became a package: their old dotted paths
    # (in deployed settings) keep working for one release.
    from newscrawl.compat import moved_attribute

    return moved_attribute(__name__, name)
