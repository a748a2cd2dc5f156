"""The SQLite backend: embedded, one file, WAL mode (the default store).

Three tables hold the records: ``articles`` (one row per distinct story, the full record as
JSON beside the columns that are queried), ``aliases`` (other URLs where a stored story was
found, such as the same wire story on a sister site) and ``rejections`` (pages that
produced no valid record, with the reason). Writes are batched into transactions: a record
is either wholly in the store or not at all, and a crash loses at most the open batch.

The schema version is SQLite's ``user_version``: 1 is the base schema with the
near-duplicate index, 2 adds ``articles.seq`` and ``export_cursors``, 3 adds the run
history (``runs``, ``run_sites``) and an index on ``articles(stored_at, site)`` for the
report's per-day counts, 4 adds ``warc_files`` (:mod:`newscrawl.storage.archives`), 5 adds
``aliases.fingerprint`` (the words of each copy, for the canonical rule of
:mod:`newscrawl.canonical`) and ``feed_marks`` (the crawl's ``-o`` feeds,
:mod:`newscrawl.extensions.feeds`), 6 adds ``template_lines`` (pages per site line,
:mod:`newscrawl.templatelines`; an older store starts counting from empty). Every step is
idempotent, so a store of any earlier version opens and is brought up to date.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote, unquote, urlsplit

from newscrawl.redact import redact_url
from newscrawl.storage.base import BaseStore
from newscrawl.storage.connection import StoreError, StoreLocked

SCHEMA_VERSION = 6

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

# Version 6: pages per site line, for near-duplicate template lines (newscrawl.templatelines).
_TEMPLATE_LINES_SCHEMA = """
CREATE TABLE IF NOT EXISTS template_lines (
    line_key     INTEGER PRIMARY KEY,
    pages        INTEGER NOT NULL
) WITHOUT ROWID;
"""

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

# Version 3: the run history (newscrawl.reporting), one row per crawl with its run report
# as JSON; run_sites indexes which sites a run touched, for ``runs(site=...)``.
_RUNS_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id              INTEGER PRIMARY KEY,
    spider          TEXT,
    started_at      TEXT,
    finished_at     TEXT NOT NULL,
    duration_s      REAL,
    finish_reason   TEXT,
    ok              INTEGER NOT NULL,
    monitors_passed INTEGER NOT NULL,
    pages           INTEGER NOT NULL,
    stored          INTEGER NOT NULL,
    duplicates      INTEGER NOT NULL,
    rejected        INTEGER NOT NULL,
    failures        INTEGER NOT NULL,
    recorded_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    report          TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_time ON runs(finished_at);
CREATE TABLE IF NOT EXISTS run_sites (
    site         TEXT NOT NULL,
    run_id       INTEGER NOT NULL REFERENCES runs(id),
    PRIMARY KEY (site, run_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS articles_by_stored ON articles(stored_at, site);
"""

# Version 4: WARC files read to their end (newscrawl.storage.archives).
_ARCHIVE_SCHEMA = """
CREATE TABLE IF NOT EXISTS warc_files (
    name         TEXT PRIMARY KEY,
    size         INTEGER NOT NULL,
    records      INTEGER NOT NULL,
    torn         INTEGER NOT NULL DEFAULT 0,
    finished_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
"""


def sqlite_path(store_url: str) -> Path:
    """``sqlite:///relative/path.db`` or ``sqlite:////absolute/path.db`` -> a path."""
    parts = urlsplit(store_url)
    if parts.scheme != "sqlite":
        raise StoreError(
            f"unsupported STORE_URL {redact_url(store_url)!r}: use sqlite:///PATH or"
            " postgresql://..."
        )
    path = unquote(parts.path)
    if not path or path == "/":
        raise StoreError(
            f"STORE_URL {redact_url(store_url)!r} names no file (use sqlite:///newscrawl.db)"
        )
    return Path(path[1:] if path.startswith("/") else path)


def _why(path: Path) -> str:
    """A hint for SQLite's "unable to open database file", which does not say why."""
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        return " (the store's file or folder is read-only)"
    return ""


