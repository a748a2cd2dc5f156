"""Write fetches as WARC 1.1 records: what the crawl's archiving middleware calls.

The writer takes plain values (:class:`Exchange`: URL, method, request headers, status,
protocol, response headers as received, body bytes, IP address, truncation, date) and
never imports Scrapy, so the downloader middleware, benches and tests can all feed it.
Each call builds its records (:mod:`newscrawl.archive.records`) and appends them to the
current file (:mod:`newscrawl.archive.files`, which holds the rules that keep files
readable through a ``kill -9``: ``.open`` names, one ``write`` per call, rotation at
``max_size``, fsync before a file gets its final name).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from newscrawl.archive.files import DEFAULT_MAX_SIZE, RotatingFiles
from newscrawl.archive.records import (
    HTTP_REQUEST_TYPE,
    HTTP_RESPONSE_TYPE,
    REVISIT_PROFILES,
    TRUNCATED_REASONS,
    HeaderPairs,
    build_record,
    http_request_head,
    http_response_head,
    record_id,
    safe_uri,
    sha1_digest,
    warc_date,
)

METADATA_TYPE = "application/warc-fields"
FieldPairs = Sequence[tuple[str, str]]
_FIELD_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


@dataclass(frozen=True, slots=True)
class Exchange:
    """One HTTP fetch, as plain values a downloader middleware can take from Scrapy.

    ``body`` is the entity body as received: still content-coded (gzip, br...) but with
    any chunked transfer-coding removed, which is what Scrapy's HTTP/1.1 handler gives a
    middleware above 600 (it sees responses before redirects and decompression, see
    :mod:`newscrawl.archive`). ``truncated`` is a WARC
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


def metadata_record(
    concurrent_to: str, uri: str, date: str, warcinfo_id: str, fields: FieldPairs
) -> list[bytes]:
    """A ``metadata`` record (``application/warc-fields``) describing the record
    ``concurrent_to``, as Heritrix writes one per capture (``via``, ``hopsFromSeed``...):
    what the crawler knew of the capture besides its bytes. None (an empty list) when
    there are no fields. Names are tokens; values one line each."""
    if not fields:
        return []
    block = bytearray()
    for name, value in fields:
        if not _FIELD_NAME.fullmatch(name):
            raise ValueError(f"not a WARC field name: {name!r}")
        one_line = value.replace("\r", " ").replace("\n", " ")
        block += f"{name}: {one_line}\r\n".encode()
    header = [
        ("WARC-Record-ID", record_id()),
        ("WARC-Date", date),
        ("WARC-Target-URI", uri),
        ("WARC-Concurrent-To", concurrent_to),
        ("WARC-Warcinfo-ID", warcinfo_id),
    ]
    return [build_record("metadata", header, bytes(block), content_type=METADATA_TYPE)]


def header_pairs(headers: Mapping[bytes | str, Iterable[bytes | str]]) -> list[tuple]:
    """``(name, value)`` pairs from a multi-valued mapping such as Scrapy's ``Headers``
    (``{b"Set-Cookie": [b"a=1", b"b=2"]}``), one pair per value, in the mapping's order."""
    return [(name, value) for name, values in headers.items() for value in values]


class WarcWriter:
    """Rotating WARC 1.1 writer; the file-safety rules are in :mod:`newscrawl.archive.files`.

    ``compress_level`` 0-9 writes ``.warc.gz`` (one gzip member per record); None writes
    plain ``.warc``. ``info`` adds fields to each file's ``warcinfo`` record (operator,
    robots policy, the crawl's id as ``isPartOf``...). ``fsync_interval`` (seconds) syncs
    the open file that often; by default only a finished file is synced.
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
        self._files = RotatingFiles(
            directory,
            prefix=prefix,
            max_size=max_size,
            compress_level=compress_level,
            fsync_interval=fsync_interval,
            info=info,
            hostname=hostname,
        )

    # -- what callers use ------------------------------------------------------------

    def write_exchange(self, exchange: Exchange, metadata: FieldPairs = ()) -> Written:
        """A ``response`` record and its ``request`` record (``WARC-Concurrent-To`` the
        response), in one write, in the current file; with ``metadata`` (``name, value``
        pairs), a ``metadata`` record after them (see :func:`metadata_record`)."""
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
            extra = metadata_record(response_id, uri, date, warcinfo_id, metadata)
            return [response, request, *extra]

        self._files.emit(build)
        return Written(response_id, request_id, self._files.name, payload_digest)

    def write_resource(
        self,
        url: str,
        body: bytes,
        *,
        content_type: str,
        date: datetime | None = None,
        truncated: str | None = None,
        metadata: FieldPairs = (),
    ) -> Written:
        """A ``resource`` record: content with no HTTP exchange behind it (a page served
        from the offline mirror, a body that reached us already decoded). Never label
        such content as a ``response``: a response record claims to be what a server
        sent. ``metadata`` as for :meth:`write_exchange`."""
        if truncated is not None and truncated not in TRUNCATED_REASONS:
            raise ValueError(f"WARC-Truncated must be one of {sorted(TRUNCATED_REASONS)}")
        rid, when, uri = record_id(), warc_date(date or datetime.now(UTC)), safe_uri(url)
        cut = [("WARC-Truncated", truncated)] if truncated else []
        digest = sha1_digest(body)

        def build(warcinfo_id: str) -> list[bytes]:
            fields = [("WARC-Record-ID", rid), ("WARC-Date", when), ("WARC-Target-URI", uri)]
            fields += [("WARC-Warcinfo-ID", warcinfo_id), *cut]
            resource = build_record(
                "resource", fields, body, content_type=content_type, payload_digest=digest
            )
            return [resource, *metadata_record(rid, uri, when, warcinfo_id, metadata)]

        self._files.emit(build)
        return Written(rid, None, self._files.name, digest)

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

        self._files.emit(build)
        return Written(rid, None, self._files.name, payload_digest)

    def close(self) -> None:
        """Finish the current file (synced, renamed without ``.open``); the next write
        opens a new one."""
        self._files.close()

    def __enter__(self) -> WarcWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def files(self) -> list[Path]:
        """The files finished so far, by their final names."""
        return self._files.files

    @property
    def current_path(self) -> Path | None:
        """The ``.open`` file being written, if any."""
        return self._files.current_path

    @property
    def bytes_written(self) -> int:
        return self._files.bytes_written
