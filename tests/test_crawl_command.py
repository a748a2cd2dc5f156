"""``scrapy crawl`` on plain mistakes: one clear line and the exit status the README promises.

A crawl that cannot start (a bad spider argument, no start URL, a store it cannot open)
exits 1; one that finds the store locked exits 75. Either way the log says why in one
line, with no traceback: these are a user's mistakes or a scheduler's overlap, not bugs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import MIRROR, scrapy_command

from newscrawl.spiders.smn import (
    MarsDailySpider,
    SMNSpider,
    SpaceDailySpider,
    SpaceWarSpider,
    TerraDailySpider,
)
from newscrawl.storage import open_store


def crawl(tmp_path: Path, spider: str, *extra: str):
    return scrapy_command(
        "crawl", spider, "-s", f"MIRROR_DIR={MIRROR}",
        "-s", f"STORE_URL=sqlite:///{tmp_path / 'store.db'}",
        "-s", f"NEWSCRAWL_REPORT_FILE={tmp_path / 'report.json'}", *extra,
    )  # fmt: skip


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if " ERROR: " in line or " CRITICAL: " in line]


def assert_one_clean_line(stderr: str, *words: str) -> str:
    assert "Traceback" not in stderr, stderr[-3000:]
    assert "Task exception was never retrieved" not in stderr
    (line,) = error_lines(stderr)
    for word in words:
        assert word in line, line
    return line


@pytest.mark.parametrize(
    ("spider", "argument", "words"),
    [
        ("smn", "sections=bogus",
         ["sections=bogus", "missile-defense", "military-space", "climate", "earth-observation"]),
        ("spacewar", "sections=climate", ["sections=climate", "missile-defense", "military-space"]),
        ("smn", "max_age=soon", ["max_age=soon", "30m", "2d"]),
        ("smn", "discover=rss", ["discover=rss", "sections", "feeds", "sitemaps"]),
        ("smn", "max_pages=two", ["max_pages=two", "whole number"]),
        ("smn", "max_pages=0", ["max_pages=0", "at least 1"]),
        ("news", "max_pages=x", ["max_pages=x", "whole number"]),
        ("news", "start_urls=ftp://files.example/", ["start_urls=ftp://files.example/", "http"]),
    ],
)  # fmt: skip
def test_a_bad_spider_argument_is_one_line_and_exit_1(
    tmp_path: Path, spider: str, argument: str, words: list[str]
) -> None:
    extra = [] if argument.startswith("start_urls") or spider != "news" else [
        "-a", "start_urls=https://www.harbourgazette.example/"
    ]  # fmt: skip
    result = crawl(tmp_path, spider, "-a", argument, *extra)
    assert result.returncode == 1, result.stderr[-3000:]
    line = assert_one_clean_line(result.stderr, "Not crawling", *words)
    assert "Closing spider" not in result.stderr  # refused before anything started
    print(line)


def test_news_without_start_urls_is_one_line_and_exit_1(tmp_path: Path) -> None:
    result = crawl(tmp_path, "news")
    assert result.returncode == 1, result.stderr[-3000:]
    assert_one_clean_line(result.stderr, "Not crawling", "start_urls")
    assert "start_error" not in result.stderr


def test_a_start_that_fails_exits_1_and_is_not_ok(tmp_path: Path) -> None:
    """Any spider whose start() raises (a bug, not a user's mistake): its traceback is
    logged, the run is reported as not ok and the crawl exits 1 (it could not start)."""
    result = crawl(
        tmp_path, "broken_start", "-s", "SPIDER_MODULES=tests.support.broken_start_spider"
    )
    assert result.returncode == 1, result.stderr[-3000:]
    assert "Closing spider (start_error)" in result.stderr
    report = json.loads((tmp_path / "report.json").read_text("utf-8"))
    assert report["finish_reason"] == "start_error"
    assert report["ok"] is False


def test_a_locked_store_is_one_line_and_exit_75(tmp_path: Path) -> None:
    holder = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    holder.lock("pid 4242 on testhost, spider smn, since 2026-12-02T10:00:00+00:00")
    try:
        result = crawl(tmp_path, "smn")
    finally:
        holder.unlock()
        holder.close()
    assert result.returncode == 75, result.stderr[-3000:]
    assert_one_clean_line(result.stderr, "Not crawling", "in use by another crawl", "pid 4242")
    assert "Spider opened" not in result.stderr


def test_a_store_that_cannot_be_opened_is_one_line_and_exit_1(tmp_path: Path) -> None:
    (tmp_path / "store.db").mkdir()  # a folder where the database file should be
    result = crawl(tmp_path, "smn")
    assert result.returncode == 1, result.stderr[-3000:]
    assert_one_clean_line(result.stderr, "Not crawling", "cannot open store")


def test_help_lists_each_spiders_arguments_and_section_keys() -> None:
    result = scrapy_command("crawl", "-h")
    assert result.returncode == 0, result.stderr
    help_text = " ".join(result.stdout.split())
    for spider in (SMNSpider, SpaceWarSpider, SpaceDailySpider, TerraDailySpider, MarsDailySpider):
        keys = ", ".join(spider.section_keys())
        assert f"{spider.name}: -a sections=KEY[,KEY...]" in help_text
        assert f"keys: {keys} -a max_pages=N" in help_text
    assert "news: -a start_urls=URL[,URL...]: required" in help_text
    assert help_text.count("-a languages=CODE[,CODE...]: keep only records") == 6  # all but warc
    assert "75 the store is in use by another crawl" in help_text


def test_sections_limit_what_the_crawl_returns(tmp_path: Path, stories) -> None:
    """``-a sections=`` is the sections' stories, not the network their related boxes
    lead to (before, two sections returned 40 of the 41 stories)."""
    # The classic platform's sections: the stories fixture is the classic sites' (the 2026
    # site's categories have keys of their own, science among them).
    result = crawl(tmp_path, "smn", "-a", "sections=climate,science", "-a", "platforms=classic",
                   "-O", str(tmp_path / "feed.jsonl"))  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    feed = [json.loads(line) for line in (tmp_path / "feed.jsonl").read_text().splitlines()]
    wanted = {"climate", "science"}
    listed = [s for s in stories if {p["section"] for p in s["placements"]} & wanted]
    assert 0 < len(listed) < len(stories)
    assert sorted(line["headline"] for line in feed) == sorted(s["headline"] for s in listed)
