"""Archiving a crawl (``WARC_DIR``) and replaying the archive (``newscrawl replay``).

Real crawls in subprocesses: the mirror served over HTTP(S) by the recording proxy on
127.0.0.1 (so its answers are network responses, archived as ``response`` records), and
through ``MIRROR_DIR`` (reads archived as ``resource`` records only when asked). The
archives are read back by warcio and FastWARC with every digest checked, and replayed
into fresh stores: the feed must be the crawl's own, less ``fetched_at``.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import MIRROR, MIRROR_STORIES, ROOT, scrapy_command
from fastwarc.warc import ArchiveIterator as FastIterator
from warcio.archiveiterator import ArchiveIterator

from newscrawl.archive import WarcReader
from newscrawl.archive.files import OPEN_SUFFIX
from newscrawl.archive.records import build_record, gzip_member
from newscrawl.profiles.smn import SMN
from tests.support.multipage import check_replayed_split_stories
from tests.support.rawhttp import RawServer, response
from tests.support.servers import RecordingProxy

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"]  # fmt: skip
PROJECT_ENV = {"SCRAPY_SETTINGS_MODULE": "newscrawl.settings", "PYTHONPATH": str(ROOT)}


def crawl(folder: Path, proxy: RecordingProxy | None, *args: str) -> subprocess.CompletedProcess:
    env = {"http_proxy": proxy.url, "https_proxy": proxy.url} if proxy else {}
    return scrapy_command(
        "crawl", *args, "-s", f"STORE_URL=sqlite:///{folder / 'live.db'}",
        "-O", str(folder / "live.jsonl"), "-s", f"WARC_DIR={folder / 'warc'}", *FAST, env=env,
    )  # fmt: skip


def newscrawl(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update(PROJECT_ENV)
    return subprocess.run(
        [sys.executable, "-m", "newscrawl.cli", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def replay(folder: Path, store: str, *inputs: Path) -> subprocess.CompletedProcess:
    return newscrawl(
        "replay", *map(str, inputs or [folder / "warc"]),
        "--store", f"sqlite:///{folder / store}", "-o", str(folder / f"{store}.jsonl"),
    )  # fmt: skip


def stat(output: str, name: str) -> int | None:
    """A counter from the stats a crawl dumps to its log, or None."""
    found = re.search(rf"'{re.escape(name)}': (\d+)", output)
    return int(found[1]) if found else None


def feed(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def without_fetched_at(lines: list[dict]) -> list[dict]:
    return [{k: v for k, v in line.items() if k != "fetched_at"} for line in lines]


def warc_files(folder: Path) -> list[Path]:
    return sorted((folder / "warc").iterdir())


@pytest.fixture(scope="module")
def network_crawl(tmp_path_factory: pytest.TempPathFactory):
    """``smn`` over HTTP(S) with WARC_DIR, then its archive replayed into a fresh store."""
    folder = tmp_path_factory.mktemp("warc-smn")
    with RecordingProxy(MIRROR) as proxy:
        result = crawl(folder, proxy, "smn")
        requests = list(proxy.requests)
    assert result.returncode == 0, result.stderr[-3000:]
    replayed = replay(folder, "replay.db")
    assert replayed.returncode == 0, replayed.stderr[-3000:]
    return folder, requests, result, replayed


@pytest.fixture(scope="module")
def redirect_crawl(tmp_path_factory: pytest.TempPathFactory):
    """``news`` from ``www.marsdaily.com`` (a 301 to the bare host, sections found through
    category pages), archived and replayed."""
    folder = tmp_path_factory.mktemp("warc-mars")
    with RecordingProxy(MIRROR) as proxy:
        # One request at a time: which listing an article is first reached from (the home
        # page, no section, or a category page) depends on the fetch order.
        result = crawl(folder, proxy, "news", "-a", "start_urls=https://www.marsdaily.com/",
                       "-s", "CONCURRENT_REQUESTS=1")  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    replayed = replay(folder, "replay.db")
    assert replayed.returncode == 0, replayed.stderr[-3000:]
    return folder


# -- what the crawl wrote ---------------------------------------------------------------


def test_every_fetch_is_a_response_and_request_pair(network_crawl) -> None:
    folder, requests, _, _ = network_crawl
    (path,) = warc_files(folder)
    assert path.name.startswith("newscrawl-smn-") and path.name.endswith(".warc.gz")
    kinds, uris = Counter(), Counter()
    with path.open("rb") as fh:
        for record in ArchiveIterator(fh):
            kinds[record.rec_type] += 1
            if record.rec_type == "response":
                uris[record.rec_headers.get_header("WARC-Target-URI")] += 1
    assert kinds["warcinfo"] == 1
    assert kinds["response"] == kinds["request"] == len(requests)
    assert uris == Counter(requests)  # robots.txt, listings, feeds, articles: every fetch


def test_warcio_verifies_every_digest_of_the_crawls_archive(network_crawl) -> None:
    folder = network_crawl[0]
    checked = 0
    for path in warc_files(folder):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh, check_digests=True):
                record.content_stream().read()
                assert record.digest_checker.passed is not False, record.digest_checker.problems
                checked += record.rec_type in ("response", "request")
    assert checked > 100


def test_fastwarc_verifies_every_digest_of_the_crawls_archive(network_crawl) -> None:
    folder = network_crawl[0]
    payloads = 0
    for path in warc_files(folder):
        with path.open("rb") as fh:
            for record in FastIterator(fh, parse_http=False):
                assert record.verify_block_digest(consume=False)
                if str(record.record_type) in ("response", "request"):
                    record.parse_http()
                    assert record.verify_payload_digest(consume=False)
                    payloads += 1
    assert payloads > 100


def test_response_records_hold_the_bytes_as_served(network_crawl) -> None:
    folder = network_crawl[0]
    page = "https://www.spacewar.com/Military_Space.html"
    with warc_files(folder)[0].open("rb") as fh:
        for record in ArchiveIterator(fh):
            if (
                record.rec_type == "response"
                and record.rec_headers.get_header("WARC-Target-URI") == page
            ):
                assert record.http_headers.get_statuscode() == "200"
                assert record.rec_headers.get_header("WARC-IP-Address") == "127.0.0.1"
                body = record.content_stream().read()
                break
        else:
            pytest.fail(f"no response record for {page}")
    assert body == (MIRROR / "www.spacewar.com" / "Military_Space.html").read_bytes()


def test_warcinfo_names_the_run_the_agent_and_the_robots_policy(network_crawl) -> None:
    folder = network_crawl[0]
    with warc_files(folder)[0].open("rb") as fh:
        info = next(iter(ArchiveIterator(fh)))
        fields = dict(
            line.split(": ", 1)
            for line in info.content_stream().read().decode().splitlines()
            if ": " in line
        )
    assert info.rec_type == "warcinfo"
    assert fields["isPartOf"].startswith("newscrawl:smn:")
    assert fields["http-header-user-agent"].startswith("newscrawl/")
    assert fields["robots"] == "obey"
    assert fields["newscrawl-spider"] == "smn"


def test_metadata_records_say_where_each_page_was_found(network_crawl) -> None:
    folder = network_crawl[0]
    items = [r for path in warc_files(folder) for r in WarcReader().read(path)]
    articles = [r for r in items if "/reports/" in r.url and r.url.endswith("_999.html")]
    # Each page is archived with the page that linked it, except where no Referer
    # is sent: an https page linking an http URL (the feeds list http:// URLs).
    # Which page first links an article depends on the crawl's order, so only
    # the referrer policy is asserted, not which page each article came from.
    secure = [r for r in articles if r.url.startswith("https://")]
    plain = [r for r in articles if r.url.startswith("http://")]
    assert secure and all(r.meta("via") for r in secure)
    assert any(r.meta("via", "").startswith("https://") for r in secure)
    assert plain and not any(r.meta("via", "").startswith("https://") for r in plain)
    assert any(r.meta("newscrawl-section") for r in articles)
    robots = next(r for r in items if r.url.endswith("/robots.txt"))
    assert robots.metadata == ()


def test_a_redirect_is_archived_as_its_own_response(redirect_crawl) -> None:
    folder = redirect_crawl
    responses = [r for path in warc_files(folder) for r in WarcReader().read(path)]
    redirect = next(r for r in responses if r.url == "https://www.marsdaily.com/")
    assert redirect.status == 301
    assert redirect.header("Location") == "https://marsdaily.com/"
    assert any(r.url == "https://marsdaily.com/" and r.status == 200 for r in responses)


# -- replay ------------------------------------------------------------------------------


def test_replay_into_a_fresh_store_gives_the_crawls_feed(network_crawl) -> None:
    folder = network_crawl[0]
    live, replayed = feed(folder / "live.jsonl"), feed(folder / "replay.db.jsonl")
    assert len(live) == len(replayed) == MIRROR_STORIES
    # Every record as the crawl gave it, but the story over three pages: its first page.
    assert check_replayed_split_stories(live, replayed) == 1


def test_replayed_records_are_dated_by_the_archive(network_crawl) -> None:
    folder = network_crawl[0]
    dates = {
        r.url: r.date.isoformat(timespec="seconds")
        for path in warc_files(folder)
        for r in WarcReader().read(path)
    }
    for line in feed(folder / "replay.db.jsonl"):
        fetched = [d for url, d in dates.items() if url.split("//")[1].removeprefix("www.")
                   == line["url"].split("//")[1]]  # fmt: skip
        assert line["fetched_at"] in fetched


def test_replay_uses_the_sections_the_crawl_found(redirect_crawl) -> None:
    folder = redirect_crawl
    live, replayed = feed(folder / "live.jsonl"), feed(folder / "replay.db.jsonl")
    assert len(live) == 11
    assert any(line["section"] for line in live), "some sections come from listings"
    assert without_fetched_at(replayed) == without_fetched_at(live)


def test_replay_stores_the_same_aliases_and_rejections(network_crawl) -> None:
    folder = network_crawl[0]

    def tables(db: Path) -> tuple:
        with sqlite3.connect(db) as con:
            return (
                sorted(con.execute("SELECT alias, url, reason FROM aliases")),
                sorted(con.execute("SELECT url, reason FROM rejections")),
            )

    replayed, live = tables(folder / "replay.db"), tables(folder / "live.db")
    assert replayed[1] == live[1]
    # A story's later pages are aliases (reason "part") only where it was stitched.
    assert replayed[0] == [row for row in live[0] if row[2] != "part"] != live[0]


def test_replaying_twice_stores_nothing_new(network_crawl) -> None:
    folder = network_crawl[0]
    again = replay(folder, "replay.db")
    assert again.returncode == 0, again.stderr[-3000:]
    assert feed(folder / "replay.db.jsonl") == []
    assert stat(again.stderr, "newscrawl/warc/files/finished_before") == 1
    # The same file under a copy's name is read again: every page is a known URL.
    copy = folder / "copy.warc.gz"
    copy.write_bytes(warc_files(folder)[0].read_bytes())
    third = replay(folder, "replay.db", copy)
    assert third.returncode == 0, third.stderr[-3000:]
    assert feed(folder / "replay.db.jsonl") == []
    with sqlite3.connect(folder / "replay.db") as con:
        stored, copies, rejected = (
            con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("articles", "aliases", "rejections")
        )
    assert stored == MIRROR_STORIES
    # Every article page of the archive is known: each story, its copies fetched as
    # pages of their own (which copy is first depends on the crawl's order), rejections;
    # a split story's later pages are not known (replay does not stitch them).
    known = stat(third.stderr, "newscrawl/warc/known")
    assert known is not None and stored + rejected <= known <= stored + copies + rejected
    assert stat(third.stderr, "newscrawl/warc/article") is None


# -- the mirror -------------------------------------------------------------------------


def test_mirror_reads_are_archived_only_when_asked(tmp_path: Path) -> None:
    off = tmp_path / "off"
    result = crawl(off, None, "smn", "-s", f"MIRROR_DIR={MIRROR}", "-a", "sections=climate")
    assert result.returncode == 0, result.stderr[-3000:]
    assert not (off / "warc").exists() or warc_files(off) == []


def test_a_mirror_crawl_archived_as_resources_replays_to_its_feed(tmp_path: Path) -> None:
    start = "start_urls=https://www.harbourgazette.example/"
    result = crawl(tmp_path, None, "news", "-a", start, "-s", f"MIRROR_DIR={MIRROR}",
                   "-s", "WARC_MIRROR=True")  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    kinds = Counter()
    for path in warc_files(tmp_path):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh, check_digests=True):
                record.content_stream().read()
                assert record.digest_checker.passed is not False
                kinds[record.rec_type] += 1
    assert kinds["response"] == kinds["request"] == 0  # never labelled as fetched
    assert kinds["resource"] > 10
    replayed = replay(tmp_path, "replay.db")
    assert replayed.returncode == 0, replayed.stderr[-3000:]
    live = feed(tmp_path / "live.jsonl")
    assert len(live) == 9 and any(line["section"] for line in live)
    # Every record as the crawl gave it, but the boatyard feature over three pages.
    assert check_replayed_split_stories(live, feed(tmp_path / "replay.db.jsonl")) == 1


# -- kill -9 ----------------------------------------------------------------------------


def articles_archived(path: Path) -> int:
    """Article pages among the whole records of a WARC file being written. The crawl asks
    its listings first (both platforms' entry points of every site), so the file's first
    kilobytes may hold no article at all; more than the mirror's 3 rejected pages means at
    least one story the replay stores (a split story's later page, which gives no record on
    replay, is only asked after its first page, archived before it)."""
    return sum(r.status == 200 and SMN.is_article_url(r.url) for r in WarcReader().read(path))


def test_kill_9_mid_crawl_leaves_every_closed_record_readable(tmp_path: Path) -> None:
    """A crawl killed while archiving: its ``.open`` file reads back up to the last whole
    record (warcio, our reader, replay); a record torn by the kill is detected and
    skipped; the next crawl finishes the file (torn tail cut, final name)."""
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    with RecordingProxy(MIRROR) as proxy:
        env.update(http_proxy=proxy.url, https_proxy=proxy.url)
        victim = subprocess.Popen(
            [sys.executable, "-m", "scrapy", "crawl", "smn", *FAST,
             "-s", f"STORE_URL=sqlite:///{tmp_path / 'live.db'}",
             "-s", f"WARC_DIR={tmp_path / 'warc'}", "-s", "LOG_LEVEL=WARNING"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        # Killed once the open file holds more article pages than the mirror has rejections
        # (at least one story the replay stores), however long a loaded machine takes to
        # get there (the deadline only stops a hung crawl).
        deadline = time.monotonic() + 600
        while True:
            found = list((tmp_path / "warc").glob(f"*{OPEN_SUFFIX}"))
            if found and found[0].stat().st_size > 40_000 and articles_archived(found[0]) > 3:
                break
            assert victim.poll() is None, "the crawl ended before the kill"
            assert time.monotonic() < deadline, "no archived story after 600 s"
            time.sleep(0.01)
        assert victim.poll() is None, "the crawl ended before the kill"
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(10)
    (open_file,) = (tmp_path / "warc").iterdir()
    assert open_file.name.endswith(OPEN_SUFFIX)
    whole = WarcReader()
    count = len(list(whole.read(open_file)))
    assert count > 5 and whole.stats.digest_mismatch == 0
    # A kill inside write(2) leaves part of a record: add one so the end is torn for sure.
    record = gzip_member(build_record("resource", [], os.urandom(8000), content_type="x/y"), 6)
    with open_file.open("ab") as fh:
        fh.write(record[: len(record) // 2])
    torn = WarcReader()
    assert len(list(torn.read(open_file))) == count and torn.stats.torn == 1
    replayed = replay(tmp_path, "replay.db", open_file)
    assert replayed.returncode == 0, replayed.stderr[-3000:]
    assert stat(replayed.stderr, "newscrawl/warc/read/torn") == 1
    assert feed(tmp_path / "replay.db.jsonl"), "the whole records before the tear replayed"
    # The next crawl with the same WARC_DIR finishes the dead crawl's file first.
    sections = "sections=missile-defense"
    again = crawl(tmp_path, None, "spacewar", "-s", f"MIRROR_DIR={MIRROR}", "-a", sections)
    assert again.returncode == 0, again.stderr[-3000:]
    assert stat(again.stderr, "newscrawl/warc/recovered") == 1
    finished = tmp_path / "warc" / open_file.name.removesuffix(OPEN_SUFFIX)
    with finished.open("rb") as fh:
        records = list(ArchiveIterator(fh, check_digests=True))
    assert sum(r.rec_type in ("response", "resource") for r in records) == count
    clean = WarcReader()
    assert len(list(clean.read(finished))) == count and clean.stats.torn == 0


# -- size limit and write failures -----------------------------------------------------------


def test_a_body_over_warc_max_body_is_archived_cut_and_not_extracted(tmp_path: Path) -> None:
    big = b"<html><body>" + b"<p>word word word</p>" * 10_000 + b"</body></html>"
    headers = [(b"Content-Type", b"text/html"), (b"Content-Length", str(len(big)).encode())]
    small = b"<html><head><title>t</title></head><body><p>short</p></body></html>"
    server = RawServer({
        "/big": response(b"HTTP/1.1 200 OK", headers, big),
        "/small": response(b"HTTP/1.1 200 OK", [(b"Content-Type", b"text/html")], small),
    })  # fmt: skip
    try:
        result = scrapy_command(
            "crawl", "news", "-a", f"start_urls={server.base}/big,{server.base}/small",
            "-s", f"STORE_URL=sqlite:///{tmp_path / 's.db'}", "-s", "ROBOTSTXT_OBEY=False",
            "-s", f"WARC_DIR={tmp_path / 'warc'}", "-s", "WARC_MAX_BODY=5000", *FAST,
        )  # fmt: skip
    finally:
        server.close()
    assert result.returncode == 0, result.stderr[-3000:]
    assert stat(result.stderr, "newscrawl/warc/cut") == 1
    records = {r.url.removeprefix(server.base): r for p in warc_files(tmp_path)
               for r in WarcReader().read(p)}  # fmt: skip
    assert records["/big"].truncated == "length" and records["/big"].body == big[:5000]
    assert records["/small"].truncated is None and records["/small"].body == small
    assert stat(result.stderr, "newscrawl/news/listing") == 1, "/big never reached the spider"


def test_gzip_bodies_are_archived_coded_and_replayed_decoded(tmp_path: Path) -> None:
    page = (MIRROR / "www.harbourgazette.example" / "index.html").read_bytes()
    article = next((MIRROR / "www.harbourgazette.example" / "2025").rglob("index.html"))
    story = article.read_bytes()
    path = "/" + article.relative_to(MIRROR / "www.harbourgazette.example").as_posix()
    path = path.removesuffix("index.html")
    coded = gzip.compress(story, mtime=0)
    html = [(b"Content-Type", b"text/html; charset=utf-8")]
    server = RawServer({
        "/": response(b"HTTP/1.1 200 OK", html, page.replace(
            b"https://www.harbourgazette.example/", b"/")),
        path: response(b"HTTP/1.1 200 OK", [*html, (b"Content-Encoding", b"gzip"),
                       (b"Content-Length", str(len(coded)).encode())], coded),
    })  # fmt: skip
    try:
        result = scrapy_command(
            "crawl", "news", "-a", f"start_urls={server.base}/", "-O", str(tmp_path / "live.jsonl"),
            "-s", f"STORE_URL=sqlite:///{tmp_path / 'live.db'}", "-s", "ROBOTSTXT_OBEY=False",
            "-s", f"WARC_DIR={tmp_path / 'warc'}", *FAST,
            # The server has one of the page's nine articles: the others are 404s on purpose.
            "-s", "NEWSCRAWL_MAX_FAILURE_SHARE=1.0",
        )  # fmt: skip
    finally:
        server.close()
    assert result.returncode == 0, result.stderr[-3000:]
    with warc_files(tmp_path)[0].open("rb") as fh:
        stored = {
            r.rec_headers.get_header("WARC-Target-URI"): r.content_stream().read()
            for r in ArchiveIterator(fh) if r.rec_type == "response"
        }  # fmt: skip
    with warc_files(tmp_path)[0].open("rb") as fh:
        raw = {
            r.rec_headers.get_header("WARC-Target-URI"): r.raw_stream.read()
            for r in ArchiveIterator(fh) if r.rec_type == "response"
        }  # fmt: skip
    assert raw[server.base + path] == coded  # as received
    assert stored[server.base + path] == story  # warcio's decoding agrees
    replayed = replay(tmp_path, "replay.db")
    assert replayed.returncode == 0, replayed.stderr[-3000:]
    live = feed(tmp_path / "live.jsonl")
    assert len(live) == 1
    assert without_fetched_at(feed(tmp_path / "replay.db.jsonl")) == without_fetched_at(live)
