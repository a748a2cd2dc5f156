"""What kind of page is this? Rules the generic ``news`` spider walks any site by.

A site the project has no profile for still has to be walked: start pages and section
pages are *listings* (links to articles, a "next page" link), the pages they link to are
*articles* or something else (an about page, a tag archive, a PDF). Every rule here is
about news pages in general, never about one site:

- an **article** is recognised by independent signals: a structured-data type
  (``NewsArticle``, ``Article``, ``ReportageNewsArticle``, ``BlogPosting``, ... in JSON-LD
  or microdata), ``og:type=article``, an article-shaped URL (a dated path, a long slug, a
  long numeric id) and the text density of the main content (several long paragraphs in one
  block). Structured data or ``og:type`` alone suffice; otherwise URL shape and text density
  must agree, and a page that declares itself a collection or a profile is never one;
- a **listing** links to several article-shaped pages, declares itself a collection, or has
  a next page;
- **pagination** is ``rel=next``, a link to page N+1 in a ``/page/N/`` or ``?page=N`` shape,
  or a link whose text says Next, Older, More or ». An article-shaped URL carrying
  ``page=1`` is the article itself (CMSs link their stories that way), not a listing's page.

The rules' switches and thresholds are in :class:`Rules`; ``python -m bench.page_kinds``
chooses each out of fold on the developer sets (README, "Page kinds").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from lxml import etree
from parsel import Selector

from newscrawl.extract.markup import ARTICLE_TYPES, json_ld_documents, schema_types, walk_json_ld

# Types by which a page says it is *not* one article: archives, author pages, search results.
NOT_ARTICLE_TYPES = frozenset(
    {"collectionpage", "itemlist", "profilepage", "searchresultspage", "aboutpage",
     "contactpage", "faqpage"}
)  # fmt: skip

# A date in the path: /2025/08/22/, /2025/08/, /20250822/, /2025-08-22/.
_DATED_PATH = re.compile(
    r"/(?:19|20)\d{2}/(?:0?[1-9]|1[0-2])(?:/(?:0?[1-9]|[12]\d|3[01]))?/"
    r"|/(?:19|20)\d{2}-?(?:0[1-9]|1[0-2])-?(?:0[1-9]|[12]\d|3[01])(?:[/_.-]|$)"
)
# Archive paths whose last segment is a slug but the page a list.
_ARCHIVE_SEGMENTS = frozenset(
    {"tag", "tags", "topic", "topics", "category", "categories", "author", "authors",
     "search", "section", "sections", "series", "page", "label", "feed"}
)  # fmt: skip
_PAGE_EXTENSION = re.compile(r"\.(?:s?html?|php|aspx?|jsp)$", re.I)
_LONG_ID = re.compile(r"(?:^|[-_.])\d{6,}(?:$|[-_.])")
_SLUG_WORD = re.compile(r"[^\W\d_]{2,}|\d+")
# An id segment (3 digits or more, not a year) and a page number of the item after it.
_ID_SEGMENT = re.compile(r"^\d{3,}$")
_YEAR = re.compile(r"^(?:19|20)\d{2}$")
_ITEM_PAGE = re.compile(r"^\d{1,2}$")
# Query parameters naming one item: WordPress' ``?p=123``, ``?id=123``, ``newsid=``...
_ITEM_PARAM = re.compile(r"^(?:p|id|(?:news|story|article|post|entry|item|content|doc)_?id)$", re.I)

_PAGE_IN_PATH = re.compile(r"/page/(\d+)/?$", re.I)
_PAGE_PARAMS = ("page", "paged", "pg")
# Link text of a next-page link, once case-folded and stripped of arrows around it.
_NEXT_TEXT = re.compile(
    r"^(?:next|older|more|load more|show more|see more)"
    r"(?: (?:page|posts|entries|articles|stories|news|results))?$"
)
_ARROWS = "»›→>\u00bb\u203a\u2192\u27a1\u25b6 \t\n"

_BOILERPLATE = (
    "ancestor-or-self::nav or ancestor-or-self::header or ancestor-or-self::footer"
    " or ancestor-or-self::aside or ancestor-or-self::form"
    " or ancestor-or-self::*[@role='navigation' or @role='banner' or @role='contentinfo'"
    " or @role='complementary']"
)
# A paragraph counts towards text density with this much text that is not link text.
MIN_PARAGRAPH_CHARS = 80
# ... and a block is an article's body with this many such paragraphs and characters.
MIN_DENSE_PARAGRAPHS = 3
MIN_DENSE_CHARS = 400
# A listing links to at least this many distinct article-shaped pages.
MIN_LISTING_LINKS = 3
# Elements that break text into blocks; text in any other element belongs to its block.
_BLOCKS = frozenset(
    {"body", "div", "p", "section", "article", "main", "td", "th", "li", "blockquote", "dd",
     "pre", "form", "table", "ul", "ol", "dl", "header", "footer", "nav", "aside", "figure"}
)  # fmt: skip
_BLOCK_TEXT = etree.XPath(
    "//body//text()[not(ancestor::a or ancestor::script or ancestor::style"
    " or ancestor::noscript or ancestor::nav or ancestor::header or ancestor::footer"
    " or ancestor::aside or ancestor::form)]"
)


@dataclass(frozen=True)
class Rules:
    """Switches and thresholds of the page rules, each chosen out of fold by
    ``bench/page_kinds.py`` (what is here is what stayed)."""

    #: A slug names an article with this many words or more.
    slug_words: int = 3
    #: An id segment, followed at most by a page number (``/article/3834/1``), is an article's.
    id_path: bool = True
    #: An item id in the query (``?p=2895``, ``?newsid=...``) is an article's.
    query_id: bool = True
    #: One block holding this much text of its own (not links) is dense; 0: not used.
    block_chars: int = 400
    #: ``page=1`` on an article-shaped URL is the article, not a listing's page.
    page_one: bool = True


RULES = Rules()


# Types of things an article merely mentions are not the page's type.
_PAGE_NODE_KEYS = ("@graph", "mainEntity", "mainEntityOfPage")


def structured_types(selector: Selector) -> set[str]:
    """The schema.org types a page declares for itself, lower-cased.

    JSON-LD top-level nodes, ``@graph`` members and ``mainEntity``; microdata ``itemtype``
    of items that are not properties of another item. JSON-LD is read as every extractor
    reads it (:func:`newscrawl.extract.markup.parse_json_ld`: common breakage repaired,
    the unreadable skipped).
    """
    found: set[str] = set()
    for data in json_ld_documents(selector.root):
        for node in walk_json_ld(data, _PAGE_NODE_KEYS, max_depth=6):
            found |= schema_types(node.get("@type"))
    for itemtype in selector.xpath("//*[@itemscope and not(@itemprop)]/@itemtype").getall():
        found |= schema_types(itemtype.split())
    return found


def og_type(selector: Selector) -> str:
    return (selector.xpath('string(//meta[@property="og:type"]/@content)').get() or "").strip()


def is_article_url(url: str, rules: Rules = RULES) -> bool:
    """Whether a URL has the shape of an article's: a dated path, a long slug, a long id,
    an id segment followed at most by a page number, or an item id in the query.

    Archive paths (``/tag/...``, ``/category/...``, ``/page/2/``) and the home page never do.
    """
    parts = urlsplit(url)
    path = parts.path
    segments = [s for s in path.split("/") if s]
    if _ARCHIVE_SEGMENTS & {s.lower() for s in segments}:
        return False
    if rules.query_id and any(
        _ITEM_PARAM.match(name) and value.isdigit() and len(value) >= 3
        for name, value in parse_qsl(parts.query)
    ):
        return True
    if not segments:
        return False
    last = _PAGE_EXTENSION.sub("", segments[-1])
    if _DATED_PATH.search(path if path.endswith("/") else path + "/") and (
        len(segments) > 3 or not last.isdigit()
    ):
        return True
    words = _SLUG_WORD.findall(last)
    alphabetic = [w for w in words if not w.isdigit()]
    if len(alphabetic) >= rules.slug_words and ("-" in last or "_" in last):
        return True
    if _LONG_ID.search(last):
        return True
    return rules.id_path and _has_id_segment([_PAGE_EXTENSION.sub("", s) for s in segments])


def _has_id_segment(segments: list[str]) -> bool:
    """``/article/3834``, ``/article/3834/1``, ``/news/10365/some-title``: an id segment
    (three digits or more, not a year) after a first segment, last or followed by one
    segment (the item's page number or title)."""
    if len(segments) < 2:
        return False
    tail = segments[-2:] if len(segments) > 2 else segments[-1:]
    for position, segment in enumerate(tail):
        if _ID_SEGMENT.match(segment) and not _YEAR.match(segment):
            after = tail[position + 1 :]
            return not after or bool(_ITEM_PAGE.match(after[0])) or not after[0].isdigit()
    return False


def _own_text_length(paragraph: etree._Element) -> tuple[int, int]:
    """(all text, link text) lengths of a paragraph, whitespace-collapsed."""
    text = " ".join(" ".join(paragraph.itertext()).split())
    linked = sum(len(" ".join(" ".join(a.itertext()).split())) for a in paragraph.iter("a"))
    return len(text), linked


def dense_block(selector: Selector) -> tuple[int, int]:
    """(paragraphs, characters) of the densest block: long paragraphs sharing one parent.

    Paragraphs in navigation, headers, footers, asides and forms don't count, nor do those
    that are mostly link text. Grouping by parent tells an article's body (many paragraphs
    in one container) from a listing's teasers (one excerpt per item).
    """
    blocks: dict[etree._Element, list[int]] = {}
    for paragraph in selector.root.xpath(f"//body//p[not({_BOILERPLATE})]"):
        length, linked = _own_text_length(paragraph)
        if length - linked >= MIN_PARAGRAPH_CHARS and linked <= 0.3 * length:
            blocks.setdefault(paragraph.getparent(), []).append(length)
    best = max(blocks.values(), key=sum, default=[])
    return len(best), sum(best)


def block_text(selector: Selector) -> int:
    """Characters of the block holding the most text of its own (links and navigation not
    counted): a post printed as one ``<div>`` of text and ``<br>`` has no dense paragraphs."""
    sizes: dict[etree._Element, int] = {}
    for node in _BLOCK_TEXT(selector.root):
        length = len(" ".join(node.split()))
        if not length:
            continue
        element = node.getparent()
        if element is not None and node.is_tail:
            element = element.getparent()
        while element is not None and element.tag not in _BLOCKS:
            element = element.getparent()
        if element is not None:
            sizes[element] = sizes.get(element, 0) + length
    return max(sizes.values(), default=0)


class PageMarkup:
    """What the classifier reads from a page's markup, each read once and only if asked."""

    def __init__(self, selector: Selector) -> None:
        self.selector = selector

    @cached_property
    def types(self) -> set[str]:
        return structured_types(self.selector)

    @cached_property
    def og_type(self) -> str:
        return og_type(self.selector).lower()

    @cached_property
    def dense(self) -> tuple[int, int]:
        return dense_block(self.selector)

    @cached_property
    def block(self) -> int:
        return block_text(self.selector)


@dataclass(frozen=True)
class PageKind:
    """The verdict on one page and the signals it rests on (for logs and stats)."""

    is_article: bool
    signals: tuple[str, ...]


def classify(selector: Selector, url: str, rules: Rules = RULES) -> PageKind:
    """Is this page an article? See the module docstring for the rules."""
    return judge(PageMarkup(selector), url, rules)


def judge(page: PageMarkup, url: str, rules: Rules = RULES) -> PageKind:
    """The verdict from the page's markup and URL (:func:`classify`)."""
    signals: list[str] = []
    types = page.types
    if types & ARTICLE_TYPES:
        signals.append("structured-data")
    if page.og_type == "article":
        signals.append("og:type")
    if is_article_url(url, rules):
        signals.append("url-shape")
    paragraphs, chars = page.dense
    if paragraphs >= MIN_DENSE_PARAGRAPHS and chars >= MIN_DENSE_CHARS:
        signals.append("text-density")
    elif rules.block_chars and "url-shape" in signals and page.block >= rules.block_chars:
        signals.append("text-block")
    declared_other = bool(types & NOT_ARTICLE_TYPES) and not types & ARTICLE_TYPES
    if declared_other:
        signals.append("declared-not-article")
    strong = "structured-data" in signals or "og:type" in signals
    dense = "text-density" in signals or "text-block" in signals
    shaped = "url-shape" in signals and dense
    return PageKind(is_article=not declared_other and (strong or shaped), signals=tuple(signals))


def _page_number(url: str) -> int:
    parts = urlsplit(url)
    match = _PAGE_IN_PATH.search(parts.path)
    if match:
        return int(match.group(1))
    for name, value in parse_qsl(parts.query):
        if name.lower() in _PAGE_PARAMS and value.isdigit():
            return int(value)
    return 1


def is_pagination_url(url: str, rules: Rules = RULES) -> bool:
    """Whether a URL names a numbered page of a listing (``/page/N/``, ``?page=N``).

    An article-shaped URL with ``page=1`` is not one: the first page is the page itself,
    and CMSs add ``?page=1`` to their story links.
    """
    parts = urlsplit(url)
    if _PAGE_IN_PATH.search(parts.path):
        return True
    pages = [value for name, value in parse_qsl(parts.query) if name.lower() in _PAGE_PARAMS]
    if not pages:
        return False
    first = all(value.strip() in ("0", "1") for value in pages)
    return not (rules.page_one and first and is_article_url(url, rules))


def _same_listing(a: str, b: str) -> bool:
    """Whether two URLs are pages of the same listing (page markers removed)."""

    def base(url: str) -> tuple[str, str, str]:
        parts = urlsplit(url)
        path = _PAGE_IN_PATH.sub("/", parts.path).rstrip("/")
        query = [(k, v) for k, v in parse_qsl(parts.query) if k.lower() not in _PAGE_PARAMS]
        return parts.netloc.lower(), path, urlencode(sorted(query))

    return base(a) == base(b)


def _absolute(base: str, href: str | None) -> str | None:
    href = (href or "").strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
        return None
    url = urljoin(base, href)
    parts = urlsplit(url)
    return urlunsplit(parts._replace(fragment=""))


def next_page(selector: Selector, url: str) -> str | None:
    """The URL of a listing's next page, or None.

    Strongest evidence first: ``rel=next`` (``<link>`` or ``<a>``); a link to page N+1 of
    this listing in the ``/page/N/`` or ``?page=N`` shape; a link whose text is Next, Older,
    More (with an optional noun) or an arrow such as ».
    """
    base = selector.root.base_url or url
    for href in selector.xpath(
        "//link[contains(concat(' ', normalize-space(@rel), ' '), ' next ')]/@href"
        " | //a[contains(concat(' ', normalize-space(@rel), ' '), ' next ')]/@href"
    ).getall():
        found = _absolute(base, href)
        if found and found != url:
            return found
    wanted = _page_number(url) + 1
    anchors = selector.root.xpath("//a[@href]")
    for anchor in anchors:
        found = _absolute(base, anchor.get("href"))
        if (
            found
            and is_pagination_url(found)
            and _page_number(found) == wanted
            and _same_listing(found, url)
        ):
            return found
    for anchor in anchors:
        text = " ".join(" ".join(anchor.itertext()).split()).casefold()
        label = (anchor.get("aria-label") or "").casefold().strip()
        stripped = text.strip(_ARROWS)
        if (
            (stripped and _NEXT_TEXT.match(stripped))
            or (text and not stripped)
            or (label and _NEXT_TEXT.match(label.strip(_ARROWS)))
        ):
            found = _absolute(base, anchor.get("href"))
            if found and found != url:
                return found
    return None


def links(selector: Selector, url: str) -> list[str]:
    """Every distinct link target of a page, absolute, without fragments, in page order.

    Links marked ``rel=sponsored`` (paid placements) are left out.
    """
    base = selector.root.base_url or url
    seen: dict[str, None] = {}
    for anchor in selector.root.xpath("//a[@href]"):
        if "sponsored" in (anchor.get("rel") or "").lower().split():
            continue
        found = _absolute(base, anchor.get("href"))
        if found:
            seen.setdefault(found, None)
    return list(seen)


def is_listing(selector: Selector, url: str, same_site: Any = None) -> bool:
    """Whether a (non-article) page lists articles: a section, an archive, a home page.

    ``same_site`` (a predicate on URLs) limits which links count; default: any.
    """
    if structured_types(selector) & {"collectionpage", "itemlist"}:
        return True
    if next_page(selector, url):
        return True
    shaped = {
        link
        for link in links(selector, url)
        if is_article_url(link) and (same_site is None or same_site(link))
    }
    return len(shaped) >= MIN_LISTING_LINKS
