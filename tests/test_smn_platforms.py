"""The SMN profile on both of the network's platforms: entry points, URL shapes, the 2026
page class and its facts, probes and the run report's platform column. Real ``smn`` crawls
of the mirror are in ``tests/test_smn_platform_crawls.py``.

The mirror's classic sites (``www.spacewar.com``, ``www.spacedaily.com``,
``www.terradaily.com``) answer only the classic entry points; ``marsdaily.com`` runs the
2026 platform, its classic and ``www.`` URLs answering 301 (``fixtures/platform2026.json``).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from urllib.parse import urljoin

import pytest
from conftest import MIRROR
from parsel import Selector
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse

from newscrawl.discovery.listings import parse_sitemap
from newscrawl.downloadermiddlewares.failures import FailureStatsMiddleware
from newscrawl.downloadermiddlewares.incremental import ARTICLE_META, IncrementalMiddleware
from newscrawl.downloadermiddlewares.mirror import mirror_file
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
from tests.support.crawlers import end_crawl, store_crawler
from tests.support.platform2026 import BASE, CLASSIC_COPY, POSTS, SITE, WIRE_URL

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
    with pytest.raises(ValueError, match="use one or more of classic, 2026"):
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
             "paywalled": 0, "headline": None, "body": None, "published": None, "dateline": None,
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
