"""What ``newscrawl report`` shows, read from the store: plain data, the ``--json`` output
and the input of the HTML page (:mod:`newscrawl.reporting.html`).

Everything is computed from counts, never from rounded ratios: a run's count of articles
with each field (``field_counts``, recorded by :mod:`newscrawl.reporting.runs`; for a
run recorded from a report file, its coverage times its articles, exact under 1,000
articles a site since coverage is rounded to 0.1 %). So when there are more runs than a
chart can show (:data:`MAX_POINTS`), runs are merged into equal spans of time whose
coverage is the share over all their articles, and whose failures and duplicates are
summed. A point with no articles has no coverage and no duplicate share (an incremental
run that found nothing new says nothing about extraction).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from newscrawl.extensions.report import COVERAGE_FIELDS
from newscrawl.storage import BaseStore

#: Points a chart over runs shows at most; more runs are merged into spans of time.
MAX_POINTS = 240
#: Stories in the "most widely syndicated" table.
TOP_STORIES = 10


def parse_time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _row(report: dict[str, Any], site: str | None) -> dict[str, Any] | None:
    rows = {row.get("site"): row for row in report.get("sites") or [] if isinstance(row, dict)}
    return rows.get(site or "all")


def _counts(report: dict[str, Any], site: str | None) -> dict[str, Any]:
    """One run as counts: of the whole run, or of ``site``'s row."""
    row = _row(report, site) or {}
    articles = int(row.get("articles") or 0)
    counted = row.get("field_counts") or {}
    fields = {
        name: int(counted[name])
        if name in counted
        else (round(float(row[name]) * articles) if row.get(name) is not None else 0)
        for name in COVERAGE_FIELDS
    }
    kinds = row.get("duplicates_by_kind")
    if kinds is None and site is None:
        kinds = report.get("duplicates_by_kind")
    if site is not None and row.get("failures") is not None:
        failures = dict(row["failures"])
    else:
        failures = dict(report.get("failures") or {})
    return {
        "runs": 1,
        "articles": articles,
        "fields": fields,
        "new": int(row.get("new") or 0),
        "duplicate": int(row.get("duplicate") or 0),
        "near_duplicate": None if kinds is None else int(kinds.get("near_duplicate", 0)),
        # a failure kind with a slash is a detail of another (http_404/...); top kinds only
        "failures": {k: int(v) for k, v in failures.items() if "/" not in k},
    }


def _merge(into: dict[str, Any], more: dict[str, Any]) -> None:
    into["runs"] += more["runs"]
    into["articles"] += more["articles"]
    for name, count in more["fields"].items():
        into["fields"][name] = into["fields"].get(name, 0) + count
    into["new"] += more["new"]
    into["duplicate"] += more["duplicate"]
    if into["near_duplicate"] is None or more["near_duplicate"] is None:
        into["near_duplicate"] = None
    else:
        into["near_duplicate"] += more["near_duplicate"]
    for kind, count in more["failures"].items():
        into["failures"][kind] = into["failures"].get(kind, 0) + count


