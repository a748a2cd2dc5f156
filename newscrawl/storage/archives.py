"""WARC files read to the end: what lets a killed replay or CC-NEWS run resume.

A file is recorded as finished (``warc_files``) only once every record read from it went
through the item pipelines, and the row is written through the same connection, after
those records: it is committed with them or after them, never before. A run killed
halfway leaves its file unrecorded; the next run reads it again, and the records it
already stored are skipped (known URLs), so the run resumes where it stopped.

Files are known by name (CC-NEWS names and the crawl's own archive names are unique),
so a file given by another path, or on another machine of a fleet, is the same file.
"""

from __future__ import annotations

from newscrawl.storage.connection import StoreConnection


class ArchiveFiles(StoreConnection):
    """The ``warc_files`` table: one row per WARC file read to its end."""

    def file_finished(self, name: str) -> bool:
        """Whether the file ``name`` was read to its end by an earlier (or this) run."""
        return self._one("SELECT 1 FROM warc_files WHERE name = ?", (name,)) is not None

    def finish_file(self, name: str, *, size: int, records: int, torn: bool) -> None:
        """Record ``name`` as read to its end (in the open batch: see the module docstring)."""
        self._write(
            "INSERT INTO warc_files (name, size, records, torn) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (name) DO NOTHING",
            (name, size, records, 1 if torn else 0),
        )

    def finished_files(self) -> list[tuple[str, int, int, bool, str]]:
        """``(name, size, records, torn, finished_at)`` of every finished file, by name."""
        rows = self._all(
            "SELECT name, size, records, torn, finished_at FROM warc_files ORDER BY name"
        )
        return [(name, size, records, bool(torn), at) for name, size, records, torn, at in rows]
