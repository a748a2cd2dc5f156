"""The ``warc`` spider's files: where they come from, and when one is finished.

A file is **finished** when every record read from it has been through the crawl: its
request answered, its callback run, its item (if any) through every pipeline. Only then
is it recorded in the store (:mod:`newscrawl.storage.archives`), in the open batch, after
the writes its records caused, so the row is committed with them or after them; a fleet
worker commits at once and only then gives its lease back (:mod:`newscrawl.fleet.files`).

The count per file goes up with each request the spider makes and down when the request
is done with: its callback returned nothing, or its one item was scraped, dropped or
failed (Scrapy's item signals, which name the response), or the request failed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from scrapy.crawler import Crawler

from newscrawl.archive.inputs import WarcInput
from newscrawl.extensions.store import CrawlStore
from newscrawl.storage import StoreError

logger = logging.getLogger(__name__)


@dataclass
class FileRun:
    """One file being read: how many of its requests are still in the crawl."""

    input: WarcInput
    size: int = 0
    pending: int = 0
    records: int = 0
    read: bool = False  # every record read (requests made)
    torn: bool = False
    done: bool = False


class LocalFiles:
    """The files named on the command line, in order (see :mod:`newscrawl.archive.inputs`).

    A file source gives the spider its next file and hears when one is finished (a
    fleet's queue then drops its lease); this one has nothing to acknowledge."""

    def __init__(self, inputs: list[WarcInput]) -> None:
        self.inputs = list(inputs)

    async def next_input(self) -> WarcInput | None:
        return self.inputs.pop(0) if self.inputs else None

    def finished(self, item: WarcInput) -> None:
        """Nothing to acknowledge: the store records finished files."""

    def close(self) -> None:
        pass


class FileLedger:
    """The files of one run and their requests still in the crawl (see the docstring)."""

    def __init__(self, crawler: Crawler, source: Any) -> None:
        self.crawler = crawler
        self.source = source
        self.runs: list[FileRun] = []

    def opened(self, item: WarcInput) -> FileRun:
        run = FileRun(item)
        self.runs.append(run)
        return run

    def read(self, run: FileRun, *, records: int, torn: bool) -> None:
        """Every record of ``run`` has been read (its requests made)."""
        run.read, run.records, run.torn = True, records, torn
        self._maybe_finished(run)

    def one_done(self, run: FileRun | None) -> None:
        """One request of ``run`` is done with."""
        if run is None:
            return
        run.pending -= 1
        self._maybe_finished(run)

    def idle(self) -> None:
        """The crawl is idle (``spider_idle``): before the pipelines close, so the last
        batch holds the rows."""
        for run in self.runs:
            self._maybe_finished(run)
        self.runs = [run for run in self.runs if not run.done]

    def _maybe_finished(self, run: FileRun) -> None:
        if run.done or not run.read or run.pending > 0:
            return
        run.done = True
        owner = self.crawler.get_extension(CrawlStore)
        if owner is not None:
            try:
                owner.store.finish_file(
                    run.input.name, size=run.size, records=run.records, torn=run.torn
                )
                if owner.store.per_item:  # a fleet worker: durable before the lease goes
                    owner.store.commit()
            except StoreError as exc:
                logger.error("WARC %s: not recorded as finished: %s", run.input.name, exc)
                return
        self.crawler.stats.inc_value("newscrawl/warc/files/finished")
        logger.info("WARC %s: %d records read", run.input.name, run.records)
        self.source.finished(run.input)
