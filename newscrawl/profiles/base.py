"""Site profiles: what the spiders and the extractor know of one family of sites.

A :class:`SiteProfile` groups the page versions of one family of sites (page objects, see
:mod:`newscrawl.extract.page`) with what the spiders need to walk them (hosts, section
pages, feeds, which links are articles). A layout change is a new page class that
subclasses the previous one, overrides only the fields that changed, and gets the date the
old one stopped being valid, in the manner of Fundus' publisher parsers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from parsel import Selector

from newscrawl.extract.page import ArticlePage, ProfileMismatch
from newscrawl.urls import site_of


@dataclass(frozen=True)
class Section:
    """A section (listing) page a spider starts from."""

    host: str
    key: str
    url: str


@dataclass
class SiteProfile:
    """A family of sites sharing one template: where to start, what to follow, how to parse.

    ``versions`` lists the article layouts newest last; each is tried in turn (the one
    valid at the fetch date first) and the first whose markers match parses the page.
    """

    name: str
    hosts: Sequence[str]
    versions: Sequence[type[ArticlePage]]
    sections: Sequence[Section] = ()
    article_url_patterns: Sequence[re.Pattern[str]] = ()
    next_page_xpath: str = '//a[@rel="next"]/@href'
    listing_link_xpath: str = "//a/@href"
    #: Feeds to read besides the ones section pages announce (``key`` "site" for a
    #: site-wide feed, else the section key); sitemaps are found through robots.txt.
    feeds: Sequence[Section] = ()
    #: Sitemaps to read besides the ones robots.txt names.
    sitemaps: Sequence[str] = ()

    @cached_property
    def sites(self) -> frozenset[str]:
        return frozenset(site_of(f"https://{host}/") for host in self.hosts)

    def claims(self, url: str) -> bool:
        return site_of(url) in self.sites

    def is_article_url(self, url: str) -> bool:
        return self.claims(url) and any(p.search(url) for p in self.article_url_patterns)

    def page(
        self,
        html: str,
        url: str,
        when: dt.date | None = None,
        selector: Selector | None = None,
    ) -> ArticlePage:
        """The page object of the first layout version whose markers match."""
        reasons: list[str] = []
        for version in self._versions_for(when):
            page = version(html, url, selector)
            try:
                page.check()
            except ProfileMismatch as exc:
                reasons.append(f"{version.layout}: {exc}")
                continue
            return page
        raise ProfileMismatch(f"{self.name}: no layout matches ({'; '.join(reasons)})")

    def _versions_for(self, when: dt.date | None) -> list[type[ArticlePage]]:
        def still_valid(version: type[ArticlePage]) -> bool:
            return when is None or version.valid_until is None or when < version.valid_until

        ordered = sorted(self.versions, key=lambda v: not still_valid(v))
        return list(ordered)
