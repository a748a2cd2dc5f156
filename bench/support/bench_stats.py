"""Extension for bench crawls: write the crawl's stats as JSON when the engine stops.

Enabled by the bench with ``-s EXTENSIONS={"bench_stats.StatsFile": 0}`` and
``-s BENCH_STATS_FILE=PATH``. ``elapsed_time_seconds`` and ``response_received_count``
give pages/s without interpreter start-up and imports; ``bench/cpu_seconds`` is the CPU
the crawl itself used (from the spider opening to the engine stopping), which other load
on the machine disturbs much less than wall-clock time.

``bench/peak_rss_kb`` is the crawl process's own peak resident set (``VmHWM`` of
``/proc/self/status``). Not ``ru_maxrss`` from ``wait4``: on Linux a child's ``ru_maxrss``
starts from the RSS its parent had when it forked (the pre-``exec`` copy counts), so a
bench holding 250 MB reported at least 250 MB for every crawl it started. ``VmHWM``
belongs to the process's memory map after ``exec``: the crawl's own memory only. With an
extraction pool, the workers' peaks are in ``newscrawl/extraction/workers_peak_rss_kb``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from scrapy import signals
from scrapy.crawler import Crawler


def peak_rss_kb() -> int:
    """This process's peak resident set since ``exec`` (``VmHWM``), in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status (not Linux?)")


class StatsFile:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.path = Path(crawler.settings.get("BENCH_STATS_FILE"))
        self.cpu_at_open = 0.0
        self.first_response = self.last_response = 0.0
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.response, signal=signals.response_received)
        crawler.signals.connect(self.write, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StatsFile:
        return cls(crawler)

    def opened(self) -> None:
        self.cpu_at_open = time.process_time()

    def response(self) -> None:
        """Wall-clock times of the first and last response: a fleet worker waits idle
        before it stops, which ``elapsed_time_seconds`` would count."""
        self.last_response = time.time()
        self.first_response = self.first_response or self.last_response

    def write(self) -> None:
        stats = dict(self.crawler.stats.get_stats())
        stats["bench/cpu_seconds"] = time.process_time() - self.cpu_at_open
        stats["bench/first_response"] = self.first_response
        stats["bench/last_response"] = self.last_response
        stats["bench/peak_rss_kb"] = peak_rss_kb()
        self.path.write_text(json.dumps(stats, default=str, indent=1), encoding="utf-8")
