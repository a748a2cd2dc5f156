"""``scrapy crawl`` whose exit status tells a scheduler what happened.

Scrapy's own command exits 0 after any crawl that started. For cron and Scrapyd that hides
the outcomes a scheduled run must surface:

- ``1``: the crawl could not start: a bad spider argument
  (:class:`~newscrawl.exceptions.SpiderArgumentError`), a store that cannot be opened, or a
  spider whose start failed (finish reason ``start_error``);
- ``75`` (EX_TEMPFAIL): another crawl holds the store's lock; nothing was fetched, try at
  the next tick (see :mod:`newscrawl.extensions.store`);
- ``2``: the crawl did not do its job (the store failed mid-crawl; the run outcome of
  :func:`newscrawl.extensions.report.build_outcome` is not ok);
- ``NEWSCRAWL_MONITOR_EXIT_CODE`` (default ``3``): the crawl ran, but a monitor flagged it
  (item count, field coverage or failure share past the configured limits; see
  :mod:`newscrawl.monitors`).

A crawl that cannot start because of the user's input or another crawl says why in one
log line: Scrapy would otherwise print the exception three times (asyncio's "Task exception
was never retrieved", its traceback, and the command's own), which on a ``*/15`` cron
schedule fills the log with the same overlap every quarter of an hour. Any other exception
before the start is a bug and keeps its traceback (once).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from typing import Any

from scrapy.commands import ScrapyHelpFormatter
from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError
from twisted.internet.defer import Deferred

from newscrawl.exceptions import SpiderArgumentError, StoreBusy
from newscrawl.extensions.report import build_outcome
from newscrawl.logformatter import quiet_scrapy_dumps
from newscrawl.storage import StoreError

logger = logging.getLogger(__name__)

EXIT_CANNOT_START = 1
EXIT_CRAWL_FAILED = 2
EXIT_STORE_BUSY = 75
# Exceptions that are the user's or the schedule's, not a bug: one line, no traceback.
PLAIN_MISTAKES = (SpiderArgumentError, StoreError)


class _HelpFormatter(argparse.RawDescriptionHelpFormatter, ScrapyHelpFormatter):
    """Scrapy's help layout, with the description's lines (the spider arguments) kept."""


class Command(ScrapyCrawl):
    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.formatter_class = _HelpFormatter

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        quiet_scrapy_dumps()  # before the crawler process logs Scrapy's versions

    def long_desc(self) -> str:
        from newscrawl.spiders.help import spider_arguments  # spiders import the whole crawl

        return (
            "Run a spider of the project, by name. Exit status: 0 ran and the monitors\n"
            "passed, 1 could not start, 2 failed (store error), 3 a monitor failed, 75 the\n"
            "store is in use by another crawl.\n\n" + spider_arguments()
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        errors: list[BaseException] = []
        running = self.crawler_process.crawl(crawler, **opts.spargs)
        if isinstance(running, Deferred):  # CrawlerProcess (a Twisted reactor of another kind)
            running.addErrback(lambda failure: errors.append(failure.value))
        self.crawler_process.start()
        if isinstance(running, asyncio.Future) and running.done() and not running.cancelled():
            # Retrieved here, so asyncio does not log it again when the task is collected.
            if running.exception() is not None:
                errors.append(running.exception())  # type: ignore[arg-type]
        self.exitcode = self._exit_status(crawler, errors[0] if errors else None)

    def _exit_status(self, crawler: Crawler, error: BaseException | None) -> int:
        stats = _stats_of(crawler)
        if isinstance(error, StoreBusy) or stats.get("newscrawl/store_busy"):
            return EXIT_STORE_BUSY  # CrawlStore logged the holder in one line
        if isinstance(error, PLAIN_MISTAKES):
            logger.error("Not crawling: %s", error)
            return EXIT_CANNOT_START
        if error is not None:
            logger.error("Not crawling: %s", error, exc_info=error)
            return EXIT_CANNOT_START
        if self.crawler_process.bootstrap_failed or stats.get("finish_reason") == "start_error":
            return EXIT_CANNOT_START
        if stats and not build_outcome(stats)["ok"]:
            return EXIT_CRAWL_FAILED
        if stats.get("newscrawl/monitors/failed"):
            return crawler.settings.getint("NEWSCRAWL_MONITOR_EXIT_CODE", 3)
        return 0


def _stats_of(crawler: Crawler) -> dict[str, Any]:
    """The crawl's stats; empty when it failed before it had any (Scrapy 2.19 raises
    RuntimeError for ``Crawler.stats`` before the crawl starts, older versions
    AttributeError)."""
    try:
        return crawler.stats.get_stats()
    except (AttributeError, RuntimeError):
        return {}
