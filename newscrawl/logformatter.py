"""Log formatting: a dropped item is logged as its one-line reason.

Scrapy's default logs the whole record with every drop; a crawl drops one item per
duplicate and rejected page, and full records would drown the log.
"""

from __future__ import annotations

from typing import Any

from scrapy.logformatter import LogFormatter, LogFormatterResult


class DropLogFormatter(LogFormatter):
    """Log a dropped item as its one-line reason (``LOG_FORMATTER``)."""

    def dropped(
        self, item: Any, exception: BaseException, response: Any, spider: Any
    ) -> LogFormatterResult:
        result = super().dropped(item, exception, response, spider)
        result["msg"] = "Dropped: %(exception)s"
        result["args"] = {"exception": exception}
        return result
