"""The run report: what a crawl did and what went wrong, in one log line and one JSON file.

At the end of every crawl, :class:`RunReport` gathers the counters that answer "did it
work?" from the stats: why it finished, what was stored, rejected or found twice, what
failed for good (``newscrawl/failures/<kind>``, see :mod:`newscrawl.failures`), what was
refused on purpose (guards, robots.txt, offsite) and how many retries it took. It logs them
as one line (WARNING when anything failed, else INFO) and, with ``RUN_REPORT=PATH``, writes
them to ``PATH`` as JSON for cron jobs and monitoring.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

# Finish reasons that mean the crawl did not do its job (the crawl command exits non-zero).
FAILED_REASONS = frozenset({"store_error"})


def _group(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    prefix += "/"
    return {k[len(prefix) :]: v for k, v in sorted(stats.items()) if k.startswith(prefix)}


def build_report(stats: dict[str, Any]) -> dict[str, Any]:
    """The report's fields, from a crawl's stats."""
    refused = _group(stats, "newscrawl/refused")
    for key, kind in (("robotstxt/forbidden", "robots_txt"), ("offsite/filtered", "offsite")):
        if stats.get(key):
            refused[kind] = stats[key]
    reason = stats.get("finish_reason")
    return {
        "finish_reason": reason,
        "ok": reason not in FAILED_REASONS and not stats.get("newscrawl/store_error"),
        "store_error": stats.get("newscrawl/store_error"),
        "pages": stats.get("response_received_count", 0),
        "stored": stats.get("newscrawl/stored", 0),
        "rejected": _group(stats, "newscrawl/rejected"),
        "duplicates": stats.get("newscrawl/duplicate", 0),
        "failures": _group(stats, "newscrawl/failures"),
        "refused": refused,
        "retries": stats.get("retry/count", 0),
        "spider_errors": _group(stats, "spider_exceptions"),
    }


class RunReport:
    """Extension: logs the run report at close and writes it to ``RUN_REPORT`` if set."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.path = crawler.settings.get("RUN_REPORT")
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunReport:
        return cls(crawler)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = dict(self.crawler.stats.get_stats())
        stats.setdefault("finish_reason", reason)
        report = build_report(stats)
        failed = sum(report["failures"].values())
        level = logging.WARNING if failed or not report["ok"] else logging.INFO
        logger.log(
            level,
            "Run report: %s, %d pages, %d stored, %d failed %s, %d refused %s",
            report["finish_reason"],
            report["pages"],
            report["stored"],
            failed,
            {k: v for k, v in report["failures"].items() if "/" not in k},
            sum(report["refused"].values()),
            report["refused"],
        )
        if self.path:
            path = Path(self.path)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
