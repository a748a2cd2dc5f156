"""How extraction time grows with inline links, and what EXTRACTION_TIMEOUT makes of it.

    python -m bench.slow_pages                    # 1,000 to 8,000 links
    python -m bench.slow_pages --links 1000,2000,4000,8000,12000
    python -m bench.slow_pages --real /work/shared/data/extraction   # real pages too

For each count, an article page whose body holds that many inline links (``word <a
href=...>link</a> text``, the shape that makes trafilatura's main-text pass worse than
linear) is extracted once with :func:`newscrawl.extract.article.extract_article`; the
bench prints the page size, the CPU seconds it took (``time.process_time``, so a busy
machine does not inflate it) and the ratio to the smallest page, and whether the default
``EXTRACTION_TIMEOUT`` (CPU seconds per page in a worker) would reject it. With
``--real FOLDER`` (case sets of ``cases.jsonl`` + ``pages/*.html.gz``, read, never copied)
it also prints the CPU time of real news pages: the median, the 99th percentile, the
slowest, and how many the default deadline would reject.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import time
from pathlib import Path

from newscrawl import settings
from newscrawl.extract.article import extract_article


def page(links: int) -> str:
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle",
                     "headline": "A story with many links"})  # fmt: skip
    body = " ".join(f'word <a href="/notes/{n}/">link {n}</a> text' for n in range(links))
    return (
        f'<html><head><script type="application/ld+json">{ld}</script></head><body>'
        f"<article><h1>A story with many links</h1><p>{body}</p></article></body></html>"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--links", default="1000,2000,4000,8000")
    parser.add_argument("--real", type=Path, help="folder of extraction case sets")
    args = parser.parse_args()
    counts = [int(n) for n in args.links.split(",")]
    limit = settings.EXTRACTION_TIMEOUT
    print(
        f"{'links':>7} {'KiB':>6} {'CPU s':>7} {'x smallest':>11}  EXTRACTION_TIMEOUT={limit:g} s"
    )
    first = None
    for count in counts:
        html = page(count)
        start = time.process_time()
        extract_article(html, "https://www.example.com/2025/01/01/a-story-with-many-links/")
        cpu = time.process_time() - start
        first = first or max(cpu, 1e-6)
        verdict = "rejected" if cpu > limit else "extracted"
        print(f"{count:7,} {len(html) // 1024:6,} {cpu:7.2f} {cpu / first:11.1f}  {verdict}")
    if args.real:
        real_pages(args.real, limit)


def real_pages(folder: Path, limit: float) -> None:
    times = []
    for cases in sorted(folder.glob("*/cases.jsonl")):
        for line in cases.read_text("utf-8").splitlines():
            case = json.loads(line)
            html = gzip.decompress((cases.parent / case["path"]).read_bytes())
            url = case["url"] if case["url"].startswith("http") else "https://unknown.example/"
            start = time.process_time()
            extract_article(html.decode("utf-8", "replace"), url)
            times.append(time.process_time() - start)
    times.sort()
    p99 = times[int(len(times) * 0.99)]
    print(f"real pages: {len(times)}, CPU s median {statistics.median(times):.3f},"
          f" p99 {p99:.2f}, slowest {times[-1]:.2f};"
          f" over EXTRACTION_TIMEOUT: {sum(t > limit for t in times)}")  # fmt: skip


if __name__ == "__main__":
    main()
