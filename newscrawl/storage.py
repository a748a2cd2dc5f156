"""The article store: SQLite, embedded, one file.

Three tables: ``articles`` (one row per distinct story, the full record as JSON beside the
columns that are queried), ``aliases`` (other URLs where a stored story was found, such as
the same wire story on a sister site) and ``rejections`` (pages that produced no valid
record, with the reason). Writes are batched into transactions: a record is either wholly
in the store or not at all, and a crash loses at most the open batch, never stored data.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    url          TEXT PRIMARY KEY,
    site         TEXT NOT NULL,
    fingerprint  TEXT NOT NULL UNIQUE,
    headline     TEXT NOT NULL,
    published    TEXT,
    fetched_at   TEXT,
    stored_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    record       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS aliases (
    alias        TEXT PRIMARY KEY,
    url          TEXT NOT NULL REFERENCES articles(url),
    site         TEXT NOT NULL,
    reason       TEXT NOT NULL,
    fetched_at   TEXT
);
CREATE TABLE IF NOT EXISTS rejections (
    url          TEXT NOT NULL,
    reason       TEXT NOT NULL,
    detail       TEXT,
    rejected_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (url, reason)
);
CREATE INDEX IF NOT EXISTS aliases_by_url ON aliases(url);
"""


class StoreError(RuntimeError):
    """The store cannot be opened or written; the crawl must stop rather than drop items."""


def sqlite_path(store_url: str) -> Path:
    """``sqlite:///relative/path.db`` or ``sqlite:////absolute/path.db`` -> a path."""
    parts = urlsplit(store_url)
    if parts.scheme != "sqlite":
        raise StoreError(f"unsupported STORE_URL {store_url!r}: only sqlite:///PATH is supported")
    path = unquote(parts.path)
    if not path or path == "/":
        raise StoreError(f"STORE_URL {store_url!r} names no file (use sqlite:///newscrawl.db)")
    return Path(path[1:] if path.startswith("/") else path)


def _why(path: Path) -> str:
    """A hint for SQLite's "unable to open database file", which does not say why."""
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        return " (the store's file or folder is read-only)"
    return ""


class Store:
    """One SQLite connection, used from the reactor thread only."""

    def __init__(self, path: Path | str, *, batch_size: int = 100) -> None:
        self.path = Path(path)
        self.batch_size = batch_size
        self._pending = 0
        # The first write error, after which every write fails: a transaction whose COMMIT
        # failed (disk full) stays open in SQLite, and later INSERTs would "succeed" into
        # it, letting records through to the feed that never reach the disk.
        self.failed: StoreError | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.executescript(_SCHEMA)
            self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open store {self.path}: {exc}{_why(self.path)}") from exc

    @classmethod
    def from_url(cls, store_url: str, **kwargs: Any) -> Store:
        return cls(sqlite_path(store_url), **kwargs)

    # -- reads -------------------------------------------------------------------------
    def url_known(self, url: str) -> str | None:
        """The stored story's URL if ``url`` is a stored article or one of its aliases."""
        row = self.db.execute(
            "SELECT url FROM articles WHERE url = ? "
            "UNION ALL SELECT url FROM aliases WHERE alias = ? LIMIT 1",
            (url, url),
        ).fetchone()
        return row[0] if row else None

    def url_for_fingerprint(self, fingerprint: str) -> str | None:
        row = self.db.execute(
            "SELECT url FROM articles WHERE fingerprint = ?", (fingerprint,)
        ).fetchone()
        return row[0] if row else None

    def articles(self) -> Iterator[dict[str, Any]]:
        for (record,) in self.db.execute("SELECT record FROM articles ORDER BY rowid"):
            yield json.loads(record)

    def aliases(self) -> list[tuple[str, str, str]]:
        return self.db.execute("SELECT alias, url, reason FROM aliases ORDER BY alias").fetchall()

    def rejections(self) -> list[tuple[str, str]]:
        return self.db.execute("SELECT url, reason FROM rejections ORDER BY url").fetchall()

    # -- writes ------------------------------------------------------------------------
    def add_article(self, record: dict[str, Any]) -> bool:
        """Insert a record; False when its URL or fingerprint is already stored."""
        cursor = self._write(
            "INSERT OR IGNORE INTO articles"
            " (url, site, fingerprint, headline, published, fetched_at, record)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                record["url"],
                record["site"],
                record["fingerprint"],
                record["headline"],
                record.get("published"),
                record.get("fetched_at"),
                json.dumps(record, ensure_ascii=False),
            ),
        )
        return cursor.rowcount == 1

    def add_alias(
        self, alias: str, url: str, site: str, reason: str, fetched_at: str | None
    ) -> bool:
        if alias == url:
            return False
        cursor = self._write(
            "INSERT OR IGNORE INTO aliases (alias, url, site, reason, fetched_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (alias, url, site, reason, fetched_at),
        )
        return cursor.rowcount == 1

    def add_rejection(self, url: str, reason: str, detail: str | None = None) -> None:
        self._write(
            "INSERT OR REPLACE INTO rejections (url, reason, detail) VALUES (?, ?, ?)",
            (url, reason, detail),
        )

    def _write(self, sql: str, params: tuple[Any, ...]) -> sqlite3.Cursor:
        self._check_usable()
        try:
            if not self.db.in_transaction:
                self.db.execute("BEGIN IMMEDIATE")
            cursor = self.db.execute(sql, params)
            self._pending += 1
            if self._pending >= self.batch_size:
                self.commit()
            return cursor
        except sqlite3.Error as exc:
            raise self._fail(f"cannot write to store {self.path}: {exc}") from exc

    def commit(self) -> None:
        self._check_usable()
        if self.db.in_transaction:
            try:
                self.db.execute("COMMIT")
            except sqlite3.Error as exc:
                raise self._fail(f"cannot commit to store {self.path}: {exc}") from exc
        self._pending = 0

    def _check_usable(self) -> None:
        if self.failed is not None:
            raise StoreError(f"store {self.path} unusable after an earlier error: {self.failed}")

    def _fail(self, message: str) -> StoreError:
        """Roll back the open batch and refuse every later write (see ``failed``)."""
        self.failed = StoreError(message)
        try:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # the batch is lost either way; the error below says so
        self._pending = 0
        return self.failed

    def close(self) -> None:
        try:
            if self.failed is None:
                self.commit()
        finally:
            self.db.close()
