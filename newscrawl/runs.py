"""Safe scheduled runs: one crawl per store at a time, and a JOBDIR a killed run cannot poison.

:class:`RunGuard` is an extension, built before the engine opens anything:

- It takes the store's advisory lock (:meth:`Store.lock`). When another crawl holds it,
  the crawl stops before its first request: an error naming the store and the holder,
  and exit status 75 (:mod:`newscrawl.commands.crawl`; Scrapy alone exits 1, counting an
  extension that fails to start as a failed bootstrap). Cron can fire every few minutes
  without runs overlapping.
- With ``JOBDIR`` it leaves a ``newscrawl.running`` marker for the length of the run and
  removes it when the spider closes cleanly (SIGINT included: Scrapy then saves the
  pending requests for the resume). A marker found at start means the last run of that job
  was killed (``kill -9``, a second Ctrl-C, a power cut): its saved queue and
  ``requests.seen`` no longer match what the store committed, so they are discarded and the
  job starts afresh; the store's incremental state (only committed records) makes that
  restart cheap and loses nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import socket
from pathlib import Path

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newscrawl.pipelines import store_for
from newscrawl.storage import StoreLocked

logger = logging.getLogger(__name__)

MARKER = "newscrawl.running"
# What Scrapy keeps in a JOBDIR (scheduler queues, duplicate filter, spider state).
_JOB_FILES = ("requests.queue", "requests.seen", "spider.state")


class StoreBusy(RuntimeError):
    """Raised at startup when the store's lock is held: the crawl must not start."""


class RunGuard:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.jobdir = Path(settings["JOBDIR"]) if settings.get("JOBDIR") else None
        self.store = store_for(crawler) if settings.get("STORE_URL") else None
        if self.store is None and self.jobdir is None:
            raise NotConfigured("no store and no JOBDIR: nothing to guard")
        if self.store is not None:
            owner = (
                f"pid {os.getpid()} on {socket.gethostname()}, spider {crawler.spidercls.name},"
                f" since {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}"
            )
            # Fleet workers (REDIS_URL) share the lock: together they are one crawl.
            try:
                self.store.lock(owner, shared=bool(settings.get("REDIS_URL")))
            except StoreLocked as exc:
                logger.error("Not crawling: %s", exc)
                crawler.stats.set_value("newscrawl/store_busy", str(exc))
                raise StoreBusy(f"not crawling: {exc}") from None
        if self.jobdir is not None:
            self._check_jobdir(self.jobdir)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunGuard:
        return cls(crawler)

    def _check_jobdir(self, jobdir: Path) -> None:
        marker = jobdir / MARKER
        if marker.exists():
            logger.warning(
                "JOBDIR %s was left by a run that did not finish (%s); discarding its saved"
                " requests and starting the job afresh: the store keeps every committed record",
                jobdir,
                marker.read_text(encoding="utf-8").strip() or "killed",
            )
            for name in _JOB_FILES:
                path = jobdir / name
                if path.is_dir():
                    shutil.rmtree(path)
                elif path.exists():
                    path.unlink()
        jobdir.mkdir(parents=True, exist_ok=True)
        marker.write_text(f"pid {os.getpid()}\n", encoding="utf-8")

    def spider_closed(self, reason: str) -> None:
        if self.jobdir is not None:
            (self.jobdir / MARKER).unlink(missing_ok=True)
        if self.store is not None:
            self.store.unlock()
