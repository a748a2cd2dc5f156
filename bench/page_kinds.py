"""How many real article pages the ``news`` spider takes for articles, rules chosen out of fold.

usage: python -m bench.page_kinds [--data DIR] [--cv K] [--limit N] [--cache DIR] [--misses]

The ``news`` spider requests a page linked from a listing unless the link looks like a
listing's next page (:func:`~newscrawl.discovery.pagekind.is_pagination_url`) or a file
(PDF, image), then extracts it if :func:`~newscrawl.discovery.pagekind.classify` says
article. This bench runs both over every page of the developer sets under ``DIR`` that has
a URL (as if a plain index page linked to it) and prints the share taken for an article:
on the fundus set every page is one (that share is the classifier's recall); most
trafilatura-set and htmldate-set pages are.

Each switch and threshold of :class:`~newscrawl.discovery.pagekind.Rules` is a component
chosen out of fold (:mod:`bench.support.outoffold`: K folds by publisher, backward
elimination; neutral = the rules before they were added). A page taken wrongly costs
nothing on these sets, so the selection is constrained by pages known not to be articles:
every configuration that takes a non-article page of the project's offline mirror
(``fixtures/mirror``: section pages, tag and author archives, about and privacy pages) is
excluded.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
from parsel import Selector
from scrapy.linkextractors import IGNORED_EXTENSIONS
from scrapy.utils.url import url_has_any_extension

from bench.support.casesets import DEFAULT_DATA, REPO, load_sets, publisher_folds
from bench.support.cvreport import print_table, report_study
from bench.support.outoffold import Component, Grid, Study
from bench.support.shared_data import no_data
from newscrawl.discovery import pagekind
from newscrawl.extract.decoding import read_page

MIRROR = REPO / "fixtures" / "mirror"
DEFAULT_CACHE = Path("/tmp/newscrawl-pagekind-cache")
_SKIPPED = {f".{ext}" for ext in IGNORED_EXTENSIONS}
_LOC = re.compile(r"<loc>\s*([^<\s]+)\s*</loc>")
_DATED = re.compile(r"/\d{4}/\d{2}/\d{2}/")
_ARTICLE_SITEMAP = re.compile(r"post|article|news", re.I)
_OTHER_SITEMAP = re.compile(r"tag|categor|author|taxonom|user|page", re.I)

STUDY = Study(
    field="page kind",
    title="page rules (the rules before issue 14 are neutral)",
    scored=[("fundus", "share"), ("trafilatura", "share"), ("htmldate", "share")],
    components=[
        Component("slug_words", (4, 3), pagekind.RULES.slug_words),
        Component("id_path", (False, True), pagekind.RULES.id_path),
        Component("query_id", (False, True), pagekind.RULES.query_id),
        Component("block_chars", (0, 1600, 800, 400), pagekind.RULES.block_chars),
        Component(
            "page_one",
            (False, True),
            pagekind.RULES.page_one,
            kept_for="issue 14 (real hosts; no set URL has page=1)",
        ),  # fmt: skip
    ],
    value=lambda *_: None,  # verdicts are computed in bulk (:func:`taken`)
    need=2,
)


class StoredMarkup(pagekind.PageMarkup):
    """A page's markup facts read back from the cache."""

    def __init__(self, facts: dict[str, Any]) -> None:  # noqa: D107 - no page to read
        self.types = set(facts["types"])  # type: ignore[misc]
        self.og_type = facts["og_type"]  # type: ignore[misc]
        self.dense = tuple(facts["dense"])  # type: ignore[misc]
        self.block = facts["block"]  # type: ignore[misc]


def markup_facts(html: str, url: str) -> dict[str, Any]:
    page = pagekind.PageMarkup(Selector(text=html, base_url=url))
    return {"types": sorted(page.types), "og_type": page.og_type, "dense": list(page.dense),
            "block": page.block}  # fmt: skip


def cached(cache: Path, name: str, key: str, compute: Any) -> dict[str, Any]:
    path = cache / name / f"{re.sub(r'[^A-Za-z0-9._-]', '_', key)[:150]}.json"
    if path.exists():
        return json.loads(path.read_text("utf-8"))
    found = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(found), "utf-8")
    return found


def taken(facts: dict[str, Any], url: str, rules: pagekind.Rules) -> bool:
    """Whether the spider requests the linked page and takes it for an article."""
    if pagekind.is_pagination_url(url, rules) or url_has_any_extension(url, _SKIPPED):
        return False
    return pagekind.judge(StoredMarkup(facts), url, rules).is_article


