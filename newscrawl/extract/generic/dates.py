"""The publication date and the printed dateline of an unknown page.

The date is the one the markup declares (JSON-LD, microdata, meta tags, ``<time>``), else
the year-bearing date of a printed wire dateline, else htmldate's finding. The dateline is
the "Place (Agency) Date" line a wire story prints, on its own line above a layout table's
text or glued to the start of the body's first paragraph (:mod:`newscrawl.extract.datelines`
parses it).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from htmldate import find_date
from lxml import etree

from newscrawl.extract.datelines import Dateline, parse_dateline, split_lead
from newscrawl.extract.generic.evidence import Evidence
from newscrawl.extract.generic.tables import LayoutText
from newscrawl.extract.markup import first_text

# Meta tags naming a publication date, in the order they are trusted; the generic "date"
# tags (often the page's rebuild time) sit between the two groups.
PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "og:published_time",
    "datepublished", "publishdate", "publish-date", "publish_date", "pubdate",
    "parsely-pub-date", "sailthru.date", "dc.date.issued", "dcterms.issued",
)  # fmt: skip
GENERIC_DATE_META = ("dc.date", "dcterms.date", "date")
PUBLISHED_META_LATE = ("article.published", "published_time")
_DATED_TIMES = etree.XPath("//body//time[@datetime]")
# Blocks whose dates are not the article's: comments, teaser lists, navigation, sidebars.
_NOT_THE_ARTICLE = re.compile(
    r"comment|related|teaser|list|nav|footer|aside|sidebar|widget|recommend", re.IGNORECASE
)
_ISO_LIKE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?)?"
)
_RFC2822 = re.compile(r"^\s*(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}")
_URL_DATE = re.compile(r"/((?:19|20)\d\d)[/-](\d{1,2})[/-](\d{1,2})(?:/|[-_]|$)")


@dataclass(frozen=True)
class Rules:
    """The date rules, named so that each can be measured (``bench/extraction_quality.py
    --cv K`` chooses each on K-1 publisher folds and scores it on the fold left out)."""

    #: A generic ``date`` tag alone gives way to the ``<time>`` printed with the article.
    shown_over_generic: bool = True
    #: A UTC stamp gives way to the same moment declared in local time.
    local_time: bool = True
    #: A UTC stamp at 22:00:00 or 23:00:00 sharp is the local midnight of a bare date.
    local_midnight: bool = True
    #: The URL's date wins over a zoned stamp one day off.
    url_day: bool = True
    #: A printed dateline with its year is the date where the markup declares none.
    printed_dateline: bool = True
    #: htmldate's guess is dropped when more than a day from the day the dateline prints.
    dateline_veto: bool = True


RULES = Rules()


class DateSources:
    """What one page states about its publication date, each source read once.

    htmldate (the costliest source: a search of the whole page) runs only when
    :func:`decide` asks for it.
    """

    def __init__(self, evidence: Evidence, printed: Dateline | None) -> None:
        self.evidence = evidence
        self.printed = printed
        self.url = _url_date(evidence.url)

    @cached_property
    def declared(self) -> list[str]:
        """The declared stamps (ISO), in the order they are trusted."""
        return [iso for iso in map(iso_date, _declared_dates(self.evidence)) if iso]

    @cached_property
    def specific(self) -> bool:
        """Whether an article-specific date is declared (not only a generic ``date`` tag)."""
        return any(map(iso_date, _specific_dates(self.evidence)))

    @cached_property
    def shown(self) -> str | None:
        return _shown_time(self.evidence)

    @cached_property
    def htmldate(self) -> str | None:
        evidence = self.evidence
        try:
            return find_date(
                evidence.root,
                url=evidence.url if evidence.url.startswith("http") else None,
                original_date=True,
                extensive_search=True,
                max_date=dt.date.today().isoformat(),
            )
        except Exception:  # noqa: BLE001 - htmldate failing leaves the date unknown
            return None

    def dateline_contradicts(self, found: str) -> bool:
        """Whether the printed dateline's month and day are more than a day from ``found``."""
        if self.printed is None:
            return False
        dated = parse_dateline(self.printed.raw, context=found)
        return bool(dated and dated.date and _days_apart(dated.date, found) > 1)


