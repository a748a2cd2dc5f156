"""The components each field's out-of-fold study chooses among, over cached page facts.

Every configuration is decided by the production code itself (``decide`` of
:mod:`~newscrawl.extract.generic.headline`, :mod:`~newscrawl.extract.generic.dates`,
:mod:`~newscrawl.extract.generic.authors`, with their ``Rules``; bodies precomputed per
switch by :mod:`bench.support.pagefacts`) from sources read back from the cache. What
production does not do is written here as a *candidate*, a rule about pages in general:

* headline: more voters (trafilatura's own title; the ``<h1>`` without a leading kicker was
  one, chose out of fold, and is now production's), the weights of the title-like and
  editorial sources;
* dates: an agreement vote (:func:`date_vote`): when the page's other statements (the
  ``<time>`` printed with the article, the URL's date, the printed dateline; htmldate and
  the declared modification date as components of their own) agree on another day by more
  than a margin, they overrule the declared date;
* authors: the visible byline as a referee (:func:`byline_referee`) where structured data
  and meta tags disagree, and the byline over a credit to organisations only.

Neutral options come first: the rule off, equal weights, an unused voter at 0.
"""

from __future__ import annotations

import math
from typing import Any

from bench.support.outoffold import Component, Study
from bench.support.pagefacts import body_key
from newscrawl.extract.datelines import Dateline
from newscrawl.extract.generic import authors, dates, headline
from newscrawl.extract.generic.compare import key
from newscrawl.extract.loader import load_article
from newscrawl.items import RawFields

INF = math.inf
# Rules for pages the sets hold (almost) none of: the offline mirror's classic table layout,
# where ``bench/generic_vs_profile.py`` measures them against the site profile.
MIRROR_LAYOUT = "mirror table layout (bench.generic_vs_profile)"
MIRROR_DATELINES = "mirror wire datelines (bench.generic_vs_profile)"


# ---------------------------------------------------------------------------- body


def body_value(config: dict[str, Any], facts: dict[str, Any], *_: Any) -> list[str]:
    if "body" not in facts:
        return []
    flags = (config["layout"], config["article_body"], config["furniture"], config["lead"])
    return facts["body"]["bodies"][facts["body"]["variants"][body_key(*flags)]]


BODY = Study(
    field="body",
    title="today's body rules (off is neutral)",
    scored=[("fundus", "body"), ("trafilatura", "snippets")],
    components=[
        Component("layout", (False, True), True, kept_for=MIRROR_LAYOUT),
        *(Component(name, (False, True), True) for name in ("article_body", "furniture", "lead")),
    ],
    value=body_value,
    need=2,
)


# ---------------------------------------------------------------------------- headline


def headline_value(config: dict[str, Any], facts: dict[str, Any], *_: Any) -> str | None:
    if "headline" not in facts:
        return None
    found = facts["headline"]
    weights = {"ld": config["ld"], "md": 1.0, "og": config["og"], "h1": config["h1"],
               "tw": config["tw"], "title": config["title"], "h1k": config["h1k"],
               "traf": config["traf"]}  # fmt: skip
    stated = [(source, text) for source, text in found["stated"]]
    stated += [("traf", found["traf"])] if found["traf"] else []
    stated = [(source, text) for source, text in stated if weights[source] > 0]
    rules = headline.Rules(
        weights=weights,
        title_parts=config["title_parts"],
        seo_suffix=config["seo_suffix"],
        printed_glyphs=config["printed_glyphs"],
    )
    return headline.decide(stated, rules)


def headline_relevant(facts: dict[str, Any]) -> set[str]:
    found = facts.get("headline") or {"stated": [], "traf": ""}
    present = {source for source, _ in found["stated"]}
    present |= {"traf"} if found["traf"] else set()
    return present | {"title_parts", "seo_suffix", "printed_glyphs"}


HEADLINE_TODAY = {"title_parts": headline.RULES.title_parts,
                  "seo_suffix": headline.RULES.seo_suffix,
                  "printed_glyphs": headline.RULES.printed_glyphs,
                  **headline.RULES.weights, "traf": 0.0}  # fmt: skip
