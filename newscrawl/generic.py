"""Generic extraction for pages no site profile claims.

Every field is chosen from layered evidence, strongest first:

1. structured data: JSON-LD (``NewsArticle``/``Article``/... anywhere in ``@graph``, lists or
   nested under ``mainEntity``; ``@id`` references resolved) and schema.org microdata;
2. meta tags: OpenGraph, ``article:*``, Twitter cards and the usual ``name=`` tags;
3. the page itself: ``<h1>``, ``<title>``, bylines, ``<time>``;
4. libraries for what markup does not state: trafilatura for the body (run once per page on
   the tree already parsed here) and htmldate for a date no markup declares.

Where sources disagree the choice is made by agreement between independent sources rather
than by a fixed order (see :meth:`GenericArticlePage.headline` and
:meth:`GenericArticlePage.body`). No rule here names a site, a domain or a publisher's
template: every rule is about news pages in general.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import html as html_lib
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import cached_property
from typing import Any, NamedTuple

import trafilatura
from htmldate import find_date
from lxml import etree
from parsel import Selector
from trafilatura.metadata import extract_author
from trafilatura.utils import load_html

from newscrawl.datelines import Dateline, parse_dateline, split_lead
from newscrawl.items import Image, RelatedLink
from newscrawl.profiles.base import ArticlePage, field, schema_types, walk_json_ld

# schema.org types whose instances are the article a page is about.
_ARTICLE_TYPES = frozenset(
    {"article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle",
     "opinionnewsarticle", "backgroundnewsarticle", "reviewnewsarticle", "blogposting",
     "liveblogposting", "socialmediaposting", "report", "techarticle", "scholarlyarticle",
     "webpage"}
)  # fmt: skip
# How strongly a type says "this is the page's article" (a WebPage is a last resort).
_TYPE_RANK = {"webpage": 0, "article": 2, "blogposting": 2, "report": 1, "techarticle": 1}
_PERSON_TYPES = frozenset({"person"})
_ORGANIZATION_TYPES = frozenset(
    {"organization", "newsmediaorganization", "corporation", "ngo", "governmentorganization",
     "educationalorganization", "localbusiness"}
)  # fmt: skip

_WS = re.compile(r"\s+")
_UNSPELLED = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_NON_WORD = re.compile(r"[\W_]+")
# Separators between a title and the site name in <title> and og:title.
_SEPARATOR = r"(?:[|\u2013\u2014\u2012\u2015•·»«›‹~/\\\u22c6\u01c0]|-{1,2}|::?)"
_TITLE_SEPARATOR = re.compile(rf"\s+{_SEPARATOR}\s+")
# A separator left dangling at the end of a title ("Story -" once the site name is gone).
_DANGLING_SEPARATOR = re.compile(rf"\s+{_SEPARATOR}$")
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
# A trailing title part that is a date ("... – DW – 13.06.2023").
_DATE_PART = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")


def _clean(text: Any, *, entities: bool = True) -> str:
    """NFC, whitespace-collapsed text ("" for anything that is not a str).

    ``entities``: decode HTML entities, for values that arrive still escaped (JSON-LD,
    meta content that sites escape twice). Text read from the document tree or from
    trafilatura is already decoded: decoding it again would turn a page that reads
    "&amp;" into "&".
    """
    if not isinstance(text, str):
        return ""
    if entities and "&" in text:
        text = html_lib.unescape(text)
    return _WS.sub(" ", unicodedata.normalize("NFC", text)).strip()


def _key(text: str) -> str:
    """A spelling-blind comparison key: case-folded words only (soft hyphens and joiners,
    which never change a word, dropped first)."""
    return _NON_WORD.sub(" ", text.translate(_UNSPELLED).casefold()).strip()


# JSON-LD as found in the wild: HTML comments or CDATA around it, trailing commas, raw
# newlines inside strings. Each repair is tried only when strict parsing failed.
_LD_WRAPPERS = re.compile(r"^\s*(?:<!--|//\s*<!\[CDATA\[|/\*\s*<!\[CDATA\[\s*\*/)|"
                          r"(?:-->|//\s*\]\]>|/\*\s*\]\]>\s*\*/)\s*$")  # fmt: skip
_TRAILING_COMMA = re.compile(r",\s*([}\]])")


def _parse_ld(script: str) -> Any:
    # RecursionError: JSON nested deeper than the interpreter's stack (found by fuzzing).
    try:
        return json.loads(script, strict=False)
    except (ValueError, RecursionError):
        pass
    repaired = _TRAILING_COMMA.sub(r"\1", _LD_WRAPPERS.sub("", script.strip()))
    try:
        return json.loads(repaired, strict=False)
    except (ValueError, RecursionError):
        return None


def _first_text(value: Any) -> str:
    """A JSON-LD value as one string: the first of a list, the ``@value`` or ``name`` of a dict."""
    if isinstance(value, list):
        for entry in value:
            text = _first_text(entry)
            if text:
                return text
        return ""
    if isinstance(value, dict):
        return _first_text(value.get("@value") or value.get("name"))
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return _clean(value)


class GenericArticlePage(ArticlePage):
    """Layered, per-field extraction for any news page."""

    layout = "generic"

    # ------------------------------------------------------------------ shared parsing

    @cached_property
    def tree(self) -> etree._Element | None:
        """The page parsed once, the way trafilatura parses it (comments dropped).

        trafilatura's extraction depends on its own parser settings (a comment between two
        text nodes otherwise cuts a paragraph short), so the page is parsed with them and
        that one tree serves every field, the selector, trafilatura and htmldate.
        """
        try:
            return load_html(_repair_mojibake(self.html))
        except (TypeError, ValueError):
            return None

    @cached_property
    def selector(self) -> Selector:
        if self.tree is not None:
            return Selector(root=self.tree, type="html", base_url=self.url)
        return Selector(text=self.html, base_url=self.url)

    @cached_property
    def root(self) -> etree._Element:
        """The document tree every field reads."""
        return self.tree if self.tree is not None else self.selector.root

    @cached_property
    def meta(self) -> dict[str, str]:
        """``<meta>`` tags by lower-cased name/property/itemprop; the first one wins."""
        found: dict[str, str] = {}
        for tag in _META(self.root):
            key = tag.get("property") or tag.get("name") or tag.get("itemprop")
            if key:
                found.setdefault(key.strip().lower(), tag.get("content"))
        return found

    @cached_property
    def ld_objects(self) -> list[dict[str, Any]]:
        """Every JSON-LD object on the page, nested ones included, in document order."""
        objects: list[dict[str, Any]] = []
        for script in self.root.xpath(
            '//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]'
        ):
            data = _parse_ld(script.text or "")
            if data is not None:
                objects.extend(walk_json_ld(data, keys=None, max_depth=6))
        return objects

    @cached_property
    def ld_by_id(self) -> dict[str, dict[str, Any]]:
        """JSON-LD nodes by ``@id``, for resolving references such as ``"author": {"@id": …}``."""
        found: dict[str, dict[str, Any]] = {}
        for obj in self.ld_objects:
            node_id = obj.get("@id")
            if isinstance(node_id, str) and len(obj) > 1:
                found.setdefault(node_id, obj)
        return found

    def resolve(self, value: Any) -> Any:
        """Follow a bare ``{"@id": …}`` reference to the node it names."""
        if isinstance(value, dict) and set(value) <= {"@id", "@type"} and "@id" in value:
            return self.ld_by_id.get(value["@id"], value)
        return value

    @cached_property
    def article_ld(self) -> dict[str, Any]:
        """The JSON-LD node of the page's article: the best-ranked article-typed node.

        Rank: a news/article type over a bare ``WebPage``, a node with a headline and a body
        over one without, a node whose ``url`` is this page over one about another page.
        """
        best: tuple[tuple[int, ...], dict[str, Any]] | None = None
        for position, obj in enumerate(self.ld_objects):
            kinds = schema_types(obj.get("@type")) & _ARTICLE_TYPES
            if not kinds:
                continue
            type_rank = max(_TYPE_RANK.get(k, 3) for k in kinds)
            if type_rank == 0 and not obj.get("headline"):
                continue
            rank = (
                int(bool(obj.get("headline"))),
                type_rank,
                int(self._is_this_page(obj.get("url") or obj.get("mainEntityOfPage"))),
                int(bool(obj.get("articleBody"))),
                -position,
            )
            if best is None or rank > best[0]:
                best = (rank, obj)
        return best[1] if best else {}

    def _is_this_page(self, value: Any) -> bool:
        if isinstance(value, dict):
            value = value.get("@id") or value.get("url")
        if not isinstance(value, str) or not value:
            return False
        return _key(value.split("?")[0]) == _key(self.url.split("?")[0])

    @cached_property
    def microdata(self) -> dict[str, list[etree._Element]]:
        """``itemprop`` elements inside the page's schema.org Article item, by property."""
        scopes = self.root.xpath(
            '//*[@itemscope][contains(@itemtype, "Article") or contains(@itemtype, "BlogPosting")]'
        )
        found: dict[str, list[etree._Element]] = {}
        if scopes:
            for element in scopes[0].iter():
                name = element.get("itemprop") if isinstance(element.tag, str) else None
                for prop in (name or "").split():
                    found.setdefault(prop, []).append(element)
        return found

    def microdata_values(self, prop: str) -> list[str]:
        values = []
        for element in self.microdata.get(prop, []):
            value = element.get("content") or element.get("datetime")
            values.append(_clean(value if value is not None else _text(element)))
        return [v for v in values if v]

    @cached_property
    def extraction(self) -> Any:
        """trafilatura's main-text extraction, run once on this page's parsed tree."""
        try:
            return trafilatura.bare_extraction(
                self.tree if self.tree is not None else self.html,
                url=self.url if self.url.startswith("http") else None,
                include_comments=False,
                include_tables=True,
                with_metadata=False,
            )
        except Exception:  # noqa: BLE001 - a library failure costs the body, not the page
            return None

    @cached_property
    def site_names(self) -> list[str]:
        """What the page calls its site: og:site_name, publisher, app name, host labels."""
        names = [
            self.meta.get("og:site_name"),
            self.meta.get("application-name"),
            self.meta.get("apple-mobile-web-app-title"),
            self.meta.get("twitter:site", "").lstrip("@"),
            _first_text(self.resolve(self.article_ld.get("publisher"))),
        ]
        for obj in self.ld_objects:
            if schema_types(obj.get("@type")) & ({"website"} | _ORGANIZATION_TYPES):
                names.append(_first_text(obj.get("name")))
        names.append(self._title_suffix())
        host = re.sub(r"^www\d?\.", "", self.url.split("/")[2] if "//" in self.url else "")
        names.append(host)
        names += [label for label in host.split(".")[:-1] if len(label) > 3]
        return [n for n in (_clean(name) for name in names) if n]

    def _title_suffix(self) -> str | None:
        """The site name as the <title> pattern shows it: "<headline> | <site>".

        The last part of the <title> counts as the site's name when the part before it is
        the headline other sources state (og:title, JSON-LD), whatever the site calls itself.
        """
        title = _clean(self.root.findtext(".//title"))
        separators = list(_TITLE_SEPARATOR.finditer(title))
        if not separators:
            return None
        stated = {
            _key(_clean(self.meta.get("og:title"))),
            _key(_clean(self.meta.get("twitter:title"))),
            _key(_first_text(self.article_ld.get("headline"))),
        } - {""}
        head, site = title[: separators[-1].start()], title[separators[-1].end() :]
        return site if _key(head) in stated else None

    # ------------------------------------------------------------------ headline

    def _is_site_name(self, part: str) -> bool:
        key = _key(part).replace(" ", "")
        if not key:
            return True
        if _DATE_PART.match(part.strip()):
            return True
        for name in self.site_names:
            name_key = _key(name).replace(" ", "")
            if not name_key:
                continue
            if key == name_key or (len(key) > 3 and (key in name_key or name_key in key)):
                return True
        return False

    def strip_site_name(self, title: str) -> str:
        """``"Story | Site"`` -> ``"Story"`` where the cut-off part names the site (or a date).

        Only parts that match the site's own names (og:site_name, publisher, host) are cut,
        from either end, so a headline that itself contains a dash or colon stays whole.
        A site name glued on by a bar without spaces ("Story-Politics|Site") goes too, with
        the one-word section glued before it, and so does a separator left dangling at the
        end (CMS templates that print "Story - " when the site-name field is empty).
        """
        parts = _TITLE_SEPARATOR.split(title)
        separators = _TITLE_SEPARATOR.findall(title)
        while len(parts) > 1 and self._is_site_name(parts[-1]):
            parts.pop()
            separators.pop()
        while len(parts) > 1 and self._is_site_name(parts[0]):
            parts.pop(0)
            separators.pop(0)
        rebuilt = parts[0]
        for separator, part in zip(separators, parts[1:], strict=True):
            rebuilt += separator + part
        glued = _GLUED_SITE.search(rebuilt)
        if glued and glued.start() > 0 and self._is_site_name(glued.group(1)):
            rebuilt = _GLUED_SECTION.sub("", rebuilt[: glued.start()])
        return _DANGLING_SEPARATOR.sub("", rebuilt.strip()).strip()

    @cached_property
    def h1_texts(self) -> list[tuple[str, str | None]]:
        """(whole text, text without a leading kicker) of the page's main headings.

        Headings inside navigation, footers and asides are skipped. A heading built as
        "<span>kicker</span><span>headline</span>" also yields its headline part alone, so
        that it can agree with a meta title that leaves the kicker out.
        """
        texts = []
        for h1 in _MAIN_H1(self.root)[:3]:
            split = _split_kicker(h1)
            text = f"{split[0]} {split[1]}" if split else _clean(_text(h1), entities=False)
            if text:
                texts.append((text, split[1] if split else None))
        return texts

    def headline_candidates(self) -> list[tuple[str, str]]:
        """(source, text) pairs, site names removed from the title-like ones."""
        found = [("ld", _first_text(self.article_ld.get("headline"))
                  or _first_text(self.article_ld.get("name")))]  # fmt: skip
        found += [("md", text) for text in self.microdata_values("headline")[:1]]
        for source, value in (
            ("og", self.meta.get("og:title")),
            ("tw", self.meta.get("twitter:title")),
            ("title", self.root.findtext(".//title")),
        ):
            found.append((source, self.strip_site_name(_clean(value))))
        for whole, _ in self.h1_texts:
            if not self._is_site_name(whole):
                found.append(("h1", whole))
        return [(source, text) for source, text in found if text]

    @field("headline")
    def headline(self) -> str | None:
        return self.chosen_headline

    @cached_property
    def chosen_headline(self) -> str | None:
        """The headline most sources agree on.

        Each source (JSON-LD, microdata, og:title, twitter:title, <title>, <h1>) votes for its
        text, compared case- and punctuation-blind; twitter:title and <title> count half, as
        they mostly repeat og:title. A title made of parts ("<headline> | <section>",
        "<kicker>: <headline>") lends half its vote to each part that another source states
        on its own. The text with the most votes wins; ties go to the editorial sources
        first (JSON-LD, microdata, <h1>), then the social ones. An <h1> that is the site's
        name (blogs print it on every page) does not vote.

        A source counts once per text (a heading repeated on the page, e.g. a menu label
        printed for desktop and mobile, is one vote). A title-like source (og:title,
        twitter:title, <title>) that is an editorial headline (JSON-LD, microdata, <h1>)
        plus trailing words ("... Rezept", "... von <user>", "... in <place>") lends its
        vote to that headline: the longer text is the search-engine version (unless the
        shorter one was cut off, see :func:`_looks_truncated`). Equal votes
        and equal sources go to the text with more words (a section name or site name
        printed as a second <h1> is shorter than the headline).

        The spelling returned is the one in structured data or meta tags when they agree
        with the heading: the heading's text is reassembled from markup and may carry
        stray spaces around inline elements. The exception is typography: when the
        heading differs from that spelling only by typographic quotes and dashes (meta
        tags are often written with plain ASCII ones), the printed heading is returned.
        """
        candidates = []
        for source, text in self.headline_candidates():
            key = _key(text)
            if key and (source, key) not in {(s, k) for s, _, k in candidates}:
                candidates.append((source, text, key))
        if not candidates:
            return None
        votes: dict[str, float] = {}
        for source, _, key in candidates:
            votes[key] = votes.get(key, 0.0) + _HEADLINE_WEIGHT[source]
        for source, text, _ in candidates:
            parts = {_key(part) for part in _TITLE_SEPARATOR.split(text) + text.split(": ")}
            for part_key in parts - {_key(text)}:
                if part_key in votes:
                    votes[part_key] += _HEADLINE_WEIGHT[source] / 2
        for source, _, key in candidates:
            if source not in _SEO_SOURCES:
                continue
            for other, other_text, other_key in candidates:
                if (other in _EDITORIAL_SOURCES and other_key != key
                        and key.startswith(other_key + " ") and " " in other_key
                        and not _looks_truncated(other, other_text)):  # fmt: skip
                    votes[other_key] += _HEADLINE_WEIGHT[source]
                    break
        tie_order = {key: min(_TIE_ORDER[s] for s, _, k in candidates if k == key) for key in votes}
        best = max(votes, key=lambda k: (votes[k], -tie_order[k], len(k.split())))
        spellings = [(_SPELLING_ORDER[s], text) for s, text, key in candidates if key == best]
        chosen = min(spellings)[1]
        plain = _WS.sub(" ", chosen.translate(_PLAIN_GLYPHS))
        for source, text, key in candidates:
            if (
                source == "h1"
                and key == best
                and _WS.sub(" ", text.translate(_PLAIN_GLYPHS)) == plain
            ):
                return text  # the same words, typeset as printed
        return chosen

    # ------------------------------------------------------------------ date

    @cached_property
    def published_date(self) -> str | None:
        """The publication date the markup declares, else htmldate's finding.

        A declared time in UTC is the machine's spelling of the moment; when the page also
        declares the same moment in local time (same minutes and seconds, a whole number of
        hours away), the local one is used, since the date a reader sees is the local one.
        For the same reason a date in the URL ("/2024/05/03/") wins over a declared time one
        day off: the difference is the time zone, and a UTC stamp at 22:00 or 23:00 sharp is
        a bare date stored as the local midnight of a newsroom one or two hours east of UTC.

        Only a generic ``date`` / ``dc.date`` / ``dcterms.date`` tag (no article-specific
        declaration) often stamps the page's last build rather than the article; then a
        ``<time datetime>`` printed with the article, when there is one, is what readers see.

        Where nothing is declared, a printed dateline that carries a year ("Kourou (AFP)
        Dec 28, 2017", see :attr:`printed_dateline`) is the page's own statement of the
        day, so it is the date and htmldate (the costliest field on such pages) is not run.
        A dateline without a year ("LONDON, Aug 22 (Reuters) -") leaves the year to
        htmldate, but a guess more than a day from the month and day it prints is dropped:
        htmldate then read some other date (a copyright year as 1 January, a link's date).
        """
        stamps = [iso for iso in map(_iso_date, self._declared_dates()) if iso]
        if stamps and not any(map(_iso_date, self._specific_dates())):
            shown = self.shown_time
            if shown and shown[:10] != stamps[0][:10]:
                stamps = [shown]
        if stamps:
            chosen = _prefer_local_time(stamps)
            chosen = _local_midnight(chosen) or chosen
            in_url = _url_date(self.url)
            zoned = "T" in chosen  # a bare date has no time zone to disagree about
            if zoned and in_url and in_url != chosen[:10] and _days_apart(in_url, chosen) <= 1:
                return in_url  # the CMS dated the URL in the newsroom's time zone
            return chosen
        printed = self.printed_dateline
        if printed and printed.date:
            return printed.date  # a wire dateline with its year: the page's own statement
        try:
            found = find_date(
                self.root,
                url=self.url if self.url.startswith("http") else None,
                original_date=True,
                extensive_search=True,
                max_date=dt.date.today().isoformat(),
            )
        except Exception:  # noqa: BLE001 - htmldate failing leaves the date unknown
            return None
        if found and printed:
            dated = parse_dateline(printed.raw, context=found)
            if dated and dated.date and _days_apart(dated.date, found) > 1:
                return None  # the guess contradicts the day the dateline prints
        return found

    def _declared_dates(self) -> Iterator[Any]:
        yield self.article_ld.get("datePublished")
        yield from self.microdata_values("datePublished")[:1]
        for name in _PUBLISHED_META + _GENERIC_DATE_META + _PUBLISHED_META_LATE:
            yield self.meta.get(name)
        yield self.article_ld.get("dateCreated")

    def _specific_dates(self) -> Iterator[Any]:
        """The declared dates other than the generic ``date``/``dc.date``/``dcterms.date``."""
        yield self.article_ld.get("datePublished")
        yield self.article_ld.get("dateCreated")
        yield from self.microdata_values("datePublished")[:1]
        for name in _PUBLISHED_META + _PUBLISHED_META_LATE:
            yield self.meta.get(name)

    @cached_property
    def shown_time(self) -> str | None:
        """The first ``<time datetime>`` of the page outside comments, lists and teasers."""
        for element in _DATED_TIMES(self.root):
            if any(_NOT_THE_ARTICLE.search(f"{a.get('class') or ''} {a.get('id') or ''}")
                   for a in (element, *element.iterancestors("*"))[:4]):  # fmt: skip
                continue
            stamp = _iso_date(element.get("datetime"))
            if stamp:
                return stamp
        return None

    @field("published")
    def published(self) -> str | None:
        return self.published_date

    # ------------------------------------------------------------------ authors

    def _ld_people(self, value: Any) -> Iterator[tuple[str, bool]]:
        """(name, is_organisation) for each author entry of a JSON-LD ``author`` value."""
        value = self.resolve(value)
        if isinstance(value, list):
            for entry in value:
                yield from self._ld_people(entry)
        elif isinstance(value, dict):
            name = _first_text(value.get("name"))
            if not name and (value.get("givenName") or value.get("familyName")):
                name = _clean(f"{value.get('givenName') or ''} {value.get('familyName') or ''}")
            is_org = bool(schema_types(value.get("@type")) & _ORGANIZATION_TYPES)
            if name and not is_org and "," in name:
                name = self._person_name(name)
            if name:
                yield name, is_org
        elif isinstance(value, str) and value.strip():
            yield _clean(value), False

    def _person_name(self, name: str) -> str:
        """A Person's name without the role or affiliation appended after commas.

        CMSs fill one person's ``name`` with "Ann Lee, professor of history at X, Site".
        A comma part longer than a name (over five words) or naming the site itself is such
        an addition; other parts stay, as sloppy markup also lists two people in one node.
        """
        parts = [part.strip() for part in name.split(",")]
        kept = [p for p in parts if p and len(p.split()) <= 5 and not self._is_site_name(p)]
        return ", ".join(kept) if kept and len(kept) < len(parts) else name

    @field("authors")
    def authors(self) -> list[str]:
        """Authors from structured data first, then meta tags, then the visible byline.

        Organisations named as author (``"@type": "Organization"``) next to named people
        are kept: the page credits them together ("Ann Lee / dpa", a reporter and the
        wire service whose copy she used), and the credit is the page's to state. An
        author list that
        names only the site itself (the publisher filled in as a default) says little about
        who wrote the piece, so the meta tags are asked first; the site's name is kept when
        they have nothing, since a byline found by page layout is weaker evidence than the
        page's own statement. That byline (trafilatura's byline rules) is used only when
        the page declares no author at all. Desk placeholders ("Staff") and byline
        separators are the loader's business (:func:`newscrawl.loaders.split_byline`).
        """
        fallback: list[str] = []
        for source in (
            [(n, org) for n, org in self._ld_people(self.article_ld.get("author")) if _is_name(n)],
            [(n, False) for n in self._microdata_authors() if _is_name(n)],
        ):
            people = [name for name, is_org in source if not is_org]
            if people and not all(self._is_site_name(name) for name in people):
                return _unique_names(name for name, _ in source)
            if source and not all(self._is_site_name(name) for name, _ in source):
                return _unique_names(name for name, _ in source)
            fallback = fallback or [name for name, _ in source]
        for name in ("author", "article:author", "dc.creator", "parsely-author", "byl",
                     "sailthru.author"):  # fmt: skip
            value = _clean(self.meta.get(name))
            if _is_name(value) and not self._is_site_name(value):
                return [value]
        if fallback:  # the site named itself; a byline found by layout is no better evidence
            return fallback
        return self._byline()

    def _microdata_authors(self) -> list[str]:
        names = []
        for element in self.microdata.get("author", []):
            inner = element.xpath('.//*[@itemprop="name"]')
            text = inner[0].get("content") or _text(inner[0]) if inner else None
            names.append(_clean(text or element.get("content") or _text(element)))
        return [n for n in names if n]

    def _byline(self) -> list[str]:
        """The visible byline, found by trafilatura's byline rules (one author per entry)."""
        layout = self.layout_text
        if layout and layout.byline:
            return [layout.byline]  # printed on its own line above a layout table's text
        if self.tree is None or not _AUTHOR_HINT(self.tree):
            return []  # no element trafilatura's byline rules could match: it would say None
        try:
            found = extract_author(self.tree) or ""
        except Exception:  # noqa: BLE001 - a library failure costs the byline only
            return []
        names = [_clean(name) for name in found.split(";")]
        return [n for n in names if _is_name(n) and not self._is_site_name(n)]

    # ------------------------------------------------------------------ body

    @cached_property
    def trafilatura_paragraphs(self) -> list[str]:
        if self.extraction is None or not self.extraction.text:
            return []
        lines = self.extraction.text.split("\n")
        return [p for p in (_clean(line, entities=False) for line in lines) if p]

    @cached_property
    def layout_text(self) -> _LayoutText | None:
        """The article read from the page's own block markup, when the extractor's text is
        a whole layout table.

        Table-layout pages (navigation in one cell, the story in another, no ``<article>``
        or ``<main>``) leave a text extractor without a main node; it then returns the
        layout: the cells joined into one giant paragraph, navigation bars first, headline,
        dateline, ads and the related box inside. That is recognised by its shape (see
        :func:`_is_layout_dump`): a paragraph of the extractor's text rendered as a table
        row ("| ... |") that swallows the headline.

        Then the text is read again from the densest text block (the element whose child
        ``<p>`` blocks hold the most words), split where its markup breaks paragraphs:
        block elements and ``<br><br>``. Lines between the headline and the first
        paragraph are the dateline and the byline when they read as such; the text ends
        at a related-stories heading; ad labels, copyright lines, link-only lines and
        picture captions are dropped (see :func:`_layout_text`). The result replaces the
        extractor's only when nearly all its words are among the extractor's, so the rule
        can only remove text the extractor let through, never invent any.
        """
        paragraphs = self.trafilatura_paragraphs
        headline = _key(self.chosen_headline or "")
        if not _is_layout_dump(paragraphs, headline):
            return None
        container = _densest_block(self.root)
        if container is None:
            return None
        found = _layout_text(container, headline)
        if len(found.paragraphs) < 2 or not _words_within(found.paragraphs, paragraphs):
            return None
        return found

    @cached_property
    def text_paragraphs(self) -> list[str]:
        """The extractor's paragraphs, or the block markup's where it returned the layout."""
        layout = self.layout_text
        return list(layout.paragraphs) if layout else self.trafilatura_paragraphs

    @cached_property
    def body_paragraphs(self) -> list[str]:
        """The article text: trafilatura's or JSON-LD ``articleBody``, plus a visible lead.

        ``articleBody`` is the publisher's statement of the text but often a teaser, a
        truncation, or the text plus captions and boxes. It replaces trafilatura's output
        only when it is a slightly shorter version of the same text (75-100% of the length,
        nearly all of its words in trafilatura's): then it is that text without the page's
        furniture that trafilatura let through. It also replaces it when it is the whole of
        which trafilatura found a part (see ``_is_fuller_version``): a long article whose
        later sections sit in blocks trafilatura did not recognise as text.

        The headline is not part of the body: a first paragraph repeating it is dropped.
        The standfirst (the summary printed under the headline, declared as the page's
        description) opens the body when it is visible on the page and not already there.
        """
        paragraphs = self.text_paragraphs
        article_body = _first_text(self.article_ld.get("articleBody")) and self.article_ld.get(
            "articleBody"
        )
        if isinstance(article_body, str) and article_body.strip():
            if "<" in article_body and ">" in article_body:
                article_body = _TAG.sub("\n", article_body)
            ld_paragraphs = [
                p for p in (_clean(part) for part in _LINE_BREAKS.split(article_body)) if p
            ]
            if _is_clean_version(ld_paragraphs, paragraphs) or _is_fuller_version(
                ld_paragraphs, paragraphs
            ):
                paragraphs = ld_paragraphs
        headline = self.chosen_headline
        if paragraphs and headline and _key(paragraphs[0]) == _key(headline):
            paragraphs = paragraphs[1:]
        paragraphs = self.without_furniture(paragraphs)
        lead = self.visible_lead(paragraphs)
        return [lead, *paragraphs] if lead else paragraphs

    def without_furniture(self, paragraphs: list[str]) -> list[str]:
        """The paragraphs less the page furniture a text extractor lets through.

        Two kinds, both recognised by how the page marks them rather than by wording:

        * template blocks repeated through the text: two paragraphs printed together three
          times or more (an "External content not available" notice with its
          explanation, under every embed) are the template's, not the author's. One of
          the two must be a sentence (a notice explains itself): lines of code or table
          rows repeat in pairs in real text;
        * picture captions and credits: a paragraph that is the whole text of a
          ``<figcaption>`` or of a caption/credit element inside a ``<figure>`` describes
          a picture, it is not part of the story;
        * the next stories of an endless-scroll page: when the page holds several
          ``<article>`` elements, each with its own ``<h1>``, a paragraph found only in an
          article other than the one under the page's headline belongs to another story;
        * links to other pages: a paragraph that is the whole text of a link leaving the
          page (three words or more), alone or after a short label ("Read more:"), is a
          teaser for another story, not a sentence of this one. Links within the page
          (``href="#..."``, a table of contents) name the page's own subheadings and stay.
        """
        keys = [_key(p) for p in paragraphs]
        pairs: dict[tuple[str, str], int] = {}
        for index, (first, second) in enumerate(zip(paragraphs, paragraphs[1:], strict=False)):
            if _SENTENCE_END.search(first) or _SENTENCE_END.search(second):
                pair = (keys[index], keys[index + 1])
                pairs[pair] = pairs.get(pair, 0) + 1
        template = {key for pair, count in pairs.items() if count >= 3 for key in pair}
        captions, links = self.caption_keys, self.link_keys
        kept = [p for p, key in zip(paragraphs, keys, strict=True)
                if key not in template and key not in captions and key not in links
                and _key(_LINK_LABEL.sub("", p, count=1)) not in links]  # fmt: skip
        stories = self.story_texts
        if stories is not None:
            main, others = stories
            kept = [p for p in kept if (key := _key(p)) in main or key not in others]
        return kept if kept else paragraphs

    @cached_property
    def link_keys(self) -> set[str]:
        """Comparison keys of the texts (three words or more) of links leaving the page."""
        keys = set()
        for element in _OUTWARD_LINKS(self.root):
            key = _key(_text(element))
            if key.count(" ") >= 2:
                keys.add(key)
        return keys

    @cached_property
    def story_texts(self) -> tuple[str, str] | None:
        """(the headline's story, the other stories) as comparison keys, on a page of several.

        None unless the page holds two or more outermost ``<article>`` elements with an
        ``<h1>`` each; the headline's story is the one whose ``<h1>`` is the chosen headline
        (else the first).
        """
        articles = _STORIES(self.root)
        if len(articles) < 2:
            return None
        headline = _key(self.chosen_headline or "")
        under_headline = [
            a for a in articles if any(_key(_text(h1)) == headline for h1 in a.iter("h1"))
        ]
        main = under_headline[0] if under_headline else articles[0]
        others = " | ".join(_key(_text(a)) for a in articles if a is not main)
        return _key(_text(main)), others

    @cached_property
    def caption_keys(self) -> set[str]:
        """Comparison keys of the page's picture captions and credits."""
        keys = set()
        for element in _CAPTIONS(self.root):
            key = _key(_clean(_text(element), entities=False))
            if key:
                keys.add(key)
        return keys

    def visible_lead(self, paragraphs: list[str]) -> str | None:
        """The standfirst printed under the headline when the body does not start with it.

        Two ways to know it, both from the page: the page's own summary (og:description,
        description, twitter:description, JSON-LD ``description``) printed as a block of
        the page; or the first block between the main heading and the text's first
        paragraph that its markup calls a lead (a class or id with a word lead, intro,
        standfirst, summary, excerpt, subtitle, dek, preamble, epigraph or synopsis; a
        "leaderboard" ad slot is not one) and that is not a link. Either must be prose-sized
        (8 to 150 words) and not already in the body's opening.
        """
        if not paragraphs:
            return None
        opening = _key(" ".join(paragraphs[:3]))
        for description in self._descriptions():
            key = _key(description)
            if key[:60] in opening:
                return None
            for element in self._blocks_starting_with(description):
                text = _clean(_text(element), entities=False)
                if _key(text) == key:
                    return text
        heading = _MAIN_H1(self.root)
        first: list[etree._Element] | None = None
        body = self.root.find("body")
        for element in body.iter(*_LEAD_TAGS) if body is not None else ():
            names = f"{element.get('class') or ''} {element.get('id') or ''}"
            if not _LEAD_HINT.search(names) or not _names_a_lead(element):
                continue
            if element.xpath(_OUTSIDE_TEXT):
                continue
            if heading and not _follows(element, heading[0]):
                continue
            if first is None:
                first = self._blocks_starting_with(paragraphs[0])[:1]
            if first and not _follows(first[0], element):
                continue  # after the text's first paragraph: not its standfirst
            text = _clean(_text(element), entities=False)
            if 8 <= len(text.split()) <= 150:
                return None if _key(text)[:60] in opening else text
        return None

    def _blocks_starting_with(self, text: str) -> list[etree._Element]:
        """Elements whose text starts like ``text``, innermost first (at most 4 levels up).

        Found from the text nodes (one pass over the page's text) rather than by comparing
        every element's whole text, which is quadratic in the page's nesting.
        """
        prefix = " ".join(text.split()[:3])
        found: list[etree._Element] = []
        for node in _TEXT_STARTING(self.root, prefix=prefix):
            element = node.getparent()
            if element is not None and node.is_tail:
                element = element.getparent()
            for _ in range(4):
                if element is None or element.tag == "body":
                    break
                found.append(element)
                element = element.getparent()
        return found

    def _descriptions(self) -> list[str]:
        found = []
        for value in (
            self.meta.get("og:description"),
            self.meta.get("description"),
            self.meta.get("twitter:description"),
            _first_text(self.article_ld.get("description")),
        ):
            text = _clean(value)
            if len(text.split()) >= 8 and text not in found:
                found.append(text)
        return found

    @field("body")
    def body(self) -> list[str]:
        return self.body_paragraphs

    # ------------------------------------------------------------------ dateline

    @field("dateline")
    def dateline(self) -> str | None:
        """The dateline printed at the start of the first body paragraph, if any.

        The paragraph keeps it: the dateline is part of the text as published.
        """
        layout = self.layout_text
        if layout and layout.dateline:
            return layout.dateline  # printed on its own line above the text
        paragraphs = self.body_paragraphs
        if not paragraphs:
            return None
        found, _ = split_lead(paragraphs[0], context=self.published_date)
        return found.raw if found else None

    @cached_property
    def printed_dateline(self) -> Dateline | None:
        """The dateline as printed (no year inferred): its own line above a layout table's
        text, else the lead of the body's first paragraph."""
        layout = self.layout_text
        if layout and layout.dateline:
            return parse_dateline(layout.dateline)
        paragraphs = self.body_paragraphs
        return split_lead(paragraphs[0])[0] if paragraphs else None

    # ------------------------------------------------------------------ links, images, misc

    @field("url")
    def canonical(self) -> str | None:
        return (
            self.root.xpath('string(//link[@rel="canonical"]/@href)')
            or self.meta.get("og:url")
            or None
        )

    @field("related_links")
    def related_links(self) -> list[RelatedLink]:
        """Links in boxes that say they hold related stories, grouped by the box's heading.

        A box is a block (section, aside, div, list) whose class, id or aria-label names it
        (related, more stories, read more, recommended, ...), or the block holding a heading
        that says so. Navigation, headers, footers and menus never count, whatever their
        class says, and nor does a box wrapping most of the page's links (a layout column).
        """
        boxes = [
            box
            for box in self.root.iter("section", "aside", "div", "ul", "ol")
            if _RELATED.search(" ".join(box.get(name, "") for name in _BOX_NAMING))
        ]
        for heading in _HEADINGS(self.root):
            if _RELATED.search(_text(heading)[:80]):
                box = heading.getparent()
                while box is not None and box.tag not in _BOX_TAGS:
                    box = box.getparent()
                if box is not None and box.tag != "body":
                    boxes.append(box)
        links: list[RelatedLink] = []
        taken: list[etree._Element] = []
        for box in boxes:
            if any(
                box is old or old in box.iterancestors() or box in old.iterancestors()
                for old in taken
            ) or box.xpath(_NAVIGATION_ANCESTOR):
                continue
            anchors = box.xpath(".//a[@href]")
            if not anchors or len(anchors) > 40:
                continue
            taken.append(box)
            group = self._box_heading(box)
            for anchor in anchors:
                title = _clean(_text(anchor)) or _clean(anchor.get("title"))
                href = anchor.get("href", "").strip()
                if title and href and not href.startswith(("#", "javascript:", "mailto:")):
                    links.append(RelatedLink(group=group, title=title, url=href))
        return links

    @staticmethod
    def _box_heading(box: etree._Element) -> str | None:
        heading = box.xpath("(.//h2 | .//h3 | .//h4 | .//h5 | .//*[@role='heading'])[1]")
        if heading and not heading[0].xpath("ancestor-or-self::a"):
            return _clean(_text(heading[0])) or None
        label = box.get("aria-label")
        if label:
            return _clean(label) or None
        previous = box.getprevious()
        if previous is not None and previous.tag in ("h2", "h3", "h4", "h5"):
            return _clean(_text(previous)) or None
        return None

    @field("images")
    def images(self) -> list[Image]:
        found: list[Image] = []
        lead = self.meta.get("og:image") or _first_text(
            self.resolve(self.article_ld.get("image")) if not isinstance(
                self.article_ld.get("image"), str) else self.article_ld.get("image")
        )  # fmt: skip
        if lead:
            found.append(Image(url=lead, caption=None))
        scope = self.root.xpath("(//article | //main)[1]")
        for figure in (scope[0] if scope else self.root).xpath(".//figure[.//img]")[:20]:
            img = figure.xpath(".//img")[0]
            src = img.get("src") or img.get("data-src")
            if src and not src.startswith("data:"):
                caption = figure.xpath(".//figcaption")
                text = _clean(_text(caption[0])) if caption else _clean(img.get("alt"))
                found.append(Image(url=src, caption=text or None))
        return found

    @field("language")
    def language(self) -> str | None:
        return (
            self.root.get("lang")
            or _first_text(self.article_ld.get("inLanguage"))
            or self.meta.get("og:locale", "").replace("_", "-")
            or self.meta.get("content-language")
            or None
        )


