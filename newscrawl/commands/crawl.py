"""``scrapy crawl`` whose exit status tells a scheduler what happened.

Scrapy's own command exits 0 after any crawl that started. For cron and Scrapyd that hides
the two outcomes a scheduled run must surface:

- ``75`` (EX_TEMPFAIL): another crawl holds the store's lock; nothing was fetched, try at
  the next tick (see :mod:`newscrawl.extensions.store`);
- ``2``: the crawl did not do its job (the store failed mid-crawl; the run outcome of
  :func:`newscrawl.extensions.report.build_outcome` is not ok);
- ``NEWSCRAWL_MONITOR_EXIT_CODE`` (default ``3``): the crawl ran, but a monitor flagged it
  (item count or field coverage below the configured floors; see :mod:`newscrawl.monitors`).

Any other failure to start keeps Scrapy's ``1``.
"""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from newscrawl.extensions.report import build_outcome

EXIT_STORE_BUSY = 75
EXIT_CRAWL_FAILED = 2


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        try:
            stats = crawler.stats.get_stats()
        except AttributeError:  # the crawler failed before it had stats
            stats = {}
        if stats.get("newscrawl/store_busy"):
            self.exitcode = EXIT_STORE_BUSY
        elif self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        elif stats and not build_outcome(stats)["ok"]:
            self.exitcode = EXIT_CRAWL_FAILED
        elif stats.get("newscrawl/monitors/failed"):
            self.exitcode = crawler.settings.getint("NEWSCRAWL_MONITOR_EXIT_CODE", 3)
