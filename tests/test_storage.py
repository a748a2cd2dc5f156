"""The store on both backends (SQLite and PostgreSQL, see the ``store_url`` fixture)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from newscrawl.storage import Store, StoreError, open_store, reservation_key, sqlite_path


def record(url: str, fp: str, headline: str = "H") -> dict:
    return {
        "url": url,
        "site": "spacewar.com",
        "fingerprint": fp,
        "headline": headline,
        "body": "B",
        "published": None,
        "fetched_at": "2026-01-01T00:00:00+00:00",
    }


def test_sqlite_path_forms() -> None:
    assert sqlite_path("sqlite:///newscrawl.db") == Path("newscrawl.db")
    assert sqlite_path("sqlite:////tmp/x/n.db") == Path("/tmp/x/n.db")
    with pytest.raises(StoreError, match="unsupported STORE_URL"):
        sqlite_path("mysql://host/db")
    with pytest.raises(StoreError, match="names no file"):
        sqlite_path("sqlite:///")


def test_articles_aliases_and_rejections_round_trip(store_url: str) -> None:
    store = open_store(store_url, batch_size=2)
    assert store.add_article(record("https://a/1", "f1"))
    assert not store.add_article(record("https://a/1", "f2")), "same URL twice"
    assert not store.add_article(record("https://a/2", "f1")), "same fingerprint twice"
    assert store.add_alias("https://b/1", "https://a/1", "b", "same_body", None)
    assert not store.add_alias("https://a/1", "https://a/1", "a", "same_body", None)
    store.add_rejection("https://a/3", "missing_body")
    store.add_rejection("https://a/3", "missing_body")
    store.close()

    again = open_store(store_url)
    assert [r["url"] for r in again.articles()] == ["https://a/1"]
    assert again.url_known("https://a/1") == "https://a/1"
    assert again.url_known("https://b/1") == "https://a/1"
    assert again.url_known("https://c/1") is None
    assert again.url_for_fingerprint("f1") == "https://a/1"
    assert again.aliases() == [("https://b/1", "https://a/1", "same_body")]
    assert again.rejections() == [("https://a/3", "missing_body")]
    assert again.articles().__next__()["also_at"] == [
        {"url": "https://b/1", "site": "b", "fetched_at": None}
    ]
    again.close()


def test_sqlite_store_is_in_wal_mode(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()


def test_uncommitted_batch_is_invisible_to_other_readers_then_whole(store_url: str) -> None:
    store = open_store(store_url, batch_size=10)
    store.add_article(record("https://a/1", "f1"))
    reader = open_store(store_url)
    assert reader.url_known("https://a/1") is None
    store.commit()
    assert reader.url_known("https://a/1") == "https://a/1"
    reader.close()
    store.close()


def test_unwritable_location_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="cannot open store"):
        Store(blocker / "s.db")


def test_unreachable_postgresql_is_a_clear_error() -> None:
    from tests.support.servers import free_port

    url = f"postgresql://nobody:secret@127.0.0.1:{free_port()}/x?connect_timeout=2"
    with pytest.raises(StoreError, match="cannot open store") as error:
        open_store(url)
    assert "secret" not in str(error.value)


def test_postgresql_schema_is_versioned_and_migrated_once(postgres) -> None:
    from newscrawl.storage.postgres import SCHEMA_VERSION

    url = postgres.new_database()
    opened: list = []
    threads = [threading.Thread(target=lambda: opened.append(open_store(url))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(opened) == 4, "workers starting together all open the store"
    store = opened[0]
    assert store.schema_version() == SCHEMA_VERSION
    versions = store._all("SELECT version FROM newscrawl_schema ORDER BY version")
    assert versions == [(v,) for v in range(1, SCHEMA_VERSION + 1)]  # each step once
    for each in opened:
        each.close()


@pytest.mark.parametrize("old_version", [2, 3, 4])
def test_postgresql_store_of_an_older_schema_gains_the_template_lines_table(
    postgres, old_version: int
) -> None:
    import psycopg

    from newscrawl.storage.postgres import MIGRATIONS, SCHEMA_VERSION

    url = postgres.new_database()
    with psycopg.connect(url, autocommit=True) as db:  # a store made before template_lines
        db.execute("CREATE TABLE newscrawl_schema (version INTEGER)")
        for version in range(1, old_version + 1):
            db.execute(MIGRATIONS[version - 1])
            db.execute("INSERT INTO newscrawl_schema VALUES (%s)", (version,))
    store = open_store(url)
    assert store.schema_version() == SCHEMA_VERSION == len(MIGRATIONS) == 5
    store.add_lines([3, 3, 5])
    store.add_lines([3])
    store.commit()
    assert store.line_pages([3, 5, 7]) == {3: 2, 5: 1}
    assert store.finished_files() == []  # warc_files (migration 3) there as well
    assert store.feed_mark("nowhere") is None  # feed_marks (migration 4) too
    store.close()


@pytest.mark.parametrize(
    ("old_version", "missing"),
    [
        (3, ("warc_files", "feed_marks", "template_lines")),
        (4, ("feed_marks", "template_lines")),
        (5, ("template_lines",)),
    ],
)
def test_sqlite_store_of_an_older_schema_gains_the_template_lines_table(
    tmp_path: Path, old_version: int, missing: tuple[str, ...]
) -> None:
    from newscrawl.storage.sqlite import SCHEMA_VERSION

    path = tmp_path / "old.db"
    store = open_store(f"sqlite:///{path}")
    store.close()
    db = sqlite3.connect(path)  # what that version had: not the later tables
    for table in missing:
        db.execute(f"DROP TABLE {table}")
    if old_version < 5:  # nor alias fingerprints
        db.execute("DROP INDEX aliases_by_fingerprint")
        db.execute("ALTER TABLE aliases DROP COLUMN fingerprint")
    db.execute(f"PRAGMA user_version={old_version}")
    db.commit()
    db.close()
    store = open_store(f"sqlite:///{path}")
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 6
    store.add_lines([9])
    store.commit()
    assert store.line_pages([9]) == {9: 1}
    assert store.finished_files() == []
    assert store.feed_mark("nowhere") is None
    assert "fingerprint" in {row[1] for row in store.db.execute("PRAGMA table_info(aliases)")}
    store.close()


def test_seq_follows_commit_order_with_concurrent_writers(store_url: str) -> None:
    """A writer that drew its number first but commits last must not be skipped by a
    cursor: the second writer waits for the first one's commit before drawing."""
    first = open_store(store_url)
    first.add_article(record("https://a/1", "f1"))  # open transaction, seq drawn
    done = threading.Event()

    def write_second() -> None:
        second = open_store(store_url)  # SQLite connections stay in their thread
        second.add_article(record("https://a/2", "f2"))
        second.commit()
        done.set()

    thread = threading.Thread(target=write_second)
    thread.start()
    assert not done.wait(0.5), "the second writer must wait for the first one's commit"
    assert open_store(store_url).last_seq() == 0
    first.commit()
    thread.join(10)
    assert done.is_set()
    rows = first._all("SELECT url, seq FROM articles ORDER BY seq")
    assert rows == [("https://a/1", 1), ("https://a/2", 2)]


