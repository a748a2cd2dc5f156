"""Is this article one page of a story split over several? Rules about pages, for every site.

A site that splits a long story links each page to the next one *inside the article*: a
numbered pager under the body ("Pages: 1 2 3"), a "Next page" link, often ``rel=next`` in
the head. An article also links to many pages that are not its continuation: the next
story ("Next"), a section's second page, comment pages. What tells them apart is the URL:
a continuation is the *same document* with a page marker one higher than this page's.

- Page markers: a query parameter (``?page=2``, ``pg``, ``pagenum``); a last path segment
  (``/story-slug/2/``, WordPress' split posts); a suffix of the file name
  (``story_2.html``, ``story-2.html``). A page without a marker is page 1. ``/page/2/``
  is not one: it is how listings number their pages (a blog's home page would pass for a
  story over pages).
  Markers are 1 to 99: a story has far fewer pages, and longer numbers are ids
  (``Report_999.html``, ``/news/123456/``), never page numbers.
- Candidate links: those in the article's scope, plus ``rel=next``/``rel=prev`` links
  anywhere (they pass the same URL test: WordPress themes also put the next *post* in
  ``rel=next``). The scope is what the page object says (a site profile knows its
  template: :attr:`newscrawl.extract.page.ArticlePage.parts_xpath`); otherwise the
  ``<article>`` or ``itemprop=articleBody`` element, else ``<main>``, else the page without
  its navigation, header, footer and asides. Inside the container, the *page's* header and
  footer are still left out: a ``<header>``/``<footer>`` that no sectioning element
  (``article``, ``section``, ``nav``, ``aside``) encloses is, in HTML's own definition,
  the page's (a template may put its site footer, with a paged list of other things,
  inside ``<main>``); so are ``role=banner``/``contentinfo`` elements.
- Link text is not used: "Next" alone names the next story as often as the next page, and
  a real pager's URLs always carry the marker.

A page is a *later part* (page N >= 2) when it links, in the same way, to page N-1 of the
same document: a page whose URL merely ends in a small number (``/news/12/``) does not
link to ``/news/11/``. Its first page is its link to page 1 (a pager shows it), else its
link to page N-1 (which leads further back in turn).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from lxml import etree
from parsel import Selector

from newscrawl.urls import canonicalize_url

#: Query parameters that number the pages of one document.
PAGE_PARAMS = frozenset({"page", "pg", "pagenum"})
#: Page markers above this are ids, not page numbers.
MAX_PAGE_NUMBER = 99

_PATH_MARKER = re.compile(r"^(?P<base>.*?)/(?P<n>\d{1,2})/?$")
_FILE_MARKER = re.compile(r"^(?P<base>.*[^/_-])[_-](?P<n>\d{1,2})(?P<ext>\.[a-z0-9]{2,5})$", re.I)

# Where an article's own links are, when the page object does not say: inside the first of
# these kinds of container the page has; else anywhere but in navigation, header, footer,
# asides and forms (only then: a WordPress theme may put the pager in a <nav> inside the
# article).
_CONTAINERS = (
    "//article | //*[@itemprop='articleBody']",
    "//main | //*[@role='main']",
)
_BOILERPLATE_TAGS = frozenset({"nav", "header", "footer", "aside", "form"})
_BOILERPLATE_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary"})
# HTML's sectioning content: a header or footer belongs to the nearest one around it.
_SECTIONING = frozenset({"article", "section", "nav", "aside"})
_PAGE_ROLES = frozenset({"banner", "contentinfo"})
_REL_WORDS = frozenset({"next", "prev", "previous"})
# Every link's address as a string that knows its element (``getparent``), read in one
# pass of libxml2: cheaper than building every element to read its attribute.
_HREFS = etree.XPath("//a/@href | //link/@href")


@dataclass(frozen=True)
class ArticleParts:
    """What a page says about the story it belongs to.

    ``next``: the URL of the story's next page (as the page spells it), or None;
    ``first``: for a later page, the URL of the story's first page (else of an earlier
    one); None on a first page or a story of one page.
    """

    next: str | None = None
    first: str | None = None


Mark = tuple[str, int]  # (the document without its page marker, the page number)


def page_marks(url: str) -> set[Mark]:
    """Every reading of ``url`` as (document, page number).

    A URL is always page 1 of itself; with a page marker it is also page N of the URL
    without the marker. Documents are keyed by canonical URL (:mod:`newscrawl.urls`),
    without a trailing slash.
    """
    canonical = canonicalize_url(url)
    parts = urlsplit(canonical)
    if parts.scheme != "https":
        return set()
    query = parse_qsl(parts.query, keep_blank_values=True)
    marks = {(_key(parts.netloc, parts.path, query), 1)}
    numbered = [(k, v) for k, v in query if k.lower() in PAGE_PARAMS]
    if numbered:
        value = numbered[-1][1]
        rest = [(k, v) for k, v in query if k.lower() not in PAGE_PARAMS]
        if value.isdigit() and 1 <= int(value) <= MAX_PAGE_NUMBER:
            marks.add((_key(parts.netloc, parts.path, rest), int(value)))
        return marks
    for pattern in (_PATH_MARKER, _FILE_MARKER):
        match = pattern.match(parts.path)
        if match and 1 <= int(match["n"]) <= MAX_PAGE_NUMBER:
            path = match["base"] + (match.groupdict().get("ext") or "")
            marks.add((_key(parts.netloc, path, query), int(match["n"])))
    return marks


def _key(netloc: str, path: str, query: list[tuple[str, str]]) -> str:
    path = path.rstrip("/") or "/"
    return f"{netloc}{path}?{urlencode(sorted(query))}"


def _stems(url: str) -> tuple[str, ...]:
    """Path prefixes every page of this document starts with: a cheap test that leaves out
    most of a page's links before their URLs are read."""
    path = urlsplit(url).path
    stems = {path.rstrip("/")}
    for pattern in (_PATH_MARKER, _FILE_MARKER):
        match = pattern.match(path)
        if match:
            stems.add(match["base"])
    return tuple(re.sub(r"\.[a-z0-9]{2,5}$", "", stem, flags=re.I) for stem in stems)


