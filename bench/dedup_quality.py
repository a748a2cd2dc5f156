"""Precision and recall of near-duplicate detection on the labelled pairs.

    python -m bench.dedup_quality [--pairs fixtures/dedup/pairs.jsonl] [--threshold T]
        [--allowance N] [--sweep]

Each pair runs through the detector the crawl uses (site template lines, MinHash, LSH band
keys, verification) with a fresh index: the pair's ``before`` records (other pages of its
sites, when it has them) are checked first, then the first record (and indexed), then the
second against it. A pair counts as detected only if the LSH found the first
record as a candidate and its score reached the threshold; a pair either of whose records
has too little distinctive text to compare is never detected (shown as -2 in the score
ranges). ``--sweep`` adds a table of precision and recall at other thresholds (same
sketches, candidates from the same LSH) and the score ranges by kind of pair.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

from newscrawl.neardup import MemoryIndex, NearDupConfig, NearDupDetector

NOT_COMPARABLE = -2.0  # score shown for a pair with too little distinctive text

ROOT = Path(__file__).resolve().parents[1]


def evaluate(pairs: list[dict], config: NearDupConfig) -> list[tuple[dict, bool, float | None]]:
    """(pair, detected, score of the candidate; None when the LSH did not propose it,
    :data:`NOT_COMPARABLE` when a record has too little distinctive text)."""
    results = []
    for pair in pairs:
        detector = NearDupDetector(MemoryIndex(), config)
        for earlier in pair.get("before", []):  # what the store holds before the pair
            detector.check(earlier["url"], earlier["headline"], earlier["body"])
        a, b = pair["a"], pair["b"]
        first = detector.assess(a["url"], a["headline"], a["body"])
        detector.check(a["url"], a["headline"], a["body"])
        second = detector.assess(b["url"], b["headline"], b["body"])
        value: float | None = None
        if not (first.comparable and second.comparable):
            value = NOT_COMPARABLE
        else:
            value = dict(detector.scores(b["url"], second)).get(a["url"])
        match = detector.check(b["url"], b["headline"], b["body"])
        hit = match is not None and match.url == a["url"]
        results.append((pair, hit, value))
    return results


def rates(results: list[tuple[dict, bool, float | None]]) -> tuple[float, float, int, int]:
    tp = sum(1 for pair, hit, _ in results if hit and pair["duplicate"])
    fp = sum(1 for pair, hit, _ in results if hit and not pair["duplicate"])
    fn = sum(1 for pair, hit, _ in results if not hit and pair["duplicate"])
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, fp, fn


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", default=str(ROOT / "fixtures" / "dedup" / "pairs.jsonl"))
    parser.add_argument("--threshold", type=float, default=NearDupConfig.threshold)
    parser.add_argument("--allowance", type=int, default=NearDupConfig.allowance)
    parser.add_argument("--sweep", action="store_true", help="other thresholds, score ranges")
    args = parser.parse_args()
    pairs = [json.loads(line) for line in Path(args.pairs).read_text("utf-8").splitlines()]
    config = NearDupConfig(threshold=args.threshold, allowance=args.allowance)
    results = evaluate(pairs, config)
    precision, recall, fp, fn = rates(results)
    positives = sum(1 for p in pairs if p["duplicate"])
    print(f"pairs: {len(pairs)} ({positives} duplicates, {len(pairs) - positives} distinct)")
    print(f"config: threshold={config.threshold} allowance={config.allowance} "
          f"num_perm={config.num_perm} bands={config.bands}x{config.rows} "
          f"shingle_size={config.shingle_size}")  # fmt: skip
    print(f"precision: {precision:.4f}  recall: {recall:.4f}  "
          f"(false positives {fp}, false negatives {fn})")  # fmt: skip
    for pair, hit, value in results:
        if hit != pair["duplicate"]:
            shown = "not a candidate" if value is None else f"score {value:.3f}"
            print(f"  wrong: {pair['id']} ({', '.join(pair['edits'])}) {shown}")
    if args.sweep:
        by_kind: dict[str, list[float]] = defaultdict(list)
        for pair, _, value in results:
            by_kind[pair["kind"]].append(-1.0 if value is None else value)
        print("score by kind (-1: not an LSH candidate, -2: too short to compare):"
              " min / median / max")  # fmt: skip
        for kind, values in by_kind.items():
            values.sort()
            print(f"  {kind:18} {values[0]:6.3f} {values[len(values) // 2]:6.3f} "
                  f"{values[-1]:6.3f}  n={len(values)}")  # fmt: skip
        print("threshold  precision  recall")
        for step in range(25, 66, 5):
            threshold = step / 100
            swept = [(p, v is not None and v >= threshold, v) for p, _, v in results]  # -2 < 0
            p, r, _, _ = rates(swept)
            print(f"  {threshold:.2f}      {p:.4f}    {r:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