# ---------------------------------------------------------------------- helpers


_SKIPPED_TAGS = frozenset({"script", "style", "noscript", "template", "svg"})
_INLINE_TAGS = frozenset(
    {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font", "i", "kbd",
     "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var", "wbr"}
)  # fmt: skip


def _text(element: etree._Element) -> str:
    """The visible text of an element: scripts skipped, blocks and <br> separated by a space.

    Inline elements join their neighbours without a space, as a browser renders them.
    """
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in _SKIPPED_TAGS or not tag:
            return
        block = tag not in _INLINE_TAGS
        if block:
            parts.append(" ")
        if node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if block:
            parts.append(" ")

    walk(element)
    return "".join(parts)


_DECLARED_CHARSET = re.compile(r"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)


def _repair_mojibake(html: str) -> str:
    """Undo the decoding of a UTF-8 page with the legacy charset its markup declares.

    A page that declares, say, ``iso-8859-1`` or ``gbk`` but is served as UTF-8 comes out
    of the declared decoding as mojibake ("fÃ¼r"). Encoding it back with the declared
    charset and decoding as UTF-8 restores it; UTF-8 decoding of genuinely legacy-encoded
    non-ASCII text practically always fails, so a success is the evidence.
    """
    declared = _DECLARED_CHARSET.search(html[:4096])
    if not declared or html.isascii():
        return html
    charset = declared.group(1).lower()
    if charset.replace("-", "") in ("utf8", "ascii", "usascii"):
        return html
    codec = {"iso88591": "cp1252", "latin1": "cp1252", "gb2312": "gb18030", "gbk": "gb18030"}.get(
        charset.replace("-", "").replace("_", ""), charset
    )
    try:
        return html.encode(codec).decode("utf-8")
    except (LookupError, UnicodeError):
        return html


def _split_kicker(heading: etree._Element) -> tuple[str, str] | None:
    """(kicker, headline) of a heading built as "<span>kicker</span><span>headline</span>"."""
    node = heading
    while True:
        parts = [c for c in node if isinstance(c.tag, str) and c.tag not in ("br", "script",
                 "style") and _clean(_text(c))]  # fmt: skip
        if (node.text or "").strip() or not parts:
            return None
        if len(parts) == 1 and not (parts[0].tail or "").strip():
            node = parts[0]
            continue
        break
    kicker = _clean(_text(parts[0]))
    rest = _clean((parts[0].tail or "") + " " + " ".join(
        _text(p) + " " + (p.tail or "") for p in parts[1:]))  # fmt: skip
    if rest and len(kicker) < len(rest) and len(rest.split()) >= 3:
        return kicker, rest.lstrip(":-–— ").strip()
    return None


_NOT_A_NAME = re.compile(r"^\W*$|^\(|@|https?:|www\.|^\d[\d\W]*$")


def _names_a_lead(element: etree._Element) -> bool:
    """Whether the element's class or id has a lead word among its word parts.

    Class names are split at spaces, dashes, underscores and lower-to-upper case changes
    ("article__standfirst", "ArticleLead", "c-summary"), so "leaderboard" is no lead.
    """
    names = f"{element.get('class') or ''} {element.get('id') or ''}"
    return any(part.lower() in _LEAD_WORDS for part in _NAME_PARTS.split(names))


def _follows(element: etree._Element, heading: etree._Element) -> bool:
    """Whether ``element`` comes after ``heading`` in document order (and is not inside it)."""
    if heading in element.iterancestors() or element is heading:
        return False
    for following in heading.itersiblings():
        if following is element or element in following.iterdescendants():
            return True
    parent = heading.getparent()
    return parent is not None and parent.tag != "body" and _follows(element, parent)


def _looks_truncated(source: str, text: str) -> bool:
    """Whether a headline reads as cut short: an ellipsis at the end, or a JSON-LD headline
    at the length where CMSs cut it (search engines take at most 110 characters)."""
    return text.endswith(("...", "\u2026")) or (source == "ld" and 100 <= len(text) <= 112)


def _is_name(text: str) -> bool:
    """Whether an author entry can be a name: not an e-mail, URL, number or credit line."""
    return bool(text) and len(text) <= 120 and not _NOT_A_NAME.search(text)


def _unique_names(names: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(_key(name), name)
    return list(seen.values())


def _is_clean_version(candidate: list[str], reference: list[str]) -> bool:
    """Whether ``candidate`` is ``reference`` with a little removed (see ``body_paragraphs``)."""
    cand_words = _key(" ".join(candidate)).split()
    ref_words = _key(" ".join(reference)).split()
    if not cand_words:
        return False
    if not ref_words:
        return len(cand_words) >= 50
    if not 0.75 * len(ref_words) <= len(cand_words) <= len(ref_words):
        return False
    vocabulary = set(ref_words)
    shared = sum(1 for word in cand_words if word in vocabulary)
    return shared >= 0.97 * len(cand_words)


def _is_fuller_version(candidate: list[str], reference: list[str]) -> bool:
    """Whether ``candidate`` holds all of ``reference`` and much more text besides.

    At least half again as many words, nearly all of the reference's words among its own,
    at least 15% of its words new (not the same text repeated) and paragraphs kept (three
    or more): a teaser or a repeated copy fails, a complete article body passes.
    """
    cand_words = _key(" ".join(candidate)).split()
    ref_words = _key(" ".join(reference)).split()
    if not ref_words or len(candidate) < 3 or len(cand_words) < 1.5 * len(ref_words):
        return False
    cand_vocabulary, ref_vocabulary = set(cand_words), set(ref_words)
    kept = sum(1 for word in ref_words if word in cand_vocabulary)
    new = sum(1 for word in cand_words if word not in ref_vocabulary)
    return kept >= 0.97 * len(ref_words) and new >= 0.15 * len(cand_words)


_ISO_LIKE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?)?"
)


