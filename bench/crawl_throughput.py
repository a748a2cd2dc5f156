"""Crawl throughput: the real crawl against a bare link-following crawl, in one run.

Usage (from the repository root)::

    python -m bench.crawl_throughput [--pages 5000] [--concurrency 16] [--keep DIR]

1. Generates a classic-template mirror of ``--pages`` article pages over three sites and
   six sections (40-80 KB pages with ads and related boxes; :mod:`big_mirror`) in a
   temporary folder.
2. Starts :mod:`mirror_server` in its own process on 127.0.0.1; every crawl runs with
   ``http_proxy``/``https_proxy`` pointing at it, from the spiders' real start URLs.
3. Crawls the mirror three times, each crawl in its own subprocess:
   (a) ``bare``: follows the same links, extracts nothing (:mod:`bare_spider`);
   (b) ``full``: ``scrapy crawl smn`` with every pipeline, the SQLite store and a
   JSON-lines feed;
   (c) ``generic``: the same with ``-s NEWSCRAWL_USE_PROFILES=False``.
   Politeness is off for all three (``DOWNLOAD_DELAY=0``, ``AUTOTHROTTLE_ENABLED=False``)
   with ``CONCURRENT_REQUESTS`` and ``CONCURRENT_REQUESTS_PER_DOMAIN`` set to
   ``--concurrency``; everything else is the project's settings.
4. Prints pages/s per crawl (responses / the crawl's own ``elapsed_time_seconds``, so
   interpreter start-up is not counted), the ratios b/a and c/a, the peak RSS of each crawl
   (the crawl process's own ``VmHWM``, written by :mod:`bench_stats`, plus the peaks of its
   extraction workers, if any: ``wait4``'s ``ru_maxrss`` would include this bench's own
   memory, see :mod:`bench_stats`), and as its last line one JSON object for scripts to
   compare runs.

``--workers N`` sets ``EXTRACTION_WORKERS`` for (b) and (c) (default: the project's).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.support import big_mirror
from newscrawl import settings as project_settings

BENCH = Path(__file__).resolve().parent
# The big mirror's section keys (fixtures/build_mirror.py's sections).
BENCH_SECTIONS = sorted({key for (_, key) in big_mirror.template.SECTIONS})
ROOT = BENCH.parent


@dataclass
class Crawl:
    name: str
    responses: int
    elapsed: float
    rss_mb: float  # the crawl process's peak plus its extraction workers' peaks
    main_rss_mb: float  # the crawl process's own peak
    items: int
    cpu: float  # seconds of CPU the crawl (and its extraction workers) used, open to stop
    main_cpu: float  # of which the crawl process's own
    server_cpu: float  # seconds of CPU the mirror server used meanwhile

    @property
    def pps(self) -> float:
        return self.responses / self.elapsed

    @property
    def ms_per_page(self) -> float:
        """CPU milliseconds per page: what other load on the machine hardly changes."""
        return 1000 * self.cpu / self.responses


def crawl_plans(workers: int | None = None) -> dict[str, list[str]]:
    """``scrapy`` arguments of the three crawls (each runs in its own empty folder).

    The bench's stats extension is added to the project's ``EXTENSIONS`` for the real
    crawls (a ``-s EXTENSIONS=`` of its own alone would replace the project's: no run
    guard, run report, monitors or extraction pool). The bare crawl gets it alone: it is
    Scrapy's own ceiling.
    """
    # Section pages only: the big mirror has no feeds or sitemaps, and the bare spider
    # walks sections, so both crawls fetch the same pages: the big mirror's six classic
    # sections (the profile also lists the 2026 platform's entry points, and a fourth
    # site's, which the big mirror does not have).
    extensions = {**project_settings.EXTENSIONS, "bench.support.bench_stats.StatsFile": 0}
    start = ["-a", "platforms=classic", "-a", f"sections={','.join(BENCH_SECTIONS)}"]
    store = [
        "-a", "discover=sections", *start, "-s", "STORE_URL=sqlite:///store.db",
        "-O", "feed.jsonl", "-s", f"EXTENSIONS={json.dumps(extensions)}",
    ]  # fmt: skip
    if workers is not None:
        store += ["-s", f"EXTRACTION_WORKERS={workers}"]
    bare_extensions = json.dumps({"bench.support.bench_stats.StatsFile": 0})
    bare = ["runspider", str(BENCH / "support" / "bare_spider.py"), "-s", "STORE_URL="]
    return {
        "bare": [*bare, *start, "-s", f"EXTENSIONS={bare_extensions}"],
        "full": ["crawl", "smn", *store],
        "generic": ["crawl", "smn", *store, "-s", "NEWSCRAWL_USE_PROFILES=False"],
    }


def start_server(root: Path) -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.support.mirror_server", str(root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    url = server.stdout.readline().strip()
    if not url.startswith("http://127.0.0.1:"):
        server.kill()
        raise RuntimeError(f"mirror server did not start (said {url!r})")
    return server, url


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a running process, from ``/proc/PID/stat``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_crawl(
    name: str, args: list[str], server: subprocess.Popen[str], proxy: str, work: Path,
    concurrency: int,
) -> Crawl:  # fmt: skip
    """One crawl in its own process; its peak RSS is what the process itself read from
    ``/proc/self/status`` when its engine stopped, plus its extraction workers' peaks."""
    folder = work / name
    folder.mkdir()
    stats_file = folder / "stats.json"
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update(
        http_proxy=proxy,
        https_proxy=proxy,
        SCRAPY_SETTINGS_MODULE="newscrawl.settings",
        PYTHONPATH=str(ROOT),
    )
    command = [
        sys.executable, "-m", "scrapy", *args,
        "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", f"CONCURRENT_REQUESTS={concurrency}",
        "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={concurrency}",
        "-s", f"BENCH_STATS_FILE={stats_file}",
    ]  # fmt: skip
    server_before = cpu_seconds(server.pid)
    with open(folder / "crawl.log", "wb") as log:
        process = subprocess.Popen(command, cwd=folder, env=env, stdout=log, stderr=log)
        process.wait()
    # 3: a run monitor failed (newscrawl.monitors): forced generic extraction finds no
    # datelines in the classic template, below the coverage floor. The crawl itself ran.
    if process.returncode not in (0, 3) or not stats_file.exists():
        tail = (folder / "crawl.log").read_text("utf-8", "replace")[-3000:]
        raise RuntimeError(f"crawl {name} failed ({process.returncode}):\n{tail}")
    stats = json.loads(stats_file.read_text("utf-8"))
    main_kb = int(stats["bench/peak_rss_kb"])
    workers_kb = int(stats.get("newscrawl/extraction/workers_peak_rss_kb", 0))
    return Crawl(
        name=name,
        responses=int(stats.get("response_received_count", 0)),
        elapsed=float(stats["elapsed_time_seconds"]),
        rss_mb=(main_kb + workers_kb) / 1024,
        main_rss_mb=main_kb / 1024,
        items=int(stats.get("item_scraped_count", 0)),
        cpu=float(stats["bench/cpu_seconds"])
        + float(stats.get("newscrawl/extraction/workers_cpu_seconds", 0)),
        main_cpu=float(stats["bench/cpu_seconds"]),
        server_cpu=cpu_seconds(server.pid) - server_before,
    )


