"""Each crawl's run report as a row of the store's run history (``runs``).

:func:`run_record` builds the row from what the crawl knows when its engine stops: the run
report of :mod:`newscrawl.extensions.report` (per site: pages, new, duplicate, rejected, field
coverage; the run's outcome, failures by kind and monitors' verdict), plus what a history
needs and the JSON file did not say: when the run started and finished, its duration, the
coverage floors and sample size the monitors judged it by (floors change over time), each
site's verdict under them, and duplicates by kind (near-duplicates apart), per site too.

The extension that records it is :class:`newscrawl.extensions.history.RunHistory`.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from typing import Any

from newscrawl.extensions.report import (
    COUNTERS,
    COVERAGE_FIELDS,
    PREFIX,
    build_outcome,
    coverage,
    platforms,
)
from newscrawl.extensions.report import report_sites as stats_sites
from newscrawl.storage.history import store_time

logger = logging.getLogger(__name__)

#: Version of the row's JSON shape (``report`` column); bump when a key changes meaning.
RECORD_VERSION = 1


def _group(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    prefix += "/"
    return {k[len(prefix) :]: v for k, v in sorted(stats.items()) if k.startswith(prefix)}


def site_rows(
    stats: dict[str, Any],
    floors: dict[str, float],
    min_articles: int,
    site_floors: dict[str, dict[str, float]] | None = None,
) -> list[dict[str, Any]]:
    """The run report's per-site rows, each with its duplicate kinds, its failures by kind
    (when they are counted per site, see ``known`` below), the platforms it answered with
    (and those whose entry points it lacked) and the monitors' verdict on it:
    ``judged`` (enough articles for coverage to be judged, as
    :class:`~newscrawl.monitors.FieldCoverageMonitor` does) and ``below_floor`` (the fields
    that failed, under the site's own floors where ``site_floors`` gives some)."""
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
        row.update(platforms(stats, site))
        if known:
            row["failures"] = _group(stats, f"{PREFIX}/{site}/failures")
        judged = site != "all" and row["articles"] >= min_articles
        below = []
        for name, floor in {**floors, **((site_floors or {}).get(site) or {})}.items():
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
    site_floors: dict[str, dict[str, float]] | None = None,
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
        "sites": site_rows(stats, floors, coverage_min_articles, site_floors),
        "monitors": {"failed": failed, "passed": not failed},
        "started_at": store_time(started),
        "finished_at": store_time(finished or dt.datetime.now(dt.UTC)),
        "duration_s": None if duration is None else round(float(duration), 3),
        "floors": {name: float(value) for name, value in floors.items()},
        "site_floors": {
            site: {name: float(value) for name, value in own.items()}
            for site, own in (site_floors or {}).items()
        },
        "coverage_min_articles": coverage_min_articles,
        "min_articles": min_articles,
        "host": socket.gethostname(),
        "pid": os.getpid(),
    }
