"""The per-site run report and the spidermon monitors, on real crawls of the mirror."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

from conftest import MIRROR, MIRROR_STORIES, PLATFORM2026, scrapy_command

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
    assert set(sites) == {"spacewar.com", "spacedaily.com", "terradaily.com", "marsdaily.com",
                          "all"}  # fmt: skip
    total = sites["all"]
    # Every copy of a story but the stored one is a duplicate: 13 exact copies on the
    # classic sites (the story over three pages on two of them), 2 edited copies of the
    # syndicated story, the wire story on both platforms; 3 broken pages
    placements = Counter(
        site_of(f"https://{p['site']}/") for story in [*stories, syndicated]
        for p in story["placements"]
    )  # fmt: skip
    placements["marsdaily.com"] = len(json.loads(PLATFORM2026.read_text("utf-8"))["stories"])
    copies = sum(placements.values())
    assert (total["new"], total["duplicate"], total["rejected"]) == (
        MIRROR_STORIES, copies - MIRROR_STORIES, 3,
    )  # fmt: skip
    assert copies - MIRROR_STORIES == 16
    assert sum(sites[s]["new"] for s in sites if s != "all") == MIRROR_STORIES
    # which sister site's copy comes first varies; the copies per site do not
    for site, count in placements.items():
        assert sites[site]["new"] + sites[site]["duplicate"] == count
    # Every page fetched, listings and the other platform's probes included: 151 in a real
    # run after merging main (143 before it; main adds the story over three pages, one
    # story but three pages on each of its two sites, and a section page on each of them).
    assert total["pages"] == 151
    assert total["headline"] > 0.95 and total["dateline"] > 0.95
    # every classic story prints a dateline; one of the 2026 site's 11 does not
    assert sites["marsdaily.com"]["dateline"] == 0.909
    assert {sites[s]["dateline"] for s in placements if s != "marsdaily.com"} == {1.0}
    assert {s: sorted(sites[s]["platforms"]) for s in placements} == {
        "spacewar.com": ["classic"], "spacedaily.com": ["classic"],
        "terradaily.com": ["classic"], "marsdaily.com": ["2026"],
    }  # fmt: skip
    assert report["monitors"] == {"failed": None, "passed": True}
    assert re.search(r"Run report \(finished\):\nsite\s+pages\s+new\s+duplicate", result.stderr)
    # pages, new, duplicate, rejected, articles, paywalled, then coverage and platform
    row = r"\nspacewar\.com +\d+ +\d+ +\d+ +\d+ +\d+ +0 +\d+% +\d+% +\d+% +100% +classic *\n"
    assert re.search(row, result.stderr)
    assert "Monitors: 3 passed" in result.stderr


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
    assert "ERROR: Monitor failed: Field coverage" in result.stderr
    assert "Monitors: 1 of 3 failed" in result.stderr


def test_article_count_floor(tmp_path: Path, stories, syndicated) -> None:
    result = crawl(tmp_path, MIRROR, "-s", "NEWSCRAWL_MIN_ARTICLES=100")
    assert result.returncode == 3
    # every article record: the copies of every story (a story over three pages is one
    # record per copy), the two broken HTML pages; 57 classic and 11 on the 2026 site
    copies = sum(len(p["placements"]) for p in [*stories, syndicated])
    copies += len(json.loads(PLATFORM2026.read_text("utf-8"))["stories"])
    assert copies + 2 == 70
    assert f"{copies + 2} articles extracted, fewer than the floor of 100" in result.stderr
    rerun = crawl(tmp_path, MIRROR)  # incremental, nothing new: healthy with the default
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    report = json.loads((tmp_path / "report.json").read_text("utf-8"))
    assert report["sites"][-1]["articles"] == 0


def test_a_run_where_every_page_fails_fails_the_failure_share_monitor(tmp_path: Path) -> None:
    """A typo in MIRROR_DIR (or a site down, or blocking the crawler): every request 404s.
    The crawl itself ends normally; the failure-share monitor makes it exit 3."""
    (tmp_path / "no-such-mirror").mkdir()
    result = crawl(tmp_path, tmp_path / "no-such-mirror")
    assert result.returncode == 3, result.stderr[-3000:]
    report = json.loads((tmp_path / "report.json").read_text("utf-8"))
    assert report["stored"] == 0 and set(report["failures"]) == {"http_404"}
    (failure,) = report["monitors"]["failed"]
    # Every request 404s, the probes of the platform a site does not run too: with no
    # platform answered they are failures like the rest (newscrawl.extensions.report).
    assert re.search(r"all: (\d+) of \1 requests failed \(100% > 50%\)", failure), failure
    for site in ("spacewar.com", "spacedaily.com", "terradaily.com"):
        assert re.search(rf"{site}: (\d+) of \1 requests failed \(100% > 50%\)", failure)


def test_one_site_down_fails_the_monitor_for_that_site(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    shutil.copytree(MIRROR, mirror, ignore=shutil.ignore_patterns("www.terradaily.com"))
    result = crawl(tmp_path, mirror)
    assert result.returncode == 3, result.stderr[-3000:]
    report = json.loads((tmp_path / "report.json").read_text("utf-8"))
    (failure,) = report["monitors"]["failed"]
    assert "terradaily.com:" in failure and "requests failed" in failure
    assert "spacewar.com" not in failure and "spacedaily.com" not in failure
    assert not re.search(r"[:;] all: ", failure)  # two sites of three are fine: overall under half
    # a looser limit passes the same run
    result = crawl(tmp_path, mirror, "-s", "NEWSCRAWL_MAX_FAILURE_SHARE=1.0")
    assert result.returncode == 0, result.stderr[-3000:]
