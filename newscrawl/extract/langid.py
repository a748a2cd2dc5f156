"""The language of a record: what the page declares, checked against its text.

Pages declare their language in ``<html lang>``, ``og:locale``, ``Content-Language`` (a
meta tag or the HTTP header), but templates copy one site-wide default onto every page:
an English ``lang`` on a translated story, a CMS default left at ``en-US`` on a French
site. The text itself is identified with py3langid (a maintained fork of langid.py that
ships its model, a NumPy archive read without pickle: nothing is downloaded at run time),
and :func:`settle` decides:

- the declaration and the text agree (same primary language): the declared spelling is
  kept (``en-gb``, ``pt-br``: more precise than the text can tell);
- the text is identified with confidence and the declared language is improbable for it:
  the text wins, and the declaration is kept apart (``language_declared``);
- the text is too short to tell, or the identification is unsure (close languages such
  as Danish and Norwegian, or Croatian and Serbian, where the declared one is still
  plausible): the declaration stands.

Identification reads at most :data:`SAMPLE_CHARS` characters of the headline and body, so
its cost is bounded whatever the page (about 0.5 ms; see the README's field table).
"""

from __future__ import annotations

import codecs
import re
import threading
import unicodedata
from dataclasses import dataclass
from typing import Any

#: Characters of text identified (the headline and the start of the body).
SAMPLE_CHARS = 3000
#: Letters below which a text is too short to identify reliably.
MIN_LETTERS = 80
#: Probability the identified language needs before it overrides a declaration.
CONFIDENT = 0.95
#: Probability under which a declared language counts as contradicted by the text.
IMPROBABLE = 0.01

# Codes for one language that pages spell differently from the identifier.
_ALIASES = {
    "nb": "no", "nn": "no", "iw": "he", "in": "id", "ji": "yi", "jw": "jv", "fil": "tl",
    "mo": "ro", "eng": "en", "fra": "fr", "fre": "fr", "deu": "de", "ger": "de",
    "spa": "es", "ita": "it", "por": "pt", "nld": "nl", "dut": "nl", "rus": "ru",
    "zho": "zh", "chi": "zh", "jpn": "ja", "ara": "ar", "pol": "pl", "tur": "tr",
}  # fmt: skip
# Values that name no language ("und": undetermined, "mul": several, "zxx": none).
_NOT_LANGUAGES = frozenset({"x", "und", "mul", "zxx", "mis", "xx"})
_TAG = re.compile(r"([a-z]{2,3}(?:[-_][a-z0-9]{1,8})*)(?:$|[\s,;])", re.IGNORECASE)

_LOCK = threading.Lock()
_IDENTIFIER: Any = None


@dataclass(frozen=True)
class Settled:
    """The record's language and, when the text overrode it, what the page declared."""

    language: str | None
    declared: str | None  # None unless it differs from ``language``


def normalise_tag(value: str | None) -> str | None:
    """A declared language as a lower-case tag (``en_US`` -> ``en-us``); None for values
    that name no language (``x-default``, ``und``, a charset such as ``utf-8``, garbage)."""
    if not value:
        return None
    match = _TAG.match(value.strip())
    if not match:
        return None
    tag = match.group(1).lower().replace("_", "-")
    if primary(tag) is None or _names_charset(tag):
        return None
    return tag


def _names_charset(tag: str) -> bool:
    """Whether a tag is a character set's name (``utf-8``, ``gbk``, ``euc-jp``): pages put
    their charset in ``Content-Language`` too, and ``utf-8`` has a language tag's shape.
    Bare two-letter tags are languages whatever a codec is called (``hz`` is Herero)."""
    if len(tag) <= 2:
        return False
    try:
        codecs.lookup(tag)
    except LookupError:
        return False
    return True


def primary(tag: str | None) -> str | None:
    """The primary language of a tag, spelled as the identifier spells it (``nb`` -> ``no``)."""
    if not tag:
        return None
    head = re.split(r"[-_]", tag.lower(), maxsplit=1)[0]
    if head in _NOT_LANGUAGES or not 2 <= len(head) <= 3 or not head.isalpha():
        return None
    return _ALIASES.get(head, head)


def _identifier() -> Any:
    """py3langid's identifier, loaded once per process (about 0.8 s) on first use."""
    global _IDENTIFIER
    if _IDENTIFIER is None:
        with _LOCK:
            if _IDENTIFIER is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                _IDENTIFIER = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _IDENTIFIER


def sample(headline: str | None, paragraphs: list[str]) -> str:
    """The text identified: the headline and the body's start, bounded."""
    text = "\n".join([headline or "", *paragraphs])
    return text[:SAMPLE_CHARS]


def ranking(text: str) -> dict[str, float] | None:
    """Language -> probability for a text, or None when it is too short to identify."""
    letters = sum(1 for char in text if char.isalpha())
    if letters < MIN_LETTERS:
        return None
    ranked = _identifier().rank(unicodedata.normalize("NFC", text))
    return {language: float(probability) for language, probability in ranked}


def settle(declared: str | None, text: str) -> Settled:
    """The record's language from the page's declaration and its text (module docstring)."""
    tag = normalise_tag(declared)
    scores = ranking(text)
    if not scores:
        return Settled(tag, None)
    found, probability = max(scores.items(), key=lambda entry: entry[1])
    if found == "zxx":  # the model's class for text in no language
        return Settled(tag, None)
    if tag is not None and primary(tag) == found:
        return Settled(tag, None)
    if probability < CONFIDENT:
        return Settled(tag, None)
    if tag is not None and scores.get(primary(tag) or "", 0.0) >= IMPROBABLE:
        return Settled(tag, None)
    return Settled(found, tag)


def accepted(language: str | None, wanted: frozenset[str]) -> bool:
    """Whether a record's language is one of ``wanted`` (primary languages)."""
    return primary(language) in wanted


def parse_wanted(value: Any) -> frozenset[str]:
    """``"en,fr"`` (or a list) -> the primary languages a crawl keeps; empty: all."""
    if not value:
        return frozenset()
    parts = value if isinstance(value, list | tuple) else str(value).split(",")
    wanted = {primary(normalise_tag(str(part))) for part in parts}
    if None in wanted:
        raise ValueError(f"languages={value!r}: use language codes, such as en,fr")
    return frozenset(w for w in wanted if w)
