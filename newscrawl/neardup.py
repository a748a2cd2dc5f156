"""Near-duplicate detection: one story, however many sites republish it with small edits.

Wire stories are republished across sister sites with another headline, a trimmed or an
extra paragraph, boilerplate lines, straight instead of curly quotes. The exact fingerprint
(:func:`newscrawl.text.fingerprint`) misses those copies; this module catches them.

How a check works
-----------------
1. **Shingles.** The headline and each body paragraph are case-folded (NFKC) and cut into
   words, so glyph changes (quotes, dashes, no-break spaces) and dateline punctuation vanish.
   Each paragraph gives its word ``shingle_size``-grams; shingles never span two paragraphs,
   so an ad or boilerplate line dropped between two paragraphs adds a few shingles of its
   own and breaks none of its neighbours'.
2. **Sketch.** A MinHash (``datasketch``, ``affine32`` scheme, ``num_perm`` values) of that
   set, and the set's size.
3. **Band keys.** The first ``bands x rows`` MinHash values, cut into ``bands`` bands of
   ``rows``; each band hashes to one 64-bit key. Stories sharing any key are candidates
   (LSH). Keys live in an indexed table (:class:`StoreIndex`), so a check is ``bands``
   indexed look-ups, reading at most ``max_per_key`` stories per key, and never loads the
   history into memory.
4. **Verification.** Each candidate's stored sketch is scored against the new one
   (:func:`score`: Jaccard after setting aside ``allowance`` shared shingles); the best
   score at or above ``threshold`` makes the new story a duplicate of that candidate.

Template lines and short items
------------------------------
Lines a site prints on page after page (a newsletter sign-up, a copyright notice, "Read
more") are the site's template, not the story (:mod:`newscrawl.templatelines`: short
lines already seen on another page of the same site). Their shingles are left out of the
sketch, so they carry no weight in the decision. What remains is the story's
*distinctive* text; a story with fewer than ``min_shingles`` distinctive shingles (a
one-line brief under a sign-up box) is too short to compare: it is never merged with
another story, nor is another merged with it (it is not indexed).

The stored index depends on ``num_perm``, ``rows`` and ``shingle_size`` (they are part of
every key), not on the threshold or the allowance, which can change without a rebuild.
Changing one of the three starts a new index: stories stored before are no longer matched.

Why each default (``shingle_size`` 5, ``allowance`` 15, ``num_perm`` 256, ``bands`` 42 x
``rows`` 3, ``threshold`` 0.43) was chosen, with the measurements of ``python -m
bench.dedup_quality`` on the labelled pairs, is in the README ("Near-duplicates").

What it cannot tell apart, by construction: two copies that each lost a different half of
the story share no more text than a follow-up quoting two of its paragraphs (the labelled
set keeps at most one trimmed copy per pair), and two briefs that differ in a single fact
(a corrected re-issue, or a different launch by the same rocket from the same pad) look
like one story (the labelled set's template briefs differ in two facts or more).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

import numpy as np

from newscrawl.templatelines import (  # noqa: F401 - words_of: this module's older API
    MemoryLineCounts,
    TemplateRule,
    story_lines,
    words_of,
)
from newscrawl.urls import site_of

_SCHEME = "affine32"  # datasketch >= 2: collision-free permutations, uint32 values
_SEED = 1


@dataclass(frozen=True)
class NearDupConfig:
    """Detection parameters; the crawl reads them from the ``NEARDUP_*`` settings."""

    threshold: float = 0.43  # score at or above which two stories are one (see score())
    allowance: int = 15  # shingles two stories may share without sharing content
    num_perm: int = 256  # MinHash values per signature (1 KiB stored per story)
    bands: int = 42  # LSH bands ...
    rows: int = 3  # ... of this many MinHash values each (bands x rows <= num_perm)
    shingle_size: int = 5  # words per shingle
    max_per_key: int = 50  # stored stories read per band key (most recent first)
    # Distinctive shingles a story needs to be compared at all: more than the allowance (what
    # two unrelated stories may share), else no score can tell it from another.
    min_shingles: int = 16
    template_words: int = 15  # longest line that can be a site's template line
    template_pages: int = 2  # pages of one site a template line is on (this one included)

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {self.threshold}")
        if self.bands < 1 or self.rows < 1 or self.bands * self.rows > self.num_perm:
            raise ValueError(f"bands x rows ({self.bands} x {self.rows}) exceeds num_perm")
        if self.shingle_size < 1 or self.max_per_key < 1 or self.allowance < 0:
            raise ValueError("shingle_size and max_per_key must be positive, allowance >= 0")
        if self.min_shingles < 0 or self.template_words < 0 or self.template_pages < 2:
            raise ValueError("min_shingles, template_words >= 0 and template_pages >= 2")

    @classmethod
    def from_settings(cls, settings: Any) -> NearDupConfig:
        return cls(
            threshold=settings.getfloat("NEARDUP_THRESHOLD", cls.threshold),
            allowance=settings.getint("NEARDUP_ALLOWANCE", cls.allowance),
            num_perm=settings.getint("NEARDUP_NUM_PERM", cls.num_perm),
            bands=settings.getint("NEARDUP_BANDS", cls.bands),
            rows=settings.getint("NEARDUP_ROWS", cls.rows),
            shingle_size=settings.getint("NEARDUP_SHINGLE_SIZE", cls.shingle_size),
            max_per_key=settings.getint("NEARDUP_MAX_PER_KEY", cls.max_per_key),
            min_shingles=settings.getint("NEARDUP_MIN_SHINGLES", cls.min_shingles),
            template_words=settings.getint("NEARDUP_TEMPLATE_WORDS", cls.template_words),
            template_pages=settings.getint("NEARDUP_TEMPLATE_PAGES", cls.template_pages),
        )

    @property
    def template(self) -> TemplateRule:
        return TemplateRule(max_words=self.template_words, pages=self.template_pages)


def shingles(headline: str | None, body: str | None, size: int = 3) -> set[bytes]:
    """Word ``size``-grams of the headline and of each paragraph, never across paragraphs."""
    return line_shingles(story_lines(headline, body), size)


def line_shingles(lines: Iterable[list[str]], size: int) -> set[bytes]:
    """Word ``size``-grams of each line (a line shorter than that is one shingle)."""
    found: set[bytes] = set()
    for words in lines:
        if len(words) <= size:
            found.add(" ".join(words).encode())
            continue
        for start in range(len(words) - size + 1):
            found.add(" ".join(words[start : start + size]).encode())
    return found


def _minhash_class() -> type:
    """datasketch's MinHash, imported on first use: the package imports scipy (about 60 MB
    resident), which a crawl whose extraction workers make the sketches never needs."""
    from datasketch import MinHash

    return MinHash


@dataclass(frozen=True)
class Sketch:
    """A story's MinHash values (uint32) and the size of its shingle set."""

    signature: np.ndarray
    size: int


