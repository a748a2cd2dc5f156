"""The SMN site profile on the mirror's pages and on a page written in another hand."""

from __future__ import annotations

import pytest
from conftest import MIRROR, PAGES

from newscrawl.extract.article import extract_article
from newscrawl.extract.loader import split_byline
from newscrawl.extract.page import ProfileMismatch
from newscrawl.profiles import profile_for
from newscrawl.profiles.smn import SMN, ClassicArticlePage
from newscrawl.text import clean_text
from newscrawl.urls import canonicalize_url


def _placements(stories: list[dict]):
    """(story as its page shows it, placement, page number, pages) for every article page:
    a story with ``page_breaks`` is on several pages (fixtures/build_mirror.py)."""
    for story in stories:
        cuts = [0, *story.get("page_breaks", []), len(story["paragraphs"])]
        pages = len(cuts) - 1
        for placement in story["placements"]:
            for page in range(1, pages + 1):
                shown = {**story, "paragraphs": story["paragraphs"][cuts[page - 1] : cuts[page]]}
                yield shown, placement, page, pages


def _page_url(placement: dict, page: int) -> str:
    url = f"https://{placement['site']}{placement['path']}"
    return url if page == 1 else url.replace(".html", f"_{page}.html")


def test_every_mirror_article_comes_out_as_written(stories: list[dict]) -> None:
    checked = 0
    for story, placement, page, pages in _placements(stories):
        url = _page_url(placement, page)
        html = (MIRROR / placement["site"] / url.split("/", 3)[3]).read_text("utf-8")
        extraction = extract_article(html, url)
        item = extraction.item
        assert extraction.layout == "smn-classic", url
        assert item["url"] == canonicalize_url(url)
        assert item["headline"] == story["headline"]
        assert item["section"] == story["kicker"]
        assert item["dateline"]["raw"] == story["dateline"]
        assert item["body"].split("\n\n") == [clean_text(p) for p in story["paragraphs"]]
        assert "ADVERTISEMENT" not in item["body"]
        assert "All rights reserved" not in item["body"]
        assert item["authors"] == split_byline(story["byline"] or "")
        # A story over several pages: each page names the next, a later one the first.
        assert extraction.next_part == (_page_url(placement, page + 1) if page < pages else None)
        assert extraction.first_part == (_page_url(placement, 1) if page > 1 else None)
        assert (item["pages"], item["incomplete"]) == (1, page < pages)
        image_urls = [i["url"] for i in item["images"]]
        if story["image"] and page == 1:
            assert image_urls == [
                f"https://www.spxdaily.com/images-hg/{story['image']['slug']}-hg.jpg"
            ]
            assert item["images"][0]["caption"] == story["image"]["caption"]
        else:
            assert image_urls == []
        assert not any(
            "/sponsors/" in u or u.endswith(("black.jpg", "white.jpg")) for u in image_urls
        )
        groups = [link["group"] for link in item["related_links"]]
        assert groups[0] == "Related Links"
        assert "Space News from SpaceDaily.com" in groups
        assert all(link["url"].startswith("https://") for link in item["related_links"])
        checked += 1
    split = [s for s in stories if s.get("page_breaks")]
    assert split, "the mirror has a story over several pages"
    assert checked == sum(
        len(s["placements"]) * (1 + len(s.get("page_breaks", []))) for s in stories
    )


@pytest.mark.parametrize(
    ("dateline", "place", "agency", "date"),
    [
        ("Seoul, Aug 22 (AFP) Aug 22, 2025", "Seoul", "AFP", "2025-08-22"),
        ("Huntsville AL (SPX) Apr 04, 2013", "Huntsville AL", "SPX", "2013-04-04"),
        ("WASHINGTON (AP) —", "WASHINGTON", "AP", None),
    ],
)
def test_dateline_parts_come_from_the_bhs_span(
    stories: list[dict], dateline: str, place: str, agency: str, date: str | None
) -> None:
    html = (
        '<html><body><h1>Title<br></h1><span class="BHS">' + dateline + "</span><br>"
        "by Staff Writers<br><!--body-2-incontainer.php--><p>Text of the story."
        "<!--RELATED LINKS--></body></html>"
    )
    item = extract_article(html, "https://www.spacewar.com/reports/Title_999.html").item
    assert item["dateline"] == {"raw": dateline, "place": place, "agency": agency, "date": date}
    assert item["authors"] == []


def test_year_of_a_yearless_dateline_comes_from_the_wire_url() -> None:
    html = (
        '<html><body><h1>Title<br></h1><span class="BHS">LONDON, Aug 22 (Reuters) -</span>'
        "<!--body-2-incontainer.php--><p>Text.<!--RELATED LINKS--></body></html>"
    )
    item = extract_article(html, "https://www.spacewar.com/afp/250822101500.abcd1234.html").item
    assert item["published"] == "2025-08-22T10:15:00"
    assert item["dateline"]["date"] == "2025-08-22"


