"""Cost of one near-duplicate check against a store of 1,000, 10,000 and 100,000 articles.

    python -m bench.dedup_cost [--sizes 1000,10000,100000] [--checks 400] [--keep DIR]

One SQLite store grows to each size in turn (articles and their sketches written through
the Store API, as the crawl writes them). At each size a fresh Python process opens the
store and runs ``--checks`` checks with the crawl's detector: half are new stories, half
edited copies of stored ones (so candidates are read and verified). It prints the time
per check (the whole check: shingling, MinHash, band look-ups, verification) and the
look-up part alone, and the process's peak resident memory (``VmHWM``: not
``ru_maxrss``, which in a child starts from the RSS its parent had when it forked). The
ratios against the smallest size, measured in the same run, are the figures that matter;
absolute times depend on the machine.

The stored texts are synthetic (words drawn from a Zipf distribution over a made-up
vocabulary), because what is measured is the index, not the language. Each story also
carries two short lines, as extracted bodies do: one of a few furniture lines its site
prints everywhere (a sign-up line, a notice) and one of its own (a caption); stores that
count template lines (:mod:`newscrawl.templatelines`) count them as the crawl does. The
same file runs against a checkout without template lines (it then skips the counting), so
before/after comparisons run the same texts.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from newscrawl.neardup import NearDupConfig, NearDupDetector, Sketcher, StoreIndex
from newscrawl.storage import Store

ROOT = Path(__file__).resolve().parents[1]

VOCABULARY = 20_000
SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "si", "de", "pa", "gu", "be", "zo", "fi"]


def peak_rss_kb() -> int:
    """This process's peak resident set since ``exec`` (``VmHWM``), in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status (not Linux?)")


def vocabulary(rng: np.random.Generator) -> list[str]:
    words: set[str] = set()
    while len(words) < VOCABULARY:
        words.add("".join(rng.choice(SYLLABLES, size=rng.integers(2, 5))))
    return sorted(words)


FURNITURE = 5  # furniture lines of the bench's site


def story(rng: np.random.Generator, words: list[str]) -> tuple[str, str]:
    """A headline, four paragraphs of 35 to 55 words, a furniture line and a caption."""

    def sentence(count: int) -> str:
        picks = np.minimum(rng.zipf(1.3, size=count), VOCABULARY) - 1
        return " ".join(words[i] for i in picks)

    paragraphs = [sentence(int(rng.integers(35, 56))) for _ in range(4)]
    furniture = int(rng.integers(0, FURNITURE))
    paragraphs.insert(2, sentence(6))  # a caption of its own
    paragraphs.append(" ".join(words[furniture * 10 : furniture * 10 + 9]))  # site furniture
    return sentence(8), "\n\n".join(paragraphs)


def article(number: int, headline: str, body: str) -> dict:
    return {
        "url": f"https://bench.example/{number}",
        "site": "bench.example",
        "fingerprint": f"fp{number}",
        "headline": headline,
        "body": body,
        "fetched_at": "2026-01-01T00:00:00+00:00",
        "also_at": [],
    }


