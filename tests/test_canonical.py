"""Which copy of a story is canonical: a rule about the copies (newscrawl.canonical), so two
crawls of the same pages store the same records whatever order the pages came in."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from conftest import MIRROR, MIRROR_STORIES, STORIES, scrapy_command

from newscrawl.canonical import outranks, published_key
from newscrawl.exceptions import CanonicalReplaced, DuplicateItem
from newscrawl.items import ArticleItem
from newscrawl.pipelines.dedup import DedupPipeline
from newscrawl.pipelines.neardup import NearDupPipeline
from newscrawl.pipelines.normalize import NormalizePipeline
from newscrawl.pipelines.store import StorePipeline
from newscrawl.storage import open_store
from newscrawl.storage.export import export, read_lines
from tests.support.crawlers import end_crawl, store_crawler
from tests.support.snapshot import store_snapshot

STORY = json.loads(STORIES.read_text(encoding="utf-8"))[0]
BODY = "\n\n".join(STORY["paragraphs"])
EDITED = "\n\n".join(STORY["paragraphs"][:-1] + ["Subscribe to our free daily newsletter"])
EDITED = EDITED.replace("\u2019", "'")


# -- the rule ------------------------------------------------------------------------------


def test_earliest_published_then_url() -> None:
    assert outranks("https://z/1", "2024-01-09T10:00:00", "https://a/1", "2024-01-09T17:00:00")
    # a bare date is the end of its day: the copy giving the hour comes first
    assert outranks("https://z/1", "2024-01-09T23:00:00", "https://a/1", "2024-01-09")
    assert outranks("https://z/1", "2024-01-09", "https://a/1", "2024-01-10T00:00:00")
    # offsets are compared in UTC; a time without one is taken as UTC
    assert outranks("https://z/1", "2024-01-09T12:00:00-05:00", "https://a/1", "2024-01-09T18:00")
    assert not outranks(
        "https://z/1", "2024-01-09T12:00:00-05:00", "https://a/1", "2024-01-09T17:00"
    )
    # undated (or unreadable) after dated; then the URL
    assert outranks("https://z/1", "2024-01-09", "https://a/1", None)
    assert outranks("https://z/1", "2024-01-09", "https://a/1", "yesterday")
    assert outranks("https://a/1", None, "https://z/1", None)
    assert not outranks("https://a/1", "2024-01-09", "https://a/1", "2024-01-09")
    assert published_key(None) == published_key("") == published_key("2024-13-45")


# -- the pipelines and the store, copies in every order ----------------------------------


class Chain:
    """Normalise -> dedup -> near-dup -> store, drops reported as the engine does."""

    def __init__(self, store_url: str) -> None:
        self.crawler = store_crawler(store_url)
        self.stages = [NormalizePipeline(), DedupPipeline.from_crawler(self.crawler),
                       NearDupPipeline.from_crawler(self.crawler),
                       StorePipeline.from_crawler(self.crawler)]  # fmt: skip
        for stage in self.stages[1:]:
            stage.open_spider()
        self.fed: list[str] = []

    def feed(self, copy: tuple[str, str, str, str | None]):
        url, headline, body, published = copy
        item = ArticleItem(url=url, site=url.split("/")[2], headline=headline, body=body,
                           published=published, fetched_at="2026-01-01T00:00:00+00:00",
                           authors=[], images=[], related_links=[])  # fmt: skip
        try:
            for stage in self.stages:
                item = stage.process_item(item)
            self.stages[-1].item_scraped(item)
        except DuplicateItem as exc:
            self.stages[-1].item_dropped(item, None, exc)
            return exc
        self.fed.append(url)
        return item

    def close(self) -> None:
        self.stages[-1].close_spider()
        end_crawl(self.crawler)


# One story, five places: two with the story's own words, two edited copies with the same
# edits, one edited otherwise; the earliest (the origin) is an edited copy, and two copies
# are undated.
COPIES = [
    ("https://d.example/2024/story", STORY["headline"], BODY, "2024-01-09T17:00:00+00:00"),
    ("https://b.example/story", STORY["headline"], BODY.replace("\u2019", "'"), "2024-01-09"),
    ("https://e.example/story", "Edited", EDITED, "2024-01-09T11:00:00-05:00"),
    ("https://a.example/story", "Edited again", EDITED, None),
    ("https://c.example/story", "Cut", "\n\n".join(STORY["paragraphs"][1:]), None),
]


def crawl_in_order(store_url: str, order: list[int], runs: int = 1) -> tuple[list, list]:
    """Feed COPIES in ``order``, spread over ``runs`` crawls of the same store."""
    outcomes, fed = [], []
    per_run = -(-len(order) // runs)
    for start in range(0, len(order), per_run):
        chain = Chain(store_url)
        for index in order[start : start + per_run]:
            outcomes.append(type(chain.feed(COPIES[index])).__name__)
        chain.close()
        fed += chain.fed
    return outcomes, fed


@pytest.fixture
def fresh_store(request: pytest.FixtureRequest, tmp_path: Path, store_url: str):
    """More empty stores of the backend of ``store_url``."""
    made = iter(range(1, 1000))

    def make() -> str:
        if store_url.startswith("sqlite:"):
            return f"sqlite:///{tmp_path / f'store-{next(made)}.db'}"
        return request.getfixturevalue("postgres").new_database()

    return make


@pytest.mark.parametrize("runs", [1, 3], ids=["one_run", "three_runs"])
def test_every_order_of_the_copies_stores_the_same(fresh_store, runs: int) -> None:
    orders = [list(order) for order in itertools.permutations(range(len(COPIES)))]
    orders = orders[:: len(orders) // 12]  # 12 of the 120 orders, the first among them
    orders.append(list(reversed(range(len(COPIES)))))
    snapshots = []
    for order in orders:
        url = fresh_store()
        outcomes, fed = crawl_in_order(url, order, runs)
        assert len(fed) == 1 and outcomes.count("ArticleItem") == 1, (order, outcomes)
        snapshots.append(store_snapshot(url))
    first = snapshots[0]
    assert all(snapshot == first for snapshot in snapshots[1:])
    # The canonical copy is the earliest published: e.example's (16:00 UTC), an edited copy.
    (record,) = [record for _, record in first["articles"].values()]
    assert record["url"] == "https://e.example/story"
    assert [p["url"] for p in record["also_at"]] == [u for u, *_ in sorted(COPIES)
                                                     if u != record["url"]]  # fmt: skip
    reasons = {alias: reason for alias, _, _, reason, _ in first["aliases"]}
    assert reasons == {
        "https://a.example/story": "same_body",  # the same edits as the canonical copy
        "https://b.example/story": "near_duplicate",
        "https://c.example/story": "near_duplicate",
        "https://d.example/2024/story": "near_duplicate",
    }
    assert [url for url, _, _ in first["sketches"]] == ["https://e.example/story"]


def test_a_better_copy_found_later_takes_the_place_and_is_exported_again(
    store_url: str, tmp_path: Path
) -> None:
    first = Chain(store_url)
    assert isinstance(first.feed(COPIES[1]), ArticleItem)  # b.example: dated the day only
    assert isinstance(first.feed(COPIES[3]), DuplicateItem)  # a.example: edited, undated
    first.close()
    batch = tmp_path / "batch.jsonl"
    export(open_store(store_url), output=batch, cursor="warehouse")
    assert [r["url"] for r in read_lines(batch)] == ["https://b.example/story"]

    later = Chain(store_url)  # another day: a page of the same words, at 17:00 UTC that day
    replaced = later.feed(COPIES[0])
    later.close()
    assert isinstance(replaced, CanonicalReplaced)  # stored, not in this crawl's feed
    assert replaced.canonical == "https://b.example/story" and replaced.reason == "same_body"
    assert later.crawler.stats.get_value("newscrawl/canonical_replaced") == 1
    export(open_store(store_url), output=batch, cursor="warehouse")
    (again,) = read_lines(batch)  # handed out again, under its new URL
    assert again["url"] == "https://d.example/2024/story"
    assert again["aliases"] == ["https://a.example/story", "https://b.example/story"]
    assert [p["url"] for p in again["also_at"]] == again["aliases"]


def as_left_by_the_previous_schema(store_url: str) -> None:
    """Take back the alias fingerprints and ``feed_marks`` (SQLite schema 5, PostgreSQL
    migration 4) and the later ``template_lines``: the store as the newscrawl before them
    left it."""
    if store_url.startswith("sqlite:"):
        import sqlite3

        with sqlite3.connect(store_url.removeprefix("sqlite:///")) as db:
            db.execute("DROP INDEX aliases_by_fingerprint")
            db.execute("ALTER TABLE aliases DROP COLUMN fingerprint")
            db.execute("DROP TABLE feed_marks")
            db.execute("DROP TABLE template_lines")
            db.execute("PRAGMA user_version=4")
        return
    import psycopg

    with psycopg.connect(store_url, autocommit=True) as db:
        db.execute("ALTER TABLE aliases DROP COLUMN fingerprint")
        db.execute("DROP TABLE feed_marks")
        db.execute("DROP TABLE template_lines")
        db.execute("DELETE FROM newscrawl_schema WHERE version >= 4")


def test_a_store_of_the_previous_schema_gains_fingerprints_and_keeps_its_aliases(
    store_url: str,
) -> None:
    """An alias stored before aliases had fingerprints (NULL after the upgrade) keeps its
    reason, and a better copy still takes the story's place."""
    first = Chain(store_url)
    assert isinstance(first.feed(COPIES[1]), ArticleItem)
    assert isinstance(first.feed(COPIES[3]), DuplicateItem)
    first.close()
    as_left_by_the_previous_schema(store_url)
    store = open_store(store_url)
    if store_url.startswith("sqlite:"):
        from newscrawl.storage.sqlite import SCHEMA_VERSION

        assert store._one("PRAGMA user_version")[0] == SCHEMA_VERSION
    else:
        from newscrawl.storage.postgres import SCHEMA_VERSION

        assert store.schema_version() == SCHEMA_VERSION
    assert store._all("SELECT alias, reason, fingerprint FROM aliases") == [
        ("https://a.example/story", "near_duplicate", None)
    ]
    assert store.feed_mark("nowhere") is None  # the table is back
    store.close()
    later = Chain(store_url)
    assert isinstance(later.feed(COPIES[0]), CanonicalReplaced)
    later.close()
    (record,) = [r for _, r in store_snapshot(store_url)["articles"].values()]
    assert record["url"] == "https://d.example/2024/story"
    assert [p["url"] for p in record["also_at"]] == [
        "https://a.example/story",
        "https://b.example/story",
    ]


