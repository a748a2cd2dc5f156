"""Read the response and resource records of WARC files as plain values, damage counted.

Used by replay (our own archives) and by CC-NEWS processing (Common Crawl's news WARCs):
local ``.warc.gz`` files with one gzip member per record, or plain ``.warc``. Parsing is
warcio's (the reference implementation); this module adds what a crawler reading files
from others needs and warcio leaves to its caller:

- **Damage is detected, skipped and counted, never raised.** A file whose end is not a
  whole record (the record a killed writer was appending, a download cut short, bytes
  that do not parse) counts once in ``torn``; every whole record before it is still
  read. warcio reports such ends in several ways (a short record, a dropped one, or
  ``ArchiveLoadFailed``/``AttributeError``/``zlib.error`` from inside the parser), so
  the iteration is guarded as a whole and the file's last whole record is checked
  against the file size. A record whose block digest does not match counts in
  ``digest_mismatch`` and is skipped.
- **Memory is bounded.** A record whose payload is over ``max_body`` is skipped before
  it is read (warcio streams past it); content-decoding stops at ``max_body`` too; the
  header lines warcio reads for one record are capped at ``MAX_HEAD`` bytes (warcio's
  own ``readline`` has no limit). warcio inflates a WARC file 16 KiB of input at a time,
  which bounds its own buffers (to about 16 MiB, zlib's largest expansion of 16 KiB).
- **Bodies come decoded** from their content-coding (``newscrawl.archive.contentcoding``)
  and from a chunked transfer-coding when an archive kept one (warcio's de-chunker,
  which falls back to the raw bytes when they are not chunked after all).
- Records are yielded whatever their media type, with ``content_type`` set, so a caller
  skips non-HTML itself; revisits (no payload) are counted, not yielded.
- A ``metadata`` record that names a capture (``WARC-Concurrent-To`` or
  ``WARC-Refers-To``) and follows it, as the crawl's archiving middleware and Heritrix
  write them, is attached to it (``ArchivedResponse.metadata``): a capture is yielded
  once the next capture (or the end of the file) is reached. Metadata records over
  ``MAX_METADATA`` bytes are not read.

Payload digests: warcio checks them over the body as stored, while WARC 1.1 defines the
payload of a chunked response as the de-chunked body, and tools differ. A payload-digest
mismatch on a record that kept ``Transfer-Encoding: chunked`` is therefore not counted as
damage; the block digest, which covers the bytes as stored, still is.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import ChunkedDataReader, DecompressingBufferedReader

from newscrawl.archive.contentcoding import DecodeError, TooLarge, decode_body

logger = logging.getLogger(__name__)

DEFAULT_MAX_BODY = 16 * 1024 * 1024  # the crawl's DOWNLOAD_MAXSIZE
MAX_HEAD = 1024 * 1024  # WARC + HTTP header lines of one record
MAX_METADATA = 64 * 1024  # a metadata record is a few lines; a larger one is not read
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_READ_CHUNK = 64 * 1024
# Fields that describe the stored bytes, not the decoded body a reader gets.
_CODING_FIELDS = frozenset({"content-encoding", "transfer-encoding", "content-length"})


@dataclass(frozen=True, slots=True)
class ArchivedResponse:
    """One archived page. ``body`` is decoded (content- and transfer-coding undone);
    ``headers`` are the recorded HTTP headers (empty for a ``resource`` record)."""

    url: str
    record_type: str
    record_id: str
    date: datetime | None
    status: int | None
    headers: tuple[tuple[str, str], ...]
    body: bytes
    content_type: str
    ip_address: str | None
    truncated: str | None
    filename: str
    offset: int
    #: fields of the ``metadata`` record that describes this one (``WARC-Concurrent-To``
    #: or ``WARC-Refers-To`` it, written after it): ``via``, ``newscrawl-section``...
    metadata: tuple[tuple[str, str], ...] = ()

    @property
    def is_html(self) -> bool:
        return self.content_type in HTML_TYPES

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (any case), or None."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    def meta(self, name: str, default: str | None = None) -> str | None:
        """The first value of metadata field ``name`` (any case), or ``default``."""
        wanted = name.lower()
        return next((value for key, value in self.metadata if key.lower() == wanted), default)

    def decoded_headers(self) -> list[tuple[str, str]]:
        """The headers without Content-Encoding, Transfer-Encoding and Content-Length,
        which describe the stored bytes: what a Response built on ``body`` should carry
        (with them, Scrapy would try to decompress the body a second time)."""
        return [(k, v) for k, v in self.headers if k.lower() not in _CODING_FIELDS]


@dataclass
class ReadStats:
    """What reading found, summed over every file read by one :class:`WarcReader`."""

    files: int = 0
    records: int = 0  # response/resource records yielded
    torn: int = 0  # files whose end is not a whole record (one count per file)
    digest_mismatch: int = 0
    oversize: int = 0  # payload or decoded body over max_body
    undecodable: int = 0  # content-coding that does not decode
    revisits: int = 0
    filtered: int = 0  # responses whose URL the caller's url_filter refused
    other: int = 0  # warcinfo, request, metadata, non-HTTP responses...
    skipped_bytes: int = field(default=0)  # bytes after the last whole record of a file

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class _HeadTooLong(Exception):
    """More than MAX_HEAD bytes of header lines in one record: not a WARC we can frame."""


class _BoundedReader(DecompressingBufferedReader):
    """warcio's reader with its header-line reading capped (``line_budget`` per record)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.line_budget = MAX_HEAD

    def readline(self, length: int | None = None) -> bytes:
        cap = self.line_budget + 1
        line = super().readline(cap if length is None else min(length, cap))
        self.line_budget -= len(line)
        if self.line_budget < 0:
            raise _HeadTooLong(f"header lines over {MAX_HEAD} bytes")
        return line


