"""What identifying a record's language costs, against extracting the page.

    python -m bench.langid_cost [--set trafilatura] [--pages 200] [--rounds 3]

For the first ``--pages`` pages of a shared case set: the whole extraction
(``extract_article``, generic layer, language included) and, on the text it produced,
the language identification alone (:func:`newscrawl.extract.langid.ranking` on the same
sample the record's language is settled from), each timed ``--rounds`` times per page,
alternating; the median of each page's best round. The model is loaded before timing
(about 0.8 s once per process, paid by the first page of a crawl or worker). Prints the
medians and their ratio.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from pathlib import Path

from w3lib.encoding import html_to_unicode

from bench.support.shared_data import DEFAULT_DATA, missing_sets, no_data
from newscrawl.extract.article import extract_article
from newscrawl.extract.generic.page import GenericArticlePage
from newscrawl.extract.langid import _identifier, ranking, sample


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="trafilatura", help="the case set whose pages are used")
    parser.add_argument("--pages", type=int, default=200, help="how many of its pages")
    parser.add_argument("--rounds", type=int, default=3, help="timings per page (best kept)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of case sets")
    args = parser.parse_args()
    if missing_sets(args.data, [args.set]):
        return no_data("bench.langid_cost", f"no case set {args.set} under {args.data}")
    cases_file = args.data / args.set / "cases.jsonl"
    lines = cases_file.read_text("utf-8").splitlines()[: args.pages]
    started = time.perf_counter()
    _identifier()
    print(f"model loaded in {time.perf_counter() - started:.2f} s")
    extraction_ms, identification_ms, lengths = [], [], []
    for line in lines:
        case = json.loads(line)
        data = gzip.decompress((args.data / args.set / case["path"]).read_bytes())
        html = html_to_unicode(None, data)[1]
        url = case["url"] if case["url"].startswith("http") else "file:///page.html"
        page = GenericArticlePage(html, url)
        text = sample(page.chosen_headline, page.free_body[0])
        lengths.append(len(text))
        whole, alone = [], []
        for _ in range(args.rounds):
            begin = time.perf_counter()
            extract_article(html, url, use_profiles=False)
            whole.append(time.perf_counter() - begin)
            begin = time.perf_counter()
            ranking(text)
            alone.append(time.perf_counter() - begin)
        extraction_ms.append(min(whole) * 1000)
        identification_ms.append(min(alone) * 1000)
    extract, identify = statistics.median(extraction_ms), statistics.median(identification_ms)
    print(f"{len(lines)} pages of {args.set}, sample median {statistics.median(lengths):.0f} chars")
    print(f"extraction (all fields)   {extract:7.2f} ms/page median")
    print(f"language identification   {identify:7.2f} ms/page median")
    print(f"identification / extraction: {identify / extract:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
