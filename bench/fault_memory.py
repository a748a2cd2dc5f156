"""Peak memory of a crawl of the fault-injection site, against a tame version of it.

    python -m bench.fault_memory              # 1 GiB gzip and deflate bombs, a 256 MiB page
    python -m bench.fault_memory --bomb-mib 4096

Two crawls of tests/faultsite.py with the project's own limits (``DOWNLOAD_MAXSIZE`` 16
MiB; only delays and timeouts shortened), each in its own process, through the fault site's
proxy on 127.0.0.1:

- baseline: the same site with harmless sizes (1 MiB bombs, a 1 KiB "huge" page);
- hostile: gzip and deflate bombs of ``--bomb-mib`` MiB of zeros (about 1 MiB on the wire
  per GiB) and a page of ``--huge-mib`` MiB, plus everything else the site serves
  (100,000-deep nesting, a 300 kB line, binary bodies, entity bombs).

Prints each crawl's peak RSS and the ratio: the crawl process's own ``VmHWM``, written by
``bench/support/bench_stats.py`` when its engine stops, plus its extraction workers' peaks. Not
``ru_maxrss`` (``wait4``, ``RUSAGE_CHILDREN``): on Linux a child's starts from the RSS its
parent had when it forked. Without the limits the hostile crawl would have to hold the
decompressed bomb: ``--bomb-mib`` MiB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from newscrawl import settings as project_settings
from tests.support.faultsite import SITE, FaultSite

ROOT = Path(__file__).resolve().parents[1]


def crawl_peak_rss(site: FaultSite, folder: Path, extra: list[str]) -> tuple[int, int, dict]:
    """Run one crawl; return its peak RSS and its workers' in KiB, and its run report."""
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update(http_proxy=site.url, https_proxy=site.url, PYTHONPATH=str(ROOT))
    stats_file = folder / "stats.json"
    extensions = {**project_settings.EXTENSIONS, "bench.support.bench_stats.StatsFile": 0}
    command = [
        sys.executable, "-m", "scrapy", "crawl", "news",
        "-s", f"EXTENSIONS={json.dumps(extensions)}", "-s", f"BENCH_STATS_FILE={stats_file}",
        "-a", f"start_urls=http://{SITE}/", "-s", f"STORE_URL=sqlite:///{folder / 'store.db'}",
        "-s", f"NEWSCRAWL_REPORT_FILE={folder / 'report.json'}", "-s", "DOWNLOAD_DELAY=0",
        "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
        "-s", "DOWNLOAD_TIMEOUT=5", "-s", "RETRY_BACKOFF_BASE=0.1", "-s", "LOG_LEVEL=WARNING",
        *extra,
    ]  # fmt: skip
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(result.stderr[-3000:])
    report = json.loads((folder / "report.json").read_text())
    stats = json.loads(stats_file.read_text())
    workers = int(stats.get("newscrawl/extraction/workers_peak_rss_kb", 0))
    return int(stats["bench/peak_rss_kb"]), workers, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bomb-mib", type=int, default=1024)
    parser.add_argument("--huge-mib", type=int, default=256)
    args = parser.parse_args(argv)

    peaks = {}
    sizes = {"baseline": (1 << 20, 1 << 10), "hostile": (args.bomb_mib << 20, args.huge_mib << 20)}
    for name, (bomb, huge) in sizes.items():
        with (
            tempfile.TemporaryDirectory() as folder,
            FaultSite(bomb_size=bomb, huge_size=huge) as site,
        ):
            wire = len(site.bombs["gzip"])
            own, workers, report = crawl_peak_rss(site, Path(folder), [])
        peaks[name] = peak = own + workers
        print(
            f"{name:8s}: bombs {bomb >> 20} MiB ({wire / 1024:.0f} KiB gzip on the wire), "
            f"page {huge / (1 << 20):.3f} MiB -> peak RSS {peak / 1024:.1f} MiB "
            f"(crawl process {own / 1024:.1f}, extraction workers {workers / 1024:.1f}); "
            f"stored {report['stored']}, failures {report['failures']}"
        )
    print(f"ratio hostile/baseline: {peaks['hostile'] / peaks['baseline']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
