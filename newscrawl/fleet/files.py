"""WARC files as a shared queue for fleet workers (``newscrawl ccnews`` with ``REDIS_URL``).

CC-NEWS is hundreds of files a month, each read whole by one process: the unit of work
for a fleet is the file, not the page. ``newscrawl enqueue ccnews PATH...`` pushes file
paths to ``ccnews:files``; each ``newscrawl ccnews`` worker takes one at a time, reads it
through the ``warc`` spider into the shared store, and takes the next. Leases as for
pages (:mod:`newscrawl.fleet.queue`), kept apart from the page frontier's keys:

- a worker **pops a path into its lease hash** (``ccnews:files:leases:WORKER``) in one
  Redis script, and deletes the lease only once the file is recorded as finished in the
  store (:mod:`newscrawl.storage.archives`, committed before the lease goes);
- it renews a heartbeat (``ccnews:files:alive:WORKER``, TTL ``FLEET_LEASE_TIMEOUT``)
  every ``FLEET_TICK`` seconds; a worker that finds another's heartbeat gone puts that
  worker's leased paths back at the head of the queue, and a worker that stops gives its
  own unfinished files back the same way. The next worker to read such a file skips the
  records already stored (known URLs), and a file finished by anyone is skipped whole:
  **each file is processed once**, whoever dies;
- a worker stops after ``FLEET_IDLE_TIMEOUT`` seconds with nothing queued and no lease
  held anywhere (a dead worker's leases come back, so survivors wait for them).

Queue entries are plain strings, never objects (nothing from Redis is unpickled or
evaluated): a local file path, at most ``MAX_ENTRY`` bytes. A URL or anything else is
dropped with one log line: a queue must not make a worker fetch from the network.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from typing import Any

from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import task

from newscrawl.archive.inputs import WarcInput, is_url

logger = logging.getLogger(__name__)

QUEUE_KEY = "ccnews:files"
WORKERS_KEY = "ccnews:files:workers"
LEASES_KEY = "ccnews:files:leases:%s"
ALIVE_KEY = "ccnews:files:alive:%s"
LEASE_IDS_KEY = "ccnews:files:lease_ids"
MAX_ENTRY = 4096

POP_SCRIPT = """
local path = redis.call('LPOP', KEYS[1])
if not path then return nil end
local id = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[2], id, path)
return {tostring(id), path}
"""
# A worker's leased paths back to the head of the queue, and the worker out of the set.
RELEASE_SCRIPT = """
local leases = redis.call('HGETALL', KEYS[1])
for i = 1, #leases, 2 do
  redis.call('LPUSH', KEYS[2], leases[i + 1])
end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[3], ARGV[1])
return #leases / 2
"""


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def enqueue_files(server: Any, paths: list[str]) -> int:
    """Push file paths for the workers; the queue's length after."""
    bad = [p for p in paths if is_url(p) or not p or len(p.encode()) > MAX_ENTRY]
    if bad:
        raise ValueError(f"not a file path: {bad[0][:200]!r} (the queue takes local paths)")
    return server.rpush(QUEUE_KEY, *paths) if paths else server.llen(QUEUE_KEY)


def queue_status(server: Any) -> dict[str, Any]:
    """Queued paths, and each worker with its heartbeat and leased paths."""
    workers = sorted(_text(w) for w in server.smembers(WORKERS_KEY))
    return {
        "queued": server.llen(QUEUE_KEY),
        "workers": {
            worker: {
                "alive": bool(server.exists(ALIVE_KEY % worker)),
                "files": sorted(_text(p) for p in server.hvals(LEASES_KEY % worker)),
            }
            for worker in workers
        },
    }


class FleetFiles:
    """The ``warc`` spider's file source in a fleet (see the module docstring)."""

    def __init__(
        self,
        server: Any,
        *,
        lease_timeout: float = 30.0,
        idle_timeout: float = 60.0,
        tick: float = 0.5,
    ) -> None:
        self.server = server
        self.worker = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.lease_timeout = lease_timeout
        self.idle_timeout = idle_timeout
        self.tick_interval = tick
        self.leases: dict[str, str] = {}  # file name -> lease id
        self.recovered = 0
        self.server.sadd(WORKERS_KEY, self.worker)
        self._heartbeat()
        self._ticker = task.LoopingCall(self._tick)
        self._ticker.start(tick, now=False)

    # -- what the spider calls -----------------------------------------------------------

    async def next_input(self) -> WarcInput | None:
        idle_since = time.monotonic()
        while True:
            found = self.server.eval(POP_SCRIPT, 3, QUEUE_KEY, LEASES_KEY % self.worker,
                                     LEASE_IDS_KEY)  # fmt: skip
            if found:
                lease, path = _text(found[0]), _text(found[1])
                item = self._input(lease, path)
                if item is not None:
                    return item
                continue
            if self._busy():
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since >= self.idle_timeout:
                logger.info("WARC file queue empty for %.0f s: worker %s stops",
                            self.idle_timeout, self.worker)  # fmt: skip
                return None
            from twisted.internet import reactor  # installed by Scrapy by now

            await maybe_deferred_to_future(
                task.deferLater(reactor, self.tick_interval, lambda: None)
            )

    def finished(self, item: WarcInput) -> None:
        """The file is recorded as finished (or cannot be read): forget its lease."""
        lease = self.leases.pop(item.name, None)
        if lease is not None:
            self.server.hdel(LEASES_KEY % self.worker, lease)

    def close(self) -> None:
        """Stop the heartbeat; unfinished files go back to the queue for others."""
        if self._ticker.running:
            self._ticker.stop()
        back = self.server.eval(RELEASE_SCRIPT, 3, LEASES_KEY % self.worker, QUEUE_KEY,
                                WORKERS_KEY, self.worker)  # fmt: skip
        if back:
            logger.info("Gave %d unfinished WARC files back to the queue", back)
        self.server.delete(ALIVE_KEY % self.worker)

    # -- inside --------------------------------------------------------------------------

    def _input(self, lease: str, path: str) -> WarcInput | None:
        if is_url(path) or len(path.encode()) > MAX_ENTRY or "\0" in path:
            logger.warning("Dropped WARC queue entry %r: not a local file path", path[:200])
            self.server.hdel(LEASES_KEY % self.worker, lease)
            return None
        name = os.path.basename(path).removesuffix(".open")
        self.leases[name] = lease
        return WarcInput(path, name)

    def _busy(self) -> bool:
        """Files queued, or leased by any worker (a dead one's come back)."""
        if self.server.llen(QUEUE_KEY):
            return True
        return any(
            self.server.hlen(LEASES_KEY % _text(worker))
            for worker in self.server.smembers(WORKERS_KEY)
            if _text(worker) != self.worker
        )

    def _heartbeat(self) -> None:
        self.server.set(ALIVE_KEY % self.worker, "1", px=int(self.lease_timeout * 1000))

    def _tick(self) -> None:
        try:
            self._heartbeat()
            for raw in self.server.smembers(WORKERS_KEY):
                worker = _text(raw)
                if worker == self.worker or self.server.exists(ALIVE_KEY % worker):
                    continue
                count = self.server.eval(RELEASE_SCRIPT, 3, LEASES_KEY % worker, QUEUE_KEY,
                                         WORKERS_KEY, worker)  # fmt: skip
                if count:
                    logger.warning("WARC worker %s is gone: %d files back in the queue",
                                   worker, count)  # fmt: skip
                    self.recovered += count
        except Exception:  # a Redis hiccup must not stop the heartbeat for good
            logger.exception("WARC file queue tick failed")
