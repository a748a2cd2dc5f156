"""Table-layout pages: the article re-read from its block markup when the engine gave the layout.

Table-layout pages (navigation in one cell, the story in another, no ``<article>`` or
``<main>``) leave a text extractor without a main node; it then returns the layout: the
cells joined into one giant paragraph, navigation bars first, headline, dateline, ads and
the related box inside. :func:`read` recognises that shape and reads the text again from
the densest text block, with the dateline and byline printed above it.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from lxml import etree

from newscrawl.extract.datelines import parse_dateline
from newscrawl.extract.generic.compare import SENTENCE_END, key, words_within
from newscrawl.extract.generic.links import RELATED
from newscrawl.extract.markup import INLINE_TAGS, SKIPPED_TAGS, clean, visible_text


class LayoutText(NamedTuple):
    """The article as read from a layout table's block markup."""

    paragraphs: tuple[str, ...]
    dateline: str | None
    byline: str | None


# Elements whose text is never the article's: code, embeds, forms, and tables nested in
# the text block (boxes: related links, sponsors, share bars).
_LAYOUT_SKIPPED = SKIPPED_TAGS | {"iframe", "ins", "form", "object", "embed", "select",
                                  "button", "table", "h1"}  # fmt: skip
_LAYOUT_INLINE = INLINE_TAGS | {"img", "font", "nobr", "big"}
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


def read(root: etree._Element, paragraphs: list[str], headline: str | None) -> LayoutText | None:
    """The article read from the page's own block markup, when the engine's text
    (``paragraphs``) is a whole layout table; else None.

    The layout is recognised by its shape (see :func:`is_layout_dump`). Then the text is
    read again from the densest text block (the element whose child ``<p>`` blocks hold
    the most words), split where its markup breaks paragraphs: block elements and
    ``<br><br>``. Lines between the headline and the first paragraph are the dateline and
    the byline when they read as such; the text ends at a related-stories heading; ad
    labels, copyright lines, link-only lines and picture captions are dropped (see
    :func:`_layout_text`). The result replaces the engine's only when nearly all its words
    are among the engine's, so the rule can only remove text the engine let through, never
    invent any.
    """
    headline_key = key(headline or "")
    if not is_layout_dump(paragraphs, headline_key):
        return None
    container = _densest_block(root)
    if container is None:
        return None
    found = _layout_text(container, headline_key)
    if len(found.paragraphs) < 2 or not words_within(found.paragraphs, paragraphs):
        return None
    return found


def is_layout_dump(paragraphs: list[str], headline: str) -> bool:
    """Whether an extractor's text is a page's layout table rather than its article.

    The shape that gives it away: a paragraph of 50 words or more rendered as a table row
    ("| Home | ... |", how trafilatura prints table cells) with the headline (a comparison
    key) inside it after other text (navigation, a section label). An article's paragraphs
    follow its headline, they never contain it. A paragraph of prose that happens to
    contain a short headline's words (a product name, a blog's title phrase) is not
    enough: that is ordinary text.
    """
    if len(headline.split()) < 3:
        return False
    for paragraph in paragraphs:
        if len(paragraph) < 200 or not (paragraph.startswith("|") or paragraph.endswith("|")):
            continue
        paragraph_key = key(paragraph)
        if (
            headline in paragraph_key
            and not paragraph_key.startswith(headline)
            and len(paragraph.split()) >= 50
        ):
            return True
    return False


def _densest_block(root: etree._Element) -> etree._Element | None:
    """The element whose child ``<p>`` blocks hold the most words (50 at least)."""
    words: dict[etree._Element, int] = {}
    for paragraph in _PARAGRAPHS(root):
        parent = paragraph.getparent()
        if parent is not None:
            words[parent] = words.get(parent, 0) + len(visible_text(paragraph).split())
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
        text = clean("".join(line), entities=False)
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
            if len(visible_text(node).split()) <= 40:
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


def _layout_text(container: etree._Element, headline: str) -> LayoutText:
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
                elif key(text) != headline:
                    rest.append((text, linked))
            lines = rest
        kept = []
        for text, linked in lines:
            if len(text.split()) <= 6 and RELATED.search(text) and not SENTENCE_END.search(text):
                if kept:
                    paragraphs.append(" ".join(kept))
                return LayoutText(tuple(paragraphs), dateline, byline)
            if text == _HEADLINE_MARK or linked >= 0.9 * len(text):
                continue
            if not _AD_LABEL.match(text) and not _COPYRIGHT_LINE.match(text):
                kept.append(text)
        if kept:
            paragraphs.append(" ".join(kept))
    return LayoutText(tuple(paragraphs), dateline, byline)
