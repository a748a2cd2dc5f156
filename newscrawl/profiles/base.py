"""Site profiles: what the spiders and the extractor know of one family of sites.

A :class:`SiteProfile` groups the page versions of one family of sites (page objects, see
:mod:`newscrawl.extract.page`) with what the spiders need to walk them (hosts, section
pages, feeds, which links are articles). A layout change is a new page class that
subclasses the previous one, overrides only the fields that changed, and gets the date the
old one stopped being valid, in the manner of Fundus' publisher parsers.

A family whose sites move, one by one, to new software (a *platform*: other URLs, other
listings, other markup) lists each site's entry points of every platform it may run, each
tagged with its :class:`Platform`. A crawl asks them all: a site answers those of the
platform it runs, and the others' 404s are an answer (the site does not run that platform
any more, or not yet), counted rather than treated as failures. Which platform answered is
read from the shape of the URL a response finally came from (:meth:`SiteProfile.platform_of`),
so a site that switches needs no edit of the spider.
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
class Platform:
    """One generation of a family's software, told apart by the shape of its URLs.

    ``url_shape`` matches URLs that only this platform serves (a response's final URL, after
    redirects): it is how a crawl says which platform a site answered with.
    """

    name: str
    url_shape: re.Pattern[str]


@dataclass(frozen=True)
class Section:
    """A listing page (section, home page or feed) a spider starts from.

    ``key`` names the section (``-a sections=KEY``; a record found there and naming no
    section of its own gets it); ``site`` is the whole site (a home page, a site feed), which
    gives no section. ``platform`` is the platform whose entry point this is, None when every
    platform answers it (a home page).
    """

    host: str
    key: str
    url: str
    platform: str | None = None

    @property
    def record_section(self) -> str | None:
        return None if self.key == "site" else self.key


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
    #: Child sitemaps of an index that list no articles (tags, authors, pages): not fetched.
    sitemap_skip: re.Pattern[str] | None = None
    #: The platforms the family's sites run, newest last (see the module docstring).
    platforms: Sequence[Platform] = ()
    #: The page class for a claimed page that matches none of ``versions``: the generic
    #: layer with what the profile knows of its sites applied. None: the generic layer.
    fallback: type[ArticlePage] | None = None

    @cached_property
    def sites(self) -> frozenset[str]:
        return frozenset(site_of(f"https://{host}/") for host in self.hosts)

    def claims(self, url: str) -> bool:
        return site_of(url) in self.sites

    def is_article_url(self, url: str) -> bool:
        return self.claims(url) and any(p.search(url) for p in self.article_url_patterns)

    def platform_of(self, url: str) -> str | None:
        """The platform whose URL shape ``url`` has; None when it is not telling (a home
        page, robots.txt) or not one of the family's sites."""
        if not self.claims(url):
            return None
        return next((p.name for p in self.platforms if p.url_shape.search(url)), None)

    def skips_sitemap(self, url: str) -> bool:
        return self.sitemap_skip is not None and bool(self.sitemap_skip.search(url))

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