def _iso_date(value: Any) -> str | None:
    """An ISO 8601 date or datetime from a declared date value, else None.

    Besides ISO 8601, the RFC 2822 form of HTTP headers and feeds ("Sat, 19 Oct 2019
    00:04:00 +0200"), which some templates copy into a ``date`` meta tag, is read too.
    """
    text = _first_text(value)
    match = _ISO_LIKE.search(text) if text else None
    if not match:
        return _rfc2822_date(text) if text else None
    year, month, day, hour, minute, second, zone = match.groups()
    try:
        date = dt.date(int(year), int(month), int(day))
    except ValueError:
        return None
    if hour is None:
        return date.isoformat()
    stamp = f"{date.isoformat()}T{int(hour):02d}:{minute}:{second or '00'}"
    if zone:
        zone = "+00:00" if zone == "Z" else f"{zone[:3]}:{zone[-2:]}"
        stamp += zone
    return stamp


def _rfc2822_date(text: str) -> str | None:
    """The ISO form of an RFC 2822 date with a time zone ("Sat, 19 Oct 2019 00:04:00 +0200")."""
    if not _RFC2822.match(text):
        return None
    try:
        stamp = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return stamp.isoformat() if stamp.tzinfo is not None else None


_RFC2822 = re.compile(r"^\s*(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}")


