"""resiliparse as an agreement vote on today's body, studied out of fold (a candidate only).

Earlier work (branch h1-fusion, ``bench/fusion_cv.py``) found that fusing the paragraphs of
several engines by agreement does not beat today's body out of fold, and that of the
independent engines only resiliparse (about 0.08x trafilatura's time) fits the cost budget.
This module asks the narrower question: used as one vote beside JSON-LD ``articleBody``
on top of today's body, does resiliparse help out of fold? Two rules about pages:

* **res_lead**: a prose paragraph (10 words or more, ending as a sentence ends) that
  resiliparse prints just before the body's opening paragraph, and that the body lacks,
  opens the body: a lead trafilatura dropped, seen by an engine of another family;
* **res_drop**: a body paragraph that the other sources both lack is dropped (a box the
  extractor let through). ``both``: only where resiliparse and ``articleBody`` are both
  present and both lack it; ``any``: where every present source lacks it (resiliparse
  at least). A source is a witness only when it holds most (60%) of the body's other
  paragraphs, i.e. it found the same article.

Neutral is off: today's body. The page facts (resiliparse's paragraphs, the
``articleBody`` paragraphs, resiliparse's milliseconds) are cached as JSON beside
:mod:`bench.support.pagefacts`' under a digest of this file; production code is not
changed unless a rule stays (see README "Extraction quality").
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import time
from pathlib import Path
from typing import Any

from bench.support.casesets import CaseSet, page_url
from bench.support.outoffold import Component, Study
from bench.support.pagefacts import body_key
from newscrawl.extract.article import _HTML_CONTROL
from newscrawl.extract.decoding import read_page
from newscrawl.extract.generic.compare import SENTENCE_END, key
from newscrawl.extract.generic.evidence import Evidence
from newscrawl.extract.markup import clean, first_text

_TAG = re.compile(r"<[^>]+>")
_LINE_BREAKS = re.compile(r"\s*\n\s*")
LEAD_WORDS = 10  # a lead is prose: this many words or more
WITNESS = 0.6  # a source votes only when it holds this share of the body's paragraphs
MATCH = 0.8  # a paragraph is in a source when this share of its word pairs is


def available() -> bool:
    return importlib.util.find_spec("resiliparse") is not None


def resiliparse_paragraphs(html: str) -> list[str]:
    """resiliparse's main content as paragraphs (its own parser; failures: none)."""
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.html import HTMLTree

    try:
        text = extract_plain_text(
            HTMLTree.parse(html), main_content=True, preserve_formatting=True,
            list_bullets=False, alt_texts=False, links=False, form_fields=False,
            noscript=False, comments=False,
        )  # fmt: skip
    except Exception:  # noqa: BLE001 - a library failure costs this vote only
        return []
    return [p for p in (" ".join(line.split()) for line in text.split("\n")) if p]


def ld_paragraphs(evidence: Evidence) -> list[str]:
    """``articleBody`` split as :func:`newscrawl.extract.generic.body.paragraphs` splits it."""
    declared = evidence.article_ld.get("articleBody")
    if not (first_text(declared) and isinstance(declared, str) and declared.strip()):
        return []
    text = _TAG.sub("\n", declared) if "<" in declared and ">" in declared else declared
    return [p for p in (clean(part) for part in _LINE_BREAKS.split(text)) if p]


def _pairs(text: str) -> set[tuple[str, str]]:
    words = key(text).split()
    return set(zip(words, words[1:], strict=False)) if len(words) > 1 else {(w, "") for w in words}


class Source:
    """One voter's text, for containment tests blind to paragraph splits and spelling."""

    def __init__(self, paragraphs: list[str]) -> None:
        self.paragraphs = paragraphs
        self.joined = " ".join(key(p) for p in paragraphs)
        self.pairs: set[tuple[str, str]] = set().union(*map(_pairs, paragraphs))

    def holds(self, paragraph: str) -> bool:
        paragraph_key = key(paragraph)
        if not paragraph_key or paragraph_key in self.joined:
            return True
        pairs = _pairs(paragraph)
        return bool(pairs) and len(pairs & self.pairs) >= MATCH * len(pairs)

    def witnesses(self, body: list[str]) -> bool:
        return bool(self.paragraphs) and sum(map(self.holds, body)) >= WITNESS * len(body)


