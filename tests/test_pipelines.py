"""Pipelines with a real crawler object and a real store, SQLite and PostgreSQL (no crawl
needed)."""

from __future__ import annotations

import pytest
from scrapy.exceptions import NotConfigured

from newscrawl.exceptions import DuplicateItem, RejectedItem
from newscrawl.items import ArticleItem, Rejection
from newscrawl.pipelines.dedup import DedupPipeline
from newscrawl.pipelines.normalize import NormalizePipeline
from newscrawl.pipelines.store import StorePipeline
from newscrawl.pipelines.validate import ValidatePipeline
from newscrawl.storage import open_store
from tests.support.crawlers import end_crawl, store_crawler


class Chain:
    """The four pipelines in settings order, with drops reported as the engine does."""

    def __init__(self, store_url: str) -> None:
        self.crawler = store_crawler(store_url)
        make = lambda cls: cls.from_crawler(self.crawler)  # noqa: E731
        self.normalize = NormalizePipeline()
        self.validate, self.dedup, self.store = (
            make(ValidatePipeline), make(DedupPipeline), make(StorePipeline)
        )  # fmt: skip
        self.dedup.open_spider()
        self.store.open_spider()
        self.passed: list[dict] = []

    def feed(self, item):
        try:
            item = self.normalize.process_item(item)
            item = self.validate.process_item(item)
            item = self.dedup.process_item(item)
            item = self.store.process_item(item)
        except (RejectedItem, DuplicateItem) as exc:
            self.store.item_dropped(item, None, exc)
            return exc
        self.store.item_scraped(item)
        self.passed.append(dict(item))
        return item

    def close(self) -> None:
        self.store.close_spider()
        end_crawl(self.crawler)

    def stat(self, name: str) -> int | None:
        return self.crawler.stats.get_value(name)


def article(url: str, body: str = "Body text.", headline: str = "Headline") -> ArticleItem:
    return ArticleItem(url=url, site=url.split("/")[2], headline=headline, body=body,
                       fetched_at="2026-01-01T00:00:00+00:00", authors=[], images=[],
                       related_links=[])  # fmt: skip


def test_validation_rejects_and_counts(store_url: str) -> None:
    chain = Chain(store_url)
    assert isinstance(chain.feed(article("https://a.example/1", body=" \n ")), RejectedItem)
    assert isinstance(chain.feed(article("https://a.example/2", headline="")), RejectedItem)
    assert isinstance(chain.feed(Rejection("https://a.example/3.pdf", "not_html")), RejectedItem)
    chain.close()
    assert chain.stat("newscrawl/rejected") == 3
    assert chain.stat("newscrawl/rejected/missing_body") == 1
    assert chain.stat("newscrawl/rejected/missing_headline") == 1
    assert chain.stat("newscrawl/rejected/not_html") == 1
    store = open_store(store_url)
    assert store.rejections() == [
        ("https://a.example/1", "missing_body"),
        ("https://a.example/2", "missing_headline"),
        ("https://a.example/3.pdf", "not_html"),
    ]
    assert list(store.articles()) == []


def test_dedup_by_url_and_by_body_within_and_across_runs(store_url: str) -> None:
    chain = Chain(store_url)
    first = chain.feed(article("https://a.example/1", body="Wire story text."))
    assert isinstance(first, ArticleItem) and first["fingerprint"]
    same_url = chain.feed(article("https://a.example/1", body="Edited text."))
    assert isinstance(same_url, DuplicateItem) and same_url.reason == "same_url"
    copy = chain.feed(article("https://b.example/9", body="Wire  story text!"))
    assert isinstance(copy, DuplicateItem) and copy.reason == "same_body"
    assert copy.canonical == "https://a.example/1"
    chain.close()
    assert chain.stat("newscrawl/stored") == 1
    assert chain.stat("newscrawl/duplicate/same_body") == 1

    tomorrow = Chain(store_url)
    assert isinstance(tomorrow.feed(article("https://a.example/1")), DuplicateItem)
    via_alias = tomorrow.feed(article("https://b.example/9", body="Other."))
    assert isinstance(via_alias, DuplicateItem) and via_alias.canonical == "https://a.example/1"
    assert isinstance(
        tomorrow.feed(article("https://c.example/5", body="wire story TEXT")), DuplicateItem
    )
    new = tomorrow.feed(article("https://c.example/6", body="A different story."))
    assert isinstance(new, ArticleItem)
    tomorrow.close()
    store = open_store(store_url)
    assert [r["url"] for r in store.articles()] == ["https://a.example/1", "https://c.example/6"]
    assert store.aliases() == [
        ("https://b.example/9", "https://a.example/1", "same_body"),
        ("https://c.example/5", "https://a.example/1", "same_body"),
    ]


def test_stored_record_is_the_normalised_item(store_url: str) -> None:
    chain = Chain(store_url)
    chain.feed(article("https://a.example/1", body="  One\u00a0two.\n\n\n Three. "))
    chain.close()
    (stored,) = open_store(store_url).articles()
    assert stored == chain.passed[0]
    assert stored["body"] == "One two.\n\nThree."


def test_store_off_when_store_url_empty() -> None:
    with pytest.raises(NotConfigured):
        StorePipeline.from_crawler(store_crawler(""))
