"""Undo HTTP content-codings (gzip, deflate, br, zstd) of archived bodies, within a size cap.

An archive holds bodies as the server sent them, so replaying one means decoding it. The
output is capped while it is produced (64 KiB at a time), never after: a few kilobytes of
brotli can expand to gigabytes, and a WARC is data from others. warcio's own
``content_stream()`` hands brotli its whole input in one call, with no output limit, so
it is not used for this.

Archives disagree on whether a body labelled ``Content-Encoding: gzip`` is still coded:
CC-NEWS files written before May 2019 kept the header but stored the body decoded. gzip
and zstd bodies start with a magic number, so a body without it is taken as already
decoded; deflate and brotli have none, and a failure to decode them is an error.
"""

from __future__ import annotations

import sys
import zlib
from typing import Any

import brotli

if sys.version_info >= (3, 14):  # pragma: no cover - the standard library's own
    from compression import zstd
else:
    from backports import zstd

CHUNK = 64 * 1024
GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


class DecodeError(ValueError):
    """The body is not valid in its declared content-coding, or the coding is unknown."""


class TooLarge(ValueError):
    """Decoding went past the cap (counted by the reader, the record skipped)."""


def decode_body(body: bytes, content_encoding: str | None, max_size: int) -> bytes:
    """``body`` with every coding in ``content_encoding`` undone (last applied, first
    undone), at most ``max_size`` bytes. A truncated coded body (``WARC-Truncated``)
    decodes to the part that is there."""
    codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
    for coding in reversed([c for c in codings if c and c != "identity"]):
        body = _decode_one(body, coding, max_size)
    if len(body) > max_size:
        raise TooLarge(f"body of {len(body)} bytes over the cap of {max_size}")
    return body


def _decode_one(body: bytes, coding: str, max_size: int) -> bytes:
    try:
        if coding in ("gzip", "x-gzip"):
            if not body.startswith(GZIP_MAGIC):
                return body  # stored decoded under its original header
            return _inflate(zlib.decompressobj(16 + zlib.MAX_WBITS), body, max_size)
        if coding == "deflate":
            try:
                return _inflate(zlib.decompressobj(zlib.MAX_WBITS), body, max_size)
            except zlib.error:  # raw deflate, as some servers send it
                return _inflate(zlib.decompressobj(-zlib.MAX_WBITS), body, max_size)
        if coding == "br":
            return _unbrotli(body, max_size)
        if coding == "zstd":
            if not body.startswith(ZSTD_MAGIC):
                return body
            return _unzstd(body, max_size)
    except (zlib.error, brotli.error, zstd.ZstdError) as exc:
        raise DecodeError(f"{coding}: {exc}") from None
    raise DecodeError(f"unsupported content-coding {coding!r}")


def _check(size: int, max_size: int) -> None:
    if size > max_size:
        raise TooLarge(f"decoded body over the cap of {max_size} bytes")


def _inflate(decompressor: Any, body: bytes, max_size: int) -> bytes:
    out = bytearray()
    data = body
    while not decompressor.eof:
        chunk = decompressor.decompress(data, CHUNK)
        out += chunk
        _check(len(out), max_size)
        data = decompressor.unconsumed_tail
        if not chunk and not data:
            break  # input used up: a truncated stream decodes to what is there
    return bytes(out)


def _unbrotli(body: bytes, max_size: int) -> bytes:
    decompressor = brotli.Decompressor()
    out = bytearray(decompressor.process(body, output_buffer_limit=CHUNK))
    _check(len(out), max_size)
    while not decompressor.is_finished():
        chunk = decompressor.process(b"", output_buffer_limit=CHUNK)
        if not chunk:
            break
        out += chunk
        _check(len(out), max_size)
    return bytes(out)


def _unzstd(body: bytes, max_size: int) -> bytes:
    decompressor = zstd.ZstdDecompressor()
    out = bytearray(decompressor.decompress(body, max_length=CHUNK))
    _check(len(out), max_size)
    while not decompressor.eof and not decompressor.needs_input:
        chunk = decompressor.decompress(b"", max_length=CHUNK)
        out += chunk
        _check(len(out), max_size)
    return bytes(out)
