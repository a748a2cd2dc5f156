"""Export cursors: which stored records a consumer has had, for exactly-once exports.

The protocol that uses them (write beside the target, record the pending export, rename,
advance) is :mod:`newscrawl.storage.export`; this is its SQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, NamedTuple

from newscrawl.storage.connection import ExportCursor, StoreConnection


class ExportCursors(StoreConnection):
    """``seq`` order, records after a position, and the cursors' durable state."""

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
        where, params = _export_filter(after_seq, upto_seq, stored_since, site)
        for url, record in self._all(
            f"SELECT url, record FROM articles {where} ORDER BY seq", params
        ):
            data = json.loads(record)
            data["aliases"] = [
                alias
                for (alias,) in self._all(
                    "SELECT alias FROM aliases WHERE url = ? ORDER BY alias", (url,)
                )
            ]
            yield data

    def count_export_records(
        self,
        *,
        after_seq: int = 0,
        upto_seq: int | None = None,
        stored_since: str | None = None,
        site: str | None = None,
    ) -> int:
        """How many records :meth:`export_records` gives for the same filters (a progress
        bar's total)."""
        where, params = _export_filter(after_seq, upto_seq, stored_since, site)
        return self._one(f"SELECT count(*) FROM articles {where}", params)[0]

    def export_cursor(self, name: str) -> ExportCursor:
        row = self._one(
            "SELECT seq, pending_seq, pending_target, pending_digest FROM export_cursors"
            " WHERE name = ?",
            (name,),
        )
        return ExportCursor(name, *row) if row else ExportCursor(name, 0, None, None, None)

    def prepare_cursor(self, name: str, pending_seq: int, target: str, digest: str) -> None:
        """Record, durably, an export about to be published (:mod:`newscrawl.storage.export`)."""
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

    # -- the crawl's feeds (newscrawl.extensions.feeds) ---------------------------------
    def feed_mark(self, key: str) -> FeedMark | None:
        """A feed file at the last commit of the last run that wrote it."""
        row = self._one("SELECT size, tail_digest, running FROM feed_marks WHERE feed = ?", (key,))
        return FeedMark(row[0], row[1], bool(row[2])) if row else None

    def set_feed_mark(self, key: str, mark: FeedMark) -> None:
        """Record a feed file's state in the open transaction (committed with the records
        whose lines it holds)."""
        self._write(
            "INSERT INTO feed_marks (feed, size, tail_digest, running) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(feed) DO UPDATE SET size = excluded.size,"
            " tail_digest = excluded.tail_digest, running = excluded.running,"
            f" updated_at = {self.NOW}",
            (key, mark.size, mark.digest, int(mark.running)),
        )


class FeedMark(NamedTuple):
    """A feed file's size and the digest of its last bytes at a commit, and whether the
    run writing it was still going (a run that ends cleanly records ``running`` False)."""

    size: int
    digest: str
    running: bool


def _export_filter(
    after_seq: int, upto_seq: int | None, stored_since: str | None, site: str | None
) -> tuple[str, list[Any]]:
    """The WHERE clause (and its parameters) of an export's records."""
    sql = "WHERE seq > ?"
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
    return sql, params