def published(evidence: Evidence, printed: Dateline | None, rules: Rules = RULES) -> str | None:
    """The publication date of a page (see :func:`decide`)."""
    return decide(DateSources(evidence, printed), rules)


def decide(sources: DateSources, rules: Rules = RULES) -> str | None:
    """The publication date the markup declares, else the printed dateline's, else htmldate's.

    A declared time in UTC is the machine's spelling of the moment; when the page also
    declares the same moment in local time (same minutes and seconds, a whole number of
    hours away), the local one is used, since the date a reader sees is the local one.
    For the same reason a date in the URL ("/2024/05/03/") wins over a declared time one
    day off: the difference is the time zone, and a UTC stamp at 22:00 or 23:00 sharp is
    a bare date stored as the local midnight of a newsroom one or two hours east of UTC.

    Only a generic ``date`` / ``dc.date`` / ``dcterms.date`` tag (no article-specific
    declaration) often stamps the page's last build rather than the article; then a
    ``<time datetime>`` printed with the article, when there is one, is what readers see.

    Where nothing is declared, a printed dateline that carries a year ("Kourou (AFP)
    Dec 28, 2017", see :func:`printed_dateline`) is the page's own statement of the
    day, so it is the date and htmldate (the costliest field on such pages) is not run.
    A dateline without a year ("LONDON, Aug 22 (Reuters) -") leaves the year to
    htmldate, but a guess more than a day from the month and day it prints is dropped:
    htmldate then read some other date (a copyright year as 1 January, a link's date).
    """
    stamps = sources.declared
    if stamps and rules.shown_over_generic and not sources.specific:
        shown = sources.shown
        if shown and shown[:10] != stamps[0][:10]:
            stamps = [shown]
    if stamps:
        chosen = _prefer_local_time(stamps) if rules.local_time else stamps[0]
        if rules.local_midnight:
            chosen = _local_midnight(chosen) or chosen
        in_url = sources.url
        zoned = "T" in chosen  # a bare date has no time zone to disagree about
        if (rules.url_day and zoned and in_url and in_url != chosen[:10]
                and _days_apart(in_url, chosen) <= 1):  # fmt: skip
            return in_url  # the CMS dated the URL in the newsroom's time zone
        return chosen
    printed = sources.printed
    if rules.printed_dateline and printed and printed.date:
        return printed.date  # a wire dateline with its year: the page's own statement
    found = sources.htmldate
    if found and rules.dateline_veto and sources.dateline_contradicts(found):
        return None  # the guess contradicts the day the dateline prints
    return found


def printed_dateline(layout: LayoutText | None, body: list[str]) -> Dateline | None:
    """The dateline as printed (no year inferred): its own line above a layout table's
    text, else the lead of the body's first paragraph."""
    if layout and layout.dateline:
        return parse_dateline(layout.dateline)
    return split_lead(body[0])[0] if body else None


def dateline(layout: LayoutText | None, body: list[str], published: str | None) -> str | None:
    """The dateline printed above the text, or at the start of the first body paragraph.

    The paragraph keeps it: the dateline is part of the text as published.
    """
    if layout and layout.dateline:
        return layout.dateline  # printed on its own line above the text
    if not body:
        return None
    found, _ = split_lead(body[0], context=published)
    return found.raw if found else None


def _declared_dates(evidence: Evidence) -> Iterator[Any]:
    yield evidence.article_ld.get("datePublished")
    yield from evidence.microdata_values("datePublished")[:1]
    for name in PUBLISHED_META + GENERIC_DATE_META + PUBLISHED_META_LATE:
        yield evidence.meta.get(name)
    yield evidence.article_ld.get("dateCreated")


