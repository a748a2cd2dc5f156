"""The run history and the report's reads: SQL both backends understand, mixed into
:class:`~newscrawl.storage.base.BaseStore`.

A crawl's run report (what :mod:`newscrawl.extensions.report` writes to ``NEWSCRAWL_REPORT_FILE``,
extended by :func:`newscrawl.reporting.runs.run_record`) is kept as one row of
``runs``: the whole report as JSON in ``report`` (its shape can grow without a migration),
beside the few columns an operator queries by hand (``sqlite3 newscrawl.db "select
finished_at, spider, pages, stored, ok from runs"``). ``run_sites`` says which sites a run
touched, so the runs of one site are an index look-up, not a parse of every report.

The other reads here (articles per site per day, the most widely syndicated stories) are
what ``newscrawl report`` draws; they read indexed columns only and parse the JSON of a
handful of records, so a report stays interactive on a large store.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from newscrawl.storage.connection import StoreConnection

# A run report is a few kB (one row per site); a bigger one is not a report.
MAX_REPORT_CHARS = 1 << 20


def store_time(value: Any) -> str | None:
    """An ISO 8601 time (or a datetime) in the store's spelling: UTC, milliseconds, ``Z``.

    Naive times are taken as UTC. The store compares these as strings (``--since``).
    """
    if value in (None, ""):
        return None
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _count(value: Any) -> int:
    """A counter of the report: a number, or a ``{kind: n}`` dict summed."""
    if isinstance(value, dict):
        return sum(int(v) for v in value.values() if isinstance(v, int | float))
    return int(value) if isinstance(value, int | float) else 0


def report_sites(report: dict[str, Any]) -> list[str]:
    """The sites a report has a row for (``all`` left out)."""
    rows = report.get("sites") or []
    return sorted(
        {str(row["site"]) for row in rows if isinstance(row, dict) and row.get("site")} - {"all"}
    )


class HistoryQueries(StoreConnection):
    """Run history and report reads."""

    def record_run(self, report: dict[str, Any]) -> int:
        """Keep a crawl's run report as a row of ``runs``, in a transaction of its own; its id.

        ``finished_at`` (ISO 8601) dates the run; a report without it (a
        ``NEWSCRAWL_REPORT_FILE`` of an older newscrawl) is dated when it is recorded.
        """
        if not isinstance(report, dict) or not isinstance(report.get("sites", []), list):
            raise ValueError("a run report is a JSON object with a 'sites' list")
        text = json.dumps(report, ensure_ascii=False)
        if len(text) > MAX_REPORT_CHARS:
            raise ValueError(f"run report of {len(text)} characters: over {MAX_REPORT_CHARS}")
        monitors = report.get("monitors") or {}
        params = (
            report.get("spider"),
            store_time(report.get("started_at")),
            store_time(report.get("finished_at")),
            report.get("duration_s"),
            report.get("finish_reason"),
            int(bool(report.get("ok", True))),
            int(bool(monitors.get("passed", not monitors.get("failed")))),
            _count(report.get("pages")),
            _count(report.get("stored")),
            _count(report.get("duplicates")),
            _count(report.get("rejected")),
            _count(report.get("failures")),
            text,
        )
        self.commit()  # an open batch of the caller's is not this transaction's business
        try:
            self._begin()
            (run_id,) = self._run(
                "INSERT INTO runs (spider, started_at, finished_at, duration_s, finish_reason,"
                " ok, monitors_passed, pages, stored, duplicates, rejected, failures, report)"
                f" VALUES (?, ?, coalesce(?, {self.NOW}), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " RETURNING id",
                params,
            ).fetchone()
            sites = report_sites(report)
            if sites:
                self._run_many(
                    "INSERT INTO run_sites (site, run_id) VALUES (?, ?)",
                    [(site, run_id) for site in sites],
                )
            self._run("COMMIT")
        except self.ERRORS as exc:
            from newscrawl.storage.base import StoreError  # base imports this module

            if self.in_transaction:
                self._run("ROLLBACK")
            raise StoreError(f"cannot record the run in store {self.location}: {exc}") from exc
        return int(run_id)

    def runs(self, since: str | None = None, site: str | None = None) -> list[dict[str, Any]]:
        """Recorded run reports, oldest first, each with its ``id``, ``finished_at`` and
        ``recorded_at``; ``since`` (store spelling, see :func:`store_time`) compares with
        ``finished_at``; ``site`` keeps the runs that had a row for that site (whole)."""
        sql = "SELECT id, finished_at, recorded_at, report FROM runs WHERE 1 = 1"
        params: list[Any] = []
        if since:
            sql += " AND finished_at >= ?"
            params.append(since)
        if site:
            sql += " AND id IN (SELECT run_id FROM run_sites WHERE site = ?)"
            params.append(site)
        runs = []
        for run_id, finished_at, recorded_at, text in self._all(
            sql + " ORDER BY finished_at, id", params
        ):
            report = json.loads(text)
            report.update(id=int(run_id), finished_at=finished_at, recorded_at=recorded_at)
            runs.append(report)
        return runs

    def daily_counts(
        self, since: str | None = None, site: str | None = None
    ) -> list[tuple[str, str, int]]:
        """(day, site, stories stored that day), by ``stored_at`` (UTC days)."""
        sql = "SELECT substr(stored_at, 1, 10) AS day, site, count(*) FROM articles WHERE 1 = 1"
        params: list[Any] = []
        if since:
            sql += " AND stored_at >= ?"
            params.append(since)
        if site:
            sql += " AND site = ?"
            params.append(site)
        sql += " GROUP BY substr(stored_at, 1, 10), site ORDER BY day, site"
        return [(day, name, int(count)) for day, name, count in self._all(sql, params)]

    def most_syndicated(
        self, limit: int = 10, since: str | None = None, site: str | None = None
    ) -> list[dict[str, Any]]:
        """The stored stories found at the most other places (``also_at``), most first.

        Ranked by their aliases (each alias is one ``also_at`` entry of the record, see
        :meth:`BaseStore.add_alias`; the later pages of a story over several pages are
        aliases too, reason ``part``, but no other places: left out), which is an indexed
        count; only the winners' records are read. ``site`` keeps stories stored under that
        site or also found there.
        """
        sql = (
            "SELECT a.url, count(*) AS places FROM aliases x JOIN articles a ON a.url = x.url"
            " WHERE x.reason <> 'part'"
        )
        params: list[Any] = []
        if since:
            sql += " AND a.stored_at >= ?"
            params.append(since)
        if site:
            sql += " AND (a.site = ? OR a.url IN (SELECT url FROM aliases WHERE site = ?))"
            params += [site, site]
        sql += " GROUP BY a.url ORDER BY places DESC, a.url LIMIT ?"
        params.append(int(limit))
        top = self._all(sql, params)
        if not top:
            return []
        marks = ",".join("?" * len(top))
        records = {
            url: json.loads(text)
            for url, text in self._all(
                f"SELECT url, record FROM articles WHERE url IN ({marks})", [u for u, _ in top]
            )
        }
        return [records[url] for url, _ in top if url in records]
