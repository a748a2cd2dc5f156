"""``bench/extraction_quality.py --cv K``: every field's rules chosen out of fold, printed.

For each field study (:mod:`bench.support.fieldstudies`) this prints

* each component's out-of-fold gain per set (the figure with it minus the figure
  re-selected without it) and whether it stays (helps on the sets the study needs);
* the configuration selected on all pages and on each fold's K-1 others;
* per set: production today (in fold), the final selection in fold and out of fold.

It first checks that the cached sources, decided by production's own code with today's
rules, give exactly production's fields (``newscrawl extract`` output is what the main
table scores): a mismatch means the cache or a study does not reflect the code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from bench.support import enginevotes
from bench.support.casesets import Metrics, load_scorer, load_sets, publisher_folds
from bench.support.fieldstudies import STUDIES, normalise
from bench.support.outoffold import Grid, Outcome, Study, ablate
from bench.support.pagefacts import load_facts

# (study field, set) -> the main table's metric label it fills.
LABELS = {
    ("body", "fundus"): "body F1",
    ("body", "trafilatura"): "snippets F1",
    ("headline", "fundus"): "headline exact",
    ("headline", "trafilatura"): "headline exact",
    ("published", "fundus"): "published F1",
    ("published", "trafilatura"): "published F1",
    ("published", "htmldate"): "published F1",
    ("authors", "fundus"): "authors exact-set",
    ("authors", "trafilatura"): "authors exact-set",
}


def print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(row[k]) for row in [header, *rows]) for k in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    print()


def check_production(study: Study, facts: dict[str, list[dict[str, Any]]]) -> int:
    """Pages where today's configuration, decided from the cache, is not production's."""
    if study.field == "body":
        return 0  # bodies are production's own output per switch (pagefacts)
    today = study.named(study.today())
    wrong = 0
    for name, pages in facts.items():
        for page in pages:
            if "production" in page:
                wrong += study.value(today, page, name, 0) != page["production"][study.field]
    return wrong


def report_study(
    study: Study, grid: Grid, k: int, allowed: np.ndarray | None = None
) -> tuple[Outcome, Outcome]:
    """Print a study's verdicts, choices and figures; returns (all components, those kept)."""
    full, verdicts, final = ablate(grid, k, allowed)
    sets = list(grid.rows)
    rows = []
    for component, verdict in zip(study.components, verdicts, strict=True):
        gains = [f"{verdict.gains[name]:+.4f}" for name in sets]
        outcome = "stays" if verdict.stays else f"goes (step {verdict.step})"
        if component.kept_for and not verdict.stays:
            outcome = f"kept: {component.kept_for}"
        rows.append((component.name, f"{component.today}", *gains, outcome))
    print(f"== {study.field}: {study.title}")
    print("   out-of-fold gain of each component, given those that stay (at the step it went, "
          f"for one that goes); it stays if it helps on >= {study.need} sets")  # fmt: skip
    print_table(("component", "today", *sets, "verdict"), rows)
    print(
        f"  chosen on all pages (components that stay): {study.label(grid.configs[final.chosen])}"
    )
    for fold, index in enumerate(final.per_fold):
        print(f"  fold {fold}: {study.label(grid.configs[index])}")
    today = grid.configs.index(study.today())
    everything = lambda name: slice(None)  # noqa: E731
    today_scores = grid.score(today, everything)
    print()
    rows = [(name, f"{today_scores[name]:.4f}", f"{full.in_fold[name]:.4f}",
             f"{full.out_of_fold[name]:.4f}", f"{final.in_fold[name]:.4f}",
             f"{final.out_of_fold[name]:.4f}") for name in sets]  # fmt: skip
    print_table(("set", "today", "all: in fold", "all: out of fold", "kept: in fold",
                 "kept: out of fold"), rows)  # fmt: skip
    if grid.configs[final.chosen] != study.today():
        print(f"  NOTE: production ({study.label(study.today())}) is not the chosen "
              "configuration\n")  # fmt: skip
    return full, final


def run(
    data: Path, k: int, cache: Path, limit: int | None, only: list[str] | None = None
) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], str]]:
    """Run every field's studies (or those whose field is in ``only``).

    Returns two maps (set, metric label) -> figure: production out of fold (today's rules
    as they are, the candidates chosen out of fold) and today's rules themselves chosen
    out of fold (each one kept only where it earns its place on K-1 folds).
    """
    score = load_scorer(data)
    sets = load_sets(data, limit=limit)
    if score is None or not sets:
        return {}, {}
    metrics = {s.name: Metrics(score, s) for s in sets}
    facts = {s.name: load_facts(s, cache) for s in sets}
    studies = list(STUDIES)
    if enginevotes.available():  # resiliparse installed: its vote is studied as a candidate
        for s in sets:
            for page, engines in zip(facts[s.name], enginevotes.load_engine_facts(s, cache),
                                     strict=True):  # fmt: skip
                page["engines"] = engines
        studies[0] = (studies[0][0], enginevotes.BODY_CANDIDATES)
    else:
        print("resiliparse is not installed: its agreement vote is not studied")
    folds = publisher_folds(sets, k)
    print(f"\nOut of fold: {k} folds by publisher over {sum(len(s.cases) for s in sets)} pages\n")
    production: dict[tuple[str, str], str] = {}
    rules_only: dict[tuple[str, str], str] = {}
    for pair in studies:
        for study, figures in zip(pair, (rules_only, production), strict=True):
            if study is None or (only and study.field not in only):
                continue
            study.scored = [(n, m) for n, m in study.scored if n in metrics
                            and metrics[n].set.has(metrics[n].truth(m))]  # fmt: skip
            if not study.scored:
                continue
            wrong = check_production(study, facts)
            if wrong:
                print(f"!! {study.field}: {wrong} pages where the cache decides otherwise "
                      "than production")  # fmt: skip
            grid = Grid.scored(study, metrics, facts, folds, normalise)
            _, final = report_study(study, grid, k)
            for name, value in final.out_of_fold.items():
                figures[(name, LABELS[(study.field, name)])] = f"{value:.3f}"
        if pair[1] is None:  # no candidates: production is today's rules
            for key_, value in rules_only.items():
                production.setdefault(key_, value)
    return production, rules_only