def article_parts(selector: Selector, url: str, scope_xpath: str | None = None) -> ArticleParts:
    """The page's next page and, on a later page, its first page (see the module docstring).

    ``scope_xpath`` selects the ``<a>`` elements that may lead to the story's other pages
    (a site profile's knowledge of its template); None uses the generic scope.

    Links are matched by URL first and their place on the page is checked only for the
    few that are pages of this document: on most pages none is, and the cost is one pass
    over the page's links.
    """
    own = page_marks(url)
    if not own:
        return ArticleParts()
    wanted = {
        "next": {(key, n + 1) for key, n in own if n < MAX_PAGE_NUMBER},
        "previous": {(key, n - 1) for key, n in own if n >= 2},
        "first": {(key, 1) for key, n in own if n >= 2},
    }
    root = selector.root
    base = getattr(root, "base_url", None) or url  # a page parsed as XML has none
    stems = _stems(urljoin(base, url))
    tails = tuple(stem.rsplit("/", 1)[-1] for stem in stems)
    tails = () if "" in tails else tails  # the site's home page: every link may be a page
    own_url = canonicalize_url(url)
    scope = _Scope(root, scope_xpath)
    found: dict[str, str] = {}
    for href in _HREFS(root):
        if not _may_be_part(href, tails):
            continue
        element = href.getparent()
        target = _absolute(base, href)
        if target is None or not urlsplit(target).path.startswith(stems):
            continue
        try:
            if canonicalize_url(target) == own_url:
                continue
            marks = page_marks(target)
        except ValueError:  # a malformed port or host: no page of this story
            continue
        kinds = [kind for kind, sought in wanted.items() if kind not in found and marks & sought]
        if kinds and (_is_rel(element) or scope.holds(element)):
            for kind in kinds:
                found[kind] = target
    first = found.get("first", found.get("previous")) if "previous" in found else None
    return ArticleParts(next=found.get("next"), first=first)


def _is_rel(element: object) -> bool:
    """``rel=next``/``prev`` (a ``<link>`` anywhere, or an ``<a>``)."""
    rel = element.get("rel")  # type: ignore[attr-defined]
    return bool(rel) and bool(_REL_WORDS & set(rel.lower().split()))


class _Scope:
    """Whether a link is in the article's scope; the containers are found once, and only
    when a link needs them."""

    def __init__(self, root: object, scope_xpath: str | None) -> None:
        self.root, self.scope_xpath = root, scope_xpath
        self._elements: set[object] | None = None
        self._containers: set[object] | None = None

    def holds(self, element: object) -> bool:
        if element.tag != "a":  # type: ignore[attr-defined]
            return False
        if self.scope_xpath is not None:
            if self._elements is None:
                self._elements = set(self.root.xpath(self.scope_xpath))  # type: ignore[attr-defined]
            return element in self._elements
        if self._containers is None:
            self._containers = set()
            for containers in _CONTAINERS:
                self._containers = set(self.root.xpath(containers))  # type: ignore[attr-defined]
                if self._containers:
                    break
        ancestors = list(element.iterancestors())  # type: ignore[attr-defined]
        if self._containers:
            inside = next((i for i, a in enumerate(ancestors) if a in self._containers), None)
            return inside is not None and not _in_page_furniture(ancestors, inside)
        return not any(
            ancestor.tag in _BOILERPLATE_TAGS or ancestor.get("role") in _BOILERPLATE_ROLES
            for ancestor in ancestors
        )


def _in_page_furniture(ancestors: list[object], container: int) -> bool:
    """Whether a link, with these ancestors (nearest first; ``ancestors[container]`` is its
    container), sits in the page's own header or footer rather than in the article's.

    A ``<header>``/``<footer>`` inside the container is the page's when no sectioning
    element encloses it (``<main>`` is not one): HTML assigns it to the ``<body>`` then.
    """
    tags = [ancestor.tag for ancestor in ancestors]  # type: ignore[attr-defined]
    for i, ancestor in enumerate(ancestors[: container + 1]):
        if ancestor.get("role") in _PAGE_ROLES:  # type: ignore[attr-defined]
            return True
        if tags[i] in ("header", "footer") and _SECTIONING.isdisjoint(tags[i + 1 :]):
            return True
    return False


def _may_be_part(href: str, tails: tuple[str, ...]) -> bool:
    """A cheap test before a link is read as a URL: a page of this document names its last
    path segment, unless the link is relative to this page ("2/", "?page=2", "../")."""
    if not tails or any(tail in href for tail in tails):
        return True
    return "://" not in href and not href.lstrip().startswith("/")


def _absolute(base: str, href: str) -> str | None:
    href = href.strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
        return None
    try:
        target = urljoin(base, href)
        urlsplit(target).port  # noqa: B018 - raises on a malformed port
    except ValueError:  # a broken link (``http://[::1``) is no page of this story
        return None
    return target
