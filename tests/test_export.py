"""The store's scheduled-run API (known URLs, lock, seq, cursors) and ``newscrawl export``."""

from __future__ import annotations

import gzip
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from newscrawl.storage import BaseStore, Store, StoreError, StoreLocked, open_store
from newscrawl.storage import export as export_module
from newscrawl.storage.export import export, read_lines, stored_since


def record(n: int, site: str = "spacewar.com") -> dict:
    return {
        "url": f"https://{site}/reports/Story_{n}_999.html",
        "site": site,
        "headline": f"Story {n}",
        "body": f"Body of story {n}.",
        "published": "2025-01-01T00:00:00",
        "fetched_at": "2026-11-01T10:00:00+00:00",
        "fingerprint": f"fp{n}",
    }


def filled(store_url: str, count: int, start: int = 0) -> BaseStore:
    store = open_store(store_url, batch_size=1000)
    for n in range(start, start + count):
        site = "terradaily.com" if n % 3 == 0 else "spacewar.com"
        assert store.add_article(record(n, site))
    store.commit()
    return store


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newscrawl.cli", "export", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_known_urls_articles_aliases_rejections(store_url: str, tmp_path: Path) -> None:
    store = filled(store_url, 1)
    url = record(0, "terradaily.com")["url"]
    store.add_alias("https://spacewar.com/copy.html", url, "spacewar.com", "same_body", None)
    store.add_rejection("https://spacewar.com/chart.pdf", "not_html")
    assert store.known(url) == ("article", url, "2026-11-01T10:00:00+00:00")
    assert store.known("https://spacewar.com/copy.html")[:2] == ("alias", url)
    assert store.known("https://spacewar.com/chart.pdf")[0] == "rejection"
    assert store.known("https://spacewar.com/never.html") is None


def test_an_open_batch_is_invisible_to_the_next_run(store_url: str, tmp_path: Path) -> None:
    """What a killed run had not committed must be fetched again: a new connection (the
    rerun) does not see the open batch."""
    store = open_store(store_url, batch_size=100)
    store.add_article(record(1))
    assert store.known(record(1)["url"])  # this run sees its own batch
    assert open_store(store_url).known(record(1)["url"]) is None
    store.commit()
    assert open_store(store_url).known(record(1)["url"])


def test_seq_is_added_to_an_existing_store_in_insertion_order(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "old.db")
    db.executescript(
        "CREATE TABLE articles (url TEXT PRIMARY KEY, site TEXT NOT NULL, fingerprint TEXT"
        " NOT NULL UNIQUE, headline TEXT NOT NULL, published TEXT, fetched_at TEXT,"
        " stored_at TEXT NOT NULL DEFAULT 'x', record TEXT NOT NULL);"
        "INSERT INTO articles VALUES ('b', 's', 'f1', 'h', NULL, NULL, 'x', '{}');"
        "INSERT INTO articles VALUES ('a', 's', 'f2', 'h', NULL, NULL, 'x', '{}');"
    )
    db.close()
    store = Store(tmp_path / "old.db")
    Store(tmp_path / "old.db")  # opening again is a no-op
    store.add_article({**record(3), "url": "c"})
    store.commit()
    rows = store.db.execute("SELECT url, seq FROM articles ORDER BY seq").fetchall()
    assert rows == [("b", 1), ("a", 2), ("c", 3)]


def lock_probe(store_url: str, shared: bool = False) -> subprocess.CompletedProcess[str]:
    """Another process trying the store's lock: exit 9 with the message when it is held."""
    probe = (
        "import sys; from newscrawl.storage import open_store, StoreLocked\n"
        f"s = open_store({store_url!r})\n"
        f"try:\n    s.lock('probe', shared={shared})\n"
        "except StoreLocked as e:\n    print(e); sys.exit(9)\n"
    )
    return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)  # fmt: skip


def test_store_lock_is_exclusive_between_processes_and_shared_within_one(store_url) -> None:
    store, same_process = open_store(store_url), open_store(store_url)
    store.lock("holder one")
    same_process.lock("holder two")  # crawlers of one process share the lock
    held = lock_probe(store_url)
    assert held.returncode == 9 and "in use by another crawl (holder one" in held.stdout
    assert lock_probe(store_url, shared=True).returncode == 9, "a fleet worker waits too"
    store.unlock()
    assert lock_probe(store_url).returncode == 9, "still held by the second Store of this process"
    same_process.unlock()
    free = lock_probe(store_url)
    assert free.returncode == 0, free.stdout + free.stderr
    assert issubclass(StoreLocked, StoreError)


def test_fleet_workers_share_the_lock_and_keep_a_single_crawl_out(store_url) -> None:
    worker = open_store(store_url)
    worker.lock("worker one", shared=True)
    assert lock_probe(store_url, shared=True).returncode == 0, "another worker may join"
    single = lock_probe(store_url)
    assert single.returncode == 9 and "worker one" in single.stdout
    worker.unlock()
    assert lock_probe(store_url).returncode == 0


