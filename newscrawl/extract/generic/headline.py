"""The headline: the text most of the page's own title sources agree on.

Sources: JSON-LD ``headline``/``name``, microdata ``headline``, ``og:title``,
``twitter:title``, ``<title>`` and the main ``<h1>`` (whole, and without a leading kicker).
The title-like ones carry the site's
name ("Story | Site"), which is cut off first (:func:`strip_site_name`); then each source
votes (:func:`choose`). A fixed order of sources was measured against the vote and lost on
both developer sets, whose ground truths follow different sources (README, "Extraction
quality").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from lxml import etree

from newscrawl.extract.generic.compare import key
from newscrawl.extract.generic.evidence import DANGLING_SEPARATOR, TITLE_SEPARATOR, Evidence
from newscrawl.extract.markup import clean, first_text, visible_text

# A site name glued to the title by a bar without spaces ("Story-Section|Site"; "ㅣ" is
# the Hangul letter some sites use as a bar), and a one-word section glued before it.
_GLUED_SITE = re.compile(r"[|\u3163]([^|\u3163]{1,30})$")
_GLUED_SECTION = re.compile(r"-[^\s-]{1,12}$")
# Typographic quotes and dashes as their ASCII stand-ins, to tell a typeset spelling from
# a plain one of the same text.
_PLAIN_GLYPHS = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"',
     "\u00ab": '"', "\u00bb": '"', "\u2013": "-", "\u2014": "-", "\u2010": "-", "\u2011": "-"}
)  # fmt: skip
_WS = re.compile(r"\s+")
# Votes per source: twitter:title and <title> mostly repeat og:title, so they count half.
# "h1k" is the main heading without a leading kicker ("<span>Kicker</span> Headline"): a
# vote of its own, chosen out of fold (it helped on both developer sets with headlines).
WEIGHT = {"ld": 1.0, "md": 1.0, "og": 1.0, "h1": 1.0, "h1k": 1.0, "tw": 0.5, "title": 0.5}
_SEO_SOURCES = frozenset({"og", "tw", "title"})
_EDITORIAL_SOURCES = frozenset({"ld", "md", "h1"})
_TIE_ORDER = {"ld": 0, "md": 1, "h1": 2, "og": 3, "tw": 4, "title": 5, "h1k": 6}
_SPELLING_ORDER = {"ld": 0, "md": 1, "og": 2, "tw": 3, "title": 4, "h1": 5, "h1k": 6}


def strip_site_name(evidence: Evidence, title: str) -> str:
    """``"Story | Site"`` -> ``"Story"`` where the cut-off part names the site (or a date).

    Only parts that match the site's own names (og:site_name, publisher, host) are cut,
    from either end, so a headline that itself contains a dash or colon stays whole.
    A site name glued on by a bar without spaces ("Story-Politics|Site") goes too, with
    the one-word section glued before it, and so does a separator left dangling at the
    end (CMS templates that print "Story - " when the site-name field is empty).
    """
    parts = TITLE_SEPARATOR.split(title)
    separators = TITLE_SEPARATOR.findall(title)
    while len(parts) > 1 and evidence.is_site_name(parts[-1]):
        parts.pop()
        separators.pop()
    while len(parts) > 1 and evidence.is_site_name(parts[0]):
        parts.pop(0)
        separators.pop(0)
    rebuilt = parts[0]
    for separator, part in zip(separators, parts[1:], strict=True):
        rebuilt += separator + part
    glued = _GLUED_SITE.search(rebuilt)
    if glued and glued.start() > 0 and evidence.is_site_name(glued.group(1)):
        rebuilt = _GLUED_SECTION.sub("", rebuilt[: glued.start()])
    return DANGLING_SEPARATOR.sub("", rebuilt.strip()).strip()


def heading_texts(evidence: Evidence) -> list[tuple[str, str | None]]:
    """(whole text, text without a leading kicker) of the page's main headings.

    Headings inside navigation, footers and asides are skipped. A heading built as
    "<span>kicker</span><span>headline</span>" also yields its headline part alone, so
    that it can agree with a meta title that leaves the kicker out.
    """
    texts = []
    for h1 in evidence.main_headings[:3]:
        split = _split_kicker(h1)
        text = f"{split[0]} {split[1]}" if split else clean(visible_text(h1), entities=False)
        if text:
            texts.append((text, split[1] if split else None))
    return texts


def candidates(evidence: Evidence) -> list[tuple[str, str]]:
    """(source, text) pairs, site names removed from the title-like ones; a heading built
    as kicker + headline also states the headline alone ("h1k")."""
    ld = evidence.article_ld
    found = [("ld", first_text(ld.get("headline")) or first_text(ld.get("name")))]
    found += [("md", text) for text in evidence.microdata_values("headline")[:1]]
    for source, value in (
        ("og", evidence.meta.get("og:title")),
        ("tw", evidence.meta.get("twitter:title")),
        ("title", evidence.root.findtext(".//title")),
    ):
        found.append((source, strip_site_name(evidence, clean(value))))
    for whole, kickerless in heading_texts(evidence):
        if not evidence.is_site_name(whole):
            found.append(("h1", whole))
        found.append(("h1k", kickerless or ""))
    return [(source, text) for source, text in found if text]


@dataclass(frozen=True)
class Rules:
    """The headline vote's weights and rules, named so that each can be measured.

    ``bench/extraction_quality.py --cv K`` chooses each one on K-1 publisher folds of the
    developer sets and scores it on the fold left out; what is here is what stayed (README,
    "Extraction quality").
    """

    #: Votes per source (see :data:`WEIGHT`).
    weights: Mapping[str, float] = field(default_factory=lambda: dict(WEIGHT))
    #: A title made of parts lends half its vote to each part another source states alone.
    title_parts: bool = True
    #: An SEO title that is an editorial headline plus trailing words votes for the headline.
    #: Off: out of fold it helped the trafilatura set and cost the fundus set (the sets
    #: disagree on which spelling is the headline), so it fails "helps on two sets".
    seo_suffix: bool = False
    #: The printed ``<h1>`` spelling wins when it differs only by typographic glyphs.
    #: Off for the same reason as ``seo_suffix``.
    printed_glyphs: bool = False


RULES = Rules()


def choose(evidence: Evidence, rules: Rules = RULES) -> str | None:
    """The headline most of the page's sources agree on (see :func:`decide`)."""
    return decide(candidates(evidence), rules)


