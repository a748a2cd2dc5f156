"""A store's connection: transactions, key reservations, write failures and the lock.

Every store (:class:`newscrawl.storage.base.BaseStore`) is built on this; what follows
describes them all.

A backend (:mod:`newscrawl.storage.sqlite`, :mod:`newscrawl.storage.postgres`) supplies a
connection and the few things the engines spell differently: how a write transaction
starts, how the commit-order number ``seq`` is drawn, the current time, how the per-store
lock is held, and its schema migrations. Everything else is shared: the tables' meaning,
aliases and ``also_at``, the near-duplicate index and incremental state
(:mod:`newscrawl.storage.records`), export cursors (:mod:`newscrawl.storage.cursors`).

Shared SQL is written with ``?`` placeholders; a backend with another parameter style
translates them in :meth:`BaseStore._run`.

Concurrency (several crawl processes on one store, see :mod:`newscrawl.fleet`): a record
is checked and written in one transaction that first *reserves* the keys it depends on,
its body fingerprint and its near-duplicate band keys (:meth:`BaseStore.reserve`). Two
processes checking the same story at once are serialised on those keys: the second one's
look-ups run after the first committed, so it sees the first copy and records an alias
instead of a second story. Unique constraints on ``url`` and ``fingerprint`` (``ON
CONFLICT DO NOTHING``) are the last guard.

A write that changes a stored story (another place of it, or a better copy taking its
place: :mod:`newscrawl.canonical`) also holds the *story lock* (:meth:`lock_stories`, one
key for the whole store) and reads the story again under it: a worker that matched a story
a moment before another worker replaced its canonical copy attaches its own copy to the
story's new URL. Keys are taken in one order in every transaction (fingerprint, then band
keys, then the story lock, then ``seq``), so reservations never deadlock.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, ClassVar, NamedTuple


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


# The story lock's key (in the reservation keys' space; a fingerprint's key equal to it by
# chance, 1 in 2**64, would only serialise more).
STORIES_KEY = 0x6E63_0004


def reservation_key(text: str) -> int:
    """A signed 64-bit key for a string (a fingerprint), in the band keys' key space."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big",
                          signed=True)  # fmt: skip


class StoreConnection:
    """One connection, used from one thread (the reactor's): the transactions, the write
    failures and the lock every backend shares (see the module docstring)."""

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
    #: Commit batches only between items (:meth:`end_item`), never inside one: what one
    #: item wrote (its record, its near-duplicate index entry, an alias and the record's
    #: ``also_at``) is committed together or not at all. Set by the crawl's store
    #: (:class:`newscrawl.extensions.store.CrawlStore`); other users commit every
    #: ``batch_size`` writes.
    item_batches: bool = False

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

    def lock_stories(self) -> None:
        """Hold the story lock until the transaction ends (see the module docstring)."""
        self.reserve([STORIES_KEY])

    # Writes that must be in one transaction: the batch commit waits until they are done.
    _in_step: bool = False

    @contextlib.contextmanager
    def one_step(self) -> Iterator[None]:
        """Writes inside are committed together: a batch that fills up meanwhile is
        committed after them, never between two of them."""
        outer, self._in_step = self._in_step, True
        try:
            yield
        finally:
            self._in_step = outer
        if not outer and self._pending >= self.batch_size and not self.item_batches:
            self.commit()

    def _write(self, sql: str, params: Sequence[Any]) -> Written:
        self._check_usable()
        try:
            if not self.in_transaction:
                self._begin()
            cursor = self._run(sql, params)
            written = Written(cursor.rowcount, cursor.fetchall() if " RETURNING " in sql else [])
            self._pending += 1
            if self._pending >= self.batch_size and not (self._in_step or self.item_batches):
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

    @property
    def before_commit(self) -> list[Callable[[], None]]:
        """Called inside each write transaction just before it commits; one that raises
        :class:`StoreError` fails the commit (the crawl's feeds:
        :mod:`newscrawl.extensions.feeds`)."""
        return self.__dict__.setdefault("_before_commit", [])

    #: True while :meth:`close` makes its last commit (hooks record a clean end).
    closing: bool = False

    def commit(self) -> None:
        self._check_usable()
        if self.in_transaction or (self.closing and self.before_commit):
            try:
                for hook in self.before_commit:
                    hook()
            except StoreError as exc:
                raise self._fail(str(exc)) from exc
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

    #: Items stored but not yet written to the crawl's feeds (``item_batches``): a batch
    #: is committed only when there are none, so a committed record's feed line is
    #: written (:mod:`newscrawl.extensions.feeds`). Past ``10 * batch_size`` writes it is
    #: committed anyway, so a transaction stays bounded.
    unexported: int = 0

    def end_item(self) -> None:
        """An item went through the pipelines: commit now if this store commits per item,
        or if its batch is full (``item_batches``)."""
        if self.per_item:
            self.commit()
        elif self.item_batches and self._pending >= self.batch_size:
            if self.unexported == 0 or self._pending >= 10 * self.batch_size:
                self.commit()

    def rollback(self) -> None:
        if self.in_transaction:
            self._run("ROLLBACK")
        self._pending = 0

    def close(self) -> None:
        try:
            if self.failed is None:
                self.closing = True
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
