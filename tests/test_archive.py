"""The WARC library (newscrawl.archive): what the writer makes, two independent readers
(warcio and FastWARC) read back with every digest checked; rotation and file names;
``kill -9`` of a writing process; and the project's reader on its own archives and on
CC-NEWS-style files, with damage (torn ends, digest mismatches, oversize and undecodable
bodies, runaway header lines) skipped and counted, never raised.

Archives are written to tmp folders at test time from the mirror's pages
(tests/support/ccnews.py for the CC-NEWS-style ones); none is committed.
"""

from __future__ import annotations

import gzip
import logging
import os
import re
import signal
import subprocess
import sys
import tracemalloc
import zlib
from datetime import UTC, datetime
from pathlib import Path

import brotli
import pytest
from conftest import MIRROR, ROOT
from fastwarc.warc import ArchiveIterator as FastIterator
from warcio.archiveiterator import ArchiveIterator

from newscrawl.archive import Exchange, WarcReader, WarcWriter
from newscrawl.archive.contentcoding import DecodeError, TooLarge, decode_body
from newscrawl.archive.contentcoding import zstd as zstd_module
from newscrawl.archive.files import OPEN_SUFFIX
from newscrawl.archive.records import sha1_digest
from newscrawl.archive.recover import orphans, recover
from tests.support.ccnews import record_offsets, standard_captures, tear, write_ccnews

PAGES = sorted((MIRROR / "www.terradaily.com").rglob("*.html"))[:12]
FETCHED = datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)


def url_of(path: Path) -> str:
    return "https://" + path.relative_to(MIRROR).as_posix()


def exchange(path: Path, *, coded: bool = False, **extra) -> Exchange:
    """The page at ``path`` as fetched: gzip-coded on the wire when ``coded``."""
    html = path.read_bytes()
    headers = [(b"Content-Type", b"text/html; charset=utf-8")]
    if coded:
        headers.append((b"Content-Encoding", b"gzip"))
    return Exchange(
        url=url_of(path),
        status=200,
        response_headers=headers,
        body=gzip.compress(html, mtime=0) if coded else html,
        request_headers=[(b"User-Agent", b"newscrawl-test"), (b"Accept-Encoding", b"gzip")],
        ip_address="192.0.2.1",
        date=FETCHED,
        **extra,
    )


@pytest.fixture()
def archive(tmp_path: Path) -> Path:
    """One closed file: 12 pages (every third gzip-coded), a resource and a revisit."""
    with WarcWriter(tmp_path, fsync_interval=0) as writer:
        first = None
        for number, path in enumerate(PAGES):
            written = writer.write_exchange(exchange(path, coded=number % 3 == 0))
            first = first or written
        writer.write_resource(
            "https://www.terradaily.com/mirror-copy.html",
            PAGES[1].read_bytes(),
            content_type="text/html; charset=utf-8",
            date=FETCHED,
        )
        writer.write_revisit(
            url_of(PAGES[0]),
            status=200,
            response_headers=[(b"Content-Type", b"text/html; charset=utf-8")],
            payload_digest=first.payload_digest,
            refers_to_uri=url_of(PAGES[0]),
            refers_to_date=FETCHED,
            refers_to=first.record_id,
        )
    (path,) = writer.files
    return path


# -- two independent readers ----------------------------------------------------------


def test_warcio_reads_every_record_with_digests_verified(archive: Path) -> None:
    kinds = []
    with archive.open("rb") as fh:
        for record in ArchiveIterator(fh, check_digests=True):
            record.content_stream().read()
            kinds.append(record.rec_type)
            if record.rec_type != "revisit":  # a revisit has no payload to check
                assert record.digest_checker.passed is True, record.digest_checker.problems
    assert kinds == ["warcinfo"] + ["response", "request"] * 12 + ["resource", "revisit"]


