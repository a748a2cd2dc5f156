"""Property-based tests (hypothesis): datelines, URL canonicalisation, extraction.

Each property holds for every input hypothesis generates, not only for the examples the
other test modules list; failures shrink to a minimal input worth a unit test of its own.
"""

from __future__ import annotations

import datetime as dt
import json
from html import escape
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from newscrawl.extract.article import extract_article
from newscrawl.extract.datelines import parse_dateline, split_lead
from newscrawl.text import clean_text
from newscrawl.urls import _is_public_suffix, canonicalize_url, is_tracking_param

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
PLACE_WORDS = ["Seoul", "Geneva", "Cape", "Town", "Port", "Louis", "Huntsville", "Nairobi",
               "São", "Paulo", "Kyiv", "Lima", "Oslo", "Perth"]  # fmt: skip
AGENCIES = ["AFP", "AP", "UPI", "SPX", "Reuters", "dpa", "Xinhua", "IANS"]

# --------------------------------------------------------------------------- datelines


@given(st.text(max_size=200), st.one_of(st.none(), st.dates()))
def test_parse_dateline_never_raises_and_returns_well_formed_parts(text, context) -> None:
    dateline = parse_dateline(text, context=context)
    if dateline is not None:
        assert dateline.raw
        if dateline.date is not None:
            dt.date.fromisoformat(dateline.date)
        assert set(dateline.as_dict()) == {"raw", "place", "agency", "date"}


@given(st.text(max_size=400), st.one_of(st.none(), st.dates()))
def test_split_lead_never_loses_text(paragraph, context) -> None:
    dateline, rest = split_lead(paragraph, context=context)
    if dateline is None:
        assert rest == paragraph
    else:
        assert len(rest) < len(paragraph)


@given(
    place=st.lists(st.sampled_from(PLACE_WORDS), min_size=1, max_size=3).map(" ".join),
    agency=st.sampled_from(AGENCIES),
    day=st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2099, 12, 31)),
)
def test_a_written_dateline_parses_back(place: str, agency: str, day: dt.date) -> None:
    text = f"{place} ({agency}) {MONTHS[day.month - 1]} {day.day}, {day.year}"
    dateline = parse_dateline(text)
    assert dateline is not None, text
    assert (dateline.place, dateline.agency, dateline.date) == (place, agency, day.isoformat())


# --------------------------------------------------------------------------- URLs

hosts = st.from_regex(r"[a-z][a-z0-9-]{0,10}\.(com|org|example)", fullmatch=True)
segments = st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=8)
paths = st.lists(segments, max_size=4).map(lambda parts: "/" + "/".join(parts))
params = st.lists(st.tuples(segments, segments), max_size=4, unique_by=lambda kv: kv[0])
tracking = st.lists(
    st.tuples(st.sampled_from(["utm_source", "utm_campaign", "fbclid", "gclid"]), segments),
    max_size=3,
)


@given(st.text(max_size=120))
def test_canonicalize_url_never_raises_on_any_text(text: str) -> None:
    try:
        canonicalize_url(text)
    except ValueError:
        pass  # urllib refuses some (e.g. a bad IPv6 literal): a clear error, not a crash


@given(
    scheme=st.sampled_from(["http", "https", "HTTP"]), www=st.booleans(), host=hosts,
    port=st.sampled_from(["", ":80", ":443", ":8080"]), path=paths, query=params,
    noise=tracking, fragment=st.one_of(st.just(""), segments.map(lambda s: "#" + s)),
)  # fmt: skip
# "www." is never stripped down to a bare public suffix (www.com is a host of its own), and
# stripping it is idempotent (www.www.com -> www.com, which stays): newscrawl.urls.site_of.
@example(scheme="http", www=False, host="www.com", port="", path="/", query=[], noise=[],
         fragment="")  # fmt: skip
@example(scheme="http", www=True, host="x0.com", port="", path="/", query=[], noise=[],
         fragment="")  # fmt: skip
@example(scheme="https", www=True, host="www.com", port="", path="/", query=[], noise=[],
         fragment="")  # fmt: skip
def test_canonical_urls_are_stable_and_clean(
    scheme, www, host, port, path, query, noise, fragment
) -> None:
    pairs = [*query, *noise]
    qs = "&".join(f"{k}={v}" for k, v in pairs)
    url = f"{scheme}://{'www.' if www else ''}{host.upper()}{port}{path}{'?' + qs if qs else ''}"
    url += fragment
    canonical = canonicalize_url(url)
    parts = urlsplit(canonical)
    assert canonicalize_url(canonical) == canonical  # idempotent
    assert parts.scheme == "https" and not parts.fragment
    # lower-case, no www. (kept before a name that is itself a public suffix, as x0.com is)
    assert parts.hostname == (f"www.{host}" if www and _is_public_suffix(host) else host)
    kept = parse_qsl(parts.query, keep_blank_values=True)
    assert kept == sorted(kept) and not [k for k, _ in kept if is_tracking_param(k)]
    plain = "&".join(f"{k}={v}" for k, v in query)
    clean = f"{scheme.lower()}://{parts.hostname}{port}{path}{'?' + plain if plain else ''}"
    assert canonicalize_url(clean) == canonical  # tracking, www., case, fragment: no effect


# --------------------------------------------------------------------------- extraction

words = st.text(
    st.characters(categories=["L", "N"], exclude_characters="\x00"), min_size=2, max_size=9
)
sentences = st.lists(words, min_size=12, max_size=30).map(lambda w: " ".join(w) + ".")
punctuated = st.tuples(sentences, st.sampled_from(["", " <b>bold?</b>", " 5 < 6 & 7 > 3"]))


def page(headline: str, paragraphs: list[str]) -> str:
    ld = json.dumps({"@type": "NewsArticle", "headline": headline}).replace("</", "<\\/")
    body = "".join(f"<p>{escape(p, quote=False)}</p>" for p in paragraphs)
    return (
        f'<html lang="en"><head><title>{escape(headline)} | Site</title>'
        f'<script type="application/ld+json">{ld}</script></head><body>'
        f"<nav><a href='/'>Home</a></nav><main><h1>{escape(headline)}</h1>"
        f"<article>{body}</article></main><footer>Site</footer></body></html>"
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    headline=st.lists(words, min_size=3, max_size=10).map(" ".join),
    # unique: the extractor drops a paragraph repeated word for word (reported)
    paragraphs=st.lists(punctuated.map("".join), min_size=3, max_size=6, unique=True),
)
def test_generated_articles_are_extracted_as_written(headline, paragraphs) -> None:
    item = extract_article(page(headline, paragraphs), "https://news.example/2025/09/a-story/")
    assert item.item["headline"] == clean_text(headline)
    assert item.item["body"] == "\n\n".join(clean_text(p) for p in paragraphs)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=2000))
def test_extraction_never_raises_on_any_text(text: str) -> None:
    extract_article(text, "https://news.example/2025/09/a-story/")


@pytest.mark.xfail(
    strict=True,
    reason="trafilatura 2.3.1 decodes entities twice itself: bare_extraction of a page "
    "reading '&amp;' (written '&amp;amp;') gives '&'; newscrawl no longer adds a decoding "
    "of its own. Strict, so an upstream fix shows.",
)
def test_text_that_reads_like_an_entity_is_kept() -> None:
    """Found by the property above (hypothesis' minimal example, made readable)."""
    paragraphs = ["Write &amp; in HTML for an ampersand, the style guide says. " * 3] * 3
    item = extract_article(page("A note on ampersands", paragraphs), "https://news.example/a/")
    assert "&amp;" in item.item["body"]
