"""Extraction quality of the generic layer against trafilatura alone, on the shared case sets.

usage: python -m bench.extraction_quality [--data DIR] [--limit N] [--set NAME ...] [--out DIR]
                                          [--cv K [--cache DIR]]

For each case set under ``DIR`` (default ``../shared/data/extraction`` from the repo root, the
shared case sets: :mod:`bench.support.shared_data` says where they come from; without them
the bench says so and exits 2):

1. ``newscrawl extract --manifest cases.jsonl --no-profiles`` runs in a subprocess, exactly as a
   user would run it, and its JSON lines are the newscrawl predictions;
2. trafilatura alone (``bare_extraction`` with its default settings plus metadata, i.e. title,
   date, author and text) runs in this process and gives the baseline predictions;
3. ``shared/eval/score.py`` scores both (``--json``), and one table compares them with the targets.

The record fields the scorer does not know are reported from the same predictions (rows
without a trafilatura figure): coverage of ``modified``, of a paywall declaration
(``free_access`` false or true) and of paywalled paragraphs left out of the body, of
``language`` and of a declaration the text overrode (``language_declared``). No set has
ground truth for them, except through ``published``: the htmldate set's reference is at
times the page's update date, so ``modified = reference`` counts the pages where the update
date is what the set calls the date, and ``wrong published = modified`` the pages whose
wrong ``published`` is the stated update date (the same value, or the same day when either
is a bare date: the update date must never be taken for the publication, 0); the row
under it counts pages whose wrong ``published`` was stated by the page itself and updated
later the same day (the day alone cannot tell those apart). ``--keep-paywalled`` extracts
with paywalled paragraphs kept in the body.

Speed is measured in this process for both extractors with one loop: each page's bytes are
read first (not timed), then each extractor is timed from those bytes to its result, the
order alternating from page to page so neither always runs on a warm cache. The table reports the
median milliseconds per page of each and their ratio.

``--cv K`` also chooses every field's rules and weights out of fold (K folds by publisher,
each choice made on K-1 folds and scored on the fold left out; :mod:`bench.support.cvreport`)
and adds the out-of-fold figure of each row: the "newscrawl" column becomes "in fold"
(production's output, scored on the pages its rules were chosen on), "out of fold" is what
the same choice procedure scores on publishers it never saw (the agreement candidates of
:mod:`bench.support.fieldstudies` and, when resiliparse is installed,
:mod:`bench.support.enginevotes` chosen per fold), "rules out of fold" today's rules alone
chosen per fold. It also runs :mod:`bench.page_kinds` and adds the page classifier's
article recall on the fundus set. Targets are those of issue 14, stated out of fold;
"reached" compares the out-of-fold figure with them. Time is not chosen on: the same run's
ratio stands in both columns.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import trafilatura
from w3lib.encoding import html_to_unicode

from bench.support import cvreport
from bench.support.pagefacts import DEFAULT_CACHE
from bench.support.shared_data import DEFAULT_DATA, REPO, missing_sets, no_data
from newscrawl.extract.article import extract_article

SCORER_NAME = Path("eval") / "score.py"

# (set, metric label) -> (path into score.py's JSON, target out of fold, issue 14)
METRICS: dict[str, list[tuple[str, tuple[str, str], float | None]]] = {
    "fundus": [
        ("body F1", ("body", "f1"), 0.965),
        ("headline exact", ("headline", "accuracy"), 0.817),
        ("published F1", ("published", "f1"), 0.994),
        ("authors exact-set", ("authors", "set_accuracy"), 0.889),
    ],
    "trafilatura": [
        ("snippets F1", ("snippets", "f1"), 0.945),
        ("headline exact", ("headline", "accuracy"), 0.796),
        ("published F1", ("published", "f1"), None),
        ("authors exact-set", ("authors", "set_accuracy"), None),
    ],
    "htmldate": [
        ("published F1", ("published", "f1"), 0.960),
    ],
}
MAX_SLOWDOWN = 1.3  # newscrawl's median time per page over trafilatura's


def load_cases(cases_file: Path, limit: int | None) -> list[dict[str, Any]]:
    with cases_file.open(encoding="utf-8") as lines:
        cases = [json.loads(line) for line in lines if line.strip()]
    return cases[:limit] if limit else cases


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def page_url(case: dict[str, Any], page: Path) -> str:
    """The URL the CLI gives the extractor: the case's URL when it is one, else the file's."""
    url = case.get("url") or ""
    return url if url.startswith(("http://", "https://")) else page.resolve().as_uri()


def run_newscrawl_cli(manifest: Path, predictions: Path, keep_paywalled: bool = False) -> None:
    """Run ``newscrawl extract`` on a manifest; its output lines are the predictions.

    Exit status 1 means some pages gave an ``error`` line instead of fields: they are
    predictions too (scored as misses), and said on standard error.
    """
    command = [sys.executable, "-m", "newscrawl.cli", "extract", "--manifest", str(manifest)]
    command += ["--no-profiles", *(["--keep-paywalled"] if keep_paywalled else [])]
    with predictions.open("w", encoding="utf-8") as out:
        done = subprocess.run(command, cwd=REPO, stdout=out)
    if done.returncode not in (0, 1):
        raise subprocess.CalledProcessError(done.returncode, command)


def _day(value: Any) -> str:
    """The day of a date string (references may spell "2022-11-1")."""
    parts = str(value or "")[:10].split("-")
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        return ""
    return f"{int(parts[0]):04d}-{int(parts[1]):02d}-{int(parts[2]):02d}"


def _same_stamp(published: Any, modified: Any) -> bool:
    """Whether two stated dates are one: the same value, or the same day when either is a
    bare date (the precision the record has)."""
    if not published or not modified:
        return False
    if len(str(published)) == 10 or len(str(modified)) == 10:
        return _day(published) == _day(modified)
    return str(published) == str(modified)


def field_rows(name: str, cases: list[dict[str, Any]], predictions: Path) -> list[tuple[str, ...]]:
    """Coverage of the record fields the scorer does not score, and what ``published``'s
    ground truth says of ``modified`` (module docstring)."""
    text = predictions.read_text("utf-8")  # split at "\n" only: bodies may hold U+2028
    lines = [json.loads(line) for line in text.split("\n") if line.strip()]
    found = {line.get("id"): line for line in lines}
    total = len(cases)
    counts = dict.fromkeys(
        ("modified", "free", "paywalled", "omitted", "language", "overridden", "dated",
         "mod_is_ref", "wrong_is_mod", "wrong_same_day", "wrong"), 0
    )  # fmt: skip
    for case in cases:
        line = found.get(case["id"], {})
        counts["modified"] += bool(line.get("modified"))
        counts["free"] += line.get("free_access") is True
        counts["paywalled"] += line.get("free_access") is False
        counts["omitted"] += bool(line.get("paywalled_omitted"))
        counts["language"] += bool(line.get("language"))
        counts["overridden"] += bool(line.get("language_declared"))
        reference = _day(case.get("expected", {}).get("published"))
        if not reference:
            continue
        counts["dated"] += 1
        published, modified = _day(line.get("published")), _day(line.get("modified"))
        counts["mod_is_ref"] += bool(modified) and modified == reference
        if published != reference:
            counts["wrong"] += 1
            counts["wrong_is_mod"] += _same_stamp(line.get("published"), line.get("modified"))
            counts["wrong_same_day"] += bool(modified) and modified == published

    def share(key: str) -> str:
        return f"{counts[key] / total:.3f}" if total else "-"

    rows = [
        (name, "modified coverage", "-", share("modified"), ""),
        (name, "free_access false/true", "-", f"{counts['paywalled']}/{counts['free']}", ""),
        (name, "paywalled parts left out", "-", str(counts["omitted"]), ""),
        (name, "language coverage", "-", share("language"), ""),
        (name, "language overrode declared", "-", str(counts["overridden"]), ""),
    ]
    if counts["dated"]:
        rows.append((name, "modified = reference", "-", str(counts["mod_is_ref"]), ""))
        rows.append((name, "wrong published = modified", "-",
                     f"{counts['wrong_is_mod']} of {counts['wrong']}", "0"))  # fmt: skip
        rows.append((name, "  same day, later hour", "-", str(counts["wrong_same_day"]
                     - counts["wrong_is_mod"]), ""))  # fmt: skip
    return rows


def trafilatura_alone(data: bytes, url: str) -> dict[str, Any]:
    """The baseline: trafilatura's own title, date, author and text for one page.

    Its author string joins names with "; "; they are split so names score one by one.
    """
    document = trafilatura.bare_extraction(
        data, url=url if url.startswith("http") else None, with_metadata=True
    )
    if document is None:
        return {}
    authors = [name.strip() for name in (document.author or "").split(";") if name.strip()]
    return {
        "headline": document.title,
        "published": document.date,
        "authors": authors,
        "body": document.text,
    }


def timed(extractor: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = extractor()
    return result, (time.perf_counter() - start) * 1000


def time_both(
    cases: list[dict[str, Any]], cases_dir: Path
) -> tuple[list[dict[str, Any]], list[float], list[float]]:
    """Baseline predictions, and per-page milliseconds of trafilatura and of newscrawl.

    Both extractors start from the page's bytes, as they would on a download: trafilatura
    detects the encoding itself, newscrawl decodes as ``newscrawl extract`` does.
    """
    predictions, traf_ms, ours_ms = [], [], []
    for number, case in enumerate(cases):
        page = cases_dir / case["path"]
        data, url = gzip.decompress(page.read_bytes()), page_url(case, page)

        def ours(data: bytes = data, url: str = url) -> Any:
            return extract_article(html_to_unicode(None, data)[1], url, use_profiles=False)

        def theirs(data: bytes = data, url: str = url) -> Any:
            return trafilatura_alone(data, url)

        if number % 2:
            _, our_time = timed(ours)
            baseline, their_time = timed(theirs)
        else:
            baseline, their_time = timed(theirs)
            _, our_time = timed(ours)
        predictions.append({"id": case["id"], **baseline})
        traf_ms.append(their_time)
        ours_ms.append(our_time)
    return predictions, traf_ms, ours_ms


def score(scorer: Path, cases_file: Path, predictions: Path, work: Path) -> dict[str, Any]:
    result = work / f"{predictions.stem}.score.json"
    per_case = work / f"{predictions.stem}.per-case.jsonl"
    command = [sys.executable, str(scorer), str(cases_file), str(predictions)]
    command += ["--json", str(result), "--per-case", str(per_case)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return json.loads(result.read_text())


def metric(scores: dict[str, Any], path: tuple[str, str]) -> float | None:
    section, key = path
    return scores.get(section, {}).get(key)


def fmt(value: float | None, spec: str = ".3f") -> str:
    return "-" if value is None else format(value, spec)


def bench_set(
    name: str,
    cases_dir: Path,
    scorer: Path,
    work: Path,
    limit: int | None,
    keep_paywalled: bool = False,
) -> tuple[list[tuple[str, ...]], list[float], list[float]]:
    cases = load_cases(cases_dir / "cases.jsonl", limit)
    # A manifest with absolute page paths, so that it can live in the work directory.
    manifest = work / f"{name}.cases.jsonl"
    write_jsonl(manifest, [{**case, "path": str(cases_dir / case["path"])} for case in cases])

    ours_file = work / f"{name}.newscrawl.jsonl"
    run_newscrawl_cli(manifest, ours_file, keep_paywalled)
    baseline, traf_ms, ours_ms = time_both(cases, cases_dir)
    traf_file = work / f"{name}.trafilatura.jsonl"
    write_jsonl(traf_file, baseline)

    ours, theirs = (
        score(scorer, manifest, ours_file, work),
        score(scorer, manifest, traf_file, work),
    )
    rows = []
    for label, path, target in METRICS.get(name, []):
        bound = "-" if target is None else f">={target:.3f}"
        rows.append((name, label, fmt(metric(theirs, path)), fmt(metric(ours, path)), bound))
    traf_median, ours_median = statistics.median(traf_ms), statistics.median(ours_ms)
    rows.append((name, "median ms/page", f"{traf_median:.1f}", f"{ours_median:.1f}", ""))
    rows += field_rows(name, cases, ours_file)
    return rows, traf_ms, ours_ms


def print_table(
    rows: list[tuple[str, ...]],
    out_of_fold: dict[tuple[str, str], str],
    rules_only: dict[tuple[str, str], str],
) -> None:
    """The summary; with ``--cv`` two out-of-fold columns before the target: production
    (candidates chosen out of fold) and today's rules each chosen out of fold, and whether
    the out-of-fold figure reaches the target."""
    header: tuple[str, ...] = ("set", "metric", "trafilatura", "newscrawl", "target")
    if out_of_fold:
        header = ("set", "metric", "trafilatura", "in fold", "out of fold",
                  "rules out of fold", "target", "reached")  # fmt: skip
        rows = [
            (*row[:4], out_of_fold.get(row[:2], ""), rules_only.get(row[:2], ""), row[4],
             reached(out_of_fold.get(row[:2], ""), row[4]))
            for row in rows
        ]  # fmt: skip
    widths = [max(len(row[k]) for row in [header, *rows]) for k in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


def reached(figure: str, target: str) -> str:
    """Whether a figure reaches a ">=X" or "<=X" target: yes, no, or "" if either is missing."""
    if not figure or figure == "-" or not target.startswith((">=", "<=")):
        return ""
    value, bound = float(figure.rstrip("x")), float(target[2:].rstrip("x"))
    return "yes" if (value >= bound if target.startswith(">=") else value <= bound) else "no"


def page_classifier(args: argparse.Namespace) -> tuple[str, ...] | None:
    """The Done-when row of the page classifier: fundus pages taken for articles (every
    page is one: that is its recall), in fold and out of fold (:mod:`bench.page_kinds`)."""
    from bench import page_kinds  # its own study prints first, as ``python -m bench.page_kinds``

    found = page_kinds.measure(args.data, args.cv, args.limit, page_kinds.DEFAULT_CACHE)
    if found is None or "fundus" not in found.shares:
        return None
    *_, in_fold, out_of_fold = found.shares["fundus"]
    return ("fundus", "page classifier article recall", "-", f"{in_fold:.3f}",
            f"{out_of_fold:.3f}", ">=0.990")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of case sets")
    parser.add_argument("--limit", type=int, help="only the first N cases of each set")
    parser.add_argument("--set", action="append", dest="sets", help="only this set (repeatable)")
    parser.add_argument("--out", type=Path, help="keep predictions and scores in this folder")
    parser.add_argument(
        "--keep-paywalled", action="store_true", help="keep declared paywalled paragraphs"
    )
    parser.add_argument("--cv", type=int, help="also choose every rule out of fold, K folds")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="page facts for --cv")
    args = parser.parse_args(argv)

    scorer = args.data.parent.parent / SCORER_NAME
    bench = "bench.extraction_quality"
    if not args.data.is_dir():
        return no_data(bench, f"no folder {args.data}")
    missing = missing_sets(args.data, args.sets)
    if args.sets and missing:
        return no_data(bench, f"no case set {', '.join(missing)} under {args.data}")
    names = args.sets or [name for name in METRICS if name not in missing]
    if not names:
        return no_data(bench, f"no case set under {args.data}")
    if not scorer.is_file():
        return no_data(bench, f"no scorer {scorer} for the case sets under {args.data}")
    if missing:
        print(f"{bench}: only {', '.join(names)} (no {', '.join(missing)} under {args.data})",
              file=sys.stderr)  # fmt: skip

    with tempfile.TemporaryDirectory(prefix="extraction-bench-") as scratch:
        work = args.out or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        rows: list[tuple[str, ...]] = []
        all_traf: list[float] = []
        all_ours: list[float] = []
        for name in names:
            set_rows, traf_ms, ours_ms = bench_set(
                name, args.data / name, scorer, work, args.limit, args.keep_paywalled
            )
            rows += set_rows
            all_traf += traf_ms
            all_ours += ours_ms
    traf_median, ours_median = statistics.median(all_traf), statistics.median(all_ours)
    rows.append(("all", "median ms/page", f"{traf_median:.1f}", f"{ours_median:.1f}", ""))
    ratio = f"{ours_median / traf_median:.2f}x"
    rows.append(("all", "time vs trafilatura", "1.00x", ratio, f"<={MAX_SLOWDOWN:.1f}x"))
    out_of_fold, rules_only = ({}, {})
    if args.cv:
        out_of_fold, rules_only = cvreport.run(args.data, args.cv, args.cache, args.limit)
        # Time: no rule is chosen on it; the same run's ratio stands in every column.
        out_of_fold[("all", "time vs trafilatura")] = ratio
        rules_only[("all", "time vs trafilatura")] = ratio
        print("== page kinds (python -m bench.page_kinds)")
        classifier = page_classifier(args)
        if classifier:
            out_of_fold[classifier[:2]] = rules_only[classifier[:2]] = classifier[4]
            rows.append((*classifier[:4], classifier[5]))
        print()
    print_table(rows, out_of_fold, rules_only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
