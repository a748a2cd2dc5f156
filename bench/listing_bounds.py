"""What one hostile sitemap costs a crawl: time in the callback and peak memory.

    python -m bench.listing_bounds                       # 850,197 URLs, as found in review
    python -m bench.listing_bounds --urls 200000 --tree /path/to/another/checkout

Writes a gzip-compressed sitemap of ``--urls`` distinct article URLs of SpaceWar.com (about
2 MB compressed for 850,197 URLs), then, in a fresh process each, hands it and a
one-entry sitemap (the baseline) to the ``spacewar`` spider's ``parse_sitemap`` callback
with the project's caps (``LISTING_MAX_ENTRIES``, ``DOWNLOAD_MAXSIZE``), and keeps every
request the callback makes, as the scheduler would. Prints, for each: seconds spent in
the callback (the reactor can do nothing else meanwhile), requests made, and the process's
peak RSS (``VmHWM``), with the hostile sitemap's figures as ratios to the baseline's.
``--tree`` runs the same measurement on another checkout's ``newscrawl`` (say, one
without the caps) for a before/after comparison.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Run in a fresh interpreter, on whichever tree PYTHONPATH names.
CHILD = """
import json, sys, time
from pathlib import Path
from scrapy.utils.reactor import install_reactor
install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
from scrapy.http import XmlResponse
from scrapy.utils.test import get_crawler
from newscrawl import settings as project
from newscrawl.spiders.smn import SpaceWarSpider

def vmhwm():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])

body = Path(sys.argv[1]).read_bytes()
settings = {name: getattr(project, name) for name in dir(project)
            if name.startswith(("LISTING_", "DOWNLOAD_MAXSIZE"))}
crawler = get_crawler(SpaceWarSpider, settings)
spider = SpaceWarSpider.from_crawler(crawler)
response = XmlResponse("https://www.spacewar.com/huge.xml.gz", body=body)
start, before = time.perf_counter(), vmhwm()
kept = list(spider.parse_sitemap(response))
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "requests": len(kept), "peak_rss_kb": vmhwm(),
                  "rss_before_kb": before}))
"""


def sitemap(urls: int) -> bytes:
    rows = "".join(
        f"<url><loc>https://www.spacewar.com/reports/Story_{n}_999.html</loc></url>\n"
        for n in range(urls)
    )
    xml = '<?xml version="1.0"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    return gzip.compress(f"{xml}{rows}</urlset>\n".encode(), 6)


def measure(tree: Path, body: bytes, folder: Path) -> dict:
    path = folder / "sitemap.xml.gz"
    path.write_bytes(body)
    env = dict(os.environ, PYTHONPATH=str(tree))
    result = subprocess.run([sys.executable, "-c", CHILD, str(path)], cwd=tree, env=env,
                            capture_output=True, text=True)  # fmt: skip
    if result.returncode != 0:
        raise SystemExit(result.stderr[-3000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--urls", type=int, default=850_197)
    parser.add_argument("--tree", type=Path, default=ROOT, help="checkout to measure")
    args = parser.parse_args()
    hostile = sitemap(args.urls)
    with tempfile.TemporaryDirectory() as folder:
        base = measure(args.tree, sitemap(1), Path(folder))
        big = measure(args.tree, hostile, Path(folder))
    print(f"tree: {args.tree}")
    print(f"sitemap: {args.urls:,} URLs, {len(hostile) / 1e6:.1f} MB gzip-compressed")
    print(f"{'':10} {'callback s':>11} {'requests':>9} {'peak RSS MiB':>13}")
    for name, run in (("baseline", base), ("hostile", big)):
        print(f"{name:10} {run['seconds']:11.2f} {run['requests']:9,}"
              f" {run['peak_rss_kb'] / 1024:13.0f}")  # fmt: skip
    print(f"hostile / baseline: callback time x{big['seconds'] / max(base['seconds'], 1e-6):,.0f},"
          f" peak RSS x{big['peak_rss_kb'] / base['peak_rss_kb']:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