@dataclass(frozen=True)
class MadeSketch:
    """A story's sketch made ahead of the pipeline (by an extraction worker), with the text
    and configuration it was made from: the pipeline uses it only for that very text and
    configuration, and sketches anything else itself."""

    config: NearDupConfig
    headline: str | None
    body: str | None
    sketch: Sketch | None

    def fits(self, config: NearDupConfig, headline: str | None, body: str | None) -> bool:
        return config == self.config and headline == self.headline and body == self.body


class Sketcher:
    """Sketches and band keys for one configuration (permutations generated once)."""

    def __init__(self, config: NearDupConfig) -> None:
        self.config = config
        tag = f"{_SCHEME}/{_SEED}/{config.num_perm}/{config.rows}/{config.shingle_size}"
        self._tag = tag.encode()

    def sketch(self, headline: str | None, body: str | None) -> Sketch | None:
        """The story's sketch, or None when it has no words at all."""
        return self.sketch_lines(story_lines(headline, body))

    def sketch_lines(self, lines: Iterable[list[str]]) -> Sketch | None:
        """The sketch of some lines of a story (see :func:`newscrawl.templatelines.story_lines`)."""
        return self.sketch_shingles(line_shingles(lines, self.config.shingle_size))

    def sketch_shingles(self, found: set[bytes]) -> Sketch | None:
        """The sketch of a set of shingles, or None for an empty set."""
        if not found:
            return None
        minhash = _minhash_class()(
            self.config.num_perm, seed=_SEED, permutations=self._permutations, scheme=_SCHEME
        )
        minhash.update_batch(found)
        return Sketch(minhash.hashvalues.astype("<u4"), len(found))

    @cached_property
    def _permutations(self) -> np.ndarray:
        return _minhash_class()(self.config.num_perm, seed=_SEED, scheme=_SCHEME).permutations

    def band_keys(self, signature: np.ndarray) -> list[int]:
        """One signed 64-bit key per band (it fits an SQL INTEGER column)."""
        rows = self.config.rows
        keys = []
        for band in range(self.config.bands):
            values = signature[band * rows : (band + 1) * rows].tobytes()
            digest = hashlib.blake2b(
                self._tag + band.to_bytes(2, "big") + values, digest_size=8
            ).digest()
            keys.append(int.from_bytes(digest, "big", signed=True))
        return keys


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two shingle sets: the share of equal MinHash values."""
    return float(np.count_nonzero(a == b)) / len(a)


def score(a: Sketch, b: Sketch, allowance: int, b_template: float = 0.0) -> float:
    """Jaccard similarity of two stories after setting aside ``allowance`` shared shingles.

    Short briefs written on one template (the same header and closing lines, the same
    sentence pattern) share a few dozen shingles whatever they report, which is most of a
    brief; a syndicated copy of a brief shares all of it. Counting the first ``allowance``
    shared shingles as template rather than content separates the two, and changes the
    score of full-length stories (hundreds of shingles) very little. The intersection and
    union sizes come from the estimated Jaccard and the two set sizes:
    ``I = J (|A| + |B|) / (1 + J)``, ``U = |A| + |B| - I``.

    ``b_template``: how many of ``b``'s shingles are template lines that ``a``'s sketch
    left out (:func:`template_overlap`); they are no part of the comparison, so they leave
    the union (a story indexed before its site's template was known still has them).
    """
    estimate = jaccard(a.signature, b.signature)
    total = a.size + b.size
    shared = estimate * total / (1.0 + estimate)
    union = max(total - shared - b_template, shared)
    if union <= allowance:  # a story of a handful of words: nothing to set aside
        return estimate
    return min(1.0, max(0.0, shared - allowance) / (union - allowance))


def template_overlap(template: Sketch, other: Sketch) -> float:
    """Estimated number of ``template``'s shingles that ``other``'s set holds.

    The intersection size from the two sets' estimated Jaccard and sizes (as in
    :func:`score`); for disjoint sets no MinHash value is shared and the estimate is 0.
    """
    estimate = jaccard(template.signature, other.signature)
    held = estimate * (template.size + other.size) / (1.0 + estimate)
    return min(held, float(template.size), float(other.size))


def to_bytes(signature: np.ndarray) -> bytes:
    return signature.astype("<u4").tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<u4")


class SignatureIndex(Protocol):
    """Where sketches and band keys live: the store for a crawl, memory for a feed."""

    def candidates(self, keys: Sequence[int], per_key: int) -> list[tuple[str, bytes, int]]:
        """(url, signature, size) of stories sharing a key; ``per_key`` newest per key."""
        ...

    def add(self, url: str, signature: bytes, size: int, keys: Sequence[int]) -> None: ...

    def line_pages(self, keys: Iterable[int]) -> dict[int, int]:
        """Pages each site line (:mod:`newscrawl.templatelines`) was seen on, known ones only."""
        ...

    def add_lines(self, keys: Iterable[int]) -> None:
        """Count one more page for each of these site lines."""
        ...


class MemoryIndex(MemoryLineCounts):
    """An in-memory index, for one run without a store or one ``newscrawl dedup`` call."""

    def __init__(self) -> None:
        super().__init__()
        self._entries: list[tuple[str, bytes, int]] = []
        self._by_key: dict[int, list[int]] = {}

    def candidates(self, keys: Sequence[int], per_key: int) -> list[tuple[str, bytes, int]]:
        ids: dict[int, None] = {}
        for key in keys:
            for entry in reversed(self._by_key.get(key, [])[-per_key:]):
                ids[entry] = None
        return [self._entries[entry] for entry in ids]

    def add(self, url: str, signature: bytes, size: int, keys: Sequence[int]) -> None:
        self._entries.append((url, signature, size))
        for key in set(keys):
            self._by_key.setdefault(key, []).append(len(self._entries) - 1)


class StoreIndex:
    """The store's index: survives across runs, read with indexed look-ups only."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def candidates(self, keys: Sequence[int], per_key: int) -> list[tuple[str, bytes, int]]:
        # Hold the keys until the story is stored (or dropped): a worker checking the same
        # story at the same time waits, then finds this one (newscrawl.storage.connection).
        self.store.reserve(keys)
        return self.store.sketch_candidates(keys, per_key)

    def add(self, url: str, signature: bytes, size: int, keys: Sequence[int]) -> None:
        self.store.add_sketch(url, signature, size, keys)

    def line_pages(self, keys: Iterable[int]) -> dict[int, int]:
        return self.store.line_pages(keys)

    def add_lines(self, keys: Iterable[int]) -> None:
        self.store.add_lines(keys)


