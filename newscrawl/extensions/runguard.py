"""A ``JOBDIR`` a killed run cannot poison.

:class:`RunGuard` is an extension. With ``JOBDIR`` it leaves a ``newscrawl.running`` marker
for the length of the run and removes it when the spider closes cleanly (SIGINT included:
Scrapy then saves the pending requests for the resume). A marker found at start means the
last run of that job was killed (``kill -9``, a second Ctrl-C, a power cut): its saved queue
and ``requests.seen`` no longer match what the store committed, so they are discarded and the
job starts afresh; the store's incremental state (only committed records) makes that
restart cheap and loses nothing.

That one crawl at a time uses a store is the store's own business: see
:mod:`newscrawl.extensions.store`.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

logger = logging.getLogger(__name__)

MARKER = "newscrawl.running"
# What Scrapy keeps in a JOBDIR (scheduler queues, duplicate filter, spider state).
_JOB_FILES = ("requests.queue", "requests.seen", "spider.state")


class RunGuard:
    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.get("JOBDIR"):
            # No message: Scrapy logs one as a WARNING, and no JOBDIR is the usual case.
            raise NotConfigured
        self.jobdir = Path(crawler.settings["JOBDIR"])
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
        (self.jobdir / MARKER).unlink(missing_ok=True)
