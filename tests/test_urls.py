from __future__ import annotations

import pytest

from newscrawl.urls import canonicalize_url, site_of


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.spacewar.com/reports/A_999.html", "https://spacewar.com/reports/A_999.html"),
        ("http://www.SpaceWar.com/reports/A_999.html#top", "https://spacewar.com/reports/A_999.html"),
        ("https://spacewar.com/reports/A_999.html?utm_source=rss&utm_medium=feed",
         "https://spacewar.com/reports/A_999.html"),
        ("https://spacewar.com/list.html?page=2&fbclid=abc&gclid=x",
         "https://spacewar.com/list.html?page=2"),
        ("https://spacewar.com/list.html?b=2&a=1", "https://spacewar.com/list.html?a=1&b=2"),
        ("https://spacewar.com:443/a.html", "https://spacewar.com/a.html"),
        ("http://spacewar.com:80/a.html", "https://spacewar.com/a.html"),
        ("http://127.0.0.1:8080/a.html", "https://127.0.0.1:8080/a.html"),
        ("https://spacewar.com", "https://spacewar.com/"),
        ("https://spacewar.com//reports//A.html", "https://spacewar.com/reports/A.html"),
        ("  https://spacewar.com/a.html  ", "https://spacewar.com/a.html"),
        ("mailto:desk@spacewar.com", "mailto:desk@spacewar.com"),
    ],
)  # fmt: skip
def test_canonicalize_url(url: str, expected: str) -> None:
    assert canonicalize_url(url) == expected


def test_canonical_form_is_a_fixed_point() -> None:
    url = "http://www.spacedaily.com/reports/X_999.html?utm_campaign=a&id=3#c"
    once = canonicalize_url(url)
    assert canonicalize_url(once) == once


@pytest.mark.parametrize(
    ("url", "site"),
    [
        ("https://www.spacewar.com/a", "spacewar.com"),
        ("https://spacedaily.com/n-title/", "spacedaily.com"),
        ("http://WWW.TerraDaily.com./x", "terradaily.com"),
        ("not a url", ""),
    ],
)
def test_site_of(url: str, site: str) -> None:
    assert site_of(url) == site
