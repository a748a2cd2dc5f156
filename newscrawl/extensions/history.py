"""The run history: each crawl's run report kept as a row of the store's ``runs`` table.

:class:`RunHistory` counts per-site duplicate kinds while the crawl runs and, at engine
stop, opens the store afresh (the crawl's own connection is closed with the spider) and
records the row :func:`newscrawl.reporting.runs.run_record` builds. A run that cannot be
recorded is one logged error, never a traceback: the crawl's records are safe.
``newscrawl report`` draws the history (:mod:`newscrawl.reporting`).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newscrawl.exceptions import DuplicateItem
from newscrawl.extensions.report import PREFIX
from newscrawl.reporting.runs import run_record
from newscrawl.storage import StoreError, open_store
from newscrawl.urls import site_of

logger = logging.getLogger(__name__)


def crawler_record(crawler: Crawler) -> dict[str, Any]:
    """:func:`run_record` for a crawler, with its settings' floors."""
    settings = crawler.settings
    return run_record(
        crawler.stats.get_stats(),
        spider=crawler.spider.name if crawler.spider else crawler.spidercls.name,
        floors=settings.getdict("NEWSCRAWL_COVERAGE_FLOORS"),
        coverage_min_articles=settings.getint("NEWSCRAWL_COVERAGE_MIN_ARTICLES", 10),
        min_articles=settings.getint("NEWSCRAWL_MIN_ARTICLES", 0),
        site_floors=settings.getdict("NEWSCRAWL_SITE_COVERAGE_FLOORS"),
    )


def save_run(store_url: str, record: dict[str, Any]) -> int | None:
    """Record ``record`` in the store ``store_url`` names; its id, or None (logged) when the
    store cannot take it."""
    try:
        store = open_store(store_url)
        try:
            run_id = store.record_run(record)
        finally:
            store.close()
    except (StoreError, ValueError) as exc:
        logger.error("Run not recorded in the store: %s", exc)
        return None
    logger.info("Run recorded in the store as run %d", run_id)
    return run_id


class RunHistory:
    """Extension: the run's row in ``runs`` at engine stop (``NEWSCRAWL_RUN_HISTORY``)."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.store_url = settings.get("STORE_URL")
        if not self.store_url:
            raise NotConfigured("STORE_URL is empty: no run history")
        if not settings.getbool("NEWSCRAWL_RUN_HISTORY", True):
            raise NotConfigured("NEWSCRAWL_RUN_HISTORY is off")
        self.crawler = crawler
        self.stats = crawler.stats
        self.run_id: int | None = None
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunHistory:
        return cls(crawler)

    def item_dropped(self, item: Any, exception: BaseException) -> None:
        """Duplicates by kind per site (``same_url``, ``same_body``, ``near_duplicate``)."""
        if isinstance(exception, DuplicateItem):
            for where in (site_of(exception.url), "all"):
                self.stats.inc_value(f"{PREFIX}/{where}/duplicate/{exception.reason}")

    def engine_stopped(self) -> None:
        self.run_id = save_run(self.store_url, crawler_record(self.crawler))