# Words by which boxes of related stories name themselves (class, id, aria-label, heading).
_URL_DATE = re.compile(r"/((?:19|20)\d\d)[/-](\d{1,2})[/-](\d{1,2})(?:/|[-_]|$)")


def _url_date(url: str) -> str | None:
    match = _URL_DATE.search(url)
    if not match:
        return None
    try:
        return dt.date(*map(int, match.groups())).isoformat()
    except ValueError:
        return None


def _days_apart(first: str, second: str) -> int:
    days = dt.date.fromisoformat(first[:10]) - dt.date.fromisoformat(second[:10])
    return abs(days.days)


def _local_midnight(stamp: str) -> str | None:
    """The local date of a UTC stamp at 22:00:00 or 23:00:00 sharp (see ``published_date``)."""
    if "T" not in stamp:
        return None
    moment = dt.datetime.fromisoformat(stamp)
    if moment.utcoffset() != dt.timedelta(0) or (moment.minute, moment.second) != (0, 0):
        return None
    if moment.hour not in (22, 23):
        return None
    return (moment.date() + dt.timedelta(days=1)).isoformat()


def _prefer_local_time(stamps: list[str]) -> str:
    """The first stamp, or the same moment in local time when the first is in UTC."""
    first = dt.datetime.fromisoformat(stamps[0]) if "T" in stamps[0] else None
    if first is None or first.utcoffset() != dt.timedelta(0):
        return stamps[0]
    for other in stamps[1:]:
        if "T" not in other:
            continue
        local = dt.datetime.fromisoformat(other)
        if local.utcoffset() == dt.timedelta(0):
            continue
        wall = local.replace(tzinfo=None) - first.replace(tzinfo=None)
        hours = wall.total_seconds() / 3600
        if (local.minute, local.second) == (first.minute, first.second) and 0 < abs(hours) <= 14:
            return other
    return stamps[0]


