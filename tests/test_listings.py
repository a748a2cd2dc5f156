"""Feeds, sitemaps, robots.txt and their dates (newscrawl.discovery.listings), on the project's own
fixture files in the shapes the network serves."""

from __future__ import annotations

import datetime as dt
import gzip
import re
from pathlib import Path

import pytest
from conftest import MIRROR, scrapy_command
from parsel import Selector

from newscrawl.discovery.listings import (
    ListingError,
    feed_links,
    parse_duration,
    parse_feed,
    parse_listing_date,
    parse_sitemap,
    sitemaps_in_robots,
)
from tests.support.servers import RecordingProxy

UTC = dt.UTC
SPACEWAR = MIRROR / "www.spacewar.com"

# The network's feed shape (as in shared/smn/feed_rss2_spacedaily.xml): every item stamped
# with the channel's build time, CDATA title and link, sister-site items mixed in.
STAMPED_FEED = b"""<?xml version="1.0"?>
<rss version="2.0"><channel>
<title>Test Desk Feed</title>
<link>http://www.spacedaily.com/index.html</link>
<pubDate>Mon, 07 OCT 2024 09:15:00 AEST</pubDate>
<lastBuildDate>Mon, 07 OCT 2024 09:15:00 AEST</lastBuildDate>
<item><title><![CDATA[Probe wakes up after long cruise]]></title>
<link><![CDATA[http://www.spacedaily.com/reports/Probe_wakes_up_after_long_cruise_999.html]]></link>
<description><![CDATA[Darmstadt (ESA) Oct 07, 2024<br/> The probe answered.]]></description>
<pubDate>Mon, 07 OCT 2024 09:15:00 AEST</pubDate></item>
<item><title><![CDATA[Farmers map soil moisture from orbit]]></title>
<link><![CDATA[http://www.terradaily.com/reports/Farmers_map_soil_moisture_from_orbit_999.html]]></link>
<pubDate>Mon, 07 OCT 2024 09:15:00 AEST</pubDate></item>
</channel></rss>"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thu, 04 APR 2013 20:37:27 AEST", dt.datetime(2013, 4, 4, 10, 37, 27, tzinfo=UTC)),
        ("Thu, 04 Apr 2013 20:37:27 AEDT", dt.datetime(2013, 4, 4, 9, 37, 27, tzinfo=UTC)),
        ("04 apr 13 20:37 GMT", dt.datetime(2013, 4, 4, 20, 37, tzinfo=UTC)),
        ("Fri, 22 Aug 2025 09:14:00 -0400", dt.datetime(2025, 8, 22, 13, 14, tzinfo=UTC)),
        ("Fri, 22 Aug 2025 09:14:00 +05:30", dt.datetime(2025, 8, 22, 3, 44, tzinfo=UTC)),
        ("Fri, 22 Aug 2025 09:14:00 XYZT", dt.datetime(2025, 8, 22, 9, 14, tzinfo=UTC)),
        ("2025-08-22", dt.datetime(2025, 8, 22, tzinfo=UTC)),
        ("2025-08-22T09:14:00+02:00", dt.datetime(2025, 8, 22, 7, 14, tzinfo=UTC)),
        ("2025-08-22T09:14:00Z", dt.datetime(2025, 8, 22, 9, 14, tzinfo=UTC)),
        ("2025-08", dt.datetime(2025, 8, 1, tzinfo=UTC)),
        ("Fri, 31 FEB 2025 09:14:00 GMT", None),
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_listing_dates(text, expected) -> None:
    assert parse_listing_date(text) == expected


def test_durations() -> None:
    assert parse_duration("2d") == dt.timedelta(days=2)
    assert parse_duration("36h") == dt.timedelta(hours=36)
    assert parse_duration("1w") == dt.timedelta(weeks=1)
    assert parse_duration("3") == dt.timedelta(days=3)
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("two days")


def test_site_feed_of_the_mirror() -> None:
    feed = parse_feed((SPACEWAR / "spacewar.xml").read_bytes(), "https://www.spacewar.com/x")
    assert feed.kind == "rss" and not feed.undated
    (first,) = [e for e in feed.entries if e.url.endswith("/afp/250822091400.8jscpt2f.html")]
    assert first.url == "http://www.spacewar.com/afp/250822091400.8jscpt2f.html"
    assert first.title == "North Korea fires ballistic missile into sea off east coast"
    # "Fri, 22 AUG 2025 19:14:00 AEST" is the story's 09:14 UTC.
    assert first.published == dt.datetime(2025, 8, 22, 9, 14, tzinfo=UTC)
    assert any("spacedaily.com" in entry.url for entry in feed.entries)  # a sister site's item


def test_feed_stamped_with_its_build_date_has_no_item_dates() -> None:
    feed = parse_feed(STAMPED_FEED, "http://www.spacedaily.com/spacedaily.xml")
    assert feed.undated
    assert [e.published for e in feed.entries] == [None, None]
    assert feed.entries[1].url.startswith("http://www.terradaily.com/reports/Farmers_map")


def test_atom_feed() -> None:
    atom = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Desk</title>
<entry><title>Relative link entry</title><link rel="alternate" href="/reports/Relative_999.html"/>
<link rel="enclosure" href="/img.jpg"/><updated>2025-03-02T10:00:00Z</updated>
<published>2025-03-01T10:00:00+01:00</published></entry>
</feed>"""
    feed = parse_feed(atom, "https://www.spacewar.com/atom.xml")
    (entry,) = feed.entries
    assert feed.kind == "atom"
    assert entry.url == "https://www.spacewar.com/reports/Relative_999.html"
    assert entry.published == dt.datetime(2025, 3, 1, 9, tzinfo=UTC)
    assert entry.latest == dt.datetime(2025, 3, 2, 10, tzinfo=UTC)


