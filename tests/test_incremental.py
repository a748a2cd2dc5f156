"""Scheduled, incremental runs over the mirror, through the recording proxy.

The acceptance scenario: run 1 stores every story; run 2 with no change requests no article
page and stores nothing; after a new story is published (its page, a section page row, feed
items and sitemap entries, in a copy of the mirror), run 3 requests exactly that article and
stores it; ``export --new`` after each run yields N, 0 and 1 lines (N: the mirror's stories).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import MIRROR, MIRROR_STORIES, PLATFORM2026, ROOT, scrapy_command

from newscrawl.downloadermiddlewares.mirror import mirror_redirect
from newscrawl.profiles.smn import SMN
from newscrawl.urls import canonicalize_url
from tests.support.servers import RecordingProxy

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"]  # fmt: skip
LISTING_SUFFIXES = (".xml", "robots.txt")


def load_builder():
    spec = importlib.util.spec_from_file_location("build_mirror", ROOT / "fixtures/build_mirror.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def crawl(folder: Path, mirror: Path, *extra: str, spider: str = "smn"):
    """One crawl into ``folder/store.db``; returns (result, URLs requested)."""
    with RecordingProxy(mirror) as proxy:
        env = {"http_proxy": proxy.url, "https_proxy": proxy.url}
        result = scrapy_command(
            "crawl", spider, "-s", f"STORE_URL=sqlite:///{folder / 'store.db'}",
            "-O", str(folder / "feed.jsonl"), *FAST, *extra, env=env,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return result, list(proxy.requests)


def export_new(folder: Path, name: str, cursor: str = "downstream") -> list[dict]:
    out = folder / name
    result = subprocess.run(
        [sys.executable, "-m", "newscrawl.cli", "export", "--store",
         f"sqlite:///{folder / 'store.db'}", "--new", "--cursor", cursor, "-o", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in out.read_text("utf-8").splitlines()]


def articles(requests: list[str]) -> list[str]:
    """Article pages requested: article URLs the mirror answers with a page (the classic
    URLs of the 2026-platform site answer 301 to their new pages)."""
    return [u for u in requests if SMN.is_article_url(u) and mirror_redirect(MIRROR, u) is None]


CLASSIC_HOSTS = ("www.spacewar.com", "www.spacedaily.com", "www.terradaily.com")


# Section pages of the classic sites, pagination included: /<Section_Name>[_N].html.
SECTION_PAGES = sum(len(list((MIRROR / host).glob("[A-Z]*.html"))) for host in CLASSIC_HOSTS)


def on_classic_sites(requests: list[str]) -> list[str]:
    return [u for u in requests if u.split("/")[2] in CLASSIC_HOSTS]


def feed_lines(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "feed.jsonl").read_text("utf-8").splitlines()]


def stored_count(folder: Path) -> int:
    return (
        sqlite3.connect(folder / "store.db").execute("SELECT count(*) FROM articles").fetchone()[0]
    )


NEW_STORY = {
    "id": "tracking-dish-ascension",
    "kicker": "MILITARY SPACE",
    "headline": "Tracking station adds a second dish to follow crowded orbits",
    "dateline": "Ascension Island (SPX) Nov 25, 2026",
    "byline": "by Staff Writers",
    "published": "2026-11-25T08:00:00+00:00",
    "copyright": "SPX",
    "image": None,
    "paragraphs": [
        "A satellite tracking station in the South Atlantic has switched on a second dish, "
        "letting operators follow twice as many objects on each pass, the station said.",
        "The new antenna was assembled on site over the southern winter and passed its "
        "acceptance checks last week, engineers told a briefing held by video link.",
        "Operators said the extra capacity was needed as launches keep adding satellites "
        "to low orbits faster than ground networks have been growing.",
    ],
}
NEW_PLACEMENT = {
    "site": "www.spacewar.com",
    "section": "military-space",
    "path": "/reports/Tracking_station_adds_a_second_dish_to_follow_crowded_orbits_999.html",
}


@pytest.fixture(scope="module")
def scheduled_runs(tmp_path_factory: pytest.TempPathFactory, stories):
    folder = tmp_path_factory.mktemp("scheduled")
    mirror = folder / "mirror"
    shutil.copytree(MIRROR, mirror)
    runs = []
    for number in (1, 2, 3):
        if number == 3:
            load_builder().publish(mirror, NEW_STORY, NEW_PLACEMENT, stories)
        result, requests = crawl(folder, mirror)
        runs.append(
            {
                "requests": requests,
                "feed": feed_lines(folder),
                "stored": stored_count(folder),
                "export": export_new(folder, f"new-{number}.jsonl"),
                "log": result.stderr,
            }
        )
    return runs


def test_run_1_stores_every_story(scheduled_runs, stories, syndicated) -> None:
    first = scheduled_runs[0]
    assert first["stored"] == MIRROR_STORIES
    assert len(first["feed"]) == MIRROR_STORIES
    assert len(first["export"]) == MIRROR_STORIES
    # The feed's line of a story is the first copy the crawl met; the store's record the
    # canonical one (newscrawl.canonical), with the other URLs as aliases.
    story = {url: r["url"] for r in first["export"] for url in [r["url"], *r["aliases"]]}
    assert {story[line["url"]] for line in first["feed"]} == {r["url"] for r in first["export"]}
    (wire,) = [line for line in first["export"] if line["headline"].startswith("Europe’s new")]
    assert len(wire["aliases"]) == 2  # the same wire story on the two other sister sites
    assert wire["url"] not in wire["aliases"]
    # Exact copies on the classic sites (the split story's second site among them), the
    # syndicated story's edited copies (near-duplicates), the 2026 site's copy of a
    # SpaceDaily.com wire story, and the later pages of the story over three pages on two
    # sites (parts): 13 + 2 + 1 + 4
    exact = sum(len(story["placements"]) - 1 for story in stories)
    edited = len(syndicated["placements"]) - 1
    posts = json.loads(PLATFORM2026.read_text(encoding="utf-8"))["stories"]
    wire = sum("wire_of" in post for post in posts)
    parts = sum(len(s["placements"]) * len(s.get("page_breaks", [])) for s in stories)
    aliases = sum(len(line["aliases"]) for line in first["export"])
    assert aliases == exact + edited + wire + parts == 20
    (split,) = [line for line in first["export"] if line["pages"] == 3]
    assert len(split["aliases"]) == 5  # its sister copy, and the copies' later pages


def test_each_listing_is_fetched_once_per_run(scheduled_runs) -> None:
    for run in scheduled_runs:
        classic = on_classic_sites(run["requests"])
        listings = Counter(u for u in classic if u.endswith(".xml"))
        assert len(listings) == 18  # 3 site feeds, 6 section feeds, 3 indexes, 6 sitemaps
        assert set(listings.values()) == {1}
        sections = Counter(u for u in classic if u.split("/")[-1][:1].isupper()
                           and u.endswith(".html") and "/reports/" not in u)  # fmt: skip
        # Every section page of the classic sites (the mirror's /<Section>.html files).
        assert len(sections) == SECTION_PAGES == 17 and set(sections.values()) == {1}
        # The 2026 site: 3 home pages, 2 x 2 category pages, 3 feeds, 2 sitemap indexes and
        # their 2 post sitemaps, once each.
        new = Counter(u for u in run["requests"] if u.startswith("https://marsdaily.com/")
                      and not SMN.is_article_url(u) and not u.endswith("robots.txt"))  # fmt: skip
        assert len(new) == 14 and set(new.values()) == {1}, new


def test_run_2_requests_no_article_and_stores_nothing(scheduled_runs) -> None:
    second = scheduled_runs[1]
    assert articles(second["requests"]) == []
    assert second["feed"] == []
    assert second["stored"] == MIRROR_STORIES
    assert second["export"] == []
    assert "'newscrawl/incremental/skipped/known_article'" in second["log"]


def test_run_3_requests_exactly_the_new_article(scheduled_runs) -> None:
    third = scheduled_runs[2]
    new_url = f"https://{NEW_PLACEMENT['site']}{NEW_PLACEMENT['path']}"
    # Exactly one request, in whichever spelling (feed: http://, section page: https://).
    assert [canonicalize_url(u) for u in articles(third["requests"])] == [canonicalize_url(new_url)]
    assert [line["headline"] for line in third["feed"]] == [NEW_STORY["headline"]]
    assert third["stored"] == MIRROR_STORIES + 1
    assert [line["headline"] for line in third["export"]] == [NEW_STORY["headline"]]


@pytest.mark.parametrize("source", ["feeds", "sitemaps"])
def test_each_discovery_source_alone_finds_every_story(tmp_path: Path, source: str) -> None:
    _, requests = crawl(tmp_path, MIRROR, "-a", f"discover={source}")
    assert not [u for u in requests if u.endswith(("Missile_Defense.html", "Science.html"))]
    assert stored_count(tmp_path) == MIRROR_STORIES


def test_max_age_keeps_only_recent_listing_entries(tmp_path: Path, stories, syndicated) -> None:
    cutoff = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    hours = int((dt.datetime.now(dt.UTC) - cutoff).total_seconds() // 3600)
    result, requests = crawl(tmp_path, MIRROR, "-a", "discover=feeds,sitemaps", "-a",
                        f"max_age={hours}h")  # fmt: skip
    recent = {
        f"https://{p['site']}{p['path']}"
        for s in [*stories, syndicated]
        if dt.datetime.fromisoformat(s["published"]).replace(tzinfo=dt.UTC) >= cutoff
        for p in s["placements"]
    }
    assert len(recent) == 10  # 7 placements of stories.json, the 3 of the syndicated story
    # Entries without a date are kept: the three broken pages have no lastmod.
    undated = {
        "https://www.spacedaily.com/reports/Draft_without_a_title_999.html",
        "https://www.terradaily.com/reports/Briefing_page_held_for_an_update_999.html",
        "https://www.spacewar.com/reports/Launch_manifest_chart_999.pdf",
    }
    fetched = {u.replace("http://", "https://") for u in on_classic_sites(articles(requests))}
    assert fetched == recent | undated  # the 2026 site: tests/test_smn_platforms.py
    assert "'newscrawl/discovery/too_old'" in result.stderr


def test_refetch_policy_newer_revises_a_corrected_story(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    shutil.copytree(MIRROR, mirror)
    crawl(tmp_path, mirror)
    assert len(export_new(tmp_path, "a.jsonl")) == MIRROR_STORIES
    # The site corrects one story and its sitemap says so with a new lastmod.
    site = mirror / "www.spacewar.com"
    page = site / "reports/Britain_orders_new_military_communications_satellite_999.html"
    page.write_text(page.read_text("utf-8").replace("<p>", "<p>Corrected: ", 1), "utf-8")
    url = "https://www.spacewar.com/reports/Britain_orders_new_military_communications_satellite_999.html"
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    sitemap = site / "sitemap-articles.xml"
    text = sitemap.read_text("utf-8")
    start = text.index(f"<loc>{url}</loc>") + len(f"<loc>{url}</loc>")
    end = text.index("</url>", start)
    sitemap.write_text(text[:start] + f"<lastmod>{now}</lastmod>" + text[end:], "utf-8")

    _, requests = crawl(tmp_path, mirror)  # default policy: never
    assert articles(requests) == []
    result, requests = crawl(tmp_path, mirror, "-s", "INCREMENTAL_REFETCH=newer")
    assert articles(requests) == [url]
    assert "'newscrawl/revised': 1" in result.stderr
    assert stored_count(tmp_path) == MIRROR_STORIES
    (revised,) = export_new(tmp_path, "b.jsonl")
    assert revised["url"] == url.replace("www.", "")
    assert revised["body"].startswith("Corrected: ")
