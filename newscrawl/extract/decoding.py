"""Bytes -> text, the way Scrapy and browsers decode a page, and where pages lie about it.

Pages that lie about their charset:

- an old CMS template says ``charset=utf-8`` (in the header or a ``<meta>``) and serves
  Windows-1252: decoded as declared, every curly quote, dash and accented letter becomes
  U+FFFD and the text is lost. When bytes declared UTF-8 are not valid UTF-8 but are valid
  Windows-1252, that is what the author wrote, so the page is read as Windows-1252;
- the converse lie is as common: a template declares a legacy charset (``gb2312``,
  ``iso-8859-1``, ``shift_jis``...) while the CMS writes UTF-8. Bytes of real legacy-encoded
  text are practically never valid UTF-8 once they hold non-ASCII letters, so a body declared
  otherwise that decodes as UTF-8 and holds multi-byte sequences is read as UTF-8. Anything
  else (pure ASCII, binary junk that is neither) is left alone.

The downloader middleware :mod:`newscrawl.downloadermiddlewares.charset` applies
:func:`fallback_encoding` to responses; :func:`read_page` applies it to saved files
(``newscrawl extract``); an extraction worker decodes a response's bytes with
:func:`response_text`, exactly as the crawl process would have.
"""

from __future__ import annotations

import codecs
import gzip
from pathlib import Path

from w3lib.encoding import html_to_unicode

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


def response_text(body: bytes, encoding: str) -> str:
    """The body decoded exactly as :attr:`TextResponse.text` decodes it for ``encoding``."""
    return html_to_unicode(f"charset={encoding}", body)[1]


def read_page(path: Path) -> str:
    """Decode a saved page the way a browser would: BOM, then ``<meta charset>``, then UTF-8."""
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    encoding, text = html_to_unicode(None, data)
    fallback = fallback_encoding(data, encoding)  # Windows-1252 labelled UTF-8
    return data.decode(fallback) if fallback else text
