"""WARC files that a crash or ``kill -9`` cannot corrupt: naming, appending, rotation, sync.

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

This module handles bytes and files only; :mod:`newscrawl.archive.writer` builds the
records. Not thread-safe: one writer per crawl process, called from the reactor thread.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import socket
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from newscrawl.archive.records import build_record, gzip_member, record_id, warc_date

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


def _software() -> str:
    try:
        return f"newscrawl/{importlib.metadata.version('newscrawl')}"
    except importlib.metadata.PackageNotFoundError:  # running from a source tree
        return "newscrawl"


def fsync_dir(directory: Path) -> None:
    """Sync a folder, so a rename in it survives a crash."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class RotatingFiles:
    """The current ``.open`` file of a writer, and the ones it finished (``files``).

    ``emit(build)`` appends the records ``build(warcinfo_id)`` returns, one gzip member
    each (``compress_level`` 0-9; None for plain ``.warc``), rotating first when they
    would take the file past ``max_size``: ``build`` is called again then, so the
    records name the new file's ``warcinfo``.
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
        self.files: list[Path] = []  # finished files, final names
        self.bytes_written = 0
        self.name = ""  # final name of the current (or last) file
        self._serial = 0
        self._fd: int | None = None
        self._size = 0
        self._first_record_end = 0
        self._warcinfo_id = ""
        self._last_sync = 0.0

    @property
    def current_path(self) -> Path | None:
        """The ``.open`` file being written, if any."""
        return None if self._fd is None else self.directory / (self.name + OPEN_SUFFIX)

    def emit(self, build: Callable[[str], list[bytes]]) -> None:
        if self._fd is None:
            self._open()
        blob = self._pack(build(self._warcinfo_id))
        if self._size > self._first_record_end and self._size + len(blob) > self.max_size:
            self.close()
            self._open()
            blob = self._pack(build(self._warcinfo_id))
        self._append(blob)
        if self.fsync_interval is not None and (
            time.monotonic() - self._last_sync >= self.fsync_interval
        ):
            os.fsync(self._fd)  # type: ignore[arg-type]
            self._last_sync = time.monotonic()

    def close(self) -> None:
        """Finish the current file: fsync, close, rename to its final name, fsync the
        folder. Safe to call twice; the next ``emit`` opens a new file."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        final = self.directory / self.name
        os.rename(self.directory / (self.name + OPEN_SUFFIX), final)
        fsync_dir(self.directory)
        self.files.append(final)

    def _pack(self, records: list[bytes]) -> bytes:
        if self.compress_level is None:
            return b"".join(records)
        return b"".join(gzip_member(record, self.compress_level) for record in records)

    def _open(self) -> None:
        extension = ".warc" if self.compress_level is None else ".warc.gz"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_CLOEXEC
        host = re.sub(r"[^A-Za-z0-9.]", "_", self.hostname)
        while True:
            stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")[:17]
            name = f"{self.prefix}-{stamp}-{self._serial:05d}-{host}-{os.getpid()}{extension}"
            self._serial += 1
            if (self.directory / name).exists():
                continue
            try:
                fd = os.open(self.directory / (name + OPEN_SUFFIX), flags, 0o644)
            except FileExistsError:
                continue
            break
        self._fd, self.name, self._size = fd, name, 0
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
