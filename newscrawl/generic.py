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
import html as html_lib
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import cached_property
from typing import Any

import trafilatura
from htmldate import find_date
from lxml import etree

from newscrawl.datelines import split_lead
from newscrawl.items import Image, RelatedLink
from newscrawl.profiles.base import ArticlePage, field

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
_NON_WORD = re.compile(r"[\W_]+")
# Separators between a title and the site name in <title> and og:title.
_TITLE_SEPARATOR = re.compile(r"\s+(?:[|\u2013\u2014\u2012\u2015•·»«~/\\]|-{1,2}|::?)\s+")
# A trailing title part that is a date ("... – DW – 13.06.2023").
_DATE_PART = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")


def _clean(text: Any) -> str:
    """Entity-decoded, NFC, whitespace-collapsed text ("" for anything that is not a str)."""
    if not isinstance(text, str):
        return ""
    if "&" in text:
        text = html_lib.unescape(text)
    return _WS.sub(" ", unicodedata.normalize("NFC", text)).strip()


def _key(text: str) -> str:
    """A spelling-blind comparison key: case-folded words only."""
    return _NON_WORD.sub(" ", text.casefold()).strip()


def _types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    # "http://schema.org/NewsArticle" and "NewsArticle" are the same type.
    return {str(k).rsplit("/", 1)[-1].lower() for k in kinds if isinstance(k, str)}