def test_fastwarc_reads_every_record_with_digests_verified(archive: Path) -> None:
    kinds = []
    with archive.open("rb") as fh:
        for record in FastIterator(fh, parse_http=False):
            kinds.append(str(record.record_type))
            assert record.verify_block_digest(consume=False)
            if kinds[-1] in ("response", "request"):
                record.parse_http()
                assert record.verify_payload_digest(consume=False)
            elif kinds[-1] == "resource":  # payload is the block
                payload = record.headers["WARC-Payload-Digest"]
                assert payload == record.headers["WARC-Block-Digest"]
    assert kinds == ["warcinfo"] + ["response", "request"] * 12 + ["resource", "revisit"]


def test_response_block_is_the_status_headers_and_body_as_given(tmp_path: Path) -> None:
    odd = [(b"content-type", b"text/html"), (b"X-Note", b"caf\xe9"), (b"x-note", b"second")]
    body = gzip.compress(PAGES[0].read_bytes(), mtime=0)
    with WarcWriter(tmp_path) as writer:
        writer.write_exchange(
            Exchange(url="http://a.example/p", status=299, response_headers=odd, body=body)
        )
    with writer.files[0].open("rb") as fh:
        blocks = [r.reader.read() for r in FastIterator(fh, parse_http=False)]
    expected_head = b"HTTP/1.1 299 \r\ncontent-type: text/html\r\nX-Note: caf\xe9\r\n"
    assert blocks[1] == expected_head + b"x-note: second\r\n\r\n" + body
    assert blocks[2] == b"GET /p HTTP/1.1\r\nHost: a.example\r\n\r\n"


def test_request_record_keeps_no_proxy_credentials(tmp_path: Path) -> None:
    sent = [(b"Proxy-Authorization", b"Basic c2VjcmV0"), (b"Cookie", b"a=1")]
    with WarcWriter(tmp_path) as writer:
        writer.write_exchange(
            Exchange(
                url="http://a.example:8080/p?q=1",
                status=200,
                response_headers=[],
                body=b"",
                request_headers=sent,
            )
        )
    with writer.files[0].open("rb") as fh:
        blocks = [r.reader.read() for r in FastIterator(fh, parse_http=False)]
    assert blocks[2] == b"GET /p?q=1 HTTP/1.1\r\nCookie: a=1\r\nHost: a.example:8080\r\n\r\n"


def test_pairs_are_linked_and_every_record_names_its_warcinfo(archive: Path) -> None:
    with archive.open("rb") as fh:
        records = [r.rec_headers for r in ArchiveIterator(fh)]
    info_id = records[0].get_header("WARC-Record-ID")
    assert all(r.get_header("WARC-Warcinfo-ID") == info_id for r in records[1:])
    for response, request in zip(records[1:25:2], records[2:25:2], strict=True):
        assert request.get_header("WARC-Concurrent-To") == response.get_header("WARC-Record-ID")
        assert request.get_header("WARC-Date") == response.get_header("WARC-Date")
        assert response.get_header("WARC-Date") == "2026-03-04T05:06:07.890123Z"
        assert response.get_header("WARC-IP-Address") == "192.0.2.1"
    revisit = records[-1]
    assert revisit.get_header("WARC-Refers-To") == records[1].get_header("WARC-Record-ID")
    assert revisit.get_header("WARC-Payload-Digest") == records[1].get_header("WARC-Payload-Digest")
    assert records[0].get_header("WARC-Filename") == archive.name


def test_our_reader_gives_decoded_bodies_and_skips_the_revisit(archive: Path) -> None:
    reader = WarcReader()
    items = list(reader.read(archive))
    assert [i.url for i in items[:12]] == [url_of(p) for p in PAGES]
    assert [i.body for i in items[:12]] == [p.read_bytes() for p in PAGES]
    assert items[0].header("Content-Encoding") == "gzip"
    assert ("Content-Encoding", "gzip") not in items[0].decoded_headers()
    assert all(i.is_html and i.status == 200 for i in items[:12])
    assert items[0].date == FETCHED
    resource = items[12]
    assert (resource.record_type, resource.status, resource.content_type) == (
        "resource",
        None,
        "text/html",
    )
    assert reader.stats.records == 13 and reader.stats.revisits == 1
    assert reader.stats.torn == reader.stats.digest_mismatch == 0


# -- files: names, rotation, plain WARC -------------------------------------------------