def grow(store: Store, sketcher: Sketcher, start: int, stop: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    words = vocabulary(np.random.default_rng(0))
    for number in range(start, stop):
        headline, body = story(rng, words)
        sketch = sketcher.sketch(headline, body)
        store.add_article(article(number, headline, body))
        store.add_sketch(
            f"https://bench.example/{number}",
            sketch.signature.tobytes(),
            sketch.size,
            sketcher.band_keys(sketch.signature),
        )
        if hasattr(store, "add_lines"):  # a store that counts template lines
            from newscrawl.templatelines import TemplateRule, story_lines

            lines = story_lines(headline, body)
            store.add_lines(TemplateRule().keys("bench.example", lines, skip=1).values())
    store.commit()


class ReadOnlyIndex(StoreIndex):
    """Checks without indexing: every size is measured against exactly its own store."""

    def add(self, url: str, signature: bytes, size: int, keys) -> None:
        pass

    def add_lines(self, keys) -> None:
        pass


def run_checks(path: str, stored: int, checks: int) -> dict:
    """In a fresh process: open the store, time the checks, report peak memory."""
    rng = np.random.default_rng(1234)
    words = vocabulary(np.random.default_rng(0))
    store = Store(path)
    config = NearDupConfig()
    detector = NearDupDetector(ReadOnlyIndex(store), config)
    queries = []
    for number in range(checks):
        if number % 2:
            # An edited copy of a stored story: regenerate it, drop its last paragraph.
            target = int(rng.integers(0, stored))
            row = store.db.execute(
                "SELECT record FROM articles WHERE url = ?", (f"https://bench.example/{target}",)
            ).fetchone()
            record = json.loads(row[0])
            body = "\n\n".join(record["body"].split("\n\n")[:-1])
            queries.append((f"https://copy.example/{number}", "Another headline", body, True))
        else:
            headline, body = story(rng, words)
            queries.append((f"https://new.example/{number}", headline, body, False))
    times, lookups, found = [], [], 0
    for url, headline, body, is_copy in queries:
        started = time.perf_counter()
        match = detector.check(url, headline, body)
        times.append(time.perf_counter() - started)
        found += bool(match) == is_copy
        keys = detector.sketcher.band_keys(detector.sketcher.sketch(headline, body).signature)
        started = time.perf_counter()
        store.sketch_candidates(keys, config.max_per_key)
        lookups.append(time.perf_counter() - started)
    store.close()
    return {
        "check_ms": statistics.median(times) * 1000,
        "check_mean_ms": statistics.mean(times) * 1000,
        "lookup_ms": statistics.median(lookups) * 1000,
        "correct": found / len(queries),
        "peak_rss_mb": peak_rss_kb() / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--checks", type=int, default=400)
    parser.add_argument("--keep", help="build the store in this folder and keep it")
    parser.add_argument("--child", nargs=2, metavar=("STORE", "STORED"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_checks(args.child[0], int(args.child[1]), args.checks)))
        return 0
    sizes = sorted(int(size) for size in args.sizes.split(","))
    folder = Path(args.keep or tempfile.mkdtemp(prefix="dedup-cost-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bench.db"
    if path.exists():
        path.unlink()
    store = Store(path, batch_size=5000)
    sketcher = Sketcher(NearDupConfig())
    results = {}
    done = 0
    print(f"store: {path}; {args.checks} checks per size (half edited copies of stored stories)")
    for size in sizes:
        started = time.perf_counter()
        grow(store, sketcher, done, size, seed=size)
        built = time.perf_counter() - started
        done = size
        command = [sys.executable, "-m", "bench.dedup_cost", "--checks", str(args.checks)]
        child = subprocess.run(
            [*command, "--child", str(path), str(size)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        results[size] = json.loads(child.stdout)
        db_mb = os.path.getsize(path) / 2**20
        print(f"  {size:>7} stored (grown in {built:.0f} s, store file {db_mb:.0f} MiB): "
              f"check {results[size]['check_ms']:.3f} ms median "
              f"({results[size]['check_mean_ms']:.3f} mean), "
              f"look-up {results[size]['lookup_ms']:.3f} ms, "
              f"peak RSS {results[size]['peak_rss_mb']:.0f} MB, "
              f"decisions right {results[size]['correct']:.3f}")  # fmt: skip
    store.close()
    base = results[sizes[0]]
    for size in sizes[1:]:
        check = results[size]["check_ms"] / base["check_ms"]
        lookup = results[size]["lookup_ms"] / base["lookup_ms"]
        print(f"  ratio {size}/{sizes[0]}: check {check:.2f}x, look-up {lookup:.2f}x")
    if not args.keep:
        for leftover in folder.iterdir():
            leftover.unlink()
        folder.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
