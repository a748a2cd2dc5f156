"""Near-duplicates of short items: a site's template lines carry no weight, and items too
short to compare are never merged (newscrawl.templatelines, newscrawl.neardup)."""

from __future__ import annotations

import json

from conftest import STORIES

from newscrawl.exceptions import CanonicalReplaced, NearDuplicateItem
from newscrawl.extract.article import Extraction
from newscrawl.extract.worker import prepare
from newscrawl.items import ArticleItem
from newscrawl.neardup import (
    MadeSketch,
    MemoryIndex,
    NearDupConfig,
    NearDupDetector,
    Sketch,
    Sketcher,
    from_bytes,
    score,
    template_overlap,
)
from newscrawl.storage import open_store
from newscrawl.templatelines import TemplateRule, line_key, story_lines
from tests.support.chain import Chain

# One site's furniture: four lines printed under every item (written for these tests).
FURNITURE = [
    "Sign up for the Valley Courier morning email, free every weekday before seven.",
    "Copyright 2026 Valley Courier Ltd. All rights reserved. Do not copy this page.",
    "Read more short news from the valley towns on our briefs page today.",
    "Seen something we should report? Send your tips to the newsdesk by email.",
]
OTHER_FURNITURE = [
    "Get the Hill Gazette newsletter for the stories that matter in the hill country.",
    "Copyright 2026 Hill Gazette. Reproduction without permission is prohibited.",
    "More hill country briefs are on our front page, updated all day long.",
    "Follow the Gazette online for weather warnings and road closures.",
]
ITEMS = [
    ("Footbridge closed", "The river footbridge is closed until Friday for painting."),
    ("Library hours change", "The town library will open an hour later on Mondays."),
    ("Market moves indoors", "The Saturday market moves to the drill hall for winter."),
    ("Bus route diverted", "Route 4 buses will skip the high street during roadworks."),
]
# Long enough to compare (over 16 distinctive shingles), still a short item.
STORY = (
    "Ferry crews rescued two kayakers from the estuary on Sunday afternoon after their boats"
    " overturned in a sudden squall, the harbour master said, and both were treated for cold."
)


def body(text: str, furniture: list[str] = FURNITURE) -> str:
    return "\n\n".join([text, *furniture])


def test_template_lines_are_short_lines_seen_on_another_page_of_the_site() -> None:
    rule = TemplateRule()
    lines = story_lines("A headline of the story", body(ITEMS[0][1]))
    keys = rule.keys("courier.example", lines, skip=1)
    assert 0 not in keys, "the headline is never template"
    assert set(keys) == {1, 2, 3, 4, 5}  # the item's line and the four furniture lines
    assert keys[2] == line_key("courier.example", lines[2])
    assert keys[2] != line_key("gazette.example", lines[2]), "lines are counted per site"
    seen = {keys[2]: 1, keys[3]: 4}  # on one other page, on four others
    assert rule.template(keys, seen) == {2, 3}
    long_line = [["word"] * 16]
    assert rule.keys("courier.example", long_line) == {}, "a sentence of reporting never is"


def test_items_sharing_only_the_site_furniture_are_never_merged() -> None:
    full = Sketcher(NearDupConfig())
    one = full.sketch(ITEMS[0][0], body(ITEMS[0][1]))
    two = full.sketch(ITEMS[1][0], body(ITEMS[1][1]))
    assert score(one, two, allowance=15) >= 0.43, "the furniture alone makes them alike"

    detector = NearDupDetector(MemoryIndex())
    for number, (headline, text) in enumerate(ITEMS):
        url = f"https://courier.example/news/{number}"
        assert detector.check(url, headline, body(text)) is None
    second = detector.assess("https://courier.example/news/9", ITEMS[1][0], body(ITEMS[1][1]))
    assert second.template and not second.comparable
    assert second.band_keys == [], "too short to compare: not even looked up"


def test_a_comparable_item_is_matched_on_another_site_under_other_furniture() -> None:
    detector = NearDupDetector(MemoryIndex())
    # Each site's furniture is known from earlier pages (template from the second page on).
    detector.check("https://courier.example/news/1", ITEMS[0][0], body(ITEMS[0][1]))
    detector.check("https://gazette.example/b/1", ITEMS[1][0], body(ITEMS[1][1], OTHER_FURNITURE))
    assert detector.check("https://courier.example/news/2", "Kayakers rescued", body(STORY)) is None
    copy = body(STORY.replace(",", ""), OTHER_FURNITURE)
    match = detector.check("https://gazette.example/b/2", "Two kayakers rescued", copy)
    assert match is not None and match.url == "https://courier.example/news/2"
    assert match.score > 0.9