# -- crawls of the mirror in other orders ---------------------------------------------------


def crawl_mirror(store: Path, spider: str, *extra: str) -> None:
    result = scrapy_command(
        "crawl", spider, "-s", f"MIRROR_DIR={MIRROR}", "-s", f"STORE_URL=sqlite:///{store}",
        *extra,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]


def test_crawls_of_the_mirror_in_other_orders_store_the_same(tmp_path: Path) -> None:
    """One page at a time through the whole network, then the sites one crawl each in two
    opposite orders (each later crawl finds copies of stories an earlier one stored): the
    same records, aliases and index, down to which copy is canonical."""
    crawl_mirror(tmp_path / "serial.db", "smn", "-s", "CONCURRENT_REQUESTS=1",
                 "-s", "EXTRACTION_WORKERS=0")  # fmt: skip
    for spider in ("terradaily", "spacedaily", "spacewar", "marsdaily"):
        crawl_mirror(tmp_path / "forward.db", spider)
    for spider in ("marsdaily", "spacewar", "spacedaily", "terradaily"):
        crawl_mirror(tmp_path / "backward.db", spider)
    serial, forward, backward = (
        store_snapshot(f"sqlite:///{tmp_path / name}.db")
        for name in ("serial", "forward", "backward")
    )
    assert len(serial["articles"]) == MIRROR_STORIES and len(serial["aliases"]) >= 14
    assert forward == serial
    assert backward == serial
