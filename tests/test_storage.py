from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from newscrawl.storage import Store, StoreError, sqlite_path


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


def test_articles_aliases_and_rejections_round_trip(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db", batch_size=2)
    assert store.add_article(record("https://a/1", "f1"))
    assert not store.add_article(record("https://a/1", "f2")), "same URL twice"
    assert not store.add_article(record("https://a/2", "f1")), "same fingerprint twice"
    assert store.add_alias("https://b/1", "https://a/1", "b", "same_body", None)
    assert not store.add_alias("https://a/1", "https://a/1", "a", "same_body", None)
    store.add_rejection("https://a/3", "missing_body")
    store.add_rejection("https://a/3", "missing_body")
    store.close()

    again = Store(tmp_path / "s.db")
    assert [r["url"] for r in again.articles()] == ["https://a/1"]
    assert again.url_known("https://a/1") == "https://a/1"
    assert again.url_known("https://b/1") == "https://a/1"
    assert again.url_known("https://c/1") is None
    assert again.url_for_fingerprint("f1") == "https://a/1"
    assert again.aliases() == [("https://b/1", "https://a/1", "same_body")]
    assert again.rejections() == [("https://a/3", "missing_body")]
    mode = again.db.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    again.close()


def test_uncommitted_batch_is_invisible_to_other_readers_then_whole(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db", batch_size=10)
    store.add_article(record("https://a/1", "f1"))
    reader = sqlite3.connect(tmp_path / "s.db")
    assert reader.execute("SELECT count(*) FROM articles").fetchone()[0] == 0
    store.commit()
    assert reader.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
    reader.close()
    store.close()


def test_unwritable_location_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="cannot open store"):
        Store(blocker / "s.db")
