"""The record pipelines that deduplicate, driven without a crawl (see :mod:`.crawlers`)."""

from __future__ import annotations

from newscrawl.exceptions import DuplicateItem
from newscrawl.items import ArticleItem
from newscrawl.pipelines.dedup import DedupPipeline
from newscrawl.pipelines.neardup import NearDupPipeline
from newscrawl.pipelines.normalize import NormalizePipeline
from newscrawl.pipelines.store import StorePipeline
from tests.support.crawlers import end_crawl, store_crawler


class Chain:
    """Normalise -> exact dedup -> near-dup -> store, drops reported as the engine does."""

    def __init__(self, store_url: str | None, **settings) -> None:
        self.crawler = store_crawler(store_url, **settings)
        self.stages = [NormalizePipeline(), DedupPipeline.from_crawler(self.crawler),
                       NearDupPipeline.from_crawler(self.crawler)]  # fmt: skip
        self.store = StorePipeline.from_crawler(self.crawler) if store_url else None
        for stage in [*self.stages[1:], *([self.store] if self.store else [])]:
            stage.open_spider()

    def feed(self, url: str, headline: str, body: str):
        item = ArticleItem(url=url, site=url.split("/")[2], headline=headline, body=body,
                           fetched_at="2026-01-01T00:00:00+00:00")  # fmt: skip
        try:
            for stage in self.stages:
                item = stage.process_item(item)
            if self.store:
                item = self.store.process_item(item)
                self.store.item_scraped(item)
        except DuplicateItem as exc:
            if self.store:
                self.store.item_dropped(item, None, exc)
            return exc
        return item

    def close(self) -> None:
        if self.store:
            self.store.close_spider()
        end_crawl(self.crawler)
