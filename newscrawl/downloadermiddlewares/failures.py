"""Every failed download counted once, by kind, as ``newscrawl/failures/<kind>`` in the stats.

Scrapy already counts attempts (``retry/reason_count/...``, ``downloader/exception_type_count/
...``); what an operator needs is the outcome: how many pages were finally lost, and why.

- :class:`FailureStatsMiddleware` sits outermost in the downloader (priority 10), so it sees
  only what is left after retries and redirects: a final HTTP error status (``http_404``,
  ``http_503``...), a redirect that was not followed (``redirect_not_followed``: a
  ``Location`` to ``file:``, ``javascript:``...), or an exception (``timeout``,
  ``connection_refused``, ``connection_lost``, ``truncated``, ``too_large``, ``dns``...).
  Requests refused on purpose (robots.txt, the guards, offsite) are not failures: they
  have their own counters. Nor is a 404 or 410 answering a *probe*
  (``meta["newscrawl_probe"]``): a request that asks whether a site serves a URL at all,
  such as a platform's entry point on a site that may run another platform
  (:mod:`newscrawl.spiders.platforms` counts those).
- Two stock middlewares raise ``IgnoreRequest`` from ``process_response``, which no other
  middleware sees; the subclasses below count those cases and change nothing else:
  a redirect chain longer than ``REDIRECT_MAX_TIMES`` (``too_many_redirects``) and a body
  that decompresses past ``DOWNLOAD_MAXSIZE`` (``decompressed_too_large``: a gzip bomb).

Expected failures are one log line, never a traceback
------------------------------------------------------
Scrapy's scraper logs every download exception that reaches it (no errback took it) as
``Error downloading <GET url>`` *with the exception's traceback*, and its robots.txt
middleware does the same for robots.txt; a log formatter cannot drop that traceback
(the scraper passes ``exc_info`` itself). A network failure is not a bug, though: a
crawl of the web meets timeouts, resets and truncated bodies every day. So for the
exceptions named in ``_KINDS`` (:data:`EXPECTED_KINDS`), once retries are spent, the
middleware logs one warning, ``Download failed (timeout): URL [after 2 attempts]``, and
raises :class:`~newscrawl.exceptions.DownloadFailed` (an ``IgnoreRequest``, the original
exception as its cause), which Scrapy does not log again. Any other exception (a bug in a
middleware, a handler that broke) goes on as it was, and the scraper logs its traceback.
Scrapy's own "Gave up retrying" line is lowered to DEBUG (``RETRY_GIVE_UP_LOG_LEVEL`` in
settings.py): this line says the same with the failure's kind.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
    UnsupportedURLSchemeError,
)
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector
from twisted.internet import error as twisted_errors

from newscrawl.exceptions import DownloadFailed
from newscrawl.urls import site_of

logger = logging.getLogger(__name__)

PREFIX = "newscrawl/failures"
#: Meta key of a probe (its value says what is probed); a 404 or 410 answers it.
PROBE_META = "newscrawl_probe"
PROBE_STATUSES = (404, 410)

# First match wins; anything else is named after its class (``ValueError`` -> value_error).
_KINDS: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], str], ...] = (
    ((DownloadTimeoutError, twisted_errors.TimeoutError, TimeoutError), "timeout"),
    ((DownloadConnectionRefusedError, twisted_errors.ConnectionRefusedError), "connection_refused"),
    ((CannotResolveHostError, twisted_errors.DNSLookupError), "dns"),
    (ResponseDataLossError, "truncated"),
    (DownloadCancelledError, "too_large"),  # DOWNLOAD_MAXSIZE reached while downloading
    (UnsupportedURLSchemeError, "unsupported_scheme"),
    (
        (
            DownloadFailedError,
            twisted_errors.ConnectionLost,
            twisted_errors.ConnectionDone,
            twisted_errors.ConnectError,
            ConnectionError,
        ),
        "connection_lost",
    ),
)


#: The kinds of network failure a crawl expects: one log line each, no traceback.
EXPECTED_KINDS = frozenset(kind for _, kind in _KINDS)


def failure_kind(exception: BaseException) -> str:
    if isinstance(exception, DownloadFailed):  # already logged and counted by its kind
        return exception.kind
    for types, kind in _KINDS:
        if isinstance(exception, types):
            return kind
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(exception).__name__).lower()


def is_probe_answer(request: Request | None, response: Response) -> bool:
    """A probe answered "not here", at once or after redirects (``www.`` to the bare domain)."""
    return (
        request is not None
        and bool(request.meta.get(PROBE_META))
        and response.status in PROBE_STATUSES
    )


def count_failure(stats: StatsCollector, kind: str, url: str | None = None) -> None:
    stats.inc_value(PREFIX)
    stats.inc_value(f"{PREFIX}/{kind}")
    if url:  # per site too: the run report's rows and the run history (newscrawl.reporting)
        for where in (site_of(url), "all"):
            stats.inc_value(f"newscrawl/report/{where}/failures/{kind}")


class FailureStatsMiddleware:
    """Outermost downloader middleware: counts each request's final failure by kind."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FailureStatsMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if is_probe_answer(request, response):
            return response
        if response.status >= 400:
            count_failure(self.stats, f"http_{response.status}", request.url)
        elif 300 <= response.status < 400 and "Location" in response.headers:
            count_failure(self.stats, "redirect_not_followed", request.url)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        """Count the failure; an expected one is logged here, once, and raised again as
        :class:`DownloadFailed` (see the module docstring)."""
        if isinstance(exception, IgnoreRequest):  # refusals are counted where made
            return None
        kind = failure_kind(exception)
        count_failure(self.stats, kind, request.url)
        if kind not in EXPECTED_KINDS:
            return None  # unexpected: Scrapy logs it with its traceback
        attempts = request.meta.get("retry_times", 0) + 1
        logger.warning(
            "Download failed (%s): %s%s",
            kind,
            request.url,
            f" after {attempts} attempts" if attempts > 1 else "",
        )
        raise DownloadFailed(kind, request.url) from exception


class CountingRedirectMiddleware(RedirectMiddleware):
    """Scrapy's redirect handling, with redirect loops and over-long chains counted."""

    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        try:
            return super()._redirect(redirected, request, reason)
        except IgnoreRequest:
            count_failure(self.crawler.stats, "too_many_redirects", request.url)
            raise


class CountingHttpCompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression (bounded by DOWNLOAD_MAXSIZE), with bombs counted."""

    def process_response(self, request: Request, response: Response) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest:
            if self.stats is not None:
                count_failure(self.stats, "decompressed_too_large", request.url)
            raise
