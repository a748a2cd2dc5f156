"""A story's places: its canonical record, its aliases and their ``also_at`` entries, and a
better copy taking the story's place (:mod:`newscrawl.canonical`).

Every write here changes a stored story, so it holds the store's story lock and reads the
story again under it (see :mod:`newscrawl.storage.connection`): two writers attaching
copies to one story, or one replacing it while another attaches a copy, are serialised,
and the second one sees the story as the first left it.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from newscrawl.canonical import outranks
from newscrawl.storage.connection import StoreError
from newscrawl.storage.records import ArticleTables


class Story(NamedTuple):
    """A stored story as the canonical rule sees it (:mod:`newscrawl.canonical`)."""

    url: str
    fingerprint: str
    published: str | None


class Placed(NamedTuple):
    """Where :meth:`StoryPlaces.replace_story` put a copy: ``replaced`` True when it is
    the story's canonical record now (``url`` the URL it replaced), else it is an alias of
    the story at ``url`` (a better copy took the story meanwhile)."""

    replaced: bool
    url: str
    reason: str


def alias_reason(fingerprint: str | None, canonical_fingerprint: str, given: str) -> str:
    """``same_body`` for a copy with the canonical record's words, ``near_duplicate`` for an
    edited copy; ``given`` when the copy's fingerprint is unknown (a caller of old)."""
    if fingerprint is None:
        return given
    return "same_body" if fingerprint == canonical_fingerprint else "near_duplicate"


