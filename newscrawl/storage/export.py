"""``newscrawl export``: JSON lines from the store, and new-only exports behind a cursor.

Every line is a stored record (the feed's fields, in the feed's order) plus ``aliases``:
the other URLs the same story was found under.

``--new --cursor NAME`` writes the records committed since that cursor's last export, in
commit order, then advances the cursor. With ``-o FILE`` this is exactly-once, whatever
moment the export is interrupted at:

1. The records with ``seq`` in (cursor, newest committed] are written to a temporary file
   beside FILE and synced to disk.
2. The store records, durably, a *pending* export: the new position, FILE, and the
   SHA-256 of the temporary file.
3. The temporary file is renamed over FILE (atomic on POSIX), then the cursor moves to the
   new position and the pending export is cleared, in one transaction.

An export that finds a pending one from an interrupted run first settles it: if FILE holds
exactly the pending content, the rename happened and the cursor is moved (step 3 is
completed); otherwise the rename did not happen and the pending export is dropped. Either
way no record is delivered twice or skipped. Writing to stdout cannot be taken back, so
there the cursor moves once the whole output was written and flushed: an interruption
before that repeats the batch next time (at-least-once).

A cursor is meant to be used with the same ``--site``/``--since`` filters every time:
records the filters leave out are passed over for good.

The file format is the ``writer``'s: JSON lines by default, Parquet with
``newscrawl.storage.parquet.write_parquet`` (``--format parquet``); the protocol above is
the same for both.
"""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import hashlib
import io
import json
import logging
import os
import re
import secrets
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO

from newscrawl.discovery.listings import parse_duration, parse_listing_date
from newscrawl.storage.base import BaseStore
from newscrawl.urls import site_of

logger = logging.getLogger(__name__)
_AGE = re.compile(r"^\s*\d+(?:\.\d+)?\s*[smhdw]\s*$", re.I)

#: Writes records to an open binary file, leaves it open, returns how many it wrote.
Writer = Callable[[Iterable[dict[str, Any]], BinaryIO], int]
#: Wraps the records, given their count, to show progress (``newscrawl.cli.progress``).
Tracker = Callable[[Iterable[dict[str, Any]], int], Iterable[dict[str, Any]]]


def stored_since(text: str | None, now: dt.datetime | None = None) -> str | None:
    """``--since``: an ISO 8601 date or time, or an age with a unit (``12h``, ``2d``), as
    the store's ``stored_at`` spelling (UTC, milliseconds, ``Z``)."""
    if not text:
        return None
    if _AGE.match(text):
        moment = (now or dt.datetime.now(dt.UTC)) - parse_duration(text)
    else:
        moment = parse_listing_date(text)
    if moment is None:
        raise ValueError(f"--since {text!r}: give a date (2026-11-01) or an age (2d)")
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _write_lines(records: Iterable[dict[str, Any]], sink: BinaryIO, compress: bool) -> int:
    count = 0
    stream: BinaryIO = gzip.GzipFile(fileobj=sink, mode="wb", mtime=0) if compress else sink
    for record in records:
        stream.write(json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n")
        count += 1
    if compress:
        stream.close()  # writes the gzip trailer; ``sink`` stays open
    sink.flush()
    return count


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as data:
        for block in iter(lambda: data.read(1 << 16), b""):
            sha.update(block)
    return sha.hexdigest()


def _sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def settle_pending(store: BaseStore, name: str) -> None:
    """Finish or drop an export of cursor ``name`` that was interrupted (see module doc)."""
    cursor = store.export_cursor(name)
    if cursor.pending_seq is None:
        return
    target = Path(cursor.pending_target or "")
    if target.is_file() and _digest(target) == cursor.pending_digest:
        logger.warning("Completing interrupted export %r: %s was written", name, target)
        store.advance_cursor(name, cursor.pending_seq)
    else:
        logger.warning("Dropping interrupted export %r: %s was never published", name, target)
        store.abandon_pending(name)


def export(
    store: BaseStore,
    *,
    output: Path | None,
    compress: bool = False,
    since: str | None = None,
    site: str | None = None,
    cursor: str | None = None,
    writer: Writer | None = None,
    track: Tracker | None = None,
) -> int:
    """Write records; with ``cursor``, only new ones, advancing it. Returns the count.

    ``writer`` makes the file (default: JSON lines, gzipped with ``compress``); ``track``
    sees the records on their way, with their count (which costs a query: only then).
    """
    write = writer or functools.partial(_write_lines, compress=compress)
    host = site_of(f"https://{site}/") if site else None
    after = upto = None
    if cursor:
        settle_pending(store, cursor)
        after, upto = store.export_cursor(cursor).seq, store.last_seq()
    where = {
        "after_seq": after or 0,
        "upto_seq": upto,
        "stored_since": stored_since(since),
        "site": host,
    }
    records: Iterable[dict[str, Any]] = store.export_records(**where)
    if track is not None:
        records = track(records, store.count_export_records(**where))
    if output is None:
        count = write(records, sys.stdout.buffer)
        if cursor and upto is not None:
            store.advance_cursor(cursor, upto)
        return count
    output = output.resolve()
    temporary, sink = create_beside(output)
    try:
        with sink:
            count = write(records, sink)
            os.fsync(sink.fileno())
        if cursor and upto is not None:
            store.prepare_cursor(cursor, upto, str(output), _digest(temporary))
        os.replace(temporary, output)
        _sync_dir(output.parent)
    finally:
        temporary.unlink(missing_ok=True)
    if cursor and upto is not None:
        store.advance_cursor(cursor, upto)
    return count


def create_beside(output: Path) -> tuple[Path, BinaryIO]:
    """A new temporary file beside ``output``: a random name, created exclusively.

    A predictable name (``.NAME.PID.tmp``) in a folder others can write would let them
    plant a symlink there, and the export would truncate whatever file it points to.
    ``O_EXCL`` fails on any existing entry, symlink included; the mode follows the umask,
    as the exported file always did.
    """
    for _ in range(100):
        temporary = output.with_name(f".{output.name}.{secrets.token_hex(8)}.tmp")
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
        except FileExistsError:
            continue
        return temporary, os.fdopen(fd, "wb")
    raise FileExistsError(f"no free temporary name beside {output}")


def read_lines(path: Path) -> list[dict[str, Any]]:
    """The records of an export file, gzip-compressed or not (for tests and tools)."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return [json.loads(line) for line in io.BytesIO(data).read().decode().splitlines() if line]
