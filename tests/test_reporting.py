"""Run history and ``newscrawl report`` on real crawls of the mirror, on both backends, with
the page checked in a real headless Chromium.

Two crawls per store: the mirror as built, then a full re-crawl (incremental skipping off,
so every article comes back as a duplicate) of a copy that lost one article page (a 404,
counted as a failure). Each run is recorded by :class:`RunHistory` at engine stop: the
crawls use the project's settings plus that one extension, from a settings module written
in the test's folder (``settings.py`` gets the line when the extension is wired).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import MIRROR, MIRROR_STORIES, ROOT, STORIES, scrapy_command

from newscrawl.storage import open_store
from tests.support.browser import chromium, chromium_paths, full_page_screenshot

LOST_PAGE = "www.spacewar.com/reports/Britain_orders_new_military_communications_satellite_999.html"
CLASSIC_SITES = ["spacedaily.com", "spacewar.com", "terradaily.com"]
SITES = sorted([*CLASSIC_SITES, "marsdaily.com"])  # marsdaily.com: the 2026 platform
# Exact copies a crawl of the mirror finds: on the classic sites (the split story's second
# site among them), and one across platforms (the 2026 site's copy of a wire story). The
# syndicated story's 2 edited copies are near-duplicates.
SAME_BODY = sum(len(s["placements"]) - 1 for s in json.loads(STORIES.read_text("utf-8"))) + 1


def crawl(folder: Path, store_url: str, mirror: Path, name: str, *extra: str):
    result = scrapy_command(
        "crawl", "smn", "-s", f"MIRROR_DIR={mirror}", "-s", f"STORE_URL={store_url}",
        "-s", f"NEWSCRAWL_REPORT_FILE={folder / name}", *extra,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert re.search(r"Run recorded in the store as run \d+", result.stderr)
    return json.loads((folder / name).read_text("utf-8"))


def report_command(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newscrawl.cli", "report", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def crawled(request, tmp_path_factory) -> tuple[str, Path, list[dict]]:
    """A store after the two crawls, its folder, and the two crawls' report files."""
    folder = tmp_path_factory.mktemp(f"history-{request.param}")
    if request.param == "sqlite":
        store_url = f"sqlite:///{folder / 'store.db'}"
    else:
        store_url = request.getfixturevalue("postgres").new_database()
    first = crawl(folder, store_url, MIRROR, "first.json")
    damaged = folder / "mirror"
    shutil.copytree(MIRROR, damaged)
    (damaged / LOST_PAGE).unlink()
    second = crawl(folder, store_url, damaged, "second.json", "-s", "INCREMENTAL_ENABLED=False")
    return store_url, folder, [first, second]


def test_each_crawl_is_a_row_holding_its_report_file_and_more(crawled) -> None:
    store_url, _, files = crawled
    runs = open_store(store_url).runs()
    assert [run["id"] for run in runs] == [1, 2]
    for run, report in zip(runs, files, strict=True):
        for key, value in report.items():
            if key != "sites":
                assert run[key] == value, key
        for row, file_row in zip(run["sites"], report["sites"], strict=True):
            assert row.items() >= file_row.items()  # the file's row, plus kinds and verdict
        assert run["started_at"] < run["finished_at"] and run["duration_s"] > 0
        assert run["floors"] == {"headline": 0.9, "body": 0.9, "published": 0.6, "dateline": 0.8}
    first, second = runs
    assert first["stored"] == MIRROR_STORIES and second["stored"] == 0
    assert SAME_BODY == 14
    assert first["duplicates_by_kind"] == {"near_duplicate": 2, "same_body": SAME_BODY}
    all_row = {row["site"]: row for row in first["sites"]}["all"]
    assert all_row["duplicates_by_kind"] == first["duplicates_by_kind"]
    assert {row["site"]: row["monitor"] for row in first["sites"]}["spacewar.com"] == {
        "judged": True,
        "below_floor": [],
    }
    assert list(second["failures"]) == ["http_404"]  # the lost page, by each URL it had
    per_site = {row["site"]: row.get("failures") for row in second["sites"]}
    assert per_site["spacewar.com"] in (None, {"http_404": second["failures"]["http_404"]})
    assert second["duplicates"] == second["sites"][-1]["duplicate"] > 50
    assert [run["id"] for run in open_store(store_url).runs(site="spacewar.com")] == [1, 2]
    assert open_store(store_url).runs(site="example.org") == []
    assert open_store(store_url).runs(since="2999-01-01T00:00:00.000Z") == []


