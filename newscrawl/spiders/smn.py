"""Space Media Network spiders: ``smn`` for every site, one spider per site.

Each restates ``parse_article`` (a coroutine: extraction may be awaited from the extraction
pool) only to carry ``scrapy check`` contracts on one of its own
articles; ``@meta`` points the sample request at the bundled mirror, so the check runs
offline from the repository root (run it with ``-s MIRROR_DIR=fixtures/mirror`` to keep
robots.txt off the network too).
"""

from __future__ import annotations

from typing import Any

from scrapy.http import Response

from newscrawl.profiles.smn import SMN
from newscrawl.spiders.base import ProfileSpider


class SMNSpider(ProfileSpider):
    """Every site of the network: syndicated copies across sister sites become aliases."""

    name = "smn"
    profile = SMN

    async def parse_article(self, response: Response, section: str | None = None) -> list[Any]:
        """An article of any network site.

        @url https://www.spacedaily.com/afp/231212083000.70w760or.html
        @meta {"mirror_dir": "fixtures/mirror"}
        @returns items 1 1
        @scrapes url site section headline dateline published body related_links fetched_at
        """
        return await super().parse_article(response, section)


class SpaceWarSpider(SMNSpider):
    name = "spacewar"
    hosts = ("www.spacewar.com",)

    async def parse_article(self, response: Response, section: str | None = None) -> list[Any]:
        """A SpaceWar.com wire story.

        @url https://www.spacewar.com/afp/250822091400.8jscpt2f.html
        @meta {"mirror_dir": "fixtures/mirror"}
        @returns items 1 1
        @scrapes url site section headline dateline published authors body images fetched_at
        """
        return await super().parse_article(response, section)


class SpaceDailySpider(SMNSpider):
    name = "spacedaily"
    hosts = ("www.spacedaily.com",)

    async def parse_article(self, response: Response, section: str | None = None) -> list[Any]:
        """A SpaceDaily.com report.

        @url https://www.spacedaily.com/reports/Private_lunar_lander_slips_into_orbit_around_the_Moon_999.html
        @meta {"mirror_dir": "fixtures/mirror"}
        @returns items 1 1
        @scrapes url site headline dateline published body related_links images fetched_at
        """
        return await super().parse_article(response, section)


class TerraDailySpider(SMNSpider):
    name = "terradaily"
    hosts = ("www.terradaily.com",)

    async def parse_article(self, response: Response, section: str | None = None) -> list[Any]:
        """A TerraDaily.com wire story.

        @url https://www.terradaily.com/afp/250321204500.zl28m6wb.html
        @meta {"mirror_dir": "fixtures/mirror"}
        @returns items 1 1
        @scrapes url site headline dateline published body related_links fetched_at
        """
        return await super().parse_article(response, section)


class MarsDailySpider(SMNSpider):
    name = "marsdaily"
    hosts = ("www.marsdaily.com",)

    async def parse_article(self, response: Response, section: str | None = None) -> list[Any]:
        """A MarsDaily.com story on the 2026 platform.

        @url https://marsdaily.com/asteroid-grains-contain-building-blocks-of-life-japanese-team-says-999/
        @meta {"mirror_dir": "fixtures/mirror"}
        @returns items 1 1
        @scrapes url site headline published body fetched_at
        """
        return await super().parse_article(response, section)
