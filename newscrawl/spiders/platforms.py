"""Which platform each site answered with, and the entry points of the others, for the run
report.

A profile whose sites may run one of several platforms (:class:`~newscrawl.profiles.base.
Platform`) has the spider ask every site for the entry points of each. Those requests are
*probes* (``meta["newscrawl_probe"]``, :mod:`newscrawl.downloadermiddlewares.failures`): a
404 or 410 says the site does not run that platform, an answer rather than a failure. It is
counted per site as ``newscrawl/report/<site>/absent/<platform>`` and logged once per site
and platform; every page a site answers (2xx) is counted as
``newscrawl/report/<site>/platform/<platform>`` by the shape of the URL it finally came
from. The run report (:mod:`newscrawl.extensions.report`) shows both.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.http import Request, Response

from newscrawl.downloadermiddlewares.failures import PROBE_META, PROBE_STATUSES, is_probe_answer
from newscrawl.extensions.report import PREFIX
from newscrawl.spiders.arguments import choices, comma_list
from newscrawl.urls import site_of

if TYPE_CHECKING:
    from newscrawl.profiles import Section, SiteProfile


def probe_meta(platform: str | None) -> dict[str, Any]:
    """Request meta of an entry point of ``platform`` (none for an entry point of any)."""
    if platform is None:
        return {}
    return {PROBE_META: platform, "handle_httpstatus_list": list(PROBE_STATUSES)}


class PlatformAccounting:
    """Counts, per site, the platform of the pages it answered and the platforms it lacks;
    needs ``profile``, ``covers`` and ``crawler`` of the spider."""

    profile: SiteProfile
    crawler: Any
    logger: Any

    def covers(self, url: str) -> bool:  # pragma: no cover - defined by the spider
        raise NotImplementedError

    def init_platforms(self, platforms: str | None) -> None:
        """``-a platforms=classic[,2026]``: ask only those platforms' entry points (default:
        every platform the profile knows; an entry point of any platform is always asked)."""
        known = [p.name for p in self.profile.platforms]
        self.platforms_asked = (
            set(known)
            if platforms is None
            else choices("platforms", platforms, comma_list(platforms), known)
        )  # a bad value is refused before the crawl starts, naming the valid ones

    def asks(self, entry: Section) -> bool:
        """Whether this crawl asks ``entry`` (a section page or a feed)."""
        return entry.platform is None or entry.platform in self.platforms_asked

    def watch_platforms(self) -> None:
        """Start counting (the spider's ``from_crawler`` calls it)."""
        self._absent_logged: set[tuple[str, str]] = set()
        self.crawler.signals.connect(self._response_received, signal=signals.response_received)

    def _response_received(self, response: Response, request: Request, **_: Any) -> None:
        if 200 <= response.status < 300 and self.covers(response.url):
            platform = self.profile.platform_of(response.url)
            if platform:
                site = site_of(response.url)
                self.crawler.stats.inc_value(f"{PREFIX}/{site}/platform/{platform}")

    def absent(self, response: Response) -> bool:
        """True (and counted) when ``response`` says its site does not run the platform
        whose entry point was asked; the callback then has nothing to read."""
        if not is_probe_answer(response.request, response):
            return False
        platform, site = response.meta[PROBE_META], site_of(response.url)
        self.crawler.stats.inc_value(f"{PREFIX}/{site}/absent/{platform}")
        first = (site, platform) not in self._absent_logged
        self._absent_logged.add((site, platform))
        self.logger.log(
            logging.INFO if first else logging.DEBUG,  # once per site and platform
            "%s does not answer the %s platform's entry point %s (%d)%s",
            site, platform, response.url, response.status,
            "; further ones are counted in the run report" if first else "",
        )  # fmt: skip
        return True
