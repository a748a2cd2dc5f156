"""Fleet throughput: pages/s with 1, 2 and 3 workers on one Redis and one PostgreSQL store.

Usage (from the repository root; needs ``redis-server`` and the PostgreSQL server
binaries, which ``.ci/run`` installs)::

    python -m bench.fleet_throughput [--pages 1500] [--workers 1,2,3] [--concurrency 8]

1. Generates a classic-template mirror of ``--pages`` article pages (:mod:`big_mirror`)
   and serves it from :mod:`mirror_server` in its own process on 127.0.0.1 (every worker
   runs with ``http_proxy``/``https_proxy`` pointing at it).
2. Starts one PostgreSQL and one Redis on 127.0.0.1 (``tests/services.py``).
3. For each worker count N: a fresh database and an empty Redis, then N
   ``scrapy crawl smn -a discover=sections`` workers with ``REDIS_URL`` started together.
4. Prints, per N: pages fetched by the fleet, the fleet's busy time (first response of
   any worker to last response of any worker: a worker waits ``FLEET_IDLE_TIMEOUT``
   before it stops, which is not crawling), pages/s, the ratio to one worker, CPU ms per
   page summed over the workers, and stories stored (the check that the fleet did all
   the work once). The last line is one JSON object for scripts.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import crawl_throughput
from bench.support import big_mirror
from newscrawl.storage import open_store
from tests.support.services import PostgresServer, RedisServer, postgres_bin

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


def run_fleet(count: int, proxy: str, store_url: str, redis_url: str, work: Path,
              concurrency: int) -> dict:  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update(http_proxy=proxy, https_proxy=proxy, SCRAPY_SETTINGS_MODULE="newscrawl.settings",
               PYTHONPATH=str(ROOT))  # fmt: skip
    workers = []
    for number in range(count):
        folder = work / f"{count}w-{number}"
        folder.mkdir()
        command = [
            sys.executable, "-m", "scrapy", "crawl", "smn", "-a", "discover=sections",
            "-s", f"STORE_URL={store_url}", "-s", f"REDIS_URL={redis_url}",
            "-s", "FLEET_IDLE_TIMEOUT=3", "-s", "FLEET_LEASE_TIMEOUT=10",
            "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
            "-s", f"CONCURRENT_REQUESTS={concurrency}",
            "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={concurrency}",
            "-s", 'EXTENSIONS={"bench.support.bench_stats.StatsFile": 0}',
            "-s", f"BENCH_STATS_FILE={folder / 'stats.json'}", "-s", "LOG_LEVEL=WARNING",
        ]  # fmt: skip
        log = open(folder / "crawl.log", "wb")  # noqa: SIM115 - closed below
        workers.append((subprocess.Popen(command, cwd=folder, env=env, stdout=log,
                                         stderr=log), log, folder))  # fmt: skip
    stats = []
    for process, log, folder in workers:
        code = process.wait()
        log.close()
        if code != 0 or not (folder / "stats.json").exists():
            tail = (folder / "crawl.log").read_text("utf-8", "replace")[-3000:]
            raise RuntimeError(f"worker {folder.name} failed ({code}):\n{tail}")
        stats.append(json.loads((folder / "stats.json").read_text("utf-8")))
    started = min(s["bench/first_response"] for s in stats if s["bench/first_response"])
    ended = max(s["bench/last_response"] for s in stats)
    store = open_store(store_url)
    stored = len(list(store.articles()))
    store.close()
    pages = sum(int(s.get("response_received_count", 0)) for s in stats)
    return {
        "workers": count,
        "pages": pages,
        "busy_s": round(ended - started, 2),
        "pages_per_s": round(pages / (ended - started), 1),
        "cpu_ms_per_page": round(1000 * sum(s["bench/cpu_seconds"] for s in stats) / pages, 2),
        "per_worker_pages": [int(s.get("response_received_count", 0)) for s in stats],
        "stored": stored,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Fleet throughput with 1, 2, 3 workers.")
    parser.add_argument("--pages", type=int, default=1500)
    parser.add_argument("--workers", default="1,2,3")
    parser.add_argument("--concurrency", type=int, default=8, help="per worker")
    options = parser.parse_args()
    bindir, redis_bin = postgres_bin(), shutil.which("redis-server")
    if bindir is None or redis_bin is None:
        raise SystemExit("needs PostgreSQL server binaries and redis-server (see .ci/run)")
    work = Path(tempfile.mkdtemp(prefix="newscrawl-fleet-bench-"))
    postgres = PostgresServer(bindir).start()
    redis_server = RedisServer(redis_bin).start()
    server = None
    try:
        written = big_mirror.build(work / "mirror", options.pages)
        stories = len(big_mirror.stories(options.pages))
        print(f"mirror: {written['articles']} article pages ({stories} stories), "
              f"{os.cpu_count()} CPUs", flush=True)  # fmt: skip
        server, proxy = crawl_throughput.start_server(work / "mirror")
        results = []
        for count in (int(n) for n in options.workers.split(",")):
            import redis

            redis.Redis.from_url(redis_server.url).flushdb()
            result = run_fleet(count, proxy, postgres.new_database(), redis_server.url, work,
                               options.concurrency)  # fmt: skip
            base = results[0]["pages_per_s"] if results else result["pages_per_s"]
            result["ratio"] = round(result["pages_per_s"] / base, 2)
            results.append(result)
            print(
                f"{count} worker(s): {result['pages']} pages in {result['busy_s']} s = "
                f"{result['pages_per_s']} pages/s ({result['ratio']}x), "
                f"CPU {result['cpu_ms_per_page']} ms/page, per worker "
                f"{result['per_worker_pages']}, stored {result['stored']}",
                flush=True,
            )
        print(json.dumps({"pages": options.pages, "cpus": os.cpu_count(), "fleets": results}))
    finally:
        if server is not None:
            server.terminate()
        redis_server.stop()
        postgres.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
