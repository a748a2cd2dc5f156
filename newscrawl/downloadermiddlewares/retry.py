"""Retries with exponential backoff, honouring ``Retry-After``.

Scrapy's RetryMiddleware retries at once (and only lowers the retry's priority): a server
answering 503 or 429 is asked again within milliseconds. This subclass decides the same
retries the same way (``RETRY_TIMES``, ``RETRY_HTTP_CODES``, ``RETRY_EXCEPTIONS``) and only
waits before handing the retry back:

    delay = min(RETRY_BACKOFF_MAX, max(Retry-After, RETRY_BACKOFF_BASE * 2 ** (attempt - 1)))

``Retry-After`` is read in both forms (seconds, HTTP date). The wait holds no download
slot, so other pages of the site go on; it counts towards ``CONCURRENT_REQUESTS`` while it
lasts, which keeps a failing site from filling the downloader with retries.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.utils.asyncio import sleep

logger = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None, now: dt.datetime | None = None) -> float:
    """Seconds a ``Retry-After`` header asks to wait; 0 when absent or unreadable."""
    if not value:
        return 0.0
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return 0.0
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry decisions, with a growing wait before each retry."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler.settings)
        self.crawler = crawler
        self.base = crawler.settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.maximum = crawler.settings.getfloat("RETRY_BACKOFF_MAX", 60.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        return cls(crawler)

    def backoff(self, retry: Request, retry_after: float = 0.0) -> float:
        attempt = retry.meta.get("retry_times", 1)
        return min(self.maximum, max(retry_after, self.base * 2 ** (attempt - 1)))

    async def _wait(self, retry: Request, retry_after: float = 0.0) -> Request:
        delay = self.backoff(retry, retry_after)
        if delay > 0:
            self.crawler.stats.inc_value("newscrawl/retry/backoff_ms", int(delay * 1000))
            logger.debug("Waiting %.2f s before retrying %s", delay, retry.url)
            await sleep(delay)
        return retry

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        result = super().process_response(request, response)
        if isinstance(result, Request):
            retry_after = retry_after_seconds(response.headers.get("Retry-After"))
            return await self._wait(result, retry_after)
        return result

    async def process_exception(self, request: Request, exception: Exception) -> Request | None:
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            return await self._wait(result)
        return result
