"""The article tables: stories, their other places (aliases), rejections, near-duplicate
sketches, and what incremental crawls ask of them.

Shared SQL of both backends, written once over the reads and writes of
:class:`~newscrawl.storage.connection.StoreConnection` (``?`` placeholders, translated by
a backend that spells them otherwise).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, ClassVar

from newscrawl.storage.connection import Known, StoreConnection
from newscrawl.urls import site_of


class ArticleTables(StoreConnection):
    """Reads and writes of ``articles``, ``aliases``, ``rejections`` and the sketch index."""

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

    def add_parts(self, url: str, parts: Sequence[str], fetched_at: str | None) -> None:
        """Record the other pages of a story split over several pages as its aliases.

        Reason ``part``; unlike another place of the story (:meth:`add_alias`), a part is
        not added to ``also_at``: it is a piece of this copy, not a copy. A URL that is
        already an alias (of this story or another) is left as it is.
        """
        rows = [(part, url, site_of(part), "part", fetched_at) for part in parts if part != url]
        if rows:
            self._write_many(
                "INSERT INTO aliases (alias, url, site, reason, fetched_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                rows,
            )

    _FOR_UPDATE: ClassVar[str] = ""

    def add_sketch(self, url: str, signature: bytes, size: int, band_keys: Sequence[int]) -> None:
        """Index a stored story for near-duplicate checks (see newscrawl.neardup), the
        sketch and its band keys in one step.

        A story is indexed once: a second sketch of a URL is ignored. But a sketch row whose
        bands are missing (a run stopped between the two writes, e.g. by a full disk) is
        found by no check, and its story would be stored again as new: its bands are
        written now, when the story is indexed again.
        """
        with self.one_step():
            rows = self._write(
                "INSERT INTO sketches (url, size, signature) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING RETURNING id",
                (url, size, signature),
            ).rows
            if not rows:
                orphan = self._one(
                    "SELECT id FROM sketches WHERE url = ? AND NOT EXISTS"
                    " (SELECT 1 FROM sketch_bands WHERE sketch = sketches.id)",
                    (url,),
                )
                rows = [orphan] if orphan else []
            if rows:
                self._write_many(
                    "INSERT INTO sketch_bands (band_key, sketch) VALUES (?, ?)"
                    " ON CONFLICT DO NOTHING",
                    [(key, rows[0][0]) for key in dict.fromkeys(band_keys)],
                )

    def line_pages(self, keys: Iterable[int]) -> dict[int, int]:
        """Pages each site line was counted on (:mod:`newscrawl.templatelines`), known ones."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        rows = self._all(
            f"SELECT line_key, pages FROM template_lines WHERE line_key IN ({marks})",
            tuple(wanted),
        )
        return dict(rows)

    def add_lines(self, keys: Iterable[int]) -> None:
        """Count one more page for each site line, in the write transaction.

        Keys in ascending order: writers counting the same lines lock their rows in one
        global order (no deadlocks).
        """
        rows = [(key,) for key in sorted(set(keys))]
        if rows:
            self._write_many(
                "INSERT INTO template_lines (line_key, pages) VALUES (?, 1)"
                " ON CONFLICT (line_key) DO UPDATE SET pages = template_lines.pages + 1",
                rows,
            )

    def add_rejection(self, url: str, reason: str, detail: str | None = None) -> None:
        self._write(
            "INSERT INTO rejections (url, reason, detail) VALUES (?, ?, ?)"
            " ON CONFLICT (url, reason) DO UPDATE SET detail = excluded.detail,"
            f" rejected_at = {self.NOW}",
            (url, reason, detail),
        )

    def revise_article(self, record: dict[str, Any]) -> bool:
        """Replace a stored article by a re-fetched version that is a revision of it.

        A revision is a changed body, or an update date (``modified``) the page states that
        differs from the stored one: a correction can leave the words alone (a fixed
        caption, a new headline) and still be dated as one. The revision gets a new
        ``seq``, so ``export --new`` hands it out again. False when neither changed, or
        when the body now equals another stored story's body.
        """
        self.reserve(())  # the write transaction, so that the row stays locked till commit
        row = self._one(
            f"SELECT fingerprint, record FROM articles WHERE url = ?{self._FOR_UPDATE}",
            (record["url"],),
        )
        if row is None:
            return False
        body_changed = row[0] != record["fingerprint"]
        modified = record.get("modified")
        moved = bool(modified) and json.loads(row[1]).get("modified") != modified
        if not body_changed and not moved:
            return False
        cursor = self._write(
            "UPDATE articles SET fingerprint = ?, headline = ?, published = ?,"
            f" fetched_at = ?, record = ?, seq = {self.NEXT_SEQ}"
            " WHERE url = ?"
            " AND NOT EXISTS (SELECT 1 FROM articles o WHERE o.fingerprint = ? AND o.url != ?)",
            (
                record["fingerprint"],
                record["headline"],
                record.get("published"),
                record.get("fetched_at"),
                json.dumps(record, ensure_ascii=False),
                record["url"],
                record["fingerprint"],
                record["url"],
            ),
        )
        return cursor.rowcount == 1
