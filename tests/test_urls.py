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


@pytest.mark.parametrize(
    ("url", "canonical", "site"),
    [
        # "www." is the whole registrable name there: stripping it would name a suffix
        ("https://www.com/a", "https://www.com/a", "www.com"),
        ("https://www.co.uk/a", "https://www.co.uk/a", "www.co.uk"),
        ("https://www.github.io/", "https://www.github.io/", "www.github.io"),
        ("https://www.example/", "https://www.example/", "www.example"),
        # stripped as long as a registrable name is left, so the result is a fixed point
        ("https://www.www.com/a", "https://www.com/a", "www.com"),
        ("https://www.www.spacewar.com/a", "https://spacewar.com/a", "spacewar.com"),
        ("https://www.bbc.co.uk/news", "https://bbc.co.uk/news", "bbc.co.uk"),
        ("https://www.harbourgazette.example/", "https://harbourgazette.example/",
         "harbourgazette.example"),
    ],
)  # fmt: skip
def test_www_is_never_stripped_down_to_a_public_suffix(url: str, canonical: str, site: str) -> None:
    assert canonicalize_url(url) == canonical
    assert canonicalize_url(canonical) == canonical
    assert site_of(url) == site_of(canonical) == site
