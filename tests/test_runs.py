"""Safe scheduled runs with real subprocesses and real signals: the store lock, SIGINT and
resume through JOBDIR, and ``kill -9`` followed by a rerun."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import MIRROR, MIRROR_STORIES, ROOT

from tests.support.servers import RecordingProxy

# Slow enough to be interrupted mid-crawl (a few seconds), small batches so that some are
# committed and one is open at any moment.
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"]
SLOW = ["-s", "DOWNLOAD_DELAY=0.1", "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "-s", "STORE_BATCH_SIZE=5"]  # fmt: skip
HEADLINES = MIRROR_STORIES
# 13 exact copies, 2 edited copies of the syndicated story, and the later pages (two) of
# both copies of the story over three pages (aliases with reason "part")
ALIASES = 13 + 2 + 2 * 2
REJECTIONS = 3


def start_crawl(folder: Path, proxy: RecordingProxy, *extra: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update({"http_proxy": proxy.url, "https_proxy": proxy.url})
    log = (folder / "crawl.log").open("a")
    return subprocess.Popen(
        [sys.executable, "-m", "scrapy", "crawl", "smn",
         "-s", f"STORE_URL=sqlite:///{folder / 'store.db'}", *SLOW, *extra],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def committed(folder: Path) -> int:
    """Articles committed so far, read the way a rerun reads them (a new connection)."""
    try:
        db = sqlite3.connect(f"file:{folder / 'store.db'}?mode=ro", uri=True, timeout=5)
        return db.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def wait_for_commits(folder: Path, process: subprocess.Popen, at_least: int) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        count = committed(folder)
        if count >= at_least:
            return count
        assert process.poll() is None, (folder / "crawl.log").read_text()[-3000:]
        time.sleep(0.02)
    pytest.fail("the crawl committed nothing in time")


def store_state(folder: Path) -> tuple[set, list]:
    """Each stored story as the set of every URL it was found at, and the rejections.

    Which copy of a syndicated story becomes the stored URL and which the aliases depends
    on the order pages arrive in, so stories are compared with all their URLs together.
    """
    db = sqlite3.connect(folder / "store.db")
    urls: dict[str, set[str]] = {}
    for (url,) in db.execute("SELECT url FROM articles"):
        urls[url] = {url}
    for alias, url in db.execute("SELECT alias, url FROM aliases"):
        urls[url].add(alias)
    # A story is the set of every URL it was found at: edited copies (near-duplicates) have
    # bodies of their own, so which copy is stored changes the fingerprint, not the set.
    stories = {frozenset(found) for found in urls.values()}
    return stories, sorted(db.execute("SELECT url, reason FROM rejections"))


def assert_complete(folder: Path) -> None:
    db = sqlite3.connect(folder / "store.db")
    count, distinct = db.execute(
        "SELECT count(*), count(DISTINCT fingerprint) FROM articles"
    ).fetchone()
    assert count == distinct == HEADLINES  # each story exactly once
    assert db.execute("SELECT count(*) FROM aliases").fetchone()[0] == ALIASES
    assert db.execute("SELECT count(*) FROM rejections").fetchone()[0] == REJECTIONS


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("uninterrupted")
    with RecordingProxy(MIRROR) as proxy:
        process = start_crawl(folder, proxy, *FAST)
        assert process.wait(timeout=120) == 0
    assert_complete(folder)
    return store_state(folder)


def test_second_crawl_on_a_locked_store_exits_at_once(tmp_path: Path) -> None:
    with RecordingProxy(MIRROR) as proxy:
        # Slower still: the second crawl's start-up (imports) must not outlast the first.
        first = start_crawl(tmp_path, proxy, "-s", "DOWNLOAD_DELAY=0.5")
        try:
            wait_for_commits(tmp_path, first, 1)
            with RecordingProxy(MIRROR) as other:
                began = time.monotonic()
                second = start_crawl(tmp_path, other)
                assert second.wait(timeout=60) == 75
                assert time.monotonic() - began < 30
                assert other.requests == []  # not a single request
            assert first.poll() is None  # the first crawl goes on undisturbed
        finally:
            first.send_signal(signal.SIGINT)
            assert first.wait(timeout=120) == 0
    log = (tmp_path / "crawl.log").read_text()
    assert f"Not crawling: store {(tmp_path / 'store.db').resolve()} is in use by another" in log
    assert f"pid {first.pid}" in log
    # Once the first crawl has ended, the lock is free again.
    with RecordingProxy(MIRROR) as proxy:
        assert start_crawl(tmp_path, proxy, *FAST).wait(timeout=120) == 0
    assert_complete(tmp_path)


def test_sigint_then_resume_with_jobdir_equals_an_uninterrupted_run(
    tmp_path: Path, uninterrupted
) -> None:
    jobdir = ["-s", f"JOBDIR={tmp_path / 'job'}"]
    with RecordingProxy(MIRROR) as proxy:
        process = start_crawl(tmp_path, proxy, *jobdir)
        wait_for_commits(tmp_path, process, 10)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
        interrupted_at = committed(tmp_path)
        assert interrupted_at < HEADLINES, "the crawl finished before it was interrupted"
        assert (tmp_path / "job" / "requests.queue").is_dir()
        requests_before = len(proxy.requests)
        process = start_crawl(tmp_path, proxy, *jobdir)
        assert process.wait(timeout=120) == 0
        resumed = proxy.requests[requests_before:]
    log = (tmp_path / "crawl.log").read_text()
    assert "Closing spider (shutdown)" in log
    assert "Resuming crawl" in log
    assert "left by a run that did not finish" not in log
    assert_complete(tmp_path)
    assert store_state(tmp_path) == uninterrupted
    # The resumed run picks up where the first stopped: no listing is fetched again.
    assert not [u for u in resumed if u.endswith(("Military_Space.html", "spacewar.xml"))]


@pytest.mark.parametrize("with_jobdir", [False, True], ids=["plain", "jobdir"])
def test_kill_9_then_rerun_stores_every_article_exactly_once(
    tmp_path: Path, uninterrupted, with_jobdir: bool
) -> None:
    extra = ["-s", f"JOBDIR={tmp_path / 'job'}"] if with_jobdir else []
    with RecordingProxy(MIRROR) as proxy:
        process = start_crawl(tmp_path, proxy, *extra)
        wait_for_commits(tmp_path, process, 12 if with_jobdir else 6)
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
        killed_at = committed(tmp_path)
        assert 0 < killed_at < HEADLINES
        rerun = start_crawl(tmp_path, proxy, *extra, *FAST)
        assert rerun.wait(timeout=120) == 0
    log = (tmp_path / "crawl.log").read_text()
    if with_jobdir:
        assert "left by a run that did not finish" in log
    assert_complete(tmp_path)
    assert store_state(tmp_path) == uninterrupted