def decide(stated: list[tuple[str, str]], rules: Rules = RULES) -> str | None:
    """The headline most sources agree on, from (source, text) pairs.

    Each source (JSON-LD, microdata, og:title, twitter:title, <title>, <h1>, and the <h1>
    without its kicker) votes for its text, compared case- and punctuation-blind, with the
    weights of :data:`WEIGHT`. A
    title made of parts ("<headline> | <section>", "<kicker>: <headline>") lends half its
    vote to each part that another source states on its own. The text with the most votes
    wins; ties go to the editorial sources first (JSON-LD, microdata, <h1>), then the
    social ones. An <h1> that is the site's name (blogs print it on every page) does not
    vote.

    A source counts once per text (a heading repeated on the page, e.g. a menu label
    printed for desktop and mobile, is one vote). With ``rules.seo_suffix`` (off by
    default, see :class:`Rules`), a title-like source (og:title,
    twitter:title, <title>) that is an editorial headline (JSON-LD, microdata, <h1>)
    plus trailing words ("... Rezept", "... von <user>", "... in <place>") lends its
    vote to that headline: the longer text is the search-engine version (unless the
    shorter one was cut off, see :func:`_looks_truncated`). Equal votes
    and equal sources go to the text with more words (a section name or site name
    printed as a second <h1> is shorter than the headline).

    The spelling returned is the one in structured data or meta tags when they agree
    with the heading: the heading's text is reassembled from markup and may carry
    stray spaces around inline elements. With ``rules.printed_glyphs`` (off by default)
    typography is an exception: when the
    heading differs from that spelling only by typographic quotes and dashes (meta
    tags are often written with plain ASCII ones), the printed heading is returned.
    """
    found: list[tuple[str, str, str]] = []
    for source, text in stated:
        text_key = key(text)
        if text_key and (source, text_key) not in {(s, k) for s, _, k in found}:
            found.append((source, text, text_key))
    if not found:
        return None
    weight = rules.weights
    votes: dict[str, float] = {}
    for source, _, text_key in found:
        votes[text_key] = votes.get(text_key, 0.0) + weight.get(source, 0.0)
    if rules.title_parts:
        for source, text, _ in found:
            parts = {key(part) for part in TITLE_SEPARATOR.split(text) + text.split(": ")}
            for part_key in parts - {key(text)}:
                if part_key in votes:
                    votes[part_key] += weight.get(source, 0.0) / 2
    for source, _, text_key in found if rules.seo_suffix else ():
        if source not in _SEO_SOURCES:
            continue
        for other, other_text, other_key in found:
            if (other in _EDITORIAL_SOURCES and other_key != text_key
                    and text_key.startswith(other_key + " ") and " " in other_key
                    and not _looks_truncated(other, other_text)):  # fmt: skip
                votes[other_key] += weight.get(source, 0.0)
                break
    tie_order = {k: min(_TIE_ORDER.get(s, 9) for s, _, kk in found if kk == k) for k in votes}
    best = max(votes, key=lambda k: (votes[k], -tie_order[k], len(k.split())))
    spellings = [(_SPELLING_ORDER.get(s, 9), text) for s, text, k in found if k == best]
    chosen = min(spellings)[1]
    plain = _WS.sub(" ", chosen.translate(_PLAIN_GLYPHS))
    for source, text, text_key in found if rules.printed_glyphs else ():
        if (
            source == "h1"
            and text_key == best
            and _WS.sub(" ", text.translate(_PLAIN_GLYPHS)) == plain
        ):
            return text  # the same words, typeset as printed
    return chosen


def _split_kicker(heading: etree._Element) -> tuple[str, str] | None:
    """(kicker, headline) of a heading built as "<span>kicker</span><span>headline</span>"."""
    node = heading
    while True:
        parts = [c for c in node if isinstance(c.tag, str) and c.tag not in ("br", "script",
                 "style") and clean(visible_text(c))]  # fmt: skip
        if (node.text or "").strip() or not parts:
            return None
        if len(parts) == 1 and not (parts[0].tail or "").strip():
            node = parts[0]
            continue
        break
    kicker = clean(visible_text(parts[0]))
    rest = clean((parts[0].tail or "") + " " + " ".join(
        visible_text(p) + " " + (p.tail or "") for p in parts[1:]))  # fmt: skip
    if rest and len(kicker) < len(rest) and len(rest.split()) >= 3:
        return kicker, rest.lstrip(":-–— ").strip()
    return None


def _looks_truncated(source: str, text: str) -> bool:
    """Whether a headline reads as cut short: an ellipsis at the end, or a JSON-LD headline
    at the length where CMSs cut it (search engines take at most 110 characters)."""
    return text.endswith(("...", "\u2026")) or (source == "ld" and 100 <= len(text) <= 112)
