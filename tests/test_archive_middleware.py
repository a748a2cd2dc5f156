"""The archiving middleware's choices, on responses handed to it directly (no crawl):
what is archived and as what, what is not, and how a failing disk is reported.

Crawls that archive over real HTTP are in tests/test_warc_crawl.py."""

from __future__ import annotations

import logging
import os
import re
import socket
from pathlib import Path

import pytest
from conftest import MIRROR
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from newscrawl.archive import WarcReader
from newscrawl.archive.files import OPEN_SUFFIX
from newscrawl.downloadermiddlewares.archive import ArchiveMiddleware
from newscrawl.downloadermiddlewares.mirror import MirrorMiddleware
from tests.support.ccnews import standard_captures, write_ccnews

PAGE = (MIRROR / "www.spacewar.com" / "Military_Space.html").read_bytes()
URL = "https://www.spacewar.com/Military_Space.html"


def middleware(folder: Path, **settings: object) -> tuple[ArchiveMiddleware, object]:
    crawler = get_crawler(settings_dict={"WARC_DIR": str(folder), **settings})
    crawler.stats.open_spider()
    return ArchiveMiddleware.from_crawler(crawler), crawler


def page(url: str = URL, *, flags: list[str] | None = None, status: int = 200) -> Response:
    request = Request(url, headers={"User-Agent": "test"}, cb_kwargs={"section": "military"})
    return HtmlResponse(
        url,
        status=status,
        body=PAGE,
        headers={"Content-Type": "text/html"},
        request=request,
        flags=flags or [],
        protocol="HTTP/1.1",
    )


def archived(folder: Path) -> list:
    reader = WarcReader()
    return [r for path in sorted(folder.iterdir()) for r in reader.read(path)]


def test_without_warc_dir_the_middleware_is_off() -> None:
    with pytest.raises(NotConfigured):
        ArchiveMiddleware.from_crawler(get_crawler(settings_dict={"WARC_DIR": None}))


@pytest.mark.parametrize("thread", [True, False])
def test_a_fetch_is_a_response_with_its_context(tmp_path: Path, thread: bool) -> None:
    mw, crawler = middleware(tmp_path, WARC_THREAD=thread)
    response = page()
    assert mw.process_response(response.request, response) is response
    mw.spider_closed()
    (record,) = archived(tmp_path)
    assert (record.record_type, record.status, record.body) == ("response", 200, PAGE)
    assert record.meta("newscrawl-section") == "military"
    assert crawler.stats.get_value("newscrawl/warc/response") == 1
    assert crawler.stats.get_value("newscrawl/warc/files") == 1


def test_cut_bodies_are_marked_truncated(tmp_path: Path) -> None:
    mw, crawler = middleware(tmp_path)
    for flag in ("dataloss", "download_stopped"):
        response = page(f"{URL}?{flag}", flags=[flag])
        mw.process_response(response.request, response)
    mw.spider_closed()
    assert [r.truncated for r in archived(tmp_path)] == ["disconnect", "unspecified"]
    assert crawler.stats.get_value("newscrawl/warc/truncated/disconnect") == 1


def test_cache_hits_and_replayed_pages_are_not_fetches(tmp_path: Path) -> None:
    mw, _ = middleware(tmp_path)
    for flag in ("cached", "warc"):
        response = page(flags=[flag])
        assert mw.process_response(response.request, response) is response
    mw.spider_closed()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("asked", [False, True])
def test_mirror_reads_are_resources_and_only_when_asked(tmp_path: Path, asked: bool) -> None:
    warc = tmp_path / "warc"
    mw, crawler = middleware(warc, WARC_MIRROR=asked)
    mirror = MirrorMiddleware(str(MIRROR))
    for url in (URL, "https://www.spacewar.com/no-such-page.html", "https://www.marsdaily.com/"):
        request = Request(url)
        response = mirror.process_request(request)
        assert "mirror" in response.flags  # the 404 and the redirect too
        mw.process_response(request, response)
    mw.spider_closed()
    records = archived(warc) if warc.exists() else []
    if not asked:
        assert records == []
        return
    (record,) = records  # the 404 and the _redirects answer have no content
    assert (record.record_type, record.url, record.body) == ("resource", URL, PAGE)
    assert record.content_type == "text/html"
    assert crawler.stats.get_value("newscrawl/warc/resource") == 1


@pytest.mark.parametrize("thread", [True, False])
def test_a_failing_disk_is_counted_and_logged_once(tmp_path: Path, caplog, thread: bool) -> None:
    folder = tmp_path / "warc"
    mw, crawler = middleware(folder, WARC_THREAD=thread)
    folder.rmdir()  # the first write finds no folder to open its file in
    caplog.set_level(logging.ERROR)
    for _ in range(3):
        response = page()
        assert mw.process_response(response.request, response) is response
    mw.spider_closed()
    assert crawler.stats.get_value("newscrawl/warc/write_error") == 3
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "WARC write failed" in errors[0].getMessage()


def test_a_killed_crawls_file_is_finished_at_start(tmp_path: Path) -> None:
    dead_pid = 2**22 + 12345  # above pid_max's default: no such process
    while True:
        try:
            os.kill(dead_pid, 0)
        except ProcessLookupError:
            break
        dead_pid += 1
    host = re.sub(r"[^A-Za-z0-9.]", "_", socket.gethostname())  # as the writer names files
    name = f"newscrawl-smn-20260101000000000-00000-{host}-{dead_pid}.warc.gz"
    write_ccnews(tmp_path / (name + OPEN_SUFFIX), standard_captures(2))
    mw, crawler = middleware(tmp_path)
    assert (tmp_path / name).exists() and not (tmp_path / (name + OPEN_SUFFIX)).exists()
    assert crawler.stats.get_value("newscrawl/warc/recovered") == 1
    mw.spider_closed()


def test_warcinfo_says_who_crawled_and_how(tmp_path: Path) -> None:
    mw, _ = middleware(
        tmp_path,
        USER_AGENT="bot/1 (+https://example.org/bot)",
        WARC_OPERATOR="Ops",
        ROBOTSTXT_OBEY=True,
    )
    response = page()
    mw.process_response(response.request, response)
    mw.spider_closed()
    (path,) = tmp_path.iterdir()
    with path.open("rb") as fh:
        info = next(iter(ArchiveIterator(fh))).content_stream().read().decode()
    assert "http-header-user-agent: bot/1 (+https://example.org/bot)\r\n" in info
    assert "operator: Ops\r\n" in info
    assert "robots: obey\r\n" in info
    assert f"isPartOf: {mw.run_id}\r\n" in info
