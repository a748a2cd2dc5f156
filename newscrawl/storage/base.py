"""What every store backend does, written once: the SQL both engines understand.

A backend (:mod:`newscrawl.storage.sqlite`, :mod:`newscrawl.storage.postgres`) supplies a
connection and the few things the engines spell differently: how a write transaction
starts, how the commit-order number ``seq`` is drawn, the current time, how the per-store
lock is held, and its schema migrations. Everything else (the tables' meaning, aliases and
``also_at``, the near-duplicate index, incremental state, export cursors) lives here.

Shared SQL is written with ``?`` placeholders; a backend with another parameter style
translates them in :meth:`BaseStore._run`.

Concurrency (several crawl processes on one store, see :mod:`newscrawl.fleet`): a record
is checked and written in one transaction that first *reserves* the keys it depends on,
its body fingerprint and its near-duplicate band keys (:meth:`BaseStore.reserve`). Two
processes checking the same story at once are serialised on those keys: the second one's
look-ups run after the first committed, so it sees the first copy and records an alias
instead of a second story. Unique constraints on ``url`` and ``fingerprint`` (``ON
CONFLICT DO NOTHING``) are the last guard.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, ClassVar, NamedTuple

from newscrawl.storage.history import HistoryQueries


class StoreError(RuntimeError):
    """The store cannot be opened or written; the crawl must stop rather than drop items."""


class StoreLocked(StoreError):
    """Another crawl holds the store's lock."""


class Known(NamedTuple):
    """A URL fetched by an earlier run: ``kind`` article, alias or rejection."""

    kind: str
    url: str
    fetched_at: str | None


class Written(NamedTuple):
    """What a write did: rows changed, and the rows a ``RETURNING`` clause gave."""

    rowcount: int
    rows: list[Any]


class ExportCursor(NamedTuple):
    name: str
    seq: int
    pending_seq: int | None
    pending_target: str | None
    pending_digest: str | None


# Locks this process holds, by lock key: [handle, number of Store objects holding it].
# Crawlers of one process (``scrapy check``, a script running several spiders) share one.
_HELD_LOCKS: dict[Any, list[Any]] = {}


def lock_owner() -> str:
    """How a lock holder describes itself."""
    return f"pid {os.getpid()}"


