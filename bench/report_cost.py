"""Cost of ``newscrawl report`` on a store of 100,000 records and a season of runs.

    python -m bench.report_cost [--records 100000] [--days 90] [--runs-per-day 96]
                                [--sites 3] [--keep DIR]

One SQLite store holds ``--records`` synthetic stories stored over ``--days`` days (a
tenth of them found on one or two sister sites too, as aliases and ``also_at``) and one
run every 15 minutes per day of that period (``--runs-per-day``: 96 is a crawl from cron
every quarter hour, 8,640 runs over 90 days). Rows are written with SQL straight into the
store's tables (the bench measures reading, and a crawl of 100,000 pages would take an
hour); every report is read through the product's code.

Printed: the time of the report's data (store reads and run merging), of the page (charts
and HTML), and of the whole command in a fresh process (imports included: what a user
waits for), for the default 30 days, one site, and the whole history (runs merged into at
most 240 points). Two baselines are measured in the same run: reading every stored record
once (``SELECT record`` and ``json.loads``), the least a report that parsed the records
would cost, against which the data part is compared; and the same command on an empty
store (interpreter, imports, an empty page), against which the command is compared.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from newscrawl.reporting.data import report_data
from newscrawl.reporting.html import render
from newscrawl.storage import Store
from newscrawl.storage.export import stored_since
from newscrawl.storage.history import store_time

ROOT = Path(__file__).resolve().parents[1]

WORDS = ("orbit launch satellite radar mission crew rocket station signal budget storm "
         "coast drought climate sensor agency contract test flight ocean").split()  # fmt: skip
FLOORS = {"headline": 0.9, "body": 0.9, "published": 0.6, "dateline": 0.8}


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def build(path: Path, records: int, days: int, runs_per_day: int, sites: int) -> None:
    """The synthetic store: articles over ``days``, aliases, and the run history."""
    rng = random.Random(16)
    names = [f"site{n}.example" for n in range(sites)]
    end = dt.datetime.now(dt.UTC).replace(microsecond=0)
    start = end - dt.timedelta(days=days)
    store = Store(path)
    db = store.db
    db.execute("BEGIN")
    for n in range(records):
        site = names[n % sites]
        stored = start + dt.timedelta(seconds=rng.uniform(0, days * 86400))
        url = f"https://{site}/reports/story_{n}.html"
        record = {
            "url": url, "site": site, "section": "News", "headline": _text(rng, 8),
            "dateline": {"raw": "Paris (AFP) Nov 1", "place": "Paris", "agency": "AFP",
                         "date": None},
            "published": stored.date().isoformat(), "authors": [], "body": _text(rng, 250),
            "related_links": [], "images": [], "language": "en",
            "fetched_at": stored.isoformat(), "fingerprint": f"fp{n}", "also_at": [],
        }  # fmt: skip
        copies = 0 if n % 10 else 1 + (n // 10) % 2
        others = [names[(n + 1 + c) % sites] for c in range(copies)]
        for other in others:
            alias = f"https://{other}/copy/story_{n}.html"
            record["also_at"].append({"url": alias, "site": other, "fetched_at": None})
        db.execute(
            "INSERT INTO articles (url, site, fingerprint, headline, published, fetched_at,"
            " stored_at, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (url, site, record["fingerprint"], record["headline"], record["published"],
             record["fetched_at"], store_time(stored), json.dumps(record)),
        )  # fmt: skip
        for place in record["also_at"]:  # after the story: aliases reference it
            db.execute(
                "INSERT INTO aliases (alias, url, site, reason) VALUES (?, ?, ?, 'same_body')",
                (place["url"], url, place["site"]),
            )
    db.execute("COMMIT")
    every = dt.timedelta(days=1) / runs_per_day
    moment = start
    while moment < end:
        moment += every
        rows, total = [], {"pages": 0, "new": 0, "duplicate": 0, "articles": 0}
        for site in names:
            articles = rng.choice((0, 0, 1, 2, 5))
            row = {"site": site, "pages": 10 + articles, "new": articles, "duplicate": 0,
                   "rejected": 0, "articles": articles}  # fmt: skip
            for name in FLOORS:
                row[name] = round(rng.uniform(0.7, 1.0), 3) if articles else None
            rows.append(row)
            for key in total:
                total[key] += row[key]
        rows.append({"site": "all", **total, "rejected": 0, "headline": None, "body": None,
                     "published": None, "dateline": None})  # fmt: skip
        store.record_run({
            "version": 1, "spider": "smn", "finish_reason": "finished", "ok": True,
            "pages": total["pages"], "stored": total["new"], "rejected": {}, "duplicates": 0,
            "duplicates_by_kind": {}, "failures": {"timeout": rng.choice((0, 0, 1))},
            "sites": rows, "monitors": {"failed": None, "passed": True},
            "started_at": store_time(moment - dt.timedelta(seconds=40)),
            "finished_at": store_time(moment), "duration_s": 40.0, "floors": FLOORS,
        })  # fmt: skip
    store.close()


def baseline(path: Path) -> float:
    store = Store(path)
    began = time.perf_counter()
    for (text,) in store.db.execute("SELECT record FROM articles"):
        json.loads(text)
    elapsed = time.perf_counter() - began
    store.close()
    return elapsed


def in_process(path: Path, since: str | None, site: str | None) -> tuple[float, float, int, int]:
    store = Store(path)
    began = time.perf_counter()
    data = report_data(store, since=stored_since(since) if since else None, site=site,
                       default_floors=FLOORS)  # fmt: skip
    middle = time.perf_counter()
    page = render(data)
    done = time.perf_counter()
    store.close()
    return middle - began, done - middle, len(data["runs"]), len(page)


def command(path: Path, folder: Path, *args: str) -> float:
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "newscrawl.cli", "report", "--store",
         f"sqlite:///{path}", "--html", str(folder / "r.html"), "--json", str(folder / "r.json"),
         *args],
        cwd=ROOT, check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--runs-per-day", type=int, default=96)
    parser.add_argument("--sites", type=int, default=3)
    parser.add_argument("--keep", help="build the store in this folder and keep it")
    args = parser.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="report-cost-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bench.db"
    if not path.exists():
        began = time.perf_counter()
        build(path, args.records, args.days, args.runs_per_day, args.sites)
        print(f"built {path} ({path.stat().st_size / 1e6:.0f} MB) in"
              f" {time.perf_counter() - began:.1f} s")  # fmt: skip
    base = baseline(path)
    Store(folder / "empty.db").close()
    empty = command(folder / "empty.db", folder)
    print(f"{args.records:,} records, {args.days * args.runs_per_day:,} runs, {args.sites} sites")
    print(f"baseline: read every record once   {base:6.2f} s")
    print(f"baseline: command on an empty store {empty:6.2f} s")
    print(f"{'report':<26} {'runs':>6} {'data s':>7} {'page s':>7} {'command s':>9}"
          f" {'page kB':>8} {'data/read-all':>13} {'command/empty':>13}")  # fmt: skip
    for label, since, site in (
        ("--since 30d (default)", "30d", None),
        ("--since 30d --site site0", "30d", "site0.example"),
        ("--since all", None, None),
    ):
        data_s, page_s, runs, size = in_process(path, since, site)
        extra = ["--since", since or "all"] + (["--site", site] if site else [])
        wall = command(path, folder, *extra)
        print(f"{label:<26} {runs:>6,} {data_s:>7.2f} {page_s:>7.2f} {wall:>9.2f}"
              f" {size / 1024:>8.0f} {data_s / base:>13.2f} {wall / empty:>13.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
