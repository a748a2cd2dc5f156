"""Which link of an article is its own next page: the rule (newscrawl.discovery.continuation),
the generic body's pager filter, and parts as aliases in the store, on both backends.

Pages here are written for the test, in the shapes sites split stories in: a numbered
pager under the body, ``?page=N``, ``/slug/N/``, ``name_N.html``, ``rel=next`` in the head.
"""

from __future__ import annotations

import pytest
from parsel import Selector

from newscrawl.discovery.continuation import ArticleParts, article_parts, page_marks
from newscrawl.extract.article import extract_article
from newscrawl.extract.generic.body import is_pager
from newscrawl.storage import open_store

TEXT = "".join(
    f"<p>Paragraph {n} of the report says something long enough to be read as prose, with "
    "a second clause that keeps it going past the length of a caption or a label.</p>"
    for n in range(1, 5)
)


def page(article: str = "", head: str = "", outside: str = "") -> Selector:
    return Selector(
        text=f"<html><head>{head}</head><body><nav>{outside}</nav>"
        f"<article><h1>A report</h1>{TEXT}{article}</article></body></html>"
    )


def parts(selector: Selector, url: str) -> ArticleParts:
    return article_parts(selector, url)


@pytest.mark.parametrize(
    ("url", "href", "expected"),
    [
        ("https://n.example/2025/08/22/report/", "/2025/08/22/report/2/", "/report/2/"),
        ("https://n.example/read.php?id=7", "read.php?id=7&page=2", "/read.php?id=7&page=2"),
        ("https://n.example/reports/Report_999.html", "Report_999_2.html", "/Report_999_2.html"),
        ("https://n.example/a/report-2.html", "report-3.html", "/a/report-3.html"),
        ("https://n.example/2025/08/22/report/2/", "/2025/08/22/report/3/", "/report/3/"),
    ],
)  # fmt: skip
def test_a_link_to_the_same_document_one_page_on_is_the_next_page(url, href, expected) -> None:
    pager = f'<div class="pages">Pages: <a href="{href}">2</a></div>'
    found = parts(page(pager), url)
    assert found.next is not None and found.next.endswith(expected)


@pytest.mark.parametrize(
    "href",
    [
        "/2025/08/22/another-report/",  # the next story: another document
        "/2025/08/22/report/3/",  # not the next page
        "/2025/08/22/report/comment-page-2/",  # comments of the story
        "/news/page/2/",  # a section's next page
        "/2025/08/22/report/page/2/",  # listings number their pages so
        "https://other.example/2025/08/22/report/2/",  # another site
        "http://[::1/2025/08/22/report/2/",  # broken
        "https://n.example:99999/2025/08/22/report/2/",  # broken port
    ],
)
def test_other_links_are_not_the_next_page(href: str) -> None:
    body = f'<p><a href="{href}">Next</a> <a rel="next" href="{href}">Next page</a></p>'
    found = parts(
        page(body, head=f'<link rel="next" href="{href}">'), "https://n.example/2025/08/22/report/"
    )
    assert found == ArticleParts()


def test_rel_next_in_the_head_counts_only_as_the_same_document() -> None:
    url = "https://n.example/2025/08/22/report/"
    head = f'<link rel="next" href="{url}2/">'
    assert parts(page(head=head), url).next == f"{url}2/"
    # WordPress themes also name the next *post* rel=next: not a page of this story
    post = '<link rel="next" href="https://n.example/2025/08/23/next-report/">'
    assert parts(page(head=post), url) == ArticleParts()


def test_pager_links_outside_the_article_do_not_count() -> None:
    """A page 2 link in the site's navigation is not under the article."""
    url = "https://n.example/2025/08/22/report/"
    assert parts(page(outside=f'<a href="{url}2/">2</a>'), url) == ArticleParts()


def test_the_page_footer_inside_main_is_no_part_of_the_article() -> None:
    """A template without ``<article>`` may put its site footer inside ``<main>``: a paged
    list there ("Our videos: 1 2 3 ... Next") numbers that list, not the story; a footer
    inside an ``<article>`` or a ``<section>`` is theirs, and its pager counts."""
    url = "https://n.example/content/7-harbour-film-office"
    pager = '<nav class="pagination"><a href="?page=1">1</a> <a href="?page=2">2</a></nav>'

    def main(footer: str) -> Selector:
        return Selector(
            text=f"<html><body><main><h1>A page</h1>{TEXT}{footer}</main></body></html>"
        )

    assert parts(main(f"<footer>Our videos {pager}</footer>"), url) == ArticleParts()
    assert parts(main(f'<div role="contentinfo">{pager}</div>'), url) == ArticleParts()
    assert parts(main(pager), url).next == f"{url}?page=2"
    assert parts(main(f"<section><footer>{pager}</footer></section>"), url).next is not None
    assert parts(page(f"<footer>{pager}</footer>"), url).next == f"{url}?page=2"


