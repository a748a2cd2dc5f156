"""End to end: the generic ``news`` spider on the modern-template mirror site.

``www.harbourgazette.example`` has no site profile: every record comes from page
recognition (newscrawl.discovery.pagekind) and generic extraction. Its pages link to ad hosts, a
subdomain, another port, plain http, private addresses, a robots.txt-disallowed search page,
a PDF, an about page, a privacy page and a tag archive; none may be requested or stored
except where noted. Crawls go through the recording proxy, as in test_crawl.py.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sqlite3
from pathlib import Path

import pytest
from conftest import MIRROR, ROOT, scrapy_command

from newscrawl.items import ARTICLE_FIELDS
from tests.support.servers import RecordingProxy

HOST = "www.harbourgazette.example"
START = f"https://{HOST}/"
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"]  # fmt: skip

# What a sound generic extractor must read from these pages' structured data and text:
# headline (JSON-LD/og:title, not the "| Harbour Gazette" <title>), published
# (datePublished), authors (JSON-LD: a Person, a list of two, a Person behind an @graph @id
# reference, an Organization as the only author: kept, as no person is named).
EXPECTED = {
    "Dredging of inner harbour delayed by permit review":
        ("2025-08-22T07:45:00-04:00", ["Marta Quinlan"]),
    "Ferry terminal upgrade wins state grant":
        ("2025-08-21T16:10:00-04:00", ["Devon Achterberg"]),
    "Volunteers count record number of nesting terns":
        ("2025-08-20T09:30:00-04:00", ["Priya Raman", "Tomás Ferreira"]),
    "Council approves seawall repairs after winter storm damage":
        ("2025-08-19T18:05:00-04:00", ["Marta Quinlan"]),
    "Night market returns to the old customs wharf":
        ("2025-08-15T12:00:00-04:00", ["Devon Achterberg"]),
    "School bus routes redrawn after bridge closure":
        ("2025-08-14T08:20:00-04:00", ["Priya Raman"]),
    "Federal regulators propose tighter limits on ship exhaust in ports":
        ("2025-08-22T11:02:00-04:00", ["The Associated Press"]),
    "Marine insurers raise premiums as storm claims mount":
        ("2025-08-21T06:15:00-04:00", ["Helena Marsh"]),
    "Family boatyard takes on twelve apprentices as orders grow":
        ("2025-08-18T14:40:00-04:00", ["Devon Achterberg"]),
}  # fmt: skip
# Wire leads: the dateline parser applied to the first paragraph (issue 3, item 2).
DATELINES = {
    "Federal regulators propose tighter limits on ship exhaust in ports": {
        "raw": "WASHINGTON (AP) —", "place": "WASHINGTON", "agency": "AP", "date": None,
    },
    "Marine insurers raise premiums as storm claims mount": {
        "raw": "LONDON, Aug 21 (Reuters) -", "place": "LONDON", "agency": "Reuters",
        "date": "2025-08-21",
    },
}  # fmt: skip
# Listed only on /local/page/2/: a crawl reading one page per listing never sees them.
PAGE_TWO_ONLY = {
    "Night market returns to the old customs wharf",
    "School bus routes redrawn after bridge closure",
}
NOT_ARTICLES = {"/about/", "/privacy-policy/", "/tag/harbour-works/"}
LISTINGS = {"/", "/local/", "/local/page/2/", "/business/"}


def written_paragraphs() -> dict[str, list[str]]:
    """The body paragraphs each article was written with (fixtures/build_modern.py)."""
    spec = importlib.util.spec_from_file_location("build_modern", ROOT / "fixtures/build_modern.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {a["headline"]: a["paragraphs"] for a in module.ARTICLES}


def crawl_news(folder: Path, *extra: str) -> tuple[object, list[str]]:
    with RecordingProxy(MIRROR) as proxy:
        result = scrapy_command(
            "crawl", "news", "-a", f"start_urls={START}",
            "-s", f"STORE_URL=sqlite:///{folder / 'store.db'}",
            "-O", str(folder / "feed.jsonl"), *FAST, *extra,
            env={"http_proxy": proxy.url, "https_proxy": proxy.url},
        )  # fmt: skip
        return result, list(proxy.requests)


def stored(folder: Path) -> dict[str, dict]:
    db = sqlite3.connect(folder / "store.db")
    records = [json.loads(r) for (r,) in db.execute("SELECT record FROM articles")]
    return {r["headline"]: r for r in records}


def stat(stderr: str, name: str) -> int:
    match = re.search(rf"'newscrawl/news/{name}': (\d+)", stderr)
    return int(match.group(1)) if match else 0


@pytest.fixture(scope="module")
def full_crawl(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("news")
    result, requests = crawl_news(folder)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return folder, result, requests


def test_every_article_is_stored_with_its_structured_fields(full_crawl) -> None:
    folder, _, _ = full_crawl
    records = stored(folder)
    assert {h: (r["published"], r["authors"]) for h, r in records.items()} == EXPECTED
    feed = [json.loads(line) for line in (folder / "feed.jsonl").read_text().splitlines()]
    assert sorted(line["headline"] for line in feed) == sorted(EXPECTED)
    assert all(tuple(line) == ARTICLE_FIELDS for line in feed)
    for record in records.values():
        assert record["site"] == "harbourgazette.example"
        assert record["url"].startswith("https://harbourgazette.example/2025/08/")
        assert record["language"] == "en-us"


def test_bodies_are_the_written_paragraphs_only(full_crawl) -> None:
    """No ad label, newsletter box, share buttons, caption, PDF link text or related box."""
    records = stored(full_crawl[0])
    for headline, paragraphs in written_paragraphs().items():
        assert records[headline]["body"].split("\n\n") == paragraphs, headline


def test_wire_leads_give_datelines(full_crawl) -> None:
    """Depends on the generic extractor applying the dateline parser to the lead."""
    records = stored(full_crawl[0])
    assert {h: r["dateline"] for h, r in records.items() if r["dateline"]} == DATELINES


def test_related_links_come_from_the_more_stories_box(full_crawl) -> None:
    """Depends on the generic extractor's related-box detection: never navigation/sidebar."""
    records = stored(full_crawl[0])
    for headline, record in records.items():
        links = record["related_links"]
        assert len(links) == 2, headline
        assert {link["group"] for link in links} == {"More stories"}
        assert all(link["title"] in EXPECTED and link["title"] != headline for link in links)


