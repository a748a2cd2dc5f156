"""Responses whose bytes contradict their declared charset are re-read in the right one.

The rules are :func:`newscrawl.extract.decoding.fallback_encoding`'s (Windows-1252 labelled
UTF-8, and UTF-8 labelled with a legacy charset); each fallback is counted as
``newscrawl/charset/cp1252_fallback`` or ``newscrawl/charset/utf-8_fallback``.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse

from newscrawl.extract.decoding import fallback_encoding


class CharsetFallbackMiddleware:
    """Re-read a text response whose declared charset its bytes contradict (see above)."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CharsetFallbackMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, TextResponse):
            return response
        encoding = fallback_encoding(response.body, response.encoding)
        if encoding is None:
            return response
        self.stats.inc_value(f"newscrawl/charset/{encoding}_fallback")
        return response.replace(encoding=encoding)
