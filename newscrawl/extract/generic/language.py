"""The language of an unknown page: what it declares, checked against its text.

Declared, in order: ``<html lang>`` (the author's own statement), JSON-LD ``inLanguage``,
``og:locale``, a ``Content-Language`` meta tag (``name=`` or ``http-equiv=``), then the
HTTP ``Content-Language`` header the crawl received (the others are often a site-wide
default). The text (headline and body) then confirms or overrides the declaration
(:func:`newscrawl.extract.langid.settle`).
"""

from __future__ import annotations

from lxml import etree

from newscrawl.extract.generic.evidence import Evidence
from newscrawl.extract.langid import Settled, normalise_tag, sample, settle
from newscrawl.extract.markup import first_text

_HTTP_EQUIV = etree.XPath(
    "//meta[translate(@http-equiv, 'CONTENTLANGUAGE', 'contentlanguage')"
    " = 'content-language']/@content"
)


def declared(evidence: Evidence, header: str | None = None) -> str | None:
    """The first language the page declares (module docstring), as the page spells it."""
    for value in (
        evidence.root.get("lang"),
        first_text(evidence.article_ld.get("inLanguage")),
        evidence.meta.get("og:locale", "").replace("_", "-"),
        evidence.meta.get("content-language"),
        next(iter(_HTTP_EQUIV(evidence.root)), None),
        header,
    ):
        if value and normalise_tag(value):
            return value
    return None


def language(
    evidence: Evidence, headline: str | None, body: list[str], header: str | None = None
) -> Settled:
    """The record's language and, when the text overrode it, the declared one."""
    return settle(declared(evidence, header), sample(headline, body))
