"""Tests for newscrawl.extract.datelines: whole-string dateline parsing and lead splitting."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from newscrawl.extract.datelines import Dateline, parse_dateline, split_lead

# (text, context, expected (place, agency, date))
PARSE_CASES = [
    # The examples from the spec.
    ("Seoul, Aug 22 (AFP) Aug 22, 2025", None, ("Seoul", "AFP", "2025-08-22")),
    ("Seoul (AFP) Aug 22, 2025", None, ("Seoul", "AFP", "2025-08-22")),
    ("Huntsville AL (SPX) Apr 04, 2013", None, ("Huntsville AL", "SPX", "2013-04-04")),
    ("Washington (UPI) Mar 3, 2024", None, ("Washington", "UPI", "2024-03-03")),
    ("LONDON, Aug 22 (Reuters) -", None, ("LONDON", "Reuters", None)),
    ("LONDON, Aug 22 (Reuters) -", dt.date(2025, 9, 1), ("LONDON", "Reuters", "2025-08-22")),
    ("WASHINGTON (AP) —", None, ("WASHINGTON", "AP", None)),
    # Month spellings and day-first order.
    ("Seoul (AFP) August 22, 2025", None, ("Seoul", "AFP", "2025-08-22")),
    ("Seoul (AFP) Sept 5, 2025", None, ("Seoul", "AFP", "2025-09-05")),
    ("Seoul (AFP) Sept. 5, 2025", None, ("Seoul", "AFP", "2025-09-05")),
    ("Paris (AFP) 22 Aug 2025", None, ("Paris", "AFP", "2025-08-22")),
    ("Paris, 22 Aug 2025 (AFP) -", None, ("Paris", "AFP", "2025-08-22")),
    ("BEIJING, AUG. 22, 2025 (Xinhua) --", None, ("BEIJING", "Xinhua", "2025-08-22")),
    ("Seoul (AFP) Aug 22nd, 2025", None, ("Seoul", "AFP", "2025-08-22")),
    ("Seoul (AFP) 2025-08-22", None, ("Seoul", "AFP", "2025-08-22")),
    ("Seoul, Monday, Aug 22, 2025 (AFP)", None, ("Seoul", "AFP", "2025-08-22")),
    # Trailing separators of every kind.
    ("Berlin (dpa) :", None, ("Berlin", "dpa", None)),
    ("Berlin (dpa) –", None, ("Berlin", "dpa", None)),
    ("Berlin (dpa) -", None, ("Berlin", "dpa", None)),
    ("Seoul (AFP) Aug 22, 2025 —", None, ("Seoul", "AFP", "2025-08-22")),
    # Places with dots, commas, particles and non-ASCII capitals.
    ("St. Louis (AP) —", None, ("St. Louis", "AP", None)),
    ("Cape Canaveral, Fla. (AP) —", None, ("Cape Canaveral, Fla.", "AP", None)),
    (
        "Cape Canaveral, Fla., Aug 22 (AP) -",
        "2025-08-30",
        ("Cape Canaveral, Fla.", "AP", "2025-08-22"),
    ),
    ("Rio de Janeiro (AFP) Aug 22, 2025", None, ("Rio de Janeiro", "AFP", "2025-08-22")),
    ("Zürich (Reuters) -", None, ("Zürich", "Reuters", None)),
    ("The Hague (AFP) Aug 22, 2025", None, ("The Hague", "AFP", "2025-08-22")),
    ("Marseille (AFP) Mar 3, 2024", None, ("Marseille", "AFP", "2024-03-03")),
    # Agencies: slashes, spaces, lower case, all the usual suspects.
    ("Seoul (AFP/UPI) Aug 22, 2025", None, ("Seoul", "AFP/UPI", "2025-08-22")),
    ("Seoul (AFP / UPI) Aug 22, 2025", None, ("Seoul", "AFP / UPI", "2025-08-22")),
    ("Tokyo (Kyodo News) Aug 22, 2025", None, ("Tokyo", "Kyodo News", "2025-08-22")),
    ("Tokyo (Kyodo) -", None, ("Tokyo", "Kyodo", None)),
    ("New Delhi (PTI) -", None, ("New Delhi", "PTI", None)),
    ("Moscow (Sputnik) -", None, ("Moscow", "Sputnik", None)),
    ("Paris (ESA) Aug 22, 2025", None, ("Paris", "ESA", "2025-08-22")),
    ("Pasadena CA (JPL) Aug 22, 2025", None, ("Pasadena CA", "JPL", "2025-08-22")),
    ("Houston (NASA) Aug 22, 2025", None, ("Houston", "NASA", "2025-08-22")),
    # Never invent a part: missing place stays None.
    ("(AFP) Aug 22, 2025", None, (None, "AFP", "2025-08-22")),
    ("(AP) —", None, (None, "AP", None)),
    # No agency, but a place and/or a date.
    ("Seoul, Aug 22, 2025", None, ("Seoul", None, "2025-08-22")),
    ("Huntsville AL Apr 04, 2013", None, ("Huntsville AL", None, "2013-04-04")),
    ("Aug 22, 2025", None, (None, None, "2025-08-22")),
    ("Seoul, Aug 22", None, ("Seoul", None, None)),
    ("Seoul, Aug 22", "2025-08-25", ("Seoul", None, "2025-08-22")),
    # Impossible dates: date None, other parts kept.
    ("Seoul (AFP) Feb 30, 2025", None, ("Seoul", "AFP", None)),
    ("Seoul (AFP) Feb 29, 2025", None, ("Seoul", "AFP", None)),
    ("Seoul (AFP) Feb 29, 2024", None, ("Seoul", "AFP", "2024-02-29")),
    ("Seoul (AFP) 2025-13-01", None, ("Seoul", "AFP", None)),
    ("Seoul (AFP) Aug 32, 2025", None, ("Seoul", "AFP", None)),
    # Two dates: the one carrying a year is authoritative.
    ("Seoul, Aug 21 (AFP) Aug 22, 2025", "2030-01-01", ("Seoul", "AFP", "2025-08-22")),
    ("Seoul, Aug 22, 2025 (AFP) Aug 23", None, ("Seoul", "AFP", "2025-08-22")),
    # Whitespace and control characters are collapsed, not fatal.
    ("  Seoul \n(AFP)\tAug\xa022,   2025 ", None, ("Seoul", "AFP", "2025-08-22")),
    ("Seoul\x00(AFP)\x07Aug 22,\u200b 2025", None, ("Seoul", "AFP", "2025-08-22")),
]


@pytest.mark.parametrize(("text", "context", "expected"), PARSE_CASES)
def test_parse_dateline(text: str, context: object, expected: tuple) -> None:
    result = parse_dateline(text, context)
    assert result is not None
    assert (result.place, result.agency, result.date) == expected


@pytest.mark.parametrize(
    ("text", "raw"),
    [
        ("Seoul, Aug 22 (AFP) Aug 22, 2025", "Seoul, Aug 22 (AFP) Aug 22, 2025"),
        ("  LONDON,\n Aug 22  (Reuters)   - ", "LONDON, Aug 22 (Reuters) -"),
        ("WASHINGTON (AP) —", "WASHINGTON (AP) —"),
        ("Seoul\t(AFP)\r\nAug 22, 2025", "Seoul (AFP) Aug 22, 2025"),
    ],
)
def test_raw_is_collapsed_and_stripped(text: str, raw: str) -> None:
    result = parse_dateline(text)
    assert result is not None
    assert result.raw == raw


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   \n\t ",
        "by Staff Writers",
        "The Senate voted on Tuesday to approve the bill.",
        "Seoul",
        "Huntsville AL",
        "NASA (the agency) said on Monday",  # trailing prose is not a date
        "WASHINGTON (AP) — The Senate voted",  # a lead, not a bare dateline
        "Seoul (2025) Aug 22, 2025",  # "agency" must start with a letter
        "Seoul (a very long agency name here) -",  # more than 4 words
        "Seoul (AFP) (UPI) Aug 22, 2025",  # two parenthesised groups
        "officials in Paris (AFP) Aug 22, 2025",  # place must be capitalised
        "Seoul 22 (AFP) -",  # digits are not part of a place
        "On Aug 22, 2025",  # a preposition is not a place
        "May 2025",  # month + year only is not a date we recognise
        "Augusta 5",  # "Augusta" is not the month "Aug"
        "Seoul (AFP) " + "x" * 300,  # over the length cap
    ],
)
def test_parse_dateline_rejects(text: str | None) -> None:
    assert parse_dateline(text) is None


@pytest.mark.parametrize(
    ("text", "context", "expected"),
    [
        # Closest year to the context wins - across New Year in both directions.
        ("LONDON, Dec 31 (Reuters) -", dt.date(2026, 1, 2), "2025-12-31"),
        ("LONDON, Jan 2 (Reuters) -", dt.date(2025, 12, 31), "2026-01-02"),
        ("LONDON, Jan 1 (Reuters) -", dt.date(2026, 1, 1), "2026-01-01"),
        ("LONDON, Dec 31 (Reuters) -", dt.date(2025, 12, 30), "2025-12-31"),
        ("LONDON, Aug 22 (Reuters) -", dt.date(2025, 3, 1), "2025-08-22"),
        # Half a year away: 182 days beats 183, whichever side it is on.
        ("LONDON, Jul 2 (Reuters) -", dt.date(2025, 1, 1), "2025-07-02"),
        ("LONDON, Jul 3 (Reuters) -", dt.date(2026, 1, 1), "2025-07-03"),
        # Exact tie (183 days either way, the span contains Feb 29): the earlier date wins.
        ("LONDON, Jul 2 (Reuters) -", dt.date(2024, 1, 1), "2023-07-02"),
        # Feb 29 resolves to the nearest leap year among the neighbouring years only.
        ("LONDON, Feb 29 (Reuters) -", dt.date(2025, 3, 1), "2024-02-29"),
        ("LONDON, Feb 29 (Reuters) -", dt.date(2022, 6, 1), None),
        # Context types: datetime, ISO date string, ISO datetime string, junk string.
        ("LONDON, Dec 31 (Reuters) -", dt.datetime(2026, 1, 2, 8, 30), "2025-12-31"),
        ("LONDON, Dec 31 (Reuters) -", "2026-01-02", "2025-12-31"),
        ("LONDON, Dec 31 (Reuters) -", "2026-01-02T08:30:00Z", "2025-12-31"),
        ("LONDON, Dec 31 (Reuters) -", "not a date", None),
        ("LONDON, Dec 31 (Reuters) -", "", None),
        # An explicit year is never overridden by context.
        ("Seoul (AFP) Dec 31, 2019", dt.date(2026, 1, 2), "2019-12-31"),
    ],
)
def test_year_inference(text: str, context: object, expected: str | None) -> None:
    result = parse_dateline(text, context)
    assert result is not None
    assert result.date == expected


def test_context_of_wrong_type_is_an_error() -> None:
    with pytest.raises(TypeError):
        parse_dateline("LONDON, Dec 31 (Reuters) -", 20260102)  # type: ignore[arg-type]


def test_as_dict_keys_and_order() -> None:
    result = parse_dateline("Seoul, Aug 22 (AFP) Aug 22, 2025")
    assert result is not None
    d = result.as_dict()
    assert list(d) == ["raw", "place", "agency", "date"]
    assert d == {
        "raw": "Seoul, Aug 22 (AFP) Aug 22, 2025",
        "place": "Seoul",
        "agency": "AFP",
        "date": "2025-08-22",
    }


def test_dateline_is_frozen_and_slotted() -> None:
    result = Dateline(raw="x", place=None, agency=None, date=None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.place = "Seoul"  # type: ignore[misc]
    assert not hasattr(result, "__dict__")


# (paragraph, context, expected raw, expected (place, agency, date), expected remainder)
SPLIT_CASES = [
    (
        "WASHINGTON (AP) — The Senate voted...",
        None,
        "WASHINGTON (AP) —",
        ("WASHINGTON", "AP", None),
        "The Senate voted...",
    ),
    (
        "LONDON, Aug 22 (Reuters) - Shares fell",
        "2025-08-23",
        "LONDON, Aug 22 (Reuters) -",
        ("LONDON", "Reuters", "2025-08-22"),
        "Shares fell",
    ),
    (
        "LONDON, Aug 22 (Reuters) - Shares fell",
        None,
        "LONDON, Aug 22 (Reuters) -",
        ("LONDON", "Reuters", None),
        "Shares fell",
    ),
    (
        "Seoul (AFP) Aug 22, 2025 - Text",
        None,
        "Seoul (AFP) Aug 22, 2025 -",
        ("Seoul", "AFP", "2025-08-22"),
        "Text",
    ),
    (
        "Seoul, Aug 22 (AFP) Aug 22, 2025 — North Korea said",
        None,
        "Seoul, Aug 22 (AFP) Aug 22, 2025 —",
        ("Seoul", "AFP", "2025-08-22"),
        "North Korea said",
    ),
    (
        "  CAPE CANAVERAL, Fla. (AP) --   A rocket launched.  ",
        None,
        "CAPE CANAVERAL, Fla. (AP) --",
        ("CAPE CANAVERAL, Fla.", "AP", None),
        "A rocket launched.",
    ),
    (
        "St. Louis (AP) — Text",
        None,
        "St. Louis (AP) —",
        ("St. Louis", "AP", None),
        "Text",
    ),
    (
        "BEIJING, Aug. 22 (Xinhua) -- China said",
        "2025-08-22",
        "BEIJING, Aug. 22 (Xinhua) --",
        ("BEIJING", "Xinhua", "2025-08-22"),
        "China said",
    ),
    (
        "Berlin (dpa): Die Regierung",
        None,
        "Berlin (dpa):",
        ("Berlin", "dpa", None),
        "Die Regierung",
    ),
    (  # A dated dateline without an agency counts too.
        "Seoul, Aug 22, 2025: North Korea said",
        None,
        "Seoul, Aug 22, 2025:",
        ("Seoul", None, "2025-08-22"),
        "North Korea said",
    ),
    (  # Year inference across New Year in a lead.
        "NEW YORK, Dec 31 (Reuters) - Stocks",
        dt.date(2026, 1, 2),
        "NEW YORK, Dec 31 (Reuters) -",
        ("NEW YORK", "Reuters", "2025-12-31"),
        "Stocks",
    ),
    (  # Line breaks inside the dateline are collapsed in raw.
        "WASHINGTON\n(AP) —\nThe Senate",
        None,
        "WASHINGTON (AP) —",
        ("WASHINGTON", "AP", None),
        "The Senate",
    ),
    (  # Dateline only, nothing after it.
        "WASHINGTON (AP) —",
        None,
        "WASHINGTON (AP) —",
        ("WASHINGTON", "AP", None),
        "",
    ),
]


@pytest.mark.parametrize(("paragraph", "context", "raw", "parts", "rest"), SPLIT_CASES)
def test_split_lead(paragraph: str, context: object, raw: str, parts: tuple, rest: str) -> None:
    dateline, remainder = split_lead(paragraph, context)
    assert dateline is not None
    assert dateline.raw == raw
    assert (dateline.place, dateline.agency, dateline.date) == parts
    assert remainder == rest


@pytest.mark.parametrize(("paragraph", "context", "raw", "parts", "rest"), SPLIT_CASES)
def test_split_lead_agrees_with_parse_dateline(
    paragraph: str, context: object, raw: str, parts: tuple, rest: str
) -> None:
    """The raw dateline cut from a lead must parse to the very same Dateline on its own."""
    dateline, _ = split_lead(paragraph, context)
    assert dateline is not None
    assert parse_dateline(dateline.raw, context) == dateline


@pytest.mark.parametrize(
    "paragraph",
    [
        "",
        "The Senate voted on Tuesday.",
        "NASA (the agency) said on Monday that the launch was delayed.",
        "Seoul (AFP) Aug 22, 2025 North Korea said",  # no separator after the date
        "WASHINGTON (AP) The Senate voted",  # no separator after the agency
        "officials (AP) - said",  # lower-case "place"
        "Officials at the space agency in Houston (NASA) - said",  # more than 5 words
        "On Aug 22, 2025 - officials said",  # preposition, not a place
        "Monday, Aug 22 - officials said",  # weekday, not a place
        "(AP) — The Senate voted",  # place is required in a lead
        "Seoul - North Korea said",  # neither agency nor date
        "Seoul (2025) - text",  # parenthesis does not hold an agency
        "The report (see below) — it is long",  # agency must be 1-4 words... and a place
        "by Staff Writers\nHuntsville AL (SPX) Apr 04, 2013 - text",  # not at the very start
    ],
)
def test_split_lead_negatives_leave_paragraph_untouched(paragraph: str) -> None:
    dateline, remainder = split_lead(paragraph)
    assert dateline is None
    assert remainder is paragraph


PATHOLOGICAL = [
    "(" * 10_000,
    ")" * 10_000,
    "(A" * 50_000,
    "()" * 50_000,
    "A " * 50_000,
    "A" * 100_000,
    "Seoul, " * 15_000,
    "Aug 22 " * 15_000,
    "\x00" * 100_000,
    "-" * 100_000,
    "a (b) " * 20_000,
    "Seoul (AFP" + " x" * 50_000,
    "Seoul " + "(AFP) " * 20_000 + "Aug 22, 2025",
]


@pytest.mark.parametrize("text", PATHOLOGICAL, ids=[f"{t[:8]!r}x{len(t)}" for t in PATHOLOGICAL])
def test_pathological_input_is_rejected(text: str) -> None:
    assert len(text) >= 10_000
    assert parse_dateline(text) is None
    dateline, remainder = split_lead(text)
    assert dateline is None
    assert remainder is text


def test_huge_paragraph_with_real_lead_still_splits() -> None:
    body = "The Senate voted. " * 6_000  # > 100k characters
    dateline, remainder = split_lead("WASHINGTON (AP) — " + body)
    assert dateline == Dateline(raw="WASHINGTON (AP) —", place="WASHINGTON", agency="AP", date=None)
    assert remainder == body.strip()


def test_huge_whitespace_padding_around_dateline() -> None:
    padded = " " * 50_000 + "Seoul (AFP) Aug 22, 2025" + "\n" * 50_000
    result = parse_dateline(padded)
    assert result == Dateline(
        raw="Seoul (AFP) Aug 22, 2025", place="Seoul", agency="AFP", date="2025-08-22"
    )
