"""The PostgreSQL backend (``STORE_URL=postgresql://user:password@host:port/db``): one store
shared by a fleet of crawl workers on several machines (see :mod:`newscrawl.fleet`).

Same tables and meaning as the SQLite store (:mod:`newscrawl.storage.sqlite`). What
differs, and why:

- **Schema versions** are in ``newscrawl_schema``; :data:`MIGRATIONS` are applied in order
  at start, inside one transaction under an advisory lock, so workers starting together
  migrate once and never see half a schema.
- **Commit order** (``seq``): a sequence hands out numbers at insert time, and two writers
  can commit them out of order (5 after 6), which would make an export cursor at 6 skip
  5 for good. ``newscrawl_next_seq()`` draws ``max(seq) + 1`` under a transaction-level
  advisory lock instead: the lock is held until the writer commits, so the next writer
  draws after that commit, and numbers are committed in order. The cost is that inserts
  of *articles* are serialised across the fleet for the length of one short transaction.
- **Reservations** (:meth:`BaseStore.reserve`): transaction-level advisory locks on the
  record's fingerprint and band keys, taken in ascending order (no deadlock cycles).
- **The per-store lock** is a session-level advisory lock on a connection of its own,
  exclusive for a single crawl, shared by fleet workers; the server releases it when the
  holder's connection drops, however the process ended. Its holder is shown from
  ``pg_stat_activity.application_name``.

Connections run in autocommit mode with explicit ``BEGIN``/``COMMIT``, as the SQLite
backend does, so reads outside a write batch never hold a transaction open.
"""

from __future__ import annotations

from typing import Any, ClassVar

from newscrawl.redact import redact_url, scrub
from newscrawl.storage.base import BaseStore
from newscrawl.storage.connection import StoreError, StoreLocked

try:
    import psycopg
except ImportError:  # pragma: no cover - psycopg is a dependency
    psycopg = None  # type: ignore[assignment]

# Advisory lock keys of newscrawl's own (below 2**31: pg_locks shows them in objid).
STORE_LOCK_KEY = 0x6E63_0001  # the per-store crawl lock
MIGRATION_KEY = 0x6E63_0002  # schema migrations
SEQ_KEY = 0x6E63_0003  # drawing the next seq