class Store(BaseStore):
    """The SQLite store. ``seq`` is drawn as ``max + 1`` under SQLite's single write lock
    (``BEGIN IMMEDIATE``), which is held until commit: commit order by construction."""

    NEXT_SEQ: ClassVar[str] = "(SELECT max(seq) + 1 FROM articles)"
    NOW: ClassVar[str] = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
    ERRORS: ClassVar[tuple[type[BaseException], ...]] = (sqlite3.Error,)

    def __init__(self, path: Path | str, *, batch_size: int = 100, create: bool = True) -> None:
        """Open (``create``: and make, with its folder, if missing) the store at ``path``.

        ``create=False`` is the reading commands' way in (``newscrawl export``): a file that
        is missing, or is not a newscrawl store, is a :class:`StoreError` and stays as it
        was, where opening it as a crawl does would leave an empty store behind and read
        nothing from it. An existing store of an older schema is still brought up to date.
        """
        self.path = Path(path)
        self.location = str(self.path)
        self.batch_size = batch_size
        self._pending = 0
        try:
            if create:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                # A writer waits up to 30 s for another (a process, an export) to commit.
                self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            else:
                self.db = _connect_existing(self.path)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.executescript(_SCHEMA)
            self.db.executescript(_NEARDUP_SCHEMA)
            _add_incremental_schema(self.db)
            self.db.executescript(_RUNS_SCHEMA)
            self.db.executescript(_ARCHIVE_SCHEMA)
            _add_alias_fingerprints(self.db)
            self.db.executescript(_TEMPLATE_LINES_SCHEMA)
            # Writing user_version needs the write lock even when unchanged: skip it, so a
            # reader (``newscrawl export``) can open the store while a crawl holds a batch.
            if self.db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open store {self.path}: {exc}{_why(self.path)}") from exc

    @classmethod
    def open_url(cls, store_url: str, **kwargs: Any) -> Store:
        return cls(sqlite_path(store_url), **kwargs)

    def _run(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        return self.db.execute(sql, params)

    def _run_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        self.db.executemany(sql, rows)

    @property
    def in_transaction(self) -> bool:
        return self.db.in_transaction

    def _begin(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def _reserve_keys(self, keys: list[int]) -> None:
        """Nothing to add: ``BEGIN IMMEDIATE`` holds the whole database's write lock."""

    # -- the per-store lock: flock on <store>.lock -------------------------------------
    def _lock_key(self) -> Path:
        return self.path.with_name(self.path.name + ".lock").resolve()

    def _acquire_lock(self, owner: str, shared: bool) -> Any:
        handle = self._lock_key().open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise StoreLocked(
                f"store {self.path.resolve()} is in use by another crawl ({holder})"
            ) from None
        if not shared:  # shared holders (fleet workers) each add a line
            handle.seek(0)
            handle.truncate()
        handle.write(owner + "\n")
        handle.flush()
        return handle, shared

    def _release_lock(self, handle: Any) -> None:
        file, shared = handle
        if not shared:
            file.truncate(0)
        file.close()  # closing the descriptor releases the flock


def _connect_existing(path: Path) -> sqlite3.Connection:
    """A connection to the store at ``path``, which must exist and be a newscrawl store.

    ``mode=rw``: SQLite itself refuses to create the file, so no check-then-open race can
    leave an empty database behind.
    """
    if not path.is_file():
        raise StoreError(
            f"cannot open store {path}: no such store (a crawl creates it; check --store or"
            " STORE_URL)"
        )
    uri = f"file:{quote(str(path.resolve()))}?mode=rw"
    db = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=30)
    try:
        tables = db.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'articles'"
        ).fetchone()[0]
    except sqlite3.DatabaseError as exc:
        db.close()
        raise StoreError(f"cannot open store {path}: not a newscrawl store ({exc})") from exc
    if not tables:
        db.close()
        raise StoreError(f"cannot open store {path}: not a newscrawl store (no articles table)")
    return db


def _add_incremental_schema(db: sqlite3.Connection) -> None:
    """Version 2, idempotent: ``articles.seq`` (commit order, for export cursors;
    back-filled from insertion order) and the ``export_cursors`` table."""
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


def _add_alias_fingerprints(db: sqlite3.Connection) -> None:
    """Version 5, idempotent: ``aliases.fingerprint`` (NULL for aliases stored before) and
    its index, so an exact copy of any place of a story is found by its words; and
    ``feed_marks``."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(aliases)")}
    if "fingerprint" not in columns:
        try:
            db.execute("ALTER TABLE aliases ADD COLUMN fingerprint TEXT")
        except sqlite3.OperationalError as exc:
            if "duplicate column" not in str(exc):  # another process just added it
                raise
    db.execute("CREATE INDEX IF NOT EXISTS aliases_by_fingerprint ON aliases(fingerprint)")
    db.execute(_FEED_MARKS)


# Version 5 too: each local feed file's size at the last commit (newscrawl.extensions.feeds).
_FEED_MARKS = """
CREATE TABLE IF NOT EXISTS feed_marks (
    feed         TEXT PRIMARY KEY,
    size         INTEGER NOT NULL,
    tail_digest  TEXT NOT NULL,
    running      INTEGER NOT NULL,
    updated_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
)
"""
