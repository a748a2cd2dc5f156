"""Which of a page's own headline sources the ground truth follows, per case set.

usage: python -m bench.headline_sources [--data DIR] [--set NAME ...]

The generic layer chooses a headline among what the page itself states: JSON-LD
``headline``, microdata, ``og:title``, ``twitter:title``, ``<title>`` (site name cut off)
and the visible ``<h1>`` (with and without a leading kicker). This bench asks, for each
case set under ``DIR`` (default ``../shared/data/extraction``, the shared case sets:
:mod:`bench.support.shared_data` says where they come from; without them the bench says so
and exits 2) that has headline ground truth:

- how often newscrawl's choice matches (the figure ``extraction_quality.py`` reports);
- the ceiling of any choice among those sources: cases where at least one source, as
  newscrawl reads it, equals the ground truth (after the scorer's NFKC and whitespace
  normalisation);
- on pages where ``<h1>`` and ``og:title`` differ, how often the ground truth is the
  ``<h1>`` only and how often ``og:title`` only.

The last line tells whether a rule about pages can serve the sets at once: where the two
sets follow opposite sources for the same situation, a gain on one is a loss on the other.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from pathlib import Path

from bench.support.shared_data import DEFAULT_DATA, SETS, missing_sets, no_data
from newscrawl.extract.decoding import read_page
from newscrawl.extract.generic import GenericArticlePage
from newscrawl.extract.generic.headline import candidates, heading_texts


def normalise(text: str | None) -> str:
    """The scorer's headline comparison: NFKC, whitespace collapsed, stripped."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or "")).strip()


def measure(cases_file: Path) -> dict[str, int]:
    counts = dict(cases=0, chosen=0, reachable=0, differ=0, gold_h1=0, gold_og=0)
    for line in cases_file.read_text("utf-8").splitlines():
        case = json.loads(line)
        gold = case["expected"].get("headline")
        if gold is None:
            continue
        gold = normalise(gold)
        html = read_page(cases_file.parent / case["path"])  # as `newscrawl extract` reads it
        page = GenericArticlePage(html, case["url"])
        sources: dict[str, list[str]] = {}
        for source, text in candidates(page.evidence):
            sources.setdefault(source, []).append(normalise(text))
        kickerless = [normalise(k) for _, k in heading_texts(page.evidence) if k]
        sources["h1"] = sources.get("h1", []) + kickerless
        counts["cases"] += 1
        counts["chosen"] += normalise(page.chosen_headline) == gold
        counts["reachable"] += any(gold in texts for texts in sources.values())
        h1, og = (sources.get("h1") or [None])[0], (sources.get("og") or [None])[0]
        if h1 and og and h1 != og:
            counts["differ"] += 1
            counts["gold_h1"] += gold == h1
            counts["gold_og"] += gold == og
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="folder of case sets (default: %(default)s)"
    )
    parser.add_argument("--set", action="append", dest="sets", help="only this set (repeatable)")
    options = parser.parse_args(argv)
    bench = "bench.headline_sources"
    if not options.data.is_dir():
        return no_data(bench, f"no folder {options.data}")
    missing = missing_sets(options.data, options.sets)
    if options.sets and missing:
        return no_data(bench, f"no case set {', '.join(missing)} under {options.data}")
    if len(missing) == len(SETS):
        return no_data(bench, f"no case set under {options.data}")
    print(f"{'set':12} {'cases':>5} {'chosen':>7} {'ceiling':>7}   h1!=og: {'pages':>5} "
          f"{'gold=h1':>7} {'gold=og':>7}")  # fmt: skip
    for folder in sorted(p for p in options.data.iterdir() if (p / "cases.jsonl").exists()):
        if options.sets and folder.name not in options.sets:
            continue
        c = measure(folder / "cases.jsonl")
        if not c["cases"]:
            continue
        print(
            f"{folder.name:12} {c['cases']:5d} {c['chosen'] / c['cases']:7.3f} "
            f"{c['reachable'] / c['cases']:7.3f}           {c['differ']:5d} "
            f"{c['gold_h1']:7d} {c['gold_og']:7d}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