_RELATED = re.compile(
    r"related|more[-_ ]?(?:stories|news|articles|from)|read[-_ ]?(?:more|next|also)|"
    r"recommend|also[-_ ]read|see[-_ ]also|you may also like|further[-_ ]reading|"
    r"weitere|mehr zum thema|lesen sie auch|a lire aussi|à lire aussi|leggi anche|"
    r"relacionad|te puede interesar",
    re.IGNORECASE,
)
_NAVIGATION_ANCESTOR = (
    "ancestor-or-self::nav or ancestor-or-self::header or ancestor-or-self::footer"
    " or ancestor-or-self::*[@role='navigation' or @role='menu' or @role='menubar'"
    " or @role='banner' or @role='contentinfo']"
    " or ancestor-or-self::*[contains(@class, 'menu') or contains(@class, 'navbar')"
    " or contains(@class, 'breadcrumb')]"
)
_BOX_TAGS = frozenset({"section", "aside", "div", "ul", "ol", "body"})
_BOX_NAMING = ("class", "id", "aria-label")
_MAIN_H1 = etree.XPath("//h1[not(ancestor::nav or ancestor::footer or ancestor::aside)]")
_HEADLINE_WEIGHT = {"ld": 1.0, "md": 1.0, "og": 1.0, "h1": 1.0, "tw": 0.5, "title": 0.5}
_SEO_SOURCES = frozenset({"og", "tw", "title"})
_EDITORIAL_SOURCES = frozenset({"ld", "md", "h1"})
_TIE_ORDER = {"ld": 0, "md": 1, "h1": 2, "og": 3, "tw": 4, "title": 5}
_SPELLING_ORDER = {"ld": 0, "md": 1, "og": 2, "tw": 3, "title": 4, "h1": 5}
_TAG = re.compile(r"<[^>]+>")
_LINE_BREAKS = re.compile(r"\s*\n\s*")
_META = etree.XPath("//meta[@content]")
_SENTENCE_END = re.compile(r"[.!?\u3002]\W{0,2}$")
_TEXT_STARTING = etree.XPath("//body//text()[starts-with(normalize-space(.), $prefix)]")
_NAME_PARTS = re.compile(r"[\s_\-]+|(?<=[a-z])(?=[A-Z])")
_LEAD_WORDS = ("lead", "intro", "standfirst", "summary", "excerpt", "subtitle", "dek",
               "preamble", "epigraph", "synopsis", "leadin", "lede")  # fmt: skip
