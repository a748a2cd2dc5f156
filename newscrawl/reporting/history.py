"""Each crawl's run report kept in the store (``runs``), for ``newscrawl report``.

:func:`run_record` builds the row from what the crawl knows when its engine stops: the run
report of :mod:`newscrawl.report` (per site: pages, new, duplicate, rejected, field
coverage; the run's outcome, failures by kind and monitors' verdict), plus what a history
needs and the JSON file did not say: when the run started and finished, its duration, the
coverage floors and sample size the monitors judged it by (floors change over time), each
site's verdict under them, and duplicates by kind (near-duplicates apart), per site too.

:class:`RunHistory` is the extension that records it: it counts per-site duplicate kinds
while the crawl runs and, at engine stop, opens the store afresh (the crawl's own
connection is closed with the spider) and calls :meth:`BaseStore.record_run`. A run that
cannot be recorded is one logged error, never a traceback: the crawl's records are safe.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newscrawl.pipelines import DuplicateItem
from newscrawl.report import COUNTERS, COVERAGE_FIELDS, PREFIX, build_outcome, coverage
from newscrawl.report import report_sites as stats_sites
from newscrawl.storage import StoreError, open_store
from newscrawl.storage.history import store_time
from newscrawl.urls import site_of

logger = logging.getLogger(__name__)

#: Version of the row's JSON shape (``report`` column); bump when a key changes meaning.
RECORD_VERSION = 1


def _group(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    prefix += "/"
    return {k[len(prefix) :]: v for k, v in sorted(stats.items()) if k.startswith(prefix)}


def site_rows(
    stats: dict[str, Any], floors: dict[str, float], min_articles: int
) -> list[dict[str, Any]]:
    """The run report's per-site rows, each with its duplicate kinds, its failures by kind
    (when they are counted per site, see ``known`` below) and the monitors' verdict on it:
    ``judged`` (enough articles for coverage to be judged, as
    :class:`~newscrawl.monitors.FieldCoverageMonitor` does) and ``below_floor`` (the fields
    that failed)."""
    # Failures are counted per site only where the failure middleware does so; without
    # that, a site's row says nothing rather than "no failures" in a run that had some.
    per_site = any(key.startswith(f"{PREFIX}/all/failures/") for key in stats)
    known = per_site or not stats.get("newscrawl/failures")
    rows = []
    for site in stats_sites(stats):
        row: dict[str, Any] = {"site": site}
        for counter in COUNTERS:
            row[counter] = stats.get(f"{PREFIX}/{site}/{counter}", 0)
        for name in COVERAGE_FIELDS:
            value = coverage(stats, site, name)
            row[name] = None if value is None else round(value, 3)
        # the counts behind the ratios, so that runs merged later are weighted exactly
        row["field_counts"] = {
            name: stats.get(f"{PREFIX}/{site}/fields/{name}", 0) for name in COVERAGE_FIELDS
        }
        row["duplicates_by_kind"] = _group(stats, f"{PREFIX}/{site}/duplicate")
        if known:
            row["failures"] = _group(stats, f"{PREFIX}/{site}/failures")
        judged = site != "all" and row["articles"] >= min_articles
        below = []
        for name, floor in floors.items():
            value = coverage(stats, site, name)
            if judged and value is not None and value < float(floor):
                below.append(name)
        row["monitor"] = {"judged": judged, "below_floor": below}
        rows.append(row)
    return rows


def run_record(
    stats: dict[str, Any],
    *,
    spider: str | None,
    floors: dict[str, float],
    coverage_min_articles: int,
    min_articles: int = 0,
) -> dict[str, Any]:
    """The row :class:`RunHistory` records: the ``NEWSCRAWL_REPORT_FILE`` JSON and more.

    ``stats`` are the crawl's stats at engine stop (Scrapy's ``start_time``,
    ``finish_time``, ``elapsed_time_seconds`` and newscrawl's counters).
    """
    started, finished = stats.get("start_time"), stats.get("finish_time")
    duration = stats.get("elapsed_time_seconds")
    if duration is None and isinstance(started, dt.datetime):
        duration = ((finished or dt.datetime.now(dt.UTC)) - started).total_seconds()
    failed = stats.get("newscrawl/monitors/failed")
    return {
        "version": RECORD_VERSION,
        "spider": spider,
        **build_outcome(stats),
        "duplicates_by_kind": _group(stats, "newscrawl/duplicate"),
        "sites": site_rows(stats, floors, coverage_min_articles),
        "monitors": {"failed": failed, "passed": not failed},
        "started_at": store_time(started),
        "finished_at": store_time(finished or dt.datetime.now(dt.UTC)),
        "duration_s": None if duration is None else round(float(duration), 3),
        "floors": {name: float(value) for name, value in floors.items()},
        "coverage_min_articles": coverage_min_articles,
        "min_articles": min_articles,
        "host": socket.gethostname(),
        "pid": os.getpid(),
    }


def crawler_record(crawler: Crawler) -> dict[str, Any]:
    """:func:`run_record` for a crawler, with its settings' floors."""
    settings = crawler.settings
    return run_record(
        crawler.stats.get_stats(),
        spider=crawler.spider.name if crawler.spider else crawler.spidercls.name,
        floors=settings.getdict("NEWSCRAWL_COVERAGE_FLOORS"),
        coverage_min_articles=settings.getint("NEWSCRAWL_COVERAGE_MIN_ARTICLES", 10),
        min_articles=settings.getint("NEWSCRAWL_MIN_ARTICLES", 0),
    )


def save_run(store_url: str, record: dict[str, Any]) -> int | None:
    """Record ``record`` in the store ``store_url`` names; its id, or None (logged) when the
    store cannot take it."""
    try:
        store = open_store(store_url)
        try:
            run_id = store.record_run(record)
        finally:
            store.close()
    except (StoreError, ValueError) as exc:
        logger.error("Run not recorded in the store: %s", exc)
        return None
    logger.info("Run recorded in the store as run %d", run_id)
    return run_id


class RunHistory:
    """Extension: the run's row in ``runs`` at engine stop (``NEWSCRAWL_RUN_HISTORY``)."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.store_url = settings.get("STORE_URL")
        if not self.store_url:
            raise NotConfigured("STORE_URL is empty: no run history")
        if not settings.getbool("NEWSCRAWL_RUN_HISTORY", True):
            raise NotConfigured("NEWSCRAWL_RUN_HISTORY is off")
        self.crawler = crawler
        self.stats = crawler.stats
        self.run_id: int | None = None
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunHistory:
        return cls(crawler)

    def item_dropped(self, item: Any, exception: BaseException) -> None:
        """Duplicates by kind per site (``same_url``, ``same_body``, ``near_duplicate``)."""
        if isinstance(exception, DuplicateItem):
            for where in (site_of(exception.url), "all"):
                self.stats.inc_value(f"{PREFIX}/{where}/duplicate/{exception.reason}")

    def engine_stopped(self) -> None:
        self.run_id = save_run(self.store_url, crawler_record(self.crawler))
