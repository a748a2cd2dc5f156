"""robots.txt ``Crawl-delay``: honoured as a floor under each site's download delay.

Scrapy obeys ``Disallow`` (``ROBOTSTXT_OBEY``) but reads a site's ``Crawl-delay`` only
into its parser, never into the downloader. A site that asks for ten seconds between
requests is crawled at the project's own pace unless something applies it, so this
extension does: when Scrapy's robots.txt middleware has parsed a host's file (the
``robots_parsed`` signal), the delay it gives our User-Agent becomes the minimum delay of
that host's downloader slot.

AutoThrottle rewrites a slot's delay after every response (down to ``DOWNLOAD_DELAY``), and
Scrapy drops idle slots and builds new ones with the default delay, so the floor is
re-applied whenever a request reaches the downloader and after every download. Scrapy
also jitters each wait by up to ``DOWNLOAD_DELAY_JITTER`` either way; the floor is raised
by that much so that even the shortest jittered wait is the delay the site asked for.

A ``Crawl-delay`` above ``CRAWL_DELAY_MAX`` (default 30 s) is capped and logged: one line
in a hostile or mistaken robots.txt must not stall a scheduled crawl for a day.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.robotstxt import RobotParser

logger = logging.getLogger(__name__)


class CrawlDelay:
    """Keeps each host's download delay at or above its robots.txt ``Crawl-delay``."""

    def __init__(self, crawler: Crawler, user_agent: str, maximum: float) -> None:
        self.crawler = crawler
        self.user_agent = user_agent
        self.maximum = maximum
        #: downloader slot key -> the delay the site asked for (capped).
        self.delays: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlDelay:
        settings = crawler.settings
        if not (settings.getbool("ROBOTSTXT_OBEY") and settings.getbool("CRAWL_DELAY_OBEY")):
            raise NotConfigured("ROBOTSTXT_OBEY or CRAWL_DELAY_OBEY is off")
        user_agent = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT")
        extension = cls(crawler, user_agent, settings.getfloat("CRAWL_DELAY_MAX"))
        crawler.signals.connect(extension.robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(extension.enforce, signal=signals.request_reached_downloader)
        # Connected after AutoThrottle's own handler (extensions are built in order), so the
        # floor is put back after AutoThrottle lowers the delay.
        crawler.signals.connect(extension.enforce, signal=signals.response_downloaded)
        return extension

    def robots_parsed(self, robotparser: RobotParser, request: Request) -> None:
        asked = robotparser.crawl_delay(self.user_agent)
        if not asked or asked <= 0:
            return
        delay = min(float(asked), self.maximum)
        key = self._downloader.get_slot_key(request)
        self.delays[key] = delay
        stats = self.crawler.stats
        if stats is not None:
            stats.inc_value("politeness/crawl_delay_sites")
        if delay < asked:
            logger.warning(
                "%s asks for Crawl-delay %g s; capped at CRAWL_DELAY_MAX=%g s",
                key, asked, self.maximum,
            )  # fmt: skip
        else:
            logger.info("%s asks for Crawl-delay %g s; obeyed", key, delay)
        self.enforce(request)

    def enforce(self, request: Request, **_: Any) -> None:
        if not self.delays:
            return
        downloader = self._downloader
        key = downloader.get_slot_key(request)
        delay = self.delays.get(key)
        slot = downloader.slots.get(key)
        if delay is None or slot is None:
            return
        if slot.jitter >= 1:  # a jitter of 100% could make any wait zero
            slot.jitter = 0.5
        floor = delay / (1 - slot.jitter)
        if slot.delay < floor:
            slot.delay = floor

    @property
    def _downloader(self) -> Any:
        assert self.crawler.engine is not None
        return self.crawler.engine.downloader
