"""The shared developer case sets, split by publisher, and the scorer's metrics per page.

The sets under ``../shared/data/extraction/`` (fundus, trafilatura, htmldate) are real
pages with ground truth, read here and never copied. Choosing a rule on a set and scoring
it on the same set proves nothing, so benches split each set into K folds by publisher
(:func:`publisher_folds`): a rule is chosen on K-1 folds and scored on the fold left out,
and no publisher is ever on both sides.

:class:`Metrics` computes ``shared/eval/score.py``'s metrics per page (with score.py's own
functions, loaded from the file) so that any subset of pages can be scored without
running the scorer once per subset. ``bench/extraction_quality.py --cv`` prints both: a
study's "today" figure (this module) and the main table's "newscrawl" one (score.py on
``newscrawl extract`` output) are the same number.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "extraction"
SETS = ("fundus", "trafilatura", "htmldate")
SCORER = Path("eval") / "score.py"


@dataclass
class CaseSet:
    name: str
    folder: Path
    cases: list[dict[str, Any]]

    def page_path(self, case: dict[str, Any]) -> Path:
        return self.folder / case["path"]

    def has(self, truth: str) -> bool:
        return any(truth in case["expected"] for case in self.cases)


def load_sets(
    data: Path, names: list[str] | None = None, limit: int | None = None
) -> list[CaseSet]:
    sets = []
    for name in names or SETS:
        cases_file = data / name / "cases.jsonl"
        if not cases_file.exists():
            continue
        lines = cases_file.read_text(encoding="utf-8").split("\n")
        cases = [json.loads(line) for line in lines if line.strip()]
        sets.append(CaseSet(name, data / name, cases[:limit] if limit else cases))
    return sets


def page_url(case: dict[str, Any], page: Path) -> str:
    """The URL ``newscrawl extract`` gives the extractor: the case's, else the file's."""
    url = case.get("url") or ""
    return url if url.startswith(("http://", "https://")) else page.resolve().as_uri()


def publisher(case: dict[str, Any]) -> str:
    """The case's publisher: its URL's host without ``www.``; a case without one is alone."""
    url = case.get("url") or ""
    if url.startswith(("http://", "https://")):
        return (urlsplit(url).hostname or "").lower().removeprefix("www.")
    return f"id:{case['id']}"


def publisher_folds(sets: list[CaseSet], k: int) -> dict[str, list[int]]:
    """The fold (0..k-1) of every case of every set, by publisher.

    One host is in one fold in every set (the trafilatura and htmldate sets share 557
    pages). Publishers are dealt largest first to the least-loaded fold, ties broken by a
    hash of the host, so the split is the same on every run.
    """
    sizes: dict[str, int] = {}
    for case_set in sets:
        for case in case_set.cases:
            sizes[publisher(case)] = sizes.get(publisher(case), 0) + 1
    order = sorted(sizes, key=lambda g: (-sizes[g], hashlib.sha1(g.encode()).hexdigest()))
    load, fold_of = [0] * k, {}
    for group in order:
        fold = min(range(k), key=lambda f: (load[f], f))
        fold_of[group] = fold
        load[fold] += sizes[group]
    return {s.name: [fold_of[publisher(case)] for case in s.cases] for s in sets}


def load_scorer(data: Path) -> ModuleType | None:
    path = data.parent.parent / SCORER
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("shared_score", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


# A page's contribution to a metric: a tuple aggregated by :meth:`Metrics.aggregate`.
PageScore = tuple[float, ...]


class Metrics:
    """score.py's metrics of one set, page by page and over any subset of pages."""

    def __init__(self, score: ModuleType, case_set: CaseSet) -> None:
        self.score, self.set = score, case_set
        self._references: dict[int, list[list[str]]] = {}

    def truth(self, field: str) -> str:
        return "with" if field == "snippets" else field

    def page(self, index: int, field: str, value: Any) -> PageScore | None:
        """One page's score for ``field`` (None: the case has no truth for it)."""
        s, expected = self.score, self.set.cases[index]["expected"]
        if self.truth(field) not in expected:
            return None
        if field == "body":
            if index not in self._references:
                case = self.set.cases[index]
                self._references[index] = [s.tokenize(r) for r in s.body_candidates(case)]
            shingles = s._shingles(s.tokenize(s.as_text(value)))
            best, best_f1 = (0.0, 0.0, 0.0), -1.0
            for reference in self._references[index]:
                counts = s.shingle_tp_fp_fn(reference, shingles)
                if s.page_f1(counts) > best_f1:
                    best, best_f1 = counts, s.page_f1(counts)
            precision = s.precision_score(*best) if best[0] + best[1] > 0 else math.nan
            recall = s.recall_score(*best) if best[0] + best[2] > 0 else math.nan
            return (precision, recall)
        if field == "snippets":
            text = s.norm_ws(s.as_text(value))
            found = sum(s.norm_ws(x) in text for x in expected.get("with", []))
            wrong = sum(s.norm_ws(x) in text for x in expected.get("without", []))
            return (found, wrong, len(expected.get("with", [])) - found)
        if field == "headline":
            gold = s.norm_headline(s.as_text(expected["headline"]))
            predicted = s.norm_headline(s.as_text(value))
            return (float(bool(predicted) and predicted == gold),)
        if field == "published":
            predicted = s.norm_day(value)
            if predicted is None:
                return (0, 0, 1)
            return (1, 0, 0) if predicted == s.norm_day(expected["published"]) else (0, 1, 0)
        if field == "authors":
            gold = {s.norm_name(a) for a in s.as_names(expected["authors"])} - {""}
            predicted = {s.norm_name(a) for a in s.as_names(value)} - {""}
            return (float(gold == predicted),)
        raise ValueError(f"no metric for {field}")

    @staticmethod
    def aggregate(field: str, rows: list[PageScore]) -> float:
        """The set-level figure of ``field`` over these pages (as score.py computes it)."""
        if not rows:
            return 0.0
        if field == "body":
            precisions = [p for p, _ in rows if not math.isnan(p)]
            recalls = [r for _, r in rows if not math.isnan(r)]
            p = sum(precisions) / len(precisions) if precisions else 0.0
            r = sum(recalls) / len(recalls) if recalls else 0.0
            return 2 * p * r / (p + r) if p + r else 0.0
        if field in ("snippets", "published"):
            tp, fp, fn = (sum(row[k] for row in rows) for k in range(3))
            return 2 * tp / (2 * tp + fp + fn) if 2 * tp + fp + fn else 0.0
        return sum(row[0] for row in rows) / len(rows)