_NOW = """to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""

# Each entry brings the schema from version N-1 to N. Never edit a released step: add one.
MIGRATIONS: list[str] = [
    # 1: articles, aliases, rejections, the near-duplicate index, seq and export cursors.
    f"""
    CREATE TABLE articles (
        url          TEXT PRIMARY KEY,
        site         TEXT NOT NULL,
        fingerprint  TEXT NOT NULL UNIQUE,
        headline     TEXT NOT NULL,
        published    TEXT,
        fetched_at   TEXT,
        stored_at    TEXT NOT NULL DEFAULT {_NOW},
        record       TEXT NOT NULL,
        seq          BIGINT UNIQUE
    );
    CREATE TABLE aliases (
        alias        TEXT PRIMARY KEY,
        url          TEXT NOT NULL REFERENCES articles(url),
        site         TEXT NOT NULL,
        reason       TEXT NOT NULL,
        fetched_at   TEXT
    );
    CREATE INDEX aliases_by_url ON aliases(url);
    CREATE TABLE rejections (
        url          TEXT NOT NULL,
        reason       TEXT NOT NULL,
        detail       TEXT,
        rejected_at  TEXT NOT NULL DEFAULT {_NOW},
        PRIMARY KEY (url, reason)
    );
    CREATE TABLE sketches (
        id           BIGSERIAL PRIMARY KEY,
        url          TEXT NOT NULL UNIQUE,
        size         INTEGER NOT NULL,
        signature    BYTEA NOT NULL
    );
    CREATE TABLE sketch_bands (
        band_key     BIGINT NOT NULL,
        sketch       BIGINT NOT NULL REFERENCES sketches(id),
        PRIMARY KEY (band_key, sketch)
    );
    CREATE TABLE export_cursors (
        name            TEXT PRIMARY KEY,
        seq             BIGINT NOT NULL DEFAULT 0,
        pending_seq     BIGINT,
        pending_target  TEXT,
        pending_digest  TEXT,
        updated_at      TEXT NOT NULL DEFAULT {_NOW}
    );
    CREATE FUNCTION newscrawl_next_seq() RETURNS BIGINT LANGUAGE plpgsql VOLATILE AS $$
    BEGIN
        PERFORM pg_advisory_xact_lock({SEQ_KEY});
        RETURN (SELECT coalesce(max(seq), 0) + 1 FROM articles);
    END $$;
    CREATE FUNCTION newscrawl_articles_seq() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.seq IS NULL THEN
            NEW.seq := newscrawl_next_seq();
        END IF;
        RETURN NEW;
    END $$;
    CREATE TRIGGER articles_seq BEFORE INSERT ON articles
        FOR EACH ROW EXECUTE FUNCTION newscrawl_articles_seq();
    """,
    # 2: the run history (newscrawl.reporting): one row per crawl, its run report as JSON;
    # run_sites says which sites a run touched; articles by stored_at for per-day counts.
    f"""
    CREATE TABLE runs (
        id              BIGSERIAL PRIMARY KEY,
        spider          TEXT,
        started_at      TEXT,
        finished_at     TEXT NOT NULL,
        duration_s      DOUBLE PRECISION,
        finish_reason   TEXT,
        ok              INTEGER NOT NULL,
        monitors_passed INTEGER NOT NULL,
        pages           BIGINT NOT NULL,
        stored          BIGINT NOT NULL,
        duplicates      BIGINT NOT NULL,
        rejected        BIGINT NOT NULL,
        failures        BIGINT NOT NULL,
        recorded_at     TEXT NOT NULL DEFAULT {_NOW},
        report          TEXT NOT NULL
    );
    CREATE INDEX runs_by_time ON runs(finished_at);
    CREATE TABLE run_sites (
        site         TEXT NOT NULL,
        run_id       BIGINT NOT NULL REFERENCES runs(id),
        PRIMARY KEY (site, run_id)
    );
    CREATE INDEX articles_by_stored ON articles(stored_at, site);
    """,
    # 3: WARC files read to their end (newscrawl.storage.archives).
    f"""
    CREATE TABLE warc_files (
        name         TEXT PRIMARY KEY,
        size         BIGINT NOT NULL,
        records      BIGINT NOT NULL,
        torn         INTEGER NOT NULL DEFAULT 0,
        finished_at  TEXT NOT NULL DEFAULT {_NOW}
    );
    """,
    # 4: each alias's fingerprint (NULL for aliases stored before), so the canonical rule
    # (newscrawl.canonical) finds an exact copy of any place of a story and names aliases;
    # each local feed file's size at the last commit (newscrawl.extensions.feeds).
    f"""
    ALTER TABLE aliases ADD COLUMN fingerprint TEXT;
    CREATE INDEX aliases_by_fingerprint ON aliases(fingerprint);
    CREATE TABLE feed_marks (
        feed         TEXT PRIMARY KEY,
        size         BIGINT NOT NULL,
        tail_digest  TEXT NOT NULL,
        running      INTEGER NOT NULL,
        updated_at   TEXT NOT NULL DEFAULT {_NOW}
    );
    """,
    # 5: pages per site line, for near-duplicate template lines (newscrawl.templatelines).
    """
    CREATE TABLE template_lines (
        line_key     BIGINT PRIMARY KEY,
        pages        INTEGER NOT NULL
    );
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


def redacted(store_url: str) -> str:
    """The URL without its password or secret parameters, for messages and logs."""
    return redact_url(store_url)


