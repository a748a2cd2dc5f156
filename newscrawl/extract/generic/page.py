"""The generic article page: the wiring of the field modules, in the order fields depend on
each other.

Read top to bottom: the page's evidence is gathered once (:mod:`.evidence`); the
headline is voted from it (:mod:`.headline`); the engine's text is re-read from a layout
table where the engine returned the layout (:mod:`.tables`); the body is built from that
text (:mod:`.body`); the dateline is read from the text's lead and the published date
from the markup or that dateline (:mod:`.dates`); the update date (:mod:`.modified`),
authors, links and images come from the evidence alone (:mod:`.authors`, :mod:`.links`);
the paywall declaration (:mod:`.paywall`) takes the paywalled paragraphs out of the body;
the language is the declared one checked against the headline and body
(:mod:`.language`). Each ``@field`` method is one call into the module named for its
field.
"""

from __future__ import annotations

from functools import cached_property

from newscrawl.extract.datelines import Dateline
from newscrawl.extract.generic import (
    authors,
    body,
    dates,
    headline,
    language,
    links,
    modified,
    paywall,
    tables,
)
from newscrawl.extract.generic.evidence import Evidence
from newscrawl.extract.langid import Settled
from newscrawl.extract.markup import clean
from newscrawl.extract.page import ArticlePage, field
from newscrawl.items import Image, RelatedLink


class GenericArticlePage(ArticlePage):
    """Layered, per-field extraction for any news page (no rule names a site)."""

    layout = "generic"

    @cached_property
    def evidence(self) -> Evidence:
        return Evidence(self.html, self.url, fallback=self.given_selector)

    # -- what later fields build on, in dependency order -------------------------------

    @cached_property
    def chosen_headline(self) -> str | None:
        return headline.choose(self.evidence)

    @cached_property
    def engine_paragraphs(self) -> list[str]:
        """trafilatura's text, one paragraph per line."""
        extraction = self.evidence.extraction
        if extraction is None or not extraction.text:
            return []
        lines = extraction.text.split("\n")
        return [p for p in (clean(line, entities=False) for line in lines) if p]

    @cached_property
    def table_text(self) -> tables.LayoutText | None:
        return tables.read(self.evidence.root, self.engine_paragraphs, self.chosen_headline)

    @cached_property
    def text_paragraphs(self) -> list[str]:
        """The engine's paragraphs, or the block markup's where it returned the layout."""
        table = self.table_text
        return list(table.paragraphs) if table else self.engine_paragraphs

    @cached_property
    def body_paragraphs(self) -> list[str]:
        return body.paragraphs(self.evidence, self.text_paragraphs, self.chosen_headline)

    @cached_property
    def paywall(self) -> paywall.Paywall:
        return paywall.declared(self.evidence)

    @cached_property
    def free_body(self) -> tuple[list[str], int]:
        """The body less its declared paywalled paragraphs, and how many were left out."""
        if self.keep_paywalled:
            return self.body_paragraphs, 0
        return paywall.without_paywalled(self.evidence, self.paywall, self.body_paragraphs)

    @cached_property
    def settled_language(self) -> Settled:
        return language.language(
            self.evidence, self.chosen_headline, self.free_body[0], self.content_language
        )

    @cached_property
    def printed_dateline(self) -> Dateline | None:
        return dates.printed_dateline(self.table_text, self.body_paragraphs)

    @cached_property
    def published_date(self) -> str | None:
        return dates.published(self.evidence, self.printed_dateline)

    # -- the fields ----------------------------------------------------------------------

    @field("headline")
    def headline(self) -> str | None:
        return self.chosen_headline

    @field("published")
    def published(self) -> str | None:
        return self.published_date

    @field("authors")
    def authors(self) -> list[str]:
        return authors.authors(self.evidence, self.table_text)

    @field("modified")
    def modified(self) -> str | None:
        return modified.modified(self.evidence)

    @field("body")
    def body(self) -> list[str]:
        return self.free_body[0]

    @field("free_access")
    def free_access(self) -> bool | None:
        return self.paywall.free

    @field("paywalled_omitted")
    def paywalled_omitted(self) -> int:
        return self.free_body[1]

    @field("dateline")
    def dateline(self) -> str | None:
        return dates.dateline(self.table_text, self.body_paragraphs, self.published_date)

    @field("url")
    def canonical(self) -> str | None:
        return links.canonical(self.evidence)

    @field("related_links")
    def related_links(self) -> list[RelatedLink]:
        return links.related_links(self.evidence)

    @field("images")
    def images(self) -> list[Image]:
        return links.images(self.evidence)

    @field("language")
    def language(self) -> str | None:
        return self.settled_language.language

    @field("language_declared")
    def language_declared(self) -> str | None:
        return self.settled_language.declared
