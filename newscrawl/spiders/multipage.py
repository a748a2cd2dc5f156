"""Stories split over several pages: every spider fetches the parts and stitches one record.

When an article page links to its own continuation (the rule is
:mod:`newscrawl.discovery.continuation`), the spider does not yield the page's record: it
requests the next page, and each page adds its body (and images) to the story until the
last one, which yields the story as one record: the first page's URL and fields, the
bodies in page order, ``pages`` (how many), ``incomplete`` and, for the store, the other
pages' URLs (``part_urls``, recorded as aliases of the story, reason ``part``).

- **Chained, with the state in the request.** Each part request carries the story so far
  in ``cb_kwargs`` (plain JSON values: the record's fields, the part URLs fetched so far,
  the section), so in a fleet any worker can fetch the next part, and a part whose
  worker died comes back from the queue with the same state (:mod:`newscrawl.fleet`).
  Its meta has ``newscrawl_article`` (an article request, for the incremental middleware
  and the fleet's filter) and ``newscrawl_part`` (the story's URL: a part is filtered
  as a part, never against the store nor against article requests of the same URL).
- **Bounded.** At most ``MAX_ARTICLE_PAGES`` pages per story (default 10); a story cut
  there is stored ``incomplete`` and counted ``newscrawl/multipage/incomplete/capped``.
  Parts have a higher priority than other requests, so a story in progress finishes
  before new ones start.
- **A part that fails** (HTTP error, timeout, refused by robots.txt, not HTML, no body,
  a redirect back to an earlier page) ends the story: it is yielded with what came,
  ``incomplete`` true, counted ``newscrawl/multipage/incomplete`` (and
  ``.../incomplete/<why>``) in one log line. A part declared paywalled whole is
  ``paywalled``: its omitted paragraphs are counted in the story's ``paywalled_omitted``
  and the story is not free (``free_access`` false), as any part declared not free makes it.
- **A story carried twice** (after a resume from ``JOBDIR``, the chain queued when the
  crawl stopped and one started again from the first page): the part is requested once;
  the chain that asks for it second ends without a record, counted
  ``newscrawl/multipage/repeated_chain`` (:class:`~newscrawl.exceptions.RepeatedPart`).
- **A "next page" that repeats the story** (every paragraph of it is already in the
  story: a site that ignores the page marker, or a paged list beside the story taken for
  its pager) is no part: the story ends with what it had, complete, counted
  ``newscrawl/multipage/not_a_part``.
- **A part is never a story of its own.** A later page reached as an article (a related
  link, a sitemap) yields no record: its first page is requested instead (counted
  ``newscrawl/multipage/part_as_article``), and the story starts there.
- **A stored story's parts are not fetched again.** A spider that reads pages it cannot
  tell in advance are articles (``news``) fetches a stored story's first page again; the
  incremental middleware says the story is stored, and its parts are left alone.
"""

from __future__ import annotations

import logging
from typing import Any

import scrapy
from scrapy.http import HtmlResponse, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from newscrawl.downloadermiddlewares.failures import failure_kind
from newscrawl.downloadermiddlewares.incremental import (
    ARTICLE_META,
    PART_META,
    IncrementalMiddleware,
)
from newscrawl.exceptions import RepeatedPart
from newscrawl.extract.article import Extraction
from newscrawl.items import ARTICLE_FIELDS, ArticleItem, Rejection
from newscrawl.spiders.extraction import extract_or_reject
from newscrawl.urls import canonicalize_url

logger = logging.getLogger(__name__)

DEFAULT_MAX_ARTICLE_PAGES = 10
PART_PRIORITY = 10
STATS = "newscrawl/multipage"


