"""``scrapy crawl`` with an exit status that says whether the crawl did its job.

Scrapy's own ``crawl`` command exits 1 only when a crawler fails to start; a spider that
stops because the store cannot be written (finish reason ``store_error``) still exits 0, so
cron and CI would see success. This command is Scrapy's, registered through the supported
``COMMANDS_MODULE`` setting under the same name, plus one check after the crawl: if a
crawler's run report is not ``ok`` (:func:`newscrawl.report.build_report`), the exit status
is 2. Everything else, options included, is unchanged.
"""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.crawler import Crawler
from scrapy.spiders import Spider

from newscrawl.report import build_report

EXIT_CRAWL_FAILED = 2


class Command(ScrapyCrawlCommand):
    def __init__(self) -> None:
        super().__init__()
        self.crawlers: list[Crawler] = []

    def _create_crawler(self, spidercls: type[Spider] | str) -> Crawler:
        crawler = super()._create_crawler(spidercls)
        self.crawlers.append(crawler)
        return crawler

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        super().run(args, opts)
        for crawler in self.crawlers:
            stats = crawler.stats.get_stats() if crawler.stats else {}
            if stats and not build_report(stats)["ok"] and not self.exitcode:
                self.exitcode = EXIT_CRAWL_FAILED
