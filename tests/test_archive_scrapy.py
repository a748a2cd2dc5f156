"""What Scrapy 2.19 hands a downloader middleware above HttpCompressionMiddleware, and
the archive such a middleware writes from it.

The record types of ``newscrawl.archive`` rest on these facts (see its package
docstring); a Scrapy upgrade that changes one of them fails here first. A raw-socket
server on 127.0.0.1 sends bytes Python's own server cannot (odd header case, a repeated
header, chunks, a short body, HTTP/1.0), and one crawl in a subprocess runs a minimal
archiving middleware at priority 800 (tests/support/warc_crawl.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import MIRROR, ROOT
from fastwarc.warc import ArchiveIterator as FastIterator
from warcio.archiveiterator import ArchiveIterator

from newscrawl.archive import WarcReader
from tests.support.rawhttp import RawServer, chunked, gzipped, response

PAGE = (MIRROR / "www.spacewar.com" / "Military_Space.html").read_bytes()
MAXSIZE = 20_000
ODD_HEADERS = [
    (b"content-type", b"text/html; charset=utf-8"),
    (b"X-Dup", b"a"),
    (b"set-cookie", b"s=1"),
    (b"X-DUP", b"b"),
    (b"ETag", b'"e1"'),
    (b"Transfer-Encoding", b"chunked"),
    (b"Content-Encoding", b"gzip"),
    (b"Connection", b"keep-alive"),
    (b"Keep-Alive", b"timeout=5"),
]
HTML = [(b"Content-Type", b"text/html")]


def _answers() -> dict[str, bytes]:
    ok = b"HTTP/1.1 200 OK"
    length = [(b"Content-Length", str(len(PAGE)).encode())]
    return {
        "/chunked-gzip": response(b"HTTP/1.1 200 Fine Thanks", ODD_HEADERS, chunked(gzipped(PAGE))),
        "/plain": response(ok, HTML + length, PAGE),
        "/redirect": response(
            b"HTTP/1.1 301 Moved Permanently",
            [(b"Location", b"/plain"), (b"Content-Length", b"0")],
            b"",
        ),
        "/big": response(ok, HTML + [(b"Content-Length", b"30000")], b"x" * 30_000),
        "/big-chunked": response(
            ok, HTML + [(b"Transfer-Encoding", b"chunked")], chunked(b"x" * 30_000)
        ),
        "/short": response(ok, HTML + [(b"Content-Length", b"5000")], PAGE[:1200]),
        "/http10": response(b"HTTP/1.0 200 OK", HTML, PAGE),
    }


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("warc-crawl")
    server = RawServer(_answers())
    config = {
        "urls": [server.base + path for path in server.answers],
        "warc_dir": str(folder / "warc"),
        "facts": str(folder / "facts.json"),
        "settings": {
            "ARCHIVE_PRIORITY": 800,
            "DOWNLOAD_MAXSIZE": MAXSIZE,
            "DOWNLOAD_FAIL_ON_DATALOSS": False,
        },
    }
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["PYTHONPATH"] = str(ROOT)
    script = ROOT / "tests" / "support" / "warc_crawl.py"
    done = subprocess.run(
        [sys.executable, str(script), str(folder / "config.json")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    server.close()
    assert done.returncode == 0, done.stderr
    facts = json.loads((folder / "facts.json").read_text(encoding="utf-8"))
    seen = {url.removeprefix(server.base): fact for url, fact in facts.items()}
    files = sorted((folder / "warc").iterdir())
    return seen, files, server


def test_body_is_still_content_coded_and_already_dechunked(crawl) -> None:
    seen, _, _ = crawl
    assert bytes.fromhex(seen["/chunked-gzip"]["body"]) == gzipped(PAGE)


def test_connection_fields_are_gone_and_names_recased_and_grouped(crawl) -> None:
    seen, _, _ = crawl
    assert seen["/chunked-gzip"]["headers"] == [
        ["Content-Type", ["text/html; charset=utf-8"]],
        ["X-Dup", ["a", "b"]],
        ["Set-Cookie", ["s=1"]],
        ["Etag", ['"e1"']],
        ["Content-Encoding", ["gzip"]],
    ]
    # Content-Length comes back first, rebuilt from the parsed length.
    assert seen["/plain"]["headers"][0] == ["Content-Length", [str(len(PAGE))]]


def test_protocol_and_address_are_known_even_without_a_body(crawl) -> None:
    seen, _, _ = crawl
    assert seen["/plain"]["protocol"] == "HTTP/1.1"
    assert seen["/http10"]["protocol"] == "HTTP/1.0"
    assert seen["/redirect"]["status"] == 301  # seen above RedirectMiddleware (600)
    assert {seen[p]["ip_address"] for p in ("/plain", "/redirect")} == {"127.0.0.1"}


def test_size_limit_leaves_no_partial_body(crawl) -> None:
    seen, _, _ = crawl
    assert seen["/big"] == {"exception": "DownloadCancelledError"}
    assert seen["/big-chunked"] == {"exception": "DownloadCancelledError"}


def test_flags_for_short_and_close_delimited_bodies(crawl) -> None:
    seen, _, _ = crawl
    assert seen["/short"]["flags"] == ["dataloss"]
    assert bytes.fromhex(seen["/short"]["body"]) == PAGE[:1200]
    assert seen["/http10"]["flags"] == ["partial"]
    assert bytes.fromhex(seen["/http10"]["body"]) == PAGE


def test_archive_reads_back_decoded_with_truncation_marked(crawl) -> None:
    _, files, server = crawl
    reader = WarcReader()
    records = {r.url.removeprefix(server.base): r for f in files for r in reader.read(f)}
    assert set(records) == {"/chunked-gzip", "/plain", "/redirect", "/short", "/http10"}
    assert records["/chunked-gzip"].body == PAGE  # gzip undone by the reader
    assert records["/chunked-gzip"].header("Content-Encoding") == "gzip"
    assert records["/redirect"].status == 301
    assert records["/redirect"].header("Location") == "/plain"
    assert records["/short"].truncated == "disconnect"
    assert records["/http10"].truncated is None
    assert records["/plain"].ip_address == "127.0.0.1"
    assert reader.stats.torn == reader.stats.digest_mismatch == 0


def test_archive_digests_verify_in_warcio_and_fastwarc(crawl) -> None:
    _, files, _ = crawl
    kinds = []
    for path in files:
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh, check_digests=True):
                record.content_stream().read()
                assert record.digest_checker.passed is True, record.digest_checker.problems
                kinds.append(record.rec_type)
        with path.open("rb") as fh:
            for record in FastIterator(fh, parse_http=False):
                assert record.verify_block_digest(consume=False)
    # Five URLs answered, and /plain twice: once asked for, once as the redirect's target.
    assert kinds.count("response") == kinds.count("request") == 6


def test_request_record_is_the_request_as_the_server_received_it(crawl) -> None:
    _, files, server = crawl
    checked = 0
    for path in files:
        with path.open("rb") as fh:
            for record in FastIterator(fh, parse_http=False):
                if str(record.record_type) == "request":
                    url = record.headers["WARC-Target-URI"]
                    assert record.reader.read() in server.requests[url.removeprefix(server.base)]
                    checked += 1
    assert checked == 6