def test_a_file_is_open_until_closed_and_names_are_unique(tmp_path: Path) -> None:
    one, two = WarcWriter(tmp_path), WarcWriter(tmp_path)
    one.write_exchange(exchange(PAGES[0]))
    two.write_exchange(exchange(PAGES[1]))
    assert {p.suffix for p in tmp_path.iterdir()} == {OPEN_SUFFIX}
    assert one.current_path != two.current_path
    one.close()
    two.close()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 2
    pattern = rf"newscrawl-\d{{17}}-\d{{5}}-[\w.]+-{os.getpid()}\.warc\.gz"
    assert all(re.fullmatch(pattern, name) for name in names), names
    assert one.files[0].name != two.files[0].name


def test_rotation_keeps_files_under_the_limit_and_pairs_together(tmp_path: Path) -> None:
    limit = 6_000
    with WarcWriter(tmp_path, max_size=limit) as writer:
        for path in PAGES:
            writer.write_exchange(exchange(path))
    assert len(writer.files) > 3
    serials = [int(p.name.split("-")[2]) for p in writer.files]
    assert serials == sorted(serials) and len(set(serials)) == len(serials)
    responses = 0
    for path in writer.files:
        assert path.stat().st_size <= limit
        with path.open("rb") as fh:
            kinds = [r.rec_type for r in ArchiveIterator(fh, check_digests=True)]
        assert kinds[0] == "warcinfo" and kinds[1:] == ["response", "request"] * (
            (len(kinds) - 1) // 2
        )
        responses += kinds.count("response")
    assert responses == len(PAGES)


def test_a_record_larger_than_the_limit_gets_a_file_of_its_own(tmp_path: Path) -> None:
    with WarcWriter(tmp_path, max_size=2_000) as writer:
        writer.write_exchange(exchange(PAGES[0]))
        writer.write_exchange(exchange(PAGES[1]))
    assert len(writer.files) == 2
    assert [len(list(WarcReader().read(p))) for p in writer.files] == [1, 1]


def test_plain_warc_files_read_by_all_three_readers(tmp_path: Path) -> None:
    with WarcWriter(tmp_path, compress_level=None) as writer:
        for path in PAGES[:4]:
            writer.write_exchange(exchange(path, coded=True))
    (path,) = writer.files
    assert path.name.endswith(".warc") and path.read_bytes().startswith(b"WARC/1.1\r\n")
    with path.open("rb") as fh:
        for record in ArchiveIterator(fh, check_digests=True):
            record.content_stream().read()
            assert record.digest_checker.passed is True
    with path.open("rb") as fh:
        assert all(r.verify_block_digest() for r in FastIterator(fh, parse_http=False))
    assert [i.body for i in WarcReader().read(path)] == [p.read_bytes() for p in PAGES[:4]]


def test_bad_values_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path)
    with pytest.raises(ValueError, match="WARC-Truncated"):
        writer.write_exchange(exchange(PAGES[0], truncated="cut"))
    naive = datetime(2026, 1, 1)  # the mistake under test: no time zone
    with pytest.raises(ValueError, match="aware"):
        writer.write_exchange(
            Exchange(url="http://a/", status=200, response_headers=[], body=b"", date=naive)
        )
    with pytest.raises(ValueError, match="header name"):
        writer.write_exchange(
            Exchange(url="http://a/", status=200, response_headers=[(b"Bad Name", b"x")], body=b"")
        )
    assert list(tmp_path.iterdir()) == []


# -- kill -9 ---------------------------------------------------------------------------


