"""A site's template lines: the short lines it prints on page after page.

A newsletter sign-up, a copyright notice, a "Read more" label: extraction leaves some of
them in a story's body, and on a short item they are most of its text. Two different
briefs of one site then share more shingles through those lines than through anything
they report, and near-duplicate detection (:mod:`newscrawl.neardup`) would merge them.

A line (one paragraph of the body; never the headline) is *template* on a site when it is
short (:attr:`TemplateRule.max_words` words at most: a label, a sign-up line, a notice,
not a sentence of reporting) and the site has printed it on another page already (the
count of pages per site and line, :attr:`TemplateRule.pages` with the current one). Its
shingles carry no weight in the near-duplicate decision. Counting per site is what keeps
syndication intact: a wire story's copies are on other sites, so their shared lines never
count as one site's template, while a site's own furniture is learnt from its second page
on, whatever order pages arrive in.

The counts are kept where the sketches are (the store's ``template_lines`` table, or
memory for a feed), keyed by a hash of the site and the line's words.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

_WORDS = re.compile(r"\w+")
_PARAGRAPHS = re.compile(r"\s*\n\s*")
#: Lines of one story counted at most (a bound on the work of one check).
MAX_LINES = 64


def words_of(text: str) -> list[str]:
    return _WORDS.findall(unicodedata.normalize("NFKC", text).casefold())


def story_lines(headline: str | None, body: str | None) -> list[list[str]]:
    """The words of the headline and of each body paragraph, one list per line."""
    lines = (words_of(part) for part in _PARAGRAPHS.split(f"{headline or ''}\n{body or ''}"))
    return [words for words in lines if words]


def line_key(site: str, words: list[str]) -> int:
    """A signed 64-bit key for one site's line (it fits an SQL BIGINT column)."""
    digest = hashlib.blake2b(f"{site}\x00{' '.join(words)}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@dataclass(frozen=True)
class TemplateRule:
    """Which lines can be template, and after how many pages of a site they are."""

    max_words: int = 15  # longer lines are reporting, never template
    pages: int = 2  # pages of one site (this one included) a template line is on

    def keys(self, site: str, lines: list[list[str]], skip: int = 0) -> dict[int, int]:
        """Line index -> key, for the lines short enough to be template; the first ``skip``
        lines (the headline) never are: a headline names its story, and a site printing
        it twice is printing the story twice."""
        found: dict[int, int] = {}
        for index, words in enumerate(lines):
            if index < skip:
                continue
            if len(words) <= self.max_words and len(found) < MAX_LINES:
                found[index] = line_key(site, words)
        return found

    def template(self, keys: dict[int, int], seen: dict[int, int]) -> set[int]:
        """Indexes of the lines that are template, given how many other pages had each."""
        return {index for index, key in keys.items() if seen.get(key, 0) + 1 >= self.pages}


class MemoryLineCounts:
    """Pages per site line, in memory (one run without a store, one feed)."""

    def __init__(self) -> None:
        self._pages: dict[int, int] = {}

    def line_pages(self, keys: Iterable[int]) -> dict[int, int]:
        return {key: self._pages[key] for key in keys if key in self._pages}

    def add_lines(self, keys: Iterable[int]) -> None:
        for key in set(keys):
            self._pages[key] = self._pages.get(key, 0) + 1
