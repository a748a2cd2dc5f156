"""Spidermon monitors: flag a crawl whose article count or field coverage fell below a floor.

A site's layout change rarely breaks a crawl loudly: pages still download, but headlines or
dates stop being found. These monitors read the run report's counters
(:mod:`newscrawl.extensions.report`) when the spider closes:

- :class:`ArticleCountMonitor`: articles extracted (new + duplicate + rejected for a
  missing field) at least ``NEWSCRAWL_MIN_ARTICLES`` (default 0: off, since an incremental
  run with nothing new is healthy; set it for full crawls);
- :class:`FieldCoverageMonitor`: per site, the share of extracted articles with each field
  of ``NEWSCRAWL_COVERAGE_FLOORS`` at least its floor, judged only on sites with at least
  ``NEWSCRAWL_COVERAGE_MIN_ARTICLES`` articles in the run (a run that found two new
  stories says little about coverage). ``NEWSCRAWL_SITE_COVERAGE_FLOORS`` gives a site its
  own floors (``{"marsdaily.com": {"published": 0.95}}``), over the common ones field by
  field: sites of one family on different platforms state different fields (the 2026
  platform declares a machine date on every story, the classic template does not).

When a monitor fails, :class:`FlagFailedRun` records the failures in the stats
(``newscrawl/monitors/failed``), where the run report file and the exit status of
``scrapy crawl`` (:mod:`newscrawl.commands.crawl`) pick them up. Spidermon logs each
monitor's result in the crawl log.
"""

from __future__ import annotations

from spidermon import MonitorSuite, monitors
from spidermon.contrib.scrapy.monitors.base import BaseScrapyMonitor
from spidermon.core.actions import Action

from newscrawl.extensions.report import coverage, report_sites


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

    monitors = [ArticleCountMonitor, FieldCoverageMonitor]
    monitors_failed_actions = [FlagFailedRun]
