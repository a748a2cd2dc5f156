"""Cost per page of archiving fetches as WARC, against the crawl's own per-page work.

    python -m bench.warc_cost [--rounds 5] [--heavy 60]

Pages: every HTML page of the offline mirror (``fixtures/mirror``, 4-12 KB each), and
``--heavy`` generated classic-template pages of live-site weight (40-80 KB,
``bench/big_mirror.py``). Each page becomes the fetch a crawl would archive (response
headers, a request, the page as body), twice: sent as-is, and gzip-coded as most news
sites send it (the archive keeps the coded bytes; compressing them again costs less).

Baseline, measured in the same run on the same pages: extracting the article from the
page (``extract_article``, what the crawl does per page whether it archives or not).
Measured, all writing to a temporary folder and counting file creation, rotation and
the fsync at close:

- ``ours-gz6``: ``WarcWriter`` at its default, one gzip member per record at level 6;
  ``ours-gz1``, ``ours-plain``: level 1 and uncompressed; ``ours-gz6-fsync``: with an
  fsync after every record (``fsync_interval=0``), the most a crawl could ask for;
- ``warcio-gz9``: the same records through warcio's ``WARCWriter`` (its only level, 9),
  which is why the writer builds records itself (newscrawl/archive/records.py);
- reading back: ``WarcReader`` (warcio underneath, digests checked, bodies decoded),
  against FastWARC iterating the same file with digests checked.

Prints milliseconds per page (median of ``--rounds``), the ratio to the baseline and the
archive bytes per page; the last line is one JSON object. Absolute times depend on the
machine; the ratios measured in one run are the figures to compare.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from fastwarc.warc import ArchiveIterator as FastIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from bench.support import big_mirror
from newscrawl.archive import Exchange, WarcReader, WarcWriter
from newscrawl.extract.article import extract_article

REPO = Path(__file__).resolve().parents[1]

REQUEST_HEADERS = [
    (b"Accept", b"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
    (b"Accept-Language", b"en"),
    (b"User-Agent", b"newscrawl/0.1 (+https://example.org/bot)"),
    (b"Accept-Encoding", b"gzip, deflate, br, zstd"),
]


def mirror_pages(heavy: int, folder: Path) -> list[tuple[str, bytes]]:
    """(url, html) of the mirror's HTML pages and of ``heavy`` generated heavy pages."""
    mirror = REPO / "fixtures" / "mirror"
    pages = [
        (f"https://{p.relative_to(mirror).as_posix()}", p.read_bytes())
        for p in sorted(mirror.rglob("*.html"))
    ]
    if heavy:
        big_mirror.build(folder / "heavy", heavy)
        pages += [
            (f"https://{p.relative_to(folder / 'heavy').as_posix()}", p.read_bytes())
            for p in big_mirror.article_paths(folder / "heavy")
        ]
    return pages


def exchanges(pages: list[tuple[str, bytes]], coded: bool) -> list[Exchange]:
    out = []
    for url, html in pages:
        headers = [
            (b"Content-Length", b"0"),
            (b"Date", b"Wed, 02 Dec 2026 10:00:00 GMT"),
            (b"Content-Type", b"text/html; charset=utf-8"),
            (b"Server", b"nginx"),
            (b"Cache-Control", b"max-age=300"),
        ]
        body = gzip.compress(html, compresslevel=6, mtime=0) if coded else html
        if coded:
            headers.append((b"Content-Encoding", b"gzip"))
        headers[0] = (b"Content-Length", str(len(body)).encode())
        out.append(
            Exchange(
                url=url,
                status=200,
                response_headers=headers,
                body=body,
                request_headers=REQUEST_HEADERS,
                protocol="HTTP/1.1",
                ip_address="192.0.2.10",
            )
        )
    return out


def extract_all(pages: list[tuple[str, bytes]]) -> None:
    for url, html in pages:
        extract_article(html.decode("utf-8", "replace"), url)


def write_ours(items: list[Exchange], folder: Path, **options) -> float:
    """Write ``items``; return the seconds spent closing the file (fsync, rename), a
    once-per-file cost (a file holds 1 GB in a crawl) that the bench reports apart."""
    writer = WarcWriter(folder, **options)
    for item in items:
        writer.write_exchange(item)
    start = time.perf_counter()
    writer.close()
    return time.perf_counter() - start


