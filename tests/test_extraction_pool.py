"""The extraction pool (newscrawl.extensions.pool): real crawls of the mirror through the
recording proxy, with extraction in worker processes and in the crawl process.

No timing is asserted here (bench/crawl_throughput.py measures); these tests hold the
pool to giving the same records as in-process extraction, and to losing one page, never
the crawl, when a worker raises or dies.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import MIRROR, MIRROR_STORIES, ROOT, scrapy_command
from scrapy.http import HtmlResponse

from newscrawl.extract.decoding import response_text
from newscrawl.urls import canonicalize_url
from tests.support.faulty_extraction import DIES, HOGS, RAISES
from tests.support.servers import RecordingProxy

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"]  # fmt: skip


def crawl(folder: Path, proxy: RecordingProxy, workers: int, *extra: str):
    folder.mkdir(parents=True, exist_ok=True)
    env = {"http_proxy": proxy.url, "https_proxy": proxy.url, "PYTHONPATH": str(ROOT)}
    result = scrapy_command(
        "crawl", "smn", "-O", str(folder / "feed.jsonl"), "-s", f"EXTRACTION_WORKERS={workers}",
        *FAST, *extra, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    return result


def stat(stderr: str, name: str) -> int:
    """A counter from the stats Scrapy dumps at the end of the log (0 when absent)."""
    found = re.search(rf"'{re.escape(name)}': (\d+)", stderr)
    return int(found.group(1)) if found else 0


def items_by_url(feed: Path) -> dict[str, set[str]]:
    """Each URL's distinct records (a page can be requested twice: from a listing, and
    again when a feed dates it later), without what depends on the crawl's timing, not on
    extraction: the fetch time, and the section of a page that names none, which is the
    section of whichever listing's link reached it first (a related box's link has none).
    """
    found: dict[str, set[str]] = defaultdict(set)
    for line in feed.read_text("utf-8").splitlines():
        record = json.loads(line)
        record.pop("fetched_at", None)
        record.pop("section", None)
        found[record["url"]].add(json.dumps(record, sort_keys=True))
    return dict(found)


@pytest.fixture(scope="module")
def proxy():
    with RecordingProxy(MIRROR) as running:
        yield running


def test_pool_and_in_process_extraction_give_identical_items(proxy, tmp_path: Path) -> None:
    """Every extracted item, before any pipeline (duplicates, rejections and all)."""
    raw = ["-s", "ITEM_PIPELINES={}", "-s", "STORE_URL="]
    here = crawl(tmp_path / "here", proxy, 0, *raw)
    pool = crawl(tmp_path / "pool", proxy, 2, *raw)
    assert stat(here.stderr, "newscrawl/extraction/offloaded") == 0
    assert "no page deadline (EXTRACTION_TIMEOUT)" in here.stderr  # said, since not applied
    in_process = items_by_url(tmp_path / "here" / "feed.jsonl")
    assert stat(pool.stderr, "newscrawl/extraction/offloaded") >= len(in_process) > MIRROR_STORIES
    assert items_by_url(tmp_path / "pool" / "feed.jsonl") == in_process


def stories_in(store: Path) -> set[frozenset[str]]:
    """Each story's URLs (its record's and its aliases'), whichever copy arrived first
    and became the record: what deduplication decided, independent of arrival order."""
    db = sqlite3.connect(store)
    urls = {url: fp for url, fp in db.execute("SELECT url, fingerprint FROM articles")}
    stories: dict[str, set[str]] = defaultdict(set)
    for url, fp in urls.items():
        stories[fp].add(url)
    for alias, url in db.execute("SELECT alias, url FROM aliases"):
        stories[urls[url]].add(alias)
    db.close()
    return {frozenset(urls) for urls in stories.values()}


def test_pipelines_decide_the_same_with_work_done_in_the_workers(proxy, tmp_path: Path) -> None:
    """Workers also normalize and sketch; dedup and near-dup decisions must not change."""
    stores = {}
    for name, workers in (("here", 0), ("pool", 1)):
        store = tmp_path / name / "store.db"
        crawl(tmp_path / name, proxy, workers, "-s", f"STORE_URL=sqlite:///{store}")
        stores[name] = stories_in(store)
    assert len(stores["here"]) == MIRROR_STORIES
    assert stores["pool"] == stores["here"]
    assert any(len(urls) == 3 for urls in stores["pool"]), "three sister-site copies: one story"


def test_a_worker_that_raises_or_dies_costs_one_page(proxy, tmp_path: Path) -> None:
    store = tmp_path / "store.db"
    result = crawl(
        tmp_path, proxy, 1, "-s", f"STORE_URL=sqlite:///{store}",
        "-s", "EXTRACTION_FUNCTION=tests.support.faulty_extraction.extract",
    )  # fmt: skip
    db = sqlite3.connect(store)
    rejected = dict(db.execute("SELECT url, reason FROM rejections"))
    stored = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    db.close()
    assert rejected[canonicalize_url(RAISES)] == "extraction_error"
    assert rejected[canonicalize_url(DIES)] == "extraction_crash"
    assert stored == MIRROR_STORIES - 2, "every other story is stored"
    assert stat(result.stderr, "newscrawl/extraction/failed/extraction_error") == 1
    assert stat(result.stderr, "newscrawl/extraction/failed/extraction_crash") == 1
    assert stat(result.stderr, "newscrawl/extraction/worker_died") == 1
    assert "'finish_reason': 'finished'" in result.stderr
    assert "ValueError: a bug in extraction code" in result.stderr


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("Caf\u00e9 \u2014 \u201cquoted\u201d".encode("cp1252"), "text/html; charset=windows-1252"),
        ("\ufeffBOM first: \u00fcber".encode("utf-16-le"), "text/html"),
        (
            "\u6771\u4eac\u306e\u30cb\u30e5\u30fc\u30b9".encode("shift_jis"),
            "text/html; charset=shift_jis",
        ),
        (b'<meta charset="iso-8859-2"><p>\xb1\xe6\xea</p>', "text/html"),
        (b"<p>undeclared \xe9 bytes</p>", "text/html"),
    ],
)
def test_workers_decode_bodies_exactly_as_scrapy(body: bytes, content_type: str) -> None:
    response = HtmlResponse(
        "https://example.com/a", body=body, headers={"Content-Type": content_type}
    )
    assert response_text(response.body, response.encoding) == response.text


# -- bounds on one page (EXTRACTION_TIMEOUT, EXTRACTION_MEMORY_LIMIT) ---------------------

SLOW = "https://www.slow.example/2025/01/01/a-story-with-twelve-thousand-links/"
ORDINARY = "https://www.slow.example/2025/01/03/the-harbour-ferry-runs-again/"


def article(headline: str, body: str) -> str:
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle",
                     "headline": headline, "datePublished": "2025-01-01T08:00:00Z"})  # fmt: skip
    return (
        f'<html><head><title>{headline}</title><script type="application/ld+json">{ld}'
        f"</script></head><body><article><h1>{headline}</h1>{body}</article></body></html>"
    )


def slow_site(root: Path) -> None:
    """A home page and three stories: one whose 12,000 inline links cost trafilatura
    about 20 s of CPU, one the faulty extraction fills 1 GiB on, one ordinary."""
    site = root / "www.slow.example"
    words = (
        "The harbour ferry resumed its morning crossings on Monday after a month in dry"
        " dock, and the first boat left the pier with forty passengers and six bicycles."
    )
    paragraphs = "".join(f"<p>{words} Paragraph {n} adds its own detail.</p>" for n in range(8))
    links = " ".join(f'see <a href="/notes/{n}/">note {n}</a> here' for n in range(12_000))
    pages = {
        SLOW: article("A story with twelve thousand links", f"<p>{links}</p>{paragraphs}"),
        HOGS: article("A story that needs too much memory", paragraphs),
        ORDINARY: article("The harbour ferry runs again", paragraphs),
    }
    for url, html in pages.items():
        folder = site / url.split("/", 3)[3].rstrip("/")
        folder.mkdir(parents=True)
        (folder / "index.html").write_text(html)
    items = "".join(f'<li><a href="{url}">{url.rsplit("/", 2)[1]}</a></li>' for url in pages)
    (site / "index.html").write_text(
        f"<html><body><h1>Slow news</h1><ul>{items}</ul></body></html>"
    )


def test_a_page_past_the_deadline_or_the_memory_limit_costs_that_page(tmp_path: Path) -> None:
    slow_site(tmp_path / "site")
    store = tmp_path / "store.db"
    with RecordingProxy(tmp_path / "site") as server:
        env = {"http_proxy": server.url, "https_proxy": server.url, "PYTHONPATH": str(ROOT)}
        result = scrapy_command(
            "crawl", "news", "-a", "start_urls=https://www.slow.example/", *FAST,
            "-s", f"STORE_URL=sqlite:///{store}", "-s", "EXTRACTION_WORKERS=1",
            "-s", "EXTRACTION_TIMEOUT=1", "-s", f"EXTRACTION_MEMORY_LIMIT={256 << 20}",
            "-s", "EXTRACTION_FUNCTION=tests.support.faulty_extraction.extract",
            env=env,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    db = sqlite3.connect(store)
    rejected = dict(db.execute("SELECT url, reason FROM rejections"))
    stored = [url for (url,) in db.execute("SELECT url FROM articles")]
    db.close()
    assert rejected == {
        canonicalize_url(SLOW): "extraction_timeout",
        canonicalize_url(HOGS): "extraction_memory",
    }
    assert stored == [canonicalize_url(ORDINARY)]
    assert stat(result.stderr, "newscrawl/extraction/worker_died") == 2, "replaced twice"
    assert "'finish_reason': 'finished'" in result.stderr
    assert "Traceback" not in result.stderr
