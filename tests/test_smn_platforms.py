"""The SMN profile on both of the network's platforms: entry points, URL shapes, the 2026
page class and its facts, and real ``smn`` crawls of the mirror through the recording proxy.

The mirror's classic sites (``www.spacewar.com``, ``www.spacedaily.com``,
``www.terradaily.com``) answer only the classic entry points; ``marsdaily.com`` runs the
2026 platform, its classic and ``www.`` URLs answering 301 (``fixtures/platform2026.json``).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from collections import Counter
from pathlib import Path
from urllib.parse import urljoin

import pytest
from conftest import MIRROR, MIRROR_STORIES, scrapy_command
from parsel import Selector
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse

from newscrawl.discovery.listings import parse_sitemap
from newscrawl.downloadermiddlewares.failures import FailureStatsMiddleware
from newscrawl.downloadermiddlewares.incremental import ARTICLE_META, IncrementalMiddleware
from newscrawl.downloadermiddlewares.mirror import mirror_file, mirror_redirect
from newscrawl.extensions.report import format_table, platforms
from newscrawl.extract.article import extract_article
from newscrawl.pipelines.normalize import NormalizePipeline
from newscrawl.profiles.smn import SMN, SMN_SITES
from newscrawl.reporting.data import over_runs
from newscrawl.reporting.runs import run_record, site_rows
from newscrawl.spiders.discovery import started_hosts
from newscrawl.spiders.platforms import probe_meta
from newscrawl.spiders.smn import SMNSpider
from newscrawl.text import clean_text
from newscrawl.urls import canonicalize_url
from tests.support.crawlers import end_crawl, store_crawler
from tests.support.servers import RecordingProxy

BASE = "https://marsdaily.com"
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"]  # fmt: skip
CLASSIC_COPY = "https://www.spacedaily.com/2022/221022032000.8rbjxa8u.html"


def load_site() -> dict:
    from fixtures import build_platform2026

    return build_platform2026.load()


SITE = load_site()
POSTS = {f"{BASE}/{p['slug']}/": p for p in SITE["posts"]}
(WIRE_URL,) = [url for url, p in POSTS.items() if "wire_of" in p]


# --- the profile ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "article"),
    [
        (f"{BASE}/radar-soundings-point-to-layered-ice-beneath-mid-latitude-plains-999/", True),
        (f"{BASE}/n-students-pick-names-for-crater-features-in-public-vote/", True),
        ("https://spacedaily.com/solar-records-refine-future-cycle-forecasts-999/", True),
        (f"{BASE}/radar-soundings-point-to-layered-ice-999", False),  # no final slash
        (f"{BASE}/three-word-slug/", False),
        (f"{BASE}/category/news/", False),
        (f"{BASE}/category/some-long-category-name/", False),
        (f"{BASE}/tag/mars-sample-return-missions/", False),
        (f"{BASE}/author/lena-okafor/", False),
        (f"{BASE}/page/2/", False),
        (f"{BASE}/feed/", False),
        (f"{BASE}/about-us/", False),
        (f"{BASE}/wp-content-uploads-of-the-theme/", False),
        (f"{BASE}/", False),
        ("https://ads.example/some-long-article-slug-999/", False),  # not a network site
    ],
)
def test_article_url_shapes_of_the_2026_platform(url: str, article: bool) -> None:
    assert SMN.is_article_url(url) is article


@pytest.mark.parametrize(
    ("url", "platform"),
    [
        ("https://www.spacedaily.com/Science.html", "classic"),
        ("https://www.spacedaily.com/spacedaily.xml", "classic"),
        ("https://www.spacedaily.com/sitemap_index.xml", "classic"),
        ("https://www.spacewar.com/reports/Some_Title_999.html", "classic"),
        (f"{BASE}/n-students-pick-names-for-crater-features-in-public-vote/", "2026"),
        (f"{BASE}/category/news/page/2/", "2026"),
        (f"{BASE}/feed/", "2026"),
        (f"{BASE}/wp-sitemap.xml", "2026"),
        (f"{BASE}/post-sitemap.xml", "2026"),
        (f"{BASE}/", None),  # both platforms have a home page
        ("https://www.spacedaily.com/", None),
        (f"{BASE}/robots.txt", None),
        ("https://www.harbourgazette.example/local/", None),  # not a network site
    ],
)
def test_platform_of_reads_the_url_shape(url: str, platform: str | None) -> None:
    assert SMN.platform_of(url) == platform


def test_every_site_has_entry_points_on_both_platforms() -> None:
    for site in SMN_SITES:
        sections = [s for s in SMN.sections if s.host.removeprefix("www.") == site.domain]
        feeds = [f for f in SMN.feeds if f.host.removeprefix("www.") == site.domain]
        by_platform = Counter(s.platform for s in sections + feeds)
        assert by_platform["classic"] >= 2 and by_platform["2026"] >= 3, site.domain
        assert f"https://{site.domain}/" in {s.url for s in sections if s.platform == "2026"}
        assert f"https://{site.domain}/feed/" in {f.url for f in feeds}
        for entry in sections + feeds:  # classic on www., the 2026 platform on the bare domain
            www = entry.url.startswith(f"https://www.{site.domain}/")
            assert www == (entry.platform == "classic"), entry
    robots = set(started_hosts(SMNSpider()))  # each is asked for its robots.txt sitemaps
    assert {"www.marsdaily.com", "marsdaily.com", "www.spacewar.com", "spacewar.com"} <= robots


def test_a_crawl_may_ask_one_platform_only() -> None:
    classic = SMNSpider(platforms="classic")
    assert {s.platform for s in classic.sections} == {"classic"}
    assert set(started_hosts(classic)) == {f"www.{site.domain}" for site in SMN_SITES}
    new = SMNSpider(platforms="2026", sections="science")
    assert [s.url for s in new.sections] == [f"{BASE}/category/science/"]
    assert len(SMNSpider().sections) == len(classic.sections) + len(
        SMNSpider(platforms="2026").sections
    )
    with pytest.raises(ValueError, match="unknown"):
        SMNSpider(platforms="2027")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.spacedaily.com/Science.html", "https://www.spacedaily.com/Science_2.html"),
        (f"{BASE}/", f"{BASE}/page/2/"),
        (f"{BASE}/category/news/", f"{BASE}/category/news/page/2/"),
        (f"{BASE}/category/science/page/2/", None),
    ],
)
def test_next_page_on_listings_of_both_platforms(url: str, expected: str | None) -> None:
    html = mirror_file(MIRROR, url).read_text(encoding="utf-8")

    def next_page(text: str) -> list[str]:
        return [urljoin(url, h) for h in Selector(text=text).xpath(SMN.next_page_xpath).getall()]

    assert next_page(html)[:1] == ([expected] if expected else [])
    # Without the <link rel="next"> of the head, the "Next »" anchor still leads on.
    bare = html.replace('<link rel="next"', '<link rel="x-next"')
    assert next_page(bare)[:1] == next_page(html)[:1]


def test_child_sitemaps_without_articles_are_skipped() -> None:
    for index in (f"{BASE}/sitemap_index.xml", f"{BASE}/wp-sitemap.xml",
                  "https://www.spacedaily.com/sitemap_index.xml"):  # fmt: skip
        children = parse_sitemap(mirror_file(MIRROR, index).read_bytes(), index).entries
        kept = [c.url for c in children if not SMN.skips_sitemap(c.url)]
        for child in children:
            entries = parse_sitemap(mirror_file(MIRROR, child.url).read_bytes(), child.url)
            has_articles = any(SMN.is_article_url(e.url) for e in entries.entries)
            assert (child.url in kept) == has_articles, child.url


# --- pages of the 2026 platform -----------------------------------------------------------


def extract(url: str, **kwargs):
    return extract_article(mirror_file(MIRROR, url).read_text(encoding="utf-8"), url, **kwargs)


@pytest.mark.parametrize("url", sorted(POSTS))
def test_2026_pages_come_out_with_the_networks_facts(url: str) -> None:
    post = POSTS[url]
    extraction = extract(url)
    item = extraction.item
    assert (extraction.layout, extraction.mismatch) == ("smn-2026", None)
    assert item["url"] == url and item["site"] == "marsdaily.com"
    assert item["headline"] == post["headline"]
    assert item["section"] == SITE["categories"][post["category"]]["name"]
    assert item["published"] == post["published"].isoformat()
    # The dateline is read from the lead and lifted out of the body.
    assert item["body"].split("\n\n") == [clean_text(p) for p in post["paragraphs"]]
    if post.get("dateline"):
        assert item["dateline"]["raw"] == post["dateline"]
    else:
        assert item["dateline"] is None
    assert [link["group"] for link in item["related_links"]] == ["Related"] * 3
    images = [image["url"] for image in item["images"]]
    assert len(images) == len(set(images)) == (1 if post.get("image") else 0)
    if (post.get("image") or {}).get("inline"):
        assert item["images"][0]["caption"] == post["image"]["caption"]


def test_wire_story_is_an_exact_duplicate_across_platforms() -> None:
    new = NormalizePipeline().process_item(extract(WIRE_URL).item)
    old = NormalizePipeline().process_item(extract(CLASSIC_COPY).item)
    assert new["fingerprint"] == old["fingerprint"]
    assert new["dateline"]["place"] == old["dateline"]["place"] == "Tokyo"
    # The generic layer alone keeps the dateline in the lead: a near-duplicate at best.
    generic = NormalizePipeline().process_item(extract(WIRE_URL, use_profiles=False).item)
    assert generic["fingerprint"] != old["fingerprint"]
    assert generic["body"].startswith("Tokyo (AFP) Oct 22, 2022 - ")


# --- probes and the run report ------------------------------------------------------------


def test_a_probe_answered_404_is_not_a_failure() -> None:
    crawler = store_crawler(None)
    middleware = FailureStatsMiddleware(crawler)
    url = "https://spacedaily.com/feed/"
    for meta in (probe_meta("2026"), {}):
        request = Request(url, meta=meta)
        middleware.process_response(request, HtmlResponse(url, status=404, request=request))
    assert crawler.stats.get_value("newscrawl/failures/http_404") == 1  # the plain request
    assert probe_meta(None) == {}


def test_a_redirect_to_another_spelling_of_an_article_is_followed(tmp_path: Path) -> None:
    """www. to the bare domain keeps the canonical URL: the same request going on."""
    crawler = store_crawler(f"sqlite:///{tmp_path / 's.db'}")
    middleware = IncrementalMiddleware(crawler)
    old = "https://www.marsdaily.com/reports/Old_story_999.html"
    first = Request(old, meta={ARTICLE_META: True})
    assert middleware.process_request(first) is None
    hop = first.replace(url=old.replace("www.", ""))
    hop.meta["redirect_urls"] = [old]
    assert middleware.process_request(hop) is None
    with pytest.raises(IgnoreRequest):  # the same article found again by another link
        middleware.process_request(Request(old.replace("www.", ""), meta={ARTICLE_META: True}))
    end_crawl(crawler)


def test_report_names_the_platform_each_site_answered_with() -> None:
    stats = {
        "newscrawl/report/marsdaily.com/pages": 20,
        "newscrawl/report/marsdaily.com/platform/2026": 18,
        "newscrawl/report/spacedaily.com/platform/classic": 30,
        "newscrawl/report/spacedaily.com/absent/2026": 3,
        "newscrawl/report/spacedaily.com/fields/headline": 3,
    }
    assert platforms(stats, "spacedaily.com") == {
        "platforms": {"classic": 30},
        "absent": {"2026": 3},
    }
    assert platforms(stats, "all") == {
        "platforms": {"2026": 18, "classic": 30},
        "absent": {"2026": 3},
    }
    rows = [{"site": site, "pages": 0, "new": 0, "duplicate": 0, "rejected": 0, "articles": 0,
             "headline": None, "body": None, "published": None, "dateline": None,
             **platforms(stats, site)} for site in ("marsdaily.com", "spacedaily.com")]  # fmt: skip
    table = format_table(rows).splitlines()
    assert table[0].split()[-1] == "platform"
    assert [line.split()[-1] for line in table[1:]] == ["2026", "classic"]


def test_run_history_keeps_each_sites_platforms_and_own_floors() -> None:
    stats = {
        "newscrawl/report/marsdaily.com/articles": 11,
        "newscrawl/report/marsdaily.com/fields/dateline": 10,
        "newscrawl/report/marsdaily.com/platform/2026": 24,
        "newscrawl/report/spacedaily.com/articles": 20,
        "newscrawl/report/spacedaily.com/fields/dateline": 19,
        "newscrawl/report/spacedaily.com/absent/2026": 3,
    }
    common, own = {"dateline": 0.8}, {"marsdaily.com": {"dateline": 0.95}}
    rows = {row["site"]: row for row in site_rows(stats, common, 10, own)}
    assert rows["marsdaily.com"]["monitor"]["below_floor"] == ["dateline"]  # 91% < 95%
    assert rows["spacedaily.com"]["monitor"]["below_floor"] == []  # 95% >= 80%
    assert rows["marsdaily.com"]["platforms"] == {"2026": 24}
    assert rows["spacedaily.com"]["absent"] == {"2026": 3}
    record = run_record(stats, spider="smn", floors=common, coverage_min_articles=10,
                        site_floors=own)  # fmt: skip
    assert record["site_floors"] == {"marsdaily.com": {"dateline": 0.95}}
    record["id"] = 1
    points = over_runs([record], None)["coverage"]
    assert points["marsdaily.com"][0]["floors"] == {"dateline": 0.95}
    assert points["spacedaily.com"][0]["floors"] == {"dateline": 0.8}


# --- real crawls --------------------------------------------------------------------------


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
