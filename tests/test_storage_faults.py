"""Storage faults: a full disk and a read-only store stop the crawl loudly; the next run recovers.

The faults are real, not mocked: the crawler runs inside a private mount namespace
(``unshare --map-root-user --mount``, no privileges needed) where the store's folder is a
tiny tmpfs that fills up mid-crawl (SQLite gets ENOSPC: "database or disk is full"), or a
read-only bind mount (EROFS). Nothing changes outside the namespace. The crawls read the
mirror through the recording proxy, as in test_crawl.py.
"""

from __future__ import annotations

import json
import os
import shlex
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import MIRROR, MIRROR_STORIES, ROOT, scrapy_command

from tests.support.servers import RecordingProxy

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"]  # fmt: skip
STORIES = MIRROR_STORIES


def crawl_args(store: Path, folder: Path, *extra: str, spider: str = "smn") -> list[str]:
    return [
        "crawl", spider, "-s", f"STORE_URL=sqlite:///{store}",
        "-s", f"NEWSCRAWL_REPORT_FILE={folder / 'report.json'}",
        "-O", str(folder / "feed.jsonl"), *FAST, *extra,
    ]  # fmt: skip


def in_namespace(setup: str, args: list[str], after: str, env: dict[str, str]):
    """Run ``scrapy ARGS`` in a private mount namespace: ``setup``, the crawl, ``after``."""
    crawl = shlex.join([sys.executable, "-m", "scrapy", *args])
    script = f"set -e; {setup}; set +e; {crawl}; rc=$?; {after}; exit $rc"
    full_env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    full_env.update(env)
    return subprocess.run(
        ["unshare", "--map-root-user", "--mount", "sh", "-c", script],
        cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def records(store: Path) -> dict[str, str]:
    db = sqlite3.connect(store)
    try:
        return dict(db.execute("SELECT url, record FROM articles"))
    finally:
        db.close()


def unchanged_but_for_also_at(before: dict[str, str], store: Path) -> bool:
    """Earlier records kept as they were, only also_at may grow (copies found later); or,
    where a later crawl found a better copy of the story (newscrawl.canonical), that copy's
    record with the earlier URL among its places."""
    after = records(store)
    db = sqlite3.connect(store)
    try:
        aliases = dict(db.execute("SELECT alias, url FROM aliases"))
    finally:
        db.close()
    for url, text in before.items():
        old = json.loads(text)
        if url not in after:
            new = json.loads(after[aliases[url]])
            if url not in {place["url"] for place in new["also_at"]}:
                return False
            continue
        new = json.loads(after[url])
        was, now = old.pop("also_at", None) or [], new.pop("also_at", None) or []
        if old != new or not {p["url"] for p in was} <= {p["url"] for p in now}:
            return False
    return True


def feed_urls(folder: Path) -> set[str]:
    path = folder / "feed.jsonl"
    text = path.read_text() if path.exists() else ""
    return {json.loads(line)["url"] for line in text.splitlines()}


@pytest.fixture(scope="module")
def proxy():
    with RecordingProxy(MIRROR) as server:
        yield server


def test_a_full_disk_stops_the_crawl_and_the_next_run_recovers(proxy, tmp_path: Path) -> None:
    mount, saved = tmp_path / "disk", tmp_path / "saved"
    mount.mkdir()
    saved.mkdir()
    env = {"http_proxy": proxy.url, "https_proxy": proxy.url}
    # 1. The store's disk (400 kB) fills up part way through the stories.
    result = in_namespace(
        f"mount -t tmpfs -o size=400k tmpfs {mount}",
        crawl_args(mount / "store.db", tmp_path, "-s", "STORE_BATCH_SIZE=5"),
        f"cp -a {mount}/. {saved}/",  # what was on the disk when the crawl stopped
        env,
    )
    assert result.returncode == 2, result.stderr[-3000:]
    assert "Store failure, stopping the crawl" in result.stderr
    assert "database or disk is full" in result.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["finish_reason"] == "store_error" and report["ok"] is False
    before = records(saved / "store.db")
    assert 0 < len(before) < STORIES
    # Not silent: the feed holds every story the store holds, plus at most the records of
    # the one open batch that the failed commit lost (fetched again by the next run); no
    # record gets through after the failure. A story's feed line keeps the URL it was
    # first fed under when a better copy took its place in the store later in the run
    # (newscrawl.canonical): the stored record has that URL among its also_at.
    fed = feed_urls(tmp_path)
    places = {url: {url} | {p["url"] for p in json.loads(text).get("also_at") or []}
              for url, text in before.items()}  # fmt: skip
    assert [url for url, where in places.items() if not where & fed] == []
    assert len(fed - set().union(*places.values())) <= 4
    # 2. Next run, on a disk with room: every story stored, the earlier ones untouched.
    again = tmp_path / "again"
    again.mkdir()
    result = scrapy_command(*crawl_args(saved / "store.db", again), env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    after = records(saved / "store.db")
    assert len(after) == STORIES
    assert unchanged_but_for_also_at(before, saved / "store.db")


def test_a_read_only_store_stops_the_crawl_and_the_next_run_recovers(proxy, tmp_path: Path) -> None:
    folder = tmp_path / "store"
    folder.mkdir()
    store = folder / "store.db"
    env = {"http_proxy": proxy.url, "https_proxy": proxy.url}
    # 1. A first, partial crawl.
    first = tmp_path / "first"
    first.mkdir()
    result = scrapy_command(*crawl_args(store, first, spider="spacewar"), env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    before = records(store)
    assert 0 < len(before) < STORIES
    # 2. The store's file system is read-only (as after an I/O error remount).
    ro = tmp_path / "ro"
    ro.mkdir()
    result = in_namespace(
        f"mount --bind {folder} {folder}; mount -o remount,bind,ro {folder}",
        crawl_args(store, ro),
        "true",
        env,
    )
    assert result.returncode == 1, result.stderr[-3000:]  # the crawl could not start
    assert f"cannot open store {store}" in result.stderr
    assert "(the store's file or folder is read-only)" in result.stderr
    assert feed_urls(ro) == set()  # nothing claimed as exported
    assert records(store) == before
    # 3. Writable again: the next run stores the rest, the earlier records untouched.
    last = tmp_path / "last"
    last.mkdir()
    result = scrapy_command(*crawl_args(store, last), env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    after = records(store)
    assert len(after) == STORIES
    assert unchanged_but_for_also_at(before, store)
