"""The offline mirror's network site on the 2026 platform (``marsdaily.com``) and the
mirror's redirects (``_redirects``, :func:`newscrawl.downloadermiddlewares.mirror.mirror_redirect`).

``fixtures/build_platform2026.py`` writes the site from ``fixtures/platform2026.json``; its
wire story is also on the classic-template SpaceDaily.com (``stories.json``). Crawls run
``scrapy crawl`` in a subprocess with ``MIRROR_DIR``, the way the README runs the mirror.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import MIRROR, ROOT, STORIES, scrapy_command
from parsel import Selector
from scrapy import Request

from newscrawl.discovery import pagekind
from newscrawl.discovery.listings import parse_feed, parse_sitemap, sitemaps_in_robots
from newscrawl.downloadermiddlewares.mirror import MirrorMiddleware, mirror_file, mirror_redirect

HOST = "marsdaily.com"
BASE = f"https://{HOST}"
SOURCE = json.loads((ROOT / "fixtures" / "platform2026.json").read_text(encoding="utf-8"))
POSTS = {f"{BASE}/{s['slug']}/": s for s in SOURCE["stories"]}
WIRE = next(s for s in SOURCE["stories"] if "wire_of" in s)
WIRE_URL = f"{BASE}/{WIRE['slug']}/"
CLASSIC_COPY = "https://www.spacedaily.com/2022/221022032000.8rbjxa8u.html"
RFC822 = re.compile(r"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$")


def load_builder():
    from fixtures import build_platform2026

    return build_platform2026


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def answer(url: str, root: Path = MIRROR):
    return MirrorMiddleware(str(root)).process_request(Request(url))


def follow(url: str, hops: int = 3) -> tuple[str, list[int]]:
    """Where the mirror finally answers ``url`` with a page, and the statuses on the way."""
    statuses = []
    for _ in range(hops):
        response = answer(url)
        statuses.append(response.status)
        if response.status not in (301, 302, 307, 308):
            return url, statuses
        url = response.headers["Location"].decode()
    raise AssertionError(f"more than {hops} redirects from {url}")


# --- the builder --------------------------------------------------------------------------


def test_builder_writes_the_committed_tree(tmp_path: Path) -> None:
    load_builder().build(tmp_path)
    for host in (HOST, f"www.{HOST}"):
        built, committed = tree(tmp_path / host), tree(MIRROR / host)
        assert sorted(built) == sorted(committed), host
        changed = [name for name in built if built[name] != committed[name]]
        assert not changed, f"run fixtures/build_platform2026.py: {changed[:5]}"
    assert sorted(p.name for p in tmp_path.iterdir()) == [HOST, f"www.{HOST}"]


def test_article_pages_carry_wordpress_markup_and_json_ld() -> None:
    classic = {s["id"]: s for s in json.loads(STORIES.read_text(encoding="utf-8"))}
    for url, story in POSTS.items():
        selector = Selector(text=mirror_file(MIRROR, url).read_text(encoding="utf-8"))
        graph = json.loads(selector.css('script[type="application/ld+json"]::text').get())
        article = next(n for n in graph["@graph"] if n["@type"] == "NewsArticle")
        headline = selector.css("article h1.entry-title::text").get()
        assert article["headline"] == headline, url
        assert article["author"]["@type"] == "Person", url
        published = selector.css("time.entry-date.published::attr(datetime)").get()
        assert article["datePublished"] == published, url
        assert ("dateModified" in article) == ("modified" in story), url
        lead = selector.css("div.entry-content > p::text").get()
        if story.get("dateline"):
            assert lead.startswith(f"{story['dateline']} - "), url
        assert selector.css("section.related-posts h2::text").get() == "Related"
        assert len(selector.css("section.related-posts li a")) == 3
    # The wire copy: the classic site's text, the dateline printed at the head of the lead.
    wire = classic[WIRE["wire_of"]]
    selector = Selector(text=mirror_file(MIRROR, WIRE_URL).read_text(encoding="utf-8"))
    paragraphs = selector.css("div.entry-content > p:not(.ad-label)::text").getall()
    assert paragraphs[0] == f"Tokyo (AFP) Oct 22, 2022 - {wire['paragraphs'][0]}"
    assert paragraphs[1:] == wire["paragraphs"][1:]
    assert mirror_file(MIRROR, CLASSIC_COPY) is not None


# --- redirects ----------------------------------------------------------------------------


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    site = tmp_path / "new.example"
    (site / "a").mkdir(parents=True)
    (site / "a" / "index.html").write_text("<html>a</html>")
    (site / "feed").mkdir()
    (site / "feed" / "index.xml").write_text("<rss/>")
    (site / "_redirects").write_text(
        "# comment line\n"
        "/old.html /a/ 301\n"
        "/moved.html https://new.example/a/   # trailing comment, default status\n"
        "/temp.html /a/ 302\n"
        "/a/ /a/\n"  # onto itself: ignored at request time
        "/away.html https://elsewhere.example/ 301\n"  # not a host of the mirror
        "/port.html https://new.example:8443/a/ 301\n"
        "/relative.html a/ 301\n"
        "/teapot.html /a/ 418\n"
        "/too many fields here\n"
        "/feed /feed/ 301\n"
    )
    (tmp_path / "www.new.example").mkdir()
    (tmp_path / "www.new.example" / "_redirects").write_text("/* https://new.example/:splat\n")
    return tmp_path


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://new.example/old.html", (301, "https://new.example/a/")),
        ("http://new.example/old.html", (301, "http://new.example/a/")),
        ("https://new.example/moved.html", (301, "https://new.example/a/")),
        ("https://new.example/temp.html", (302, "https://new.example/a/")),
        ("https://new.example/old.html?utm_source=x", (301, "https://new.example/a/?utm_source=x")),
        ("https://new.example/feed", (301, "https://new.example/feed/")),
        ("https://www.new.example/", (301, "https://new.example/")),
        ("https://www.new.example/a/?page=2", (301, "https://new.example/a/?page=2")),
        ("https://new.example/a/", None),
        ("https://new.example/away.html", None),
        ("https://new.example/port.html", None),
        ("https://new.example/relative.html", None),
        ("https://new.example/teapot.html", None),
        ("https://new.example/old.html/", None),
        ("https://other.example/old.html", None),
    ],
)
def test_redirect_rules(root: Path, url: str, expected) -> None:
    assert mirror_redirect(root, url) == expected


def test_bad_rules_are_left_out_with_one_warning(root: Path, caplog) -> None:
    (root / "new.example" / "_redirects").write_text("/x /a/\n/y https://elsewhere.example/\n")
    with caplog.at_level("WARNING", logger="newscrawl.downloadermiddlewares.mirror"):
        assert mirror_redirect(root, "https://new.example/y") is None
        assert mirror_redirect(root, "https://new.example/x") == (301, "https://new.example/a/")
    assert [r.getMessage() for r in caplog.records] == [
        f"Mirror redirects: 1 line(s) of {root / 'new.example' / '_redirects'} ignored"
    ]


def test_middleware_answers_redirects_and_index_xml(root: Path) -> None:
    response = answer("https://www.new.example/a/", root)
    assert response.status == 301
    assert response.headers["Location"] == b"https://new.example/a/"
    assert answer("https://new.example/a/", root).status == 200
    feed = answer("https://new.example/feed/", root)
    assert feed.status == 200 and feed.body == b"<rss/>"
    assert feed.headers["Content-Type"] in (b"application/xml", b"text/xml")
    assert answer("https://new.example/_redirects", root).status == 404


def test_every_redirect_of_the_site_lands_on_one_of_its_pages() -> None:
    rules = []
    for host in (HOST, f"www.{HOST}"):
        for line in (MIRROR / host / "_redirects").read_text().splitlines():
            if line and not line.startswith("#") and "*" not in line:
                rules.append((f"https://{host}{line.split()[0]}", line.split()[1]))
    assert len(rules) == 2 * 11 + 3  # classic URLs on both hosts, feed slashes on the bare one
    for url, target in rules:
        assert target.startswith(f"{BASE}/"), (url, target)
        landed, statuses = follow(url)
        assert (landed, statuses) == (target, [301, 200]), url
    # www. answers every path with the bare domain's: one hop, or two for a classic path
    # whose rule only the bare host has.
    assert follow(f"https://www.{HOST}/") == (f"{BASE}/", [301, 200])
    assert follow(f"https://www.{HOST}/category/news/page/2/")[1] == [301, 200]
    assert follow(f"https://www.{HOST}/category/news/feed") == (
        f"{BASE}/category/news/feed/",
        [301, 301, 200],
    )


@pytest.mark.parametrize(
    ("url", "status"),
    [
        # The new-platform site answers the classic entry points with 301 or 404 only...
        (f"https://www.{HOST}/marsdaily.xml", 301),
        (f"{BASE}/Mars_Science.html", 301),
        (f"{BASE}/Mars_Science_3.html", 404),
        (f"{BASE}/sitemap-articles.xml", 404),
        (f"{BASE}/news-sitemap.xml", 404),
        (f"{BASE}/reports/Some_other_story_999.html", 404),
        # ...and the classic sites do not answer the new platform's.
        ("https://www.spacedaily.com/feed/", 404),
        ("https://www.spacedaily.com/category/news/feed/", 404),
        ("https://www.spacedaily.com/wp-sitemap.xml", 404),
        ("https://spacedaily.com/", 200),
    ],
)
def test_each_site_answers_only_its_own_platforms_entry_points(url: str, status: int) -> None:
    assert answer(url).status == status


# --- listings, feeds and sitemaps -----------------------------------------------------------


def test_feeds_parse_with_rfc822_dates() -> None:
    site = load_builder().load()
    published = {f"{BASE}/{p['slug']}/": p["published"] for p in site["posts"]}
    feed = parse_feed(mirror_file(MIRROR, f"{BASE}/feed/").read_bytes(), f"{BASE}/feed/")
    assert feed.kind == "rss" and not feed.undated
    assert len(feed.entries) == 10 and WIRE_URL not in {e.url for e in feed.entries}
    for entry in feed.entries:
        assert entry.published == published[entry.url]
    dates = re.findall(
        rb"<pubDate>([^<]+)</pubDate>", mirror_file(MIRROR, f"{BASE}/feed/").read_bytes()
    )
    assert dates and all(RFC822.match(d.decode()) for d in dates)
    seen: list[str] = []
    for category in SOURCE["categories"]:
        for url in (f"{BASE}/category/{category}/feed/", f"{BASE}/category/{category}/feed"):
            landed, _ = follow(url)
            listing = parse_feed(mirror_file(MIRROR, landed).read_bytes(), landed)
            assert {e.url for e in listing.entries} == {
                u for u, s in POSTS.items() if s["category"] == category
            }
        seen += [e.url for e in listing.entries]
    assert sorted(seen) == sorted(POSTS)


def test_sitemaps_named_in_robots_list_every_post() -> None:
    robots = mirror_file(MIRROR, f"{BASE}/robots.txt").read_text()
    named = sitemaps_in_robots(robots, f"{BASE}/robots.txt")
    assert named == [f"{BASE}/sitemap_index.xml", f"{BASE}/wp-sitemap.xml"]
    posts = {
        "sitemap_index.xml": "post-sitemap.xml",
        "wp-sitemap.xml": "wp-sitemap-posts-post-1.xml",
    }
    for index_url in named:
        index = parse_sitemap(mirror_file(MIRROR, index_url).read_bytes(), index_url)
        assert index.kind == "sitemapindex" and len(index.entries) == 5
        for child in index.entries:
            listing = parse_sitemap(mirror_file(MIRROR, child.url).read_bytes(), child.url)
            assert listing.kind == "urlset" and listing.entries, child.url
            assert all(answer(e.url).status == 200 for e in listing.entries), child.url
        post_map = f"{BASE}/{posts[index_url.rsplit('/', 1)[1]]}"
        listed = parse_sitemap(mirror_file(MIRROR, post_map).read_bytes(), post_map).entries
        assert set(POSTS) <= {e.url for e in listed}
        assert all(e.modified is not None for e in listed)
    # The plugin's post sitemap opens with the front page, as that plugin does on a blog.
    plugin = parse_sitemap(mirror_file(MIRROR, f"{BASE}/post-sitemap.xml").read_bytes(), BASE)
    assert plugin.entries[0].url == f"{BASE}/" and len(plugin.entries) == len(POSTS) + 1


@pytest.mark.parametrize(
    ("start", "expected"),
    [("/", 3), ("/category/news/", 2), ("/category/science/", 2), ("/tag/missions/", 1)],
)
def test_archives_paginate(start: str, expected: int) -> None:
    url, count = f"{BASE}{start}", 0
    while url:
        selector = Selector(text=mirror_file(MIRROR, url).read_text(encoding="utf-8"))
        count += 1
        url = pagekind.next_page(selector, url)
    assert count == expected


# --- real crawls ---------------------------------------------------------------------------


def crawl(tmp_path: Path, name: str, *args: str) -> tuple[list[dict], str]:
    out = tmp_path / f"{name}.jsonl"
    result = scrapy_command(
        "crawl", *args, "-s", f"MIRROR_DIR={MIRROR}",
        "-s", f"STORE_URL=sqlite:///{tmp_path / 'store.db'}", "-O", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return [json.loads(line) for line in out.read_text().splitlines()], result.stderr


def test_news_crawl_of_the_bare_domain_stores_every_story_once(tmp_path: Path) -> None:
    records, log = crawl(tmp_path, "mars", "news", "-a", f"start_urls={BASE}/")
    urls = [r["url"] for r in records]
    assert sorted(urls) == sorted(POSTS)  # each story once, under its canonical URL
    redirects = re.search(r"'downloader/response_status_count/301': (\d+)", log)
    assert redirects and int(redirects.group(1)) >= 4  # www. robots.txt, the archive links
    with sqlite3.connect(tmp_path / "store.db") as db:
        assert db.execute("select count(*) from articles").fetchone()[0] == len(POSTS)


def test_wire_story_dedup_spans_both_platforms(tmp_path: Path) -> None:
    classic, _ = crawl(tmp_path, "classic", "spacedaily", "-a", "sections=science")
    assert any(r["headline"] == "Asteroid grains contain building blocks of life, Japanese team "
               "says" for r in classic)  # fmt: skip
    mars, log = crawl(tmp_path, "mars", "news", "-a", f"start_urls={BASE}/")
    assert sorted(r["url"] for r in mars) == sorted(set(POSTS) - {WIRE_URL})
    # Both copies say 03:20 UTC (one in Tokyo's time); of equal dates the first URL in string
    # order is canonical (newscrawl.canonical): the new copy takes the story's place, out
    # of the feed, which had the story from the first crawl.
    assert "newscrawl/canonical_replaced': 1" in log
    exported = tmp_path / "all.jsonl"
    result = subprocess.run(
        [sys.executable, "-m", "newscrawl.cli", "export", "--store",
         f"sqlite:///{tmp_path / 'store.db'}", "-o", str(exported)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    stored = {r["url"]: r for r in map(json.loads, exported.read_text().splitlines())}
    assert stored[WIRE_URL]["aliases"] == ["https://spacedaily.com/2022/221022032000.8rbjxa8u.html"]
    assert "https://spacedaily.com/2022/221022032000.8rbjxa8u.html" not in stored
