"""The generic layer's rules that stayed out of fold (README, "Extraction quality"), each on
a page written for it: the failure of the engine it corrects, the rule's effect, and the
rule switched off (the switch ``bench/extraction_quality.py --cv`` measures it with)."""

from __future__ import annotations

import json

import trafilatura
from trafilatura.utils import load_html

from newscrawl.extract.generic import body, headline
from newscrawl.extract.generic.page import GenericArticlePage

URL = "https://www.millbrook-tidings.example/2025/09/02/harbour-channel-to-be-dredged/"
STORY = [
    "The harbour authority in Millbrook approved a plan on Monday to dredge the northern "
    "channel before the autumn storms arrive.",
    "Fishing crews have complained for two seasons that silt left by spring floods makes "
    "the channel too shallow at low tide.",
    "The work will cost about four million crowns and is expected to take eleven weeks, "
    "according to the authority's chief engineer.",
    "Several boat owners said they welcomed the decision but worried that the dredging "
    "barges would block the quay during the busiest weeks of the herring run.",
    "The authority said it would publish a timetable for the closures next month and hold "
    "a public meeting at the old customs house.",
]
LEAD = (
    "Millbrook's northern channel will be dredged this autumn after years of complaints "
    "from fishing crews about silt and shallow water."
)
NEWSLETTER = (
    "Get the Millbrook Morning Briefing in your inbox every weekday: sign up now and never "
    "miss a story from the quay."
)
HEADLINE = "Channel to be dredged before the storms"


def page(
    *, before: str = "", after: str = "", ld: dict | None = None, head: str = "", h1: str = ""
) -> str:
    paragraphs = "\n".join(f"<p>{p}</p>" for p in STORY)
    script = f'<script type="application/ld+json">{json.dumps(ld)}</script>' if ld else ""
    return f"""<!DOCTYPE html><html lang="en"><head>
<title>{HEADLINE} | Millbrook Tidings</title>{head}{script}</head>
<body><nav><a href="/">Home</a> <a href="/harbour">Harbour</a> <a href="/sport">Sport</a></nav>
<main><article><h1>{h1 or HEADLINE}</h1>{before}
<div class="article-body">{paragraphs}{after}</div></article></main>
<footer><p>Millbrook Tidings, 4 Quay Street. All rights reserved.</p></footer></body></html>"""


def engine_text(html: str) -> list[str]:
    """trafilatura alone on the page, as the generic layer runs it."""
    document = trafilatura.bare_extraction(load_html(html), include_tables=True)
    return [line for line in (document.text if document else "").split("\n") if line.strip()]


def body_of(html: str, rules: body.Rules = body.RULES) -> list[str]:
    generic = GenericArticlePage(html, URL)
    return body.paragraphs(
        generic.evidence, generic.text_paragraphs, generic.chosen_headline, rules
    )


# ---------------------------------------------------------------------- body


def test_a_lead_trafilatura_drops_is_put_back() -> None:
    html = page(
        before=f'<div class="standfirst"><p>{LEAD}</p></div>',
        head=f'<meta property="og:description" content="{LEAD}">',
    )
    assert LEAD not in engine_text(html)  # the failure this page is made for
    assert body_of(html) == [LEAD, *STORY]
    assert body_of(html, body.Rules(lead=False)) == STORY


def test_a_newsletter_box_trafilatura_keeps_goes_with_the_publishers_article_body() -> None:
    ld = {"@type": "NewsArticle", "headline": HEADLINE, "articleBody": "\n".join(STORY)}
    html = page(ld=ld, after=f'<section class="signup"><p>{NEWSLETTER}</p></section>')
    assert NEWSLETTER in engine_text(html)  # the failure this page is made for
    assert body_of(html) == STORY
    assert NEWSLETTER in body_of(html, body.Rules(article_body=False))


def test_a_truncated_json_ld_body_neither_cuts_nor_replaces_the_text() -> None:
    cut = " ".join([STORY[0], *STORY[1].split()[:8]]) + "\u2026"
    html = page(ld={"@type": "NewsArticle", "headline": HEADLINE, "articleBody": cut})
    assert engine_text(html) == STORY
    assert body_of(html) == STORY


def test_a_teaser_link_inside_the_text_is_furniture() -> None:
    teaser = "Quay repairs to start in spring after council vote"
    link = f'<p>Read more: <a href="/2025/08/30/quay-repairs-start/">{teaser}</a></p>'
    html = page(after=link)
    assert f"Read more: {teaser}" in engine_text(html)  # the failure this page is made for
    assert body_of(html) == STORY
    assert f"Read more: {teaser}" in body_of(html, body.Rules(furniture=False))


# ---------------------------------------------------------------------- headline


def test_a_heading_with_a_kicker_also_votes_for_the_headline_alone() -> None:
    """The <h1> prints a kicker and the headline; og:title repeats both, JSON-LD and
    <title> state the headline alone: the kicker-less heading tips the vote."""
    ld = {"@type": "NewsArticle", "headline": HEADLINE}
    og = f'<meta property="og:title" content="Harbour {HEADLINE}">'
    h1 = f'<span class="kicker">Harbour</span> <span>{HEADLINE}</span>'
    generic = GenericArticlePage(page(ld=ld, head=og, h1=h1), URL)
    stated = headline.candidates(generic.evidence)
    assert ("h1", f"Harbour {HEADLINE}") in stated
    assert ("h1k", HEADLINE) in stated
    assert generic.chosen_headline == HEADLINE
    without = {**headline.WEIGHT, "h1k": 0.0}
    kept = [(s, t) for s, t in stated if s != "h1k"]
    assert headline.decide(kept, headline.Rules(weights=without)) == f"Harbour {HEADLINE}"


def test_a_plain_heading_states_no_kickerless_headline() -> None:
    generic = GenericArticlePage(page(), URL)
    assert [s for s, _ in headline.candidates(generic.evidence)] == ["title", "h1"]
    assert generic.chosen_headline == HEADLINE
