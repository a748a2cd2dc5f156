"""The store's run history (``runs``) and report reads, on both backends; the schema
migration that adds them; the report data's merging of many runs."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from newscrawl.reporting.data import over_runs, report_data
from newscrawl.reporting.runs import run_record, site_rows
from newscrawl.storage import Store, open_store
from newscrawl.storage import sqlite as sqlite_backend
from newscrawl.storage.history import MAX_REPORT_CHARS, store_time


def report(n: int, finished: str | None, sites: dict[str, int], **more) -> dict:
    """A run report of ``sites`` {site: articles}, all new, headline on every other one."""
    rows = [
        {"site": site, "pages": count, "new": count, "duplicate": 0, "rejected": 0,
         "articles": count, "headline": 0.5 if count else None, "body": 1.0 if count else None,
         "published": None, "dateline": None}
        for site, count in sites.items()
    ]  # fmt: skip
    total = sum(sites.values())
    rows.append({**rows[0], "site": "all", "pages": total, "new": total, "articles": total})
    return {
        "spider": "smn", "finish_reason": "finished", "ok": True, "pages": total,
        "stored": total, "rejected": {}, "duplicates": 0, "failures": {"timeout": n % 2},
        "sites": rows, "monitors": {"failed": None, "passed": True},
        "finished_at": finished, **more,
    }  # fmt: skip


def article(n: int, site: str) -> dict:
    return {
        "url": f"https://{site}/s/{n}.html", "site": site, "fingerprint": f"fp{n}",
        "headline": f"Story {n}", "body": "B", "fetched_at": "2026-01-01T00:00:00+00:00",
    }  # fmt: skip


def test_record_and_read_runs(store_url: str) -> None:
    store = open_store(store_url)
    first = store.record_run(report(1, "2026-11-01T10:00:00+02:00", {"spacewar.com": 4}))
    second = store.record_run(report(2, "2026-11-02T09:00:00Z", {"terradaily.com": 2}))
    undated = store.record_run(report(3, None, {"spacewar.com": 0}))
    assert (first, second, undated) == (1, 2, 3)
    runs = open_store(store_url).runs()
    assert [r["id"] for r in runs] == [1, 2, 3]
    assert runs[0]["finished_at"] == "2026-11-01T08:00:00.000Z"  # the store's spelling, UTC
    assert runs[2]["finished_at"] == runs[2]["recorded_at"] > "2026-11-02"
    assert runs[1]["sites"][0]["site"] == "terradaily.com" and runs[1]["failures"] == {"timeout": 0}
    assert [r["id"] for r in store.runs(site="spacewar.com")] == [1, 3]
    assert [r["id"] for r in store.runs(since="2026-11-02T00:00:00.000Z")] == [2, 3]
    assert [r["id"] for r in store.runs(since="2026-11-02T00:00:00.000Z", site="terradaily.com")]
    columns = store._all("SELECT spider, ok, monitors_passed, pages, stored, failures FROM runs")
    assert columns[0] == ("smn", 1, 1, 4, 4, 1)


def test_bad_reports_are_refused(store_url: str) -> None:
    store = open_store(store_url)
    with pytest.raises(ValueError, match="JSON object"):
        store.record_run(["not", "a", "report"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="over"):
        store.record_run({"sites": [], "note": "x" * MAX_REPORT_CHARS})
    with pytest.raises(ValueError):
        store.record_run({"sites": [], "finished_at": "yesterday"})
    assert store.runs() == []


def test_an_open_batch_is_committed_before_the_run(store_url: str) -> None:
    store = open_store(store_url, batch_size=100)
    store.add_article(article(1, "spacewar.com"))
    store.record_run(report(1, None, {"spacewar.com": 1}))
    again = open_store(store_url)
    assert again.url_known(article(1, "spacewar.com")["url"]) and len(again.runs()) == 1


def placed(n: int) -> dict:
    return article(n, "spacewar.com" if n % 2 else "terradaily.com")


def test_daily_counts_and_most_syndicated(store_url: str) -> None:
    store = open_store(store_url)
    for n in range(6):
        store.add_article(placed(n))
    for n, copies in ((1, 3), (2, 1), (4, 2)):
        for c in range(copies):
            site = ("spacedaily.com", "terradaily.com", "spacewar.com")[c]
            alias = f"https://{site}/copy/{n}-{c}.html"
            store.add_alias(alias, placed(n)["url"], site, "same_body", None)
    store.commit()
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert store.daily_counts() == [(today, "spacewar.com", 3), (today, "terradaily.com", 3)]
    assert store.daily_counts(site="spacewar.com") == [(today, "spacewar.com", 3)]
    assert store.daily_counts(since="2999-01-01") == []
    top = store.most_syndicated(2)
    assert [r["headline"] for r in top] == ["Story 1", "Story 4"]
    assert len(top[0]["also_at"]) == 3
    assert [r["headline"] for r in store.most_syndicated(5, site="spacedaily.com")] == [
        "Story 1",
        "Story 4",
        "Story 2",
    ]
    assert store.most_syndicated(5, since="2999-01-01") == []


def test_sqlite_store_of_version_2_gains_the_run_history(tmp_path: Path) -> None:
    """A store written by the newscrawl before run history (user_version 2) is migrated:
    its articles kept, runs recorded."""
    path = tmp_path / "v2.db"
    db = sqlite3.connect(path)
    db.executescript(sqlite_backend._SCHEMA + sqlite_backend._NEARDUP_SCHEMA)
    db.execute("INSERT INTO articles (url, site, fingerprint, headline, record)"
               " VALUES ('u', 's', 'f', 'h', '{}')")  # fmt: skip
    db.commit()
    sqlite_backend._add_incremental_schema(db)
    db.execute("PRAGMA user_version=2")
    db.close()
    store = Store(path)
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == sqlite_backend.SCHEMA_VERSION
    assert store.url_known("u") == "u"
    assert store.record_run(report(1, None, {"s": 1})) == 1
    indexes = {row[1] for row in store.db.execute("PRAGMA index_list(articles)")}
    assert "articles_by_stored" in indexes
    Store(path)  # opening again is a no-op


def test_postgres_store_of_version_1_gains_the_run_history(postgres) -> None:
    import psycopg

    from newscrawl.storage.postgres import MIGRATIONS, SCHEMA_VERSION

    url = postgres.new_database()
    with psycopg.connect(url, autocommit=True) as db:  # what the previous release created
        db.execute("CREATE TABLE newscrawl_schema (version INTEGER)")
        db.execute(MIGRATIONS[0])
        db.execute("INSERT INTO newscrawl_schema VALUES (1)")
        db.execute("INSERT INTO articles (url, site, fingerprint, headline, record)"
                   " VALUES ('u', 's', 'f', 'h', '{}')")  # fmt: skip
    store = open_store(url)
    assert store.schema_version() == SCHEMA_VERSION >= 2  # every later step applied too
    assert store.url_known("u") == "u"
    assert store.record_run(report(1, None, {"s": 1})) == 1
    assert open_store(url).schema_version() == SCHEMA_VERSION


def test_many_runs_are_merged_into_spans_weighted_by_articles(store_url: str) -> None:
    """More runs than a chart shows: points are spans of time, coverage is the share over
    all their articles (not a mean of ratios), failures summed, nothing lost."""
    store = open_store(store_url)
    start = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    for n in range(300):
        finished = (start + dt.timedelta(minutes=15 * n)).isoformat()
        store.record_run(report(n, finished, {"spacewar.com": 2 + 2 * (n % 3)}))
    runs = store.runs()
    merged = over_runs(runs, None, max_points=50)
    assert merged["span_seconds"] == pytest.approx(299 * 15 * 60 / 50)
    points = merged["coverage"]["spacewar.com"]
    assert len(points) <= 50
    assert sorted(i for p in points for i in p["runs"]) == [r["id"] for r in runs]
    assert sum(p["articles"] for p in points) == sum(2 + 2 * (n % 3) for n in range(300))
    assert all(p["headline"] == 0.5 and p["body"] == 1.0 for p in points)
    failures = merged["failures"]["points"]
    assert sum(p["timeout"] for p in failures) == 150
    one_each = over_runs(runs[:40], None, max_points=50)
    assert one_each["span_seconds"] is None and len(one_each["coverage"]["spacewar.com"]) == 40


def test_report_data_for_runs_without_floors_uses_the_default(store_url: str) -> None:
    store = open_store(store_url)
    store.record_run(report(1, None, {"spacewar.com": 3}))
    store.record_run(report(2, None, {"spacewar.com": 3}, floors={"headline": 0.7}))
    data = report_data(store, default_floors={"headline": 0.9})
    floors = [p["floors"] for p in data["coverage"]["spacewar.com"]]
    assert floors == [{"headline": 0.9}, {"headline": 0.7}]
    assert data["latest_run"]["id"] == 2


def test_run_record_judges_sites_as_the_coverage_monitor_does() -> None:
    stats = {
        "start_time": dt.datetime(2026, 11, 1, 10, 0, tzinfo=dt.UTC),
        "finish_time": dt.datetime(2026, 11, 1, 10, 5, tzinfo=dt.UTC),
        "elapsed_time_seconds": 300.0,
        "finish_reason": "finished",
        "newscrawl/report/a.com/articles": 10,
        "newscrawl/report/a.com/fields/headline": 10,
        "newscrawl/report/a.com/fields/dateline": 5,
        "newscrawl/report/a.com/failures/timeout": 2,
        "newscrawl/report/all/failures/timeout": 2,
        "newscrawl/report/b.com/articles": 3,
        "newscrawl/report/b.com/duplicate/near_duplicate": 1,
        "newscrawl/report/all/articles": 13,
        "newscrawl/duplicate/near_duplicate": 1,
        "newscrawl/monitors/failed": ["Field coverage: a.com dateline 50% < 80%"],
    }
    floors = {"headline": 0.9, "dateline": 0.8}
    record = run_record(stats, spider="smn", floors=floors, coverage_min_articles=5)
    rows = {row["site"]: row for row in record["sites"]}
    assert rows["a.com"]["monitor"] == {"judged": True, "below_floor": ["dateline"]}
    assert rows["a.com"]["failures"] == {"timeout": 2}
    assert rows["a.com"]["field_counts"] == {"headline": 10, "body": 0, "published": 0,
                                             "dateline": 5}  # fmt: skip
    assert rows["b.com"]["monitor"] == {"judged": False, "below_floor": []}
    assert rows["b.com"]["duplicates_by_kind"] == {"near_duplicate": 1}
    assert record["started_at"] == "2026-11-01T10:00:00.000Z"
    assert record["finished_at"] == "2026-11-01T10:05:00.000Z"
    assert record["duration_s"] == 300.0 and record["monitors"]["passed"] is False
    assert site_rows(stats, floors, 5)[-1]["site"] == "all"
    # failures counted for the run but not per site: the rows do not claim zero
    unknown = {**stats, "newscrawl/failures": 2, "newscrawl/failures/timeout": 2}
    del unknown["newscrawl/report/a.com/failures/timeout"]
    del unknown["newscrawl/report/all/failures/timeout"]
    assert all("failures" not in row for row in site_rows(unknown, floors, 5))
    quiet = {k: v for k, v in unknown.items() if "failures" not in k}
    assert all(row["failures"] == {} for row in site_rows(quiet, floors, 5))
    assert store_time("2026-11-01T12:00:00+02:00") == "2026-11-01T10:00:00.000Z"
