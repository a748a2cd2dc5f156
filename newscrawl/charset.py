"""Pages that lie about their charset: Windows-1252 bytes labelled UTF-8.

An old CMS template says ``charset=utf-8`` (in the header or a ``<meta>``) and serves
Windows-1252: decoded as declared, every curly quote, dash and accented letter becomes
U+FFFD and the text is lost. When bytes declared UTF-8 are not valid UTF-8 but are valid
Windows-1252, that is what the author wrote, so the page is read as Windows-1252.

The converse lie is as common: a template declares a legacy charset (``gb2312``,
``iso-8859-1``, ``shift_jis``...) while the CMS writes UTF-8. Bytes of real legacy-encoded text
are practically never valid UTF-8 once they hold non-ASCII letters, so a body declared otherwise
that decodes as UTF-8 and holds multi-byte sequences is read as UTF-8. Anything else (pure
ASCII, binary junk that is neither) is left alone.

:class:`CharsetFallbackMiddleware` applies it to responses (counted as
``newscrawl/charset/cp1252_fallback`` and ``newscrawl/charset/utf-8_fallback``);
``newscrawl extract`` uses :func:`fallback_encoding`
on saved files.
"""

from __future__ import annotations

import codecs

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse

FALLBACK = "cp1252"


def _is_utf8(encoding: str | None) -> bool:
    try:
        return codecs.lookup(encoding or "").name == "utf-8"
    except LookupError:
        return False


def fallback_encoding(body: bytes, declared: str | None) -> str | None:
    """``cp1252`` when ``body``, declared UTF-8, is not UTF-8 but is Windows-1252; ``utf-8``
    when ``body``, declared in another charset, is UTF-8 with non-ASCII text; else None."""
    if b"\x00" in body[:4096]:  # NUL: binary, not text
        return None
    if not _is_utf8(declared):
        return "utf-8" if declared and _is_utf8_text(body) else None
    try:
        body.decode("utf-8")
        return None
    except UnicodeDecodeError:
        pass
    try:
        body.decode(FALLBACK)
    except UnicodeDecodeError:  # not text in either: leave it to the spider to reject
        return None
    return FALLBACK


def _is_utf8_text(body: bytes) -> bool:
    """Whether ``body`` is valid UTF-8 holding at least one multi-byte character."""
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


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