def write_warcio(items: list[Exchange], folder: Path) -> float:
    path = folder / "warcio.warc.gz"
    out = path.open("wb")
    with out:
        writer = WARCWriter(out, gzip=True, warc_version="1.1")
        for item in items:
            headers = [(k.decode(), v.decode("latin-1")) for k, v in item.response_headers]
            response = writer.create_warc_record(
                item.url,
                "response",
                payload=io.BytesIO(item.body),
                length=len(item.body),
                http_headers=StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1"),
                warc_headers_dict={"WARC-IP-Address": item.ip_address},
            )
            request = writer.create_warc_record(
                item.url,
                "request",
                http_headers=StatusAndHeaders(
                    "GET / HTTP/1.1",
                    [(k.decode(), v.decode()) for k, v in item.request_headers],
                    is_http_request=True,
                ),
            )
            writer.write_request_response_pair(request, response)
        start = time.perf_counter()
    return time.perf_counter() - start  # closing (no fsync: warcio leaves that to callers)


def read_ours(folder: Path) -> float:
    reader = WarcReader()
    for path in folder.iterdir():
        for item in reader.read(path):
            assert item.body
    assert reader.stats.records and not reader.stats.torn
    return 0.0


def read_fastwarc(folder: Path) -> float:
    for path in folder.iterdir():
        with path.open("rb") as fh:
            for record in FastIterator(fh, verify_digests=True):
                record.reader.read()
    return 0.0


def timed(action: Callable[[Path], float], scratch: Path) -> tuple[float, float]:
    """(seconds for the pages, seconds closing the file) of one run of ``action``."""
    folder = Path(tempfile.mkdtemp(dir=scratch))
    start = time.perf_counter()
    closing = action(folder)
    return time.perf_counter() - start - closing, closing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--heavy", type=int, default=60, help="generated 40-80 KB pages")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="warc-cost-") as tmp:
        scratch = Path(tmp)
        pages = mirror_pages(args.heavy, scratch)
        plain, coded = exchanges(pages, coded=False), exchanges(pages, coded=True)
        n = len(pages)
        writers: dict[str, Callable[[Path], float]] = {
            "ours-gz6": lambda f: write_ours(plain, f),
            "ours-gz6 (gzip-coded bodies)": lambda f: write_ours(coded, f),
            "ours-gz1": lambda f: write_ours(plain, f, compress_level=1),
            "ours-plain": lambda f: write_ours(plain, f, compress_level=None),
            "ours-gz6-fsync": lambda f: write_ours(plain, f, fsync_interval=0),
            "warcio-gz9": lambda f: write_warcio(plain, f),
        }
        sizes = {}
        for name, action in writers.items():  # once untimed: warm caches, measure sizes
            folder = Path(tempfile.mkdtemp(dir=scratch))
            action(folder)
            sizes[name] = sum(p.stat().st_size for p in folder.iterdir()) / n
        read_folder = Path(tempfile.mkdtemp(dir=scratch))
        write_ours(coded, read_folder)
        readers = {
            "read: ours (warcio, digests, decoded)": lambda _f: read_ours(read_folder),
            "read: fastwarc (digests)": lambda _f: read_fastwarc(read_folder),
        }
        extract_all(pages)
        times: dict[str, list[float]] = {"baseline: extract_article": []}
        closing: dict[str, list[float]] = {}
        for _ in range(args.rounds):  # alternate, so drift hits every figure alike
            start = time.perf_counter()
            extract_all(pages)
            times["baseline: extract_article"].append(time.perf_counter() - start)
            for name, action in {**writers, **readers}.items():
                pages_time, close_time = timed(action, scratch)
                times.setdefault(name, []).append(pages_time)
                closing.setdefault(name, []).append(close_time)
    base = statistics.median(times["baseline: extract_article"]) / n
    print(f"{n} pages ({n - args.heavy} mirror, {args.heavy} heavy), {args.rounds} rounds")
    print(f"{'':38} {'ms/page':>8} {'x extract':>10} {'bytes/page':>11} {'close ms':>9}")
    result: dict[str, object] = {"pages": n, "rounds": args.rounds}
    for name, values in times.items():
        per_page = statistics.median(values) / n
        size = sizes.get(name)
        close_ms = statistics.median(closing[name]) * 1000 if name in closing else None
        shown = f"{size:11.0f}" if size else f"{'':11}"
        shown += f" {close_ms:9.2f}" if name in writers else ""
        print(f"{name:38} {per_page * 1000:8.3f} {per_page / base:10.3f} {shown}")
        figures = {"ms_per_page": round(per_page * 1000, 4), "ratio": round(per_page / base, 4)}
        if size:
            figures |= {"bytes_per_page": round(size), "close_ms": round(close_ms or 0, 2)}
        result[name] = figures
    avg_html = sum(len(h) for _, h in pages) / n
    print(f"average page: {avg_html:.0f} bytes of HTML")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
