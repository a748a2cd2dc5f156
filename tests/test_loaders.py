from __future__ import annotations

import pytest

from newscrawl.extract.loader import load_article, resolve_url, split_byline, to_iso
from newscrawl.items import ARTICLE_FIELDS


@pytest.mark.parametrize(
    ("byline", "names"),
    [
        ("by Staff Writers", []),
        ("by AFP Staff Writers", []),
        ("By Rob Example", ["Rob Example"]),
        ("By Ann Lee and Bo Chen", ["Ann Lee", "Bo Chen"]),
        ("by Ann Lee, Bo Chen & Cy Diaz", ["Ann Lee", "Bo Chen", "Cy Diaz"]),
        ("Ann Lee", ["Ann Lee"]),
        ("", []),
    ],
)
def test_split_byline(byline: str, names: list[str]) -> None:
    assert split_byline(byline) == names


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("2025-08-22", "2025-08-22"),
        ("2025-08-22T09:14:00Z", "2025-08-22T09:14:00+00:00"),
        ("2025-08-22T09:14:00+02:00", "2025-08-22T09:14:00+02:00"),
        ("Fri, 22 Aug 2025 09:14:00 GMT", "2025-08-22T09:14:00+00:00"),
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_to_iso(value: str | None, iso: str | None) -> None:
    assert to_iso(value) == iso


def test_declared_canonical_only_counts_on_the_same_site() -> None:
    page = "http://www.spacedaily.com/reports/A_999.html?utm_source=x"
    assert resolve_url(page, None) == "https://spacedaily.com/reports/A_999.html"
    assert resolve_url(page, "/reports/B_999.html") == "https://spacedaily.com/reports/B_999.html"
    # a sister site naming the original must not hide this copy
    assert resolve_url(page, "https://www.spacewar.com/reports/A_999.html") == (
        "https://spacedaily.com/reports/A_999.html"
    )


def test_load_article_fills_every_field_and_parses_the_dateline() -> None:
    item = load_article(
        {
            "headline": "  A\u00a0headline ",
            "dateline": "LONDON, Aug 22 (Reuters) -",
            "published": "2024-08-23T07:00:00Z",
            "body": [" First. ", "", "Second."],
            "authors": ["by Staff Writers"],
            "related_links": [
                {"group": "Box", "title": "T", "url": "/reports/T_999.html"},
                {"group": "Box", "title": "", "url": "/empty"},
                {"group": "Box", "title": "JS", "url": "javascript:void(0)"},
            ],
            "images": [{"url": "/i.jpg", "caption": " c "}],
        },
        "https://www.spacewar.com/reports/A_999.html",
        fetched_at="2026-01-01T00:00:00+00:00",
        section="missile-defense",
    )
    assert set(item) == set(ARTICLE_FIELDS) - {"fingerprint"} | {"fingerprint"}
    assert item["headline"] == "A headline"
    assert item["body"] == "First.\n\nSecond."
    assert item["authors"] == []
    assert item["section"] == "missile-defense"
    assert item["dateline"] == {
        "raw": "LONDON, Aug 22 (Reuters) -", "place": "LONDON", "agency": "Reuters",
        "date": "2024-08-22",
    }  # fmt: skip
    assert item["related_links"] == [
        {"group": "Box", "title": "T", "url": "https://www.spacewar.com/reports/T_999.html"}
    ]
    assert item["images"] == [{"url": "https://www.spacewar.com/i.jpg", "caption": "c"}]
    assert item["fingerprint"] is None  # set by the normalise pipeline
    assert item["language"] is None


def test_published_falls_back_to_the_dateline_date() -> None:
    item = load_article(
        {"headline": "H", "dateline": "Seoul (AFP) Aug 22, 2025", "body": ["B"]},
        "https://www.spacewar.com/reports/H_999.html",
    )
    assert item["published"] == "2025-08-22"
    assert item["dateline"]["place"] == "Seoul"
