"""Text normalisation and the body fingerprint.

Every record's text goes through :func:`clean_text` once (in the normalise pipeline, and in
``newscrawl extract``), so that the store, the feed and the fingerprint all see one spelling.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

from itemadapter import ItemAdapter

from newscrawl.items import ARTICLE_FIELDS

# Invisible characters that are debris, not text: break hints and byte-order marks left
# by CMS editors. Soft hyphens (U+00AD, the publisher's hyphenation points) and the
# zero-width (non-)joiners (U+200C/U+200D, part of the spelling in Persian, Indic scripts
# and emoji) are text and stay; the fingerprint ignores them (see ``UNSPELLED``).
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\ufeff"), None)
# Characters that never change the words a story is made of, for the fingerprint.
UNSPELLED = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BLANK_LINES = re.compile(r"\s*\n\s*\n\s*")
_WORDS = re.compile(r"\w+")


def clean_text(text: str | None) -> str:
    """NFC, no control characters or invisible debris, runs of spaces folded to one, trimmed.

    A single newline inside a paragraph is a layout artefact and becomes a space; a blank
    line (the paragraph separator of ``body``) is kept as exactly one blank line.
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    text = _CONTROL.sub(" ", text)
    paragraphs = _BLANK_LINES.split(text)
    # str.split() splits on exactly the characters ``\s`` matches, and is several times
    # faster than a regex substitution over the whole body.
    cleaned = (" ".join(p.split()) for p in paragraphs)
    return "\n\n".join(p for p in cleaned if p)


def fingerprint(body: str) -> str:
    """A stable hash of the body's words, blind to case, punctuation and spacing.

    Sister sites republish a wire story with different quote glyphs, dashes and line
    breaks; hashing the case-folded word sequence makes those copies collide while any
    change of wording does not. Soft hyphens and joiners are dropped first: one copy may
    carry hyphenation points the other lacks.
    """
    words = _WORDS.findall(unicodedata.normalize("NFKC", body.translate(UNSPELLED)).casefold())
    return hashlib.sha1(" ".join(words).encode("utf-8")).hexdigest()


def normalize_record(adapter: ItemAdapter) -> dict[str, Any]:
    """Clean every text field of an article and set its fingerprint; returns a plain dict.

    Idempotent, so a record that went through it once (the loader cleans each field too)
    comes out the same; items built elsewhere get the same treatment here.
    """
    # A shallow copy: the nested links and images are rebuilt below rather than edited,
    # which spares the deep, type-checking copy of ``ItemAdapter.asdict()`` on every item.
    record = {name: adapter.get(name) for name in ARTICLE_FIELDS}
    for name in ("headline", "section", "body", "language"):
        if isinstance(record.get(name), str):
            record[name] = clean_text(record[name])
    record["authors"] = [c for a in record.get("authors") or [] if (c := clean_text(a))]
    if record.get("related_links") is not None:
        record["related_links"] = [
            {
                **link,
                "title": clean_text(link.get("title")),
                "group": clean_text(link.get("group")) or None,
            }
            for link in record["related_links"]
        ]
    if record.get("images") is not None:
        record["images"] = [
            {**image, "caption": clean_text(image.get("caption")) or None}
            for image in record["images"]
        ]
    record["fingerprint"] = fingerprint(record["body"]) if record.get("body") else None
    record["also_at"] = list(record.get("also_at") or [])
    return record
