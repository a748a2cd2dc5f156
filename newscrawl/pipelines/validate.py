"""Records that are not articles are dropped here, logged and counted, with a reason.

A record without a URL, headline or body is rejected as ``missing_<field>``; a
:class:`~newscrawl.items.Rejection` yielded by a spider (not HTML, extraction failed) is
rejected with its own reason. Every rejection is counted as ``newscrawl/rejected/<reason>``
and recorded by the store pipeline, so a page that had no headline today is not fetched
again tomorrow.
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler

from newscrawl.exceptions import RejectedItem
from newscrawl.items import ArticleItem, Rejection

REQUIRED_FIELDS = ("url", "headline", "body")


class ValidatePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, Rejection):
            self._reject(item.url, item.reason, item.detail)
        if isinstance(item, ArticleItem):
            for name in REQUIRED_FIELDS:
                if not item.get(name):
                    self._reject(item.get("url") or "?", f"missing_{name}")
        return item

    def _reject(self, url: str, reason: str, detail: str | None = None) -> None:
        self.stats.inc_value("newscrawl/rejected")
        self.stats.inc_value(f"newscrawl/rejected/{reason}")
        raise RejectedItem(url, reason, detail)