def test_export_filters_gzip_and_aliases(store_url: str, tmp_path: Path) -> None:
    store = filled(store_url, 6)
    store.add_alias("https://spacedaily.com/x.html", record(1)["url"], "spacedaily.com",
                    "same_body", None)  # fmt: skip
    store.commit()
    result = cli("--store", store_url, "--site", "www.spacewar.com", "--gzip", "-o",
                 str(tmp_path / "sw.jsonl.gz"))  # fmt: skip
    assert result.returncode == 0, result.stderr
    packed = (tmp_path / "sw.jsonl.gz").read_bytes()
    lines = [json.loads(line) for line in gzip.decompress(packed).splitlines()]
    assert [line["headline"] for line in lines] == ["Story 1", "Story 2", "Story 4", "Story 5"]
    assert lines[0]["aliases"] == ["https://spacedaily.com/x.html"]
    assert lines[1]["aliases"] == []
    assert list(lines[0])[:3] == ["url", "site", "headline"]
    stdout = cli("--store", store_url, "--since", "1h")
    assert len(stdout.stdout.splitlines()) == 6
    later = cli("--store", store_url, "--since", "2999-01-01")
    assert later.returncode == 0 and later.stdout == ""
    bad = cli("--store", store_url, "--since", "someday")
    assert bad.returncode != 0 and "give a date" in bad.stderr
    assert cli("--store", store_url, "--new").returncode != 0  # --new needs --cursor


def test_since_spellings() -> None:
    import datetime as dt

    now = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)
    assert stored_since("2d", now) == "2026-11-24T12:00:00.000Z"
    assert stored_since("2026-11-01", now) == "2026-11-01T00:00:00.000Z"
    assert stored_since("2026-11-01T10:00:00+02:00", now) == "2026-11-01T08:00:00.000Z"
    with pytest.raises(ValueError):
        stored_since("soon", now)


def test_cursor_hands_out_each_record_once(store_url: str, tmp_path: Path) -> None:
    store = filled(store_url, 5)
    out = tmp_path / "new.jsonl"
    assert export(store, output=out, cursor="a") == 5
    assert export(store, output=out, cursor="a") == 0
    assert read_lines(out) == []
    filled_more = filled(store_url, 2, start=5)
    assert export(filled_more, output=out, cursor="a") == 2
    assert [line["headline"] for line in read_lines(out)] == ["Story 5", "Story 6"]
    assert export(store, output=tmp_path / "b.jsonl", cursor="b") == 7  # cursors are separate


class Interrupted(BaseException):
    """Stands for the process dying at that point (nothing after it runs)."""


@pytest.mark.parametrize("moment", ["while_writing", "before_rename", "after_rename"])
def test_interrupted_export_is_exactly_once(
    store_url: str, tmp_path: Path, monkeypatch, moment: str
) -> None:
    store = filled(store_url, 4)
    out = tmp_path / "new.jsonl"
    delivered: list[str] = []
    assert export(store, output=out, cursor="c") == 4
    delivered += [line["url"] for line in read_lines(out)]
    store = filled(store_url, 3, start=4)

    def die(*args, **kwargs):
        raise Interrupted

    if moment == "while_writing":
        monkeypatch.setattr(export_module, "_digest", die)
    elif moment == "before_rename":
        monkeypatch.setattr(export_module.os, "replace", die)
    else:
        monkeypatch.setattr(store, "advance_cursor", die)
    with pytest.raises(Interrupted):
        export(store, output=out, cursor="c")
    monkeypatch.undo()
    if moment == "after_rename":  # the file was published: the consumer got it
        delivered += [line["url"] for line in read_lines(out)]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    store = filled(store_url, 1, start=7)
    export(open_store(store_url), output=out, cursor="c")  # the next cron run
    delivered += [line["url"] for line in read_lines(out)]
    assert len(delivered) == len(set(delivered)) == 8  # nothing twice, nothing lost
    every = [line["url"] for line in open_store(store_url).export_records()]
    assert sorted(delivered) == sorted(every)


def test_export_of_a_missing_store_folder_is_a_clear_error(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("x")
    result = cli("--store", f"sqlite:///{blocked / 'sub' / 's.db'}")
    assert result.returncode != 0 and "cannot open store" in result.stderr
    assert "Traceback" not in result.stderr
    assert os.path.exists(blocked)


def test_export_never_writes_through_a_planted_symlink(tmp_path: Path) -> None:
    """Someone who can write to the output folder plants symlinks at the names an export
    would use for its temporary file (the old name was ``.NAME.PID.tmp``): the file they
    point to is left alone, and the export lands where it was asked to."""
    store = filled(f"sqlite:///{tmp_path / 's.db'}", 3)
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    victim = tmp_path / "victim.conf"
    victim.write_text("precious\n")
    (outbox / f".batch.jsonl.{os.getpid()}.tmp").symlink_to(victim)
    assert export(store, output=outbox / "batch.jsonl") == 3
    assert victim.read_text() == "precious\n"
    assert len(read_lines(outbox / "batch.jsonl")) == 3
    assert [p.name for p in outbox.iterdir() if p.name.endswith(".tmp")] == [
        f".batch.jsonl.{os.getpid()}.tmp"
    ], "the planted link is untouched and no temporary file is left"
    mode = (outbox / "batch.jsonl").stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask, "the exported file's mode follows the umask"


def test_report_never_writes_through_a_planted_symlink(tmp_path: Path) -> None:
    """``newscrawl report --html/--json`` wrote ``.NAME.PID.tmp`` the same way."""
    from newscrawl.cli.report import _write_atomically

    victim = tmp_path / "victim.conf"
    victim.write_text("precious\n")
    (tmp_path / f".report.html.{os.getpid()}.tmp").symlink_to(victim)
    _write_atomically(tmp_path / "report.html", "<html>report</html>")
    assert victim.read_text() == "precious\n"
    assert (tmp_path / "report.html").read_text() == "<html>report</html>"