def _specific_dates(evidence: Evidence) -> Iterator[Any]:
    """The declared dates other than the generic ``date``/``dc.date``/``dcterms.date``."""
    yield evidence.article_ld.get("datePublished")
    yield evidence.article_ld.get("dateCreated")
    yield from evidence.microdata_values("datePublished")[:1]
    for name in PUBLISHED_META + PUBLISHED_META_LATE:
        yield evidence.meta.get(name)


def _shown_time(evidence: Evidence) -> str | None:
    """The first ``<time datetime>`` of the page outside comments, lists and teasers."""
    for element in _DATED_TIMES(evidence.root):
        if any(_NOT_THE_ARTICLE.search(f"{a.get('class') or ''} {a.get('id') or ''}")
               for a in (element, *element.iterancestors("*"))[:4]):  # fmt: skip
            continue
        stamp = iso_date(element.get("datetime"))
        if stamp:
            return stamp
    return None


def iso_date(value: Any) -> str | None:
    """An ISO 8601 date or datetime from a declared date value, else None.

    Besides ISO 8601, the RFC 2822 form of HTTP headers and feeds ("Sat, 19 Oct 2019
    00:04:00 +0200"), which some templates copy into a ``date`` meta tag, is read too.
    """
    text = first_text(value)
    match = _ISO_LIKE.search(text) if text else None
    if not match:
        return _rfc2822_date(text) if text else None
    year, month, day, hour, minute, second, zone = match.groups()
    try:
        date = dt.date(int(year), int(month), int(day))
    except ValueError:
        return None
    if hour is None:
        return date.isoformat()
    stamp = f"{date.isoformat()}T{int(hour):02d}:{minute}:{second or '00'}"
    if zone:
        zone = "+00:00" if zone == "Z" else f"{zone[:3]}:{zone[-2:]}"
        stamp += zone
    return stamp


def _rfc2822_date(text: str) -> str | None:
    """The ISO form of an RFC 2822 date with a time zone ("Sat, 19 Oct 2019 00:04:00 +0200")."""
    if not _RFC2822.match(text):
        return None
    try:
        stamp = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return stamp.isoformat() if stamp.tzinfo is not None else None


def _url_date(url: str) -> str | None:
    match = _URL_DATE.search(url)
    if not match:
        return None
    try:
        return dt.date(*map(int, match.groups())).isoformat()
    except ValueError:
        return None


def _days_apart(first: str, second: str) -> int:
    days = dt.date.fromisoformat(first[:10]) - dt.date.fromisoformat(second[:10])
    return abs(days.days)


def _local_midnight(stamp: str) -> str | None:
    """The local date of a UTC stamp at 22:00:00 or 23:00:00 sharp (see :func:`published`)."""
    if "T" not in stamp:
        return None
    moment = dt.datetime.fromisoformat(stamp)
    if moment.utcoffset() != dt.timedelta(0) or (moment.minute, moment.second) != (0, 0):
        return None
    if moment.hour not in (22, 23):
        return None
    return (moment.date() + dt.timedelta(days=1)).isoformat()


def _prefer_local_time(stamps: list[str]) -> str:
    """The first stamp, or the same moment in local time when the first is in UTC."""
    first = dt.datetime.fromisoformat(stamps[0]) if "T" in stamps[0] else None
    if first is None or first.utcoffset() != dt.timedelta(0):
        return stamps[0]
    for other in stamps[1:]:
        if "T" not in other:
            continue
        local = dt.datetime.fromisoformat(other)
        if local.utcoffset() == dt.timedelta(0):
            continue
        wall = local.replace(tzinfo=None) - first.replace(tzinfo=None)
        hours = wall.total_seconds() / 3600
        if (local.minute, local.second) == (first.minute, first.second) and 0 < abs(hours) <= 14:
            return other
    return stamps[0]
