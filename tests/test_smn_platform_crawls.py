"""Real ``smn`` crawls of the offline mirror through the recording proxy, on both of the
network's platforms: every story once, the wire story one record across platforms, the
classic URLs of the moved site followed, a site answering only one platform's entry points,
incremental and ``max_age`` runs, per-site coverage floors, redirects kept within the
spider's sites. The profile's parts alone are in ``tests/test_smn_platforms.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from conftest import MIRROR, MIRROR_STORIES, scrapy_command

from newscrawl.downloadermiddlewares.mirror import mirror_redirect
from newscrawl.profiles.smn import SMN
from newscrawl.urls import canonicalize_url
from tests.support.platform2026 import BASE, CLASSIC_COPY, POSTS, WIRE_URL
from tests.support.servers import RecordingProxy

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"]  # fmt: skip


def crawl(folder: Path, mirror: Path, *extra: str, spider: str = "smn"):
    """One crawl through the recording proxy: (result, URLs requested, report)."""
    with RecordingProxy(mirror) as proxy:
        env = {"http_proxy": proxy.url, "https_proxy": proxy.url}
        result = scrapy_command(
            "crawl", spider, "-s", f"STORE_URL=sqlite:///{folder / 'store.db'}",
            "-s", f"NEWSCRAWL_REPORT_FILE={folder / 'report.json'}",
            "-O", str(folder / "feed.jsonl"), *FAST, *extra, env=env,
        )  # fmt: skip
    if result.returncode == 0:  # a failed monitor's log holds its assertion's traceback
        assert "Traceback" not in result.stderr, result.stderr[-3000:]
    report = json.loads((folder / "report.json").read_text("utf-8"))
    return result, list(proxy.requests), report


def feed_of(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "feed.jsonl").read_text("utf-8").splitlines()]


def pages_fetched(mirror: Path, requests: list[str]) -> list[str]:
    """Requested article URLs the mirror answered with a page (not a redirect)."""
    return [
        url for url in requests
        if SMN.is_article_url(url) and mirror_redirect(mirror, url) is None
    ]  # fmt: skip


@pytest.fixture(scope="module")
def network_crawl(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("network")
    result, requests, report = crawl(folder, MIRROR)
    assert result.returncode == 0, result.stderr[-3000:]
    return folder, result, requests, report


def test_every_story_of_both_platforms_is_stored_once(network_crawl) -> None:
    folder, _, _, report = network_crawl
    feed = feed_of(folder)
    assert len(feed) == len({line["fingerprint"] for line in feed}) == MIRROR_STORIES
    mars = {line["url"] for line in feed if line["site"] == "marsdaily.com"}
    assert mars | {WIRE_URL} == set(POSTS)
    assert report["ok"] and report["failures"] == {}  # the 2026 probes' 404s are answers
    assert report["stored"] == MIRROR_STORIES


def test_the_wire_story_is_one_record_across_platforms(network_crawl) -> None:
    folder, _, _, _ = network_crawl
    copies = {WIRE_URL, canonicalize_url(CLASSIC_COPY)}
    db = sqlite3.connect(folder / "store.db")
    (stored,) = [url for (url,) in db.execute("SELECT url FROM articles") if url in copies]
    aliases = db.execute("SELECT alias, url, reason FROM aliases WHERE url = ?", (stored,))
    assert list(aliases) == [(*(copies - {stored}), stored, "same_body")]  # an exact copy


def test_discovery_reads_each_platforms_entry_points(network_crawl) -> None:
    _, _, requests, _ = network_crawl
    asked = Counter(requests)
    for url in (f"{BASE}/", f"{BASE}/page/2/", f"{BASE}/page/3/", f"{BASE}/feed/",
                f"{BASE}/category/news/", f"{BASE}/category/news/page/2/",
                f"{BASE}/category/science/", f"{BASE}/category/science/page/2/",
                f"{BASE}/category/news/feed/", f"{BASE}/category/science/feed/",
                f"{BASE}/sitemap_index.xml", f"{BASE}/post-sitemap.xml", f"{BASE}/wp-sitemap.xml",
                f"{BASE}/wp-sitemap-posts-post-1.xml", "https://www.spacedaily.com/Science.html",
                "https://www.spacedaily.com/spacedaily.xml",
                "https://www.spacedaily.com/sitemap_index.xml"):  # fmt: skip
        assert asked[url] >= 1, url
    listings = [u for u in asked if u.endswith(".xml") or "/feed/" in u or "/page/" in u]
    assert all(asked[u] == 1 for u in listings), [u for u in listings if asked[u] > 1]
    assert not [u for u in asked if "taxonomies" in u or "author-sitemap" in u]
    # the classic sites were asked for the 2026 platform too, and answered 404
    assert {"https://spacedaily.com/feed/", "https://spacewar.com/category/news/"} <= set(asked)


def test_classic_urls_of_a_moved_site_are_followed_to_its_new_pages(network_crawl) -> None:
    folder, _, requests, _ = network_crawl
    moved = [p for p in POSTS.values() if p.get("classic_path")]
    assert moved
    for post in moved:  # linked from the home page's "From the archive" box
        assert f"https://www.marsdaily.com{post['classic_path']}" in requests
    for entry in ("Mars_News.html", "Mars_Science.html", "marsdaily.xml"):
        assert f"https://www.marsdaily.com/{entry}" in requests
    urls = {line["url"] for line in feed_of(folder)}
    assert not [u for u in urls if "marsdaily.com/reports/" in u or "marsdaily.com/afp/" in u]


def test_report_says_which_platform_each_site_answered_with(network_crawl) -> None:
    _, result, _, report = network_crawl
    sites = {row["site"]: row for row in report["sites"]}
    assert set(sites["marsdaily.com"]["platforms"]) == {"2026"}
    assert sites["marsdaily.com"]["absent"] == {}  # its classic URLs answer 301
    for site in ("spacewar.com", "spacedaily.com", "terradaily.com"):
        assert set(sites[site]["platforms"]) == {"classic"}, site
        assert sites[site]["absent"] == {"2026": 3}, site  # /feed/, its category and feed
    assert "spacedaily.com does not answer the 2026 platform's entry point" in result.stderr
    assert result.stderr.count("does not answer the 2026 platform") == 3  # once per site


def strip_classic_redirects(mirror: Path) -> None:
    """MarsDaily.com forgets its classic URLs: www. still answers 301 to the bare domain,
    where the classic paths are 404."""
    (mirror / "marsdaily.com" / "_redirects").write_text("/feed /feed/ 301\n")
    (mirror / "www.marsdaily.com" / "_redirects").write_text("/* https://marsdaily.com/:splat\n")


def test_a_site_answering_only_its_new_platform(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    shutil.copytree(MIRROR, mirror)
    strip_classic_redirects(mirror)
    result, requests, report = crawl(tmp_path, mirror)
    assert result.returncode == 0, result.stderr[-3000:]
    sites = {row["site"]: row for row in report["sites"]}
    assert sites["marsdaily.com"]["absent"] == {"classic": 3}  # two sections and the feed
    assert set(sites["marsdaily.com"]["platforms"]) == {"2026"}
    # The home page's "From the archive" links are dead now: failures, unlike the probes.
    assert report["failures"] == {"http_404": 3}
    mars = {line["url"] for line in feed_of(tmp_path) if line["site"] == "marsdaily.com"}
    assert mars | {WIRE_URL} == set(POSTS)
    assert "https://marsdaily.com/Mars_News.html" in requests  # www. -> bare -> 404


def test_incremental_runs_on_both_platforms(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    shutil.copytree(MIRROR, mirror)
    first, requests, _ = crawl(tmp_path, mirror)
    assert first.returncode == 0
    assert len(feed_of(tmp_path)) == MIRROR_STORIES
    second, requests, _ = crawl(tmp_path, mirror)
    assert second.returncode == 0 and feed_of(tmp_path) == []
    assert pages_fetched(mirror, requests) == []  # no article page on either platform
    # A new post on the 2026 site: its page and an item at the top of its feed.
    url = publish_2026(mirror)
    third, requests, _ = crawl(tmp_path, mirror)
    assert third.returncode == 0
    assert [canonicalize_url(u) for u in pages_fetched(mirror, requests)] == [url]
    assert [line["url"] for line in feed_of(tmp_path)] == [url]


def test_max_age_on_both_platforms(tmp_path: Path, stories) -> None:
    cutoff = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    hours = int((dt.datetime.now(dt.UTC) - cutoff).total_seconds() // 3600)
    result, requests, _ = crawl(
        tmp_path, MIRROR, "-a", "discover=feeds,sitemaps", "-a", f"max_age={hours}h"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    fetched = {canonicalize_url(u) for u in pages_fetched(MIRROR, requests)}
    recent = {url for url, post in POSTS.items() if post["published"] >= cutoff}
    assert WIRE_URL not in recent and recent
    assert {u for u in fetched if u.startswith(BASE)} == recent
    classic_old = [
        canonicalize_url(f"https://{p['site']}{p['path']}")
        for s in stories
        if dt.datetime.fromisoformat(s["published"]).replace(tzinfo=dt.UTC) < cutoff
        for p in s["placements"]
    ]
    assert classic_old and not fetched & set(classic_old)


def test_each_site_is_judged_by_its_own_floors(tmp_path: Path) -> None:
    # MarsDaily.com prints a dateline on 10 of its 11 stories (91%).
    strict = json.dumps({"marsdaily.com": {"dateline": 0.95}})
    result, _, report = crawl(tmp_path, MIRROR, "-s", f"NEWSCRAWL_SITE_COVERAGE_FLOORS={strict}")
    assert result.returncode == 3, result.stderr[-3000:]
    (failure,) = report["monitors"]["failed"]
    assert "marsdaily.com dateline 91% < 95%" in failure and "spacedaily.com" not in failure
    # The other way round: a common floor MarsDaily.com misses, and its own lower one.
    common = json.dumps({"headline": 0.9, "body": 0.9, "published": 0.6, "dateline": 0.95})
    lenient = json.dumps({"marsdaily.com": {"dateline": 0.9}})
    for own, status in (("{}", 3), (lenient, 0)):
        folder = tmp_path / f"run-{status}"
        folder.mkdir()
        result, _, report = crawl(folder, MIRROR, "-s", f"NEWSCRAWL_COVERAGE_FLOORS={common}",
                                  "-s", f"NEWSCRAWL_SITE_COVERAGE_FLOORS={own}")  # fmt: skip
        assert result.returncode == status, result.stderr[-3000:]
        assert report["monitors"]["passed"] is (status == 0)


def test_redirects_stay_within_the_spiders_sites(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    shutil.copytree(MIRROR, mirror)
    (mirror / "www.spacedaily.com" / "_redirects").write_text(
        "/Science.html https://marsdaily.com/category/science/ 301\n"
    )
    result, requests, report = crawl(tmp_path, mirror, "-a", "sections=science",
                                     spider="spacedaily")  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert not [u for u in requests if "marsdaily.com" in u]
    assert report["refused"].get("offsite", 0) >= 1
    assert {u.split("/")[2] for u in requests} <= {"www.spacedaily.com", "spacedaily.com"}


NEW_POST = {
    "slug": "ground-team-rehearses-night-landing-with-scale-model-999",
    "headline": "Ground team rehearses night landing with a scale model",
    "paragraphs": [
        "Houston TX (SPX) Nov 30, 2026 - A ground team rehearsed a night-time landing on "
        "Mars with a one-fifth scale model suspended from a crane, lighting the test bed "
        "only with the lamps the real lander would carry.",
        "Engineers said the run showed the cameras could still pick out boulders in the "
        "shadows, though the model drifted further than planned during its final seconds.",
    ],
}


def publish_2026(mirror: Path) -> str:
    """A new post on the 2026 site of ``mirror``: its page and the newest item of /feed/."""
    url = f"{BASE}/{NEW_POST['slug']}/"
    page = mirror / "marsdaily.com" / NEW_POST["slug"] / "index.html"
    page.parent.mkdir()
    ld = {"@context": "https://schema.org", "@type": "NewsArticle",
          "headline": NEW_POST["headline"],
          "datePublished": "2026-11-30T08:00:00+10:00"}  # fmt: skip
    body = "".join(f"<p>{p}</p>\n" for p in NEW_POST["paragraphs"])
    page.write_text(
        f'<!DOCTYPE html><html lang="en-US"><head><title>{NEW_POST["headline"]} - '
        f'MarsDaily.com</title><link rel="canonical" href="{url}">'
        f'<script type="application/ld+json">{json.dumps(ld)}</script></head><body>'
        f'<article><h1 class="entry-title">{NEW_POST["headline"]}</h1>'
        f'<div class="entry-content">\n{body}</div></article></body></html>',
        encoding="utf-8",
    )
    feed = mirror / "marsdaily.com" / "feed" / "index.xml"
    item = (f"<item><title>{NEW_POST['headline']}</title><link>{url}</link>"
            "<pubDate>Sun, 29 Nov 2026 22:00:00 +0000</pubDate></item>\n")  # fmt: skip
    marker = "<sy:updateFrequency>1</sy:updateFrequency>\n"
    text = feed.read_text(encoding="utf-8")
    feed.write_text(text.replace(marker, marker + item, 1), encoding="utf-8")
    return url