def _walk_ld(data: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Every dict in a JSON-LD document, nested ones included (bounded depth)."""
    if depth > 6:
        return
    if isinstance(data, list):
        for entry in data:
            yield from _walk_ld(entry, depth + 1)
    elif isinstance(data, dict):
        yield data
        for value in data.values():
            if isinstance(value, dict | list):
                yield from _walk_ld(value, depth + 1)


# JSON-LD as found in the wild: HTML comments or CDATA around it, trailing commas, raw
# newlines inside strings. Each repair is tried only when strict parsing failed.
_LD_WRAPPERS = re.compile(r"^\s*(?:<!--|//\s*<!\[CDATA\[|/\*\s*<!\[CDATA\[\s*\*/)|"
                          r"(?:-->|//\s*\]\]>|/\*\s*\]\]>\s*\*/)\s*$")  # fmt: skip
_TRAILING_COMMA = re.compile(r",\s*([}\]])")


def _parse_ld(script: str) -> Any:
    try:
        return json.loads(script, strict=False)
    except ValueError:
        pass
    repaired = _TRAILING_COMMA.sub(r"\1", _LD_WRAPPERS.sub("", script.strip()))
    try:
        return json.loads(repaired, strict=False)
    except ValueError:
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
    def root(self) -> etree._Element:
        """The parsed document (the selector's tree: the page is parsed once)."""
        return self.selector.root

    @cached_property
    def ld_objects(self) -> list[dict[str, Any]]:
        """Every JSON-LD object on the page, nested ones included, in document order."""
        objects: list[dict[str, Any]] = []
        for script in self.root.xpath(
            '//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]'
        ):
            data = _parse_ld(script.text or "")
            if data is not None:
                objects.extend(_walk_ld(data))
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
            kinds = _types(obj) & _ARTICLE_TYPES
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
                self.root,
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
            if _types(obj) & ({"website"} | _ORGANIZATION_TYPES):
                names.append(_first_text(obj.get("name")))
        host = re.sub(r"^www\d?\.", "", self.url.split("/")[2] if "//" in self.url else "")
        names.append(host)
        names += [label for label in host.split(".")[:-1] if len(label) > 3]
        return [n for n in (_clean(name) for name in names) if n]

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
        return rebuilt.strip()

    @cached_property
    def h1_texts(self) -> list[str]:
        """Texts of the page's main headings (outside navigation, footers and asides)."""
        texts = []
        for h1 in self.root.xpath(
            "//h1[not(ancestor::nav or ancestor::footer or ancestor::aside)]"
        )[:3]:
            text = _clean(_text(h1))
            if text:
                texts.append(text)
        return texts

    def headline_candidates(self) -> list[tuple[str, str]]:
        """(source, text) pairs, site names removed from the title-like ones."""
        found = [("ld", _first_text(self.article_ld.get("headline"))),
                 ("ld", _first_text(self.article_ld.get("name")) if not
                  self.article_ld.get("headline") else "")]  # fmt: skip
        found += [("md", text) for text in self.microdata_values("headline")[:1]]
        for source, value in (
            ("og", self.meta.get("og:title")),
            ("tw", self.meta.get("twitter:title")),
            ("title", self.root.findtext(".//title")),
        ):
            found.append((source, self.strip_site_name(_clean(value))))
        found += [("h1", text) for text in self.h1_texts if not self._is_site_name(text)]
        return [(source, text) for source, text in found if text]

    @field("headline")
    def headline(self) -> str | None:
        """The headline most sources agree on.

        Each source (JSON-LD, microdata, og:title, twitter:title, <title>, <h1>) votes for its
        text, compared case- and punctuation-blind; a title that is "headline <sep> more"
        also supports the headline it starts with. The text with the most votes wins; ties go
        to the source order JSON-LD, <h1>, og:title, which is the order in which sites keep
        the editorial headline rather than a social-media or SEO variant.
        """
        candidates = self.headline_candidates()
        if not candidates:
            return None
        weights = {"ld": 1.0, "md": 1.0, "og": 1.0, "h1": 1.0, "tw": 0.5, "title": 0.5}
        order = {"ld": 0, "md": 1, "h1": 2, "og": 3, "tw": 4, "title": 5}
        votes: dict[str, float] = {}
        first: dict[str, tuple[int, str]] = {}
        for source, text in candidates:
            key = _key(text)
            if not key:
                continue
            voters = {s for s, t in candidates if _key(t) == key}
            voters |= {s for s, t in candidates if _key(t).startswith(key + " ") and s == "title"}
            votes[key] = sum(weights[s] for s in voters)
            rank = order[source]
            if key not in first or rank < first[key][0]:
                first[key] = (rank, text)
        best = max(votes, key=lambda k: (votes[k], -first[k][0]))
        return first[best][1]

    # ------------------------------------------------------------------ date

    @cached_property
    def published_date(self) -> str | None:
        for value in self._declared_dates():
            iso = _iso_date(value)
            if iso:
                return iso
        try:
            return find_date(
                self.root,
                url=self.url if self.url.startswith("http") else None,
                original_date=True,
                extensive_search=True,
                max_date=dt.date.today().isoformat(),
            )
        except Exception:  # noqa: BLE001 - htmldate failing leaves the date unknown
            return None

    def _declared_dates(self) -> Iterator[Any]:
        yield self.article_ld.get("datePublished")
        yield from self.microdata_values("datePublished")[:1]
        for name in (
            "article:published_time", "og:article:published_time", "og:published_time",
            "datepublished", "publishdate", "publish-date", "publish_date", "pubdate",
            "parsely-pub-date", "sailthru.date", "dc.date.issued", "dcterms.issued",
            "dc.date", "dcterms.date", "date", "article.published", "published_time",
        ):  # fmt: skip
            yield self.meta.get(name)
        yield self.article_ld.get("dateCreated")
        yield self.root.xpath("string((//time[@pubdate] | //article//time)[1]/@datetime)")

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
            if name:
                yield name, bool(_types(value) & _ORGANIZATION_TYPES)
        elif isinstance(value, str) and value.strip():
            yield _clean(value), False

    @field("authors")
    def authors(self) -> list[str]:
        """Authors from structured data first, then meta tags, then the visible byline.

        Organisations named as author (``"@type": "Organization"``) are kept only when no
        person is named: they are the desk's name, not an author, next to real people, but
        are all the page has otherwise. Desk placeholders ("Staff", "Redaktion") and
        separators are the loader's business (:func:`newscrawl.loaders.split_byline`).
        """
        for source in (
            list(self._ld_people(self.article_ld.get("author"))),
            [(text, False) for text in self._microdata_authors()],
        ):
            people = [name for name, is_org in source if not is_org]
            if people:
                return _unique_names(people)
            if source:
                return _unique_names(name for name, _ in source)
        for name in ("author", "article:author", "dc.creator", "parsely-author", "byl",
                     "sailthru.author"):  # fmt: skip
            value = _clean(self.meta.get(name))
            if value and not value.startswith("http"):
                return [value]
        byline = self._byline()
        return [byline] if byline else []

    def _microdata_authors(self) -> list[str]:
        names = []
        for element in self.microdata.get("author", []):
            inner = element.xpath('.//*[@itemprop="name"]')
            text = inner[0].get("content") or _text(inner[0]) if inner else None
            names.append(_clean(text or element.get("content") or _text(element)))
        return [n for n in names if n]

    def _byline(self) -> str | None:
        for element in self.root.xpath(
            '//*[@rel="author"] | //*[contains(@class, "byline") or contains(@class, "author")]'
            "[not(ancestor::nav or ancestor::footer)]"
        )[:5]:
            text = _clean(_text(element))
            if 2 < len(text) < 80:
                return text
        return None

    # ------------------------------------------------------------------ body

    @cached_property
    def trafilatura_paragraphs(self) -> list[str]:
        if self.extraction is None or not self.extraction.text:
            return []
        return [p for p in (_clean(line) for line in self.extraction.text.split("\n")) if p]

    @field("body")
    def body(self) -> list[str]:
        """trafilatura's paragraphs, or JSON-LD ``articleBody`` where it is the complete text.

        ``articleBody`` is the publisher's own statement of the text, but often a truncated
        teaser for paywalled or syndicated pages. It is used only when it covers at least
        as much of the text as trafilatura found and most of trafilatura's words appear in
        it (so it is the same text, not another article's).
        """
        paragraphs = self.trafilatura_paragraphs
        article_body = self.article_ld.get("articleBody")
        if isinstance(article_body, str) and article_body.strip():
            ld_paragraphs = [
                p for p in (_clean(part) for part in re.split(r"\n\s*\n|\r?\n", article_body)) if p
            ]
            if _covers(ld_paragraphs, paragraphs):
                return ld_paragraphs
        return paragraphs

    # ------------------------------------------------------------------ dateline

    @field("dateline")
    def dateline(self) -> str | None:
        """The dateline printed at the start of the first body paragraph, if any.

        The paragraph keeps it: the dateline is part of the text as published.
        """
        paragraphs = self.body()
        if not paragraphs:
            return None
        found, _ = split_lead(paragraphs[0], context=self.published_date)
        return found.raw if found else None

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
            if any(box is old or old in box.iterancestors() or box in old.iterancestors()
                   for old in taken) or box.xpath(_NAVIGATION_ANCESTOR):
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


def _text(element: etree._Element) -> str:
    """The visible text of an element (scripts and styles skipped)."""
    parts = []
    for node in element.iter():
        if node.tag in ("script", "style", "noscript") or not isinstance(node.tag, str):
            if node is not element and node.tail:
                parts.append(node.tail)
            continue
        if node.text:
            parts.append(node.text)
        if node is not element and node.tail:
            parts.append(node.tail)
    return " ".join(parts)


def _unique_names(names: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(_key(name), name)
    return list(seen.values())


def _covers(candidate: list[str], reference: list[str]) -> bool:
    """Whether ``candidate`` holds (nearly) all of ``reference``'s words and is no shorter."""
    cand_words = _key(" ".join(candidate)).split()
    ref_words = _key(" ".join(reference)).split()
    if not cand_words:
        return False
    if not ref_words:
        return len(cand_words) >= 50
    if len(cand_words) < 0.95 * len(ref_words):
        return False
    vocabulary = set(cand_words)
    shared = sum(1 for word in ref_words if word in vocabulary)
    return shared >= 0.9 * len(ref_words)


_ISO_LIKE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?)?"
)


def _iso_date(value: Any) -> str | None:
    """An ISO 8601 date or datetime from a declared date value, else None."""
    text = _first_text(value)
    match = _ISO_LIKE.search(text) if text else None
    if not match:
        return None
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


# Words by which boxes of related stories name themselves (class, id, aria-label, heading).
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
_HEADINGS = etree.XPath("//h2 | //h3 | //h4 | //h5")
