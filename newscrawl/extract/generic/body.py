"""The body: the engine's text (or ``articleBody``), less the page's furniture, plus its lead.

Input is the text the engines found (:attr:`GenericArticlePage.text_paragraphs`);
this module decides between it and the publisher's own ``articleBody``, takes out what a
text extractor lets through (repeated template notices, captions, teaser links, the next
stories of an endless-scroll page), and puts back the standfirst the extractor missed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from newscrawl.extract.generic.compare import (
    SENTENCE_END,
    is_clean_version,
    is_fuller_version,
    key,
)
from newscrawl.extract.generic.evidence import Evidence
from newscrawl.extract.markup import clean, first_text, visible_text

_TAG = re.compile(r"<[^>]+>")
_LINE_BREAKS = re.compile(r"\s*\n\s*")
_TEXT_STARTING = etree.XPath("//body//text()[starts-with(normalize-space(.), $prefix)]")
_NAME_PARTS = re.compile(r"[\s_\-]+|(?<=[a-z])(?=[A-Z])")
_LEAD_WORDS = ("lead", "intro", "standfirst", "summary", "excerpt", "subtitle", "dek",
               "preamble", "epigraph", "synopsis", "leadin", "lede")  # fmt: skip
# A quick test of class/id before the exact one (:func:`_names_a_lead`).
_LEAD_HINT = re.compile("|".join(_LEAD_WORDS), re.IGNORECASE)
_LEAD_TAGS = ("p", "div", "h2", "h3", "section")
_OUTSIDE_TEXT = "ancestor::nav or ancestor::footer or ancestor::aside or ancestor-or-self::a"
_CAPTIONS = etree.XPath(
    "//figcaption | //figure//*[contains(@class, 'caption') or contains(@class, 'credit')"
    " or contains(@class, 'copyright')]"
)
_OUTWARD_LINKS = etree.XPath("//body//a[@href][not(starts-with(normalize-space(@href), '#'))]")
_LINK_LABEL = re.compile(r"^[^:]{1,30}:\s*")
_STORIES = etree.XPath("//article[.//h1][not(ancestor::article)]")
# A pager under a story split over pages: "Pages: 1 2 3", "Page: 1 | 2 | Next Page".
_PAGER_TOKEN = re.compile(
    r"(?:pages?\s*:|next(?:\s+page)?|previous(?:\s+page)?|prev|\d{1,2}|[|·,/–—«»‹›<>…-])", re.I
)


@dataclass(frozen=True)
class Rules:
    """The body rules, named so that each can be measured (``bench/extraction_quality.py
    --cv K`` chooses each on K-1 publisher folds and scores it on the fold left out)."""

    #: JSON-LD ``articleBody`` replaces the text when it is a clean or a fuller version.
    article_body: bool = True
    #: Page furniture is taken out (:func:`without_furniture`).
    furniture: bool = True
    #: The visible standfirst opens the body when the text left it out (:func:`visible_lead`).
    lead: bool = True


RULES = Rules()


def paragraphs(
    evidence: Evidence, text: list[str], headline: str | None, rules: Rules = RULES
) -> list[str]:
    """The article text: the engine's ``text`` or JSON-LD ``articleBody``, plus a visible lead.

    ``articleBody`` is the publisher's statement of the text but often a teaser, a
    truncation, or the text plus captions and boxes. It replaces the engine's text only
    when it is a slightly shorter version of the same text (75-100% of the length, nearly
    all of its words in the engine's): then it is that text without the page's furniture
    that the engine let through. It also replaces it when it is the whole of which the
    engine found a part (see :func:`~.compare.is_fuller_version`): a long article whose
    later sections sit in blocks the engine did not recognise as text.

    The headline is not part of the body: a first paragraph repeating it is dropped.
    The standfirst (the summary printed under the headline, declared as the page's
    description) opens the body when it is visible on the page and not already there.
    """
    found = text
    declared = evidence.article_ld.get("articleBody")
    article_body = first_text(declared) and declared
    if rules.article_body and isinstance(article_body, str) and article_body.strip():
        if "<" in article_body and ">" in article_body:
            article_body = _TAG.sub("\n", article_body)
        ld_paragraphs = [p for p in (clean(part) for part in _LINE_BREAKS.split(article_body)) if p]
        if is_clean_version(ld_paragraphs, found) or is_fuller_version(ld_paragraphs, found):
            found = ld_paragraphs
    if found and headline and key(found[0]) == key(headline):
        found = found[1:]
    if rules.furniture:
        found = without_furniture(evidence, found, headline)
    lead = visible_lead(evidence, found) if rules.lead else None
    return [lead, *found] if lead else found


def without_furniture(evidence: Evidence, paragraphs: list[str], headline: str | None) -> list[str]:
    """The paragraphs less the page furniture a text extractor lets through.

    Five kinds, all recognised by how the page marks them rather than by wording:

    * template blocks repeated through the text: two paragraphs printed together three
      times or more (an "External content not available" notice with its
      explanation, under every embed) are the template's, not the author's. One of
      the two must be a sentence (a notice explains itself): lines of code or table
      rows repeat in pairs in real text;
    * picture captions and credits: a paragraph that is the whole text of a
      ``<figcaption>`` or of a caption/credit element inside a ``<figure>`` describes
      a picture, it is not part of the story;
    * the next stories of an endless-scroll page: when the page holds several
      ``<article>`` elements, each with its own ``<h1>``, a paragraph found only in an
      article other than the one under the page's headline belongs to another story;
    * links to other pages: a paragraph that is the whole text of a link leaving the
      page (three words or more), alone or after a short label ("Read more:"), is a
      teaser for another story, not a sentence of this one. Links within the page
      (``href="#..."``, a table of contents) name the page's own subheadings and stay;
    * the pager of a story split over pages (:mod:`newscrawl.discovery.continuation`):
      a line of nothing but page numbers counting from 1, with a "Page:" label or
      next/previous words around them (:func:`is_pager`).
    """
    keys = [key(p) for p in paragraphs]
    pairs: dict[tuple[str, str], int] = {}
    for index, (first, second) in enumerate(zip(paragraphs, paragraphs[1:], strict=False)):
        if SENTENCE_END.search(first) or SENTENCE_END.search(second):
            pair = (keys[index], keys[index + 1])
            pairs[pair] = pairs.get(pair, 0) + 1
    template = {k for pair, count in pairs.items() if count >= 3 for k in pair}
    captions, links = _caption_keys(evidence.root), _link_keys(evidence.root)
    kept = [p for p, k in zip(paragraphs, keys, strict=True)
            if k not in template and k not in captions and k not in links
            and key(_LINK_LABEL.sub("", p, count=1)) not in links
            and not is_pager(p)]  # fmt: skip
    stories = _story_texts(evidence.root, headline)
    if stories is not None:
        main, others = stories
        kept = [p for p in kept if (k := key(p)) in main or k not in others]
    return kept if kept else paragraphs


def is_pager(paragraph: str) -> bool:
    """Whether a paragraph is a pager and nothing else: page numbers counting from 1,
    separators and arrows, and either a "Page(s):" label or "next/previous page", or
    bare next/previous words with two numbers or more, or three numbers or more (a lone
    "1-2" may be a score)."""
    if _PAGER_TOKEN.sub(" ", paragraph).strip():
        return False
    tokens = [" ".join(t.casefold().split()) for t in _PAGER_TOKEN.findall(paragraph)]
    numbers = [int(t) for t in tokens if t.isdigit()]
    if numbers != list(range(1, len(numbers) + 1)):
        return False
    if any(t.startswith("page") or t.endswith("page") for t in tokens):
        return True
    worded = any(t[0] in "np" for t in tokens)
    return len(numbers) >= 3 or (worded and len(numbers) >= 2)


def _link_keys(root: etree._Element) -> set[str]:
    """Comparison keys of the texts (three words or more) of links leaving the page."""
    keys = set()
    for element in _OUTWARD_LINKS(root):
        link_key = key(visible_text(element))
        if link_key.count(" ") >= 2:
            keys.add(link_key)
    return keys


def _story_texts(root: etree._Element, headline: str | None) -> tuple[str, str] | None:
    """(the headline's story, the other stories) as comparison keys, on a page of several.

    None unless the page holds two or more outermost ``<article>`` elements with an
    ``<h1>`` each; the headline's story is the one whose ``<h1>`` is the chosen headline
    (else the first).
    """
    articles = _STORIES(root)
    if len(articles) < 2:
        return None
    headline_key = key(headline or "")
    under_headline = [
        a for a in articles if any(key(visible_text(h1)) == headline_key for h1 in a.iter("h1"))
    ]
    main = under_headline[0] if under_headline else articles[0]
    others = " | ".join(key(visible_text(a)) for a in articles if a is not main)
    return key(visible_text(main)), others


def _caption_keys(root: etree._Element) -> set[str]:
    """Comparison keys of the page's picture captions and credits."""
    keys = set()
    for element in _CAPTIONS(root):
        caption_key = key(clean(visible_text(element), entities=False))
        if caption_key:
            keys.add(caption_key)
    return keys


def visible_lead(evidence: Evidence, paragraphs: list[str]) -> str | None:
    """The standfirst printed under the headline when the body does not start with it.

    Two ways to know it, both from the page: the page's own summary (og:description,
    description, twitter:description, JSON-LD ``description``) printed as a block of
    the page; or the first block between the main heading and the text's first
    paragraph that its markup calls a lead (a class or id with a word lead, intro,
    standfirst, summary, excerpt, subtitle, dek, preamble, epigraph or synopsis; a
    "leaderboard" ad slot is not one) and that is not a link. Either must be prose-sized
    (8 to 150 words) and not already in the body's opening.
    """
    if not paragraphs:
        return None
    root = evidence.root
    opening = key(" ".join(paragraphs[:3]))
    for description in _descriptions(evidence):
        description_key = key(description)
        if description_key[:60] in opening:
            return None
        for element in _blocks_starting_with(root, description):
            text = clean(visible_text(element), entities=False)
            if key(text) == description_key:
                return text
    heading = evidence.main_headings
    first: list[etree._Element] | None = None
    body = root.find("body")
    for element in body.iter(*_LEAD_TAGS) if body is not None else ():
        names = f"{element.get('class') or ''} {element.get('id') or ''}"
        if not _LEAD_HINT.search(names) or not _names_a_lead(element):
            continue
        if element.xpath(_OUTSIDE_TEXT):
            continue
        if heading and not _follows(element, heading[0]):
            continue
        if first is None:
            first = _blocks_starting_with(root, paragraphs[0])[:1]
        if first and not _follows(first[0], element):
            continue  # after the text's first paragraph: not its standfirst
        text = clean(visible_text(element), entities=False)
        if 8 <= len(text.split()) <= 150:
            return None if key(text)[:60] in opening else text
    return None


def _blocks_starting_with(root: etree._Element, text: str) -> list[etree._Element]:
    """Elements whose text starts like ``text``, innermost first (at most 4 levels up).

    Found from the text nodes (one pass over the page's text) rather than by comparing
    every element's whole text, which is quadratic in the page's nesting.
    """
    prefix = " ".join(text.split()[:3])
    found: list[etree._Element] = []
    for node in _TEXT_STARTING(root, prefix=prefix):
        element = node.getparent()
        if element is not None and node.is_tail:
            element = element.getparent()
        for _ in range(4):
            if element is None or element.tag == "body":
                break
            found.append(element)
            element = element.getparent()
    return found


def _descriptions(evidence: Evidence) -> list[str]:
    found = []
    for value in (
        evidence.meta.get("og:description"),
        evidence.meta.get("description"),
        evidence.meta.get("twitter:description"),
        first_text(evidence.article_ld.get("description")),
    ):
        text = clean(value)
        if len(text.split()) >= 8 and text not in found:
            found.append(text)
    return found


def _names_a_lead(element: etree._Element) -> bool:
    """Whether the element's class or id has a lead word among its word parts.

    Class names are split at spaces, dashes, underscores and lower-to-upper case changes
    ("article__standfirst", "ArticleLead", "c-summary"), so "leaderboard" is no lead.
    """
    names = f"{element.get('class') or ''} {element.get('id') or ''}"
    return any(part.lower() in _LEAD_WORDS for part in _NAME_PARTS.split(names))


def _follows(element: etree._Element, heading: etree._Element) -> bool:
    """Whether ``element`` comes after ``heading`` in document order (and is not inside it)."""
    if heading in element.iterancestors() or element is heading:
        return False
    for following in heading.itersiblings():
        if following is element or element in following.iterdescendants():
            return True
    parent = heading.getparent()
    return parent is not None and parent.tag != "body" and _follows(element, parent)