class WarcReader:
    """Iterate response/resource records of WARC files; problems land in ``stats``.

    ``url_filter`` (target URI -> keep?) is applied before a payload is read or
    decoded, so a CC-NEWS pass limited to a few sites skips the rest at the cost of
    parsing their headers only.
    """

    def __init__(
        self,
        *,
        max_body: int = DEFAULT_MAX_BODY,
        verify_digests: bool = True,
        url_filter: Callable[[str], bool] | None = None,
    ) -> None:
        self.max_body = max_body
        self.verify_digests = verify_digests
        self.url_filter = url_filter
        self.stats = ReadStats()
        # End of the last whole record of the file read last (newscrawl.archive.recover
        # cuts a dead writer's file there).
        self.whole_end = 0

    def read(self, path: str | Path) -> Iterator[ArchivedResponse]:
        """The response and resource records of one file, in file order."""
        path = Path(path)
        self.stats.files += 1
        size = path.stat().st_size
        whole_end = 0  # end offset of the last whole record
        damaged = ""
        with path.open("rb") as fh:
            archive = ArchiveIterator(fh, check_digests=self.verify_digests)
            reader = archive.reader = _BoundedReader(fh, block_size=archive.reader.block_size)
            records = iter(archive)
            # A response is held until the next response (or the end): the metadata
            # record written after it (and after its request) is attached to it first.
            pending: ArchivedResponse | None = None
            while True:
                reader.line_budget = MAX_HEAD
                try:
                    record = next(records)
                    raw = self._payload(record)
                    offset = archive.get_record_offset()
                    end = offset + archive.get_record_length()
                except StopIteration:
                    break
                except Exception as exc:  # warcio on damaged bytes: see the module docstring
                    damaged = f"{type(exc).__name__}: {exc}"
                    break
                if not _declared_length(record):  # headers cut before Content-Length
                    damaged = "record without a Content-Length"
                    break
                if record.raw_stream.limit > 0:  # read to its end, yet short
                    damaged = "record shorter than its Content-Length"
                    break
                whole_end = end
                if record.rec_type == "metadata":
                    if pending is not None and raw is not None and _describes(record, pending):
                        pending = replace(pending, metadata=_warc_fields(raw))
                    continue
                item = self._convert(record, raw, path.name, offset)
                if item is not None:
                    self.stats.records += 1
                    if pending is not None:
                        yield pending
                    pending = item
            if pending is not None:
                yield pending
        if not damaged and size > whole_end:
            with path.open("rb") as fh:
                fh.seek(whole_end)
                rest = fh.read(17)
            if rest.strip(b"\r\n"):  # a plain WARC's last record ends with CRLF CRLF
                damaged = "bytes after the last whole record"
        self.whole_end = whole_end
        if damaged:
            self.stats.torn += 1
            self.stats.skipped_bytes += size - whole_end
            logger.warning(
                "WARC %s: unreadable from offset %d (%d bytes skipped): %s",
                path.name,
                whole_end,
                size - whole_end,
                damaged,
            )

    def _payload(self, record: Any) -> bytes | None:
        """The stored payload of a record worth reading, or None (skipped, counted)."""
        kind = record.rec_type
        if kind == "revisit":
            self.stats.revisits += 1
            return None
        if kind == "metadata":  # read when small: it may describe the response before it
            self.stats.other += 1
            length = record.length if isinstance(record.length, int) else MAX_METADATA + 1
            return record.raw_stream.read() if 0 <= length <= MAX_METADATA else None
        if kind not in ("response", "resource") or (kind == "response" and not record.http_headers):
            self.stats.other += 1
            return None
        if self.url_filter is not None and not self.url_filter(_uri(record)):
            self.stats.filtered += 1
            return None
        length = record.payload_length if record.payload_length >= 0 else record.length
        if isinstance(length, int) and length > self.max_body:
            return self._oversize(record)
        chunks, total = [], 0
        while chunk := record.raw_stream.read(_READ_CHUNK):
            chunks.append(chunk)
            total += len(chunk)
            if total > self.max_body:  # no usable Content-Length: stop at the cap
                return self._oversize(record)
        return b"".join(chunks)

    def _oversize(self, record: Any) -> None:
        self.stats.oversize += 1
        logger.info("WARC record %s over %d bytes: skipped", _uri(record), self.max_body)
        return None

    def _convert(
        self, record: Any, raw: bytes | None, filename: str, offset: int
    ) -> ArchivedResponse | None:
        """``record`` (warcio's) as an :class:`ArchivedResponse`, or None when skipped."""
        if raw is None:
            return None
        rec = record.rec_headers
        headers: tuple[tuple[str, str], ...] = ()
        status = None
        content_type = record.content_type or ""  # a resource's own type
        if record.rec_type == "response":
            headers = tuple((str(k), str(v)) for k, v in record.http_headers.headers)
            status = _int(record.http_headers.get_statuscode())
            content_type = _first(headers, "content-type") or (
                rec.get_header("WARC-Identified-Payload-Type") or ""
            )
        chunked = _first(headers, "transfer-encoding", "").lower() == "chunked"
        if self._digest_failed(record, chunked):
            self.stats.digest_mismatch += 1
            logger.warning("WARC %s: digest mismatch in %s: skipped", filename, _uri(record))
            return None
        try:
            body = raw
            if chunked:
                body = ChunkedDataReader(io.BytesIO(raw)).read()
            body = decode_body(body, _first(headers, "content-encoding"), self.max_body)
        except TooLarge:
            return self._oversize(record)
        except DecodeError as exc:
            self.stats.undecodable += 1
            logger.warning("WARC record %s: %s: skipped", _uri(record), exc)
            return None
        return ArchivedResponse(
            url=_uri(record),
            record_type=record.rec_type,
            record_id=rec.get_header("WARC-Record-ID") or "",
            date=_date(rec.get_header("WARC-Date")),
            status=status,
            body=body,
            content_type=content_type.split(";")[0].strip().lower(),
            ip_address=rec.get_header("WARC-IP-Address"),
            truncated=rec.get_header("WARC-Truncated"),
            filename=filename,
            offset=offset,
            headers=headers,
        )

    def _digest_failed(self, record: Any, chunked: bool) -> bool:
        if not self.verify_digests or record.digest_checker.passed is not False:
            return False
        problems = record.digest_checker.problems
        if any(problem.startswith("block digest failed") for problem in problems):
            return True
        return not chunked and any(p.startswith("payload digest failed") for p in problems)


