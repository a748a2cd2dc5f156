"""What an article page links to: its canonical URL, its boxes of related stories, its images.

Related boxes are recognised by how pages name them (class, id, aria-label or the box's
heading), in the languages of the developer sets; navigation, headers, footers and menus
never count, whatever their class says.
"""

from __future__ import annotations

import re

from lxml import etree

from newscrawl.extract.generic.evidence import Evidence
from newscrawl.extract.markup import clean, first_text, visible_text
from newscrawl.items import Image, RelatedLink

# Words by which boxes of related stories name themselves (class, id, aria-label, heading).
RELATED = re.compile(
    r"related|more[-_ ]?(?:stories|news|articles|from)|read[-_ ]?(?:more|next|also)|"
    r"recommend|also[-_ ]read|see[-_ ]also|you may also like|further[-_ ]reading|"
    r"weitere|mehr zum thema|lesen sie auch|a lire aussi|à lire aussi|leggi anche|"
    r"relacionad|te puede interesar",
    re.IGNORECASE,
)
_NAVIGATION_ANCESTOR = (
    "ancestor-or-self::nav or ancestor-or-self::header or ancestor-or-self::footer"
    " or ancestor-or-self::*[@role='navigation' or @role='menu' or @role='menubar'"
    " or @role='banner' or @role='contentinfo']"
    " or ancestor-or-self::*[contains(@class, 'menu') or contains(@class, 'navbar')"
    " or contains(@class, 'breadcrumb')]"
)
_BOX_TAGS = frozenset({"section", "aside", "div", "ul", "ol", "body"})
_BOX_NAMING = ("class", "id", "aria-label")
_HEADINGS = etree.XPath("//h2 | //h3 | //h4 | //h5")


def canonical(evidence: Evidence) -> str | None:
    """The URL the page declares as its own (``rel=canonical``, else ``og:url``)."""
    return (
        evidence.root.xpath('string(//link[@rel="canonical"]/@href)')
        or evidence.meta.get("og:url")
        or None
    )


def related_links(evidence: Evidence) -> list[RelatedLink]:
    """Links in boxes that say they hold related stories, grouped by the box's heading.

    A box is a block (section, aside, div, list) whose class, id or aria-label names it
    (related, more stories, read more, recommended, ...), or the block holding a heading
    that says so. Navigation, headers, footers and menus never count, whatever their
    class says, and nor does a box wrapping most of the page's links (a layout column).
    """
    root = evidence.root
    boxes = [
        box
        for box in root.iter("section", "aside", "div", "ul", "ol")
        if RELATED.search(" ".join(box.get(name, "") for name in _BOX_NAMING))
    ]
    for heading in _HEADINGS(root):
        if RELATED.search(visible_text(heading)[:80]):
            box = heading.getparent()
            while box is not None and box.tag not in _BOX_TAGS:
                box = box.getparent()
            if box is not None and box.tag != "body":
                boxes.append(box)
    links: list[RelatedLink] = []
    taken: list[etree._Element] = []
    for box in boxes:
        if any(
            box is old or old in box.iterancestors() or box in old.iterancestors() for old in taken
        ) or box.xpath(_NAVIGATION_ANCESTOR):
            continue
        anchors = box.xpath(".//a[@href]")
        if not anchors or len(anchors) > 40:
            continue
        taken.append(box)
        group = _box_heading(box)
        for anchor in anchors:
            title = clean(visible_text(anchor)) or clean(anchor.get("title"))
            href = anchor.get("href", "").strip()
            if title and href and not href.startswith(("#", "javascript:", "mailto:")):
                links.append(RelatedLink(group=group, title=title, url=href))
    return links


def _box_heading(box: etree._Element) -> str | None:
    heading = box.xpath("(.//h2 | .//h3 | .//h4 | .//h5 | .//*[@role='heading'])[1]")
    if heading and not heading[0].xpath("ancestor-or-self::a"):
        return clean(visible_text(heading[0])) or None
    label = box.get("aria-label")
    if label:
        return clean(label) or None
    previous = box.getprevious()
    if previous is not None and previous.tag in ("h2", "h3", "h4", "h5"):
        return clean(visible_text(previous)) or None
    return None


def images(evidence: Evidence) -> list[Image]:
    """The lead image (``og:image``, JSON-LD ``image``), then the pictures in ``<figure>``s
    of the article (or main) element, with their captions."""
    found: list[Image] = []
    declared = evidence.article_ld.get("image")
    lead = evidence.meta.get("og:image") or first_text(
        evidence.resolve(declared) if not isinstance(declared, str) else declared
    )
    if lead:
        found.append(Image(url=lead, caption=None))
    scope = evidence.root.xpath("(//article | //main)[1]")
    for figure in (scope[0] if scope else evidence.root).xpath(".//figure[.//img]")[:20]:
        img = figure.xpath(".//img")[0]
        src = img.get("src") or img.get("data-src")
        if src and not src.startswith("data:"):
            caption = figure.xpath(".//figcaption")
            text = clean(visible_text(caption[0])) if caption else clean(img.get("alt"))
            found.append(Image(url=src, caption=text or None))
    return found