def test_not_a_feed_is_an_error() -> None:
    with pytest.raises(ListingError):
        parse_feed(b"<html><body>Not found</body></html>", "https://x/")
    with pytest.raises(ListingError):
        parse_feed(b"", "https://x/")


def test_sitemap_index_and_google_news_sitemap() -> None:
    index = parse_sitemap((SPACEWAR / "sitemap_index.xml").read_bytes(), "https://x/")
    assert index.kind == "sitemapindex"
    assert [e.url for e in index.entries] == [
        "https://www.spacewar.com/sitemap-articles.xml",
        "https://www.spacewar.com/news-sitemap.xml",
    ]
    news = parse_sitemap((SPACEWAR / "news-sitemap.xml").read_bytes(), "https://x/")
    (first,) = [e for e in news.entries if e.url.endswith("/afp/250822091400.8jscpt2f.html")]
    assert news.kind == "urlset"
    assert first.title == "North Korea fires ballistic missile into sea off east coast"
    assert first.published == dt.datetime(2025, 8, 22, 9, 14, tzinfo=UTC)
    articles = parse_sitemap((SPACEWAR / "sitemap-articles.xml").read_bytes(), "https://x/")
    dated = [e for e in articles.entries if e.modified]
    assert dated and all(e.published is None for e in articles.entries)


def test_gzipped_sitemap() -> None:
    body = gzip.compress((SPACEWAR / "news-sitemap.xml").read_bytes())
    assert len(parse_sitemap(body, "https://x/").entries) == 5


def test_robots_sitemap_lines() -> None:
    text = (
        "User-agent: *\nDisallow: /cgi-bin/\nSitemap: https://www.spacewar.com/a.xml\n"
        "sitemap:/b.xml # relative\nSITEMAP: https://www.spacewar.com/a.xml\n"
    )
    assert sitemaps_in_robots(text, "https://www.spacewar.com/robots.txt") == [
        "https://www.spacewar.com/a.xml",
        "https://www.spacewar.com/b.xml",
    ]


def test_section_page_announces_its_feeds() -> None:
    page = (SPACEWAR / "Missile_Defense_2.html").read_text("utf-8")
    links = feed_links(Selector(text=page), "https://www.spacewar.com/Missile_Defense_2.html")
    assert links == [
        "https://www.spacewar.com/spacewar.xml",
        "https://www.spacewar.com/missiledefense.xml",
    ]


# -- bounds (newscrawl/discovery/xmlstream.py; SECURITY.md, "Listings") -------------------


def urlset(count: int, start: int = 0) -> bytes:
    """A sitemap of ``count`` article URLs of the mirror's SpaceWar.com shape."""
    rows = "".join(
        f"<url><loc>https://www.spacewar.com/reports/Story_{n}_999.html</loc></url>\n"
        for n in range(start, start + count)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{rows}</urlset>\n"
    ).encode()


def test_entries_over_the_cap_are_counted_not_read() -> None:
    listing = parse_sitemap(urlset(1000), "https://x/", max_entries=10)
    assert [e.url for e in listing.entries][-1].endswith("/Story_9_999.html")
    assert len(listing.entries) == 10 and listing.overflow == 990
    assert not listing.truncated
    feed = (SPACEWAR / "spacewar.xml").read_bytes()
    assert len(parse_feed(feed, "https://x/", max_entries=2).entries) == 2


