"""The record's modified, free_access and language fields on pages written for these tests:
declarations present, absent and in conflict."""

from __future__ import annotations

import json

import pytest
from scrapy.utils.test import get_crawler

from newscrawl.exceptions import RejectedItem
from newscrawl.extract.article import extract_article
from newscrawl.extract.langid import normalise_tag, parse_wanted, primary, settle
from newscrawl.extract.loader import consistent_modified
from newscrawl.items import ARTICLE_FIELDS, ArticleItem
from newscrawl.pipelines.validate import ValidatePipeline

URL = "https://www.valleycourier.example/2024/03/01/bridge-reopens/"
ENGLISH = [
    "The old stone bridge over the river reopened to traffic on Friday morning after eight"
    " months of repairs, the county council said in a statement.",
    "Engineers replaced two of the arches and rebuilt the parapet, which had been damaged"
    " when a lorry struck it during a storm last spring.",
    "Traders on both banks said the closure had cost them customers, and several welcomed"
    " the reopening with a small celebration at the crossing.",
]
FRENCH = [
    "Le vieux pont de pierre a rouvert à la circulation vendredi matin après huit mois de"
    " travaux, a indiqué le conseil départemental dans un communiqué.",
    "Les ingénieurs ont remplacé deux des arches et reconstruit le parapet, endommagé"
    " lorsqu'un camion l'avait percuté pendant une tempête au printemps dernier.",
    "Les commerçants des deux rives ont expliqué que la fermeture leur avait coûté des"
    " clients, et plusieurs ont salué la réouverture par une petite fête sur le pont.",
]


def page(
    *,
    lang: str | None = "en",
    ld: dict | None = None,
    meta: str = "",
    paragraphs: list[str] = ENGLISH,
    extra: str = "",
    headline: str = "Stone bridge reopens after eight months of repairs",
) -> str:
    """An article page in a common CMS shape."""
    script = (
        f'<script type="application/ld+json">{json.dumps(ld)}</script>' if ld is not None else ""
    )
    lang_attr = f' lang="{lang}"' if lang else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html{lang_attr}><head><title>{headline} | Valley Courier</title>"
        f'<meta property="og:title" content="{headline}">{meta}{script}</head>'
        f'<body><header><a href="/">Valley Courier</a></header><article><h1>{headline}</h1>'
        f'{extra}<div class="entry-content">{body}</div></article>'
        "<footer>Valley Courier, 1 Mill Lane</footer></body></html>"
    )


def extract(html: str, **kwargs) -> ArticleItem:
    return extract_article(html, URL, use_profiles=False, **kwargs).item


def article(**fields) -> dict:
    return {"@context": "https://schema.org", "@type": "NewsArticle",
            "headline": "Stone bridge reopens after eight months of repairs", **fields}  # fmt: skip


# -- modified -----------------------------------------------------------------------------


def test_new_fields_are_in_the_export_order() -> None:
    order = list(ARTICLE_FIELDS)
    assert order.index("published") + 1 == order.index("modified")
    assert order.index("body") < order.index("free_access") < order.index("paywalled_omitted")
    assert order.index("language") + 1 == order.index("language_declared")


def test_modified_from_json_ld_kept_apart_from_published() -> None:
    ld = article(
        datePublished="2024-03-01T08:00:00+01:00", dateModified="2024-03-02T17:30:00+01:00"
    )
    item = extract(page(ld=ld))
    assert item["published"] == "2024-03-01T08:00:00+01:00"
    assert item["modified"] == "2024-03-02T17:30:00+01:00"


def test_modified_from_meta_tags() -> None:
    meta = (
        '<meta property="article:published_time" content="2024-03-01T08:00:00Z">'
        '<meta property="article:modified_time" content="2024-03-04T09:15:00Z">'
    )
    item = extract(page(meta=meta))
    assert (item["published"], item["modified"]) == (
        "2024-03-01T08:00:00+00:00",
        "2024-03-04T09:15:00+00:00",
    )


