"""Append WARC records to rotating files that a crash or ``kill -9`` cannot corrupt.

How a file stays safe to read while it is written, and after the writer dies:

- **A file being written is named ``NAME.warc.gz.open``**, renamed to ``NAME.warc.gz``
  only once it is complete, synced and closed. Anything that lists finished archives
  (replay, a CC-NEWS-style consumer, a copy to storage) takes only names without
  ``.open``; a ``.open`` file left by a killed crawl is still readable record by record.
- **Each record is one complete gzip member, appended with a single ``write(2)`` on an
  ``O_APPEND`` descriptor** (no user-space buffer): when ``write_exchange`` returns, the
  record is in the kernel and survives the process being killed. ``kill -9`` can only
  tear the record being written at that moment; the reader detects such a torn last
  record and skips it (``newscrawl.archive.reader``). A request and its response are
  written in the same ``write`` and never split across two files.
- **fsync policy**: the file is fsynced before the rename to its final name, and the
  folder after it, so a final name always means complete and durable. Records of the
  open file reach the disk when the kernel flushes them, or every ``fsync_interval``
  seconds when set: only a power loss or OS crash (not a killed process) can lose the
  records written since the last sync.
- **Rotation**: a record that would take the file past ``max_size`` goes to a new file
  (a single record larger than ``max_size`` gets a file of its own). File names are
  ``PREFIX-TIMESTAMP-SERIAL-HOST-PID.warc.gz`` (IIPC's recommended order, with the
  process id so two crawls on one host never collide; files are created with
  ``O_EXCL`` so a collision picks the next serial instead of overwriting).
- Every file starts with a ``warcinfo`` record; every record names it in
  ``WARC-Warcinfo-ID``, so a record copied out of its file still says where it came from.

The writer takes plain values (:class:`Exchange`) and never imports Scrapy, so the
downloader middleware, benches and tests can all feed it. It is not thread-safe: one
writer per crawl process, called from the reactor thread.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import socket
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from newscrawl.archive.records import (
    HTTP_REQUEST_TYPE,
    HTTP_RESPONSE_TYPE,
    REVISIT_PROFILES,
    TRUNCATED_REASONS,
    HeaderPairs,
    build_record,
    gzip_member,
    http_request_head,
    http_response_head,
    record_id,
    safe_uri,
    sha1_digest,
    warc_date,
)

OPEN_SUFFIX = ".open"
DEFAULT_MAX_SIZE = 1 << 30
# What a reader of these files needs to know about how Scrapy's responses were recorded
# (the findings behind it are in newscrawl/archive/__init__.py).
RECORDING_NOTE = (
    "response records: the body as received (content-coding kept, transfer-coding removed)"
    " under the status and headers as Scrapy parsed them (field names in Scrapy's case,"
    " repeated fields adjacent, Connection/Keep-Alive/Transfer-Encoding absent, standard"
    " reason phrase); request records: the request as Scrapy built it, Host added."
)


@dataclass(frozen=True, slots=True)
class Exchange:
    """One HTTP fetch, as plain values a downloader middleware can take from Scrapy.

    ``body`` is the entity body as received: still content-coded (gzip, br...) but with
    any chunked transfer-coding removed, which is what Scrapy's HTTP/1.1 handler gives a
    middleware placed before ``HttpCompressionMiddleware``. ``truncated`` is a WARC
    1.1 reason (``"disconnect"`` for a body cut short by the server, ``"length"`` when a
    size limit cut it) or None for a complete body. ``date`` is when the response
    arrived (now when None).
    """

    url: str
    status: int
    response_headers: HeaderPairs
    body: bytes
    method: str = "GET"
    request_headers: HeaderPairs = ()
    request_body: bytes = b""
    protocol: str | None = None
    reason: str | None = None
    ip_address: str | None = None
    truncated: str | None = None
    date: datetime | None = None
    request_protocol: str = "HTTP/1.1"


@dataclass(frozen=True, slots=True)
class Written:
    """Where a fetch went: its record IDs, the file (final name) and its payload digest,
    which a caller can keep to write later identical payloads as revisits."""

    record_id: str
    request_id: str | None
    filename: str
    payload_digest: str | None


def header_pairs(headers: Mapping[bytes | str, Iterable[bytes | str]]) -> list[tuple]:
    """``(name, value)`` pairs from a multi-valued mapping such as Scrapy's ``Headers``
    (``{b"Set-Cookie": [b"a=1", b"b=2"]}``), one pair per value, in the mapping's order."""
    return [(name, value) for name, values in headers.items() for value in values]


def _software() -> str:
    try:
        return f"newscrawl/{importlib.metadata.version('newscrawl')}"
    except importlib.metadata.PackageNotFoundError:  # running from a source tree
        return "newscrawl"