def test_page_written_independently_of_the_mirror() -> None:
    path = PAGES / "smn_classic_variant.html"
    url = "https://www.spacedaily.com/reports/Tracking_station_on_Ascension_Island_gets_new_dish_999.html"
    extraction = extract_article(path.read_text("utf-8"), url)
    item = extraction.item
    assert extraction.layout == "smn-classic"
    assert item["headline"] == "Tracking station on Ascension Island gets new dish"
    assert item["section"] == "GROUND STATIONS"
    assert item["dateline"] == {
        "raw": "Ascension Island (SPX) Jun 02, 2024",
        "place": "Ascension Island",
        "agency": "SPX",
        "date": "2024-06-02",
    }
    assert item["authors"] == ["Mara Kessel", "Tomas Ried"]
    paragraphs = item["body"].split("\n\n")
    assert len(paragraphs) == 4
    assert paragraphs[0].startswith("A new tracking antenna")
    assert paragraphs[1].endswith(
        "the station's operator said, with the final alignment done "
        "at night to avoid the afternoon heat."
    )
    assert paragraphs[2].startswith('"Two stations an ocean apart')
    assert not any(word in item["body"] for word in ("ADVERTISEMENT", "google_ad", "Copyright"))
    assert [(link["group"], link["title"]) for link in item["related_links"]] == [
        ("Related Links", "Station operator"),
        ("Space News from SpaceDaily.com", "Rocket engine test stand reopens"),
        ("Space News from SpaceDaily.com", "Cubesat radio licence rules eased"),
        ("24/7 Energy News Coverage", "Island microgrid adds battery bank"),
    ]
    assert item["related_links"][1]["url"] == (
        "https://www.spacedaily.com/reports/Rocket_engine_test_stand_reopens_999.html"
    )
    assert item["images"] == [
        {"url": "https://www.spxdaily.com/images-hg/ascension-dish-hg.jpg",
         "caption": "The new antenna during its first tracking pass."},
        {"url": "https://www.spxdaily.com/images-lg/ascension-dish-lg.jpg", "caption": None},
    ]  # fmt: skip


def test_page_without_the_classic_markers_is_not_half_parsed() -> None:
    html = (
        '<html lang="en"><head><script type="application/ld+json">'
        '{"@type": "NewsArticle", "headline": "Solar records refine cycle forecasts",'
        ' "datePublished": "2026-03-02T08:00:00Z", "author": {"name": "Ivo Brandt"}}'
        '</script></head><body><article><h1 class="entry-title">Solar records refine'
        " cycle forecasts</h1><p>Century-old sunspot drawings were digitised.</p>"
        "<p>The new series changes the forecast.</p></article></body></html>"
    )
    # A classic URL whose page lost the classic markers: the generic layer, counted.
    url = "https://www.spacedaily.com/reports/Solar_records_refine_cycle_forecasts_999.html"
    assert profile_for(url) is SMN
    with pytest.raises(ProfileMismatch):
        SMN.page(html, url)
    with pytest.raises(ProfileMismatch):
        ClassicArticlePage(html, url).fields()
    extraction = extract_article(html, url)
    assert extraction.layout == "smn-generic"  # the generic layer with the network's facts
    assert "body-2-incontainer" in (extraction.mismatch or "")
    assert "not a 2026 article URL" in (extraction.mismatch or "")
    assert extraction.item["headline"] == "Solar records refine cycle forecasts"
    assert extraction.item["authors"] == ["Ivo Brandt"]
    # The same page under a 2026 slug is that platform's layout (its URL shape is certain).
    slug = "https://spacedaily.com/century-old-solar-records-refine-cycle-forecasts-999/"
    assert SMN.page(html, slug).layout == "smn-2026"
    extraction = extract_article(html, slug)
    assert (extraction.layout, extraction.mismatch) == ("smn-2026", None)
    assert extraction.item["headline"] == "Solar records refine cycle forecasts"


def test_article_url_shapes() -> None:
    assert SMN.is_article_url("https://www.spacewar.com/reports/Some_Title_999.html")
    assert SMN.is_article_url("https://www.spacedaily.com/afp/250822091400.8jscpt2f.html")
    assert SMN.is_article_url("https://www.terradaily.com/2015/150302192500.yzjeiyvs.html")
    assert SMN.is_article_url("https://www.terradaily.com/news/some-slug.html")
    assert not SMN.is_article_url("https://www.spacewar.com/Missile_Defense.html")
    assert not SMN.is_article_url("https://www.spacewar.com/sponsors/banner.gif")
    assert not SMN.is_article_url("https://ads.example/reports/Some_Title_999.html")
