"""Discovery beyond section pages: feeds and sitemaps, for a spider of a site profile.

:class:`DiscoveryMixin` gives :class:`~newscrawl.spiders.base.ProfileSpider` its listing
requests and callbacks:

- **feeds**: the profile's configured feeds, and every feed a section page announces with
  ``<link rel="alternate">`` (RSS 2.0/1.0, Atom; parsed by :mod:`newscrawl.discovery.listings`);
- **sitemaps**: ``Sitemap:`` lines of each started site's robots.txt and the profile's own
  sitemap URLs; sitemap indexes are followed, Google News tags read.

Each listing is requested at most once per run, whatever route found it (the same feed is
announced by every section page, and spelled http or https): the spider keeps the
canonical URLs it asked for. Entries older than ``-a max_age`` are skipped (entries without
a date are kept); entries on sites the spider does not cover, or not shaped like articles,
are left alone. Article requests carry the listing's date for the re-fetch policy of
:mod:`newscrawl.downloadermiddlewares.incremental`, which decides whether they reach the network.

A site decides how big its listings are, so a run bounds them: ``LISTING_MAX_PER_RUN``
listings requested, ``LISTING_MAX_ENTRIES`` entries read from each, ``DOWNLOAD_MAXSIZE``
bytes of XML once decompressed. What is over a cap is counted
(``newscrawl/discovery/listings_over_cap``, ``entries_over_cap``, ``listing_too_large``)
and logged once per run and cap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy.http import Response, TextResponse

from newscrawl.discovery.listings import (
    Listing,
    ListingEntry,
    ListingError,
    feed_links,
    parse_duration,
    parse_feed,
    parse_sitemap,
    sitemaps_in_robots,
)
from newscrawl.downloadermiddlewares.incremental import ARTICLE_META, LISTED_META
from newscrawl.exceptions import SpiderArgumentError
from newscrawl.spiders.arguments import choices, comma_list
from newscrawl.spiders.platforms import probe_meta
from newscrawl.urls import canonicalize_url

if TYPE_CHECKING:
    from newscrawl.profiles import Section, SiteProfile

SOURCES = ("sections", "feeds", "sitemaps")
LISTING_META = "newscrawl_listing"


class DiscoveryMixin:
    """Feed and sitemap discovery; needs ``profile``, ``sites`` and ``covers`` of the spider."""

    profile: SiteProfile
    sites: frozenset[str]
    crawler: Any
    logger: Any

    def covers(self, url: str) -> bool:  # pragma: no cover - defined by the spider
        raise NotImplementedError

    def absent(self, response: Response) -> bool:  # pragma: no cover - PlatformAccounting
        raise NotImplementedError

    def asks(self, entry: Section) -> bool:  # pragma: no cover - PlatformAccounting
        raise NotImplementedError

    def init_discovery(self, discover: str | None, max_age: str | None, targeted: bool) -> None:
        """``-a discover=sections,feeds,sitemaps`` (default: all; only ``sections`` when the
        crawl names its sections) and ``-a max_age=2d``."""
        default = ["sections"] if targeted else list(SOURCES)
        given = comma_list(discover) if discover is not None else default
        self.sources = choices("discover", discover, given, SOURCES)
        try:
            self.max_age = parse_duration(max_age) if max_age else None
        except ValueError:
            raise SpiderArgumentError(
                "max_age", max_age, "an age such as 30m, 12h, 2d or 1w (a bare number is days)"
            ) from None
        self.oldest = dt.datetime.now(dt.UTC) - self.max_age if self.max_age else None
        self._listings_requested: set[str] = set()
        self._articles_yielded: dict[str, dt.datetime | None] = {}
        self._caps_logged: set[str] = set()

    # -- requests ------------------------------------------------------------------------
    def discovery_requests(self, hosts: Iterable[str]) -> Iterator[scrapy.Request]:
        """Configured feeds, then each started host's robots.txt (for its sitemaps)."""
        if "feeds" in self.sources:
            for feed in self.profile.feeds:
                if self.covers(feed.url) and self.asks(feed):
                    yield from self.listing_request(
                        feed.url, "feed", section=feed.key, platform=feed.platform
                    )
        if "sitemaps" in self.sources:
            for url in self.profile.sitemaps:
                if self.covers(url):
                    yield from self.listing_request(url, "sitemap")
            for host in sorted(set(hosts)):
                yield scrapy.Request(
                    f"https://{host}/robots.txt", self.parse_robots, meta={LISTING_META: "robots"}
                )

    def listing_request(
        self, url: str, kind: str, section: str | None = None, platform: str | None = None
    ) -> Iterator[scrapy.Request]:
        """A feed or sitemap request, unless this run already asked for that listing; an
        entry point of one ``platform`` is a probe (its 404 is counted, not a failure)."""
        key = canonicalize_url(url)
        if key in self._listings_requested:
            return
        limit = self.crawler.settings.getint("LISTING_MAX_PER_RUN", 1000)
        if len(self._listings_requested) >= limit:
            self._over_cap("listings_over_cap", f"{limit} listings requested", url)
            return
        self._listings_requested.add(key)
        self.crawler.stats.inc_value(f"newscrawl/discovery/{kind}s")
        callback = self.parse_feed if kind == "feed" else self.parse_sitemap
        section = None if section == "site" else section
        meta = {LISTING_META: kind, **probe_meta(platform)}
        yield scrapy.Request(url, callback, cb_kwargs={"section": section}, meta=meta)

    def article_request(
        self, url: str, section: str | None = None, listed: dt.datetime | None = None
    ) -> Iterator[scrapy.Request]:
        """An article request, once per URL and listing date in this run.

        Requests skip Scrapy's duplicate filter: the incremental middleware filters article
        URLs by canonical form against this run and the store, and a ``JOBDIR``'s
        ``requests.seen`` must never hold an article whose record was not committed.
        """
        key = canonicalize_url(url)
        if key in self._articles_yielded:
            before = self._articles_yielded[key]
            if listed is None or (before is not None and listed <= before):
                return
        self._articles_yielded[key] = listed
        meta: dict[str, Any] = {ARTICLE_META: True}
        if listed is not None:
            meta[LISTED_META] = listed.isoformat()
        yield scrapy.Request(
            url, self.parse_article, cb_kwargs={"section": section}, meta=meta, dont_filter=True
        )

    def announced_feeds(self, response: Response) -> Iterator[scrapy.Request]:
        """Feeds a section page announces (autodiscovery)."""
        if "feeds" not in self.sources or not isinstance(response, TextResponse):
            return
        for url in feed_links(response.selector, response.url):
            if self.covers(url):
                yield from self.listing_request(url, "feed")

    # -- callbacks -----------------------------------------------------------------------
    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        if response.status != 200 or not isinstance(response, TextResponse):
            return
        for url in sitemaps_in_robots(response.text, response.url):
            if self.covers(url):
                yield from self.listing_request(url, "sitemap")

    def parse_feed(self, response: Response, section: str | None = None) -> Iterator[Any]:
        listing = self._read(response, parse_feed)
        if listing is None:
            return
        if listing.undated:
            self.crawler.stats.inc_value("newscrawl/discovery/undated_feeds")
        yield from self._entries(listing.entries, section)

    def parse_sitemap(self, response: Response, section: str | None = None) -> Iterator[Any]:
        listing = self._read(response, parse_sitemap)
        if listing is None:
            return
        if listing.kind == "sitemapindex":
            for entry in listing.entries:
                if self.profile.skips_sitemap(entry.url):  # tags, authors, pages: no articles
                    self.crawler.stats.inc_value("newscrawl/discovery/sitemaps_skipped")
                elif self.covers(entry.url):
                    yield from self.listing_request(entry.url, "sitemap")
            return
        yield from self._entries(listing.entries, section)

    def _read(self, response: Response, parse: Any) -> Listing | None:
        if self.absent(response) or response.status != 200:
            return None
        settings = self.crawler.settings
        try:
            listing = parse(
                response.body, response.url,
                max_entries=settings.getint("LISTING_MAX_ENTRIES", 50_000),
                max_size=settings.getint("DOWNLOAD_MAXSIZE"),
            )  # fmt: skip
        except ListingError as exc:
            self.crawler.stats.inc_value("newscrawl/discovery/bad_listings")
            self.logger.warning("Unreadable listing %s: %s", response.url, exc)
            return None
        if listing.truncated:
            self._over_cap("listing_too_large", "over DOWNLOAD_MAXSIZE decompressed", response.url)
        if listing.overflow:
            self._over_cap(
                "entries_over_cap", f"over LISTING_MAX_ENTRIES ({len(listing.entries)} read)",
                response.url, listing.overflow,
            )  # fmt: skip
        return listing

    def _over_cap(self, key: str, what: str, url: str, count: int = 1) -> None:
        """Count what a cap left out; log the first time each cap is reached in a run."""
        self.crawler.stats.inc_value(f"newscrawl/discovery/{key}", count)
        if key not in self._caps_logged:
            self._caps_logged.add(key)
            self.logger.warning(
                "Listing cap reached at %s: %s; %d left out (counted in"
                " newscrawl/discovery/%s, not logged again this run)", url, what, count, key,
            )  # fmt: skip

    def _entries(self, entries: list[ListingEntry], section: str | None) -> Iterator[Any]:
        stats = self.crawler.stats
        for entry in entries:
            if not (self.covers(entry.url) and self.profile.is_article_url(entry.url)):
                continue
            stats.inc_value("newscrawl/discovery/entries")
            if self.oldest and entry.age_date and entry.age_date < self.oldest:
                stats.inc_value("newscrawl/discovery/too_old")
                continue
            yield from self.article_request(entry.url, section, entry.latest)


def started_hosts(spider: Any) -> list[str]:
    """Hosts a spider starts from, as its sections and configured feeds spell them (a site
    on two platforms answers on ``www.`` and on its bare domain: each may name sitemaps)."""
    hosts = {s.host for s in spider.sections}
    hosts |= {f.host for f in spider.profile.feeds if spider.covers(f.url) and spider.asks(f)}
    return sorted(hosts)
