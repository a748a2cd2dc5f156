"""End to end: real crawls of the mirror over HTTP(S), through a recording proxy on 127.0.0.1.

The mirror's pages carry absolute ``https://www.<site>/`` links and links to ad and agency
hosts. The crawler subprocess runs with ``http_proxy``/``https_proxy`` set to the recording
proxy, so every request, wherever it points, ends on loopback and is recorded.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import MIRROR, ROOT, scrapy_command
from servers import RecordingProxy

from newscrawl.items import ARTICLE_FIELDS
from newscrawl.urls import canonicalize_url

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"]  # fmt: skip
EXPECTED_REJECTIONS = {
    ("https://spacedaily.com/reports/Draft_without_a_title_999.html", "missing_headline"),
    ("https://terradaily.com/reports/Briefing_page_held_for_an_update_999.html", "missing_body"),
    ("https://spacewar.com/reports/Launch_manifest_chart_999.pdf", "not_html"),
}


def crawl(spider: str, folder: Path, proxy: RecordingProxy, *extra: str):
    env = {"http_proxy": proxy.url, "https_proxy": proxy.url}
    return scrapy_command(
        "crawl", spider, "-s", f"STORE_URL=sqlite:///{folder / 'store.db'}",
        "-O", str(folder / "feed.jsonl"), *FAST, *extra, env=env,
    )  # fmt: skip


def read_feed(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


@pytest.fixture(scope="module")
def first_crawl(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("crawl")
    with RecordingProxy(MIRROR) as proxy:
        result = crawl("smn", folder, proxy)
        return folder, result, list(proxy.requests), set(proxy.user_agents)


def test_crawl_succeeds(first_crawl) -> None:
    _, result, _, _ = first_crawl
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr


def test_feed_holds_each_story_once_with_every_field(first_crawl, stories) -> None:
    folder, _, _, _ = first_crawl
    feed = read_feed(folder / "feed.jsonl")
    assert len(feed) == len(stories) == 40
    assert all(tuple(line) == ARTICLE_FIELDS for line in feed)
    assert len({line["url"] for line in feed}) == len(feed)
    assert len({line["fingerprint"] for line in feed}) == len(feed)
    assert {line["headline"] for line in feed} == {s["headline"] for s in stories}


def test_store_holds_articles_aliases_and_rejections(first_crawl, stories) -> None:
    folder, _, _, _ = first_crawl
    db = sqlite3.connect(folder / "store.db")
    stored = dict(db.execute("SELECT headline, url FROM articles"))
    aliases = db.execute("SELECT alias, url FROM aliases").fetchall()
    assert set(stored) == {s["headline"] for s in stories}
    for story in stories:
        placements = {
            canonicalize_url(f"https://{p['site']}{p['path']}") for p in story["placements"]
        }
        canonical = stored[story["headline"]]
        assert canonical in placements
        assert {a for a, url in aliases if url == canonical} == placements - {canonical}
    assert len(aliases) == sum(len(s["placements"]) - 1 for s in stories) == 12
    assert set(db.execute("SELECT url, reason FROM rejections")) == EXPECTED_REJECTIONS
    feed = {line["url"]: line for line in read_feed(folder / "feed.jsonl")}
    for (record,) in db.execute("SELECT record FROM articles"):
        record = json.loads(record)
        assert feed[record["url"]] == record


def test_crawl_requests_only_the_network_sites(first_crawl) -> None:
    _, _, requests, user_agents = first_crawl
    hosts = {url.split("/")[2] for url in requests}
    assert hosts <= {"www.spacewar.com", "www.spacedaily.com", "www.terradaily.com",
                     "spacedaily.com"}  # fmt: skip
    assert not [u for u in requests if "/sponsors/" in u or u.endswith((".jpg", ".gif"))]
    assert any(u.endswith("/robots.txt") for u in requests)
    article_fetches = [u for u in requests if "/reports/" in u or "/afp/" in u]
    assert len(article_fetches) == len(set(article_fetches))
    assert user_agents == {"newscrawl/0.1 (news archiving crawler; Scrapy)"}


def test_second_run_on_the_same_store_adds_nothing(first_crawl, tmp_path: Path) -> None:
    folder, _, _, _ = first_crawl
    (tmp_path / "store.db").write_bytes((folder / "store.db").read_bytes())
    with RecordingProxy(MIRROR) as proxy:
        result = crawl("smn", tmp_path, proxy)
    assert result.returncode == 0
    assert read_feed(tmp_path / "feed.jsonl") == []
    # Incremental: listings are fetched again, no article page is (tests/test_incremental.py).
    assert [u for u in proxy.requests if "/reports/" in u or "/afp/" in u] == []
    assert any(u.endswith("Military_Space.html") for u in proxy.requests)
    db = sqlite3.connect(tmp_path / "store.db")
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 40


def test_site_spider_stays_on_its_site(tmp_path: Path, stories) -> None:
    with RecordingProxy(MIRROR) as proxy:
        result = crawl("terradaily", tmp_path, proxy)
    assert result.returncode == 0, result.stderr[-2000:]
    hosts = {url.split("/")[2] for url in proxy.requests}
    assert hosts == {"www.terradaily.com"}
    feed = read_feed(tmp_path / "feed.jsonl")
    on_site = [
        s for s in stories if any(p["site"] == "www.terradaily.com" for p in s["placements"])
    ]
    assert {line["headline"] for line in feed} == {s["headline"] for s in on_site}
    assert {line["site"] for line in feed} == {"terradaily.com"}


def test_offline_mirror_command_gives_the_same_feed(first_crawl, tmp_path: Path) -> None:
    """README command 1's crawl, run in a scratch folder through ``MIRROR_DIR``."""
    result = scrapy_command(
        "crawl", "smn", "-s", f"MIRROR_DIR={MIRROR}", "-O", "articles.jsonl",
        env={"SCRAPY_SETTINGS_MODULE": "newscrawl.settings", "PYTHONPATH": str(ROOT)},
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "newscrawl.db").exists(), "the default store is under the working folder"
    offline = read_feed(tmp_path / "articles.jsonl")
    online = read_feed(first_crawl[0] / "feed.jsonl")
    assert sorted(line["fingerprint"] for line in offline) == sorted(
        line["fingerprint"] for line in online
    )
