"""The Space Media Network's classic template: the table layout its sites served until 2026.

Described in ``shared/smn/README.md``: a bare ``<h1>``, the dateline in ``span.BHS``, the
body between the ``body-2-incontainer.php`` and ``RELATED LINKS`` comments with unclosed
``<p>`` tags, ads inline, related-link boxes after the body, a copyright line last. Nothing
is known of how the network splits a long story over pages, if it does: the classic page
says only that such links would sit in the body (``ClassicArticlePage.parts_xpath``), and
the generic rule (:mod:`newscrawl.discovery.continuation`) tells which one is the next page.

``valid_until`` stays None: the layout is still served by the sites that have not moved
to the 2026 platform (:mod:`.platform2026`), so no fetch date rules it out; its markers
decide.
"""

from __future__ import annotations

import copy
import re
from functools import cached_property

from lxml import etree
from lxml import html as lxml_html
from w3lib.html import remove_tags, replace_entities

from newscrawl.extract.langid import Settled, sample, settle
from newscrawl.extract.markup import clean, visible_text
from newscrawl.extract.page import ArticlePage, ProfileMismatch, field
from newscrawl.items import Image, RelatedLink
from newscrawl.urls import safe_urljoin

BODY_START = "<!--body-2-incontainer.php-->"
BODY_END = "<!--RELATED LINKS-->"

_BODY_START_RE = re.compile(r"<!--\s*body-2-incontainer\.php\s*-->", re.I)
_BODY_END_RE = re.compile(r"<!--\s*RELATED LINKS\s*-->", re.I)
_COPYRIGHT_RE = re.compile(r"all rights reserved|copyright\s+(?:©|&copy;|\(c\)|\d{4}|[A-Z])", re.I)
_COPYRIGHT_PARAGRAPH = re.compile(r"^(?:all rights reserved|copyright\b|©)", re.I)
_PARAGRAPH_BREAK = re.compile(
    r"<(?:/?p|/?div|/?blockquote|/?h[1-6]|/?ul|/?ol|/?li)\b[^>]*>|(?:<br\s*/?>\s*){2,}", re.I
)
_AD_LABEL = re.compile(r"^\W*advertisements?\W*$", re.I)
_BYLINE = re.compile(r"^\s*by\s+\S", re.I)
_URL_TIMESTAMP = re.compile(r"/(?:afp|\d{4})/(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})\d{2}\.")
# Elements that never hold article prose on these pages: ads, embeds, layout boxes.
_NOT_PROSE = ("script", "style", "noscript", "iframe", "ins", "form", "center", "table", "object")
_NOT_PROSE_XPATH = etree.XPath(" | ".join(f"//{tag}" for tag in _NOT_PROSE))  # compiled once


def _is_decoration(src: str) -> bool:
    """Sponsor banners and the spacer images the template pads its tables with."""
    path = src.split("?", 1)[0].lower()
    return "/sponsors/" in path or path.rsplit("/", 1)[-1] in {"black.jpg", "white.jpg"}


