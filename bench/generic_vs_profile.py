"""Generic extraction measured against the site profile on the classic table layout.

usage: python -m bench.generic_vs_profile [--big N] [--rounds R]

The SMN site profile (``newscrawl/profiles/smn.py``) reads the classic table-layout pages
precisely, so on those pages its output is the ground truth for the generic layer (site
profiles off). Pages: the offline mirror's article pages (``fixtures/mirror``, the three
SMN hosts) that the profile claims, plus, with ``--big N`` (default 200, 0 to skip), the
article pages of the throughput bench's generated mirror (``bench/support/big_mirror.py``) for N
stories.

Per page set it prints the share of pages on which the generic result agrees with the
profile's, field by field: headline (exact), body (paragraph F1, averaged over pages, and
the share of pages whose paragraph lists are identical), dateline (exact), published
(same day, both empty counting as agreement) and authors (same list); and the median
milliseconds per page of each extractor (page object and item loader, as
``newscrawl extract`` runs them). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.support import big_mirror
from newscrawl.extract.article import extract_article

REPO = Path(__file__).resolve().parents[1]

SMN_HOSTS = ("www.spacewar.com", "www.spacedaily.com", "www.terradaily.com")
FIELDS = ("headline", "body_f1", "body_exact", "dateline", "published", "authors")


def mirror_pages(root: Path) -> list[tuple[str, str]]:
    """(html, url) of the mirror's pages under the SMN hosts."""
    pages = []
    for host in SMN_HOSTS:
        for path in sorted((root / host).rglob("*.html")):
            url = f"https://{path.relative_to(root).as_posix()}"
            pages.append((path.read_text(encoding="utf-8", errors="replace"), url))
    return pages


def _paragraph_f1(got: list[str], want: list[str]) -> float:
    if not got and not want:
        return 1.0
    common = sum((Counter(got) & Counter(want)).values())
    if not common:
        return 0.0
    precision, recall = common / len(got), common / len(want)
    return 2 * precision * recall / (precision + recall)


def _body(item: dict[str, Any]) -> list[str]:
    body = item.get("body") or ""
    return [p for p in body.split("\n\n") if p.strip()] if isinstance(body, str) else list(body)


def _day(value: Any) -> str | None:
    return str(value)[:10] if value else None


def compare(pages: list[tuple[str, str]], rounds: int) -> tuple[dict[str, float], int, list]:
    """Agreement per field, ms per page of each extractor, the profile-claimed page count."""
    scores: dict[str, list[float]] = {name: [] for name in FIELDS}
    times: dict[str, list[float]] = {"profile_ms": [], "generic_ms": []}
    misses: list[tuple[str, str, Any, Any]] = []
    for html, url in pages:
        start = time.perf_counter()
        truth = extract_article(html, url, use_profiles=True)
        profile_ms = (time.perf_counter() - start) * 1000
        if truth.layout != "smn-classic":
            continue  # a section page or a page of the new platform: no ground truth
        generic_ms = []
        for _ in range(rounds):
            start = time.perf_counter()
            found = extract_article(html, url, use_profiles=False)
            generic_ms.append((time.perf_counter() - start) * 1000)
        for _ in range(rounds - 1):
            start = time.perf_counter()
            extract_article(html, url, use_profiles=True)
            profile_ms = min(profile_ms, (time.perf_counter() - start) * 1000)
        times["profile_ms"].append(profile_ms)
        times["generic_ms"].append(min(generic_ms))
        want, got = dict(truth.item), dict(found.item)
        checks = {
            "headline": want.get("headline") == got.get("headline"),
            "dateline": want.get("dateline") == got.get("dateline"),
            "published": _day(want.get("published")) == _day(got.get("published")),
            "authors": list(want.get("authors") or []) == list(got.get("authors") or []),
            "body_exact": _body(want) == _body(got),
        }
        for name, ok in checks.items():
            scores[name].append(float(ok))
            if not ok and name != "body_exact":
                misses.append((url, name, want.get(name), got.get(name)))
        scores["body_f1"].append(_paragraph_f1(_body(got), _body(want)))
    result = {name: statistics.fmean(values) if values else 0.0 for name, values in scores.items()}
    result |= {name: statistics.median(v) if v else 0.0 for name, v in times.items()}
    return result, len(scores["headline"]), misses


def report(name: str, result: dict[str, float], count: int) -> None:
    ratio = result["generic_ms"] / result["profile_ms"] if result["profile_ms"] else 0.0
    print(f"{name}: {count} article pages the profile claims")
    for field in FIELDS:
        print(f"  {field:12s} {result[field]:.3f}")
    print(
        f"  ms/page      profile {result['profile_ms']:.2f}  generic {result['generic_ms']:.2f}"
        f"  (generic/profile {ratio:.1f}x)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", type=int, default=200, help="stories in the generated mirror")
    parser.add_argument("--rounds", type=int, default=3, help="timed runs per page (min kept)")
    parser.add_argument("--misses", action="store_true", help="print each disagreement")
    args = parser.parse_args(argv)
    summary: dict[str, Any] = {}
    sets = {"mirror": mirror_pages(REPO / "fixtures" / "mirror")}
    if args.big:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            big_mirror.build(root, args.big)
            sets["big_mirror"] = [
                (p.read_text(encoding="utf-8"), f"https://{p.relative_to(root).as_posix()}")
                for p in sorted(big_mirror.article_paths(root))
            ]
    for name, pages in sets.items():
        result, count, misses = compare(pages, args.rounds)
        report(name, result, count)
        if args.misses:
            for url, field, want, got in misses:
                print(f"    {field}: {url}\n      profile {want!r}\n      generic {got!r}")
        summary[name] = {"pages": count, **{k: round(v, 3) for k, v in result.items()}}
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
