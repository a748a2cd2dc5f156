"""Extraction quality of the generic layer against trafilatura alone, on the shared case sets.

usage: python -m bench.extraction_quality [--data DIR] [--limit N] [--set NAME ...] [--out DIR]

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

from bench.support.shared_data import DEFAULT_DATA, REPO, missing_sets, no_data
from newscrawl.extract.article import extract_article

SCORER_NAME = Path("eval") / "score.py"

# (set, metric label) -> (path into score.py's JSON, target the generic layer must reach)
METRICS: dict[str, list[tuple[str, tuple[str, str], float | None]]] = {
    "fundus": [
        ("body F1", ("body", "f1"), 0.970),
        ("headline exact", ("headline", "accuracy"), 0.950),
        ("published F1", ("published", "f1"), 0.990),
        ("authors exact-set", ("authors", "set_accuracy"), 0.880),
    ],
    "trafilatura": [
        ("snippets F1", ("snippets", "f1"), 0.935),
        ("headline exact", ("headline", "accuracy"), 0.850),
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
        rows.append(
            (name, label, fmt(metric(theirs, path)), fmt(metric(ours, path)), fmt(target, ">=.3f"))
        )
    traf_median, ours_median = statistics.median(traf_ms), statistics.median(ours_ms)
    rows.append((name, "median ms/page", f"{traf_median:.1f}", f"{ours_median:.1f}", ""))
    rows += field_rows(name, cases, ours_file)
    return rows, traf_ms, ours_ms


def print_table(rows: list[tuple[str, ...]]) -> None:
    header = ("set", "metric", "trafilatura", "newscrawl", "target")
    widths = [max(len(row[k]) for row in [header, *rows]) for k in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of case sets")
    parser.add_argument("--limit", type=int, help="only the first N cases of each set")
    parser.add_argument("--set", action="append", dest="sets", help="only this set (repeatable)")
    parser.add_argument("--out", type=Path, help="keep predictions and scores in this folder")
    parser.add_argument(
        "--keep-paywalled", action="store_true", help="keep declared paywalled paragraphs"
    )
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
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