def test_cursor_exports_are_exactly_once_while_three_writers_commit(store_url: str) -> None:
    """Writers committing concurrently (a fleet) and an exporter reading as they go:
    every record is exported once, none skipped (the seq gap problem)."""
    per_writer, writers = 25, 3

    def write(number: int) -> None:
        store = open_store(store_url)
        store.per_item = True
        for n in range(per_writer):
            store.add_article(record(f"https://w{number}/{n}", f"w{number}-{n}"))
            store.end_item()
        store.close()

    exporter = open_store(store_url)
    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    exported: list[str] = []
    position = 0
    while any(thread.is_alive() for thread in threads) or position < exporter.last_seq():
        upto = exporter.last_seq()
        exported += [r["url"] for r in exporter.export_records(after_seq=position, upto_seq=upto)]
        exporter.advance_cursor("c", upto)
        position = exporter.export_cursor("c").seq
    assert len(exported) == len(set(exported)) == per_writer * writers
    exporter.close()


def test_reservations_serialise_check_then_insert(store_url: str) -> None:
    """Two writers checking the same fingerprint: the second one's look-up runs after the
    first one committed, so it sees the stored story instead of storing it again."""
    first = open_store(store_url)
    key = reservation_key("story")
    first.reserve([key])
    assert first.url_for_fingerprint("story") is None
    found: list = []

    def check_second() -> None:
        second = open_store(store_url)
        second.reserve([key])
        found.append(second.url_for_fingerprint("story"))
        second.commit()

    thread = threading.Thread(target=check_second)
    thread.start()
    thread.join(0.5)
    assert thread.is_alive(), "the second check waits for the first writer"
    first.add_article(record("https://a/1", "story"))
    first.commit()
    thread.join(10)
    assert found == ["https://a/1"]


def test_two_writers_aliasing_one_story_at_once_do_not_deadlock(postgres) -> None:
    """Both writers insert their alias (each holding its foreign key's KEY SHARE lock on the
    story's row) before either updates the story's ``also_at``: the interleaving that
    deadlocked while the row was read FOR UPDATE. Now the second writer queues behind the
    first on the row, and both places end up in ``also_at``."""
    url = postgres.new_database()
    setup = open_store(url)
    setup.add_article(record("https://a/story", "f1"))
    setup.commit()
    first, second = open_store(url), open_store(url)
    insert = (
        "INSERT INTO aliases (alias, url, site, reason, fetched_at) VALUES (?, ?, 'b', 'x', NULL)"
    )
    first._write(insert, ("https://b/copy", "https://a/story"))
    second._write(insert, ("https://c/copy", "https://a/story"))
    first._run("SET LOCAL lock_timeout = '5s'")
    second._run("SET LOCAL lock_timeout = '5s'")
    # Each writer's part of add_alias after its insert: lock the row, update also_at.
    first._append_place("https://a/story", {"url": "https://b/copy"})
    done = threading.Event()

    def second_rest() -> None:
        second._append_place("https://a/story", {"url": "https://c/copy"})
        done.set()

    thread = threading.Thread(target=second_rest, daemon=True)
    thread.start()
    assert not done.wait(0.5), "the second writer queues behind the first on the row"
    first.commit()
    thread.join(10)
    assert done.is_set()
    second.commit()
    (story,) = list(open_store(url).articles())
    assert [place["url"] for place in story["also_at"]] == ["https://b/copy", "https://c/copy"]
