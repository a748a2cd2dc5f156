"""``newscrawl ccnews``: CC-NEWS-style WARC files into the store, filtered, resumable, shared.

The files are written at test time from the mirror's pages in Common Crawl's shape
(tests/support/ccnews.py: WARC/1.0, request/response/metadata per page, bodies stored
decoded with the transfer headers masked, a truncated record, a PDF), gzip and plain.
Real processes, real stores (SQLite; PostgreSQL and Redis for the fleet), a loopback HTTP
server for URL inputs; nothing leaves the machine.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import ROOT

from newscrawl.storage import open_store
from tests.support.ccnews import TRUNCATE_AT, Capture, mirror_pages, write_ccnews

CAPTURED = "2026-05-04T03:02:01+00:00"
PROJECT_ENV = {"SCRAPY_SETTINGS_MODULE": "newscrawl.settings", "PYTHONPATH": str(ROOT)}
QUIET = ["-s", "NEWSCRAWL_COVERAGE_MIN_ARTICLES=1000"]  # a file's share is not a site's
SPACEWAR = "www.spacewar.com"
ARTICLES = [
    "afp/210611162000.wi8qkr5o.html",
    "afp/250822091400.8jscpt2f.html",
    "reports/Britain_orders_new_military_communications_satellite_999.html",
    "reports/Navy_tests_new_radar_array_for_Guam_missile_shield_999.html",
]
MASKED = "reports/Canada_buys_wildfire_watching_satellite_constellation_999.html"
CUT = "reports/Missile_Defense_Agency_intercepts_medium_range_target_over_Pacific_999.html"


def env() -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    return {**clean, **PROJECT_ENV}


def newscrawl(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "newscrawl.cli", *args],
        cwd=ROOT, env=env(), capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def start(*args: str, log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "newscrawl.cli", *args],
            cwd=ROOT, env=env(), stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def stat(output: str, name: str) -> int | None:
    found = re.search(rf"'{re.escape(name)}': (\d+)", output)
    return int(found[1]) if found else None


def feed(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def stories(store_url: str) -> tuple[set[frozenset[str]], Counter[str], list]:
    """Each stored story as the set of its URLs, how often each URL is stored, and the
    finished files (which copy of a syndicated story is canonical depends on order)."""
    store = open_store(store_url)
    groups: dict[str, set[str]] = {r["url"]: {r["url"]} for r in store.articles()}
    for alias, url, _ in store.aliases():
        groups[url].add(alias)
    finished = [name for name, *_ in store.finished_files()]
    store.close()
    counts = Counter(u for group in groups.values() for u in group)
    return {frozenset(g) for g in groups.values()}, counts, finished


def spacewar_captures() -> list[Capture]:
    pages = {c.url.split(SPACEWAR + "/")[1]: c for c in mirror_pages(host=SPACEWAR)}
    pdf = next(mirror_pages(".pdf", host=SPACEWAR))
    masked, cut = pages[MASKED], pages[CUT]
    assert len(cut.body) > TRUNCATE_AT
    return [
        *(pages[path] for path in ARTICLES),
        pages["Military_Space.html"],  # a section page: not an article
        Capture(masked.url, masked.body, masked_gzip=True),
        pdf,
        Capture(cut.url, cut.body, truncate=True),
    ]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five CC-NEWS-style files (one plain, four gzip) over five sites."""
    folder = tmp_path_factory.mktemp("ccnews") / "files"
    folder.mkdir()
    write_ccnews(folder / "CC-NEWS-20260504030201-00001.warc.gz", spacewar_captures())
    write_ccnews(
        folder / "CC-NEWS-20260504030201-00002.warc",
        mirror_pages(host="www.harbourgazette.example"),
        gzip=False,
    )
    for number, host in enumerate(("marsdaily.com", "www.terradaily.com", "www.spacedaily.com")):
        write_ccnews(folder / f"CC-NEWS-20260504030201-0000{number + 3}.warc.gz",
                     mirror_pages(host=host))  # fmt: skip
    return folder


@pytest.fixture(scope="module")
def baseline(files: Path, tmp_path_factory: pytest.TempPathFactory):
    """All five files, one process, no filter."""
    folder = tmp_path_factory.mktemp("ccnews-all")
    store = f"sqlite:///{folder / 'all.db'}"
    result = newscrawl("ccnews", str(files), "--store", store, "-o", str(folder / "all.jsonl"),
                       *QUIET)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return store, feed(folder / "all.jsonl"), result.stderr


def test_pages_become_records_through_profiles_and_generic_extraction(baseline) -> None:
    _, lines, log = baseline
    by_url = {line["url"]: line for line in lines}
    spacewar = {u for u in by_url if u.startswith("https://spacewar.com/")}
    expected = {f"https://spacewar.com/{path}" for path in [*ARTICLES, MASKED]}
    assert spacewar == expected  # not the section, the PDF or the truncated page
    assert all(by_url[u]["section"] for u in spacewar), "the site profile's kicker"
    assert all(by_url[u]["dateline"] for u in spacewar)
    harbour = [u for u in by_url if u.startswith("https://harbourgazette.example/")]
    assert len(harbour) == 9 and all(by_url[u]["published"] for u in harbour)
    assert all(line["fetched_at"] == CAPTURED for line in lines)
    assert stat(log, "newscrawl/warc/skipped/truncated") == 1
    assert stat(log, "newscrawl/rejected/not_html") == 1  # the PDF at an article URL
    assert stat(log, "newscrawl/warc/files/finished") == 5


