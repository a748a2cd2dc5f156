"""What a crawl's log holds: nothing at WARNING when all is well, a short report at INFO.

A scheduled crawl's log is read when something went wrong; every healthy run's banners and
dumps bury the one line that matters. Measured on the offline mirror (README, "Run report
and monitors"): before, the 41-story crawl wrote 252 lines at INFO, and at WARNING
spidermon's deprecation warning and a "Disabled ... no JOBDIR" notice on every run.
"""

from __future__ import annotations

import re
from pathlib import Path

from conftest import MIRROR, MIRROR_STORIES, scrapy_command

# The mirror's three broken pages (no headline, no body, a PDF): one WARNING line each.
REJECTED = re.compile(r"\[scrapy\.core\.scraper\] WARNING: Dropped: rejected https://\S+: \w+")


def crawl(tmp_path: Path, *args: str):
    return scrapy_command(
        "crawl", *args, "-s", f"MIRROR_DIR={MIRROR}",
        "-s", f"STORE_URL=sqlite:///{tmp_path / 'store.db'}", "-O", str(tmp_path / "feed.jsonl"),
    )  # fmt: skip


def test_a_healthy_crawl_logs_nothing_at_warning(tmp_path: Path) -> None:
    result = crawl(tmp_path, "news", "-a", "start_urls=https://www.harbourgazette.example/",
                   "-L", "WARNING")  # fmt: skip
    assert result.returncode == 0
    assert result.stderr == ""
    assert len((tmp_path / "feed.jsonl").read_text().splitlines()) == 9  # its nine articles


def test_the_mirror_crawl_at_warning_logs_its_broken_pages_only(tmp_path: Path) -> None:
    result = crawl(tmp_path, "smn", "-L", "WARNING")
    assert result.returncode == 0
    lines = result.stderr.splitlines()
    assert len(lines) == 3 and all(REJECTED.search(line) for line in lines), result.stderr


def test_the_mirror_crawl_at_info_is_the_report_not_the_dumps(tmp_path: Path) -> None:
    result = crawl(tmp_path, "smn")
    assert result.returncode == 0
    log = result.stderr
    lines = log.splitlines()
    print(len(lines), "lines at INFO")
    # 252 before (README, "Run report and monitors"); 75 on three sites, then the 2026
    # site's row and each site's one line for the platform it does not answer.
    assert len(lines) <= 100
    # What stays: the run report, the outcome, the monitors' verdict, the feed, the stats
    # Scrapy and the project count (the per-site ones are in the report's table).
    assert re.search(r"Run report \(finished\):\nsite\s+pages\s+new\s+duplicate", log)
    assert re.search(rf"Run outcome: finished, \d+ pages, {MIRROR_STORIES} stored, 0 failed", log)
    assert "Monitors: 3 passed" in log
    assert f"Stored jsonl feed ({MIRROR_STORIES} items)" in log
    assert f"'newscrawl/stored': {MIRROR_STORIES}" in log
    assert f"'item_scraped_count': {MIRROR_STORIES}" in log
    # What goes: component lists, settings, versions, spidermon's banners, one line per
    # duplicate, and the per-site counters the report's table already shows.
    for gone in ("Enabled extensions", "Overridden settings", "Versions:", "[Spidermon]",
                 "Dropped: duplicate", "'newscrawl/report/", "Spider.log() is deprecated",
                 "Disabled newscrawl", "Remote control"):  # fmt: skip
        assert gone not in log, gone


def test_debug_still_has_everything(tmp_path: Path) -> None:
    result = crawl(tmp_path, "smn", "-a", "sections=climate", "-L", "DEBUG")
    assert result.returncode == 0
    log = result.stderr
    for kept in ("Enabled extensions", "Overridden settings", "Versions:",
                 "'newscrawl/report/terradaily.com/new'", "[Monitors] Field coverage"):  # fmt: skip
        assert kept in log, kept