class WarcWriter:
    """Rotating WARC 1.1 writer (see the module docstring for the file-safety rules).

    ``compress_level`` 0-9 writes ``.warc.gz`` (one gzip member per record); None writes
    plain ``.warc``. ``info`` adds fields to each file's ``warcinfo`` record (operator,
    robots policy, the crawl's id as ``isPartOf``...).
    """

    def __init__(
        self,
        directory: str | Path,
        *,
        prefix: str = "newscrawl",
        max_size: int = DEFAULT_MAX_SIZE,
        compress_level: int | None = 6,
        fsync_interval: float | None = None,
        info: Mapping[str, str] | None = None,
        hostname: str | None = None,
    ) -> None:
        if max_size <= 0:
            raise ValueError("max_size must be positive")
        if compress_level is not None and not 0 <= compress_level <= 9:
            raise ValueError("compress_level is 0-9, or None for uncompressed files")
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.prefix = re.sub(r"[^A-Za-z0-9._-]", "_", prefix)
        self.max_size = max_size
        self.compress_level = compress_level
        self.fsync_interval = fsync_interval
        self.hostname = hostname or socket.gethostname()
        self.info = dict(info or {})
        self.files: list[Path] = []  # closed files, final names
        self.records_written = 0
        self.bytes_written = 0
        self._serial = 0
        self._fd: int | None = None
        self._name = ""
        self._size = 0
        self._first_record_end = 0
        self._warcinfo_id = ""
        self._last_sync = 0.0

    # -- what callers use ------------------------------------------------------------

    def write_exchange(self, exchange: Exchange) -> Written:
        """A ``response`` record and its ``request`` record (``WARC-Concurrent-To`` the
        response), in one write, in the current file."""
        if exchange.truncated is not None and exchange.truncated not in TRUNCATED_REASONS:
            raise ValueError(f"WARC-Truncated must be one of {sorted(TRUNCATED_REASONS)}")
        date = warc_date(exchange.date or datetime.now(UTC))
        uri = safe_uri(exchange.url)
        response_id, request_id = record_id(), record_id()
        head = http_response_head(
            exchange.status, exchange.response_headers, exchange.protocol, exchange.reason
        )
        request_head = http_request_head(
            exchange.method, exchange.url, exchange.request_headers, exchange.request_protocol
        )
        payload_digest = sha1_digest(exchange.body)
        request_digest = sha1_digest(exchange.request_body)
        ip = [("WARC-IP-Address", exchange.ip_address)] if exchange.ip_address else []
        cut = [("WARC-Truncated", exchange.truncated)] if exchange.truncated else []

        def build(warcinfo_id: str) -> list[bytes]:
            common = [("WARC-Date", date), ("WARC-Target-URI", uri), *ip]
            response = build_record(
                "response",
                [("WARC-Record-ID", response_id), *common]
                + [("WARC-Warcinfo-ID", warcinfo_id), *cut],
                head + exchange.body,
                content_type=HTTP_RESPONSE_TYPE,
                payload_digest=payload_digest,
            )
            request = build_record(
                "request",
                [("WARC-Record-ID", request_id), *common]
                + [("WARC-Warcinfo-ID", warcinfo_id), ("WARC-Concurrent-To", response_id)],
                request_head + exchange.request_body,
                content_type=HTTP_REQUEST_TYPE,
                payload_digest=request_digest,
            )
            return [response, request]

        self._emit(build)
        return Written(response_id, request_id, self._name, payload_digest)

    def write_resource(
        self,
        url: str,
        body: bytes,
        *,
        content_type: str,
        date: datetime | None = None,
        truncated: str | None = None,
    ) -> Written:
        """A ``resource`` record: content with no HTTP exchange behind it (a page served
        from the offline mirror, a body that reached us already decoded). Never label
        such content as a ``response``: a response record claims to be what a server
        sent."""
        if truncated is not None and truncated not in TRUNCATED_REASONS:
            raise ValueError(f"WARC-Truncated must be one of {sorted(TRUNCATED_REASONS)}")
        rid, when, uri = record_id(), warc_date(date or datetime.now(UTC)), safe_uri(url)
        cut = [("WARC-Truncated", truncated)] if truncated else []
        digest = sha1_digest(body)

        def build(warcinfo_id: str) -> list[bytes]:
            fields = [("WARC-Record-ID", rid), ("WARC-Date", when), ("WARC-Target-URI", uri)]
            fields += [("WARC-Warcinfo-ID", warcinfo_id), *cut]
            return [
                build_record(
                    "resource", fields, body, content_type=content_type, payload_digest=digest
                )
            ]

        self._emit(build)
        return Written(rid, None, self._name, digest)

    def write_revisit(
        self,
        url: str,
        *,
        status: int,
        response_headers: HeaderPairs,
        payload_digest: str,
        refers_to_uri: str,
        refers_to_date: datetime,
        refers_to: str | None = None,
        profile: str = "identical-payload-digest",
        protocol: str | None = None,
        ip_address: str | None = None,
        date: datetime | None = None,
    ) -> Written:
        """A ``revisit`` record: this fetch's status and headers only, pointing at an
        earlier record with the same payload (``identical-payload-digest``) or at the
        copy a ``304 Not Modified`` confirmed (``server-not-modified``)."""
        if profile not in REVISIT_PROFILES:
            raise ValueError(f"revisit profile must be one of {sorted(REVISIT_PROFILES)}")
        rid, when, uri = record_id(), warc_date(date or datetime.now(UTC)), safe_uri(url)
        head = http_response_head(status, response_headers, protocol)
        fields = [("WARC-Record-ID", rid), ("WARC-Date", when), ("WARC-Target-URI", uri)]
        fields += [("WARC-IP-Address", ip_address)] if ip_address else []
        fields += [
            ("WARC-Profile", REVISIT_PROFILES[profile]),
            ("WARC-Refers-To-Target-URI", safe_uri(refers_to_uri)),
            ("WARC-Refers-To-Date", warc_date(refers_to_date)),
        ]
        fields += [("WARC-Refers-To", refers_to)] if refers_to else []

        def build(warcinfo_id: str) -> list[bytes]:
            return [
                build_record(
                    "revisit",
                    [*fields, ("WARC-Warcinfo-ID", warcinfo_id)],
                    head,
                    content_type=HTTP_RESPONSE_TYPE,
                    payload_digest=payload_digest,
                )
            ]

        self._emit(build)
        return Written(rid, None, self._name, payload_digest)

    def close(self) -> None:
        """Finish the current file: fsync, close, rename to its final name, fsync the
        folder. Safe to call twice; the next write opens a new file."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        final = self.directory / self._name
        os.rename(self.directory / (self._name + OPEN_SUFFIX), final)
        fsync_dir(self.directory)
        self.files.append(final)

    def __enter__(self) -> WarcWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def current_path(self) -> Path | None:
        """The ``.open`` file being written, if any."""
        return None if self._fd is None else self.directory / (self._name + OPEN_SUFFIX)

    # -- files -----------------------------------------------------------------------

    def _emit(self, build: Callable[[str], list[bytes]]) -> None:
        if self._fd is None:
            self._open()
        blob = self._pack(build(self._warcinfo_id))
        if self._size > self._first_record_end and self._size + len(blob) > self.max_size:
            self.close()
            self._open()
            blob = self._pack(build(self._warcinfo_id))  # names the new file's warcinfo
        self._append(blob)
        self.records_written += 1
        if self.fsync_interval is not None and (
            time.monotonic() - self._last_sync >= self.fsync_interval
        ):
            os.fsync(self._fd)  # type: ignore[arg-type]
            self._last_sync = time.monotonic()

    def _pack(self, records: list[bytes]) -> bytes:
        if self.compress_level is None:
            return b"".join(records)
        return b"".join(gzip_member(record, self.compress_level) for record in records)

    def _open(self) -> None:
        extension = ".warc" if self.compress_level is None else ".warc.gz"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_CLOEXEC
        while True:
            stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")[:17]
            host = re.sub(r"[^A-Za-z0-9.]", "_", self.hostname)
            name = f"{self.prefix}-{stamp}-{self._serial:05d}-{host}-{os.getpid()}{extension}"
            self._serial += 1
            if (self.directory / name).exists():
                continue
            try:
                fd = os.open(self.directory / (name + OPEN_SUFFIX), flags, 0o644)
            except FileExistsError:
                continue
            break
        self._fd, self._name, self._size = fd, name, 0
        self._warcinfo_id = record_id()
        self._append(self._pack([self._warcinfo(name)]))
        self._first_record_end = self._size
        self._last_sync = time.monotonic()

    def _warcinfo(self, name: str) -> bytes:
        fields = {
            "software": _software(),
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
            "warc-format/warc-1.1/",
            "hostname": self.hostname,
            "description": RECORDING_NOTE,
            **self.info,
        }
        block = "".join(f"{key}: {value}\r\n" for key, value in fields.items() if value)
        header = [
            ("WARC-Record-ID", self._warcinfo_id),
            ("WARC-Date", warc_date(datetime.now(UTC))),
            ("WARC-Filename", name),
        ]
        return build_record(
            "warcinfo", header, block.encode("utf-8"), content_type="application/warc-fields"
        )

    def _append(self, blob: bytes) -> None:
        view = memoryview(blob)
        try:
            while view:  # a regular file takes it all at once unless the disk is full
                written = os.write(self._fd, view)  # type: ignore[arg-type]
                view = view[written:]
                self._size += written
                self.bytes_written += written
        except OSError:
            # A partly written record must stay the last one of its file (readers skip
            # a torn last record, not one in the middle): finish this file, the next
            # write opens another, and the caller sees the error.
            self.close()
            raise


def fsync_dir(directory: Path) -> None:
    """Sync a folder, so a rename in it survives a crash."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
