"""WARC 1.1 records as bytes: header fields, HTTP message blocks, digests, gzip members.

Why records are built here rather than with warcio's ``WARCWriter`` (warcio is still the
library that reads them, :mod:`newscrawl.archive.reader`, and the tests read every record
back with both warcio and FastWARC): warcio re-serialises HTTP headers through
``StatusAndHeaders.to_ascii_bytes``, which rewrites any non-ASCII value (``X-Note: caf\xe9``
becomes ``caf%C3%A9``, ``filename="caf\xc3\xa9.pdf"`` becomes ``filename*=UTF-8''...``): the
archive would hold header bytes the server never sent. Here names and values are written
byte for byte as given. Speed is not the reason: on news HTML warcio's writer (gzip level
9) costs about what this one does at level 6 (``python -m bench.warc_cost``). A record is
a handful of fixed fields, a block and two SHA-1 digests, simple to write exactly;
reading arbitrary third-party WARCs is the part worth a library.

Every function here is pure (bytes in, bytes out) so the writer can build a record, look
at its compressed size to decide on rotation, and only then append it.
"""

from __future__ import annotations

import base64
import hashlib
import http
import re
import uuid
import zlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from urllib.parse import urlsplit

WARC_VERSION = "WARC/1.1"
CRLF = b"\r\n"
# Values of WARC-Truncated defined by WARC 1.1 (section 5.13).
TRUNCATED_REASONS = frozenset({"length", "time", "disconnect", "unspecified"})
REVISIT_PROFILES = {
    "identical-payload-digest": "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest",
    "server-not-modified": "http://netpreserve.org/warc/1.1/revisit/server-not-modified",
}
HTTP_RESPONSE_TYPE = "application/http; msgtype=response"
HTTP_REQUEST_TYPE = "application/http; msgtype=request"

HeaderPairs = Sequence[tuple[bytes | str, bytes | str]]

_PROTOCOL = re.compile(r"HTTP/\d(\.\d)?")
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Characters that may not appear raw in a WARC-Target-URI (controls, space, DEL).
_URI_UNSAFE = re.compile(r"[\x00-\x20\x7f]")


def record_id() -> str:
    """A fresh ``<urn:uuid:...>`` record ID (random, so IDs are unique across processes)."""
    return f"<urn:uuid:{uuid.uuid4()}>"


def warc_date(when: datetime) -> str:
    """WARC 1.1 date: UTC with microseconds, so records of one second keep their order."""
    if when.tzinfo is None:
        raise ValueError("WARC dates need an aware datetime (UTC)")
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def sha1_digest(data: bytes | memoryview) -> str:
    """``sha1:BASE32``: the labelled digest form Common Crawl, warcio and Heritrix write."""
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


def safe_uri(uri: str) -> str:
    """``uri`` with controls and spaces percent-encoded, so it cannot break a header line."""
    return _URI_UNSAFE.sub(lambda m: f"%{ord(m.group()):02X}", uri)


def _field_value(value: str) -> str:
    if "\r" in value or "\n" in value:
        raise ValueError(f"line break in a WARC header value: {value!r}")
    return value


def _as_bytes(value: bytes | str) -> bytes:
    # Scrapy keeps header values as bytes; a str is encoded as Scrapy itself would (UTF-8).
    return value if isinstance(value, bytes) else value.encode("utf-8")


def header_lines(headers: Iterable[tuple[bytes | str, bytes | str]]) -> bytes:
    """``Name: value`` lines, bytes kept as given; a line break inside a value (which no
    HTTP parser hands on, Twisted turns it into a space) becomes a space, never a new
    header line."""
    out = bytearray()
    for name, value in headers:
        raw_name = _as_bytes(name)
        if not _TOKEN.fullmatch(raw_name):
            raise ValueError(f"not an HTTP header name: {raw_name!r}")
        raw_value = _as_bytes(value).replace(b"\r", b" ").replace(b"\n", b" ")
        out += raw_name + b": " + raw_value + CRLF
    return bytes(out)


def status_line(status: int, protocol: str | None = None, reason: str | None = None) -> bytes:
    """``HTTP/1.1 200 OK``. Scrapy keeps neither the reason phrase nor, for non-network
    responses, the protocol: the standard phrase and HTTP/1.1 stand in for them."""
    protocol = protocol or "HTTP/1.1"
    if not _PROTOCOL.fullmatch(protocol):
        raise ValueError(f"not an HTTP/1.x-style protocol: {protocol!r}")
    if not 100 <= status <= 999:
        raise ValueError(f"not an HTTP status: {status}")
    if reason is None:
        try:
            reason = http.HTTPStatus(status).phrase
        except ValueError:
            reason = ""
    return f"{protocol} {status} {_field_value(reason)}".encode("latin-1") + CRLF


def http_response_head(
    status: int, headers: HeaderPairs, protocol: str | None = None, reason: str | None = None
) -> bytes:
    """Status line, header lines and the empty line that ends them."""
    return status_line(status, protocol, reason) + header_lines(headers) + CRLF


def http_request_head(
    method: str, url: str, headers: HeaderPairs, protocol: str = "HTTP/1.1"
) -> bytes:
    """Request line in origin form (``GET /path?q HTTP/1.1``) and headers, with ``Host``
    added last when absent, as Twisted's client adds it when it sends the request.

    ``Proxy-Authorization`` is left out: it carries the crawler's proxy credentials,
    never reaches the origin server, and archives are shared."""
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if not _TOKEN.fullmatch(method.encode("ascii", "replace")):
        raise ValueError(f"not an HTTP method: {method!r}")
    line = f"{method} {safe_uri(target)} {protocol}".encode("ascii") + CRLF
    pairs = [(k, v) for k, v in headers if _as_bytes(k).lower() != b"proxy-authorization"]
    if not any(_as_bytes(name).lower() == b"host" for name, _ in pairs):
        pairs.append((b"Host", parts.netloc.rsplit("@", 1)[-1].encode("utf-8")))
    return line + header_lines(pairs) + CRLF


def build_record(
    warc_type: str,
    fields: Sequence[tuple[str, str]],
    block: bytes,
    *,
    content_type: str | None,
    payload_digest: str | None = None,
) -> bytes:
    """One uncompressed record: version line, ``fields``, digests, ``Content-Length``,
    the block and the two CRLFs that end a record.

    ``payload_digest`` is computed by the caller, who knows where the payload starts
    (after the HTTP header block of a response or request; the whole block of a
    resource) and keeps it; a revisit passes the digest of the payload it refers to.
    The block digest is computed here, over exactly the bytes written.
    """
    lines = [f"WARC-Type: {warc_type}"]
    lines += [f"{name}: {_field_value(value)}" for name, value in fields]
    if content_type:
        lines.append(f"Content-Type: {content_type}")
    if payload_digest:
        lines.append(f"WARC-Payload-Digest: {payload_digest}")
    lines.append(f"WARC-Block-Digest: {sha1_digest(block)}")
    lines.append(f"Content-Length: {len(block)}")
    head = "\r\n".join([WARC_VERSION, *lines]).encode("utf-8") + CRLF + CRLF
    return head + block + CRLF + CRLF


def gzip_member(data: bytes, level: int) -> bytes:
    """``data`` as one complete gzip member: concatenated members are a valid gzip file,
    and a reader can seek to any record's offset and decompress it alone."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()
