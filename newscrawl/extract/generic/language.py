"""The language a page declares: ``<html lang>``, JSON-LD ``inLanguage``, ``og:locale``,
``Content-Language`` meta, in that order (the first is the author's own statement, the
others are often a site-wide default)."""

from __future__ import annotations

from newscrawl.extract.generic.evidence import Evidence
from newscrawl.extract.markup import first_text


def declared(evidence: Evidence) -> str | None:
    return (
        evidence.root.get("lang")
        or first_text(evidence.article_ld.get("inLanguage"))
        or evidence.meta.get("og:locale", "").replace("_", "-")
        or evidence.meta.get("content-language")
        or None
    )
