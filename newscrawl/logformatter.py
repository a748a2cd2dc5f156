"""How a crawl logs: a dropped item as its one-line reason, Scrapy's dumps out of INFO.

Scrapy's default logs the whole record with every drop; a crawl drops one item per
duplicate and rejected page, and full records would drown the log.

A scheduled crawl's log is read when something went wrong. At INFO, Scrapy itself writes
about 200 lines a run that say nothing about it: the versions of its libraries, the lists
of enabled components and overridden settings, and a stats dump whose per-site counters
the run report (:mod:`newscrawl.extensions.report`) already shows as a table. Those are
logged at DEBUG instead (``-L DEBUG`` shows them all, the run report file has the per-site
counters): :func:`quiet_scrapy_dumps` for the start-up dumps, :class:`ReportStatsCollector`
(``STATS_CLASS``) for the stats.
"""

from __future__ import annotations

import logging
import pprint
from typing import Any

from scrapy.logformatter import LogFormatter, LogFormatterResult
from scrapy.statscollectors import MemoryStatsCollector

logger = logging.getLogger(__name__)

# logger -> the start of the messages it logs at INFO that are dumps (Scrapy 2.19).
STARTUP_DUMPS = {
    "scrapy.utils.log": ("Versions:",),
    "scrapy.addons": ("Enabled addons:",),
    "scrapy.middleware": ("Enabled ",),  # extensions, middlewares, pipelines
    "scrapy.crawler": ("Overridden settings:",),
}
# Stats the run report shows per site; the INFO stats dump leaves them out.
REPORT_STATS = "newscrawl/report/"


class DropLogFormatter(LogFormatter):
    """Log a dropped item as its one-line reason (``LOG_FORMATTER``)."""

    def dropped(
        self, item: Any, exception: BaseException, response: Any, spider: Any
    ) -> LogFormatterResult:
        result = super().dropped(item, exception, response, spider)
        result["msg"] = "Dropped: %(exception)s"
        result["args"] = {"exception": exception}
        return result


class _DemoteToDebug(logging.Filter):
    """A logger filter that turns an INFO record starting with one of ``prefixes`` into a
    DEBUG one: handlers at INFO then drop it, handlers at DEBUG show it as DEBUG."""

    def __init__(self, prefixes: tuple[str, ...]) -> None:
        super().__init__()
        self.prefixes = prefixes

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.INFO and str(record.msg).startswith(self.prefixes):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


def quiet_scrapy_dumps() -> None:
    """Log Scrapy's start-up dumps (:data:`STARTUP_DUMPS`) at DEBUG, from now on in this
    process. Installed by the crawl command before Scrapy logs its versions."""
    for name, prefixes in STARTUP_DUMPS.items():
        target = logging.getLogger(name)
        if not any(isinstance(f, _DemoteToDebug) for f in target.filters):
            target.addFilter(_DemoteToDebug(prefixes))


class ReportStatsCollector(MemoryStatsCollector):
    """Scrapy's stats collector, whose INFO dump at the end leaves out the per-site
    counters of the run report (logged at DEBUG instead): about 60 of the dump's 110 lines
    on the three-site mirror, shown just above it as the report's table."""

    def close_spider(self, spider: Any = None, reason: str | None = None) -> None:
        if self._dump:
            extra = {"spider": self._crawler.spider}
            general = {k: v for k, v in self._stats.items() if not k.startswith(REPORT_STATS)}
            per_site = {k: v for k, v in self._stats.items() if k.startswith(REPORT_STATS)}
            logger.info("Dumping Scrapy stats:\n%s", pprint.pformat(general), extra=extra)
            logger.debug("Run report stats:\n%s", pprint.pformat(per_site), extra=extra)
        self._persist_stats(self._stats)
