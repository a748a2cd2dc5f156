"""Incremental crawling on the store: an article fetched by an earlier run is not fetched again.

:class:`IncrementalMiddleware` is a downloader middleware (scrapy-deltafetch and
scrapy-crawl-once do not run on Scrapy 2.16+, and both keep their own database; this one
asks the article store itself). It only looks at article requests, the ones the spiders
mark with ``meta["newscrawl_article"]``; section pages, feeds, sitemaps and robots.txt are
always fetched, since they are how new articles are found.

An article request is ignored before it reaches the network when its canonical URL is

- already requested in this run (under another spelling: http/https, ``www.``, tracking
  parameters; a redirect from one spelling to another, ``www.`` to the bare domain, is
  the same request going on, not a repeat), or
- in the store as an article, an alias of one, or a rejected page (a page that had no
  headline yesterday is not fetched every run; a newer listing date brings it back under
  the ``newer`` policy).

The store answers from committed rows only as far as earlier runs are concerned: a batch
that a killed run never committed is simply not there, so the rerun fetches those
articles again. Rows this run wrote into its open batch are visible to it, as they should be.

A later page of a story split over several pages (a *part*, marked
``meta["newscrawl_part"]`` with the story's URL by :mod:`newscrawl.spiders.multipage`) is
requested only because this run fetched the story's first page, new or re-fetched: it is
never skipped for being in the store (it is there as an alias of that very story), only
when this run already requested it as a part (:class:`~newscrawl.exceptions.RepeatedPart`:
two chains carry the story, the second ends without a record). Once requested as a part,
its URL is no article request of this run either, and the store records it as an alias of
the story, so no later run fetches it as an article.

``INCREMENTAL_REFETCH`` is the re-fetch policy: ``never`` (default), or ``newer``: fetch a
stored article again when a feed or sitemap lists it with a date later than the stored
record's ``fetched_at`` (a corrected story). The revision pipeline
(:mod:`newscrawl.pipelines.revision`) then replaces the stored record if its body changed,
and the revision is exported again by ``export --new``.
"""

from __future__ import annotations

import logging

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured

from newscrawl.discovery.listings import parse_listing_date
from newscrawl.exceptions import RepeatedPart
from newscrawl.extensions.store import CrawlStore
from newscrawl.storage import StoreError
from newscrawl.urls import canonicalize_url

logger = logging.getLogger(__name__)

POLICIES = ("never", "newer")
ARTICLE_META = "newscrawl_article"
LISTED_META = "newscrawl_listed"  # ISO 8601 date a feed/sitemap gave the article
PART_META = "newscrawl_part"  # the canonical URL of the story a part request belongs to


class IncrementalMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("INCREMENTAL_ENABLED", True):
            raise NotConfigured("INCREMENTAL_ENABLED is off")
        owner = CrawlStore.required_by(crawler)
        self.policy = settings.get("INCREMENTAL_REFETCH", "never")
        if self.policy not in POLICIES:
            raise ValueError(f"INCREMENTAL_REFETCH={self.policy!r}: use one of {POLICIES}")
        self.store = owner.store
        self.stats = crawler.stats
        self.requested: set[str] = set()  # canonical article URLs let through this run
        self.parts: set[str] = set()  # canonical URLs of parts of stories let through
        #: canonical URL -> stored URL, for articles let through for a re-fetch (read by the
        #: revision pipeline)
        self.refetched: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IncrementalMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if not request.meta.get(ARTICLE_META):
            return
        url = canonicalize_url(request.url)
        if request.meta.get(PART_META):
            if url in self.parts:
                self._count_skip("repeat_part")
                raise RepeatedPart(request.url)
            self.parts.add(url)
            self.requested.add(url)
            self.stats.inc_value("newscrawl/incremental/parts")
            return
        if url in self.requested:
            redirected_from = request.meta.get("redirect_urls") or []
            if redirected_from and canonicalize_url(redirected_from[-1]) == url:
                return  # the same article one hop on (www. to the bare domain, http to https)
            self._ignore(request, "repeat")
        try:
            known = self.store.known(url)
        except StoreError as exc:  # never skip on a store we cannot read
            logger.error("Incremental state unavailable, fetching %s: %s", request.url, exc)
            known = None
        if known is not None:
            if not self._refetch(known.fetched_at, request.meta.get(LISTED_META)):
                self._ignore(request, f"known_{known.kind}")
            self.refetched[url] = known.url
            self.stats.inc_value("newscrawl/incremental/refetch")
        self.requested.add(url)
        self.stats.inc_value("newscrawl/incremental/requested")

    def stored_before(self, url: str) -> bool:
        """Whether the story at canonical ``url`` is in the store and this run did not let
        it through for a re-fetch: a spider that fetched its page anyway (the ``news``
        spider cannot tell an article before reading it) need not fetch its other pages."""
        if url in self.refetched:
            return False
        try:
            known = self.store.known(url)
        except StoreError as exc:
            logger.error("Incremental state unavailable for %s: %s", url, exc)
            return False
        return known is not None and known.kind != "rejection"

    def _refetch(self, fetched_at: str | None, listed: str | None) -> bool:
        if self.policy != "newer" or not listed:
            return False
        fetched = parse_listing_date(fetched_at)
        listed_date = parse_listing_date(listed)
        return bool(listed_date and (fetched is None or listed_date > fetched))

    def _ignore(self, request: Request, reason: str) -> None:
        self._count_skip(reason)
        raise IgnoreRequest(f"{reason}: {request.url}")

    def _count_skip(self, reason: str) -> None:
        self.stats.inc_value("newscrawl/incremental/skipped")
        self.stats.inc_value(f"newscrawl/incremental/skipped/{reason}")