def mirror_pages() -> list[tuple[str, Path, bool]]:
    """(URL, file, is an article) of the mirror's HTML pages on the generic and network hosts.

    Articles are the pages the hosts' post, article and news sitemaps list (not the home
    page an SEO plugin lists first), or on a host without sitemaps the pages under a dated
    path; every other HTML page is a listing or a page about the site.
    """
    found = []
    for host in sorted(p for p in MIRROR.iterdir() if p.is_dir()):
        names = [x for x in host.rglob("*.xml") if _ARTICLE_SITEMAP.search(x.name)]
        sitemaps = [x for x in names if not _OTHER_SITEMAP.search(x.name)]
        listed = {u for x in sitemaps for u in _LOC.findall(x.read_text("utf-8"))}
        listed = {u for u in listed if not u.endswith(".xml") and urlsplit(u).path.strip("/")}
        for file in sorted(host.rglob("*.html")):
            relative = file.relative_to(host).as_posix()
            url = f"https://{host.name}/{relative.removesuffix('index.html')}"
            is_article = url in listed if listed else bool(_DATED.search("/" + relative))
            found.append((url, file, is_article))
    return found


@dataclass
class Measured:
    """What :func:`measure` found: per set (pages, pages without URL, share taken before
    issue 14's rules, in fold, out of fold), the mirror's check, the fundus pages missed."""

    shares: dict[str, tuple[int, int, float, float, float]]
    mirror: str
    missed: list[tuple[str, str]]


def measure(data: Path, k: int, limit: int | None, cache: Path) -> Measured | None:
    """Run the study (printing its verdicts) and return its figures; None without sets."""
    sets = load_sets(data, limit=limit)
    if not sets:
        return None
    configs = STUDY.configs()
    rules = [pagekind.Rules(**STUDY.named(c)) for c in configs]

    mirror = mirror_pages()
    wrong, missed = np.zeros(len(configs), dtype=int), np.zeros(len(configs), dtype=int)
    for url, file, is_article in mirror:
        facts = markup_facts(file.read_text("utf-8"), url)
        verdicts = np.array([taken(facts, url, r) for r in rules])
        wrong += verdicts & (not is_article)
        missed += ~verdicts & is_article
    allowed = wrong == 0

    folds = publisher_folds(sets, k)
    rows, fold_rows, skipped, pages = {}, {}, {}, {}
    for case_set in sets:
        with_url = [i for i, c in enumerate(case_set.cases) if c["url"].startswith("http")]
        skipped[case_set.name] = len(case_set.cases) - len(with_url)
        table = np.zeros((len(configs), len(with_url), 1))
        for column, i in enumerate(with_url):
            case = case_set.cases[i]
            path = case_set.page_path(case)
            facts = cached(cache, case_set.name, case["id"],
                           lambda p=path, u=case["url"]: markup_facts(read_page(p), u))  # fmt: skip
            table[:, column, 0] = [taken(facts, case["url"], r) for r in rules]
        rows[case_set.name] = table
        fold_rows[case_set.name] = np.array([folds[case_set.name][i] for i in with_url])
        pages[case_set.name] = [case_set.cases[i] for i in with_url]

    STUDY.scored = [(n, m) for n, m in STUDY.scored if n in rows]
    grid = Grid(STUDY, rows, fold_rows)
    articles = sum(a for *_, a in mirror)
    print(f"Offline mirror: {len(mirror)} pages, {articles} articles; {int(allowed.sum())} of "
          f"{len(configs)} configurations take no other page for one\n")  # fmt: skip
    _, final = report_study(STUDY, grid, k, allowed)
    neutral, chosen = 0, final.chosen
    shares = {
        name: (table.shape[1], skipped[name], float(table[neutral, :, 0].mean()),
               final.in_fold[name], final.out_of_fold[name])
        for name, table in rows.items()
    }  # fmt: skip
    mirror_line = (
        f"Offline mirror with the chosen rules: {wrong[chosen]} non-articles taken, "
        f"{missed[chosen]} of {articles} articles missed (before: {missed[neutral]})"
    )
    fundus_missed = [
        (case["id"], case["url"])
        for column, case in enumerate(pages.get("fundus", []))
        if not rows["fundus"][chosen, column, 0]
    ]
    return Measured(shares, mirror_line, fundus_missed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of case sets")
    parser.add_argument("--cv", type=int, default=5, help="folds (by publisher)")
    parser.add_argument("--limit", type=int, help="only the first N cases of each set")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="page facts folder")
    parser.add_argument("--misses", action="store_true", help="list the fundus pages missed")
    args = parser.parse_args(argv)
    found = measure(args.data, args.cv, args.limit, args.cache)
    if found is None:
        return no_data("bench.page_kinds", f"no case set under {args.data}")
    print(found.mirror + "\n")
    summary = [
        (name, str(n), str(no_url), f"{before:.3f}", f"{in_fold:.3f}", f"{out_of_fold:.3f}",
         ">=0.990" if name == "fundus" else "")
        for name, (n, no_url, before, in_fold, out_of_fold) in found.shares.items()
    ]  # fmt: skip
    print("Share of pages taken for articles (fundus: every page is one, so that is recall)")
    print_table(("set", "pages", "no URL", "before", "in fold", "out of fold", "target"), summary)
    if args.misses:
        for case_id, url in found.missed:
            print("  missed:", case_id, url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
