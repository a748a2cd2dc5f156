"""Authors: structured data first, then meta tags, then the visible byline.

Desk placeholders ("Staff") and byline separators are the loader's business
(:func:`newscrawl.extract.loader.split_byline`); this module only finds who the page
credits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from lxml import etree
from trafilatura.metadata import extract_author

from newscrawl.extract.generic.compare import key
from newscrawl.extract.generic.evidence import Evidence
from newscrawl.extract.generic.tables import LayoutText
from newscrawl.extract.markup import (
    ORGANIZATION_TYPES,
    clean,
    first_text,
    schema_types,
    visible_text,
)

_NOT_A_NAME = re.compile(r"^\W*$|^\(|@|https?:|www\.|^\d[\d\W]*$")
_AUTHOR_META = ("author", "article:author", "dc.creator", "parsely-author", "byl",
                "sailthru.author")  # fmt: skip
# Every element trafilatura's byline rules (``trafilatura.xpaths.AUTHOR_XPATHS``) could pick
# is an ``<author>`` or ``<rel>`` element or carries one of these words in the attributes
# they test. That check is a few whole-tree XPath scans; ``extract_author`` copies the tree,
# prunes it and runs five whole-tree searches, so it runs only when the check finds
# something: the same answer, less work on pages without a byline.
AUTHOR_HINT_WORDS = ("uthor", "byl", "Byl", "BBL", "username", "screenname", "writer",
                     "zuozhe", "bian", "channel-name", "submitted-by", "posted-by",
                     "journalist-name")  # fmt: skip
_AUTHOR_HINT_TEST = " or ".join(f"contains(., '{word}')" for word in AUTHOR_HINT_WORDS)
_AUTHOR_HINT = etree.XPath(
    "boolean(//author | //rel | "
    + " | ".join(
        f"//@{name}[{_AUTHOR_HINT_TEST}]"
        for name in ("class", "id", "rel", "itemprop", "data-testid", "data-component")
    )
    + ")"
)


@dataclass(frozen=True)
class Rules:
    """The author rules, named so that each can be measured (``bench/extraction_quality.py
    --cv K`` chooses each on K-1 publisher folds and scores it on the fold left out)."""

    #: Organisations credited next to people stay in the list. Off: out of fold it helped
    #: the fundus set only (the trafilatura set has no page it changes), so it fails
    #: "helps on two sets"; people alone are kept.
    org_credit: bool = False
    #: A structured-data list naming only the site itself defers to the meta tags.
    site_only_defers: bool = True


RULES = Rules()


class AuthorSources:
    """Who one page credits, per source, each read once; the byline search (the costliest,
    see :data:`AUTHOR_HINT_WORDS`) runs only when :func:`decide` asks for it."""

    def __init__(self, evidence: Evidence, layout: LayoutText | None) -> None:
        self.evidence = evidence
        self.layout = layout

    @cached_property
    def structured(self) -> list[list[tuple[str, bool]]]:
        """(name, is_organisation) lists from JSON-LD, then microdata."""
        evidence = self.evidence
        ld = [(n, org) for n, org in _ld_people(evidence, evidence.article_ld.get("author"))]
        md = [(n, False) for n in _microdata_authors(evidence)]
        return [[(n, org) for n, org in ld if is_name(n)], [(n, o) for n, o in md if is_name(n)]]

    @cached_property
    def meta(self) -> list[str]:
        """The author meta tags' values, in the order they are trusted."""
        values = (clean(self.evidence.meta.get(name)) for name in _AUTHOR_META)
        return [value for value in values if value]

    @cached_property
    def byline(self) -> list[str]:
        return byline(self.evidence, self.layout)

    def is_site_name(self, name: str) -> bool:
        return self.evidence.is_site_name(name)


def authors(evidence: Evidence, layout: LayoutText | None, rules: Rules = RULES) -> list[str]:
    """Who the page credits (see :func:`decide`)."""
    return decide(AuthorSources(evidence, layout), rules)