# A quick test of class/id before the exact one (:func:`_names_a_lead`).
_LEAD_HINT = re.compile("|".join(_LEAD_WORDS), re.IGNORECASE)
_LEAD_TAGS = ("p", "div", "h2", "h3", "section")
_OUTSIDE_TEXT = "ancestor::nav or ancestor::footer or ancestor::aside or ancestor-or-self::a"
_CAPTIONS = etree.XPath(
    "//figcaption | //figure//*[contains(@class, 'caption') or contains(@class, 'credit')"
    " or contains(@class, 'copyright')]"
)
_OUTWARD_LINKS = etree.XPath("//body//a[@href][not(starts-with(normalize-space(@href), '#'))]")
_LINK_LABEL = re.compile(r"^[^:]{1,30}:\s*")
_STORIES = etree.XPath("//article[.//h1][not(ancestor::article)]")
_DATED_TIMES = etree.XPath("//body//time[@datetime]")
# Blocks whose dates are not the article's: comments, teaser lists, navigation, sidebars.
_NOT_THE_ARTICLE = re.compile(
    r"comment|related|teaser|list|nav|footer|aside|sidebar|widget|recommend", re.IGNORECASE
)
_HEADINGS = etree.XPath("//h2 | //h3 | //h4 | //h5")
# Every element trafilatura's byline rules (``trafilatura.xpaths.AUTHOR_XPATHS``) could pick
# is an ``<author>`` or ``<rel>`` element or carries one of these words in the attributes
# they test. That check is a few whole-tree XPath scans; ``extract_author`` copies the tree,
# prunes it and runs five whole-tree searches (about 9 ms on a 60 KB page), so it runs only
# when the check finds something: the same answer, less work on pages without a byline.
_AUTHOR_HINT_WORDS = ("uthor", "byl", "Byl", "BBL", "username", "screenname", "writer",
                      "zuozhe", "bian", "channel-name", "submitted-by", "posted-by",
                      "journalist-name")  # fmt: skip