def test_report_json_shows_both_runs(crawled) -> None:
    store_url, folder, files = crawled
    result = report_command("--store", store_url, "--json", "-")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [run["id"] for run in data["runs"]] == [1, 2]
    per_day = data["articles_per_day"]
    assert sorted(per_day["sites"]) == SITES and len(per_day["days"]) == 31  # 30d: both ends
    assert sum(sum(counts) for counts in per_day["sites"].values()) == MIRROR_STORIES
    for site in SITES:
        points = data["coverage"][site]
        assert [p["runs"] for p in points] == [[1], [2]]
        assert all(0 <= p[name] <= 1 for p in points for name in ("headline", "dateline"))
    assert data["failures"]["kinds"] == ["http_404"]
    lost = files[1]["failures"]["http_404"]
    assert lost >= 1 and [p["http_404"] for p in data["failures"]["points"]] == [0, lost]
    shares = data["duplicates"]
    assert shares[0]["near_duplicate_share"] == round(2 / (MIRROR_STORIES + SAME_BODY + 2), 4)
    assert shares[1]["duplicate_share"] == 1.0
    assert data["latest_run"]["id"] == 2
    top = data["syndicated"][0]
    assert top["places"] == 3 and len(top["also_at"]) == 2
    assert {top["site"], *(p["site"] for p in top["also_at"])} == set(CLASSIC_SITES)


def test_report_of_one_site(crawled) -> None:
    store_url, folder, _ = crawled
    result = report_command("--store", store_url, "--site", "www.spacewar.com", "--json", "-")
    data = json.loads(result.stdout)
    assert data["site"] == "spacewar.com"
    assert list(data["coverage"]) == ["spacewar.com"]
    assert list(data["articles_per_day"]["sites"]) == ["spacewar.com"]
    assert [row["site"] for row in data["latest_run"]["sites"]] == ["spacewar.com"]
    assert all(
        s["site"] == "spacewar.com" or "spacewar.com" in {p["site"] for p in s["also_at"]}
        for s in data["syndicated"]
    )
    assert data["syndicated"]


def test_runs_recorded_from_report_files_are_reported(crawled, tmp_path: Path) -> None:
    """Runs of a newscrawl without the extension: their NEWSCRAWL_REPORT_FILE JSON, recorded
    through the store API, dated when recorded, judged by the project's floors."""
    _, _, files = crawled
    store_url = f"sqlite:///{tmp_path / 'files.db'}"
    store = open_store(store_url)
    assert [store.record_run(report) for report in files] == [1, 2]
    result = report_command("--store", store_url, "--json", "-")
    data = json.loads(result.stdout)
    assert [run["id"] for run in data["runs"]] == [1, 2]
    assert [p["runs"] for p in data["coverage"]["terradaily.com"]] == [[1], [2]]
    assert data["coverage"]["terradaily.com"][0]["floors"]["published"] == 0.6
    assert [p["near_duplicate_share"] for p in data["duplicates"]] == [None, None]