def decide(sources: AuthorSources, rules: Rules = RULES) -> list[str]:
    """Authors from structured data first, then meta tags, then the visible byline.

    Organisations named as author (``"@type": "Organization"``) next to named people
    are dropped (with ``rules.org_credit``, off by default, they are kept: the page
    credits them together ("Ann Lee / dpa", a reporter and the
    wire service whose copy she used)). An
    author list that names only the site itself (the publisher filled in as a default)
    says little about who wrote the piece, so the meta tags are asked first; the site's
    name is kept when they have nothing, since a byline found by page layout is weaker
    evidence than the page's own statement. That byline (printed above a layout table's
    text, else trafilatura's byline rules) is used only when the page declares no author
    at all.
    """
    fallback: list[str] = []
    for source in sources.structured:
        people = [name for name, is_org in source if not is_org]
        if not rules.org_credit and people:
            source = [(name, False) for name in people]
        if source and not rules.site_only_defers:
            return _unique_names(name for name, _ in source)
        if source and not all(sources.is_site_name(name) for name, _ in source):
            return _unique_names(name for name, _ in source)
        fallback = fallback or [name for name, _ in source]
    for value in sources.meta:
        if is_name(value) and not sources.is_site_name(value):
            return [value]
    if fallback:  # the site named itself; a byline found by layout is no better evidence
        return fallback
    return sources.byline


def _ld_people(evidence: Evidence, value: Any) -> Iterator[tuple[str, bool]]:
    """(name, is_organisation) for each author entry of a JSON-LD ``author`` value."""
    value = evidence.resolve(value)
    if isinstance(value, list):
        for entry in value:
            yield from _ld_people(evidence, entry)
    elif isinstance(value, dict):
        name = first_text(value.get("name"))
        if not name and (value.get("givenName") or value.get("familyName")):
            name = clean(f"{value.get('givenName') or ''} {value.get('familyName') or ''}")
        is_org = bool(schema_types(value.get("@type")) & ORGANIZATION_TYPES)
        if name and not is_org and "," in name:
            name = _person_name(evidence, name)
        if name:
            yield name, is_org
    elif isinstance(value, str) and value.strip():
        yield clean(value), False


def _person_name(evidence: Evidence, name: str) -> str:
    """A Person's name without the role or affiliation appended after commas.

    CMSs fill one person's ``name`` with "Ann Lee, professor of history at X, Site".
    A comma part longer than a name (over five words) or naming the site itself is such
    an addition; other parts stay, as sloppy markup also lists two people in one node.
    """
    parts = [part.strip() for part in name.split(",")]
    kept = [p for p in parts if p and len(p.split()) <= 5 and not evidence.is_site_name(p)]
    return ", ".join(kept) if kept and len(kept) < len(parts) else name


def _microdata_authors(evidence: Evidence) -> list[str]:
    names = []
    for element in evidence.microdata.get("author", []):
        inner = element.xpath('.//*[@itemprop="name"]')
        text = inner[0].get("content") or visible_text(inner[0]) if inner else None
        names.append(clean(text or element.get("content") or visible_text(element)))
    return [n for n in names if n]


def byline(evidence: Evidence, layout: LayoutText | None) -> list[str]:
    """The visible byline, found by trafilatura's byline rules (one author per entry)."""
    if layout and layout.byline:
        return [layout.byline]  # printed on its own line above a layout table's text
    tree = evidence.tree
    if tree is None or not _AUTHOR_HINT(tree):
        return []  # no element trafilatura's byline rules could match: it would say None
    try:
        found = extract_author(tree) or ""
    except Exception:  # noqa: BLE001 - a library failure costs the byline only
        return []
    names = [clean(name) for name in found.split(";")]
    return [n for n in names if is_name(n) and not evidence.is_site_name(n)]


def is_name(text: str) -> bool:
    """Whether an author entry can be a name: not an e-mail, URL, number or credit line."""
    return bool(text) and len(text) <= 120 and not _NOT_A_NAME.search(text)


def _unique_names(names: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(key(name), name)
    return list(seen.values())