@pytest.mark.parametrize(
    "stamp",
    [
        '<p class="byline">Updated <time datetime="2024-03-03T10:00:00Z">3 March</time></p>',
        '<time class="updated" datetime="2024-03-03T10:00:00Z">3 March 2024</time>',
        '<div class="meta">Last updated: March 3, 2024</div>',
    ],
)
def test_modified_from_a_visible_update_stamp(stamp: str) -> None:
    ld = article(datePublished="2024-03-01T08:00:00Z")
    item = extract(page(ld=ld, extra=stamp))
    assert item["published"] == "2024-03-01T08:00:00+00:00"
    assert item["modified"] in ("2024-03-03T10:00:00+00:00", "2024-03-03")


def test_no_modified_when_the_page_says_nothing() -> None:
    item = extract(page(ld=article(datePublished="2024-03-01T08:00:00Z")))
    assert item["modified"] is None
    assert "modified" in item


def test_modified_no_later_than_published_is_no_update() -> None:
    same = article(datePublished="2024-03-01T08:00:00Z", dateModified="2024-03-01T08:00:00Z")
    assert extract(page(ld=same))["modified"] is None
    before = article(datePublished="2024-03-05T08:00:00Z", dateModified="2024-03-01T08:00:00Z")
    item = extract(page(ld=before))
    assert item["published"] == "2024-03-05T08:00:00+00:00" and item["modified"] is None
    assert consistent_modified("2024-03-01", "2024-03-01T18:00:00+01:00") is None
    assert consistent_modified("2024-03-01", "2024-03-02T09:00:00+01:00") is not None
    assert consistent_modified(None, "2024-03-02") == "2024-03-02"


def test_a_stated_update_is_never_the_published_date() -> None:
    """A page declaring only when it was modified: the published date is not taken from it."""
    meta = '<meta property="article:modified_time" content="2024-03-04T09:15:00Z">'
    item = extract(page(meta=meta, extra="<p>Kourou (AFP) Mar 1, 2024 - A launch.</p>"))
    assert item["modified"] == "2024-03-04T09:15:00+00:00"
    assert item["published"] == "2024-03-01"


# -- free_access -------------------------------------------------------------------------


PAYWALLED = ["Subscribers can read the council's full inspection report, which lists every"
             " repair and its cost.",
             "The report also recommends a weight limit for lorries crossing the bridge in"
             " future winters."]  # fmt: skip


def paywalled_page(ld: dict) -> str:
    """The free paragraphs, then the paywalled ones in a block of their own (in the text)."""
    extra_html = "".join(f"<p>{p}</p>" for p in PAYWALLED)
    html = page(ld=ld)
    return html.replace(
        "</div></article>", f'<div class="members-only">{extra_html}</div></div></article>'
    )


def test_paywalled_parts_leave_the_body_and_the_record_says_so() -> None:
    part = {
        "@type": "WebPageElement",
        "isAccessibleForFree": "False",
        "cssSelector": ".members-only",
    }
    item = extract(paywalled_page(article(isAccessibleForFree=False, hasPart=part)))
    assert item["free_access"] is False
    assert item["paywalled_omitted"] == 2
    assert "inspection report" not in item["body"]
    assert item["body"].startswith("The old stone bridge")
    kept = extract_article(paywalled_page(article(isAccessibleForFree=False, hasPart=part)),
                           URL, use_profiles=False, keep_paywalled=True).item  # fmt: skip
    assert kept["free_access"] is False and kept["paywalled_omitted"] == 0
    assert "inspection report" in kept["body"]


def test_declared_free_and_silent_pages() -> None:
    assert extract(page(ld=article(isAccessibleForFree=True)))["free_access"] is True
    assert (
        extract(page(ld=article(isAccessibleForFree="https://schema.org/True")))["free_access"]
        is True
    )
    silent = extract(page(ld=article()))
    assert silent["free_access"] is None and silent["paywalled_omitted"] == 0