def check_full(crawl: Crawl, folder: Path, stories: int, pages: int) -> str:
    """The full crawls must have done the work: every story stored, in feed and store.

    Generic extraction may keep boilerplate in a body, so a syndicated copy need not
    collide with its original: between ``stories`` and ``pages`` records are expected.
    """
    feed = (folder / "feed.jsonl").read_text("utf-8").splitlines()
    db = sqlite3.connect(folder / "store.db")
    stored = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    aliases = db.execute("SELECT count(*) FROM aliases").fetchone()[0]
    db.close()
    if not (len(feed) == stored == crawl.items and stories <= stored <= pages):
        raise RuntimeError(
            f"crawl {crawl.name}: {stories} stories on {pages} pages, but feed {len(feed)}, "
            f"store {stored}, "
            f"items {crawl.items}"
        )
    return f"{stored} stored, {aliases} aliases"


def main() -> None:
    parser = argparse.ArgumentParser(description="Crawl throughput against a bare crawl.")
    parser.add_argument("--pages", type=int, default=5000, help="article pages to generate")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--keep", type=Path, help="keep the mirror, logs and feeds here")
    parser.add_argument(
        "--workers", type=int, help="EXTRACTION_WORKERS for the real crawls (default: project's)"
    )
    parser.add_argument(
        "--only", choices=("bare", "full", "generic"), action="append", help="run only these"
    )
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="newscrawl-bench-"))
    try:
        started = time.monotonic()
        written = big_mirror.build(work / "mirror", options.pages)
        stories = len(big_mirror.stories(options.pages))
        print(
            f"mirror: {written['articles']} article pages ({stories} stories), "
            f"{written['listings']} listing pages, "
            f"{written['bytes'] / written['articles'] / 1024:.0f} KB per article page, "
            f"built in {time.monotonic() - started:.1f} s",
            flush=True,
        )
        plans = crawl_plans(options.workers)
        server, proxy = start_server(work / "mirror")
        crawls: dict[str, Crawl] = {}
        try:
            for name, args in plans.items():
                if options.only and name not in options.only:
                    continue
                crawl = run_crawl(name, args, server, proxy, work, options.concurrency)
                note = ""
                if name != "bare":
                    note = check_full(crawl, work / name, stories, options.pages)
                crawls[name] = crawl
                print(
                    f"{name:8} {crawl.responses:6d} responses in {crawl.elapsed:6.1f} s "
                    f"= {crawl.pps:6.1f} pages/s, peak RSS {crawl.rss_mb:6.1f} MB "
                    f"(crawl process {crawl.main_rss_mb:5.1f}), "
                    f"CPU {crawl.ms_per_page:5.2f} ms/page "
                    f"(crawl process {1000 * crawl.main_cpu / crawl.responses:5.2f}) "
                    f"(server {crawl.server_cpu:4.1f} s)  {note}",
                    flush=True,
                )
        finally:
            assert server.stdin is not None
            server.stdin.close()
            server.wait(timeout=10)
        result: dict[str, float | int | None] = {"pages": options.pages}
        for name in ("bare", "full", "generic"):
            crawl = crawls.get(name)
            result[f"{name}_pps"] = round(crawl.pps, 1) if crawl else None
        for name in ("full", "generic"):
            both = crawls.get(name) and crawls.get("bare")
            result[f"{name}_ratio"] = (
                round(crawls[name].pps / crawls["bare"].pps, 3) if both else None
            )
        for name in ("bare", "full", "generic"):
            crawl = crawls.get(name)
            result[f"{name}_rss_mb"] = round(crawl.rss_mb, 1) if crawl else None
        for name in ("full", "generic"):
            crawl = crawls.get(name)
            result[f"{name}_main_rss_mb"] = round(crawl.main_rss_mb, 1) if crawl else None
        print(
            f"ratios: full/bare {result['full_ratio']}, generic/bare {result['generic_ratio']} "
            f"(concurrency {options.concurrency}, DOWNLOAD_DELAY=0, AutoThrottle off)"
        )
        print(json.dumps(result))
    finally:
        if options.keep:
            shutil.rmtree(options.keep, ignore_errors=True)
            shutil.move(work, options.keep)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