@dataclass(frozen=True)
class Match:
    url: str  # the indexed story this one duplicates
    score: float  # see score()


@dataclass(frozen=True)
class Assessment:
    """A story as the detector sees it: its distinctive text's sketch and where to look."""

    sketch: Sketch | None  # of the lines that are not the site's template; None: no words
    template: frozenset[bytes]  # the template lines' own shingles (left out of ``sketch``)
    comparable: bool  # enough distinctive text (``min_shingles``) to be compared at all
    band_keys: list[int]
    line_keys: list[int]  # the story's lines that can be template, to count


@dataclass(frozen=True)
class Examined:
    """A story checked against the index: its best match (None: a new story), its own
    index entry (None: no distinctive text to compare, so it is never indexed) and its
    lines that can be template, for the caller to count (:meth:`NearDupDetector.check`)."""

    match: Match | None
    entry: tuple[bytes, int, list[int]] | None  # signature bytes, set size, band keys
    line_keys: list[int]


@dataclass
class NearDupDetector:
    """Checks stories against an index; a story that matches nothing is indexed."""

    index: SignatureIndex
    config: NearDupConfig = field(default_factory=NearDupConfig)

    def __post_init__(self) -> None:
        self.sketcher = Sketcher(self.config)

    def assess(
        self,
        url: str,
        headline: str | None,
        body: str | None,
        sketch: Sketch | None = None,
        *,
        sketched: bool = False,
    ) -> Assessment:
        """The story's distinctive sketch: its lines less its site's template lines.

        Reads the index, changes nothing. ``sketched``: ``sketch`` is the story's whole
        text's, made elsewhere with this configuration (an extraction worker,
        :mod:`newscrawl.extract.worker`); it is used when no line is template.
        """
        lines = story_lines(headline, body)
        rule = self.config.template
        titled = bool(lines) and bool(story_lines(headline, None))
        keys = rule.keys(site_of(url), lines, skip=int(titled)) if lines else {}
        template = rule.template(keys, self.index.line_pages(set(keys.values()))) if keys else ()
        left_out: frozenset[bytes] = frozenset()
        if template or not sketched:
            size = self.config.shingle_size
            kept = line_shingles((w for i, w in enumerate(lines) if i not in template), size)
            sketch = self.sketcher.sketch_shingles(kept)
            if template:
                left_out = frozenset(line_shingles((lines[i] for i in template), size) - kept)
        comparable = sketch is not None and sketch.size >= self.config.min_shingles
        bands = self.sketcher.band_keys(sketch.signature) if comparable and sketch else []
        return Assessment(sketch, left_out, comparable, bands, list(keys.values()))

    def scores(self, url: str, assessment: Assessment) -> Iterator[tuple[str, float]]:
        """(indexed story, score) for each LSH candidate that can be compared."""
        if not assessment.comparable or assessment.sketch is None:
            return
        candidates = self.index.candidates(assessment.band_keys, self.config.max_per_key)
        # The allowance sets aside shared shingles that may be template; those of the
        # template lines already left out count toward it.
        allowance = max(0, self.config.allowance - len(assessment.template))
        template: Sketch | None = None
        for other_url, other, size in candidates:
            if other_url == url:
                continue
            sketch = Sketch(from_bytes(other), size)
            # The site's template lines the stored story may still hold (indexed before
            # they were known to be template): no part of its distinctive text.
            held = 0.0
            if assessment.template:
                template = template or self.sketcher.sketch_shingles(set(assessment.template))
                held = template_overlap(template, sketch) if template else 0.0
            if size - held < self.config.min_shingles:
                continue
            yield other_url, score(assessment.sketch, sketch, allowance, held)

    def check(
        self,
        url: str,
        headline: str | None,
        body: str | None,
        sketch: Sketch | None = None,
        *,
        sketched: bool = False,
    ) -> Match | None:
        """The best indexed match of a story; a story that matches nothing is indexed.

        A story too short to compare (see the module docstring) matches nothing and is
        not indexed. Either way its template-eligible lines are counted for its site.
        """
        examined = self.examine(url, headline, body, sketch, sketched=sketched)
        self.index.add_lines(examined.line_keys)
        if examined.match is None and examined.entry is not None:
            self.index.add(url, *examined.entry)
        return examined.match

    def examine(
        self,
        url: str,
        headline: str | None,
        body: str | None,
        sketch: Sketch | None = None,
        *,
        sketched: bool = False,
    ) -> Examined:
        """:meth:`check` without indexing or counting: the caller decides what the story
        becomes, and counts its lines (``index.add_lines``) whatever it becomes."""
        assessment = self.assess(url, headline, body, sketch, sketched=sketched)
        best: Match | None = None
        for other_url, value in self.scores(url, assessment):
            if value >= self.config.threshold and (best is None or value > best.score):
                best = Match(other_url, value)
        return Examined(best, self._entry(assessment), assessment.line_keys)

    def entry(
        self,
        url: str,
        headline: str | None,
        body: str | None,
        sketch: Sketch | None = None,
        *,
        sketched: bool = False,
    ) -> tuple[bytes, int, list[int]] | None:
        """A story's index entry (signature bytes, shingle set size, band keys) of its
        distinctive lines; None when it is too short to compare (it is never indexed)."""
        return self._entry(self.assess(url, headline, body, sketch, sketched=sketched))

    @staticmethod
    def _entry(assessment: Assessment) -> tuple[bytes, int, list[int]] | None:
        if not assessment.comparable or assessment.sketch is None:
            return None
        signature = to_bytes(assessment.sketch.signature)
        return signature, assessment.sketch.size, assessment.band_keys