def test_paywall_markers_in_meta_tags_and_microdata() -> None:
    locked = '<meta property="article:content_tier" content="locked">'
    assert extract(page(meta=locked))["free_access"] is False
    free = '<meta property="article:content_tier" content="free">'
    assert extract(page(meta=free))["free_access"] is True
    microdata = page().replace(
        "<article>",
        '<article itemscope itemtype="https://schema.org/NewsArticle">'
        '<meta itemprop="isAccessibleForFree" content="false">',
    )
    assert extract(microdata)["free_access"] is False


def test_conflicting_paywall_declarations_mean_not_free() -> None:
    """The article says free, one of its parts says paywalled: a paywall is declared."""
    part = {"@type": "WebPageElement", "isAccessibleForFree": False, "cssSelector": ".members-only"}
    item = extract(paywalled_page(article(isAccessibleForFree=True, hasPart=[part])))
    assert item["free_access"] is False and item["paywalled_omitted"] == 2


def test_a_page_entirely_paywalled_is_rejected_as_paywalled() -> None:
    part = {"@type": "WebPageElement", "isAccessibleForFree": False, "cssSelector": "article"}
    item = extract(page(ld=article(isAccessibleForFree=False, hasPart=part)))
    assert item["body"] is None and item["paywalled_omitted"] >= 3
    crawler = get_crawler()
    crawler.stats.open_spider()
    with pytest.raises(RejectedItem) as rejected:
        ValidatePipeline.from_crawler(crawler).process_item(item)
    assert rejected.value.reason == "paywalled"
    assert crawler.stats.get_value("newscrawl/rejected/paywalled") == 1


def test_hostile_selectors_are_skipped() -> None:
    part = {"@type": "WebPageElement", "isAccessibleForFree": False, "cssSelector": "p:nth(("}
    item = extract(paywalled_page(article(isAccessibleForFree=False, hasPart=part)))
    assert item["free_access"] is False and item["paywalled_omitted"] == 0
    assert "inspection report" in item["body"]


# -- language ------------------------------------------------------------------------------


def test_declared_language_confirmed_by_the_text_keeps_its_spelling() -> None:
    item = extract(page(lang="en-GB"))
    assert item["language"] == "en-gb" and item["language_declared"] is None


def test_the_text_wins_over_a_wrong_declaration() -> None:
    item = extract(page(lang="en-US", paragraphs=FRENCH, headline="Le vieux pont rouvre"))
    assert item["language"] == "fr"
    assert item["language_declared"] == "en-us"


def test_language_without_a_declaration_comes_from_the_text() -> None:
    item = extract(page(lang=None, paragraphs=FRENCH, headline="Le vieux pont rouvre"))
    assert item["language"] == "fr" and item["language_declared"] is None


def test_other_declarations_in_order_and_the_http_header() -> None:
    og = '<meta property="og:locale" content="fr_FR">'
    item = extract(page(lang=None, meta=og, paragraphs=FRENCH, headline="Le vieux pont rouvre"))
    assert item["language"] == "fr-fr"
    equiv = '<meta http-equiv="Content-Language" content="de">'
    item = extract(page(lang=None, meta=equiv))
    assert (item["language"], item["language_declared"]) == ("en", "de")
    header = extract(page(lang=None), content_language="en-AU")
    assert header["language"] == "en-au"


def test_a_charset_in_content_language_is_no_declaration() -> None:
    """Pages put their charset where the language goes; a text too short to tell then
    leaves the record without a language rather than with ``utf-8``."""
    equiv = '<meta http-equiv="Content-Language" content="utf-8">'
    item = extract(page(lang=None, meta=equiv, paragraphs=["Bridge open."], headline="Bridge"))
    assert item["language"] is None and item["language_declared"] is None
    item = extract(page(lang=None, meta=equiv))
    assert item["language"] == "en" and item["language_declared"] is None


def test_a_text_too_short_to_tell_keeps_the_declaration() -> None:
    item = extract(page(lang="fr", paragraphs=["Bridge open."], headline="Bridge"))
    assert item["language"] == "fr" and item["language_declared"] is None
    assert settle("de", "Bridge open.").language == "de"
    assert settle(None, "Bridge open.").language is None


