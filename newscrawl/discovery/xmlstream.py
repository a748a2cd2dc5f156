"""Feeds and sitemaps read as a stream, within bounds set by the crawl.

A listing is written by whoever runs the site, and a sitemap can be big on purpose: a
2.2 MB ``.xml.gz`` expanded to 850,197 URLs, which the whole-document parse turned into as
many requests (2.4 GiB resident, the reactor blocked for 16 s). So a listing is read
here a piece at a time:

- **bytes**: a gzip-compressed listing is decompressed in 64 KiB steps, and reading stops
  at ``max_size`` bytes of XML (the crawl passes ``DOWNLOAD_MAXSIZE``, which bounds every
  response and every ``Content-Encoding`` already). What was read by then is kept, entries
  cut in the middle are not (:attr:`XmlStream.truncated` says it happened);
- **entries**: each entry element (``<url>``, ``<sitemap>``, ``<item>``, ``<entry>``) is
  handed over once it is complete, then dropped from the tree, so memory holds one entry,
  not the document; the caller counts and caps them;
- **XML itself**: no entity is resolved (an entity bomb stays unexpanded), nothing is
  fetched from the network (external entities, DTDs), and libxml2's own limits on a
  single node's size stay on (``huge_tree`` off).

The parser is lxml's in recovery mode, as the whole-document parse was: real feeds are
often not well-formed, and what can be read of them is read.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

from lxml import etree

#: ``max_size`` when the caller gives none: DOWNLOAD_MAXSIZE of the project settings.
DEFAULT_MAX_SIZE = 16 * 1024 * 1024
_CHUNK = 64 * 1024
_GZIP = 16 + zlib.MAX_WBITS
_CHANNEL_DATES = frozenset({"lastbuilddate", "pubdate"})


class ListingError(ValueError):
    """A feed or sitemap that is not XML of a known kind."""


def local_name(node: etree._Element) -> str:
    """The element's name without namespace, lower-cased ("" for a comment or entity)."""
    tag = node.tag
    return tag.rpartition("}")[2].lower() if isinstance(tag, str) else ""


class XmlStream:
    """One listing's XML, read once through :meth:`elements`.

    After reading: :attr:`root` is the root element's local name (None: no XML at all),
    :attr:`truncated` is True when the document went past ``max_size`` bytes, and
    :attr:`channel` holds an RSS channel's ``lastBuildDate`` and ``pubDate`` texts.
    """

    def __init__(self, body: bytes, max_size: int = DEFAULT_MAX_SIZE) -> None:
        self.body = body
        self.max_size = max_size
        self.root: str | None = None
        self.truncated = False
        self.cut_off = False  # a compressed stream that ends before its end
        self.channel: dict[str, str] = {}

    def elements(self, names: frozenset[str]) -> Iterator[etree._Element]:
        """Each complete element named in ``names`` that is a child or grandchild of the
        root, in document order; it is cleared from the tree once the caller has it."""
        parser = etree.XMLPullParser(
            events=("end",), resolve_entities=False, no_network=True, recover=True,
            remove_comments=True, remove_pis=True, huge_tree=False,
        )  # fmt: skip
        for chunk in self._chunks():
            try:
                parser.feed(chunk)
            except etree.XMLSyntaxError:  # recovery gave up: keep what was read
                break
            yield from self._wanted(parser, names)
        try:
            parser.close()
        except etree.XMLSyntaxError:
            pass
        else:
            if not (self.truncated or self.cut_off):  # else closing invents the ends
                yield from self._wanted(parser, names)
        if self.root is None:
            raise ListingError("not XML: no element")

    def _wanted(self, parser: etree.XMLPullParser, names: frozenset[str]) -> Iterator[Any]:
        for _, element in parser.read_events():
            parent = element.getparent()
            if parent is None:  # the root's end
                self.root = local_name(element)
                continue
            if self.root is None:
                self.root = local_name(element.getroottree().getroot())
            grandparent = parent.getparent()
            if grandparent is not None and grandparent.getparent() is not None:
                continue  # deeper than an entry: part of one
            name = local_name(element)
            if name in names:
                yield element
                _forget(element)
            elif (
                grandparent is not None
                and name in _CHANNEL_DATES
                and local_name(parent) == "channel"
            ):
                text = (element.text or "").strip()
                if text:
                    self.channel.setdefault(name, text)

    def _chunks(self) -> Iterator[bytes]:
        """The XML, decompressed when it is gzip, ``_CHUNK`` bytes at a time, at most
        ``max_size`` bytes in all (then :attr:`truncated`)."""
        body, total = self.body, 0
        if body[:2] != b"\x1f\x8b":
            pieces: Iterator[bytes] = (body[i : i + _CHUNK] for i in range(0, len(body), _CHUNK))
        else:
            pieces = _gunzip(body, self)
        for piece in pieces:
            if total + len(piece) > self.max_size:
                self.truncated = True
                yield piece[: self.max_size - total]
                return
            total += len(piece)
            yield piece


def _gunzip(body: bytes, stream: XmlStream) -> Iterator[bytes]:
    """Decompressed gzip members, at most ``_CHUNK`` bytes a step; a corrupt or cut-off
    tail ends the stream (as Scrapy's ``gunzip`` does, and ``stream.cut_off`` says so)
    unless nothing could be read."""
    data, produced = body, False
    decompressor = zlib.decompressobj(_GZIP)
    while True:
        try:
            piece = decompressor.decompress(data, _CHUNK)
        except zlib.error as exc:
            if produced:
                stream.cut_off = True
                return
            raise ListingError(f"not gzip: {exc}") from None
        if piece:
            produced = True
            yield piece
        if decompressor.eof:  # another member may follow
            data = decompressor.unused_data
            if not data:
                return
            decompressor = zlib.decompressobj(_GZIP)
            continue
        data = decompressor.unconsumed_tail
        if not data and len(piece) < _CHUNK:
            stream.cut_off = True  # all input read, no output held back, no end
            return


def _forget(element: etree._Element) -> None:
    """Drop an entry (and anything before it) from the tree being built."""
    element.clear()
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]