class MultiPageMixin:
    """Part requests, their callback and errback; for :class:`scrapy.Spider` subclasses.

    A spider says which part URLs it may request (:meth:`may_request_part`) and how it
    requests the first page of a story one of its later pages was reached as
    (:meth:`first_page_requests`); its article callback hands each extraction to
    :meth:`story_output`.
    """

    crawler: Any
    settings: Any

    # -- what the spider defines -----------------------------------------------------
    def may_request_part(self, url: str) -> bool:  # pragma: no cover - the spider's
        raise NotImplementedError

    def first_page_requests(self, url: str, section: str | None) -> list[scrapy.Request]:
        raise NotImplementedError  # pragma: no cover - the spider's

    # -- page 1 ----------------------------------------------------------------------
    @property
    def max_article_pages(self) -> int:
        return max(1, self.settings.getint("MAX_ARTICLE_PAGES", DEFAULT_MAX_ARTICLE_PAGES))

    def story_output(self, extraction: Extraction, section: str | None) -> list[Any]:
        """What an article page gives: its record, a request for the story's next page,
        or, for a later page of a story, requests for its first page."""
        item = extraction.item
        if extraction.first_part:
            self._count_story("part_as_article")
            return self.first_page_requests(extraction.first_part, section)
        next_url = extraction.next_part
        if next_url is None:
            return [item]
        if self._stored_before(item["url"]):
            self._count_story("known_story")  # dropped as a duplicate: no part is worth a fetch
            return [item]
        if self.max_article_pages < 2:
            return [self._story(_plain(item), [], "capped")]
        if not self.may_request_part(next_url):
            return [self._story(_plain(item), [], "part_out_of_scope")]
        return [self._part_request(next_url, _plain(item), [], section)]

    def _stored_before(self, url: str) -> bool:
        incremental = self.crawler.get_downloader_middleware(IncrementalMiddleware)
        return incremental is not None and incremental.stored_before(url)

    def _part_request(
        self, url: str, story: dict[str, Any], part_urls: list[str], section: str | None
    ) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_part,
            errback=self.part_failed,
            cb_kwargs={"story": story, "part_urls": part_urls, "section": section},
            meta={ARTICLE_META: True, PART_META: story["url"]},
            priority=PART_PRIORITY,
            dont_filter=True,  # filtered as a part by the incremental middleware / the fleet
        )

    # -- pages 2..N ------------------------------------------------------------------
    async def parse_part(
        self,
        response: Response,
        story: dict[str, Any],
        part_urls: list[str],
        section: str | None = None,
    ) -> list[Any]:
        """A later page of a story: its body joins the story; then the next page, or the
        whole story."""
        if not isinstance(response, HtmlResponse):
            return [self._story(story, part_urls, "not_html", response.url)]
        url = canonicalize_url(response.url)
        if url == story["url"] or url in part_urls:  # redirected back to a page we have
            return [self._story(story, part_urls, "loop", response.url)]
        extraction = await extract_or_reject(self, response, section)  # type: ignore[arg-type]
        if isinstance(extraction, Rejection) or not extraction.item.get("body"):
            if not isinstance(extraction, Rejection) and extraction.item.get("paywalled_omitted"):
                # The page is there but all of it is declared paywalled: said, and counted.
                story = _stitched(story, extraction.item)
                return [self._story(story, part_urls, "paywalled", response.url)]
            return [self._story(story, part_urls, "no_body", response.url)]
        if _repeats(story, extraction.item):  # the link was no continuation after all
            self._count_story("not_a_part")
            logger.info("Not a next page of %s (it repeats the story): %s", story["url"], url)
            return [self._story(story, part_urls)]
        story = _stitched(story, extraction.item)
        part_urls = [*part_urls, url]
        self._count_story("parts")
        next_url = extraction.next_part
        if next_url is None or canonicalize_url(next_url) in (story["url"], *part_urls):
            return [self._story(story, part_urls)]
        if len(part_urls) + 1 >= self.max_article_pages:
            return [self._story(story, part_urls, "capped")]
        if not self.may_request_part(next_url):
            return [self._story(story, part_urls, "part_out_of_scope")]
        return [self._part_request(next_url, story, part_urls, section)]

    def part_failed(self, failure: Failure) -> list[Any]:
        """A part that could not be fetched: the story is stored with what came (unless
        another chain of pages carries it)."""
        request = failure.request  # type: ignore[attr-defined]
        exception = failure.value
        if isinstance(exception, RepeatedPart):  # another chain carries this story
            self._count_story("repeated_chain")
            logger.info("Story %s: %s", request.cb_kwargs["story"]["url"], exception)
            return []
        if isinstance(exception, HttpError):
            why = f"http_{exception.response.status}"
        else:
            why = failure_kind(exception)
        kwargs = request.cb_kwargs
        return [self._story(kwargs["story"], kwargs["part_urls"], why, request.url)]

    # -- the story -------------------------------------------------------------------
    def _story(
        self,
        story: dict[str, Any],
        part_urls: list[str],
        incomplete: str | None = None,
        failed_url: str | None = None,
    ) -> ArticleItem:
        """The record of the whole story; ``incomplete`` says why a page is missing."""
        item = ArticleItem({name: story.get(name) for name in ARTICLE_FIELDS})
        item["pages"] = 1 + len(part_urls)
        item["incomplete"] = incomplete is not None
        item["part_urls"] = list(part_urls)
        if part_urls:
            self._count_story("stories")
        if incomplete is not None:
            self._count_story("incomplete")
            self._count_story(f"incomplete/{incomplete}")
            where = f" at {failed_url}" if failed_url else ""
            logger.warning(
                "Story %s is incomplete: %d page(s) read, page %d not (%s%s)",
                story["url"],
                item["pages"],
                item["pages"] + 1,
                incomplete,
                where,
            )
        return item

    def _count_story(self, key: str) -> None:
        self.crawler.stats.inc_value(f"{STATS}/{key}")


def _plain(item: ArticleItem) -> dict[str, Any]:
    """The record's fields as plain values: what a part request carries."""
    return {name: item.get(name) for name in ARTICLE_FIELDS if name not in ("fingerprint",)}


def _repeats(story: dict[str, Any], part: ArticleItem) -> bool:
    """Whether every paragraph of a "next page" is already in the story: a site that
    ignores the page marker and serves page 1 again, or a paged list beside the story
    taken for its pager. Stitching it would only repeat the text."""
    have = set((story.get("body") or "").split("\n\n"))
    return set(part["body"].split("\n\n")) <= have


def _stitched(story: dict[str, Any], part: ArticleItem) -> dict[str, Any]:
    """The story with a later page's body and new images added, in page order.

    Paywall declarations add up: the paragraphs a later page declares paywalled were left
    out of its body too and are counted, and a story with any page declared not free is
    not free (a site may meter from the second page on)."""
    body = "\n\n".join(text for text in (story.get("body"), part.get("body")) if text)
    images = list(story.get("images") or [])
    images += [image for image in part.get("images") or [] if image not in images]
    omitted = (story.get("paywalled_omitted") or 0) + (part.get("paywalled_omitted") or 0)
    declared = {story.get("free_access"), part.get("free_access")}
    free = False if False in declared else (True if True in declared else None)
    return {**story, "body": body, "images": images, "paywalled_omitted": omitted,
            "free_access": free}  # fmt: skip