def test_a_sitemap_bomb_stops_at_max_size_and_keeps_whole_entries() -> None:
    """64 MiB of entries in about 1 MiB of gzip: read up to ``max_size`` of XML (the
    crawl passes DOWNLOAD_MAXSIZE, 16 MiB), the entry cut there left out, no error."""
    head, tail = urlset(1).split(b"<url>")[0], b"</urlset>\n"
    row = b"<url><loc>https://www.spacewar.com/reports/Same_story_999.html</loc></url>\n"
    body = gzip.compress(head + row * (64 * 1024 * 1024 // len(row)) + tail, 9)
    assert len(body) < 2 * 1024 * 1024
    listing = parse_sitemap(body, "https://x/", max_size=1024 * 1024, max_entries=None)
    assert listing.truncated and listing.kind == "urlset"
    assert len(listing.entries) == (1024 * 1024 - len(head)) // len(row)
    assert all(e.url.endswith("/Same_story_999.html") for e in listing.entries)
    with pytest.raises(ListingError):  # the default bound is DOWNLOAD_MAXSIZE's default
        parse_feed(body, "https://x/")


@pytest.mark.parametrize(
    "body",
    [b"\x1f\x8b\x08\x00garbage", b"\x1f\x8b", gzip.compress(b"")[:12], b"\x00" * 100, b"   "],
)
def test_unreadable_compressed_or_empty_listings_are_listing_errors(body: bytes) -> None:
    with pytest.raises(ListingError):
        parse_sitemap(body, "https://x/")


def test_a_cut_off_gzip_keeps_what_it_holds() -> None:
    body = gzip.compress(urlset(200))
    listing = parse_sitemap(body[: len(body) // 2], "https://x/")
    assert 0 < len(listing.entries) < 200
    whole = parse_sitemap(urlset(200), "https://x/").entries
    assert listing.entries == whole[: len(listing.entries)], "no entry cut in the middle"


def test_two_gzip_members_are_one_listing() -> None:
    body = gzip.compress(urlset(3)[:-11]) + gzip.compress(b"</urlset>\n")
    assert len(parse_sitemap(body, "https://x/").entries) == 3


def test_a_crawl_reads_a_huge_sitemap_within_its_caps(tmp_path: Path) -> None:
    """850,000 article URLs in one gzip-compressed sitemap (about 64 MB of XML): the crawl
    reads DOWNLOAD_MAXSIZE of it, requests LISTING_MAX_ENTRIES articles, counts the rest
    and says so once per cap. (On main it made a request of every entry: 2.4 GiB.)"""
    site = tmp_path / "www.spacewar.com"
    site.mkdir()
    (site / "robots.txt").write_text(
        "User-agent: *\nSitemap: https://www.spacewar.com/huge.xml.gz\n"
    )
    xml = urlset(850_000)
    (site / "huge.xml.gz").write_bytes(gzip.compress(xml, 1))
    with RecordingProxy(tmp_path) as proxy:
        result = scrapy_command(
            "crawl", "spacewar", "-a", "discover=sitemaps", "-s", "LISTING_MAX_ENTRIES=50",
            "-s", "STORE_URL=", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
            "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8", "-s", "CLOSESPIDER_TIMEOUT=120",
            # Only the sitemap is served: its stories are 404s on purpose.
            "-s", "NEWSCRAWL_MAX_FAILURE_SHARE=1.0",
            env={"http_proxy": proxy.url, "https_proxy": proxy.url},
        )  # fmt: skip
        asked = list(proxy.requests)

    def stat(name: str) -> int:
        found = re.search(rf"'newscrawl/discovery/{name}': (\d+)", result.stderr)
        return int(found.group(1)) if found else 0

    assert result.returncode == 0, result.stderr[-3000:]
    assert "'finish_reason': 'finished'" in result.stderr
    stories = [u for u in asked if "/reports/Story_" in u]
    assert len(stories) == 50
    assert stat("listing_too_large") == 1
    complete = xml[: 16 * 1024 * 1024].count(b"</url>")  # the entries within 16 MiB
    assert 50 + stat("entries_over_cap") == complete
    assert result.stderr.count("Listing cap reached") == 2  # once per cap
    assert "Traceback" not in result.stderr


def test_listings_past_the_run_cap_are_counted_not_requested() -> None:
    """A sitemap index naming 30 sitemaps, with LISTING_MAX_PER_RUN 5: five are read."""
    from scrapy.http import XmlResponse
    from scrapy.utils.test import get_crawler

    from newscrawl.spiders.smn import SpaceWarSpider

    crawler = get_crawler(SpaceWarSpider, {"LISTING_MAX_PER_RUN": 5})
    spider = SpaceWarSpider.from_crawler(crawler)
    rows = "".join(
        f"<sitemap><loc>https://www.spacewar.com/sitemap-{n}.xml</loc></sitemap>" for n in range(30)
    )
    index = f"<sitemapindex>{rows}</sitemapindex>".encode()
    url = "https://www.spacewar.com/sitemap_index.xml"
    requested = list(spider.parse_sitemap(XmlResponse(url, body=index)))
    assert [r.url for r in requested] == [
        f"https://www.spacewar.com/sitemap-{n}.xml" for n in range(5)
    ]
    assert crawler.stats.get_value("newscrawl/discovery/listings_over_cap") == 25


def test_listings_expand_no_entity_and_read_no_file() -> None:
    """The listing parser is an XML parser (SECURITY.md says how it is hardened): internal
    entities stay unexpanded, external ones are never read."""
    from tests.support.faultsite import LOL

    with pytest.raises(ListingError):  # libxml2 refuses the billion laughs outright
        parse_sitemap(LOL, "http://faults.invalid/")
    small = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;">]>'
        b"<urlset><url><loc>http://faults.invalid/&b;</loc></url></urlset>"
    )
    assert all("lol" not in entry.url for entry in parse_sitemap(small, "https://x/").entries)
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b"<rss><channel><item><title>&xxe;</title><link>http://faults.invalid/a/</link>"
        b"</item></channel></rss>"
    )
    (entry,) = parse_feed(xxe, "https://x/").entries
    assert entry.url == "http://faults.invalid/a/" and "root" not in (entry.title or "")