HEADLINE_RULES = Study(
    field="headline",
    title="today's headline rules and weights (off, and equal weights, are neutral)",
    scored=[("fundus", "headline"), ("trafilatura", "headline")],
    components=[
        *(
            Component(name, (False, True), HEADLINE_TODAY[name])
            for name in ("title_parts", "seo_suffix", "printed_glyphs")
        ),
        Component("tw", (1.0, 0.5), HEADLINE_TODAY["tw"]),
        Component("title", (1.0, 0.5), HEADLINE_TODAY["title"]),
        Component("h1k", (0.0, 1.0), HEADLINE_TODAY["h1k"]),
    ],
    value=headline_value,
    need=2,
    fixed=HEADLINE_TODAY,
    relevant=headline_relevant,
)
HEADLINE_CANDIDATES = Study(
    field="headline",
    title="headline agreement candidates (today is neutral; no set may fall below today)",
    scored=[("fundus", "headline"), ("trafilatura", "headline")],
    components=[
        Component("tw", (0.5, 0.0, 1.0), 0.5),
        Component("title", (0.5, 0.0, 1.0), 0.5),
        Component("ld", (1.0, 1.5), 1.0),
        Component("og", (1.0, 1.5), 1.0),
        Component("h1", (1.0, 1.5), 1.0),
        Component("h1k", (1.0, 0.5), 1.0),
        Component("traf", (0.0, 0.5, 1.0), 0.0),
    ],
    value=headline_value,
    need=2,
    fixed=HEADLINE_TODAY,
    relevant=headline_relevant,
    floor=True,
)


# ---------------------------------------------------------------------------- dates


class StoredDateSources(dates.DateSources):
    """:class:`~newscrawl.extract.generic.dates.DateSources` read back from the cache."""

    def __init__(self, facts: dict[str, Any]) -> None:  # noqa: D107 - no page to read
        self.facts = facts
        self.declared = facts["declared"]  # type: ignore[misc]
        self.specific = facts["specific"]  # type: ignore[misc]
        self.shown = facts["shown"]  # type: ignore[misc]
        self.url = facts["url"]
        self.htmldate = facts["htmldate"]  # type: ignore[misc]
        printed = facts["printed"]
        self.printed = Dateline(printed["raw"], None, None, printed["date"]) if printed else None

    def dateline_contradicts(self, found: str) -> bool:
        return bool(self.facts["contradicted"]) if found == self.htmldate else False


def date_vote(chosen: str | None, facts: dict[str, Any], config: dict[str, Any]) -> str | None:
    """The declared date, unless the page's other statements agree on another day by
    ``vote`` votes more than on the declared day.

    Voters, one vote each: the declaration itself, the ``<time>`` printed with the article,
    the URL's date, the printed dateline's, and (when their component is on) htmldate's
    finding and the declared modification date.
    """
    if chosen is None or config["vote"] == INF or not facts["declared"]:
        return chosen
    support: dict[str, float] = {chosen[:10]: 1.0}
    spelled: dict[str, str] = {}
    printed = (facts["printed"] or {}).get("date")
    voters = [(1.0, facts["shown"]), (1.0, facts["url"]), (1.0, printed)]
    voters += [(config["htmldate"], facts["htmldate"]), (config["modified"], facts["modified"])]
    for weight, value in voters:
        if value and weight:
            support[value[:10]] = support.get(value[:10], 0.0) + weight
            spelled.setdefault(value[:10], value)
    day = max(support, key=lambda d: (support[d], d == chosen[:10]))
    if day != chosen[:10] and support[day] > support[chosen[:10]] + config["vote"]:
        return spelled[day]
    return chosen


def published_value(config: dict[str, Any], facts: dict[str, Any], *_: Any) -> str | None:
    if "dates" not in facts:
        return None
    rules = dates.Rules(**{name: config[name] for name in DATE_RULES})
    chosen = dates.decide(StoredDateSources(facts["dates"]), rules)
    return date_vote(chosen, facts["dates"], config)


def dates_relevant(facts: dict[str, Any]) -> set[str]:
    found = facts.get("dates")
    if not found:
        return set()
    voters = {"htmldate": found["htmldate"], "modified": found["modified"]}
    return {*DATE_RULES, "vote", *(name for name, value in voters.items() if value)}


DATE_RULES = ("shown_over_generic", "local_time", "local_midnight", "url_day",
              "printed_dateline", "dateline_veto")  # fmt: skip
DATES_TODAY = {**dict.fromkeys(DATE_RULES, True), "vote": INF, "htmldate": 0.0, "modified": 0.0}
DATES_RULES = Study(
    field="published",
    title="today's date rules (off is neutral)",
    scored=[("fundus", "published"), ("trafilatura", "published"), ("htmldate", "published")],
    components=[
        *(Component(name, (False, True), True) for name in DATE_RULES[:4]),
        *(
            Component(name, (False, True), True, kept_for=MIRROR_DATELINES)
            for name in DATE_RULES[4:]
        ),
    ],  # fmt: skip
    value=published_value,
    need=2,
    fixed=DATES_TODAY,
    relevant=dates_relevant,
)
DATES_CANDIDATES = Study(
    field="published",
    title="date agreement candidates (today is neutral; no set may fall below today)",
    scored=[("fundus", "published"), ("trafilatura", "published"), ("htmldate", "published")],
    components=[
        Component("vote", (INF, 0.0, 1.0), INF),
        Component("htmldate", (0.0, 1.0), 0.0),
        Component("modified", (0.0, 1.0), 0.0),
    ],
    value=published_value,
    need=2,
    fixed=DATES_TODAY,
    relevant=dates_relevant,
    floor=True,
)