def test_each_site_on_its_own_gives_its_share(files: Path, baseline, tmp_path: Path) -> None:
    _, lines, _ = baseline
    sites = tmp_path / "sites.txt"
    sites.write_text("# one host a line\nmarsdaily.com\n\nwww.harbourgazette.example  # w\n")
    result = newscrawl("ccnews", str(files), "--store", f"sqlite:///{tmp_path / 's.db'}",
                       "--sites-file", str(sites), "--site", "spacewar.com",
                       "-o", str(tmp_path / "s.jsonl"), *QUIET)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    wanted = ("https://marsdaily.com/", "https://harbourgazette.example/", "https://spacewar.com/")
    expected = sorted(line["url"] for line in lines if line["url"].startswith(wanted))
    assert sorted(line["url"] for line in feed(tmp_path / "s.jsonl")) == expected
    assert stat(result.stderr, "newscrawl/warc/read/filtered") > 50  # skipped unread


def test_a_publication_window_keeps_the_articles_published_in_it(
    files: Path, baseline, tmp_path: Path
) -> None:
    _, lines, _ = baseline
    result = newscrawl("ccnews", str(files), "--store", f"sqlite:///{tmp_path / 'w.db'}",
                       "--since", "2025-08-18", "--until", "2025-08-21",
                       "-o", str(tmp_path / "w.jsonl"), *QUIET)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    expected = sorted(
        line["url"]
        for line in lines
        if line["published"] and "2025-08-18" <= line["published"][:10] <= "2025-08-21"
    )
    assert len(expected) >= 5
    assert sorted(line["url"] for line in feed(tmp_path / "w.jsonl")) == expected
    assert stat(result.stderr, "newscrawl/warc/window/outside") > 10


def test_a_bad_date_or_no_file_is_one_line(tmp_path: Path) -> None:
    bad = newscrawl("ccnews", str(tmp_path), "--since", "last week")
    assert bad.returncode != 0 and "--since 'last week': use YYYY-MM-DD" in bad.stderr
    assert "Traceback" not in bad.stderr
    empty = newscrawl("ccnews", str(tmp_path))
    assert empty.returncode != 0 and "no WARC file" in empty.stderr


def test_reading_the_same_files_again_stores_nothing(files: Path, baseline) -> None:
    store, _, _ = baseline
    before = stories(store)
    again = newscrawl("ccnews", str(files), "--store", store, *QUIET)
    assert again.returncode == 0, again.stderr[-3000:]
    assert stat(again.stderr, "newscrawl/warc/files/finished_before") == 5
    assert stat(again.stderr, "newscrawl/stored") is None
    assert stories(store) == before


def test_a_killed_run_resumes_where_it_stopped(files: Path, baseline, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'k.db'}"
    victim = start("ccnews", str(files), "--store", store, "-s", "STORE_BATCH_SIZE=5",
                   *QUIET, log=tmp_path / "killed.log")  # fmt: skip
    deadline = time.monotonic() + 120
    finished: list = []
    while time.monotonic() < deadline and victim.poll() is None:
        if (tmp_path / "k.db").exists():
            try:
                finished = stories(store)[2]
            except Exception:  # the store is being created
                finished = []
            if finished:
                break
        time.sleep(0.05)
    assert victim.poll() is None, "the run ended before the kill"
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(10)
    assert 1 <= len(finished) < 5
    rerun = newscrawl("ccnews", str(files), "--store", store, *QUIET)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    done_before = stat(rerun.stderr, "newscrawl/warc/files/finished_before")
    assert done_before is not None and done_before >= len(finished)
    groups, counts, names = stories(store)
    all_groups, _, all_names = stories(baseline[0])
    assert {frozenset(g) for g in groups} == all_groups and max(counts.values()) == 1
    assert sorted(names) == sorted(all_names)


def test_two_processes_store_what_one_does(files: Path, baseline, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'p.db'}"
    result = newscrawl("ccnews", str(files), "--store", store, "--processes", "2",
                       "-o", str(tmp_path / "p.jsonl"), *QUIET)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    groups, counts, names = stories(store)
    all_groups, _, all_names = stories(baseline[0])
    assert groups == all_groups and max(counts.values()) == 1
    assert sorted(names) == sorted(all_names)
    lines = feed(tmp_path / "p.jsonl")  # the two processes' feeds, joined
    # Each story once: under the URL of the copy first met, which a better copy stored by
    # the other process may have replaced as canonical since (newscrawl.canonical).
    stored = open_store(store)
    story = {r["url"]: r["url"] for r in stored.articles()}
    story.update((alias, url) for alias, url, _ in stored.aliases())
    assert sorted(story[line["url"]] for line in lines) == sorted(set(story.values()))
    stored.close()
    assert not list(tmp_path.glob("p.jsonl.part*"))


