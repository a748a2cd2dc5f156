from __future__ import annotations

from itemadapter import ItemAdapter

from newscrawl.items import ARTICLE_FIELDS, ArticleItem
from newscrawl.text import clean_text, fingerprint, normalize_record


def test_clean_text_folds_spaces_and_keeps_paragraph_breaks() -> None:
    raw = "  One\u00a0 two\tthree\nfour \n\n\n  Five\u200bsix\x07 seven  "
    assert clean_text(raw) == "One two three four\n\nFivesix seven"


def test_clean_text_composes_unicode() -> None:
    assert clean_text("Cafe\u0301") == "Café"


def test_clean_text_empty() -> None:
    assert clean_text(None) == ""
    assert clean_text(" \n\n ") == ""


def test_fingerprint_ignores_case_punctuation_and_spacing() -> None:
    a = "“The launch,” she said — “was a success.”\n\nMore follows."
    b = '"the launch" she said - "was a success"  more follows'
    assert fingerprint(a) == fingerprint(b)


def test_fingerprint_changes_with_wording() -> None:
    assert fingerprint("The launch was a success.") != fingerprint("The launch was a failure.")


def test_normalize_record_orders_fields_and_sets_fingerprint() -> None:
    item = ArticleItem(
        body="  First\u00a0paragraph.\n\n\nSecond. ",
        headline=" A  headline ",
        url="https://spacewar.com/a.html",
        authors=[" Ann  Lee ", " "],
        related_links=[{"group": " Box ", "title": " T ", "url": "https://x.example/"}],
        images=[{"url": "https://x.example/i.jpg", "caption": "  "}],
    )
    record = normalize_record(ItemAdapter(item))
    assert tuple(record) == ARTICLE_FIELDS
    assert record["body"] == "First paragraph.\n\nSecond."
    assert record["headline"] == "A headline"
    assert record["authors"] == ["Ann Lee"]
    assert record["related_links"] == [{"group": "Box", "title": "T", "url": "https://x.example/"}]
    assert record["images"][0]["caption"] is None
    assert record["fingerprint"] == fingerprint("First paragraph. Second.")
    assert normalize_record(ItemAdapter(ArticleItem(record))) == record