class PostgresStore(BaseStore):
    NEXT_SEQ: ClassVar[str] = "newscrawl_next_seq()"
    NOW: ClassVar[str] = _NOW
    ERRORS: ClassVar[tuple[type[BaseException], ...]] = (
        (psycopg.Error,) if psycopg is not None else ()
    )
    # NO KEY UPDATE, not UPDATE: the alias just inserted holds a KEY SHARE lock on the row
    # (its foreign key), and so may another writer's alias of the same story. FOR UPDATE
    # would wait for that writer while it waits for us (a deadlock PostgreSQL breaks by
    # failing one write); FOR NO KEY UPDATE does not conflict with KEY SHARE, so the second
    # writer just queues behind the first on the row.
    _FOR_UPDATE: ClassVar[str] = " FOR NO KEY UPDATE"

    def __init__(self, store_url: str, *, batch_size: int = 100, create: bool = True) -> None:
        """Connect and migrate; ``create=False`` (reading commands) refuses a database that
        holds no newscrawl store instead of creating one in it."""
        if psycopg is None:
            raise StoreError("a postgresql:// store needs psycopg: pip install 'psycopg[binary]'")
        self.url = store_url
        self.location = redacted(store_url)
        self.batch_size = batch_size
        self._pending = 0
        try:
            self.db = psycopg.connect(store_url, autocommit=True, application_name="newscrawl")
            if not create and not self._has_schema():
                self.db.close()
                raise StoreError(
                    f"cannot open store {self.location}: not a newscrawl store (the database"
                    " has no newscrawl_schema table; a crawl creates it)"
                )
            self._migrate()
        except psycopg.Error as exc:
            # Not chained: libpq quotes what it could not read of the URL (a bad
            # percent-escape in the password, say), and a traceback would print it.
            raise StoreError(f"cannot open store {self.location}: {self._scrub(exc)}") from None

    def _scrub(self, exc: BaseException) -> str:
        return scrub(str(exc).strip(), [self.url])

    @classmethod
    def open_url(cls, store_url: str, **kwargs: Any) -> PostgresStore:
        return cls(store_url, **kwargs)

    def _has_schema(self) -> bool:
        row = self.db.execute("SELECT to_regclass('newscrawl_schema') IS NOT NULL").fetchone()
        return bool(row[0])

    def _migrate(self) -> None:
        with self.db.transaction():
            self.db.execute(f"SELECT pg_advisory_xact_lock({MIGRATION_KEY})")
            self.db.execute("CREATE TABLE IF NOT EXISTS newscrawl_schema (version INTEGER)")
            row = self.db.execute("SELECT max(version) FROM newscrawl_schema").fetchone()
            version = row[0] or 0
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"store {self.location} has schema version {version}, newer than this"
                    f" newscrawl's {SCHEMA_VERSION}: upgrade newscrawl"
                )
            for step in range(version, SCHEMA_VERSION):
                self.db.execute(MIGRATIONS[step])
                self.db.execute("INSERT INTO newscrawl_schema VALUES (%s)", (step + 1,))

    def schema_version(self) -> int:
        return self._one("SELECT max(version) FROM newscrawl_schema")[0]

    def _run(self, sql: str, params: Any = ()) -> Any:
        if params:
            sql = sql.replace("%", "%%").replace("?", "%s")
        return self.db.execute(sql, tuple(params) if params else None)

    def _run_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        with self.db.cursor() as cursor:
            cursor.executemany(sql.replace("%", "%%").replace("?", "%s"), rows)

    @property
    def in_transaction(self) -> bool:
        return self.db.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    def _begin(self) -> None:
        self.db.execute("BEGIN")

    def _reserve_keys(self, keys: list[int]) -> None:
        for key in keys:
            self.db.execute("SELECT pg_advisory_xact_lock(%s)", (key,))

    def rollback(self) -> None:
        if self.db.info.transaction_status == psycopg.pq.TransactionStatus.INERROR:
            self.db.execute("ROLLBACK")
            self._pending = 0
            return
        super().rollback()

    # -- the per-store lock: a session-level advisory lock ------------------------------
    def _lock_key(self) -> Any:
        return ("postgresql", self.location)

    def _acquire_lock(self, owner: str, shared: bool) -> Any:
        name = f"newscrawl lock: {owner}"[:63]
        try:
            holder = psycopg.connect(self.url, autocommit=True, application_name=name)
            take = "pg_try_advisory_lock_shared" if shared else "pg_try_advisory_lock"
            if holder.execute(f"SELECT {take}({STORE_LOCK_KEY})").fetchone()[0]:
                return holder
            rows = holder.execute(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a"
                " ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted"
                " AND l.classid = 0 AND l.objid = %s AND l.database ="
                " (SELECT oid FROM pg_database WHERE datname = current_database())",
                (STORE_LOCK_KEY,),
            ).fetchall()
        except psycopg.Error as exc:
            raise StoreError(f"cannot lock store {self.location}: {self._scrub(exc)}") from None
        holder.close()
        holders = "; ".join(row[0].removeprefix("newscrawl lock: ") for row in rows)
        raise StoreLocked(
            f"store {self.location} is in use by another crawl ({holders or 'another process'})"
        )

    def _release_lock(self, handle: Any) -> None:
        handle.close()  # the server releases a session lock with its connection
