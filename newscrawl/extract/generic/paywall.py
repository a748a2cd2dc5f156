"""Whether a page declares its story free to read, and the paywalled parts left out of it.

A teaser must not pass for a story. Publishers declare paywalls for search engines in
schema.org terms, and that declaration is what is read here (never a guess from wording):

- ``isAccessibleForFree`` on the page's article (JSON-LD, or microdata): ``false`` or
  ``true`` (also spelled ``"False"``, ``"https://schema.org/False"``);
- ``hasPart``: parts of the page (``WebPageElement``) with ``isAccessibleForFree: false``
  and a ``cssSelector`` naming the paywalled blocks;
- the ``article:content_tier`` meta tag (``locked`` or ``metered``: not free to every
  reader; ``free``).

:func:`free_access` is ``False`` when the page declares paywalled content, ``True`` when
it declares free access, None when it says nothing. :func:`without_paywalled` removes from
the body the paragraphs that sit in the blocks the page declares paywalled (a site that
serves the whole text to crawlers still marks where its paywall starts); the record counts
what it removed (``paywalled_omitted``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cssselect import HTMLTranslator
from cssselect.parser import SelectorError
from lxml import etree

from newscrawl.extract.generic.compare import key
from newscrawl.extract.generic.evidence import Evidence
from newscrawl.extract.markup import ARTICLE_LIKE_TYPES, clean, schema_types, visible_text

_FALSE = frozenset({"false", "no", "0"})
_TRUE = frozenset({"true", "yes", "1"})
_LOCKED_TIERS = frozenset({"locked", "metered", "premium", "subscriber", "subscription"})
_BLOCKS = ("p", "li", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "td", "figcaption")
_MAX_SELECTORS = 10  # a page's declaration, not an unbounded list
_MAX_SELECTOR_CHARS = 200
# A body paragraph inside a paywalled block's text is paywalled when it is at least this
# long (shorter ones, "Photo" or "Advertisement", match anywhere and prove nothing).
_MIN_CONTAINED_CHARS = 40
_TRANSLATOR = HTMLTranslator()


@dataclass(frozen=True)
class Paywall:
    """What the page declares: free or not (None: nothing), and its paywalled selectors."""

    free: bool | None
    selectors: tuple[str, ...]


def flag(value: Any) -> bool | None:
    """A schema.org Boolean as pages spell it; None for anything else."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().rsplit("/", 1)[-1].lower()
        if word in _FALSE:
            return False
        if word in _TRUE:
            return True
    return None


def declared(evidence: Evidence) -> Paywall:
    """The page's paywall declaration (module docstring)."""
    article = evidence.article_ld
    free = flag(article.get("isAccessibleForFree"))
    if free is None:
        values = evidence.microdata_values("isAccessibleForFree")
        free = flag(values[0]) if values else None
    if free is None:
        free = _page_flag(evidence)
    selectors: list[str] = []
    for part in _parts(evidence, article):
        if flag(part.get("isAccessibleForFree")) is False:
            free = False
            selectors.extend(_selectors(part.get("cssSelector")))
    if free is None:
        tier = clean(evidence.meta.get("article:content_tier")).lower()
        if tier in _LOCKED_TIERS:
            free = False
        elif tier == "free":
            free = True
    unique = tuple(dict.fromkeys(selectors))[:_MAX_SELECTORS]
    return Paywall(free, unique)


def _page_flag(evidence: Evidence) -> bool | None:
    """``isAccessibleForFree`` stated on another node of the page (its ``WebPage``)."""
    for obj in evidence.ld_objects:
        if schema_types(obj.get("@type")) & ARTICLE_LIKE_TYPES:
            found = flag(obj.get("isAccessibleForFree"))
            if found is not None:
                return found
    return None


def _parts(evidence: Evidence, article: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The ``hasPart`` entries of the article, or of any node when the article has none."""
    holders = [article] if article.get("hasPart") else evidence.ld_objects
    for holder in holders:
        parts = holder.get("hasPart")
        for part in parts if isinstance(parts, list) else [parts]:
            part = evidence.resolve(part)
            if isinstance(part, dict):
                yield part


def _selectors(value: Any) -> Iterator[str]:
    for entry in value if isinstance(value, list) else [value]:
        if isinstance(entry, str) and 0 < len(entry.strip()) <= _MAX_SELECTOR_CHARS:
            yield entry.strip()


def paywalled_elements(root: etree._Element, selectors: tuple[str, ...]) -> list[etree._Element]:
    """The page's elements matched by the declared selectors (unreadable ones skipped)."""
    found: list[etree._Element] = []
    for selector in selectors:
        try:
            xpath = etree.XPath(_TRANSLATOR.css_to_xpath(selector))
            matched = xpath(root)
        except (SelectorError, etree.XPathError, ValueError, TypeError):
            continue
        found.extend(m for m in matched if isinstance(m, etree._Element) and m not in found)
    return found


def without_paywalled(
    evidence: Evidence, paywall: Paywall, paragraphs: list[str]
) -> tuple[list[str], int]:
    """The body less the paragraphs found in the declared paywalled blocks, and how many.

    A paragraph is paywalled when it is the text of a block (``<p>``, ``<li>``, a
    subheading ...) inside a paywalled element, or a long enough stretch of such an
    element's text.
    """
    if not paywall.selectors or not paragraphs:
        return paragraphs, 0
    elements = paywalled_elements(evidence.root, paywall.selectors)
    if not elements:
        return paragraphs, 0
    blocks: set[str] = set()
    whole: list[str] = []
    for element in elements:
        whole.append(key(visible_text(element)))
        for block in element.iter(*_BLOCKS):
            block_key = key(visible_text(block))
            if block_key:
                blocks.add(block_key)
    text = " | ".join(whole)
    kept = []
    for paragraph in paragraphs:
        paragraph_key = key(paragraph)
        inside = paragraph_key in blocks or (
            len(paragraph_key) >= _MIN_CONTAINED_CHARS and paragraph_key in text
        )
        if not inside:
            kept.append(paragraph)
    return kept, len(paragraphs) - len(kept)