_AUTHOR_HINT_TEST = " or ".join(f"contains(., '{word}')" for word in _AUTHOR_HINT_WORDS)
_AUTHOR_HINT = etree.XPath(
    "boolean(//author | //rel | "
    + " | ".join(
        f"//@{name}[{_AUTHOR_HINT_TEST}]"
        for name in ("class", "id", "rel", "itemprop", "data-testid", "data-component")
    )
    + ")"
)


# ---------------------------------------------------------------------- layout tables


class _LayoutText(NamedTuple):
    """The article as read from a layout table's block markup (see ``layout_text``)."""

    paragraphs: tuple[str, ...]
    dateline: str | None
    byline: str | None


# Elements whose text is never the article's: code, embeds, forms, and tables nested in
# the text block (boxes: related links, sponsors, share bars).
_LAYOUT_SKIPPED = _SKIPPED_TAGS | {"iframe", "ins", "form", "object", "embed", "select",
                                   "button", "table", "h1"}  # fmt: skip
_LAYOUT_INLINE = _INLINE_TAGS | {"img", "font", "nobr", "big"}
# A whole line that labels an ad slot, in the languages of the shared sets.
_AD_LABEL = re.compile(
    r"^\W*(?:advertisements?|advertising|advert|anzeige|werbung|publicit[ée]|pubblicit[àa]|"
    r"publicidad|reklama|sponsored(?: content)?|ad)\W*$",
    re.IGNORECASE,
)
_COPYRIGHT_LINE = re.compile(r"^(?:©|\(c\)\s|copyright\b|all rights reserved\b)", re.IGNORECASE)
_HEADLINE_MARK = "\x00headline"
_BYLINE_LINE = re.compile(r"^(?:by|von|par|por|di)\s+\S", re.IGNORECASE)
_PARAGRAPHS = etree.XPath(
    "//body//p[not(ancestor::nav or ancestor::header or ancestor::footer or ancestor::aside)]"
)