def reservation_key(text: str) -> int:
    """A signed 64-bit key for a string (a fingerprint), in the band keys' key space."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big",
                          signed=True)  # fmt: skip


class BaseStore(HistoryQueries):
    """One connection, used from one thread (the reactor's); see the module docstring.

    The run history and the report's reads are in :mod:`newscrawl.storage.history`.
    """

    #: SQL expression giving the next ``seq`` (commit order) inside a write transaction.
    NEXT_SEQ: ClassVar[str]
    #: SQL expression for "now" in the store's ISO 8601 spelling (UTC, ms, ``Z``).
    NOW: ClassVar[str]
    #: The driver's exception base classes.
    ERRORS: ClassVar[tuple[type[BaseException], ...]]

    location: str  # for messages: a file path or a URL without password
    batch_size: int
    db: Any
    #: Commit at the end of every item (fleet workers) instead of every ``batch_size`` writes.
    per_item: bool = False

    @classmethod
    def from_url(cls, store_url: str, **kwargs: Any) -> BaseStore:
        """The backend the URL's scheme names (``sqlite:///``, ``postgresql://``)."""
        from newscrawl.storage import open_store

        return open_store(store_url, **kwargs)

    # -- what a backend provides -----------------------------------------------------
    def _run(self, sql: str, params: Sequence[Any] = ()) -> Any:
        raise NotImplementedError

    def _run_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        raise NotImplementedError

    @property
    def in_transaction(self) -> bool:
        raise NotImplementedError

    def _begin(self) -> None:
        """Open a write transaction (called only outside one)."""
        raise NotImplementedError

    def _reserve_keys(self, keys: list[int]) -> None:
        """Inside the open transaction: hold ``keys`` until it ends (see :meth:`reserve`)."""
        raise NotImplementedError

    def _acquire_lock(self, owner: str, shared: bool) -> tuple[Any, Any]:
        """Take the per-store lock: (key identifying it in this process, handle)."""
        raise NotImplementedError

    def _release_lock(self, handle: Any) -> None:
        raise NotImplementedError

    def _lock_key(self) -> Any:
        raise NotImplementedError

    def _close_connection(self) -> None:
        self.db.close()

    # -- reads -------------------------------------------------------------------------
    def _one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        try:
            return self._run(sql, params).fetchone()
        except self.ERRORS as exc:
            raise StoreError(f"cannot read store {self.location}: {exc}") from exc

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        try:
            return [tuple(row) for row in self._run(sql, params).fetchall()]
        except self.ERRORS as exc:
            raise StoreError(f"cannot read store {self.location}: {exc}") from exc

    def url_known(self, url: str) -> str | None:
        """The stored story's URL if ``url`` is a stored article or one of its aliases."""
        row = self._one(
            "SELECT url FROM articles WHERE url = ? "
            "UNION ALL SELECT url FROM aliases WHERE alias = ? LIMIT 1",
            (url, url),
        )
        return row[0] if row else None

    def url_for_fingerprint(self, fingerprint: str) -> str | None:
        row = self._one("SELECT url FROM articles WHERE fingerprint = ?", (fingerprint,))
        return row[0] if row else None

    def articles(self) -> Iterator[dict[str, Any]]:
        for (record,) in self._all("SELECT record FROM articles ORDER BY seq"):
            yield json.loads(record)

    def aliases(self) -> list[tuple[str, str, str]]:
        return self._all("SELECT alias, url, reason FROM aliases ORDER BY alias")

    def rejections(self) -> list[tuple[str, str]]:
        return self._all("SELECT url, reason FROM rejections ORDER BY url")

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
            for (sketch,) in self._all(
                "SELECT sketch FROM sketch_bands WHERE band_key = ? ORDER BY sketch DESC LIMIT ?",
                (key, per_key),
            ):
                ids[sketch] = None
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self._all(
            "SELECT s.url, s.signature, s.size FROM sketches s JOIN articles a ON a.url = s.url"
            f" WHERE s.id IN ({marks}) ORDER BY s.id DESC",
            tuple(ids),
        )
        return [(url, bytes(signature), size) for url, signature, size in rows]

    def known(self, url: str) -> Known | None:
        """Whether ``url`` (canonical) was fetched before: a stored article, an alias of
        one, or a rejected page; with when it was fetched (for re-fetch policies)."""
        row = self._one(
            "SELECT 'article', url, fetched_at FROM articles WHERE url = ?"
            " UNION ALL SELECT 'alias', a.url, coalesce(a.fetched_at, r.fetched_at)"
            "  FROM aliases a JOIN articles r ON r.url = a.url WHERE a.alias = ?"
            " UNION ALL SELECT 'rejection', url, rejected_at FROM rejections WHERE url = ?"
            " LIMIT 1",
            (url, url, url),
        )
        return Known(*row) if row else None

    def last_seq(self) -> int:
        """The ``seq`` of the newest committed article (0 for an empty store).

        Every record below it is committed too: ``seq`` is drawn under a lock held until
        commit (see the backends' ``NEXT_SEQ``), so numbers are handed out in commit order
        even with several writers, and a cursor at ``last_seq()`` never skips a late one.
        """
        return self._one("SELECT coalesce(max(seq), 0) FROM articles")[0]

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
        for url, record in self._all(sql + " ORDER BY seq", params):
            data = json.loads(record)
            data["aliases"] = [
                alias
                for (alias,) in self._all(
                    "SELECT alias FROM aliases WHERE url = ? ORDER BY alias", (url,)
                )
            ]
            yield data

    def export_cursor(self, name: str) -> ExportCursor:
        row = self._one(
            "SELECT seq, pending_seq, pending_target, pending_digest FROM export_cursors"
            " WHERE name = ?",
            (name,),
        )
        return ExportCursor(name, *row) if row else ExportCursor(name, 0, None, None, None)

    # -- writes ------------------------------------------------------------------------
    def reserve(self, keys: Iterable[int]) -> None:
        """Open the write transaction now and hold ``keys`` until it commits.

        Called before the look-ups that decide whether a record is new (its fingerprint,
        its band keys), so that the look-ups and the insert they lead to are one atomic
        step against other processes writing the same keys.
        """
        try:
            if not self.in_transaction:
                self._begin()
            self._reserve_keys(sorted(set(keys)))  # one global order: no deadlocks
        except self.ERRORS as exc:
            raise StoreError(f"cannot write to store {self.location}: {exc}") from exc

    def add_article(self, record: dict[str, Any]) -> bool:
        """Insert a record; False when its URL or fingerprint is already stored."""
        cursor = self._write(
            "INSERT INTO articles"
            " (url, site, fingerprint, headline, published, fetched_at, record)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
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
            "INSERT INTO aliases (alias, url, site, reason, fetched_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (alias, url, site, reason, fetched_at),
        )
        if cursor.rowcount != 1:
            return False
        self._append_place(url, {"url": alias, "site": site, "fetched_at": fetched_at})
        return True

    def _append_place(self, url: str, place: dict[str, Any]) -> None:
        """Add ``place`` to the stored record's ``also_at``, inside the write transaction.

        The row is read locked (``_FOR_UPDATE``) so that two writers adding places to one
        story cannot lose each other's entry.
        """
        row = self._one(f"SELECT record FROM articles WHERE url = ?{self._FOR_UPDATE}", (url,))
        if row is None:  # cannot happen while aliases.url references articles
            return
        record = json.loads(row[0])
        places = record.get("also_at") or []
        places.append(place)
        record["also_at"] = places  # a record stored before also_at existed gains it last
        self._write(
            "UPDATE articles SET record = ? WHERE url = ?",
            (json.dumps(record, ensure_ascii=False), url),
        )

    _FOR_UPDATE: ClassVar[str] = ""

    def add_sketch(self, url: str, signature: bytes, size: int, band_keys: Sequence[int]) -> None:
        """Index a stored story for near-duplicate checks (see newscrawl.neardup)."""
        rows = self._write(
            "INSERT INTO sketches (url, size, signature) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING RETURNING id",
            (url, size, signature),
        ).rows
        if rows:
            self._write_many(
                "INSERT INTO sketch_bands (band_key, sketch) VALUES (?, ?) ON CONFLICT DO NOTHING",
                [(key, rows[0][0]) for key in dict.fromkeys(band_keys)],
            )

    def add_rejection(self, url: str, reason: str, detail: str | None = None) -> None:
        self._write(
            "INSERT INTO rejections (url, reason, detail) VALUES (?, ?, ?)"
            " ON CONFLICT (url, reason) DO UPDATE SET detail = excluded.detail,"
            f" rejected_at = {self.NOW}",
            (url, reason, detail),
        )

    def revise_article(self, record: dict[str, Any]) -> bool:
        """Replace a stored article by a re-fetched version whose body changed.

        The revision gets a new ``seq``, so ``export --new`` hands it out again. False when
        the body is unchanged, or when it now equals another stored story's body.
        """
        cursor = self._write(
            "UPDATE articles SET fingerprint = ?, headline = ?, published = ?,"
            f" fetched_at = ?, record = ?, seq = {self.NEXT_SEQ}"
            " WHERE url = ? AND fingerprint != ?"
            " AND NOT EXISTS (SELECT 1 FROM articles o WHERE o.fingerprint = ?)",
            (
                record["fingerprint"],
                record["headline"],
                record.get("published"),
                record.get("fetched_at"),
                json.dumps(record, ensure_ascii=False),
                record["url"],
                record["fingerprint"],
                record["fingerprint"],
            ),
        )
        return cursor.rowcount == 1

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
            f" pending_digest = NULL, updated_at = {self.NOW}",
            (name, seq),
        )

    def abandon_pending(self, name: str) -> None:
        self._commit_now(
            "UPDATE export_cursors SET pending_seq = NULL, pending_target = NULL,"
            " pending_digest = NULL WHERE name = ?",
            (name,),
        )

    def _write(self, sql: str, params: Sequence[Any]) -> Written:
        self._check_usable()
        try:
            if not self.in_transaction:
                self._begin()
            cursor = self._run(sql, params)
            written = Written(cursor.rowcount, cursor.fetchall() if " RETURNING " in sql else [])
            self._pending += 1
            if self._pending >= self.batch_size:
                self.commit()
            return written
        except self.ERRORS as exc:
            raise self._fail(f"cannot write to store {self.location}: {exc}") from exc

    def _write_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        self._check_usable()
        try:
            if not self.in_transaction:
                self._begin()
            self._run_many(sql, rows)
        except self.ERRORS as exc:
            raise self._fail(f"cannot write to store {self.location}: {exc}") from exc

    def commit(self) -> None:
        self._check_usable()
        if self.in_transaction:
            try:
                self._run("COMMIT")
            except self.ERRORS as exc:
                raise self._fail(f"cannot commit to store {self.location}: {exc}") from exc
        self._pending = 0

    # The first write error, after which every write fails: a transaction whose COMMIT
    # failed (disk full) stays open in SQLite, and later INSERTs would "succeed" into it,
    # letting records through to the feed that never reach the disk.
    failed: StoreError | None = None

    def _check_usable(self) -> None:
        if self.failed is not None:
            raise StoreError(
                f"store {self.location} unusable after an earlier error: {self.failed}"
            )

    def _fail(self, message: str) -> StoreError:
        """Roll back the open batch and refuse every later write (see ``failed``)."""
        self.failed = StoreError(message)
        try:
            if self.in_transaction:
                self._run("ROLLBACK")
        except self.ERRORS:
            pass  # the batch is lost either way; the error says so
        self._pending = 0
        return self.failed

    def end_item(self) -> None:
        """An item went through the pipelines: commit now if this store commits per item."""
        if self.per_item:
            self.commit()

    def rollback(self) -> None:
        if self.in_transaction:
            self._run("ROLLBACK")
        self._pending = 0

    def close(self) -> None:
        try:
            if self.failed is None:
                self.commit()
        finally:
            self._close_connection()

    def _commit_now(self, sql: str, params: tuple[Any, ...]) -> None:
        self.commit()
        try:
            self._begin()
            self._run(sql, params)
            self._run("COMMIT")
        except self.ERRORS as exc:
            if self.in_transaction:
                self._run("ROLLBACK")
            raise StoreError(f"cannot write to store {self.location}: {exc}") from exc

    # -- the per-store lock ------------------------------------------------------------
    _lock_held: Any = None

    def lock(self, owner: str, *, shared: bool = False) -> None:
        """Take the store's advisory lock; :class:`StoreLocked` if another crawl holds it.

        Exclusive for a single-process crawl: one crawl per store. ``shared`` for fleet
        workers (``REDIS_URL``): any number of workers hold it together, which still keeps
        a single-process crawl out while a fleet runs and the fleet out while one runs.
        Released however the process ends (the kernel or the server drops it).
        """
        key = self._lock_key()
        held = _HELD_LOCKS.get(key)
        if held is not None:
            held[1] += 1
            self._lock_held = key
            return
        _HELD_LOCKS[key] = [self._acquire_lock(owner, shared), 1]
        self._lock_held = key

    def unlock(self) -> None:
        key, self._lock_held = self._lock_held, None
        held = _HELD_LOCKS.get(key) if key is not None else None
        if held is None:
            return
        held[1] -= 1
        if held[1] == 0:
            del _HELD_LOCKS[key]
            self._release_lock(held[0])
