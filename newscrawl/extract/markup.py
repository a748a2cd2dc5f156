"""What a page's markup states, read the same way by every extractor and classifier.

Site profiles, the generic layer and the ``news`` spider's page classifier all read
``<meta>`` tags, JSON-LD, schema.org types and the visible text of elements. Each of those
readings is defined here once, so that two parts of the project never disagree about what
a page declares (they did, when each kept its own JSON-LD parser and type list).
"""

from __future__ import annotations

import html as html_lib
import json
import re
import unicodedata
from collections.abc import Collection, Iterator
from typing import Any

from lxml import etree

# schema.org types whose instance is a news or blog article: the page's article when the
# page declares one of them for itself.
ARTICLE_TYPES = frozenset(
    {"article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle",
     "opinionnewsarticle", "backgroundnewsarticle", "reviewnewsarticle", "blogposting",
     "liveblogposting", "report", "techarticle"}
)  # fmt: skip
# Types that may carry an article's fields without saying "article": a social media
# post, a paper, or the web page itself. Generic extraction reads its fields from them
# too; the classifier does not count them as evidence that a page is an article.
ARTICLE_LIKE_TYPES = ARTICLE_TYPES | {"socialmediaposting", "scholarlyarticle", "webpage"}
ORGANIZATION_TYPES = frozenset(
    {"organization", "newsmediaorganization", "corporation", "ngo", "governmentorganization",
     "educationalorganization", "localbusiness"}
)  # fmt: skip

_WS = re.compile(r"\s+")
_META = etree.XPath("//meta[@content]")
_LD_SCRIPTS = etree.XPath('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]')
# JSON-LD as found in the wild: HTML comments or CDATA around it, trailing commas, raw
# newlines inside strings. Each repair is tried only when strict parsing failed.
_LD_WRAPPERS = re.compile(r"^\s*(?:<!--|//\s*<!\[CDATA\[|/\*\s*<!\[CDATA\[\s*\*/)|"
                          r"(?:-->|//\s*\]\]>|/\*\s*\]\]>\s*\*/)\s*$")  # fmt: skip
_TRAILING_COMMA = re.compile(r",\s*([}\]])")

SKIPPED_TAGS = frozenset({"script", "style", "noscript", "template", "svg"})
INLINE_TAGS = frozenset(
    {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font", "i", "kbd",
     "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var", "wbr"}
)  # fmt: skip


def clean(text: Any, *, entities: bool = True) -> str:
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


def meta_tags(root: etree._Element) -> dict[str, str]:
    """``<meta>`` tags by lower-cased name/property/itemprop; the first one wins.

    The element's own ``get()``, not parsel's ``attrib``: that copies every attribute, and
    lxml raises on a malformed attribute name (``{...}property``).
    """
    found: dict[str, str] = {}
    for tag in _META(root):
        key = tag.get("property") or tag.get("name") or tag.get("itemprop")
        if key:
            found.setdefault(key.strip().lower(), tag.get("content"))
    return found


def parse_json_ld(script: str) -> Any:
    """A JSON-LD script's content, repaired where pages commonly break it; None if unreadable.

    ``RecursionError``: JSON nested deeper than the interpreter's stack (found by fuzzing).
    """
    try:
        return json.loads(script, strict=False)
    except (ValueError, RecursionError):
        pass
    repaired = _TRAILING_COMMA.sub(r"\1", _LD_WRAPPERS.sub("", script.strip()))
    try:
        return json.loads(repaired, strict=False)
    except (ValueError, RecursionError):
        return None


def json_ld_documents(root: etree._Element) -> Iterator[Any]:
    """The parsed content of each JSON-LD script of a page; an unreadable one is skipped,
    as browsers and search engines skip it."""
    for script in _LD_SCRIPTS(root):
        data = parse_json_ld(script.text or "")
        if data is not None:
            yield data


def walk_json_ld(
    data: Any, keys: Collection[str] | None = ("@graph",), max_depth: int = 8, depth: int = 0
) -> Iterator[dict[str, Any]]:
    """The objects of a JSON-LD document: top-level ones, list members, and the objects
    under ``keys`` (under every key when ``keys`` is None), depth-first.

    Which keys to follow is the caller's question: ``@graph`` holds the page's own nodes;
    ``mainEntity`` the thing a page is about; every key also reaches the authors,
    publishers and images an article mentions. Real pages nest a few levels, hostile ones
    more, hence ``max_depth``.
    """
    if depth > max_depth:
        return
    if isinstance(data, list):
        for entry in data:
            yield from walk_json_ld(entry, keys, max_depth, depth + 1)
    elif isinstance(data, dict):
        yield data
        for key, value in data.items():
            if isinstance(value, dict | list) and (keys is None or key in keys):
                yield from walk_json_ld(value, keys, max_depth, depth + 1)


def linked_data(root: etree._Element) -> list[dict[str, Any]]:
    """Every JSON-LD object on the page, nested ones included (the authors, publishers and
    images an article mentions), in document order."""
    objects: list[dict[str, Any]] = []
    for data in json_ld_documents(root):
        objects.extend(walk_json_ld(data, keys=None, max_depth=6))
    return objects


def schema_types(kind: Any) -> set[str]:
    """A JSON-LD ``@type`` or microdata ``itemtype`` value (one or a list), lower-cased and
    without the vocabulary prefix: ``"https://schema.org/NewsArticle"`` and
    ``"NewsArticle"`` are one type."""
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.rsplit("/", 1)[-1].lower() for k in kinds if isinstance(k, str)}


def first_text(value: Any) -> str:
    """A JSON-LD value as one string: the first of a list, the ``@value`` or ``name`` of a dict."""
    if isinstance(value, list):
        for entry in value:
            text = first_text(entry)
            if text:
                return text
        return ""
    if isinstance(value, dict):
        return first_text(value.get("@value") or value.get("name"))
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return clean(value)


def visible_text(element: etree._Element) -> str:
    """The visible text of an element: scripts skipped, blocks and <br> separated by a space.

    Inline elements join their neighbours without a space, as a browser renders them.
    """
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in SKIPPED_TAGS or not tag:
            return
        block = tag not in INLINE_TAGS
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
