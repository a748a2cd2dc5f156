"""Spidermon monitors: flag a crawl whose article count, field coverage or failures passed a
limit.

A site's layout change rarely breaks a crawl loudly: pages still download, but headlines or
dates stop being found. A site that is down, blocks the crawler, or a ``MIRROR_DIR`` with a
typo is quieter still: every request fails, nothing is stored, and the crawl "finishes".
These monitors read the run report's counters (:mod:`newscrawl.extensions.report`) when the
spider closes:

- :class:`ArticleCountMonitor`: articles extracted (new + duplicate + rejected for a
  missing field) at least ``NEWSCRAWL_MIN_ARTICLES`` (default 0: off, since an incremental
  run with nothing new is healthy; set it for full crawls);
- :class:`FieldCoverageMonitor`: per site, the share of extracted articles with each field
  of ``NEWSCRAWL_COVERAGE_FLOORS`` at least its floor, judged only on sites with at least
  ``NEWSCRAWL_COVERAGE_MIN_ARTICLES`` articles in the run (a run that found two new
  stories says little about coverage). ``NEWSCRAWL_SITE_COVERAGE_FLOORS`` gives a site its
  own floors (``{"marsdaily.com": {"published": 0.95}}``), over the common ones field by
  field: sites of one family on different platforms state different fields (the 2026
  platform declares a machine date on every story, the classic template does not);
- :class:`FailureShareMonitor`: per site, and for the whole run (``all``), the share of
  requests that failed for good (after retries: HTTP errors, timeouts, refused
  connections...) at most ``NEWSCRAWL_MAX_FAILURE_SHARE`` (default 0.5), judged on sites
  with at least ``NEWSCRAWL_FAILURE_MIN_PAGES`` (4) requests. A healthy site loses a dead
  link now and then; a site that is down loses everything, robots.txt included, and even
  an incremental run asks each site for its robots.txt, section pages and feed.

When a monitor fails, :class:`FlagFailedRun` records the failures in the stats
(``newscrawl/monitors/failed``), where the run report file and the exit status of
``scrapy crawl`` (:mod:`newscrawl.commands.crawl`) pick them up.

:class:`QuietSpidermon` runs them (``EXTENSIONS``) and logs the verdict in one INFO line,
each failed monitor in one ERROR line, and spidermon's own banners (17 lines a run) at
DEBUG only.
"""

from __future__ import annotations

import logging
from typing import Any

from spidermon import MonitorSuite, monitors
from spidermon import settings as spidermon_settings
from spidermon.contrib.scrapy.extensions import Spidermon
from spidermon.contrib.scrapy.monitors.base import BaseScrapyMonitor
from spidermon.contrib.scrapy.runners import SpiderMonitorResult, SpiderMonitorRunner
from spidermon.core.actions import Action

from newscrawl.extensions.report import coverage, failure_share, report_sites

logger = logging.getLogger(__name__)


@monitors.name("Article count")
class ArticleCountMonitor(BaseScrapyMonitor):
    """Articles extracted reach NEWSCRAWL_MIN_ARTICLES."""

    @monitors.name("Extracted articles at or above the floor")
    def test_article_count(self) -> None:
        floor = self.crawler.settings.getint("NEWSCRAWL_MIN_ARTICLES", 0)
        found = self.data.stats.get("newscrawl/report/all/articles", 0)
        self.assertGreaterEqual(
            found, floor, msg=f"{found} articles extracted, fewer than the floor of {floor}"
        )


@monitors.name("Field coverage")
class FieldCoverageMonitor(BaseScrapyMonitor):
    """Each site's field coverage reaches NEWSCRAWL_COVERAGE_FLOORS."""

    @monitors.name("Coverage of each field at or above its floor, per site")
    def test_field_coverage(self) -> None:
        settings = self.crawler.settings
        common = settings.getdict("NEWSCRAWL_COVERAGE_FLOORS")
        own = settings.getdict("NEWSCRAWL_SITE_COVERAGE_FLOORS")
        sample = settings.getint("NEWSCRAWL_COVERAGE_MIN_ARTICLES", 10)
        stats = self.data.stats
        low = []
        for site in report_sites(stats):
            if site == "all" or stats.get(f"newscrawl/report/{site}/articles", 0) < sample:
                continue
            floors = {**common, **(own.get(site) or {})}
            for name, floor in floors.items():
                value = coverage(stats, site, name)
                if value is not None and value < float(floor):
                    low.append(f"{site} {name} {value:.0%} < {float(floor):.0%}")
        self.assertFalse(low, msg="field coverage below the floor: " + "; ".join(low))