# ---------------------------------------------------------------------------- authors


class StoredAuthorSources(authors.AuthorSources):
    """:class:`~newscrawl.extract.generic.authors.AuthorSources` read back from the cache."""

    def __init__(self, facts: dict[str, Any]) -> None:  # noqa: D107 - no page to read
        self.structured = [[(n, bool(o)) for n, o in s] for s in facts["structured"]]  # type: ignore[misc]
        self.meta = facts["meta"]  # type: ignore[misc]
        self.byline = facts["byline"]  # type: ignore[misc]
        self.site = set(facts["site"])

    def is_site_name(self, name: str) -> bool:
        return name in self.site


def _keys(names: list[str]) -> frozenset[str]:
    return frozenset(key(n) for n in names if key(n))


def byline_referee(chosen: list[str], facts: dict[str, Any]) -> list[str]:
    """Where structured data and meta tags name different people, the one the visible
    byline agrees with."""
    declared = next((s for s in facts["structured"] if s), [])
    meta = [m for m in facts["meta"] if authors.is_name(m) and m not in facts["site"]][:1]
    if not declared or not meta or _keys([n for n, _ in declared]) == _keys(meta):
        return chosen
    byline = _keys(facts["byline"])
    if byline and byline == _keys(meta) and byline != _keys(chosen):
        return meta
    return chosen


def byline_over_organisations(chosen: list[str], facts: dict[str, Any]) -> list[str]:
    """A credit to organisations only gives way to people the visible byline names."""
    declared = next((s for s in facts["structured"] if s), [])
    if declared and all(org for _, org in declared) and facts["byline"]:
        return facts["byline"]
    return chosen


def authors_value(config: dict[str, Any], facts: dict[str, Any], *_: Any) -> list[str]:
    if "authors" not in facts:
        return []
    rules = authors.Rules(org_credit=config["org_credit"],
                          site_only_defers=config["site_only_defers"])  # fmt: skip
    chosen = authors.decide(StoredAuthorSources(facts["authors"]), rules)
    if config["byline_referee"]:
        chosen = byline_referee(chosen, facts["authors"])
    if config["byline_over_organisations"]:
        chosen = byline_over_organisations(chosen, facts["authors"])
    return chosen


AUTHORS_TODAY = {"org_credit": authors.RULES.org_credit,
                 "site_only_defers": authors.RULES.site_only_defers,
                 "byline_referee": False, "byline_over_organisations": False}  # fmt: skip
AUTHORS_RULES = Study(
    field="authors",
    title="today's author rules (off is neutral)",
    scored=[("fundus", "authors"), ("trafilatura", "authors")],
    components=[
        Component("org_credit", (False, True), AUTHORS_TODAY["org_credit"]),
        Component("site_only_defers", (False, True), AUTHORS_TODAY["site_only_defers"]),
    ],
    value=authors_value,
    need=2,
    fixed=AUTHORS_TODAY,
)
AUTHORS_CANDIDATES = Study(
    field="authors",
    title="author agreement candidates (today is neutral; no set may fall below today)",
    scored=[("fundus", "authors"), ("trafilatura", "authors")],
    components=[
        Component("byline_referee", (False, True), False),
        Component("byline_over_organisations", (False, True), False),
    ],
    value=authors_value,
    need=2,
    fixed=AUTHORS_TODAY,
    floor=True,
)

# (today's rules, candidates) per field; the candidates' figures are production's.
STUDIES = ((BODY, None), (HEADLINE_RULES, HEADLINE_CANDIDATES), (DATES_RULES, DATES_CANDIDATES),
           (AUTHORS_RULES, AUTHORS_CANDIDATES))  # fmt: skip


def normalise(field: str, raw: Any, facts: dict[str, Any]) -> Any:
    """A raw field as the record holds it: through the item loader, as ``newscrawl extract``
    writes it (a published date missing falls back to the printed dateline's)."""
    fields: dict[str, Any] = {field: raw}
    if field == "published":
        fields["dateline"] = facts.get("dateline")
    item = load_article(RawFields(**fields), "https://example.invalid/")  # type: ignore[typeddict-item]
    return item.get(field)
