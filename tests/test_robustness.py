"""Inputs the fuzzer (bench/fuzz_extract.py) found to crash extraction, kept as regressions."""

from __future__ import annotations

import asyncio

from newscrawl.extract.article import extract_article
from newscrawl.extract.decoding import fallback_encoding, read_page
from newscrawl.extract.loader import resolve_url
from newscrawl.urls import safe_urljoin

BODY = "<p>" + "The ferry timetable changes on Monday for the winter season. " * 6 + "</p>"


def test_a_meta_tag_with_a_malformed_attribute_name() -> None:
    html = f'<html><head><meta {{"x":1}}property="og:title" content="T"></head><body>{BODY}</body>'
    item = extract_article(html, "https://news.example/2025/09/01/a-story/").item
    assert "ferry timetable" in item["body"]


def test_a_declared_canonical_urllib_cannot_read_is_ignored() -> None:
    url = "https://news.example/a/"
    assert resolve_url(url, "http://[::1") == url
    assert resolve_url(url, "https://news.example:99999/") == url
    assert safe_urljoin(url, "http://[::1/x") == ""


def test_a_broken_related_link_on_a_profiled_page() -> None:
    html = open("fixtures/pages/smn_classic_variant.html", encoding="utf-8").read()
    html = html.replace("</body>", '<a href="http://[::1/x">Broken link text here</a></body>')
    extraction = extract_article(html, "https://www.spacewar.com/reports/Some_Story_999.html")
    assert extraction.item["headline"]


def test_windows_1252_labelled_utf8_is_read_as_written(tmp_path) -> None:
    text = "Café owners said “finally” — twice"
    page = f'<html><head><meta charset="utf-8"></head><body><p>{text}</p></body></html>'
    path = tmp_path / "page.html"
    path.write_bytes(page.encode("cp1252"))
    assert text in read_page(path)
    assert fallback_encoding(page.encode("utf-8"), "utf-8") is None  # valid UTF-8: kept
    assert fallback_encoding(b"\x00\x9f\xfe", "utf-8") is None  # binary: left alone


def test_xml_responses_are_never_parsed_by_the_spiders() -> None:
    """parsel's XML selector expands internal entities (a billion-laughs document grows);
    so the spiders read HtmlResponses only, and an XML page is counted, not parsed."""

    from scrapy.http import XmlResponse
    from scrapy.utils.test import get_crawler

    from newscrawl.spiders.news import NewsSpider
    from tests.support.faultsite import LOL

    small = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;">]><r>&c;</r>'
    )  # libxml2 gives up on the full bomb (LOL), but expands this 16-fold one
    expanded = XmlResponse("http://faults.invalid/s.xml", body=small).xpath("string(/*)").get()
    assert expanded == "lol" * 16  # why XML must not reach a selector
    crawler = get_crawler(NewsSpider)
    spider = NewsSpider.from_crawler(crawler, start_urls="http://faults.invalid/")
    response = XmlResponse("http://faults.invalid/sitemap.xml", body=LOL)
    assert asyncio.run(spider.parse_listing(response)) == []
    assert asyncio.run(spider.parse_page(response)) == []
    assert crawler.stats.get_value("newscrawl/news/not_article") == 2


def test_retry_after_in_both_forms() -> None:
    import datetime as dt

    from newscrawl.downloadermiddlewares.retry import retry_after_seconds

    now = dt.datetime(2025, 9, 1, 12, 0, 0, tzinfo=dt.UTC)
    assert retry_after_seconds(b"120", now) == 120
    assert retry_after_seconds(b"Mon, 01 Sep 2025 12:00:30 GMT", now) == 30
    assert retry_after_seconds(b"Mon, 01 Sep 2025 11:00:00 GMT", now) == 0  # in the past
    assert retry_after_seconds(b"soon", now) == 0
    assert retry_after_seconds(None, now) == 0


def test_a_generic_extraction_error_costs_the_page_not_the_crawl(monkeypatch) -> None:
    """An exception inside generic extraction (the fuzzer once found one: a headline vote
    over punctuation-only candidates) comes back as the page's error, not as a crash; the
    spiders reject such a page as extraction_error."""
    from newscrawl.extract.generic import GenericArticlePage

    def broken(self):
        raise ValueError("max() arg is an empty sequence")

    monkeypatch.setattr(GenericArticlePage, "fields", broken)
    html = f"<html><head><title>A title</title></head><body><h1>A title</h1>{BODY}</body></html>"
    extraction = extract_article(html, "https://news.example/2025/09/01/a-story/")
    assert extraction.error and extraction.error.startswith("ValueError at test_robustness.py")
    assert extraction.item["headline"] is None and extraction.item["body"] is None


def test_punctuation_only_headline_candidates_give_no_headline() -> None:
    html = f"<html><head><title>!!!</title></head><body><h1>...</h1>{BODY}</body></html>"
    extraction = extract_article(html, "https://news.example/2025/09/01/a-story/")
    assert extraction.error is None
    assert not extraction.item["headline"]


def test_json_ld_nested_deeper_than_the_stack_is_skipped() -> None:
    """Found by the fuzzer: json.loads raises RecursionError, not ValueError, on such input."""
    deep = "[" * 100_000 + "]" * 100_000
    html = (
        f'<html><head><script type="application/ld+json">{deep}</script>'
        f"<title>A title</title></head><body><h1>A title</h1>{BODY}</body></html>"
    )
    extraction = extract_article(html, "https://news.example/2025/09/01/a-story/")
    assert extraction.error is None
    assert extraction.item["headline"] == "A title"


def test_utf8_labelled_with_a_legacy_charset_is_read_as_utf8(tmp_path) -> None:
    text = "港口渡轮恢复运营 — Fähre"
    page = f'<html><head><meta charset="gb2312"></head><body><p>{text}</p></body></html>'
    path = tmp_path / "page.html"
    path.write_bytes(page.encode("utf-8"))
    assert text in read_page(path)
    assert fallback_encoding(page.encode("utf-8"), "gb18030") == "utf-8"
    latin = "Café owners said it twice".encode("latin-1")  # real Latin-1: not valid UTF-8
    assert fallback_encoding(latin, "iso-8859-1") is None
    assert fallback_encoding(b"<p>plain ASCII</p>", "iso-8859-1") is None  # nothing to tell