@monitors.name("Failure share")
class FailureShareMonitor(BaseScrapyMonitor):
    """Each site's share of failed requests stays within NEWSCRAWL_MAX_FAILURE_SHARE."""

    @monitors.name("Share of failed requests at or below the limit, per site and overall")
    def test_failure_share(self) -> None:
        settings = self.crawler.settings
        limit = settings.getfloat("NEWSCRAWL_MAX_FAILURE_SHARE", 0.5)
        sample = settings.getint("NEWSCRAWL_FAILURE_MIN_PAGES", 4)
        high = []
        for site in report_sites(self.data.stats):
            failed, requests = failure_share(self.data.stats, site)
            if requests >= max(sample, 1) and failed / requests > limit:
                high.append(
                    f"{site}: {failed} of {requests} requests failed"
                    f" ({failed / requests:.0%} > {limit:.0%})"
                )
        self.assertFalse(high, msg="too many failed requests: " + "; ".join(high))


class FlagFailedRun(Action):
    """Put the failed monitors in the stats, for the run report and the exit status."""

    def run_action(self) -> None:
        failures = [
            f"{result.monitor.name}: {reason}"
            for result in self.result.monitors_failed_results
            for reason in [str(result.reason).strip().splitlines()[-1:] or [""]][0]
        ]
        self.data.crawler.stats.set_value("newscrawl/monitors/failed", failures or ["failed"])


class CrawlHealthSuite(MonitorSuite):
    """Run when the spider closes (``SPIDERMON_SPIDER_CLOSE_MONITORS``)."""

    monitors = [ArticleCountMonitor, FieldCoverageMonitor, FailureShareMonitor]
    monitors_failed_actions = [FlagFailedRun]


class _QuietResult(SpiderMonitorResult):
    """Spidermon's result log made quiet: its text at DEBUG, through a logger (spidermon
    1.27 calls the deprecated ``Spider.log``, which warns on every run), each failed
    monitor or action in one ERROR line, and the monitors' verdict in one INFO line."""

    def log(self, msg: Any, level: int = logging.DEBUG) -> None:
        logger.debug("[Monitors] %s", msg)

    def write_errors(self) -> None:
        for status in self.step.error_statuses:
            for result in self.step.items_for_status(status):
                lines = str(getattr(result, "reason", None) or result.error).strip().splitlines()
                logger.error(
                    "Monitor failed: %s: %s", result.item.name, lines[-1] if lines else status
                )

    def finish_step(self) -> None:
        super().finish_step()
        if self.step.name == spidermon_settings.STEPS.MONITORS and self.step.number_of_items:
            failed = len(self.step.error_results)
            total = self.step.number_of_items
            if failed:
                logger.info("Monitors: %d of %d failed", failed, total)
            else:
                logger.info("Monitors: %d passed", total)


class _QuietRunner(SpiderMonitorRunner):
    def create_result(self) -> SpiderMonitorResult:
        return _QuietResult(self.spider)


class QuietSpidermon(Spidermon):
    """Spidermon's extension (``EXTENSIONS``), its suites run with :class:`_QuietResult`.

    Spidermon builds its runner inside ``_run_suites``; this is that method with the quiet
    runner (spidermon is pinned below 2, and ``tests/test_logs.py`` checks the log).
    """

    def _run_suites(self, spider: Any, suites: list[Any]) -> None:
        data = self._generate_data_for_spider(spider)
        for suite in suites:
            _QuietRunner(spider=spider).run(suite, **data)
