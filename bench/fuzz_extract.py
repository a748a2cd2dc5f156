"""Fuzz ``newscrawl extract``'s extraction over mutated fixture pages, time-boxed.

    python -m bench.fuzz_extract                       # 100,000 inputs or 20 minutes
    python -m bench.fuzz_extract --inputs 5000 --seconds 60 --seed 7

Each input is a page of the project's fixtures (the mirror sites and fixtures/pages) put
through one to four random mutations: byte flips, cuts, duplicated or spliced slices,
truncation, and fragments that break parsers (unclosed comments and CDATA, NUL and
control characters, a lying ``<meta charset>``, UTF-16/32 BOMs, deep nesting, broken or
hostile JSON-LD, entity declarations, huge attributes). It is decoded as ``newscrawl
extract`` decodes a saved file (:func:`newscrawl.cli.read_page`'s rules) and extracted
with :func:`newscrawl.extract.article.extract_article` and :func:`newscrawl.text.normalize_record`,
in-process (the CLI's per-file ``error`` line would hide exceptions; here every exception
out of extraction counts as unhandled), with the site profiles on or off at random and the
page's real URL or an unknown site's.

Prints inputs tried, inputs/s, and unhandled exceptions grouped by type and place, with
a reproducer saved under ``--save`` for each group. Exit status 1 when any was found.
Runs one worker process per CPU (``--workers``); worker ``i`` uses seed ``seed + i``.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import random
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

from itemadapter import ItemAdapter
from w3lib.encoding import html_to_unicode

from newscrawl.extract.article import extract_article
from newscrawl.extract.decoding import fallback_encoding
from newscrawl.text import normalize_record

ROOT = Path(__file__).resolve().parents[1]

FRAGMENTS = [
    b"<div>", b"</div>", b"</p>", b"<p>", b"<!--", b"-->", b"<![CDATA[", b"]]>", b"\x00",
    b"\x01\x07\x1b[0m", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf", b"\x00\x00\xfe\xff",
    b'<meta charset="utf-16">', b'<meta charset="x-unknown-9">', b'<meta charset="shift_jis">',
    b"<div>" * 1000, b"<b><i><u>" * 200, b"&#0;", b"&#x110000;", b"&#99999999999;",
    b"&nbsp;&amp;&lt;&gt;&bogus;", b'<!DOCTYPE html [<!ENTITY x "xxxxxxxxxx">]>', b"&x;",
    b'<script type="application/ld+json">', b"</script>",
    b'{"@type":"NewsArticle","headline":null,"author":[[[{"name":{}}]]],"datePublished":7}',
    b'{"@graph":[{"@id":"#a","author":{"@id":"#a"}}],"@type":["Article",null]}',
    b'{"@type":"NewsArticle","datePublished":"99999-99-99T99:99","inLanguage":["en",1]}',
    b"[" * 1000, b'{"a":' * 300, b"1e999999", b'"\\ud800"', b'<a href="javascript:x">',
    b'<a href="http://[::1">', b'<a href="http://a:99999999/">', b'<img src="//">',
    b'<meta property="og:type" content="article">', b'<link rel="canonical" href="::::">',
    b'<html lang="\xff\xfe">', b"<h1></h1>", b"<h1>" + b"A" * 20000 + b"</h1>",
    b'<p class="' + b"x" * 50000 + b'">', b"<svg><math><table><select><template>",
    b"<time datetime='0000-00-00'>", b"By , and ; & |", b"(AFP) (AFP) (",
    b"\xe2\x80\xae\xe2\x80\x8b\xcc\x81" * 100, b"\r\r\n\n\t\v\f",
]  # fmt: skip


def seeds() -> list[tuple[bytes, str]]:
    """(page bytes, its URL) for every fixture page."""
    found = []
    mirror = ROOT / "fixtures" / "mirror"
    for path in sorted(mirror.rglob("*.html")):
        relative = path.relative_to(mirror)
        url_path = "/".join(relative.parts[1:]).removesuffix("index.html")
        found.append((path.read_bytes(), f"https://{relative.parts[0]}/{url_path}"))
    for path in sorted((ROOT / "fixtures" / "pages").glob("*.html")):
        found.append((path.read_bytes(), "https://www.spacewar.com/reports/Fuzz_999.html"))
    return found


def mutate(data: bytes, rng: random.Random, pool: list[tuple[bytes, str]]) -> bytes:
    for _ in range(rng.randint(1, 4)):
        n = len(data)
        i, j = sorted(rng.randrange(n + 1) for _ in range(2)) if n else (0, 0)
        choice = rng.randrange(8)
        if choice == 0 and n:  # flip bytes
            buf = bytearray(data)
            for _ in range(rng.randint(1, 32)):
                buf[rng.randrange(n)] = rng.randrange(256)
            data = bytes(buf)
        elif choice == 1:  # cut a slice
            data = data[:i] + data[j:]
        elif choice == 2:  # duplicate a slice
            data = data[:j] + data[i:j] * rng.randint(1, 8) + data[j:]
        elif choice == 3:  # truncate
            data = data[:i]
        elif choice == 4:  # splice with another page
            other = rng.choice(pool)[0]
            k = rng.randrange(len(other) + 1)
            data = data[:i] + other[k:]
        elif choice == 5:  # random bytes
            data = data[:i] + rng.randbytes(rng.randint(1, 64)) + data[i:]
        else:  # a hostile fragment, one or many times
            fragment = rng.choice(FRAGMENTS) * rng.choice((1, 1, 1, 1, 2, 20))
            data = data[:i] + fragment + data[i:]
    return data


def decode(data: bytes) -> str:
    """As ``newscrawl extract`` reads a saved page (newscrawl.cli.read_page)."""
    encoding, text = html_to_unicode(None, data)
    fallback = fallback_encoding(data, encoding)
    return data.decode(fallback) if fallback else text


def place(exc: BaseException) -> str:
    """The innermost frame in project or library code: where the exception came from."""
    frames = traceback.extract_tb(exc.__traceback__)
    frame = frames[-1] if frames else None
    return f"{Path(frame.filename).name}:{frame.lineno}" if frame else "?"


def worker(args: tuple[int, int, float, str]) -> tuple[int, Counter, dict[str, bytes], Counter]:
    seed, quota, deadline, url_mode = args
    logging.disable(logging.CRITICAL)  # trafilatura and htmldate warn about broken pages
    rng = random.Random(seed)
    pool = seeds()
    tried, failures, examples, handled = 0, Counter(), {}, Counter()
    while tried < quota and time.time() < deadline:
        page, url = rng.choice(pool)
        data = mutate(page, rng, pool)
        if url_mode == "mixed" and rng.random() < 0.3:
            url = "https://unknown.example/2025/09/01/some-story/"
        tried += 1
        try:
            extraction = extract_article(decode(data), url, use_profiles=rng.random() < 0.7)
            normalize_record(ItemAdapter(extraction.item))
            if extraction.error:  # caught at the extract_article boundary: still a bug
                key = f"handled: {extraction.error[:120]}"
                handled[key] += 1
                examples.setdefault(key, data)
        except Exception as exc:  # noqa: BLE001 - counting them is the point
            key = f"{type(exc).__name__} at {place(exc)}: {str(exc)[:120]}"
            failures[key] += 1
            examples.setdefault(key, data)
    return tried, failures, examples, handled


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=100_000, help="stop after this many")
    parser.add_argument("--seconds", type=float, default=1200, help="or after this long")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--save", type=Path, default=Path("fuzz-failures"))
    args = parser.parse_args(argv)

    start = time.time()
    deadline = start + args.seconds
    quotas = [args.inputs // args.workers + (i < args.inputs % args.workers)
              for i in range(args.workers)]  # fmt: skip
    jobs = [(args.seed + i, quota, deadline, "mixed") for i, quota in enumerate(quotas)]
    with multiprocessing.get_context("fork").Pool(args.workers) as pool:
        results = pool.map(worker, jobs)
    elapsed = time.time() - start

    tried = sum(r[0] for r in results)
    failures: Counter = sum((r[1] for r in results), Counter())
    examples = {k: v for r in results for k, v in r[2].items()}
    handled: Counter = sum((r[3] for r in results), Counter())
    print(f"seed pages: {len(seeds())}, workers: {args.workers}, seed: {args.seed}")
    print(f"inputs tried: {tried} in {elapsed:.0f} s ({tried / elapsed:.0f} inputs/s)")
    print(f"unhandled exceptions: {sum(failures.values())} ({len(failures)} distinct)")
    print(
        f"generic extraction errors handled at the extract_article boundary (pages "
        f"rejected as extraction_error): {sum(handled.values())} ({len(handled)} distinct)"
    )
    if failures or handled:
        args.save.mkdir(parents=True, exist_ok=True)
    found = failures.most_common() + handled.most_common()
    for number, (key, count) in enumerate(found, 1):
        path = args.save / f"failure-{number}.html"
        path.write_bytes(examples[key])
        print(f"  {count:6d}  {key}  (reproducer: {path})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
