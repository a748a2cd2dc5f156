"""Near-duplicates: the same story with edits, this run and earlier runs.

The detection itself (shingles, MinHash sketches, the banded index, the score) is
:mod:`newscrawl.neardup`; this pipeline feeds it records and drops the matches, unless a
match is a copy that outranks the stored story (:mod:`newscrawl.canonical`): that one goes
on, marked ``copy_of`` with its sketch, to take the story's place in the store.
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newscrawl.canonical import CopyOf, outranks
from newscrawl.exceptions import NearDuplicateItem
from newscrawl.extensions.store import CrawlStore
from newscrawl.items import ArticleItem
from newscrawl.neardup import MemoryIndex, NearDupConfig, NearDupDetector, StoreIndex
from newscrawl.storage import StoreError


class NearDupPipeline:
    """Near-duplicates: the same story with edits, this run and earlier runs.

    Runs after the dedup pipeline, so only records with a new URL and a new body are
    sketched (unless an extraction worker sketched them already). A record that matches
    nothing is indexed (in the store, beside the article the store pipeline writes next;
    without a store, in memory for this run).
    """

    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.getbool("NEARDUP_ENABLED", True):
            raise NotConfigured("NEARDUP_ENABLED is off")
        self.crawler = crawler
        self.stats = crawler.stats
        self.config = NearDupConfig.from_settings(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NearDupPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.owner = self.crawler.get_extension(CrawlStore)
        if self.owner is not None:
            index: StoreIndex | MemoryIndex = StoreIndex(self.owner.store)
        else:
            index = MemoryIndex()
        self.detector = NearDupDetector(index, self.config)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        headline, body = item.get("headline"), item.get("body")
        made = item.pop("sketch", None)  # by an extraction worker, maybe
        sketched = made is not None and made.fits(self.config, headline, body)
        sketch = made.sketch if sketched else None
        try:
            return self._process(item, headline, body, sketch, sketched)
        except StoreError as exc:
            if self.owner is None:
                raise
            raise self.owner.stop_on_error(exc) from exc

    def _process(
        self, item: ArticleItem, headline: Any, body: Any, sketch: Any, sketched: bool
    ) -> ArticleItem:
        copy_of = item.get("copy_of")
        if copy_of is not None:  # an exact copy taking its story's place: bring its entry
            # Its lines are not counted as template: an exact copy met after its story is
            # dropped uncounted (dedup pipeline), so counting this one would make the counts
            # depend on which copy came first.
            copy_of.sketch = self.detector.entry(
                item["url"], headline, body, sketch, sketched=sketched
            )
            if copy_of.sketch is not None and self.owner is not None:
                self.owner.store.reserve(copy_of.sketch[2])
            return item
        examined = self.detector.examine(item["url"], headline, body, sketch, sketched=sketched)
        self.detector.index.add_lines(examined.line_keys)  # a match's too (see check())
        if examined.match is None:
            if examined.entry is not None:
                self.detector.index.add(item["url"], *examined.entry)
            return item
        story = self.owner.store.story(examined.match.url) if self.owner is not None else None
        if story is not None and outranks(
            item["url"], item.get("published"), story.url, story.published
        ):
            item["copy_of"] = CopyOf(story.url, examined.entry)
            return item
        self.stats.inc_value("newscrawl/duplicate")
        self.stats.inc_value("newscrawl/duplicate/near_duplicate")
        raise NearDuplicateItem(
            item["url"], examined.match.url, examined.match.score, item.get("fingerprint")
        )
