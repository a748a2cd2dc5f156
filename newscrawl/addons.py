"""Add-ons (``ADDONS``): settings that follow from other settings, applied before the crawl.

Scrapy applies an add-on's ``update_settings`` once the project's and the command line's
settings are known, so a mode switched on by one setting (an offline mirror, a fleet
worker) brings the settings it needs with it, and ``-s`` can still override each of them.
"""

from __future__ import annotations

from scrapy.settings import BaseSettings

from newscrawl.fleet.queue import DUPEFILTER_KEY, QUEUE_KEY


class MirrorAddon:
    """With ``MIRROR_DIR`` set, drop download delays and AutoThrottle: reads are local.

    (:mod:`newscrawl.downloadermiddlewares.mirror` answers the requests.)
    """

    # Above the project settings that set the polite defaults; "-s" still wins.
    priority = "spider"

    def update_settings(self, settings: BaseSettings) -> None:
        if settings.get("MIRROR_DIR"):
            settings.set("DOWNLOAD_DELAY", 0, priority=self.priority)
            settings.set("AUTOTHROTTLE_ENABLED", False, priority=self.priority)
            settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", 16, priority=self.priority)


class FleetAddon:
    """With ``REDIS_URL`` set, the crawl is a fleet worker (see :mod:`newscrawl.fleet`)."""

    priority = "spider"  # above the project settings; "-s" still wins

    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.get("REDIS_URL"):
            return
        for name, value in {
            "SCHEDULER": "newscrawl.fleet.scheduler.FleetScheduler",
            "SCHEDULER_QUEUE_CLASS": "newscrawl.fleet.queue.LeasedQueue",
            "DUPEFILTER_CLASS": "newscrawl.fleet.queue.FleetDupeFilter",
            "SCHEDULER_QUEUE_KEY": QUEUE_KEY,
            "SCHEDULER_DUPEFILTER_KEY": DUPEFILTER_KEY,
            # Never pickle: the fleet's queue holds JSON entries of a strict schema
            # (newscrawl.fleet.codec); this keeps scrapy-redis' own default out too.
            "SCHEDULER_SERIALIZER": "json",
            "SCHEDULER_PERSIST": True,
            "SCHEDULER_FLUSH_ON_START": False,
        }.items():
            settings.set(name, value, priority=self.priority)
