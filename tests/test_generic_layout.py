"""Generic extraction on old table-layout pages and wire datelines (invented pages)."""

from __future__ import annotations

from pathlib import Path

import pytest

from newscrawl.extract.article import extract_article
from newscrawl.extract.generic import GenericArticlePage
from newscrawl.extract.generic.compare import key
from newscrawl.extract.generic.tables import is_layout_dump

URL = "https://courier.example.net/news/tramway.html"
HEADLINE = "Riverside tramway reopens after track work"
PARAGRAPHS = [
    "The tramway along the river reopened on Monday after eleven weeks of track work, with "
    "the first cars leaving the depot before sunrise.",
    "Engineers replaced worn rails on the long curve near the fish market and fitted new "
    "drainage, the operator said, so that autumn storms no longer flood the line.",
    "Shopkeepers near the bridge said trade had suffered during the closure and welcomed the "
    "return of the trams, although some asked for later evening services.",
]
NAVIGATION = "".join(
    f'<a href="/topic/{word.lower()}.html">{word}</a><br>'
    for word in ("Front", "Weather", "Harbours", "Rail", "Markets", "Letters", "Archive")
)


def table_page(lines_above: str = "", footer: str = "") -> str:
    """A page laid out as a table: navigation cell, then a text cell with unclosed <p> tags,
    a captioned picture, an ad label, a related box and a nested link table."""
    text = "\n".join(f"<p>{p}" for p in PARAGRAPHS[:2])
    return f"""<html><head><title>{HEADLINE}</title></head><body>
<table width="100%"><tr><td width=150>{NAVIGATION}</td><td>
<font size=2><b>CITY NEWS</b></font>
<h1>{HEADLINE}</h1>
{lines_above}
{text}
<div><img src="/img/tram.jpg"><br><i>A tram crosses the old stone bridge.</i></div>
<p>Advertisement
<p>{PARAGRAPHS[2]}
<br><b>More stories</b><br><a href="/a.html">Ferry timetable changes for the summer</a><br>
<a href="/b.html">New bridge lighting switched on at last</a><br>
<table><tr><td><a href="/c.html">Market hall gets a new roof</a></td></tr></table>
{footer}
</td></tr></table></body></html>"""


def item(html: str) -> dict:
    return dict(extract_article(html, URL, use_profiles=False).item)


def test_layout_table_text_is_read_from_the_pages_paragraph_markup() -> None:
    result = item(table_page(footer="<p>Copyright 2018 The Valley Courier."))
    # Navigation, section label, headline, caption, ad label, related box and copyright
    # line were all inside the one paragraph the text extractor returned.
    assert result["body"].split("\n\n") == PARAGRAPHS
    assert result["headline"] == HEADLINE


def test_layout_table_lines_above_the_text_are_dateline_and_byline() -> None:
    lines = "<span>Lisbon (Wire) Mar 3, 2021</span><br>\nBy Tomas Reyes<br>"
    result = item(table_page(lines))
    assert result["dateline"]["raw"] == "Lisbon (Wire) Mar 3, 2021"
    assert result["authors"] == ["Tomas Reyes"]
    assert result["published"] == "2021-03-03"  # the markup declares no date
    assert result["body"].split("\n\n") == PARAGRAPHS


def test_guess_contradicting_a_yearless_dateline_is_dropped() -> None:
    # htmldate reads the copyright year as 2018-01-01; the page prints May 9.
    result = item(table_page("<b>OSLO, May 9 (Wire) -</b><br>", "<p>Copyright 2018 Courier"))
    assert result["dateline"]["raw"] == "OSLO, May 9 (Wire) -"
    assert result["published"] is None


def test_dateline_with_a_year_dates_a_page_whose_markup_declares_none() -> None:
    html = f"""<!DOCTYPE html><html lang="en"><head><title>{HEADLINE}</title></head><body>
<header><a href="/">Valley Courier</a></header><article><h1>{HEADLINE}</h1>
<p>Lisbon (Wire) Mar 3, 2021 - {PARAGRAPHS[0]}</p><p>{PARAGRAPHS[1]}</p><p>{PARAGRAPHS[2]}</p>
</article><footer>Updated 2024-11-02, copyright 2018</footer></body></html>"""
    result = item(html)
    assert result["dateline"]["raw"] == "Lisbon (Wire) Mar 3, 2021 -"
    assert result["published"] == "2021-03-03"


@pytest.mark.parametrize(
    "html",
    [
        # An ordinary article page: the extractor finds the text, nothing to recover.
        f"<html><body><nav>{NAVIGATION}</nav><article><h1>{HEADLINE}</h1>"
        + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
        + "</article></body></html>",
        # A table layout whose headline is too short to be recognised inside a paragraph.
        table_page().replace(HEADLINE, "Trams"),
    ],
)
def test_layout_recovery_needs_the_layout_signature(html: str) -> None:
    page = GenericArticlePage(html, URL)
    assert page.table_text is None
    assert page.text_paragraphs == page.engine_paragraphs


def test_only_a_table_row_swallowing_the_headline_is_a_layout_dump() -> None:
    headline = key(HEADLINE)
    row = f"| Front | Weather | Rail | CITY NEWS {HEADLINE} " + " ".join(PARAGRAPHS) + " |"
    assert is_layout_dump([row], headline)
    # Prose that repeats the headline's words (a blog's opening line) is ordinary text.
    prose = f"Last week the {HEADLINE.lower()}, and " + " ".join(PARAGRAPHS)
    assert not is_layout_dump([prose, *PARAGRAPHS], headline)
    assert not is_layout_dump([row.replace(HEADLINE, "Bridge lights")], headline)


def test_generic_layer_reads_the_mirrors_table_layout_like_the_site_profile() -> None:
    """On the mirror's classic-layout pages the SMN profile is exact: generic extraction
    (profiles off) must give the same body, dateline and authors wherever the page has a
    headline and a text (the layout rule needs a headline to recognise the layout)."""
    root = Path(__file__).resolve().parents[1] / "fixtures" / "mirror"
    compared = 0
    for host in ("www.spacewar.com", "www.spacedaily.com", "www.terradaily.com"):
        for path in sorted((root / host).rglob("*.html")):
            html = path.read_text(encoding="utf-8")
            url = f"https://{path.relative_to(root).as_posix()}"
            truth = extract_article(html, url, use_profiles=True)
            if truth.layout != "smn-classic" or not (
                truth.item.get("headline") and truth.item.get("body")
            ):
                continue
            found = dict(extract_article(html, url, use_profiles=False).item)
            for name in ("headline", "body", "dateline", "authors"):
                assert found.get(name) == truth.item.get(name), (url, name)
            compared += 1
    assert compared >= 50
