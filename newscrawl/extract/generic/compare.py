"""Comparing texts from different sources of one page, blind to how each spells them.

The generic layer decides by agreement: the same headline from JSON-LD and from ``<h1>``,
the same body from trafilatura and from ``articleBody``. Sources spell the same words
differently (case, punctuation, soft hyphens, entities), so they are compared through
:func:`key`, and bodies through the share of words they have in common.
"""

from __future__ import annotations

import re

from newscrawl.text import UNSPELLED

_NON_WORD = re.compile(r"[\W_]+")
# A text that ends as a sentence ends (a closing quote or bracket may follow).
SENTENCE_END = re.compile(r"[.!?\u3002]\W{0,2}$")


def key(text: str) -> str:
    """A spelling-blind comparison key: case-folded words only (soft hyphens and joiners,
    which never change a word, dropped first)."""
    return _NON_WORD.sub(" ", text.translate(UNSPELLED).casefold()).strip()


def words_within(candidate: list[str] | tuple[str, ...], reference: list[str]) -> bool:
    """Whether nearly all (95%) of ``candidate``'s words are among ``reference``'s."""
    words = key(" ".join(candidate)).split()
    vocabulary = set(key(" ".join(reference)).split())
    return bool(words) and sum(w in vocabulary for w in words) >= 0.95 * len(words)


def is_clean_version(candidate: list[str], reference: list[str]) -> bool:
    """Whether ``candidate`` is ``reference`` with a little removed: 75-100% of its length,
    nearly all (97%) of its words among the reference's."""
    cand_words = key(" ".join(candidate)).split()
    ref_words = key(" ".join(reference)).split()
    if not cand_words:
        return False
    if not ref_words:
        return len(cand_words) >= 50
    if not 0.75 * len(ref_words) <= len(cand_words) <= len(ref_words):
        return False
    vocabulary = set(ref_words)
    shared = sum(1 for word in cand_words if word in vocabulary)
    return shared >= 0.97 * len(cand_words)


def is_fuller_version(candidate: list[str], reference: list[str]) -> bool:
    """Whether ``candidate`` holds all of ``reference`` and much more text besides.

    At least half again as many words, nearly all of the reference's words among its own,
    at least 15% of its words new (not the same text repeated) and paragraphs kept (three
    or more): a teaser or a repeated copy fails, a complete article body passes.
    """
    cand_words = key(" ".join(candidate)).split()
    ref_words = key(" ".join(reference)).split()
    if not ref_words or len(candidate) < 3 or len(cand_words) < 1.5 * len(ref_words):
        return False
    cand_vocabulary, ref_vocabulary = set(cand_words), set(ref_words)
    kept = sum(1 for word in ref_words if word in cand_vocabulary)
    new = sum(1 for word in cand_words if word not in ref_vocabulary)
    return kept >= 0.97 * len(ref_words) and new >= 0.15 * len(cand_words)