def _describes(record: Any, item: ArchivedResponse) -> bool:
    """Whether metadata ``record`` is about ``item`` (the capture it names)."""
    rec = record.rec_headers
    return item.record_id in (
        rec.get_header("WARC-Concurrent-To"),
        rec.get_header("WARC-Refers-To"),
    )


def _warc_fields(block: bytes) -> tuple[tuple[str, str], ...]:
    """``name: value`` lines of an ``application/warc-fields`` block (bad lines skipped)."""
    fields = []
    for line in block.decode("utf-8", "replace").splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip() and " " not in name.strip():
            fields.append((name.strip(), value.strip()))
    return tuple(fields)


def _declared_length(record: Any) -> bool:
    """Whether the record declares a valid Content-Length (mandatory in WARC: without one
    warcio reads to the end of the file, which is how a record cut inside its header
    block looks)."""
    value = record.rec_headers.get_header("Content-Length")
    return bool(value) and value.strip().isdigit() and hasattr(record.raw_stream, "limit")


def _uri(record: Any) -> str:
    return record.rec_headers.get_header("WARC-Target-URI") or ""


def _first(
    headers: tuple[tuple[str, str], ...], name: str, default: str | None = None
) -> str | None:
    return next((v for k, v in headers if k.lower() == name), default)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
