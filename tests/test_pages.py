"""Page recognition (newscrawl.discovery.pagekind) and crawl scope
(newscrawl.discovery.scope): pure functions."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import MIRROR
from parsel import Selector

from newscrawl.discovery import pagekind
from newscrawl.discovery.scope import SiteScope

HG = MIRROR / "www.harbourgazette.example"
PARAGRAPH = (
    "The harbour board met on Tuesday evening to discuss the timetable for the works, and "
    "members agreed that the contract should be signed before the end of the month."
)


def page(body: str = "", head: str = "", url: str = "https://news.example/") -> Selector:
    html = f"<html><head>{head}</head><body>{body}</body></html>"
    return Selector(text=html, base_url=url)


def mirror_page(path: str) -> tuple[Selector, str]:
    url = f"https://www.harbourgazette.example/{path}"
    file = HG / (path + "index.html" if path.endswith("/") or not path else path)
    return Selector(text=Path(file).read_text("utf-8"), base_url=url), url


def ld(kind: str) -> str:
    return f'<script type="application/ld+json">{{"@type": "{kind}", "headline": "x"}}</script>'


DENSE = "<div class='story'>" + f"<p>{PARAGRAPH}</p>" * 4 + "</div>"
# A blog post as some engines print it: one block of text and line breaks, no <p>.
POST = (
    "<h2>Terns return</h2><div class='post-body'>"
    + "<br><br>".join([PARAGRAPH, f"<b>{PARAGRAPH}</b>", PARAGRAPH])
    + "<br><a href='/2025/08/21/older-post/'>Older post</a></div>"
)
TEASERS = "".join(f"<article><h2>Item {i}</h2><p>{PARAGRAPH}</p></article>" for i in range(6))


# ---------------------------------------------------------------- structured data


@pytest.mark.parametrize(
    ("head", "types"),
    [
        (ld("NewsArticle"), {"newsarticle"}),
        (ld("https://schema.org/ReportageNewsArticle"), {"reportagenewsarticle"}),
        ('<script type="application/ld+json">{"@graph": [{"@type": "WebPage"}, '
         '{"@type": ["BlogPosting"]}]}</script>', {"webpage", "blogposting"}),
        ('<script type="application/ld+json">[{"@type": "Article"}]</script>', {"article"}),
        ('<script type="application/ld+json">{"@type": "NewsArticle", '
         '"author": {"@type": "Person"}}</script>', {"newsarticle"}),  # mentions don't count
        ('<script type="application/ld+json">{not json</script>', set()),
    ],
)  # fmt: skip
def test_structured_types_from_json_ld(head: str, types: set[str]) -> None:
    assert pagekind.structured_types(page(head=head)) == types


def test_structured_types_from_top_level_microdata_only() -> None:
    body = (
        '<div itemscope itemtype="http://schema.org/NewsArticle">'
        '<span itemprop="author" itemscope itemtype="http://schema.org/Person">A</span></div>'
    )
    assert pagekind.structured_types(page(body)) == {"newsarticle"}


# ---------------------------------------------------------------- URL shape


@pytest.mark.parametrize(
    ("url", "shaped"),
    [
        ("https://a.example/2025/08/22/harbour-dredging-delayed/", True),
        ("https://a.example/2025/08/short/", True),
        ("https://a.example/news/20250822-vote/", True),
        ("https://a.example/local/council-approves-seawall-repairs-after-storm", True),
        ("https://a.example/story/world_leaders_meet_in_geneva.html", True),
        ("https://a.example/news/uk-politics-61234567", True),
        ("https://a.example/", False),
        ("https://a.example/local/", False),
        ("https://a.example/local/page/2/", False),
        ("https://a.example/tag/harbour-works-and-dredging-plans/", False),
        ("https://a.example/author/marta-quinlan/", False),
        ("https://a.example/about-us/", False),
        ("https://a.example/2025/", False),
        ("https://a.example/seawall-repairs-approved/", True),  # three words
        ("https://a.example/article/3834/1", True),  # an id and the article's page number
        ("https://a.example/article/3834", True),
        ("https://a.example/News/10365/Seawall.html", True),  # an id, then a title
        ("https://a.example/archive/2024", False),  # a year is no id
        ("https://a.example/rank/12/", False),  # too short for an id
        ("https://a.example/3834", False),  # an id alone says nothing of the path
        ("https://a.example/?p=2895", True),  # WordPress' default permalink
        ("https://a.example/autonews.php?newsid=6486285", True),
        ("https://a.example/list.php?catid=1234", False),  # a category, not an item
        ("https://a.example/view?p=12", False),
    ],
)
def test_is_article_url(url: str, shaped: bool) -> None:
    assert pagekind.is_article_url(url) is shaped


# ---------------------------------------------------------------- text density


def test_dense_block_groups_paragraphs_by_container() -> None:
    assert pagekind.dense_block(page(DENSE)) == (4, 4 * len(PARAGRAPH))
    assert pagekind.dense_block(page(TEASERS))[0] == 1  # one excerpt per teaser


def test_dense_block_ignores_boilerplate_and_link_lists() -> None:
    footer = "<footer>" + f"<p>{PARAGRAPH}</p>" * 4 + "</footer>"
    links = "<div>" + f"<p><a href='/x'>{PARAGRAPH}</a></p>" * 4 + "</div>"
    assert pagekind.dense_block(page(footer + links)) == (0, 0)


# ---------------------------------------------------------------- classification


@pytest.mark.parametrize(
    ("head", "body", "url", "is_article"),
    [
        (ld("NewsArticle"), "", "https://a.example/p?id=1", True),
        ('<meta property="og:type" content="article">', "", "https://a.example/x", True),
        ("", DENSE, "https://a.example/2025/08/22/vote/", True),  # shape + density
        ("", DENSE, "https://a.example/about/", False),  # density alone
        ("", "<p>short</p>", "https://a.example/2025/08/22/vote/", False),  # shape alone
        (ld("CollectionPage"), DENSE, "https://a.example/2025/08/22/vote/", False),
        (ld("AboutPage"), DENSE, "https://a.example/2025/08/22/vote/", False),
        ("", TEASERS, "https://a.example/local-news-from-the-harbour/", False),
        ("", POST, "https://a.example/2025/08/22/terns-return/", True),  # shape + one block
        ("", POST, "https://a.example/about/", False),  # one block alone
        ("", "<div>" + PARAGRAPH + "</div>", "https://a.example/2025/08/22/terns/", False),
    ],
)
def test_classify(head: str, body: str, url: str, is_article: bool) -> None:
    assert pagekind.classify(page(body, head, url), url).is_article is is_article


@pytest.mark.parametrize(
    ("path", "is_article"),
    [
        ("2025/08/21/ferry-terminal-upgrade-wins-state-grant/", True),
        ("2025/08/21/marine-insurers-raise-premiums-as-storm-claims-mount/", True),
        ("", False),
        ("local/", False),
        ("local/page/2/", False),
        ("tag/harbour-works/", False),
        ("about/", False),
        ("privacy-policy/", False),
    ],
)
def test_classify_mirror_pages(path: str, is_article: bool) -> None:
    selector, url = mirror_page(path)
    kind = pagekind.classify(selector, url)
    assert kind.is_article is is_article, kind.signals


def test_a_post_without_paragraphs_is_one_text_block() -> None:
    url = "https://a.example/2025/08/22/terns-return/"
    kind = pagekind.classify(page(POST, url=url), url)
    assert kind.signals == ("url-shape", "text-block")
    assert pagekind.block_text(page(POST)) == 3 * len(PARAGRAPH)  # not the link's text


def test_privacy_page_is_dense_but_not_an_article() -> None:
    selector, url = mirror_page("privacy-policy/")
    assert pagekind.classify(selector, url).signals == ("text-density",)


# ---------------------------------------------------------------- pagination and listings


@pytest.mark.parametrize(
    ("body", "head", "url", "expected"),
    [
        ("", '<link rel="next" href="/news?page=3">', "https://a.example/news?page=2",
         "https://a.example/news?page=3"),
        ('<a rel="prev next" href="p2.html">2</a>', "", "https://a.example/list.html",
         "https://a.example/p2.html"),
        ('<a href="/local/page/3/">3</a><a href="/local/page/2/">2</a>', "",
         "https://a.example/local/", "https://a.example/local/page/2/"),
        ('<a href="/other/page/2/">2</a>', "", "https://a.example/local/", None),
        ('<a href="/x?sort=new&page=5">5</a><a href="/x?sort=new&page=3">3</a>', "",
         "https://a.example/x?page=2&sort=new", "https://a.example/x?sort=new&page=3"),
        ('<a href="/archive/older">Older posts »</a>', "", "https://a.example/",
         "https://a.example/archive/older"),
        ('<a href="/n/2">Next page</a>', "", "https://a.example/n/1", "https://a.example/n/2"),
        ('<a href="/n/2">»</a>', "", "https://a.example/n/1", "https://a.example/n/2"),
        ('<a href="/n/2" aria-label="Next"><svg></svg></a>', "", "https://a.example/n/1",
         "https://a.example/n/2"),
        ('<a href="/more">More</a>', "", "https://a.example/", "https://a.example/more"),
        ('<a href="/next-steps-for-the-harbour">Next steps for the harbour</a>'
         '<a href="/">« Newer</a>', "", "https://a.example/n/1", None),
    ],
)  # fmt: skip
def test_next_page(body: str, head: str, url: str, expected: str | None) -> None:
    assert pagekind.next_page(page(body, head, url), url) == expected


def test_next_page_of_the_mirror_sections() -> None:
    first, url = mirror_page("local/")
    assert pagekind.next_page(first, url) == "https://www.harbourgazette.example/local/page/2/"
    for path in (
        "local/page/2/",
        "business/",
        "2025/08/21/ferry-terminal-upgrade-wins-state-grant/",
    ):
        assert pagekind.next_page(*mirror_page(path)) is None, path


@pytest.mark.parametrize(
    ("url", "paginated"),
    [
        ("https://a.example/local/page/2/", True),
        ("https://a.example/local/page/2", True),
        ("https://a.example/news?page=2", True),
        ("https://a.example/news?paged=3&x=1", True),
        ("https://a.example/page-turner-novel-wins-prize/", False),
        ("https://a.example/news", False),
        ("https://a.example/news?page=1", True),  # a listing's first page
        ("https://a.example/2025/08/22/harbour-vote-delayed/?page=1", False),  # the story
        ("https://a.example/harbour-vote-delayed-again?page=1&ref=home", False),
        ("https://a.example/2025/08/22/harbour-vote-delayed/?page=2", True),
    ],
)
def test_is_pagination_url(url: str, paginated: bool) -> None:
    assert pagekind.is_pagination_url(url) is paginated


def test_links_are_absolute_unique_and_skip_sponsored_and_non_pages() -> None:
    body = (
        '<a href="/a#top">A</a><a href="/a">A again</a><a href="#x">x</a>'
        '<a href="mailto:x@a.example">m</a><a href="javascript:void(0)">j</a>'
        '<a rel="sponsored nofollow" href="https://ads.example/c">ad</a><a href="b/">B</a>'
    )
    url = "https://a.example/s/"
    assert pagekind.links(page(body, url=url), url) == [
        "https://a.example/a", "https://a.example/s/b/"
    ]  # fmt: skip


def test_is_listing() -> None:
    assert pagekind.is_listing(*mirror_page("business/"))
    assert not pagekind.is_listing(*mirror_page("about/"))
    assert not pagekind.is_listing(*mirror_page("privacy-policy/"))
    teasers = "".join(f'<a href="/2025/08/0{i}/story-{i}/">s</a>' for i in range(1, 4))
    url = "https://a.example/hub"
    assert pagekind.is_listing(page(teasers, url=url), url)
    assert not pagekind.is_listing(page(teasers, url=url), url, lambda u: "08/01" not in u)


# ---------------------------------------------------------------- scope


@pytest.fixture()
def scope() -> SiteScope:
    return SiteScope.from_start_urls(["https://www.news.example/", "http://blog.example/x"])


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://www.news.example/a", True),
        ("https://news.example/a", True),  # www. variant
        ("https://www.news.example:443/a", True),
        ("http://www.news.example/a", False),  # started on https: no downgrade
        ("https://www.news.example:8443/a", False),
        ("https://ads.news.example/a", False),  # a subdomain is another site
        ("https://evilnews.example/a", False),
        ("https://news.example.evil.example/a", False),
        ("http://blog.example/y", True),
        ("https://www.blog.example/y", True),  # https upgrade of an http start host
        ("ftp://www.news.example/a", False),
        ("http://127.0.0.1/", False),
        ("http://10.20.0.12/wp-admin/", False),
        ("http://localhost:8080/", False),
        ("http://[::1]/", False),
        ("https://www.news.example:99999/", False),  # malformed port
        ("/relative", False),
    ],
)
def test_scope_allows(scope: SiteScope, url: str, allowed: bool) -> None:
    assert scope.allows(url) is allowed


def test_scope_of_a_private_start_host_allows_only_that_host() -> None:
    scope = SiteScope.from_start_urls(["http://127.0.0.1:8000/"])
    assert scope.allows("http://127.0.0.1:8000/news/")
    assert not scope.allows("http://127.0.0.1:8001/")
    assert not scope.allows("http://192.168.0.1/")


def test_scope_rejects_start_urls_it_cannot_crawl() -> None:
    with pytest.raises(ValueError, match="not an http"):
        SiteScope.from_start_urls(["ftp://files.example/"])
    with pytest.raises(ValueError, match="not an http"):
        SiteScope.from_start_urls(["news.example"])
    assert SiteScope.from_start_urls([]).hosts == []
