"""The article store: SQLite, embedded, one file.

Three tables: ``articles`` (one row per distinct story, the full record as JSON beside the
columns that are queried), ``aliases`` (other URLs where a stored story was found, such as
the same wire story on a sister site) and ``rejections`` (pages that produced no valid
record, with the reason). Writes are batched into transactions: a record is either wholly
in the store or not at all, and a crash loses at most the open batch, never stored data.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple
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

# Near-duplicate index (newscrawl.neardup): one sketch per stored story and one row per
# LSH band key, so a check is a few look-ups on the band_key index at any store size.
# Added with IF NOT EXISTS, so stores created before open unchanged and gain the tables.
_NEARDUP_SCHEMA = """
CREATE TABLE IF NOT EXISTS sketches (
    id           INTEGER PRIMARY KEY,
    url          TEXT NOT NULL UNIQUE,
    size         INTEGER NOT NULL,
    signature    BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS sketch_bands (
    band_key     INTEGER NOT NULL,
    sketch       INTEGER NOT NULL REFERENCES sketches(id),
    PRIMARY KEY (band_key, sketch)
) WITHOUT ROWID;
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
        self._lock_file: Path | None = None
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
            self.db.executescript(_NEARDUP_SCHEMA)
            _add_incremental_schema(self.db)
            # Writing user_version needs the write lock even when unchanged: skip it, so a
            # reader (``newscrawl export``) can open the store while a crawl holds a batch.
            if self.db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
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

    def sketch_candidates(
        self, band_keys: Sequence[int], per_key: int
    ) -> list[tuple[str, bytes, int]]:
        """(url, signature, size) of stored stories sharing a band key, newest first.

        At most ``per_key`` stories per key: a key shared by more stories than that comes
        from boilerplate, and reading all of them would make a check grow with the store.
        Sketches whose article is not stored (a write that failed later) never match.
        """
        ids: dict[int, None] = {}
        for key in dict.fromkeys(band_keys):
            for (sketch,) in self.db.execute(
                "SELECT sketch FROM sketch_bands WHERE band_key = ? ORDER BY sketch DESC LIMIT ?",
                (key, per_key),
            ):
                ids[sketch] = None
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        return self.db.execute(
            "SELECT s.url, s.signature, s.size FROM sketches s JOIN articles a ON a.url = s.url"
            f" WHERE s.id IN ({marks}) ORDER BY s.id DESC",
            tuple(ids),
        ).fetchall()

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
        """Record another place of a stored story; it is appended to the record's ``also_at``."""
        if alias == url:
            return False
        cursor = self._write(
            "INSERT OR IGNORE INTO aliases (alias, url, site, reason, fetched_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (alias, url, site, reason, fetched_at),
        )
        if cursor.rowcount != 1:
            return False
        row = self.db.execute("SELECT record FROM articles WHERE url = ?", (url,)).fetchone()
        if row is None:  # cannot happen while aliases.url references articles
            return True
        record = json.loads(row[0])
        places = record.get("also_at") or []
        places.append({"url": alias, "site": site, "fetched_at": fetched_at})
        record["also_at"] = places  # a record stored before also_at existed gains it last
        self._write(
            "UPDATE articles SET record = ? WHERE url = ?",
            (json.dumps(record, ensure_ascii=False), url),
        )
        return True

    def add_sketch(self, url: str, signature: bytes, size: int, band_keys: Sequence[int]) -> None:
        """Index a stored story for near-duplicate checks (see newscrawl.neardup)."""
        cursor = self._write(
            "INSERT OR IGNORE INTO sketches (url, size, signature) VALUES (?, ?, ?)",
            (url, size, signature),
        )
        if cursor.rowcount == 1:
            sketch = cursor.lastrowid
            self._write_many(
                "INSERT OR IGNORE INTO sketch_bands (band_key, sketch) VALUES (?, ?)",
                [(key, sketch) for key in band_keys],
            )

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

    def _write_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        try:
            if not self.db.in_transaction:
                self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany(sql, rows)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write to store {self.path}: {exc}") from exc

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

    # -- incremental crawling, locking and exports ------------------------------------
    # Scheduled runs read what earlier runs committed (never an open batch of a killed
    # run: SQLite only shows committed rows to a new connection), hold a per-store lock,
    # and hand records to exports in ``seq`` order, the order they were committed in.

    def known(self, url: str) -> Known | None:
        """Whether ``url`` (canonical) was fetched before: a stored article, an alias of
        one, or a rejected page; with when it was fetched (for re-fetch policies)."""
        row = self.db.execute(
            "SELECT 'article', url, fetched_at FROM articles WHERE url = ?"
            " UNION ALL SELECT 'alias', a.url, coalesce(a.fetched_at, r.fetched_at)"
            "  FROM aliases a JOIN articles r ON r.url = a.url WHERE a.alias = ?"
            " UNION ALL SELECT 'rejection', url, rejected_at FROM rejections WHERE url = ?"
            " LIMIT 1",
            (url, url, url),
        ).fetchone()
        return Known(*row) if row else None

    def revise_article(self, record: dict[str, Any]) -> bool:
        """Replace a stored article by a re-fetched version whose body changed.

        The revision gets a new ``seq``, so ``export --new`` hands it out again. False when
        the body is unchanged, or when it now equals another stored story's body.
        """
        cursor = self._write(
            "UPDATE OR IGNORE articles SET fingerprint = ?, headline = ?, published = ?,"
            " fetched_at = ?, record = ?, seq = (SELECT max(seq) + 1 FROM articles)"
            " WHERE url = ? AND fingerprint != ?",
            (
                record["fingerprint"],
                record["headline"],
                record.get("published"),
                record.get("fetched_at"),
                json.dumps(record, ensure_ascii=False),
                record["url"],
                record["fingerprint"],
            ),
        )
        return cursor.rowcount == 1

    def lock(self, owner: str) -> None:
        """Take the store's advisory lock for one crawl; :class:`StoreLocked` if held.

        SQLite: ``flock`` on ``<store>.lock``, released by the kernel when the process
        ends, however it ends, so a killed crawl never leaves a stale lock behind. Crawlers
        of one process (``scrapy check``, a script running several spiders) share it.
        """
        path = self.path.with_name(self.path.name + ".lock").resolve()
        held = _HELD_LOCKS.get(path)
        if held is not None:
            held[1] += 1
            self._lock_file = path
            return
        handle = path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise StoreLocked(
                f"store {self.path.resolve()} is in use by another crawl ({holder})"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(owner)
        handle.flush()
        _HELD_LOCKS[path] = [handle, 1]
        self._lock_file = path

    def unlock(self) -> None:
        path, self._lock_file = self._lock_file, None
        held = _HELD_LOCKS.get(path) if path is not None else None
        if held is None:
            return
        held[1] -= 1
        if held[1] == 0:
            del _HELD_LOCKS[path]
            held[0].truncate(0)
            held[0].close()  # closing the descriptor releases the flock

    def last_seq(self) -> int:
        """The ``seq`` of the newest committed article (0 for an empty store)."""
        return self.db.execute("SELECT coalesce(max(seq), 0) FROM articles").fetchone()[0]

    def export_records(
        self,
        *,
        after_seq: int = 0,
        upto_seq: int | None = None,
        stored_since: str | None = None,
        site: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Stored records in ``seq`` order, each with ``aliases`` (its other URLs).

        ``stored_since`` is an ISO 8601 UTC timestamp compared with ``stored_at``.
        """
        sql = "SELECT url, record FROM articles WHERE seq > ?"
        params: list[Any] = [after_seq]
        if upto_seq is not None:
            sql += " AND seq <= ?"
            params.append(upto_seq)
        if stored_since:
            sql += " AND stored_at >= ?"
            params.append(stored_since)
        if site:
            sql += " AND site = ?"
            params.append(site)
        for url, record in self.db.execute(sql + " ORDER BY seq", params).fetchall():
            data = json.loads(record)
            data["aliases"] = [
                alias
                for (alias,) in self.db.execute(
                    "SELECT alias FROM aliases WHERE url = ? ORDER BY alias", (url,)
                )
            ]
            yield data

    def export_cursor(self, name: str) -> ExportCursor:
        row = self.db.execute(
            "SELECT seq, pending_seq, pending_target, pending_digest FROM export_cursors"
            " WHERE name = ?",
            (name,),
        ).fetchone()
        return ExportCursor(name, *row) if row else ExportCursor(name, 0, None, None, None)

    def prepare_cursor(self, name: str, pending_seq: int, target: str, digest: str) -> None:
        """Record, durably, an export about to be published (see ``newscrawl.export``)."""
        self._commit_now(
            "INSERT INTO export_cursors (name, seq, pending_seq, pending_target, pending_digest)"
            " VALUES (?, 0, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET"
            " pending_seq = excluded.pending_seq, pending_target = excluded.pending_target,"
            " pending_digest = excluded.pending_digest",
            (name, pending_seq, target, digest),
        )

    def advance_cursor(self, name: str, seq: int) -> None:
        """Move the cursor to ``seq`` and forget any pending export, in one transaction."""
        self._commit_now(
            "INSERT INTO export_cursors (name, seq) VALUES (?, ?) ON CONFLICT(name) DO UPDATE"
            " SET seq = excluded.seq, pending_seq = NULL, pending_target = NULL,"
            " pending_digest = NULL, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            (name, seq),
        )

    def abandon_pending(self, name: str) -> None:
        self._commit_now(
            "UPDATE export_cursors SET pending_seq = NULL, pending_target = NULL,"
            " pending_digest = NULL WHERE name = ?",
            (name,),
        )

    def _commit_now(self, sql: str, params: tuple[Any, ...]) -> None:
        self.commit()
        try:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(sql, params)
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise StoreError(f"cannot write to store {self.path}: {exc}") from exc


# Locks this process holds, by lock file: [open file, number of Store objects holding it].
_HELD_LOCKS: dict[Path, list[Any]] = {}


class StoreLocked(StoreError):
    """Another crawl holds the store's lock."""


class Known(NamedTuple):
    """A URL fetched by an earlier run: ``kind`` article, alias or rejection."""

    kind: str
    url: str
    fetched_at: str | None


class ExportCursor(NamedTuple):
    name: str
    seq: int
    pending_seq: int | None
    pending_target: str | None
    pending_digest: str | None


_INCREMENTAL_SCHEMA = """
CREATE TABLE IF NOT EXISTS export_cursors (
    name            TEXT PRIMARY KEY,
    seq             INTEGER NOT NULL DEFAULT 0,
    pending_seq     INTEGER,
    pending_target  TEXT,
    pending_digest  TEXT,
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE UNIQUE INDEX IF NOT EXISTS articles_by_seq ON articles(seq);
CREATE TRIGGER IF NOT EXISTS articles_seq AFTER INSERT ON articles WHEN NEW.seq IS NULL
BEGIN
    UPDATE articles SET seq = (SELECT coalesce(max(seq), 0) + 1 FROM articles)
    WHERE rowid = NEW.rowid;
END;
"""


def _add_incremental_schema(db: sqlite3.Connection) -> None:
    """Idempotent steps on top of the base schema: ``articles.seq`` (commit order, for
    export cursors; back-filled from insertion order) and the ``export_cursors`` table."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(articles)")}
    if "seq" not in columns:
        try:
            db.execute("BEGIN IMMEDIATE")
            db.execute("ALTER TABLE articles ADD COLUMN seq INTEGER")
            db.execute("UPDATE articles SET seq = rowid")
            db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            if "duplicate column" not in str(exc):  # another process just added it
                raise
    db.executescript(_INCREMENTAL_SCHEMA)


def lock_owner() -> str:
    """How a lock holder describes itself in the lock file."""
    return f"pid {os.getpid()}"
