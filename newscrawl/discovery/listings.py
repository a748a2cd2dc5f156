"""Feeds, sitemaps and robots.txt: the listings a scheduled crawl discovers articles from.

Pure functions over bytes and strings, no crawler: the spiders' discovery callbacks
(:mod:`newscrawl.spiders.discovery`) call them, and the tests run them on fixture files.

- RSS 2.0, RSS 1.0 and Atom feeds, including the Space Media Network's feeds, whose dates
  are not RFC 822 clean (``Thu, 04 APR 2013 20:37:27 AEST``: upper-case month, a zone
  name the standard library does not know) and whose title and link sit in CDATA.
- XML sitemaps, sitemap indexes and Google News sitemaps. Scrapy's own sitemap reader keeps
  only ``loc``/``lastmod``/``alternate`` and drops the nested ``news:publication_date`` and
  ``news:title``, so the XML is read here with lxml and namespace-agnostic names.
- Within bounds: a listing is read as a stream (:mod:`newscrawl.discovery.xmlstream`), at
  most ``max_size`` bytes of XML once decompressed and ``max_entries`` entries (the rest
  are counted in :attr:`Listing.overflow`, never built); no entity is expanded, nothing
  is fetched.
- ``Sitemap:`` lines of robots.txt, and ``<link rel=alternate>`` feed autodiscovery.

Every date comes back as an aware UTC ``datetime`` (or None when absent or unreadable),
so listing dates compare with each other and with the store's ``fetched_at``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from lxml import etree
from parsel import Selector

from newscrawl.discovery.xmlstream import DEFAULT_MAX_SIZE, ListingError, XmlStream, local_name

__all__ = [
    "Listing", "ListingEntry", "ListingError", "feed_links", "parse_duration", "parse_feed",
    "parse_listing_date", "parse_sitemap", "sitemaps_in_robots",
]  # fmt: skip

UTC = dt.UTC

# Zone names seen in feeds, as UTC offsets in minutes. RFC 822 knows only the US zones;
# the network's feeds are stamped in Australian time (AEST/AEDT).
_ZONES = {
    "UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "WEST": 60, "BST": 60,
    "CET": 60, "CEST": 120, "MET": 60, "MEST": 120, "EET": 120, "EEST": 180, "MSK": 180,
    "EST": -300, "EDT": -240, "CST": -360, "CDT": -300, "MST": -420, "MDT": -360,
    "PST": -480, "PDT": -420, "AKST": -540, "AKDT": -480, "HST": -600,
    "AEST": 600, "AEDT": 660, "ACST": 570, "ACDT": 630, "AWST": 480,
    "NZST": 720, "NZDT": 780, "JST": 540, "KST": 540, "HKT": 480, "SGT": 480,
}  # fmt: skip
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
)}  # fmt: skip
_RFC822 = re.compile(
    r"^\s*(?:[A-Za-z]{2,9}\.?,?\s+)?(\d{1,2})\s+([A-Za-z]{3,9})\.?,?\s+(\d{2,4})"
    r"(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*([A-Za-z]{1,5}|[+-]\d{2}:?\d{2})?\s*$"
)
_YEAR_MONTH = re.compile(r"^\s*(\d{4})(?:-(\d{2}))?\s*$")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$", re.I)
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "": 86400}


def parse_listing_date(text: str | None) -> dt.datetime | None:
    """A feed or sitemap date as an aware UTC datetime; None when absent or unreadable.

    Reads RFC 822 dates leniently (any month case, zone names such as AEST, numeric
    offsets, two-digit years) and W3C/ISO 8601 dates (``2025-08-22``,
    ``2025-08-22T09:14:00+00:00``, ``2025-08``). A date without a zone is taken as UTC;
    an unknown zone name too (off by hours at most, which day-sized ``max_age`` tolerates).
    """
    if not text or not text.strip():
        return None
    text = text.strip()
    match = _RFC822.match(text)
    if match:
        day, month, year, hour, minute, second, zone = match.groups()
        month_number = _MONTHS.get(month[:3].lower())
        if month_number is None:
            return None
        year_number = int(year) + (2000 if len(year) == 2 and int(year) < 50 else 0)
        year_number += 1900 if len(year) == 2 and int(year) >= 50 else 0
        try:
            moment = dt.datetime(
                year_number, month_number, int(day), int(hour or 0), int(minute or 0),
                int(second or 0),
            )  # fmt: skip
        except ValueError:
            return None
        return (moment - dt.timedelta(minutes=_zone_minutes(zone))).replace(tzinfo=UTC)
    match = _YEAR_MONTH.match(text)
    if match:
        return dt.datetime(int(match[1]), int(match[2] or 1), 1, tzinfo=UTC)
    try:
        moment = dt.datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _zone_minutes(zone: str | None) -> int:
    if not zone:
        return 0
    if zone[0] in "+-":
        digits = zone[1:].replace(":", "")
        minutes = int(digits[:2]) * 60 + int(digits[2:])
        return minutes if zone[0] == "+" else -minutes
    return _ZONES.get(zone.upper(), 0)


def parse_duration(text: str) -> dt.timedelta:
    """``30m``, ``12h``, ``2d``, ``1w`` (a bare number is days) -> a timedelta."""
    match = _DURATION.match(str(text))
    if not match:
        raise ValueError(f"not a duration: {text!r} (use e.g. 30m, 12h, 2d, 1w)")
    return dt.timedelta(seconds=float(match[1]) * _DURATION_UNITS[match[2].lower()])


@dataclass(frozen=True)
class ListingEntry:
    """One article (or, in a sitemap index, one sitemap) a listing points to."""

    url: str
    published: dt.datetime | None = None
    modified: dt.datetime | None = None
    title: str | None = None

    @property
    def age_date(self) -> dt.datetime | None:
        """The date ``max_age`` is measured from: publication, else last modification."""
        return self.published or self.modified

    @property
    def latest(self) -> dt.datetime | None:
        """The newest date the listing gives: what a re-fetch policy compares."""
        dates = [d for d in (self.published, self.modified) if d is not None]
        return max(dates) if dates else None


@dataclass
class Listing:
    """A parsed feed or sitemap: ``kind`` is ``rss``, ``atom``, ``urlset`` or ``sitemapindex``."""

    kind: str
    entries: list[ListingEntry] = field(default_factory=list)
    #: True when every item carried the channel's own build date, i.e. no real item dates
    #: (the network's feeds do this); the dates were dropped from the entries.
    undated: bool = False
    #: Entries past ``max_entries``: counted, not read.
    overflow: int = 0
    #: The XML went past ``max_size`` bytes: the entries before that point were read.
    truncated: bool = False


_local = local_name


def _read(
    body: bytes, names: frozenset[str], max_entries: int | None, max_size: int, make: Any
) -> tuple[XmlStream, list[Any], int]:
    """``make(element)`` for each of the first ``max_entries`` entry elements (None
    results left out), and how many entries came after those."""
    stream = XmlStream(body, max_size)
    made: list[Any] = []
    seen = 0
    for element in stream.elements(names):
        seen += 1
        if max_entries is None or seen <= max_entries:
            entry = make(element, stream.root)
            if entry is not None:
                made.append(entry)
    overflow = max(0, seen - max_entries) if max_entries is not None else 0
    return stream, made, overflow


def _child_text(node: etree._Element, *names: str) -> str | None:
    """Text of the first child (any namespace) whose local name is one of ``names``."""
    for name in names:
        for child in node:
            if _local(child) == name and (child.text or "").strip():
                return child.text.strip()
    return None


def _children(node: etree._Element, name: str) -> list[etree._Element]:
    return [child for child in node if _local(child) == name]


def parse_feed(
    body: bytes, base_url: str, *, max_entries: int | None = None,
    max_size: int = DEFAULT_MAX_SIZE,
) -> Listing:  # fmt: skip
    """Entries of an RSS 2.0, RSS 1.0 or Atom feed; relative links resolved on ``base_url``."""

    def make(element: etree._Element, root: str | None) -> ListingEntry | None:
        if root == "feed":
            return _atom_entry(element, base_url) if _local(element) == "entry" else None
        if root not in ("rss", "rdf") or _local(element) != "item":
            return None
        return _rss_entry(element, base_url)

    stream, entries, overflow = _read(
        body, frozenset({"item", "entry"}), max_entries, max_size, make
    )
    kind = stream.root
    if kind == "feed":
        return Listing("atom", entries, overflow=overflow, truncated=stream.truncated)
    if kind not in ("rss", "rdf"):
        raise ListingError(f"not a feed: root element <{kind}>")
    channel = stream.channel
    built = parse_listing_date(channel.get("lastbuilddate") or channel.get("pubdate"))
    stamped = len(entries) > 1 and built and all(e.published == built for e in entries)
    if stamped:  # every item dated with the build time: no item dates at all
        entries = [ListingEntry(e.url, None, None, e.title) for e in entries]
    return Listing(
        "rss", entries, undated=bool(stamped), overflow=overflow, truncated=stream.truncated
    )


def _rss_entry(item: etree._Element, base_url: str) -> ListingEntry | None:
    link = _child_text(item, "link")
    if not link:
        guid = next(iter(_children(item, "guid")), None)
        if guid is not None and guid.get("isPermaLink", "true") != "false":
            link = (guid.text or "").strip() or None
    if not link:
        return None
    return ListingEntry(
        url=urljoin(base_url, link),
        published=parse_listing_date(_child_text(item, "pubdate", "date")),
        title=_child_text(item, "title"),
    )


def _atom_entry(entry: etree._Element, base_url: str) -> ListingEntry:
    href = None
    for link in _children(entry, "link"):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            href = link.get("href")
            break
    return ListingEntry(
        url=urljoin(base_url, (href or _child_text(entry, "id") or "").strip()),
        published=parse_listing_date(_child_text(entry, "published", "issued")),
        modified=parse_listing_date(_child_text(entry, "updated", "modified")),
        title=_child_text(entry, "title"),
    )


def parse_sitemap(
    body: bytes, base_url: str, *, max_entries: int | None = None,
    max_size: int = DEFAULT_MAX_SIZE,
) -> Listing:  # fmt: skip
    """A urlset (with Google News tags when present) or a sitemap index."""

    def make(element: etree._Element, root: str | None) -> ListingEntry | None:
        loc = _child_text(element, "loc")
        if not loc:
            return None
        if root == "sitemapindex" and _local(element) == "sitemap":
            return ListingEntry(
                url=urljoin(base_url, loc),
                modified=parse_listing_date(_child_text(element, "lastmod")),
            )
        if root != "urlset" or _local(element) != "url":
            return None
        news = next(iter(_children(element, "news")), None)
        return ListingEntry(
            url=urljoin(base_url, loc),
            published=(
                parse_listing_date(_child_text(news, "publication_date"))
                if news is not None
                else None
            ),
            modified=parse_listing_date(_child_text(element, "lastmod")),
            title=_child_text(news, "title") if news is not None else None,
        )

    stream, entries, overflow = _read(
        body, frozenset({"url", "sitemap"}), max_entries, max_size, make
    )
    if stream.root not in ("urlset", "sitemapindex"):
        raise ListingError(f"not a sitemap: root element <{stream.root}>")
    return Listing(stream.root, entries, overflow=overflow, truncated=stream.truncated)


def sitemaps_in_robots(text: str, base_url: str) -> list[str]:
    """URLs of the ``Sitemap:`` lines of a robots.txt, in order, without repeats."""
    found: list[str] = []
    for line in text.splitlines():
        name, _, value = line.partition(":")
        value = value.split("#", 1)[0].strip()
        if name.strip().lower() == "sitemap" and value:
            url = urljoin(base_url, value)
            if url not in found:
                found.append(url)
    return found


_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")


def feed_links(selector: Selector, base_url: str) -> list[str]:
    """Feeds a page announces with ``<link rel="alternate" type="application/rss+xml">``."""
    found: list[str] = []
    for link in selector.xpath("//link[@href]"):
        rel = (link.attrib.get("rel") or "").lower().split()
        kind = (link.attrib.get("type") or "").lower().split(";")[0].strip()
        if "alternate" in rel and kind in _FEED_TYPES:
            url = urljoin(base_url, link.attrib["href"].strip())
            if url not in found:
                found.append(url)
    return found
