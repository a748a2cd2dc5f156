"""What the out-of-fold study needs about each page, computed once and cached as JSON.

For each case the page is read as ``newscrawl extract`` reads it and the generic layer's
own code is run, so the study never re-implements a rule:

* **body**: the body under every combination of the body module's switches
  (:class:`newscrawl.extract.generic.body.Rules`) and of the layout-table reader (on: the
  text :mod:`~newscrawl.extract.generic.tables` re-reads; off: trafilatura's text);
* **headline**: the (source, text) pairs :func:`~newscrawl.extract.generic.headline.candidates`
  states, plus a candidate voter the production code does not use (trafilatura's title);
* **dates**: every source :class:`~newscrawl.extract.generic.dates.DateSources` offers,
  htmldate included on every page (production runs it only when nothing else is declared),
  plus the declared modification date;
* **authors**: every source of :class:`~newscrawl.extract.generic.authors.AuthorSources`,
  the byline search included on every page, and the site-name test of each name;
* the production fields, to check that the cached sources decide as production does;
* the milliseconds of the sources production does not always run (htmldate, the byline
  search, the candidate voters), to price a rule that would need them.

The cache is JSON (never pickle), one file per case, under a folder named for a digest of
the generic layer's source and this file: any code change starts a fresh cache.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from itertools import product
from pathlib import Path
from typing import Any

from trafilatura.metadata import extract_title

from bench.support.casesets import REPO, CaseSet, page_url
from newscrawl.extract import generic
from newscrawl.extract.article import _HTML_CONTROL  # the same cleaning as extract_article
from newscrawl.extract.decoding import read_page
from newscrawl.extract.generic import authors, body, dates, headline
from newscrawl.extract.generic.page import GenericArticlePage
from newscrawl.extract.markup import first_text

DEFAULT_CACHE = Path("/tmp/newscrawl-cv-cache")
# Body variants: (layout-table reader, articleBody rule, furniture, lead), all on first.
BODY_SWITCHES = list(product((True, False), repeat=4))
_MODIFIED_META = ("article:modified_time", "og:updated_time", "last-modified", "dc.date.modified")


def code_digest() -> str:
    """A digest of the code the facts come from: the generic layer and this module."""
    digest = hashlib.sha256()
    sources = sorted(Path(generic.__file__).parent.glob("*.py"))
    sources += [REPO / "newscrawl/extract/markup.py", REPO / "newscrawl/extract/datelines.py"]
    for path in [*sources, Path(__file__)]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def body_key(layout: bool, article_body: bool, furniture: bool, lead: bool) -> str:
    return "".join("1" if flag else "0" for flag in (layout, article_body, furniture, lead))


def _timed(ms: dict[str, float], name: str, function: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = function()
    ms[name] = (time.perf_counter() - start) * 1000
    return result


def page_facts(case_set: CaseSet, index: int) -> dict[str, Any]:
    """Everything the study needs about one page (see the module docstring)."""
    case = case_set.cases[index]
    path = case_set.page_path(case)
    url = page_url(case, path)
    page = GenericArticlePage(_HTML_CONTROL.sub(" ", read_page(path)), url)
    ms: dict[str, float] = {}
    facts: dict[str, Any] = {"id": case["id"], "ms": ms}
    try:
        production = page.fields()
    except Exception as exc:  # noqa: BLE001 - as extract_article: the page's fields are lost
        return {**facts, "error": f"{type(exc).__name__}: {exc}"}
    facts["production"] = {k: production.get(k) for k in ("headline", "published", "authors")}
    facts["dateline"] = production.get("dateline")
    evidence, chosen = page.evidence, page.chosen_headline

    bodies: list[list[str]] = []
    variants: dict[str, int] = {}
    for layout, article_body, furniture, lead in BODY_SWITCHES:
        text = page.text_paragraphs if layout else page.engine_paragraphs
        rules = body.Rules(article_body=article_body, furniture=furniture, lead=lead)
        found = body.paragraphs(evidence, text, chosen, rules)
        if found not in bodies:
            bodies.append(found)
        variants[body_key(layout, article_body, furniture, lead)] = bodies.index(found)
    facts["body"] = {"variants": variants, "bodies": bodies}

    tree = evidence.tree
    title = _timed(ms, "trafilatura_title", lambda: extract_title(tree) if tree is not None else "")
    facts["headline"] = {
        "stated": headline.candidates(evidence),
        "traf": headline.strip_site_name(evidence, title or "") if title else "",
    }

    date_sources = dates.DateSources(evidence, page.printed_dateline)
    found = _timed(ms, "htmldate", lambda: date_sources.htmldate)
    printed = page.printed_dateline
    modified = [evidence.article_ld.get("dateModified"), *map(evidence.meta.get, _MODIFIED_META)]
    facts["dates"] = {
        "declared": date_sources.declared,
        "specific": date_sources.specific,
        "shown": date_sources.shown,
        "url": date_sources.url,
        "printed": {"raw": printed.raw, "date": printed.date} if printed else None,
        "htmldate": found,
        "contradicted": bool(found) and date_sources.dateline_contradicts(found),
        "modified": next(filter(None, map(dates.iso_date, map(first_text, modified))), None),
    }

    author_sources = authors.AuthorSources(evidence, page.table_text)
    byline = _timed(ms, "byline", lambda: author_sources.byline)
    structured = author_sources.structured
    names = {n for source in structured for n, _ in source} | set(author_sources.meta)
    facts["authors"] = {
        "structured": structured,
        "meta": author_sources.meta,
        "byline": byline,
        "site": sorted(n for n in names if author_sources.is_site_name(n)),
    }
    return facts


def load_facts(
    case_set: CaseSet, cache: Path = DEFAULT_CACHE, *, progress: bool = True
) -> list[dict[str, Any]]:
    """Each case's facts, from ``cache/DIGEST/SET/ID.json`` or computed (then stored)."""
    folder = cache / code_digest() / case_set.name
    folder.mkdir(parents=True, exist_ok=True)
    found = []
    for index, case in enumerate(case_set.cases):
        stored = folder / f"{case['id']}.json"
        if stored.exists():
            facts = json.loads(stored.read_text(encoding="utf-8"))
        else:
            facts = page_facts(case_set, index)
            stored.write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
        found.append(facts)
        if progress and (index + 1) % 200 == 0:
            print(f"  page facts, {case_set.name}: {index + 1}/{len(case_set.cases)}", flush=True)
    return found
