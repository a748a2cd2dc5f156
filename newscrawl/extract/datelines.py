"""Parse news-wire datelines ("Seoul (AFP) Aug 22, 2025", "LONDON, Aug 22 (Reuters) -").

A dateline is the short line at the top of a wire story naming where it was filed, which
agency filed it and (sometimes) when.  Sites print it in several shapes:

* ``Seoul, Aug 22 (AFP) Aug 22, 2025``  - SpaceDaily/AFP: short date before, full date after
* ``Huntsville AL (SPX) Apr 04, 2013``  - SpaceDaily's own wire
* ``LONDON, Aug 22 (Reuters) -``        - Reuters: no year, the reader is expected to know it
* ``WASHINGTON (AP) —``                 - AP: no date at all

Design rules, and why:

* **Never invent a part.**  Downstream code treats ``place``/``agency``/``date`` as facts
  about the article, so a part that is not literally present stays ``None``.  The only
  inference made is the *year* of a year-less date, and only when the caller supplies a
  ``context`` date (typically the crawl or publication date) to anchor it.
* **Whole-string parsing vs. lead splitting.**  :func:`parse_dateline` is given text that is
  already believed to be a dateline and accepts it only if *all* of it is one; it is
  deliberately strict so a normal sentence is rejected.  :func:`split_lead` looks for a
  dateline glued to the start of a body paragraph and is stricter still about what counts
  (capitalised place, explicit separator) because a false positive would eat real text.
* **Bounded work.**  Input comes from arbitrary web pages.  Every regex runs on at most a few
  hundred characters and is written so that backtracking is local, so hostile input (huge
  strings, thousands of parentheses, control characters) costs linear time at worst.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

__all__ = ["Dateline", "parse_dateline", "split_lead"]

#: Real datelines are well under 100 characters; anything longer than this (after
#: whitespace collapsing) is not a dateline, so it is rejected without running any regex.
MAX_DATELINE_CHARS = 200
#: How much of a paragraph :func:`split_lead` examines.  A dateline is at the very start,
#: so looking further only costs time.
MAX_LEAD_SCAN_CHARS = 200
#: Maximum number of words in a place name.  Leads are held to a tighter limit because an
#: over-generous place is the main way an ordinary first sentence gets mistaken for one.
MAX_PLACE_WORDS = 8
MAX_LEAD_PLACE_WORDS = 5

ContextLike = dt.date | dt.datetime | str | None

# --------------------------------------------------------------------------------------
# Regex building blocks.  None of them contains nested unbounded quantifiers over
# overlapping character classes, which is what makes catastrophic backtracking possible.
# --------------------------------------------------------------------------------------

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_WEEKDAY = (
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)"
)
_DAY = r"(?:[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"\d{4}"
# A month name must be a whole word ("Marseille" is not "Mar"); it may be abbreviated with a
# dot ("Aug."), and the day may follow the dot directly ("Aug.22").
_MONTH_SEP = r"\b(?:\.\s*|\s+)"

# Capture-free date, for embedding in larger patterns (named groups cannot repeat).
_DATE = (
    rf"(?:{_WEEKDAY}\b\.?,?\s+)?"
    rf"(?:{_MONTH}{_MONTH_SEP}{_DAY}\b(?:,?\s+{_YEAR}\b)?"
    rf"|{_DAY}\s+{_MONTH}\b\.?(?:,?\s+{_YEAR}\b)?"
    rf"|{_YEAR}-\d{{2}}-\d{{2}}\b)"
)

# Same date with named parts; only ever used with ``fullmatch`` on an isolated date string.
_DATE_PARTS_RE = re.compile(
    rf"(?:{_WEEKDAY}\b\.?,?\s+)?"
    rf"(?:(?P<m1>{_MONTH}){_MONTH_SEP}(?P<d1>[0-3]?\d)(?:st|nd|rd|th)?(?:,?\s+(?P<y1>{_YEAR}))?"
    rf"|(?P<d2>[0-3]?\d)(?:st|nd|rd|th)?\s+(?P<m2>{_MONTH})\.?(?:,?\s+(?P<y2>{_YEAR}))?"
    rf"|(?P<y3>{_YEAR})-(?P<m3>\d{{2}})-(?P<d3>\d{{2}}))",
    re.IGNORECASE,
)

# A trailing separator as wire services print it: hyphen, double hyphen, en/em dash,
# figure dash, horizontal bar or colon.
_SEP = r"(?:--|[-\u2013\u2014\u2012\u2015:])"
_TRAILING_SEP_RE = re.compile(rf"\s*{_SEP}$")

# Exactly one parenthesised group.  Parts are length-capped and cannot contain parentheses,
# so a string of 10k "(" fails immediately rather than exploring splits.
_WITH_AGENCY_RE = re.compile(
    r"(?P<before>[^()]{0,120}?)\s*\((?P<agency>[^()]{1,40})\)(?P<after>[^()]{0,80})"
)

# "<place>[,] <date>" - the place is taken lazily so the date is the longest tail that
# parses as one ("Cape Canaveral, Fla., Aug 22" -> "Cape Canaveral, Fla." + "Aug 22").
_PLACE_DATE_RE = re.compile(rf"(?P<place>[^()]{{1,120}}?),?\s+(?P<date>{_DATE})", re.IGNORECASE)
_DATE_ONLY_RE = re.compile(_DATE, re.IGNORECASE)

# 1-4 words starting with a letter: "AFP", "dpa", "AFP/UPI", "AFP / UPI", "Kyodo News".
_AGENCY_RE = re.compile(r"[^\W\d_][\w.&'\u2019/+-]*(?:\s[\w.&'\u2019/+-]+){0,3}")

# One word of a place name, for the lead regex.  Capitalisation is checked afterwards in
# Python (``str.isupper`` understands "Zürich" and "Łódź", ``[A-Z]`` would not).  The
# place is matched lazily, like ``_PLACE_DATE_RE``, so a lead and the same text given to
# parse_dateline split place/date identically ("Seoul Monday Aug 22" -> "Seoul").
_WORD = r"[^\W\d_][\w.'\u2019&-]*"
_LEAD_WITH_AGENCY_RE = re.compile(
    rf"\s*(?P<place>{_WORD}(?:,?\s+{_WORD}){{0,{MAX_LEAD_PLACE_WORDS - 1}}}?)"
    rf"(?:,?\s+(?P<date1>{_DATE}))?"
    rf"\s*\((?P<agency>[^()\n]{{1,40}})\)"
    rf"(?:\s*(?P<date2>{_DATE}))?"
    rf"\s*{_SEP}",
    re.IGNORECASE,
)
_LEAD_DATED_RE = re.compile(
    rf"\s*(?P<place>{_WORD}(?:,?\s+{_WORD}){{0,{MAX_LEAD_PLACE_WORDS - 1}}}?)"
    rf",?\s+(?P<date1>{_DATE})"
    rf"\s*{_SEP}",
    re.IGNORECASE,
)

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
# A "place" that is really a weekday or month means the text is a date line such as
# "Monday, Aug 22 - ...", not a dateline with a place.
_NOT_PLACES = frozenset(
    {
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    }
)
# Lower-case particles legitimately found inside place names ("Rio de Janeiro",
# "Frankfurt am Main", "Stratford-upon-Avon" is one word anyway).
_PLACE_PARTICLES = frozenset(
    {"de", "da", "do", "dos", "das", "del", "della", "di", "du", "des", "la", "le", "les"}
    | {"el", "al", "an", "am", "im", "von", "van", "der", "den", "y", "of", "on", "sur", "en"}
)
# Letters plus the punctuation seen in place names; no digits, so "Seoul 22" is not a place.
_PLACE_CHARS_RE = re.compile(r"[^\W\d_](?:[^\W\d_]|[ .,'\u2019&-])*")
# Capitalised words that start sentences, not place names ("On Aug 22 - ..." is not a
# dateline filed from "On").  "The" is deliberately absent: "The Hague".
_NOT_PLACE_FIRST_WORDS = frozenset(
    {"on", "in", "at", "by", "from", "since", "until", "till", "before", "after", "during"}
    | {"through", "throughout", "between", "for", "to", "of", "as", "if", "when", "while"}
)

# Control characters become spaces (so they separate words instead of gluing them) and
# zero-width characters are dropped; both are common debris in scraped HTML text.
_CLEAN_TABLE = {c: " " for c in (*range(0x00, 0x20), *range(0x7F, 0xA0))} | {
    c: None for c in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF)
}


@dataclass(frozen=True, slots=True)
class Dateline:
    """A parsed dateline.  Any part not literally present in the text is ``None``.

    ``raw`` keeps the matched text (whitespace collapsed) so callers can strip it from the
    body or audit what the parser saw; ``date`` is ISO ``YYYY-MM-DD`` so it sorts and
    serialises without further work.
    """

    raw: str
    place: str | None
    agency: str | None
    date: str | None

    def as_dict(self) -> dict[str, str | None]:
        """Return the fields as a plain dict (keys in declaration order) for item export."""
        return {"raw": self.raw, "place": self.place, "agency": self.agency, "date": self.date}


def _normalise(text: str) -> str:
    """Collapse whitespace/control characters so regexes see one canonical spacing."""
    return " ".join(text.translate(_CLEAN_TABLE).split())


def _context_date(context: ContextLike) -> dt.date | None:
    """Reduce ``context`` to a date.

    A string is read as ISO 8601 (date or datetime; only the date part matters).  An
    unparseable string is treated as "no context" rather than an error: context usually
    comes from scraped metadata, and a bad value there should cost us the inferred year,
    not the whole dateline.
    """
    if context is None:
        return None
    if isinstance(context, dt.datetime):
        return context.date()
    if isinstance(context, dt.date):
        return context
    if isinstance(context, str):
        try:
            return dt.date.fromisoformat(context.strip()[:10])
        except ValueError:
            return None
    raise TypeError(f"context must be a date, datetime, ISO string or None, not {context!r}")


def _infer_year(month: int, day: int, context: dt.date) -> dt.date | None:
    """Pick the year that puts ``month``/``day`` closest to ``context``.

    Wire copy omits the year because it is "obviously" the current one - except around New
    Year, where a "Dec 31" story read on Jan 2 belongs to the previous year.  Only the
    neighbouring years are considered; on an exact tie the earlier date wins, because a
    dateline normally precedes the date it is read/crawled on.
    """
    best: dt.date | None = None
    for year in (context.year - 1, context.year, context.year + 1):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:  # e.g. Feb 29 in a non-leap year, or Feb 30 in any year
            continue
        if best is None or abs((candidate - context).days) < abs((best - context).days):
            best = candidate
    return best


def _parse_date(text: str | None, context: dt.date | None) -> tuple[bool, str | None]:
    """Return ``(has_explicit_year, iso_date_or_None)`` for an isolated date string.

    Impossible dates and year-less dates without context give ``None`` rather than a
    guess: a wrong date is worse than a missing one.
    """
    if not text:
        return False, None
    m = _DATE_PARTS_RE.fullmatch(text)
    if m is None:
        return False, None
    if m["y3"]:
        year: int | None = int(m["y3"])
        month = int(m["m3"])
        day = int(m["d3"])
    else:
        month_name = m["m1"] or m["m2"]
        month = _MONTHS[month_name[:3].lower()]
        day = int(m["d1"] or m["d2"])
        year_text = m["y1"] or m["y2"]
        year = int(year_text) if year_text else None
    if year is None:
        if context is None:
            return False, None
        inferred = _infer_year(month, day, context)
        return False, inferred.isoformat() if inferred else None
    try:
        return True, dt.date(year, month, day).isoformat()
    except ValueError:
        return True, None


def _valid_place(place: str, max_words: int) -> bool:
    """Check that ``place`` looks like a capitalised place name of at most ``max_words``.

    Capitalisation is the main signal separating "Seoul" / "Cape Canaveral, Fla." from the
    start of an ordinary sentence ("officials in Paris").
    """
    if not _PLACE_CHARS_RE.fullmatch(place):
        return False
    words = place.split()
    if not 1 <= len(words) <= max_words:
        return False
    if place.strip(" .,").lower() in _NOT_PLACES:
        return False
    if not words[0][0].isupper() or words[0].rstrip(",").lower() in _NOT_PLACE_FIRST_WORDS:
        return False
    for word in words[1:]:
        letters = word.strip(".,'\u2019&-")
        if not letters:
            continue
        if not (letters[0].isupper() or letters.lower() in _PLACE_PARTICLES):
            return False
    return True


def _valid_agency(agency: str) -> bool:
    """An agency is a short parenthesised token: 1-4 words, the first starting with a letter."""
    return _AGENCY_RE.fullmatch(agency) is not None


def _pick_date(texts: list[str | None], context: dt.date | None) -> str | None:
    """Choose one date when a dateline carries two ("Seoul, Aug 22 (AFP) Aug 22, 2025").

    The one with an explicit year is authoritative; otherwise the first given (callers
    pass the post-agency date first, as that is where full dates are printed).
    """
    parsed = [_parse_date(t, context) for t in texts if t]
    for has_year, iso in parsed:
        if has_year:
            return iso
    return parsed[0][1] if parsed else None


def _split_place_date(before: str) -> tuple[str | None, str | None] | None:
    """Split the text before the agency into ``(place, date_text)``; ``None`` if invalid."""
    before = before.strip().rstrip(",").strip()
    if not before:
        return None, None
    if _DATE_ONLY_RE.fullmatch(before):
        return None, before
    m = _PLACE_DATE_RE.fullmatch(before)
    place, date_text = (m["place"], m["date"]) if m else (before, None)
    place = place.strip().rstrip(",").strip()
    if not _valid_place(place, MAX_PLACE_WORDS):
        return None
    return place, date_text


def parse_dateline(text: str | None, context: ContextLike = None) -> Dateline | None:
    """Parse ``text`` as a complete dateline, or return ``None`` if it is not one.

    ``context`` (a date, datetime or ISO string - usually the article's publication or
    crawl date) is used only to supply the year of a year-less date such as Reuters'
    "Aug 22"; without it such a date is reported as ``None``.

    The whole string must be a dateline, optionally ending in a separator (``-``, ``–``,
    ``—``, ``:``).  It needs a parenthesised agency or a recognisable date; a place alone
    ("Seoul") or any trailing prose makes it "not a dateline" so that callers can feed
    arbitrary candidate lines without getting nonsense back.
    """
    if not isinstance(text, str):
        return None
    raw = _normalise(text)
    if not raw or len(raw) > MAX_DATELINE_CHARS:
        return None
    ctx = _context_date(context)
    body = _TRAILING_SEP_RE.sub("", raw)

    m = _WITH_AGENCY_RE.fullmatch(body)
    if m is not None:
        agency = m["agency"].strip()
        if not _valid_agency(agency):
            return None
        after = m["after"].strip()
        if after and not _DATE_ONLY_RE.fullmatch(after):
            return None
        split = _split_place_date(m["before"])
        if split is None:
            return None
        place, before_date = split
        date = _pick_date([after or None, before_date], ctx)
        return Dateline(raw=raw, place=place, agency=agency, date=date)

    if "(" in body or ")" in body:
        return None
    # No agency: only a date, or "<place>, <date>", qualifies.
    if _DATE_ONLY_RE.fullmatch(body):
        return Dateline(raw=raw, place=None, agency=None, date=_pick_date([body], ctx))
    m = _PLACE_DATE_RE.fullmatch(body)
    if m is None:
        return None
    place = m["place"].strip().rstrip(",").strip()
    if not _valid_place(place, MAX_PLACE_WORDS):
        return None
    return Dateline(raw=raw, place=place, agency=None, date=_pick_date([m["date"]], ctx))


def split_lead(paragraph: str, context: ContextLike = None) -> tuple[Dateline | None, str]:
    """Detach a dateline printed at the start of a body paragraph.

    ``"WASHINGTON (AP) — The Senate voted..."`` gives
    ``(Dateline(raw="WASHINGTON (AP) —", ...), "The Senate voted...")``.

    Because a false positive would silently delete article text, only two shapes count,
    and both must end in a dash or colon separator:

    * ``Place[, date] (Agency) [date] -``  - e.g. AP, Reuters, AFP leads;
    * ``Place, date -``                    - a dated dateline without agency.

    The place must be 1-5 capitalised words, which rules out sentences such as
    "NASA (the agency) said..." (no separator) or "officials (AP) - ..." (lower case).
    When nothing qualifies, ``(None, paragraph)`` is returned with the paragraph untouched.
    """
    if not isinstance(paragraph, str) or not paragraph:
        return None, paragraph
    head = paragraph[:MAX_LEAD_SCAN_CHARS]
    ctx = _context_date(context)

    agency: str | None = None
    m = _LEAD_WITH_AGENCY_RE.match(head)
    if m is not None:
        agency = _normalise(m["agency"])
        if not _valid_agency(agency):
            m, agency = None, None
    if m is None:
        m = _LEAD_DATED_RE.match(head)
    if m is None:
        return None, paragraph

    place = _normalise(m["place"]).rstrip(",")
    if not _valid_place(place, MAX_LEAD_PLACE_WORDS):
        return None, paragraph
    date_texts = [m.groupdict().get("date2"), m["date1"]]
    date = _pick_date([_normalise(t) for t in date_texts if t], ctx)
    dateline = Dateline(raw=_normalise(m.group(0)), place=place, agency=agency, date=date)
    return dateline, paragraph[m.end() :].strip()