def _is_layout_dump(paragraphs: list[str], headline: str) -> bool:
    """Whether an extractor's text is a page's layout table rather than its article.

    The shape that gives it away: a paragraph of 50 words or more rendered as a table row
    ("| Home | ... |", how trafilatura prints table cells) with the headline inside it after
    other text (navigation, a section label). An article's paragraphs follow its headline,
    they never contain it. A paragraph of prose that happens to contain a short headline's
    words (a product name, a blog's title phrase) is not enough: that is ordinary text.
    """
    if len(headline.split()) < 3:
        return False
    for paragraph in paragraphs:
        if len(paragraph) < 200 or not (paragraph.startswith("|") or paragraph.endswith("|")):
            continue
        key = _key(paragraph)
        if headline in key and not key.startswith(headline) and len(paragraph.split()) >= 50:
            return True
    return False


def _densest_block(root: etree._Element) -> etree._Element | None:
    """The element whose child ``<p>`` blocks hold the most words (50 at least)."""
    words: dict[etree._Element, int] = {}
    for paragraph in _PARAGRAPHS(root):
        parent = paragraph.getparent()
        if parent is not None:
            words[parent] = words.get(parent, 0) + len(_text(paragraph).split())
    if not words:
        return None
    best = max(words, key=words.__getitem__)
    return best if words[best] >= 50 else None


def _block_lines(container: etree._Element) -> list[list[tuple[str, int]]]:
    """The container's text as paragraphs of lines, each line (text, characters in links).

    Paragraphs end at block elements and at two or more ``<br>`` in a row; a single
    ``<br>`` ends a line. Blocks other than ``<p>`` that hold a picture and at most 40
    words are captions and are left out, as are the elements of ``_LAYOUT_SKIPPED``.
    """
    paragraphs: list[list[tuple[str, int]]] = [[]]
    line: list[str] = []
    linked = 0
    breaks = 0

    def end_line(kind: str) -> None:
        nonlocal line, linked, breaks
        text = _clean("".join(line), entities=False)
        if text:
            paragraphs[-1].append((text, linked))
            breaks = 0
        line, linked = [], 0
        if kind == "br":
            breaks += 1
        if (kind == "para" or breaks >= 2) and paragraphs[-1]:
            paragraphs.append([])

    def add(text: str | None, in_link: bool) -> None:
        nonlocal linked
        if text:
            line.append(text)
            if in_link:
                linked += len(text.strip())

    def walk(node: etree._Element, in_link: bool) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if not tag or tag in _LAYOUT_SKIPPED:
            if tag == "h1":  # where the headline stands: what comes before is not text
                end_line("para")
                paragraphs[-1:] = [[(_HEADLINE_MARK, 0)], []]
            return
        if tag == "br":
            end_line("br")
            return
        block = tag not in _LAYOUT_INLINE
        if block and tag != "p" and node.find(".//img") is not None:
            if len(_text(node).split()) <= 40:
                end_line("para")
                return
        if block:
            end_line("para")
        in_link = in_link or tag == "a"
        add(node.text, in_link)
        for child in node:
            walk(child, in_link)
            add(child.tail, in_link)
        if block:
            end_line("para")

    add(container.text, False)
    for child in container:
        walk(child, False)
        add(child.tail, False)
    end_line("para")
    return [p for p in paragraphs if p]


def _layout_text(container: etree._Element, headline: str) -> _LayoutText:
    """Paragraphs, dateline and byline of the text block of a layout table.

    Lines before the first paragraph of prose that are wholly a dateline or a byline
    ("By ...", at most eight words) are returned as such, not as text. The text ends at a
    line that is a related-stories heading; ad labels, copyright lines and lines that are
    all link text are dropped.
    """
    dateline = byline = None
    paragraphs: list[str] = []
    found = _block_lines(container)
    marks = [i for i, lines in enumerate(found) if lines[0][0] == _HEADLINE_MARK]
    for lines in found[marks[0] + 1 :] if marks else found:
        if not paragraphs:
            rest = []
            for text, linked in lines:
                if dateline is None and parse_dateline(text) is not None:
                    dateline = text
                elif byline is None and _BYLINE_LINE.match(text) and len(text.split()) <= 8:
                    byline = text
                elif _key(text) != headline:
                    rest.append((text, linked))
            lines = rest
        kept = []
        for text, linked in lines:
            if len(text.split()) <= 6 and _RELATED.search(text) and not _SENTENCE_END.search(text):
                if kept:
                    paragraphs.append(" ".join(kept))
                return _LayoutText(tuple(paragraphs), dateline, byline)
            if text == _HEADLINE_MARK or linked >= 0.9 * len(text):
                continue
            if not _AD_LABEL.match(text) and not _COPYRIGHT_LINE.match(text):
                kept.append(text)
        if kept:
            paragraphs.append(" ".join(kept))
    return _LayoutText(tuple(paragraphs), dateline, byline)


def _words_within(candidate: list[str] | tuple[str, ...], reference: list[str]) -> bool:
    """Whether nearly all (95%) of ``candidate``'s words are among ``reference``'s."""
    words = _key(" ".join(candidate)).split()
    vocabulary = set(_key(" ".join(reference)).split())
    return bool(words) and sum(w in vocabulary for w in words) >= 0.95 * len(words)


# Meta tags naming a publication date, in the order they are trusted; the generic "date"
# tags (often the page's rebuild time) sit between the two groups.
_PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "og:published_time",
    "datepublished", "publishdate", "publish-date", "publish_date", "pubdate",
    "parsely-pub-date", "sailthru.date", "dc.date.issued", "dcterms.issued",
)  # fmt: skip
_GENERIC_DATE_META = ("dc.date", "dcterms.date", "date")
_PUBLISHED_META_LATE = ("article.published", "published_time")