class StoryPlaces(ArticleTables):
    """Stories and their places, on top of the article tables."""

    def story(self, url: str) -> Story | None:
        """The stored story at ``url``: the article itself, or the one it is an alias of."""
        row = self._one(
            "SELECT url, fingerprint, published FROM articles WHERE url = ?"
            " UNION ALL SELECT r.url, r.fingerprint, r.published FROM aliases a"
            " JOIN articles r ON r.url = a.url WHERE a.alias = ? LIMIT 1",
            (url, url),
        )
        return Story(*row) if row else None

    def story_for_fingerprint(self, fingerprint: str) -> Story | None:
        """The stored story with these words: as its record, or as one of its places."""
        row = self._one(
            "SELECT url, fingerprint, published FROM articles WHERE fingerprint = ?"
            " UNION ALL SELECT r.url, r.fingerprint, r.published FROM aliases a"
            " JOIN articles r ON r.url = a.url WHERE a.fingerprint = ? LIMIT 1",
            (fingerprint, fingerprint),
        )
        return Story(*row) if row else None

    def add_alias(
        self,
        alias: str,
        url: str,
        site: str,
        reason: str,
        fetched_at: str | None,
        fingerprint: str | None = None,
    ) -> bool:
        """Record another place of the story stored at ``url``; it joins the record's
        ``also_at``.

        Under the story lock, ``url`` is read again: if a better copy replaced it as the
        story's canonical URL meanwhile (another worker), the place goes to that one. With
        the copy's ``fingerprint``, ``reason`` is what the copy is to the canonical record
        (:func:`alias_reason`), whichever detector found it.
        """
        if alias == url:
            return False
        with self.one_step():
            self.lock_stories()
            story = self.story(url)
            if story is None or alias == story.url:
                return False
            reason = alias_reason(fingerprint, story.fingerprint, reason)
            cursor = self._write(
                "INSERT INTO aliases (alias, url, site, reason, fetched_at, fingerprint)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (alias, story.url, site, reason, fetched_at, fingerprint),
            )
            if cursor.rowcount != 1:
                return False
            self._append_place(story.url, {"url": alias, "site": site, "fetched_at": fetched_at})
        return True

    def _append_place(self, url: str, place: dict[str, Any]) -> None:
        """Add ``place`` to the stored record's ``also_at``, inside the write transaction.

        The row is read locked (``_FOR_UPDATE``) so that two writers adding places to one
        story cannot lose each other's entry. Places are kept in URL order, so a story's
        record does not depend on the order its copies were found in.
        """
        row = self._one(f"SELECT record FROM articles WHERE url = ?{self._FOR_UPDATE}", (url,))
        if row is None:  # cannot happen while aliases.url references articles
            return
        record = json.loads(row[0])
        places = [p for p in record.get("also_at") or [] if p.get("url") != place["url"]]
        record["also_at"] = _in_order([*places, place])  # a record from before also_at gains it
        self._write(
            "UPDATE articles SET record = ? WHERE url = ?",
            (json.dumps(record, ensure_ascii=False), url),
        )

    def replace_story(
        self, url: str, record: dict[str, Any], sketch: tuple[bytes, int, list[int]] | None
    ) -> Placed:
        """Store ``record``, a copy that outranks the story stored at ``url``
        (:mod:`newscrawl.canonical`), as that story's canonical record.

        In one step under the story lock: the story is read again (another worker may have
        replaced it meanwhile; the copy then becomes its alias unless it outranks that one
        too); the new record takes the story's places plus the old canonical URL as
        ``also_at``, and a new ``seq`` (``export --new`` hands the story out again, under its
        new URL); the aliases move to it, each named ``same_body`` or ``near_duplicate``
        against the new record's words; the old URL becomes an alias; the story's
        near-duplicate index entry becomes the new copy's ``sketch`` (or keeps its own, under
        the new URL, without one).
        """
        with self.one_step():
            self.lock_stories()
            old = self.story(url)
            if old is None:  # a story's URL stays an article or an alias: never deleted
                raise StoreError(f"store {self.location}: story {url} vanished")
            new_url, new_fp = record["url"], record["fingerprint"]
            reason = alias_reason(new_fp, old.fingerprint, "near_duplicate")
            if not outranks(new_url, record.get("published"), old.url, old.published):
                self.add_alias(new_url, old.url, record["site"], reason,
                               record.get("fetched_at"), new_fp)  # fmt: skip
                return Placed(False, old.url, reason)
            row = self._one(
                f"SELECT record, site FROM articles WHERE url = ?{self._FOR_UPDATE}", (old.url,)
            )
            old_record, old_site = json.loads(row[0]), row[1]
            places = [p for p in old_record.get("also_at") or [] if p.get("url") != new_url]
            places.append(
                {"url": old.url, "site": old_site, "fetched_at": old_record.get("fetched_at")}
            )
            # The old row gives up its fingerprint first (an exact copy has the same one).
            self._write(
                "UPDATE articles SET fingerprint = ? WHERE url = ?",
                (f"replaced:{old.url}", old.url),
            )
            if not self.add_article({**record, "also_at": _in_order(places)}):
                # Its URL was stored by another writer meanwhile (each URL is fetched once,
                # so hardly ever): that story keeps it, and this one is left as it was.
                self._write(
                    "UPDATE articles SET fingerprint = ? WHERE url = ?", (old.fingerprint, old.url)
                )
                return Placed(False, new_url, "same_url")
            self._write("UPDATE aliases SET url = ? WHERE url = ?", (new_url, old.url))
            self._write(
                "UPDATE aliases SET reason = CASE WHEN fingerprint = ? THEN 'same_body'"
                " ELSE 'near_duplicate' END WHERE url = ? AND fingerprint IS NOT NULL",
                (new_fp, new_url),
            )
            if old.fingerprint != new_fp:  # aliases recorded without a fingerprint (before
                self._write(  # fingerprints were kept) had the old record's words
                    "UPDATE aliases SET reason = 'near_duplicate'"
                    " WHERE url = ? AND fingerprint IS NULL AND reason = 'same_body'",
                    (new_url,),
                )
            self._write(
                "INSERT INTO aliases (alias, url, site, reason, fetched_at, fingerprint)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (old.url, new_url, old_site, reason, old_record.get("fetched_at"), old.fingerprint),
            )
            self._replace_sketch(old.url, new_url, sketch)
            self._write("DELETE FROM articles WHERE url = ?", (old.url,))
        return Placed(True, old.url, reason)

    def _replace_sketch(
        self, old_url: str, new_url: str, sketch: tuple[bytes, int, list[int]] | None
    ) -> None:
        for url in (new_url, old_url) if sketch is not None else (new_url,):
            self._write(
                "DELETE FROM sketch_bands WHERE sketch IN (SELECT id FROM sketches WHERE url = ?)",
                (url,),
            )
            self._write("DELETE FROM sketches WHERE url = ?", (url,))
        if sketch is None:  # keep the story's entry, under its new URL
            self._write("UPDATE sketches SET url = ? WHERE url = ?", (new_url, old_url))
        else:
            self.add_sketch(new_url, *sketch)


def _in_order(places: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(places, key=lambda place: str(place.get("url")))
