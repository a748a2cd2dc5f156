"""The per-site run report and the spidermon monitors, on real crawls of the mirror."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

from conftest import MIRROR, MIRROR_STORIES, scrapy_command

from newscrawl.urls import site_of


def crawl(folder: Path, mirror: Path, *extra: str):
    return scrapy_command(
        "crawl", "smn", "-s", f"MIRROR_DIR={mirror}",
        "-s", f"STORE_URL=sqlite:///{folder / 'store.db'}",
        "-s", f"NEWSCRAWL_REPORT_FILE={folder / 'report.json'}", *extra,
    )  # fmt: skip


def test_report_per_site_in_log_stats_and_file(tmp_path: Path, stories, syndicated) -> None:
    result = crawl(tmp_path, MIRROR)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((tmp_path / "report.json").read_text("utf-8"))
    sites = {row["site"]: row for row in report["sites"]}
    assert set(sites) == {"spacewar.com", "spacedaily.com", "terradaily.com", "all"}
    total = sites["all"]
    # 13 exact copies and 2 edited copies of syndicated stories; 3 broken pages
    assert (total["new"], total["duplicate"], total["rejected"]) == (MIRROR_STORIES, 15, 3)
    assert sum(sites[s]["new"] for s in sites if s != "all") == MIRROR_STORIES
    # which sister site's copy comes first varies; the copies per site do not
    placements = Counter(
        site_of(f"https://{p['site']}/") for story in [*stories, syndicated]
        for p in story["placements"]
    )  # fmt: skip
    for site, count in placements.items():
        assert sites[site]["new"] + sites[site]["duplicate"] == count
    # A story over three pages is one story, three pages fetched on each of its two sites.
    assert total["pages"] == 106
    assert total["headline"] > 0.95 and total["dateline"] == 1.0
    assert report["monitors"] == {"failed": None, "passed": True}
    assert re.search(r"Run report \(finished\):\nsite\s+pages\s+new\s+duplicate", result.stderr)
    assert "'newscrawl/report/spacewar.com/coverage/dateline': 1.0" in result.stderr
    assert "[Spidermon] OK" in result.stderr


def test_layout_change_fails_the_coverage_monitor_and_the_exit_status(tmp_path: Path) -> None:
    """SpaceWar.com drops its dateline markup: pages still parse, datelines vanish."""
    mirror = tmp_path / "mirror"
    shutil.copytree(MIRROR, mirror)
    for page in (mirror / "www.spacewar.com").glob("*/*.html"):
        html = page.read_text("utf-8")
        page.write_text(html.replace('<span class="BHS">', "<span>"), "utf-8")
    result = crawl(tmp_path, mirror, "-s", "NEWSCRAWL_COVERAGE_MIN_ARTICLES=5")
    assert result.returncode == 3, result.stderr[-3000:]
    report = json.loads((tmp_path / "report.json").read_text("utf-8"))
    (failure,) = report["monitors"]["failed"]
    assert "spacewar.com dateline 0% < 80%" in failure
    assert "spacedaily.com" not in failure
    assert "FAIL: Field coverage" in result.stderr


def test_article_count_floor(tmp_path: Path) -> None:
    result = crawl(tmp_path, MIRROR, "-s", "NEWSCRAWL_MIN_ARTICLES=100")
    assert result.returncode == 3
    # every article record: 57 copies of stories (the two copies of the story over three
    # pages are one record each) and the two broken HTML pages
    assert "59 articles extracted, fewer than the floor of 100" in result.stderr
    rerun = crawl(tmp_path, MIRROR)  # incremental, nothing new: healthy with the default
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    report = json.loads((tmp_path / "report.json").read_text("utf-8"))
    assert report["sites"][-1]["articles"] == 0
