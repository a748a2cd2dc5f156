"""CC-NEWS-style WARC files built at test time from the project's own mirror pages.

Common Crawl's news archives are WARC/1.0 files of gzip-per-record captures: per page a
``request``, a ``response`` and a ``metadata`` record, after one ``warcinfo``. Their
response bodies are stored decoded, with the HTTP fields that described the transfer
masked by an ``X-Crawler-`` prefix (``X-Crawler-Content-Encoding: gzip``) and
``Content-Length`` set to the stored length; a body over the crawler's limit is cut and
marked ``WARC-Truncated: length``. The files here have that shape, written with warcio's
own writer (not ours, so the reader is tested on files it did not make), from pages the
project wrote: nothing is copied from Common Crawl. No WARC file is committed; tests
write these to their tmp folders.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ROOT = Path(__file__).resolve().parents[2]
MIRROR = ROOT / "fixtures" / "mirror"
TRUNCATE_AT = 2048  # stands in for CC's 1 MiB limit, on pages of a few KiB


@dataclass(frozen=True)
class Capture:
    """One page as a CC-NEWS crawler would have fetched it."""

    url: str
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    date: datetime = datetime(2026, 5, 4, 3, 2, 1, tzinfo=UTC)
    truncate: bool = False  # cut at TRUNCATE_AT and mark WARC-Truncated: length
    masked_gzip: bool = False  # fetched gzip-coded, stored decoded, header masked


def mirror_pages(suffix: str = ".html", host: str = "www.spacewar.com") -> Iterator[Capture]:
    """The mirror's files of one host ending in ``suffix``, as captures of their URLs."""
    for path in sorted((MIRROR / host).rglob(f"*{suffix}")):
        relative = path.relative_to(MIRROR / host).as_posix()
        if relative.endswith("index.html"):
            relative = relative[: -len("index.html")]
        content_type = "application/pdf" if suffix == ".pdf" else "text/html; charset=utf-8"
        yield Capture(f"https://{host}/{relative}", path.read_bytes(), content_type)


def standard_captures(pages: int = 6) -> list[Capture]:
    """``pages`` HTML pages (the second fetched gzip-coded), a PDF, and a long page cut
    at the limit, in that order."""
    html = list(mirror_pages())
    captures = html[:pages]
    captures[1] = Capture(captures[1].url, captures[1].body, masked_gzip=True)
    pdf = next(mirror_pages(".pdf"))
    longest = max(html[pages:], key=lambda capture: len(capture.body))
    assert len(longest.body) > TRUNCATE_AT
    return [*captures, pdf, Capture(longest.url, longest.body, truncate=True)]


def write_ccnews(path: Path, captures: Iterable[Capture], *, gzip: bool = True) -> list[int]:
    """Write the captures to ``path``; return the offset of each capture's response
    record (its request follows it, then its metadata)."""
    offsets = []
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=gzip, warc_version="1.0")
        info = {"software": "test-ccnews", "format": "WARC File Format 1.0"}
        writer.write_record(writer.create_warcinfo_record(path.name, info))
        for capture in captures:
            offsets.append(out.tell())
            for record in _records(writer, capture):
                writer.write_record(record)
    return offsets


def _records(writer: WARCWriter, capture: Capture) -> list:
    date = capture.date.strftime("%Y-%m-%dT%H:%M:%SZ")
    body = capture.body[:TRUNCATE_AT] if capture.truncate else capture.body
    headers = [("Date", capture.date.strftime("%a, %d %b %Y %H:%M:%S GMT"))]
    headers.append(("Content-Type", capture.content_type))
    if capture.masked_gzip:
        headers.append(("X-Crawler-Content-Encoding", "gzip"))
        headers.append(("X-Crawler-Content-Length", str(len(body) // 3)))
    headers.append(("Content-Length", str(len(body))))
    fields = {"WARC-Date": date, "WARC-IP-Address": "192.0.2.7"}
    fields["WARC-Identified-Payload-Type"] = capture.content_type.split(";")[0]
    if capture.truncate:
        fields["WARC-Truncated"] = "length"
    response = writer.create_warc_record(
        capture.url,
        "response",
        payload=io.BytesIO(body),
        length=len(body),
        http_headers=StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1"),
        warc_headers_dict=fields,
    )
    request = writer.create_warc_record(
        capture.url,
        "request",
        http_headers=StatusAndHeaders(
            f"GET /{capture.url.split('/', 3)[3]} HTTP/1.1",
            [("Host", capture.url.split("/")[2]), ("User-Agent", "test-ccnews")],
            is_http_request=True,
        ),
        warc_headers_dict={"WARC-Date": date},
    )
    request.rec_headers.add_header(
        "WARC-Concurrent-To", response.rec_headers.get_header("WARC-Record-ID")
    )
    metadata = writer.create_warc_record(
        capture.url,
        "metadata",
        payload=io.BytesIO(b"fetchTimeMs: 120\r\n"),
        length=len(b"fetchTimeMs: 120\r\n"),
        warc_content_type="application/warc-fields",
        warc_headers_dict={"WARC-Date": date},
    )
    return [response, request, metadata]


def tear(source: Path, target: Path, keep: float = 0.5) -> int:
    """Copy ``source`` to ``target`` without the end of its last record (``keep`` of the
    bytes after the last record's start): a file whose writer was killed mid-record.
    Returns the number of bytes kept."""
    data = source.read_bytes()
    start = record_offsets(source)[-1]
    cut = start + max(1, int((len(data) - start) * keep))
    target.write_bytes(data[:cut])
    return cut


def record_offsets(path: Path) -> list[int]:
    """Where each record of a whole file starts, as warcio finds them."""
    with path.open("rb") as fh:
        archive = ArchiveIterator(fh)
        return [archive.get_record_offset() for _ in archive]