def test_a_url_is_downloaded_then_read(files: Path, baseline, tmp_path: Path) -> None:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(files))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        result = newscrawl(
            "ccnews", f"{base}/CC-NEWS-20260504030201-00002.warc", f"{base}/missing.warc.gz",
            "--store", f"sqlite:///{tmp_path / 'u.db'}", "-o", str(tmp_path / "u.jsonl"), *QUIET,
        )  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 0, result.stderr[-3000:]
    harbour = sorted(l["url"] for l in baseline[1] if "harbourgazette" in l["url"])  # noqa: E741
    assert sorted(line["url"] for line in feed(tmp_path / "u.jsonl")) == harbour
    assert stat(result.stderr, "newscrawl/warc/files/unreadable") == 1
    assert "missing.warc.gz not downloaded: HTTP Error 404" in result.stderr
    assert "Traceback" not in result.stderr


# -- a fleet ----------------------------------------------------------------------------------


def test_enqueue_takes_file_paths_only(redis_server) -> None:
    url = newscrawl("enqueue", "ccnews", "https://data.example/CC-NEWS-1.warc.gz",
                    "--redis", redis_server.url)  # fmt: skip
    assert url.returncode != 0 and "not a file path" in url.stderr
    assert "Traceback" not in url.stderr


def test_a_worker_refuses_a_redis_without_a_password(redis_server, tmp_path: Path) -> None:
    """Whoever writes to the queue decides which files every worker reads (SECURITY.md)."""
    open_redis = f"redis://127.0.0.1:{redis_server.port}/0"
    refused = newscrawl(
        "ccnews", "--redis", open_redis, "-s", f"STORE_URL=sqlite:///{tmp_path}/x.db"
    )
    assert refused.returncode == 2 and "has no password" in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr and not (tmp_path / "x.db").exists()


def test_fleet_workers_read_each_file_once_even_when_one_dies(
    files: Path, baseline, postgres, redis_server, tmp_path: Path
) -> None:
    import redis

    client = redis.Redis.from_url(redis_server.url)
    client.flushdb()
    store = postgres.new_database()
    paths = sorted(str(p) for p in files.iterdir())
    queued = newscrawl("enqueue", "ccnews", *paths, "--redis", redis_server.url)
    assert queued.returncode == 0, queued.stderr
    fleet = ["--store", store, "--redis", redis_server.url, "-s", "FLEET_IDLE_TIMEOUT=3",
             "-s", "FLEET_LEASE_TIMEOUT=2", "-s", "FLEET_TICK=0.2", *QUIET]  # fmt: skip
    victim = start("ccnews", *fleet, log=tmp_path / "victim.log")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not client.keys("ccnews:files:leases:*"):
        time.sleep(0.02)
    os.kill(victim.pid, signal.SIGKILL)  # holding a lease, its file unfinished
    victim.wait(10)
    workers = [start("ccnews", *fleet, log=tmp_path / f"w{n}.log") for n in range(2)]
    codes = [w.wait(240) for w in workers]
    logs = "".join((tmp_path / f"w{n}.log").read_text() for n in range(2))
    assert codes == [0, 0], logs[-3000:]
    assert "is gone: 1 files back in the queue" in logs
    groups, counts, names = stories(store)
    all_groups, _, all_names = stories(baseline[0])
    assert groups == all_groups and max(counts.values()) == 1
    assert sorted(names) == sorted(all_names)  # every file finished, once
    assert client.llen("ccnews:files") == 0 and not client.keys("ccnews:files:leases:*")
    status = newscrawl("fleet", "ccnews", "--redis", redis_server.url)
    assert json.loads(status.stdout)["queued"] == 0


# -- the finished-files table, on both backends ------------------------------------------------


def test_finished_files_are_committed_with_the_batch_they_close(store_url: str) -> None:
    store = open_store(store_url, batch_size=100)
    store.finish_file("CC-NEWS-1.warc.gz", size=10, records=3, torn=True)
    assert store.file_finished("CC-NEWS-1.warc.gz")  # this run sees its own batch
    other = open_store(store_url)
    assert not other.file_finished("CC-NEWS-1.warc.gz"), "not before the batch commits"
    store.commit()
    store.finish_file("CC-NEWS-1.warc.gz", size=10, records=3, torn=True)  # twice: once
    store.commit()
    assert [row[:4] for row in other.finished_files()] == [("CC-NEWS-1.warc.gz", 10, 3, True)]
    other.close()
    store.close()


def test_an_older_sqlite_store_gains_the_table(tmp_path: Path) -> None:
    import sqlite3

    from newscrawl.storage.sqlite import SCHEMA_VERSION

    path = tmp_path / "old.db"
    open_store(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as con:  # as a version-3 store left it
        con.execute("DROP TABLE warc_files")
        con.execute("PRAGMA user_version=3")
    store = open_store(f"sqlite:///{path}")
    assert store._one("PRAGMA user_version")[0] == SCHEMA_VERSION >= 4  # later steps too
    assert not store.file_finished("x.warc.gz") and store.finished_files() == []
    store.close()
