"""Everything an unknown page states about itself, gathered once for every field to read.

The generic layer's fields are chosen from layered evidence: structured data (JSON-LD,
microdata), meta tags, the page's own elements, and text-extraction engines for what the
markup does not state. :class:`Evidence` parses the page once and computes each of those
sources at most once, lazily; the field modules (:mod:`.headline`, :mod:`.body`,
:mod:`.dates`, ...) only read it. Nothing here decides a field.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any

import trafilatura
from lxml import etree
from parsel import Selector
from trafilatura.utils import load_html

from newscrawl.extract.generic.compare import key
from newscrawl.extract.markup import (
    ARTICLE_LIKE_TYPES,
    ORGANIZATION_TYPES,
    clean,
    first_text,
    linked_data,
    meta_tags,
    schema_types,
    visible_text,
)

# How strongly a type says "this is the page's article" (a WebPage is a last resort).
_TYPE_RANK = {"webpage": 0, "article": 2, "blogposting": 2, "report": 1, "techarticle": 1}
# Separators between a title and the site name in <title> and og:title.
_SEPARATOR = r"(?:[|\u2013\u2014\u2012\u2015•·»«›‹~/\\\u22c6\u01c0]|-{1,2}|::?)"
TITLE_SEPARATOR = re.compile(rf"\s+{_SEPARATOR}\s+")
# A separator left dangling at the end of a title ("Story -" once the site name is gone).
DANGLING_SEPARATOR = re.compile(rf"\s+{_SEPARATOR}$")
# A trailing title part that is a date ("... – DW – 13.06.2023").
_DATE_PART = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
_MAIN_H1 = etree.XPath("//h1[not(ancestor::nav or ancestor::footer or ancestor::aside)]")
_ARTICLE_SCOPES = etree.XPath(
    '//*[@itemscope][contains(@itemtype, "Article") or contains(@itemtype, "BlogPosting")]'
)
_DECLARED_CHARSET = re.compile(r"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)


class Evidence:
    """One page's parsed tree and the sources read from it, each computed once."""

    def __init__(self, html: str, url: str, fallback: Selector | None = None) -> None:
        self.html = html
        self.url = url
        self._fallback = fallback  # the response's selector, for a page lxml cannot read

    # -- the tree ------------------------------------------------------------------------

    @cached_property
    def tree(self) -> etree._Element | None:
        """The page parsed once, the way trafilatura parses it (comments dropped).

        trafilatura's extraction depends on its own parser settings (a comment between two
        text nodes otherwise cuts a paragraph short), so the page is parsed with them and
        that one tree serves every field, trafilatura and htmldate.
        """
        try:
            return load_html(repair_mojibake(self.html))
        except (TypeError, ValueError):
            return None

    @cached_property
    def root(self) -> etree._Element:
        """The document tree every field reads."""
        if self.tree is not None:
            return self.tree
        if self._fallback is not None:
            return self._fallback.root
        return Selector(text=self.html, base_url=self.url).root

    @cached_property
    def main_headings(self) -> list[etree._Element]:
        """The page's ``<h1>`` elements outside navigation, footers and asides."""
        return _MAIN_H1(self.root)

    # -- structured data and meta tags ---------------------------------------------------

    @cached_property
    def meta(self) -> dict[str, str]:
        """``<meta>`` tags by lower-cased name/property/itemprop; the first one wins."""
        return meta_tags(self.root)

    @cached_property
    def ld_objects(self) -> list[dict[str, Any]]:
        """Every JSON-LD object on the page, nested ones included, in document order."""
        return linked_data(self.root)

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
            kinds = schema_types(obj.get("@type")) & ARTICLE_LIKE_TYPES
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
        return key(value.split("?")[0]) == key(self.url.split("?")[0])

    @cached_property
    def microdata(self) -> dict[str, list[etree._Element]]:
        """``itemprop`` elements inside the page's schema.org Article item, by property."""
        scopes = _ARTICLE_SCOPES(self.root)
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
            values.append(clean(value if value is not None else visible_text(element)))
        return [v for v in values if v]

    # -- engines -------------------------------------------------------------------------

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

    # -- the site's own name -------------------------------------------------------------

    @cached_property
    def site_names(self) -> list[str]:
        """What the page calls its site: og:site_name, publisher, app name, host labels."""
        names = [
            self.meta.get("og:site_name"),
            self.meta.get("application-name"),
            self.meta.get("apple-mobile-web-app-title"),
            self.meta.get("twitter:site", "").lstrip("@"),
            first_text(self.resolve(self.article_ld.get("publisher"))),
        ]
        for obj in self.ld_objects:
            if schema_types(obj.get("@type")) & ({"website"} | ORGANIZATION_TYPES):
                names.append(first_text(obj.get("name")))
        names.append(self._title_suffix())
        host = re.sub(r"^www\d?\.", "", self.url.split("/")[2] if "//" in self.url else "")
        names.append(host)
        names += [label for label in host.split(".")[:-1] if len(label) > 3]
        return [n for n in (clean(name) for name in names) if n]

    def _title_suffix(self) -> str | None:
        """The site name as the <title> pattern shows it: "<headline> | <site>".

        The last part of the <title> counts as the site's name when the part before it is
        the headline other sources state (og:title, JSON-LD), whatever the site calls itself.
        """
        title = clean(self.root.findtext(".//title"))
        separators = list(TITLE_SEPARATOR.finditer(title))
        if not separators:
            return None
        stated = {
            key(clean(self.meta.get("og:title"))),
            key(clean(self.meta.get("twitter:title"))),
            key(first_text(self.article_ld.get("headline"))),
        } - {""}
        head, site = title[: separators[-1].start()], title[separators[-1].end() :]
        return site if key(head) in stated else None

    def is_site_name(self, part: str) -> bool:
        """Whether a title part or a name is the site's own name (or a date)."""
        part_key = key(part).replace(" ", "")
        if not part_key:
            return True
        if _DATE_PART.match(part.strip()):
            return True
        for name in self.site_names:
            name_key = key(name).replace(" ", "")
            if not name_key:
                continue
            if part_key == name_key or (
                len(part_key) > 3 and (part_key in name_key or name_key in part_key)
            ):
                return True
        return False


def repair_mojibake(html: str) -> str:
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