def test_language_tags_are_read_as_pages_spell_them() -> None:
    assert normalise_tag("en_US") == "en-us"
    assert normalise_tag("x-default") is None and normalise_tag("und") is None
    assert normalise_tag("utf-8") is None and normalise_tag("euc-jp") is None  # charsets
    assert normalise_tag("zh-hans") == "zh-hans" and normalise_tag("hz") == "hz"
    assert primary("nb-NO") == "no" and primary("iw") == "he" and primary("eng") == "en"
    assert parse_wanted("en, fr") == {"en", "fr"}
    with pytest.raises(ValueError, match="languages="):
        parse_wanted("en,123")


def test_languages_argument_rejects_other_languages_as_counted_rejections() -> None:
    crawler = get_crawler()
    crawler.stats.open_spider()
    crawler.spider = type("Spider", (), {"languages": "fr,de"})()
    validate = ValidatePipeline.from_crawler(crawler)
    validate.open_spider()
    french = extract(page(lang="fr", paragraphs=FRENCH, headline="Le vieux pont rouvre"))
    assert validate.process_item(french) is french
    with pytest.raises(RejectedItem) as rejected:
        validate.process_item(extract(page()))
    assert (rejected.value.reason, rejected.value.detail) == ("language", "en")
    assert crawler.stats.get_value("newscrawl/rejected/language") == 1


# -- revisions ----------------------------------------------------------------------------


def test_a_refetched_story_whose_update_date_moved_is_a_revision(store_url: str) -> None:
    from scrapy.exceptions import DropItem

    from newscrawl.pipelines.revision import RevisionPipeline
    from newscrawl.storage import open_store
    from tests.support.crawlers import end_crawl, store_crawler

    url = "https://valleycourier.example/2024/03/01/bridge-reopens/"
    record = {"url": url, "site": "valleycourier.example", "headline": "Bridge reopens",
              "body": "The bridge reopened.", "fingerprint": "f1", "published": "2024-03-01",
              "modified": "2024-03-02T10:00:00+00:00", "fetched_at": "2024-03-02T11:00:00+00:00",
              "also_at": []}  # fmt: skip
    store = open_store(store_url)
    store.add_article(record)
    store.commit()
    store.close()

    crawler = store_crawler(store_url)
    revision = RevisionPipeline.from_crawler(crawler)
    revision.refetched = {url: url}  # what the incremental middleware let through again
    same = ArticleItem(**record)
    with pytest.raises(DropItem, match="unchanged"):
        revision.process_item(same)
    moved = ArticleItem(**{**record, "modified": "2024-03-05T09:00:00+00:00"})
    with pytest.raises(DropItem, match="revised"):
        revision.process_item(moved)
    assert crawler.stats.get_value("newscrawl/revised") == 1
    assert crawler.stats.get_value("newscrawl/unchanged") == 1
    revision.store.commit()
    end_crawl(crawler)
    store = open_store(store_url)
    (stored,) = store.articles()
    assert stored["modified"] == "2024-03-05T09:00:00+00:00"
    assert stored["body"] == "The bridge reopened."
    store.close()


# -- stories over several pages ---------------------------------------------------------


def test_a_later_page_declared_paywalled_makes_the_story_not_free() -> None:
    from newscrawl.spiders.multipage import _stitched

    first = {"body": "One.", "images": [], "free_access": None, "paywalled_omitted": 0}
    later = ArticleItem(body="Two.", images=[], free_access=False, paywalled_omitted=3)
    story = _stitched(first, later)
    assert (story["body"], story["free_access"], story["paywalled_omitted"]) == (
        "One.\n\nTwo.",
        False,
        3,
    )
    walled = _stitched(
        first, ArticleItem(body="", images=[], free_access=False, paywalled_omitted=4)
    )
    assert (walled["body"], walled["free_access"], walled["paywalled_omitted"]) == (
        "One.",
        False,
        4,
    )
    free = _stitched({**first, "free_access": True}, ArticleItem(body="Two.", images=[]))
    assert (free["free_access"], free["paywalled_omitted"]) == (True, 0)
