"""Where generic extraction spends its time, field by field, on the throughput bench's pages.

usage: python -m bench.generic_cost [--pages N] [--stories M] [--rounds R]

Builds the classic-layout mirror of ``bench/crawl_throughput.py`` (``bench/support/big_mirror.py``,
``--stories`` stories) in a temporary folder and runs the generic extractor
(``extract_article(..., use_profiles=False)``'s page object and item loader) over the first
``--pages`` article pages, ``--rounds`` times. Each field is timed as the loader asks for it,
so work shared between fields (the parse, trafilatura's extraction) is charged to the first
field that needs it. The three library calls are also timed alone on a fresh parse of the
same page: trafilatura's body extraction, htmldate's date search and trafilatura's byline
search, the latter being what the generic layer skips when no element could match it.

Prints the median milliseconds per page of each; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import trafilatura
from htmldate import find_date
from trafilatura.metadata import extract_author
from trafilatura.utils import load_html

from bench.support import big_mirror
from newscrawl.extract.generic import GenericArticlePage
from newscrawl.extract.loader import load_article

REPO = Path(__file__).resolve().parents[1]


def measure(pages: list[tuple[str, str]], rounds: int) -> dict[str, float]:
    samples: dict[str, list[float]] = {}
    clock = time.perf_counter

    def add(name: str, since: float) -> float:
        ms = (clock() - since) * 1000
        samples.setdefault(name, []).append(ms)
        return ms

    today = dt.date.today().isoformat()
    for _ in range(rounds):
        for html, url in pages:
            page = GenericArticlePage(html, url)
            raw: dict[str, Any] = {}
            total = 0.0
            for name, attr in page.field_methods().items():
                start = clock()
                raw[name] = getattr(page, attr)()
                total += add(f"field {name}", start)
            start = clock()
            load_article(raw, url)  # type: ignore[arg-type]
            total += add("item loader", start)
            samples.setdefault("total", []).append(total)

            tree = load_html(html)
            start = clock()
            trafilatura.bare_extraction(
                tree, url=url, include_comments=False, include_tables=True, with_metadata=False
            )
            add("alone: trafilatura body", start)
            start = clock()
            find_date(tree, url=url, original_date=True, extensive_search=True, max_date=today)
            add("alone: htmldate", start)
            start = clock()
            extract_author(tree)
            add("alone: trafilatura byline", start)
    return {name: statistics.median(values) for name, values in samples.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--stories", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        big_mirror.build(root, args.stories)
        paths = sorted(big_mirror.article_paths(root))[: args.pages]
        pages = [(p.read_text(encoding="utf-8"), f"https://{p.relative_to(root)}") for p in paths]
    medians = measure(pages, args.rounds)
    print(f"{len(pages)} classic-layout pages x {args.rounds}, median ms per page:")
    for name, value in medians.items():
        print(f"  {name:28s} {value:7.2f}")
    print(json.dumps({"pages": len(pages), **{k: round(v, 2) for k, v in medians.items()}}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