def test_a_story_stored_before_its_site_furniture_was_known_is_still_matched() -> None:
    """The first page of a site is sketched with its furniture (nothing was known yet); a
    later re-issue of it on the same site is sketched without, and the furniture the stored
    sketch holds is left out of the comparison (``template_overlap``)."""
    detector = NearDupDetector(MemoryIndex())
    assert detector.check("https://courier.example/n/1", "Kayakers rescued", body(STORY)) is None
    again = detector.assess("https://courier.example/n/2", "Kayakers rescued", body(STORY))
    assert len(again.template) > 20
    stored = detector.index._entries[0]
    template = detector.sketcher.sketch_shingles(set(again.template))
    held = template_overlap(template, Sketch(from_bytes(stored[1]), stored[2]))
    assert abs(held - len(again.template)) <= 3
    match = detector.check("https://courier.example/n/2", "Kayakers rescued", body(STORY))
    assert match is not None and match.url == "https://courier.example/n/1"


def test_a_worker_sketch_is_used_only_when_no_line_is_template() -> None:
    config = NearDupConfig()
    item = ArticleItem(url="https://courier.example/news/5", headline="Kayakers rescued",
                       body=body(STORY), site="courier.example")  # fmt: skip
    made = prepare(Extraction(item=item, layout="test"), config).item["normalized"]["sketch"]
    assert isinstance(made, MadeSketch) and made.sketch is not None
    fresh = NearDupDetector(MemoryIndex(), config)
    plain = fresh.assess(item["url"], item["headline"], item["body"], made.sketch, sketched=True)
    assert plain.sketch is made.sketch, "nothing known yet: the worker's sketch stands"
    fresh.check("https://courier.example/news/1", ITEMS[0][0], body(ITEMS[0][1]))
    later = fresh.assess(item["url"], item["headline"], item["body"], made.sketch, sketched=True)
    assert later.sketch is not made.sketch
    assert later.sketch.size < made.sketch.size, "the furniture left the sketch"


def test_the_store_keeps_the_counts_and_later_runs_use_them(store_url: str) -> None:
    first = Chain(store_url)
    for number, (headline, text) in enumerate(ITEMS[:2]):
        result = first.feed(f"https://courier.example/news/{number}", headline, body(text))
        assert isinstance(result, ArticleItem), result
    first.close()
    store = open_store(store_url)
    keys = TemplateRule().keys("courier.example", story_lines(None, body("x")), skip=0)
    counts = store.line_pages(keys.values())
    assert [counts[keys[index]] for index in (1, 2, 3, 4)] == [2, 2, 2, 2]
    store.close()

    later = Chain(store_url)
    for number, (headline, text) in enumerate(ITEMS[2:], start=2):
        result = later.feed(f"https://courier.example/news/{number}", headline, body(text))
        assert isinstance(result, ArticleItem), "a one-line item is never a duplicate"
    other = later.feed(
        "https://gazette.example/b/1", ITEMS[0][0], body(ITEMS[0][1], OTHER_FURNITURE)
    )
    assert isinstance(other, ArticleItem)
    gazette = body(STORY, OTHER_FURNITURE)
    first_copy = later.feed("https://gazette.example/b/9", "Kayakers rescued", gazette)
    assert isinstance(first_copy, ArticleItem)
    again = later.feed("https://courier.example/news/9", "Two kayakers rescued", body(STORY))
    # One story: the copy outranks the stored one (undated both, so the URL decides,
    # newscrawl.canonical) and takes its place, the sketch of its distinctive lines with it.
    assert isinstance(again, CanonicalReplaced)
    assert (again.canonical, again.reason) == ("https://gazette.example/b/9", "near_duplicate")
    later.close()
    store = open_store(store_url)
    urls = {record["url"] for record in store.articles()}
    assert len(urls) == 6 and "https://courier.example/news/9" in urls
    assert "https://gazette.example/b/9" not in urls
    store.close()
    last = Chain(store_url)  # the story's new entry is found under its new URL
    third = last.feed("https://herald.example/9", "Kayakers rescued", body(STORY, []))
    assert isinstance(third, NearDuplicateItem)
    assert third.canonical == "https://courier.example/news/9"
    last.close()


def test_long_stories_keep_matching_as_before() -> None:
    story = json.loads(STORIES.read_text(encoding="utf-8"))[0]
    text = "\n\n".join(story["paragraphs"])
    detector = NearDupDetector(MemoryIndex())
    detector.check("https://courier.example/a/1", story["headline"], body(text))
    detector.check("https://courier.example/a/2", ITEMS[0][0], body(ITEMS[0][1]))
    copy = "\n\n".join(story["paragraphs"][:-1])
    match = detector.check("https://gazette.example/a/1", "Another headline", copy)
    assert match is not None and match.url == "https://courier.example/a/1"