class ClassicArticlePage(ArticlePage):
    """The table-based template the network served until its 2026 platform change."""

    layout = "smn-classic"
    # A story split over pages links its other pages inside the body (between the body
    # markers), never from the related boxes after it.
    parts_xpath = (
        "//a[@href][preceding::comment()[contains(., 'body-2-incontainer')]]"
        "[following::comment()[contains(translate(., 'relatdinks', 'RELATDINKS'),"
        " 'RELATED LINKS')]]"
    )

    def check(self) -> None:
        if not _BODY_START_RE.search(self.html):
            raise ProfileMismatch("no body-2-incontainer.php marker")

    # Precomputed slices of the raw HTML: the template is delimited by comments, which
    # CSS and XPath cannot address as ranges.
    @cached_property
    def _body_html(self) -> str:
        start = _BODY_START_RE.search(self.html)
        if start is None:
            return ""
        end = _BODY_END_RE.search(self.html, start.end())
        stop = end.start() if end else len(self.html)
        return self.html[start.end() : stop]

    @cached_property
    def _related_html(self) -> str:
        end = _BODY_END_RE.search(self.html)
        if end is None:
            return ""
        tail = self.html[end.end() :]
        copyright_at = _COPYRIGHT_RE.search(tail)
        return tail[: copyright_at.start()] if copyright_at else tail

    @cached_property
    def _body_tree(self) -> lxml_html.HtmlElement:
        return lxml_html.fragment_fromstring(self._body_html or "<div></div>", create_parent="div")

    @cached_property
    def _h1(self):
        return self.selector.xpath("//h1[normalize-space()]")[:1]

    @field("url")
    def canonical(self) -> str | None:
        return (
            self.meta.get("og:url") or self.selector.xpath('//link[@rel="canonical"]/@href').get()
        )

    @field("headline")
    def headline(self) -> str | None:
        return self._h1.xpath("normalize-space()").get() if self._h1 else None

    @field("section")
    def section(self) -> str | None:
        """The upper-case kicker: the last text before the headline, if it is upper case."""
        if not self._h1:
            return None
        kicker = self._h1.xpath("preceding::text()[normalize-space()][1]").get()
        kicker = " ".join((kicker or "").split())
        letters = [c for c in kicker if c.isalpha()]
        return kicker if len(letters) >= 3 and kicker.isupper() and len(kicker) < 60 else None

    @field("dateline")
    def dateline(self) -> str | None:
        return self.selector.xpath('//span[@class="BHS"][1]').xpath("normalize-space()").get()

    @field("authors")
    def authors(self) -> list[str]:
        """The byline sits right after the dateline and before the body marker, never in it."""
        texts = self.selector.xpath(
            '//span[@class="BHS"][1]/following::text()[normalize-space()][position() <= 3]'
            '[following::comment()[contains(., "body-2-incontainer")]]'
        ).getall()
        return [t for t in texts if _BYLINE.match(t)][:1]

    @field("published")
    def published(self) -> str | None:
        """The classic template prints only the dateline date; wire URLs carry a timestamp."""
        stamp = _URL_TIMESTAMP.search(self.url)
        if stamp:
            yy, mm, dd, hh, mi = stamp.groups()
            return f"20{yy}-{mm}-{dd}T{hh}:{mi}:00"
        return self.meta.get("article:published_time")

    @field("body")
    def body(self) -> list[str]:
        return list(self._paragraphs)

    @cached_property
    def _paragraphs(self) -> list[str]:
        tree = copy.deepcopy(self._body_tree)  # images() still reads the untouched tree
        for node in _NOT_PROSE_XPATH(tree):
            node.drop_tree()
        serialized = lxml_html.tostring(tree, encoding="unicode")
        paragraphs = []
        for chunk in _PARAGRAPH_BREAK.split(serialized):
            text = " ".join(replace_entities(remove_tags(chunk)).split())
            if not text or _AD_LABEL.match(text) or _COPYRIGHT_PARAGRAPH.match(text):
                continue
            paragraphs.append(text)
        return paragraphs

    @field("images")
    def images(self) -> list[Image]:
        found: dict[str, Image] = {}
        for img in self._body_tree.iter("img"):
            src = (img.get("src") or "").strip()
            if not src or _is_decoration(src):
                continue
            url = safe_urljoin(self.url, src)
            if not url:
                continue
            holder = img.getparent()
            while holder is not None and holder.tag not in ("table", "center", "figure", "div"):
                holder = holder.getparent()
            caption = clean(visible_text(holder), entities=False) if holder is not None else ""
            found.setdefault(url, Image(url=url, caption=caption or img.get("alt") or None))
        og_image = self.meta.get("og:image")
        if og_image and not _is_decoration(og_image):
            url = safe_urljoin(self.url, og_image)
            if url:
                found.setdefault(url, Image(url=url, caption=None))
        return list(found.values())

    @field("related_links")
    def related_links(self) -> list[RelatedLink]:
        """Links after the body, each grouped under the last text outside a link before it.

        Box headings on these pages are whatever text precedes a run of linked headlines
        (``<b>``, ``<font>``, a table cell...), so the rule reads text, not tags.
        """
        if not self._related_html.strip():
            return []
        tree = lxml_html.fragment_fromstring(self._related_html, create_parent="div")
        group: str | None = None
        links: list[RelatedLink] = []
        for node in tree.xpath("//text() | //a[@href]"):
            if isinstance(node, str):
                holder = node.getparent() if node.is_text else node.getparent().getparent()
                text = " ".join(node.split())
                inside_link = holder is not None and (
                    holder.tag == "a" or holder.xpath("ancestor::a")
                )
                if not inside_link and sum(c.isalpha() for c in text) >= 3:
                    group = text
                continue
            href = (node.get("href") or "").strip()
            title = clean(visible_text(node), entities=False)
            if title and href and not href.startswith(("javascript:", "mailto:", "#")):
                url = safe_urljoin(self.url, href)
                if url:
                    links.append(RelatedLink(group=group, title=title, url=url))
        return links

    @cached_property
    def _language(self) -> Settled:
        """The network's sites are English; a page's ``lang`` (or HTTP header) says more,
        and the text is checked against it (:func:`newscrawl.extract.langid.settle`)."""
        declared = self.selector.xpath("/html/@lang").get() or self.content_language or "en"
        return settle(declared, sample(self.headline(), self._paragraphs))

    @field("language")
    def language(self) -> str | None:
        return self._language.language

    @field("language_declared")
    def language_declared(self) -> str | None:
        return self._language.declared