def _spans(runs: list[dict[str, Any]], max_points: int) -> tuple[list[list[int]], float | None]:
    """Indexes of the runs each point stands for: one run each, or equal spans of time."""
    if len(runs) <= max_points:
        return [[i] for i in range(len(runs))], None
    first, last = parse_time(runs[0]["finished_at"]), parse_time(runs[-1]["finished_at"])
    width = max((last - first).total_seconds() / max_points, 1.0)
    groups: dict[int, list[int]] = defaultdict(list)
    for i, run in enumerate(runs):
        offset = (parse_time(run["finished_at"]) - first).total_seconds()
        slot = min(int(offset // width), max_points - 1)
        groups[slot].append(i)
    return [groups[slot] for slot in sorted(groups)], width


def _floors(run: dict[str, Any], site: str | None) -> dict[str, float] | None:
    """The floors a run judged ``site`` by: the common ones, under the site's own."""
    floors = run.get("floors")
    own = (run.get("site_floors") or {}).get(site or "")
    return {**(floors or {}), **own} if own else floors


def _point(runs: list[dict[str, Any]], members: list[int], site: str | None) -> dict[str, Any]:
    counts = _counts(runs[members[0]], site)
    for i in members[1:]:
        _merge(counts, _counts(runs[i], site))
    last = runs[members[-1]]
    point: dict[str, Any] = {
        "at": last["finished_at"],
        "runs": [runs[i]["id"] for i in members],
        "articles": counts["articles"],
        "coverage": {
            name: round(count / counts["articles"], 4) if counts["articles"] else None
            for name, count in counts["fields"].items()
        },
        "floors": _floors(last, site),
        "failures": counts["failures"],
    }
    seen = counts["new"] + counts["duplicate"]
    point["duplicate_share"] = round(counts["duplicate"] / seen, 4) if seen else None
    near = counts["near_duplicate"]
    point["near_duplicate_share"] = round(near / seen, 4) if seen and near is not None else None
    return point


def _sites_of(runs: list[dict[str, Any]]) -> list[str]:
    return sorted(
        {row["site"] for run in runs for row in run.get("sites") or [] if row.get("site")} - {"all"}
    )


def over_runs(
    runs: list[dict[str, Any]], site: str | None, max_points: int = MAX_POINTS
) -> dict[str, Any]:
    """Coverage per site, failures by kind and duplicate shares, one point per run (or span)."""
    spans, width = _spans(runs, max_points)
    points = [_point(runs, members, site) for members in spans]
    sites = [site] if site else _sites_of(runs)
    coverage = {}
    for name in sites:
        site_points = [_point(runs, members, name) for members in spans]
        coverage[name] = [
            {"at": p["at"], "runs": p["runs"], "articles": p["articles"], **p["coverage"],
             "floors": p["floors"]}
            for p in site_points if p["articles"]
        ]  # fmt: skip
    kinds = sorted({kind for p in points for kind in p["failures"]})
    return {
        "span_seconds": width,
        "coverage": coverage,
        "failures": {
            "kinds": kinds,
            "scope": "site" if site and any(_has_site_failures(r, site) for r in runs) else "run",
            "points": [
                {"at": p["at"], "runs": p["runs"], **{k: p["failures"].get(k, 0) for k in kinds}}
                for p in points
            ],
        },
        "duplicates": [
            {
                "at": p["at"],
                "runs": p["runs"],
                "duplicate_share": p["duplicate_share"],
                "near_duplicate_share": p["near_duplicate_share"],
            }
            for p in points
            if p["duplicate_share"] is not None
        ],  # fmt: skip
    }


def _has_site_failures(run: dict[str, Any], site: str) -> bool:
    row = _row(run, site)
    return row is not None and row.get("failures") is not None


def articles_per_day(
    store: BaseStore, since: str | None, site: str | None, today: dt.date
) -> dict[str, Any]:
    """Stories stored per site per UTC day, every day of the period (zeros too): from
    ``since`` (else the first day with a story) to ``today`` (or the last such day)."""
    counts = store.daily_counts(since, site)
    if not counts:
        return {"days": [], "sites": {}}
    first = dt.date.fromisoformat(since[:10] if since else counts[0][0])
    last = max(today, dt.date.fromisoformat(counts[-1][0]))
    days = [(first + dt.timedelta(n)).isoformat() for n in range((last - first).days + 1)]
    index = {day: n for n, day in enumerate(days)}
    sites: dict[str, list[int]] = {}
    for day, name, count in counts:
        sites.setdefault(name, [0] * len(days))[index[day]] = count
    return {"days": days, "sites": dict(sorted(sites.items()))}


def syndicated(
    store: BaseStore, since: str | None, site: str | None, limit: int = TOP_STORIES
) -> list[dict[str, Any]]:
    """The stories found at the most places: where first stored, and ``also_at``."""
    stories = []
    for record in store.most_syndicated(limit, since, site):
        places = [p for p in record.get("also_at") or [] if isinstance(p, dict)]
        stories.append(
            {
                "url": record.get("url"),
                "site": record.get("site"),
                "headline": record.get("headline"),
                "published": record.get("published"),
                "places": 1 + len(places),
                "also_at": [{"url": p.get("url"), "site": p.get("site")} for p in places],
            }
        )
    return stories


def report_data(
    store: BaseStore,
    *,
    since: str | None = None,
    site: str | None = None,
    default_floors: dict[str, float] | None = None,
    max_points: int = MAX_POINTS,
    top: int = TOP_STORIES,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Everything the report shows, as JSON-ready data.

    ``since`` is in the store's spelling (``newscrawl.storage.export.stored_since``); ``site`` a
    site name (host without ``www.``). ``default_floors`` (the project's
    ``NEWSCRAWL_COVERAGE_FLOORS``) stand for the floors of runs recorded without theirs.
    """
    runs = store.runs(since=since, site=site)
    for run in runs:
        if not run.get("floors") and default_floors:
            run["floors"] = {k: float(v) for k, v in default_floors.items()}
    latest = runs[-1] if runs else None
    if latest is not None and site:
        latest = {**latest, "sites": [r for r in latest.get("sites") or [] if r["site"] == site]}
    moment = now or dt.datetime.now(dt.UTC)
    return {
        "generated_at": moment.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "store": store.location,
        "since": since,
        "site": site,
        "runs": [
            {
                "id": run["id"],
                "spider": run.get("spider"),
                "finished_at": run["finished_at"],
                "duration_s": run.get("duration_s"),
                "finish_reason": run.get("finish_reason"),
                "ok": run.get("ok"),
                "monitors_passed": (run.get("monitors") or {}).get("passed"),
                "pages": run.get("pages"),
                "stored": run.get("stored"),
            }
            for run in runs
        ],
        "articles_per_day": articles_per_day(store, since, site, moment.astimezone(dt.UTC).date()),
        **over_runs(runs, site, max_points),
        "latest_run": latest,
        "syndicated": syndicated(store, since, site, top),
    }