def with_resiliparse_lead(body: list[str], res: list[str], headline: str | None) -> list[str]:
    """``body`` opened by the prose paragraph resiliparse prints just before its opening."""
    if not body or not res:
        return body
    opening = Source(body[:1])
    matches = (i for i, p in enumerate(res) if opening.holds(p) or Source([p]).holds(body[0]))
    first = next(matches, None)
    if not first:
        return body
    candidate = res[first - 1]
    whole = Source(body)
    if (
        len(candidate.split()) < LEAD_WORDS
        or not SENTENCE_END.search(candidate)
        or whole.holds(candidate)
        or (headline and key(candidate) == key(headline))
    ):
        return body
    return [candidate, *body]


def without_unseen(body: list[str], res: list[str], ld: list[str], mode: str) -> list[str]:
    """``body`` less the paragraphs every witnessing source lacks (see the module doc)."""
    if mode == "off" or len(body) < 3:
        return body
    witnesses = [s for s in (Source(res), Source(ld)) if s.witnesses(body)]
    if not witnesses or not Source(res).witnesses(body):
        return body
    if mode == "both" and len(witnesses) < 2:
        return body
    kept = [p for p in body if any(s.holds(p) for s in witnesses)]
    return kept if len(kept) >= len(body) / 2 else body


# ---------------------------------------------------------------------------- facts


def _digest() -> str:
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]


def engine_facts(case_set: CaseSet, index: int) -> dict[str, Any]:
    case = case_set.cases[index]
    path = case_set.page_path(case)
    html = _HTML_CONTROL.sub(" ", read_page(path))
    start = time.perf_counter()
    res = resiliparse_paragraphs(html)
    ms = (time.perf_counter() - start) * 1000
    try:
        ld = ld_paragraphs(Evidence(html, page_url(case, path)))
    except Exception:  # noqa: BLE001 - as extract_article: this page's vote is lost
        ld = []
    return {"id": case["id"], "resiliparse": res, "ld": ld, "ms": ms}


def load_engine_facts(case_set: CaseSet, cache: Path) -> list[dict[str, Any]]:
    folder = cache / f"engines-{_digest()}" / case_set.name
    folder.mkdir(parents=True, exist_ok=True)
    found = []
    for index, case in enumerate(case_set.cases):
        stored = folder / f"{case['id']}.json"
        if stored.exists():
            facts = json.loads(stored.read_text(encoding="utf-8"))
        else:
            facts = engine_facts(case_set, index)
            stored.write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
        found.append(facts)
    return found


# ---------------------------------------------------------------------------- the study


def body_value(config: dict[str, Any], facts: dict[str, Any], *_: Any) -> list[str]:
    if "body" not in facts:
        return []
    body = facts["body"]["bodies"][facts["body"]["variants"][body_key(True, True, True, True)]]
    engines = facts.get("engines") or {"resiliparse": [], "ld": []}
    body = without_unseen(body, engines["resiliparse"], engines["ld"], config["res_drop"])
    if config["res_lead"]:
        headline = (facts.get("production") or {}).get("headline")
        body = with_resiliparse_lead(body, engines["resiliparse"], headline)
    return body


BODY_CANDIDATES = Study(
    field="body",
    title="resiliparse as an agreement vote (today is neutral; no set may fall below today)",
    scored=[("fundus", "body"), ("trafilatura", "snippets")],
    components=[
        Component("res_lead", (False, True), False),
        Component("res_drop", ("off", "both", "any"), "off"),
    ],
    value=body_value,
    need=2,
    floor=True,
)