def test_a_profile_scope_says_where_the_links_are() -> None:
    url = "https://n.example/reports/Report_999.html"
    html = Selector(
        text=f"<html><body>{TEXT}<div id='pager'><a href='Report_999_2.html'>2</a></div>"
        "<div id='box'><a href='Report_999_3.html'>3</a></div></body></html>"
    )
    assert article_parts(html, url, "//div[@id='box']//a").next is None
    assert article_parts(html, url, "//div[@id='pager']//a").next.endswith("_2.html")


def test_a_later_page_knows_its_first_page() -> None:
    url = "https://n.example/2025/08/22/report/3/"
    pager = (
        '<a href="/2025/08/22/report/">1</a> <a href="/2025/08/22/report/2/">2</a> <span>3</span>'
    )
    found = parts(page(pager), url)
    assert found.first == "https://n.example/2025/08/22/report/" and found.next is None
    only_previous = parts(page('<a href="/2025/08/22/report/2/">Previous page</a>'), url)
    assert only_previous.first == "https://n.example/2025/08/22/report/2/"


def test_a_small_number_at_the_end_of_a_url_is_no_page_without_the_page_before() -> None:
    """``/news/12/`` linking ``/news/`` (a breadcrumb) is an article, not page 12 of /news/."""
    url = "https://n.example/news/12/"
    assert parts(page('<a href="/news/">News</a>'), url).first is None


def test_long_numbers_are_ids_not_page_numbers() -> None:
    assert page_marks("https://n.example/reports/Report_999.html") == {
        ("n.example/reports/Report_999.html?", 1)
    }
    assert page_marks("https://n.example/news/123456/") == {("n.example/news/123456?", 1)}
    assert ("n.example/read.php?id=7", 3) in page_marks(
        "https://www.n.example/read.php?page=3&id=7"
    )


def test_extraction_reports_the_parts_and_marks_a_lone_page_incomplete() -> None:
    url = "https://n.example/2025/08/22/report/2/"
    html = (
        "<html><head><title>A report</title></head><body><article><h1>A report</h1>"
        f'{TEXT}<div class="page-links">Pages: <a href="/2025/08/22/report/">1</a> 2 '
        '<a href="/2025/08/22/report/3/">3</a></div>'
        '<p><a href="/2025/08/22/report/3/">Next page &raquo;</a></p></article></body></html>'
    )
    extraction = extract_article(html, url)
    assert extraction.next_part == "https://n.example/2025/08/22/report/3/"
    assert extraction.first_part == "https://n.example/2025/08/22/report/"
    assert (extraction.item["pages"], extraction.item["incomplete"]) == (1, True)
    body = extraction.item["body"]
    assert "Pages:" not in body and "Next page" not in body  # the pager is no prose
    assert body.count("Paragraph") == 4


@pytest.mark.parametrize(
    ("text", "pager"),
    [
        ("Page: 1 | 2 | 3 | Next Page", True),
        ("Pages: 1 2 3", True),
        ("« Previous 1 2", True),
        ("Next page »", True),
        ("1 2 3", True),
        ("3-1", False),  # a score
        ("1-2", False),
        ("Page 1 of 3", False),
        ("In 2 of 3 cases the pages were lost.", False),
        ("Next", False),
        ("2 3 4", False),
    ],
)
def test_is_pager(text: str, pager: bool) -> None:
    assert is_pager(text) is pager


def test_parts_are_aliases_of_the_story_but_not_places(store_url: str) -> None:
    store = open_store(store_url)
    try:
        story = "https://n.example/2025/08/22/report/"
        record = {"url": story, "site": "n.example", "fingerprint": "f1", "headline": "A report",
                  "body": "text", "also_at": [], "pages": 3, "incomplete": False}  # fmt: skip
        assert store.add_article(record)
        store.add_parts(story, [f"{story}2/", f"{story}3/", story], "2025-08-22T10:00:00+00:00")
        store.add_parts(story, [f"{story}2/"], None)  # again: nothing changes
        store.commit()
        assert store.aliases() == [
            (f"{story}2/", story, "part"),
            (f"{story}3/", story, "part"),
        ]
        known = store.known(f"{story}3/")
        assert known is not None and (known.kind, known.url) == ("alias", story)
        assert store.url_known(f"{story}2/") == story
        (stored,) = store.articles()
        assert stored["also_at"] == [] and stored["pages"] == 3
    finally:
        store.close()


def test_an_xhtml_page_read_as_xml_is_extracted() -> None:
    """A page opening with ``<?xml`` is parsed as XML: its root has no ``base_url``."""
    html = (
        '<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml">'
        f"<head><title>A report</title></head><body><article><h1>A report</h1>{TEXT}"
        '<a href="/2025/08/22/report/2/">2</a></article></body></html>'
    )
    extraction = extract_article(html, "https://n.example/2025/08/22/report/", use_profiles=False)
    assert extraction.error is None and extraction.item["pages"] == 1