def _child(folder: Path, mode: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    script = ROOT / "tests" / "support" / "warc_writer_child.py"
    return subprocess.Popen(
        [sys.executable, str(script), str(folder), mode],
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )


def test_kill_9_while_writing_leaves_every_written_record_readable(tmp_path: Path) -> None:
    child = _child(tmp_path, "loop")
    try:
        for _ in range(25):
            written = int(child.stdout.readline())
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        child.stdout.close()
    (path,) = tmp_path.iterdir()
    assert path.name.endswith(OPEN_SUFFIX)  # never closed: still marked as being written
    reader = WarcReader()
    urls = [item.url for item in reader.read(path)]
    # Everything written before the kill is there, in order; one more may have completed.
    assert urls[:written] == [f"http://127.0.0.1/page/{n}" for n in range(written)]
    assert len(urls) >= written and reader.stats.digest_mismatch == 0
    assert reader.stats.torn <= 1


def test_a_record_torn_by_a_kill_is_detected_and_skipped(tmp_path: Path, caplog) -> None:
    child = _child(tmp_path, "torn")
    try:
        assert child.stdout.readline().strip() == "torn"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        child.stdout.close()
    (path,) = tmp_path.iterdir()
    reader = WarcReader()
    with caplog.at_level(logging.WARNING, logger="newscrawl.archive.reader"):
        urls = [item.url for item in reader.read(path)]
    assert urls == [f"http://127.0.0.1/page/{n}" for n in range(3)]
    assert reader.stats.torn == 1 and reader.stats.skipped_bytes > 0
    assert len(caplog.records) == 1 and "unreadable from offset" in caplog.text


def test_a_killed_writers_file_is_found_and_finished(tmp_path: Path) -> None:
    child = _child(tmp_path, "torn")
    try:
        assert child.stdout.readline().strip() == "torn"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        child.stdout.close()
    (left,) = orphans(tmp_path)
    finished = recover(left)
    assert finished.name == left.name.removesuffix(OPEN_SUFFIX) and not left.exists()
    reader = WarcReader()
    assert len(list(reader.read(finished))) == 3 and reader.stats.torn == 0
    with finished.open("rb") as fh:
        assert all(r.verify_block_digest() for r in FastIterator(fh, parse_http=False))


def test_a_live_writers_file_is_no_orphan_and_a_plain_file_recovers(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, compress_level=None)
    for path in PAGES[:2]:
        writer.write_exchange(exchange(path))
    open_path = writer.current_path
    assert orphans(tmp_path) == []  # this process, alive
    with open_path.open("ab") as fh:
        fh.write(b"WARC/1.1\r\nWARC-Type: response\r\nContent-Length: 900\r\n\r\nHTTP/1.1 2")
    finished = recover(open_path)
    kinds = []
    with finished.open("rb") as fh:
        for record in ArchiveIterator(fh, check_digests=True):
            record.content_stream().read()
            assert record.digest_checker.passed is True
            kinds.append(record.rec_type)
    assert kinds == ["warcinfo"] + ["response", "request"] * 2
    assert finished.read_bytes().endswith(b"\r\n\r\n")


# -- the reader on CC-NEWS-style files and on damage -------------------------------------


@pytest.mark.parametrize("compressed", [True, False])
def test_reader_on_ccnews_style_files(tmp_path: Path, compressed: bool) -> None:
    captures = standard_captures()
    path = tmp_path / ("cc.warc.gz" if compressed else "cc.warc")
    write_ccnews(path, captures, gzip=compressed)
    reader = WarcReader()
    items = list(reader.read(path))
    assert [i.url for i in items] == [c.url for c in captures]
    html, pdf, cut = items[:-2], items[-2], items[-1]
    assert [i.body for i in html] == [c.body for c in captures[:-2]]  # masked gzip: as stored
    assert all(i.is_html and i.truncated is None for i in html)
    assert (pdf.content_type, pdf.is_html) == ("application/pdf", False)
    assert pdf.body.startswith(b"%PDF")
    assert cut.truncated == "length" and cut.body == captures[-1].body[:2048]
    assert items[0].ip_address == "192.0.2.7"
    assert items[0].date == datetime(2026, 5, 4, 3, 2, 1, tzinfo=UTC)
    # warcinfo, then a request and a metadata record per capture.
    assert reader.stats.other == 1 + 2 * len(captures)
    assert reader.stats.torn == reader.stats.digest_mismatch == reader.stats.oversize == 0


def test_a_url_filter_skips_records_before_their_bodies_are_read(tmp_path: Path) -> None:
    path = tmp_path / "cc.warc.gz"
    captures = standard_captures()
    write_ccnews(path, captures)
    reader = WarcReader(url_filter=lambda url: "/afp/" in url or url.endswith(".pdf"))
    assert [i.url for i in reader.read(path)] == [c.url for c in captures[-2:]]
    assert reader.stats.filtered == len(captures) - 2


@pytest.mark.parametrize("compressed", [True, False])
# (A cut inside the last 8-12 bytes of a gzip member, its checksum trailer, leaves a whole
# record: it reads, as it should, so the fractions here stay clear of it.)
@pytest.mark.parametrize("keep", [0.001, 0.2, 0.6, 0.9])
def test_a_torn_last_record_is_counted_once_and_the_rest_read(
    tmp_path: Path, compressed: bool, keep: float
) -> None:
    captures = standard_captures()
    whole = tmp_path / ("cc.warc.gz" if compressed else "cc.warc")
    write_ccnews(whole, captures[:4], gzip=compressed)
    torn = tmp_path / ("torn" + whole.suffix)
    # The last record is the fourth capture's metadata: the pages all read.
    tear(whole, torn, keep)
    reader = WarcReader()
    assert [i.url for i in reader.read(torn)] == [c.url for c in captures[:4]]
    assert reader.stats.torn == 1


def test_a_file_cut_inside_a_response_loses_only_that_response(tmp_path: Path) -> None:
    captures = standard_captures()
    whole = tmp_path / "cc.warc.gz"
    offsets = write_ccnews(whole, captures[:3])
    data = whole.read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: offsets[2] + (record_offsets(whole)[-2] - offsets[2]) // 2])
    reader = WarcReader()
    assert [i.url for i in reader.read(cut)] == [c.url for c in captures[:2]]
    assert reader.stats.torn == 1


def test_a_digest_mismatch_is_skipped_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "cc.warc"
    captures = standard_captures()
    offsets = write_ccnews(path, captures[:3], gzip=False)
    data = bytearray(path.read_bytes())
    spot = data.index(captures[1].body[-300:-260], offsets[1])
    data[spot] ^= 0x20  # one flipped bit inside the second page's body
    path.write_bytes(bytes(data))
    reader = WarcReader()
    assert [i.url for i in reader.read(path)] == [captures[0].url, captures[2].url]
    assert reader.stats.digest_mismatch == 1 and reader.stats.torn == 0
    assert len(list(WarcReader(verify_digests=False).read(path))) == 3


def test_a_body_over_the_cap_is_skipped_unread_and_counted(archive: Path) -> None:
    sizes = sorted(len(p.read_bytes()) for p in PAGES)
    cap = sizes[6]  # about half the pages are larger (the gzip-coded ones are smaller)
    reader = WarcReader(max_body=cap)
    items = list(reader.read(archive))
    assert items and all(len(i.body) <= cap for i in items)
    assert reader.stats.oversize > 0
    assert reader.stats.records + reader.stats.oversize == 13


def test_a_gzip_bomb_stops_at_the_cap(tmp_path: Path) -> None:
    bomb = gzip.compress(b"\0" * 50_000_000, mtime=0)  # 50 MB in about 50 KB
    with WarcWriter(tmp_path) as writer:
        writer.write_exchange(
            Exchange(
                url="http://bomb.example/",
                status=200,
                response_headers=[(b"Content-Encoding", b"gzip")],
                body=bomb,
            )
        )
        writer.write_exchange(exchange(PAGES[0]))
    reader = WarcReader(max_body=1_000_000)
    assert [i.url for i in reader.read(writer.files[0])] == [url_of(PAGES[0])]
    assert reader.stats.oversize == 1


def test_an_undecodable_body_is_skipped_and_counted(tmp_path: Path) -> None:
    with WarcWriter(tmp_path) as writer:
        writer.write_exchange(
            Exchange(
                url="http://br.example/",
                status=200,
                response_headers=[(b"Content-Encoding", b"br")],
                body=b"<html>not brotli at all</html>",
            )
        )
    reader = WarcReader()
    assert list(reader.read(writer.files[0])) == []
    assert reader.stats.undecodable == 1


def test_runaway_header_lines_end_the_file_without_reading_them_whole(tmp_path: Path) -> None:
    path = tmp_path / "cc.warc"
    write_ccnews(path, standard_captures()[:2], gzip=False)
    with path.open("ab") as fh:  # a "record" whose header never ends: 20 MB of one line
        fh.write(b"WARC/1.0\r\nWARC-Type: response\r\nX-Junk: " + b"j" * 20_000_000)
    reader = WarcReader()
    tracemalloc.start()
    try:
        assert len(list(reader.read(path))) == 2
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert reader.stats.torn == 1
    assert peak < 8_000_000  # the line is given up after MAX_HEAD (1 MiB), not read whole


# -- content-codings ----------------------------------------------------------------------

HTML = PAGES[2].read_bytes()


@pytest.mark.parametrize(
    ("coding", "coded"),
    [
        ("gzip", gzip.compress(HTML)),
        ("x-gzip", gzip.compress(HTML)),
        ("deflate", zlib.compress(HTML)),
        ("deflate", zlib.compress(HTML, wbits=-15)),  # raw deflate, as some servers send
        ("br", brotli.compress(HTML)),
        ("zstd", zstd_module.compress(HTML)),
        ("gzip, br", brotli.compress(gzip.compress(HTML))),
        ("gzip", HTML),  # labelled gzip but stored decoded (CC-NEWS before May 2019)
        ("identity", HTML),
        (None, HTML),
    ],
)
def test_content_codings_decode(coding: str | None, coded: bytes) -> None:
    assert decode_body(coded, coding, 10 * len(HTML)) == HTML


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br", "zstd"])
def test_decoding_stops_at_the_cap(coding: str) -> None:
    zeros = b"\0" * 5_000_000
    coded = {
        "gzip": gzip.compress(zeros),
        "deflate": zlib.compress(zeros),
        "br": brotli.compress(zeros),
        "zstd": zstd_module.compress(zeros),
    }[coding]
    with pytest.raises(TooLarge):
        decode_body(coded, coding, 100_000)


def test_unknown_or_broken_codings_raise_decode_error() -> None:
    with pytest.raises(DecodeError, match="unsupported"):
        decode_body(HTML, "compress", 10**6)
    with pytest.raises(DecodeError):
        decode_body(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"\xff" * 20, "gzip", 10**6)


def test_digest_format_is_labelled_base32_sha1() -> None:
    assert sha1_digest(b"") == "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ"


# -- metadata records: what the crawl knew of a capture ----------------------------------


def test_metadata_records_are_read_back_and_attached_to_their_capture(tmp_path: Path) -> None:
    context = [("via", "https://www.terradaily.com/Climate.html"), ("newscrawl-section", "A B")]
    with WarcWriter(tmp_path) as writer:
        first = writer.write_exchange(exchange(PAGES[0]), metadata=context)
        writer.write_exchange(exchange(PAGES[1]))  # nothing to say: no metadata record
        writer.write_resource(
            url_of(PAGES[2]), PAGES[2].read_bytes(), content_type="text/html", metadata=context
        )
    (path,) = writer.files
    with path.open("rb") as fh:
        records = list(ArchiveIterator(fh, check_digests=True))
    kinds = [r.rec_type for r in records]
    assert kinds == ["warcinfo", "response", "request", "metadata", "response", "request",
                     "resource", "metadata"]  # fmt: skip
    meta = records[3]
    assert meta.rec_headers.get_header("WARC-Concurrent-To") == first.record_id
    assert meta.rec_headers.get_header("Content-Type") == "application/warc-fields"
    with path.open("rb") as fh:
        assert all(r.verify_block_digest(consume=False) for r in FastIterator(fh, parse_http=False))
    items = list(WarcReader().read(path))
    assert [i.metadata for i in items] == [tuple(context), (), tuple(context)]
    assert items[0].meta("NEWSCRAWL-SECTION") == "A B" and items[1].meta("via") is None


def test_a_metadata_record_about_another_capture_is_not_attached(tmp_path: Path) -> None:
    path = tmp_path / "cc.warc.gz"
    write_ccnews(path, standard_captures(2))  # metadata records without WARC-Concurrent-To
    assert all(item.metadata == () for item in WarcReader().read(path))