def test_report_page_in_a_real_browser(crawled, tmp_path: Path) -> None:
    """The page renders with no console message, every chart holds its data points, links
    from hostile records are inert; a screenshot is written."""
    paths = chromium_paths()
    if paths is None:
        pytest.skip("chromium and chromedriver not installed (.ci/run installs them)")
    store_url, folder, _ = crawled
    store = open_store(store_url)
    hostile = {
        "url": "https://spacewar.com/x/hostile.html", "site": "spacewar.com",
        "fingerprint": "hostile", "headline": '<script>alert("x")</script><img src=x>',
        "body": "B", "fetched_at": "2026-01-01T00:00:00+00:00",
    }  # fmt: skip
    if store.url_known(hostile["url"]) is None:
        store.add_article(hostile)
        store.add_alias("javascript:alert(1)", hostile["url"], "spacewar.com", "same_body", None)
        store.add_alias("https://spacedaily.com/a.html", hostile["url"], "spacedaily.com",
                        "same_body", None)  # fmt: skip
        store.add_alias("https://terradaily.com/a.html", hostile["url"], "terradaily.com",
                        "same_body", None)  # fmt: skip
        store.close()
    page, data_file = tmp_path / "report.html", tmp_path / "report.json"
    result = report_command("--store", store_url, "--html", str(page), "--json", str(data_file))
    assert result.returncode == 0, result.stderr
    data = json.loads(data_file.read_text("utf-8"))
    assert "<script>alert" not in page.read_text("utf-8")
    with chromium(paths) as browser:
        browser.get(page.as_uri())
        assert browser.title == "newscrawl report"
        count = "return document.querySelectorAll(arguments[0]).length"
        points = "return document.getElementById(arguments[0]).querySelectorAll('use').length"
        ids = "return [...document.querySelectorAll('[id]')].map(e => e.id)"
        assert browser.execute_script(count, "figure.chart svg") == 4
        for site, day_counts in data["articles_per_day"]["sites"].items():
            for day in data["articles_per_day"]["days"]:
                assert browser.execute_script(count, f'[id="articles:{site}:{day}"]') == 1
            assert any(day_counts)
        for site, site_points in data["coverage"].items():
            for name in ("headline", "body", "published", "dateline"):
                assert browser.execute_script(points, f"coverage:{site}:{name}") == len(site_points)
                assert browser.execute_script(count, f'[id="floor:{site}:{name}"]') == 1
        for kind in data["failures"]["kinds"]:
            assert browser.execute_script(points, f"failures:{kind}") == len(
                data["failures"]["points"]
            )
        for key in ("duplicate_share", "near_duplicate_share"):
            assert browser.execute_script(points, f"duplicates:{key}") == 2
        every_id = browser.execute_script(ids)
        assert len(every_id) == len(set(every_id)), "ids unique across the inlined charts"
        rows = browser.execute_script(count, "#latest-run-table tbody tr")
        assert rows == len(data["latest_run"]["sites"]) == len(SITES) + 1  # and "all"
        links = browser.execute_script(
            "return [...document.querySelectorAll('#syndicated a')].map(a => a.href)"
        )
        assert links and all(link.startswith("https://") for link in links)
        headline = browser.execute_script(
            "return [...document.querySelectorAll('#syndicated td')].map(t => t.textContent)"
        )
        assert '<script>alert("x")</script><img src=x>' in headline  # shown, not run
        assert browser.get_log("browser") == []  # no error, no CSP violation, nothing fetched
        shot = tmp_path / "report.png"
        full_page_screenshot(browser, shot)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000


def test_report_command_errors_are_one_line(tmp_path: Path) -> None:
    store_url = f"sqlite:///{tmp_path / 's.db'}"
    nothing = report_command("--store", store_url)
    assert nothing.returncode != 0 and "give --html FILE and/or --json FILE" in nothing.stderr
    bad = report_command("--store", store_url, "--json", "-", "--since", "someday")
    assert bad.returncode != 0 and "give a date" in bad.stderr and "Traceback" not in bad.stderr
    # A reading command never creates the store (issue 13): a missing one is one line.
    missing = report_command("--store", store_url, "--html", str(tmp_path / "r.html"))
    assert missing.returncode == 1 and "no such store" in missing.stderr
    assert not (tmp_path / "s.db").exists() and not (tmp_path / "r.html").exists()
    open_store(store_url).close()  # the crawl's path creates it, empty
    empty = report_command("--store", store_url, "--html", str(tmp_path / "r.html"))
    assert empty.returncode == 0, empty.stderr
    assert "No run recorded." in (tmp_path / "r.html").read_text("utf-8")


def test_bench_store_is_reported(tmp_path: Path) -> None:
    """``python -m bench.report_cost``'s synthetic store at a small size: what it builds is
    what the report reads (no timing asserted)."""
    from bench import report_cost

    path = tmp_path / "bench.db"
    report_cost.build(path, records=300, days=3, runs_per_day=24, sites=3)
    store = open_store(f"sqlite:///{path}")
    runs = store.runs()
    assert 71 <= len(runs) <= 73 and runs[0]["floors"] == report_cost.FLOORS
    assert sum(count for *_, count in store.daily_counts()) == 300
    top = store.most_syndicated(5)
    assert len(top) == 5 and all(len(r["also_at"]) == 2 for r in top)
    data_s, page_s, shown, size = report_cost.in_process(path, None, None)
    assert shown == len(runs) and size > 10_000
