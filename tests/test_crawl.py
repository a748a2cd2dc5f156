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
from conftest import MIRROR, MIRROR_STORIES, ROOT, scrapy_command

from newscrawl.downloadermiddlewares.mirror import mirror_redirect
from newscrawl.items import ARTICLE_FIELDS
from newscrawl.urls import canonicalize_url, site_of
from tests.support.servers import RecordingProxy

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


def fingerprints(db: sqlite3.Connection, alias: str) -> set[str]:
    return {fp for (fp,) in db.execute("SELECT fingerprint FROM aliases WHERE alias = ?", (alias,))}


def read_feed(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def platform_posts() -> dict[str, dict]:
    """Canonical URL -> post of MarsDaily.com, the mirror's site on the 2026 platform."""
    from fixtures import build_platform2026

    site = build_platform2026.load()
    return {f"{site['base']}/{post['slug']}/": post for post in site["posts"]}


def places_of(story: dict) -> set[str]:
    """Canonical URLs of a stories.json story: its classic placements, and the 2026 site's
    copy of the one wire story that site carries too (an exact copy, dateline lifted)."""
    places = {canonicalize_url(f"https://{p['site']}{p['path']}") for p in story["placements"]}
    return places | {u for u, p in platform_posts().items() if p.get("wire_of") == story["id"]}


def copies_of(syndicated: dict) -> dict[str, str]:
    """Canonical URL -> headline of each sister site's copy of the syndicated story."""
    return {
        canonicalize_url(f"https://{p['site']}{p['path']}"): p.get(
            "headline", syndicated["headline"]
        )
        for p in syndicated["placements"]
    }


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


def test_feed_holds_each_story_once_with_every_field(first_crawl, stories, syndicated) -> None:
    folder, _, _, _ = first_crawl
    feed = read_feed(folder / "feed.jsonl")
    # The classic sites' stories and the 2026 site's own (tests/conftest.py derives it).
    assert len(feed) == MIRROR_STORIES
    assert all(tuple(line) == ARTICLE_FIELDS for line in feed)
    assert len({line["url"] for line in feed}) == len(feed)
    assert len({line["fingerprint"] for line in feed}) == len(feed)
    copies = copies_of(syndicated)
    (first_copy,) = [line for line in feed if line["url"] in copies]
    posts = {p["headline"] for p in platform_posts().values()}
    assert {line["headline"] for line in feed} == {s["headline"] for s in stories} | {
        copies[first_copy["url"]]
    } | posts
    assert all(line["also_at"] == [] for line in feed), "a line is written when first seen"


def test_store_holds_articles_aliases_and_rejections(first_crawl, stories, syndicated) -> None:
    folder, _, _, _ = first_crawl
    db = sqlite3.connect(folder / "store.db")
    stored = dict(db.execute("SELECT headline, url FROM articles"))
    every_alias = db.execute("SELECT alias, url, reason FROM aliases").fetchall()
    aliases = [alias for alias in every_alias if alias[2] != "part"]  # other places
    assert len(stored) == MIRROR_STORIES
    for story in stories:
        placements = places_of(story)
        canonical = stored[story["headline"]]
        assert canonical in placements
        assert {a for a, url, _ in aliases if url == canonical} == placements - {canonical}
        # A story over several pages: every copy's later pages are parts of the story.
        parts = {
            page.replace(".html", f"_{n}.html")
            for page in placements
            for n in range(2, 2 + len(story.get("page_breaks", [])))
        }  # (the split story is classic only: no 2026 copy of it)
        assert {a for a, url, why in every_alias if why == "part" and url == canonical} == parts
    exact = [alias for alias in aliases if alias[2] == "same_body"]
    # Every place of a story but its stored one is an exact copy: the classic sites'
    # (the split story's second site among them) and the 2026 site's copy of the wire story.
    assert len(exact) == sum(len(places_of(s)) - 1 for s in stories) == 14
    edited = len(syndicated["placements"]) - 1  # the syndicated story's other copies
    assert len(aliases) == len(exact) + edited == 16
    split = sum(len(s["placements"]) * len(s.get("page_breaks", [])) for s in stories)
    assert len(every_alias) == len(aliases) + split, "and the later pages of each split copy"
    assert set(db.execute("SELECT url, reason FROM rejections")) == EXPECTED_REJECTIONS
    feed = {line["url"]: line for line in read_feed(folder / "feed.jsonl")}
    sites = {alias: site for alias, site in db.execute("SELECT alias, site FROM aliases")}
    assert all(sites[alias] == site_of(alias) for alias, _, _ in every_alias)
    for (record,) in db.execute("SELECT record FROM articles"):
        record = json.loads(record)
        places = [place["url"] for place in record["also_at"]]
        assert places == sorted(a for a, url, _ in aliases if url == record["url"])
        assert all(place["site"] == sites[place["url"]] for place in record["also_at"])
        assert all(place["fetched_at"] for place in record["also_at"])
        assert tuple(record) == ARTICLE_FIELDS
        # The feed's line is the first copy the crawl met; when a better copy came later
        # (newscrawl.canonical), the store's record is that one, and the line's URL is one
        # of its places.
        (line,) = [feed[url] for url in [record["url"], *places] if url in feed]
        if line["url"] == record["url"]:
            assert line == {**record, "also_at": []}
        else:
            assert line["fingerprint"] in {record["fingerprint"], *fingerprints(db, line["url"])}


def test_syndicated_story_is_stored_once_with_two_also_at(first_crawl, syndicated) -> None:
    """One story on three sister sites, each copy edited: one record, two other places."""
    folder, _, _, _ = first_crawl
    copies = copies_of(syndicated)
    db = sqlite3.connect(folder / "store.db")
    rows = [
        json.loads(record)
        for (url, record) in db.execute("SELECT url, record FROM articles")
        if url in copies
    ]
    assert len(rows) == 1
    (record,) = rows
    assert record["headline"] == copies[record["url"]]
    assert len(record["also_at"]) == 2
    assert {place["url"] for place in record["also_at"]} == set(copies) - {record["url"]}
    sites = {place["site"] for place in record["also_at"]} | {record["site"]}
    assert sites == {"spacedaily.com", "spacewar.com", "terradaily.com"}
    aliases = dict(db.execute("SELECT alias, reason FROM aliases"))
    assert {aliases[place["url"]] for place in record["also_at"]} == {"near_duplicate"}


def test_crawl_requests_only_the_network_sites(first_crawl) -> None:
    _, _, requests, user_agents = first_crawl
    hosts = {url.split("/")[2] for url in requests}
    sites = ("spacewar.com", "spacedaily.com", "terradaily.com", "marsdaily.com")
    assert hosts == {f"www.{site}" for site in sites} | set(sites)  # both platforms' hosts
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
    # Incremental: listings are fetched again, no article page is (tests/test_incremental.py);
    # the classic links of the 2026 site answer 301 to pages known already.
    fetched = [u for u in proxy.requests if "/reports/" in u or "/afp/" in u]
    assert [u for u in fetched if mirror_redirect(MIRROR, u) is None] == []
    assert any(u.endswith("Military_Space.html") for u in proxy.requests)
    db = sqlite3.connect(tmp_path / "store.db")
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == MIRROR_STORIES


def test_site_spider_stays_on_its_site(tmp_path: Path, stories, syndicated) -> None:
    with RecordingProxy(MIRROR) as proxy:
        result = crawl("terradaily", tmp_path, proxy)
    assert result.returncode == 0, result.stderr[-2000:]
    hosts = {url.split("/")[2] for url in proxy.requests}
    assert hosts == {"www.terradaily.com", "terradaily.com"}  # both platforms' entry points
    feed = read_feed(tmp_path / "feed.jsonl")
    on_site = [
        s for s in stories if any(p["site"] == "www.terradaily.com" for p in s["placements"])
    ]
    terradaily_copy = {h for url, h in copies_of(syndicated).items() if "terradaily" in url}
    assert {line["headline"] for line in feed} == {s["headline"] for s in on_site} | terradaily_copy
    assert {line["site"] for line in feed} == {"terradaily.com"}


def test_a_later_crawl_recognises_an_edited_copy_stored_before(tmp_path: Path, syndicated) -> None:
    """The near-duplicate index lives in the store: tomorrow's crawl knows today's story."""
    copies = copies_of(syndicated)
    with RecordingProxy(MIRROR) as proxy:
        assert crawl("terradaily", tmp_path, proxy).returncode == 0
        (today,) = [line for line in read_feed(tmp_path / "feed.jsonl") if line["url"] in copies]
        result = crawl("spacewar", tmp_path, proxy)
    assert result.returncode == 0, result.stderr[-2000:]
    tomorrow = read_feed(tmp_path / "feed.jsonl")
    assert tomorrow and not [line for line in tomorrow if line["url"] in copies]
    db = sqlite3.connect(tmp_path / "store.db")
    row = db.execute("SELECT record FROM articles WHERE url = ?", (today["url"],)).fetchone()
    record = json.loads(row[0])
    (spacewar_copy,) = [url for url in copies if "spacewar" in url]
    assert [place["url"] for place in record["also_at"]] == [spacewar_copy]
    assert "near_duplicate" in result.stderr


def test_offline_mirror_command_gives_the_same_feed(
    first_crawl, tmp_path: Path, syndicated
) -> None:
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
    # Which copy of the syndicated story comes first depends on the crawl's order.
    copies = copies_of(syndicated)

    def stories_of(feed: list[dict]) -> list[str]:
        return sorted(
            "syndicated" if line["url"] in copies else line["fingerprint"] for line in feed
        )

    assert stories_of(offline) == stories_of(online)
    assert len(offline) == MIRROR_STORIES == 52  # README: "writes the mirror's 52 stories"
