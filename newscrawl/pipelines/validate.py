"""Records that are not articles are dropped here, logged and counted, with a reason.

A record without a URL, headline or body is rejected as ``missing_<field>``; a
:class:`~newscrawl.items.Rejection` yielded by a spider (not HTML, extraction failed) is
rejected with its own reason. Every rejection is counted as ``newscrawl/rejected/<reason>``
and recorded by the store pipeline, so a page that had no headline today is not fetched
again tomorrow.

A page whose every paragraph is declared paywalled (``free_access`` false, the body left
empty by the paywall rule) is rejected as ``paywalled``: there is no free text.

A crawl started with ``-a languages=en,fr`` (any spider: the argument is read here, from
the spider's attributes) keeps only records in those languages (the record's
``language``, its primary subtag: ``en-gb`` is ``en``); the others, and records whose
language is unknown, are rejected as ``language``.
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler

from newscrawl.exceptions import RejectedItem
from newscrawl.extract.langid import accepted, parse_wanted
from newscrawl.items import ArticleItem, Rejection

REQUIRED_FIELDS = ("url", "headline", "body")


class ValidatePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        # The spider's ``languages`` argument (the spider exists when pipelines are made): a
        # malformed one fails the crawl before it starts, as other bad arguments do.
        self.languages = parse_wanted(getattr(crawler.spider, "languages", None))

    def open_spider(self) -> None:
        """Read the argument again: a crawler made without a spider (tests) gets one here."""
        self.languages = parse_wanted(getattr(self.crawler.spider, "languages", None))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, Rejection):
            self._reject(item.url, item.reason, item.detail)
        if isinstance(item, ArticleItem):
            if item.get("paywalled_omitted") and not item.get("body"):
                # Every paragraph is declared paywalled: no free text to make a story of.
                self._reject(item.get("url") or "?", "paywalled")
            for name in REQUIRED_FIELDS:
                if not item.get(name):
                    self._reject(item.get("url") or "?", f"missing_{name}")
            language = item.get("language")
            if self.languages and not accepted(language, self.languages):
                self._reject(item["url"], "language", language or "unknown")
        return item

    def _reject(self, url: str, reason: str, detail: str | None = None) -> None:
        self.stats.inc_value("newscrawl/rejected")
        self.stats.inc_value(f"newscrawl/rejected/{reason}")
        raise RejectedItem(url, reason, detail)