def test_non_article_pages_are_read_but_not_stored(full_crawl) -> None:
    folder, result, requests = full_crawl
    paths = {url.split(HOST, 1)[1] for url in requests}
    assert NOT_ARTICLES <= paths  # they were looked at ...
    db = sqlite3.connect(folder / "store.db")
    urls = {url for (url,) in db.execute("SELECT url FROM articles")}
    assert not {u for u in urls if u.split(".example", 1)[1] in NOT_ARTICLES | LISTINGS}
    assert db.execute("SELECT count(*) FROM rejections").fetchone()[0] == 0
    assert stat(result.stderr, "not_article") == len(NOT_ARTICLES)  # ... and counted
    assert stat(result.stderr, "listing") == len(LISTINGS)
    assert stat(result.stderr, "article") == len(EXPECTED)


def test_crawl_stays_on_the_start_host_and_obeys_robots(full_crawl) -> None:
    _, result, requests = full_crawl
    assert {url.split("/")[2] for url in requests} == {HOST}
    assert all(url.startswith(f"https://{HOST}/") for url in requests)  # no http, no port
    assert not [u for u in requests if "/search/" in u or u.endswith(".pdf")]
    assert requests.count(f"https://{HOST}/robots.txt") == 1
    assert len(requests) == len(set(requests))
    assert stat(result.stderr, "link_out_of_scope") > 0
    assert "'robotstxt/forbidden': 1" in result.stderr  # the search link


def test_max_pages_one_misses_exactly_the_second_page(full_crawl, tmp_path: Path) -> None:
    result, requests = crawl_news(tmp_path, "-a", "max_pages=1")
    assert result.returncode == 0, result.stderr[-2000:]
    assert set(stored(tmp_path)) == set(EXPECTED) - PAGE_TWO_ONLY
    assert not [u for u in requests if "/page/" in u]
    assert set(full_crawl[2]) - set(requests) == {f"https://{HOST}/local/page/2/"} | {
        f"https://{HOST}/{slug}/"
        for slug in (
            "2025/08/15/night-market-returns-to-the-old-customs-wharf",
            "2025/08/14/school-bus-routes-redrawn-after-bridge-closure",
        )
    }


def test_news_without_start_urls_says_what_it_needs() -> None:
    result = scrapy_command(
        "crawl", "news", "-s", f"MIRROR_DIR={MIRROR}", "-s", "STORE_URL=", cwd=ROOT
    )
    assert result.returncode == 1  # could not start (tests/test_crawl_command.py)
    assert "the news spider needs -a start_urls=URL[,URL...]" in result.stderr
    assert "Traceback" not in result.stderr


def test_listing_links_follow_a_story_carrying_page_one() -> None:
    """A story linked as ``...?page=1`` is requested; other listings' pages are not."""
    from scrapy.http import HtmlResponse
    from scrapy.utils.test import get_crawler

    from newscrawl.spiders.news import NewsSpider

    crawler = get_crawler(NewsSpider)
    spider = NewsSpider.from_crawler(crawler, start_urls="https://www.news.example/")
    links = (
        '<a href="/2025/08/22/harbour-vote-delayed-again/?page=1">Harbour vote delayed</a>'
        '<a href="/seawall-repairs-approved-by-council?page=1&amp;ref=home">Seawall</a>'
        '<a href="/sport/?page=3">Sport, page 3</a><a href="/business/?page=1">Business</a>'
    )
    url = "https://www.news.example/"
    response = HtmlResponse(url, body=f"<html><body>{links}</body></html>", encoding="utf-8")
    requested = [request.url for request in spider._listing_links(response, 1, 0, None)]
    assert requested == [
        "https://www.news.example/2025/08/22/harbour-vote-delayed-again/?page=1",
        "https://www.news.example/seawall-repairs-approved-by-council?page=1&ref=home",
    ]
