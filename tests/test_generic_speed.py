"""The generic extractor's shortcuts give exactly the answers of the work they skip.

Each shortcut in :mod:`newscrawl.extract.generic` avoids running a library step whose answer
is known in advance; these tests hold it to the library's own answer on invented pages, and check
that the shortcut still covers the library's rules (a library upgrade that widens them must
fail here, not silently lose bylines).
"""

from __future__ import annotations

import itertools
import json
import re

import pytest
from trafilatura.metadata import extract_author
from trafilatura.xpaths import AUTHOR_XPATHS

from newscrawl.extract.generic import GenericArticlePage, authors
from newscrawl.extract.generic.authors import AUTHOR_HINT_WORDS

URL = "https://news.example.org/2024/03/05/quay-lights"
STORY = (
    "<p>The lights along the old quay were switched back on this week after the council "
    "found money for new lamps, residents said on Thursday evening.</p>"
    "<p>Walkers had complained for months that the path was too dark after six o'clock, "
    "and a petition gathered several hundred names before the vote.</p>"
)


def _variants(alternative: str) -> list[str]:
    """The literal spellings a simple regex alternative stands for ("[Aa]uthor-?name")."""
    alternative = alternative.strip("^$")
    choices = [
        list(part[1:-1]) if part.startswith("[") else [part]
        for part in re.split(r"(\[[^\]]+\])", alternative)
        if part
    ]
    spelled = ["".join(parts) for parts in itertools.product(*choices)]
    return [s for word in spelled for s in ({word.replace("-?", "-"), word.replace("-?", "")})]


def test_author_hint_covers_every_rule_of_trafilatura_bylines() -> None:
    """Every attribute value trafilatura's byline XPaths look for contains a hint word, and
    they test no attribute the hint does not read (the hint is a superset of the rules)."""
    tested = {"class", "id", "rel", "itemprop", "data-testid", "data-component"}
    for expression in AUTHOR_XPATHS:
        source = expression.path
        assert set(re.findall(r"@([\w-]+)", source)) <= tested, source
        for literal in re.findall(r"'([^']*)'", source):
            if literal == "me":  # rel='me' tests a <rel> child element, which the hint finds
                continue
            for alternative in literal.split("|"):
                for spelling in _variants(alternative):
                    assert any(word in spelling for word in AUTHOR_HINT_WORDS), spelling


BYLINES = [
    '<div class="byline">By Ann Lee</div>',
    '<span class="article-author-name">Bo Chen</span>',
    '<p id="author">Cara Diaz</p>',
    '<a rel="author" href="/people/dan">Dan Evans</a>',
    '<div data-component="Byline"><span>Eve Fox</span></div>',
    '<span itemprop="author">Gil Hart</span>',
    '<div class="writerBox">Ida Jones</div>',
    "<author>Kim Lowe</author>",
    '<div class="post-meta"><span class="date">5 March</span></div>',  # no byline at all
    "",
]


@pytest.mark.parametrize("byline", BYLINES)
def test_byline_shortcut_agrees_with_trafilatura(byline: str) -> None:
    html = (
        "<!DOCTYPE html><html><head><title>Quay lights return</title></head><body>"
        f"<h1>Quay lights return</h1>{byline}<article>{STORY}</article></body></html>"
    )
    page = GenericArticlePage(html, URL)
    expected = [name.strip() for name in (extract_author(page.evidence.tree) or "").split(";")]
    found = authors.byline(page.evidence, None)
    assert found == [name for name in expected if name]
    assert bool(found) == (byline not in BYLINES[-2:])


def test_cost_bench_reports_every_field(capsys: pytest.CaptureFixture[str]) -> None:
    """Smoke test of ``python -m bench.generic_cost`` at a tiny size (no timing is asserted)."""
    from bench import generic_cost

    assert generic_cost.main(["--pages", "2", "--stories", "6", "--rounds", "1"]) == 0
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures["pages"] == 2
    fields = {f"field {name}" for name in GenericArticlePage.field_methods()}
    assert fields | {"item loader", "total", "alone: htmldate"} <= set(figures)
