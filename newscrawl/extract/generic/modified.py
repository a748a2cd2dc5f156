"""The date an unknown page says its story was last updated, kept apart from publication.

Readers and archives need both dates: a story published on Monday and corrected on
Tuesday is Monday's story. The update date is read only from what the page states as an
update, strongest first:

1. structured data: JSON-LD ``dateModified`` of the page's article, microdata
   ``dateModified`` inside the article;
2. meta tags naming a modification (``article:modified_time``, ``og:updated_time``,
   ``dcterms.modified``, ...);
3. a visible stamp: a ``<time datetime>`` whose class or ``itemprop`` says updated or
   modified, or an element whose text starts with "Updated" (or "Last updated",
   "Modified", and the same word in a few other languages) followed by a date.

It is never a guess (no engine searching the page for the latest date) and never the
publication date: :func:`newscrawl.extract.generic.dates.published` reads none of these
sources. A stated update earlier than the publication is a contradiction and is dropped
by the loader, and so is one no later than the publication (an untouched story:
:func:`newscrawl.extract.loader.consistent_modified`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from lxml import etree

from newscrawl.extract.generic.dates import iso_date
from newscrawl.extract.generic.evidence import Evidence
from newscrawl.extract.markup import clean, first_text, visible_text

MODIFIED_META = (
    "article:modified_time", "og:article:modified_time", "og:updated_time",
    "datemodified", "dcterms.modified", "dc.date.modified", "modified_time",
    "article:modified", "last_updated_date", "parsely-updated",
)  # fmt: skip
# A class, id or itemprop naming an update stamp ("updated", "date-modified", "lastmod").
_UPDATE_NAME = re.compile(r"updated|modified|lastmod|last-mod", re.IGNORECASE)
_STAMPED = etree.XPath("//body//time[@datetime]")
# The word that opens a printed update stamp, in the languages news pages are written in.
_UPDATE_WORD = re.compile(
    r"^\W{0,3}(?:last\s+)?(?:updated|modified|update|aktualisiert|actualizado|"
    r"actualisé|mis à jour|aggiornato|atualizado|bijgewerkt|zaktualizowano|"
    r"oppdatert|opdateret|uppdaterad|päivitetty)\b",
    re.IGNORECASE,
)
_STAMP_TEXT = etree.XPath(
    "//body//text()[string-length(normalize-space()) > 6]"
    "[not(ancestor::script or ancestor::style or ancestor::nav or ancestor::footer)]"
)
# Blocks whose stamps are not the article's: comments, teaser lists, sidebars.
_NOT_THE_ARTICLE = re.compile(
    r"comment|related|teaser|nav|footer|aside|sidebar|widget|recommend", re.IGNORECASE
)
# The same words anywhere in the markup, as text: a cheap test before reading text nodes.
_UPDATE_WORD_IN_HTML = re.compile(
    r">\s*\W{0,3}(?:last\s+)?(?:updated|modified|update|aktualisiert|actualizado|"
    r"actualisé|mis à jour|aggiornato|atualizado|bijgewerkt|zaktualizowano|"
    r"oppdatert|opdateret|uppdaterad|päivitetty)\b",
    re.IGNORECASE,
)
_MAX_STAMP_CHARS = 80  # "Updated: 3 March 2024, 10:15 GMT" and the like, not paragraphs
_EARLIEST = dt.datetime(1995, 1, 1)


def modified(evidence: Evidence) -> str | None:
    """The update date the page states, as ISO 8601, or None (module docstring)."""
    for value in _declared(evidence):
        stamp = iso_date(value)
        if stamp:
            return stamp
    return _printed_stamp(evidence)


def _declared(evidence: Evidence) -> Iterator[Any]:
    yield evidence.article_ld.get("dateModified")
    yield from evidence.microdata_values("dateModified")[:1]
    for name in MODIFIED_META:
        yield evidence.meta.get(name)


def _outside_article(element: etree._Element) -> bool:
    for holder in (element, *element.iterancestors("*")):
        names = f"{holder.get('class') or ''} {holder.get('id') or ''}"
        if _NOT_THE_ARTICLE.search(names):
            return True
    return False


def _printed_stamp(evidence: Evidence) -> str | None:
    """A visible update stamp: a named ``<time>``, else an "Updated ..." line."""
    for element in _STAMPED(evidence.root):
        names = " ".join(
            element.get(attr) or "" for attr in ("class", "itemprop", "id", "data-type")
        )
        parent = element.getparent()
        if parent is not None:
            names += f" {parent.get('class') or ''}"
        if not _UPDATE_NAME.search(names) and not _opens_with_update(element):
            continue
        if _outside_article(element):
            continue
        stamp = iso_date(element.get("datetime"))
        if stamp:
            return stamp
    if not _UPDATE_WORD_IN_HTML.search(evidence.html):
        return None
    for node in _STAMP_TEXT(evidence.root):
        text = clean(str(node), entities=False)
        if not _UPDATE_WORD.match(text):
            continue
        holder = node.getparent()
        if holder is None or _outside_article(holder):
            continue
        line = clean(visible_text(holder), entities=False) if node.is_text else text
        if len(line) > _MAX_STAMP_CHARS:
            continue
        found = _date_in(line)
        if found:
            return found
    return None


def _opens_with_update(element: etree._Element) -> bool:
    """Whether the text just before a ``<time>`` (in its parent) is an update word."""
    parent = element.getparent()
    if parent is None:
        return False
    before = parent.text or ""
    for sibling in parent:
        if sibling is element:
            break
        before += (first_text(visible_text(sibling)) or "") + (sibling.tail or "")
    return bool(_UPDATE_WORD.match(clean(before, entities=False)))


def _date_in(line: str) -> str | None:
    """The date a printed update stamp gives (day precision), via htmldate's date parser."""
    try:
        from htmldate.extractors import try_date_expr

        found = try_date_expr(
            line, "%Y-%m-%d", True, _EARLIEST, dt.datetime.now() + dt.timedelta(days=1)
        )
    except Exception:  # noqa: BLE001 - an unreadable stamp is no stamp
        return None
    return iso_date(found) if found else None
