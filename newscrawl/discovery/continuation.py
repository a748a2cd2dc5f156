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
  its navigation, header, footer and asides.
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

from parsel import Selector

from newscrawl.urls import canonicalize_url

#: Query parameters that number the pages of one document.
PAGE_PARAMS = frozenset({"page", "pg", "pagenum"})
#: Page markers above this are ids, not page numbers.
MAX_PAGE_NUMBER = 99

_PATH_MARKER = re.compile(r"^(?P<base>.*?)/(?P<n>\d{1,2})/?$")
_FILE_MARKER = re.compile(r"^(?P<base>.*[^/_-])[_-](?P<n>\d{1,2})(?P<ext>\.[a-z0-9]{2,5})$", re.I)

# Where an article's own links are, when the page object does not say: the first of these
# containers the page has. Navigation, header, footer and asides are left out only in the
# last resort (a WordPress theme may put the pager in a <nav> inside the article).
_CONTAINERS = (
    "//article | //*[@itemprop='articleBody']",
    "//main | //*[@role='main']",
)
_OUTSIDE_BOILERPLATE = (
    "//body//a[@href][not(ancestor::nav or ancestor::header or ancestor::footer"
    " or ancestor::aside or ancestor::form or ancestor::*[@role='navigation'"
    " or @role='banner' or @role='contentinfo' or @role='complementary'])]"
)
_REL_LINKS = (
    "//link[@href][contains(concat(' ', normalize-space(@rel), ' '), ' next ')"
    " or contains(concat(' ', normalize-space(@rel), ' '), ' prev ')"
    " or contains(concat(' ', normalize-space(@rel), ' '), ' previous ')]"
    " | //a[@href][contains(concat(' ', normalize-space(@rel), ' '), ' next ')"
    " or contains(concat(' ', normalize-space(@rel), ' '), ' prev ')]"
)


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
    """
    own = page_marks(url)
    if not own:
        return ArticleParts()
    wanted_next = {(key, n + 1) for key, n in own if n < MAX_PAGE_NUMBER}
    wanted_previous = {(key, n - 1) for key, n in own if n >= 2}
    wanted_first = {(key, 1) for key, n in own if n >= 2}
    base = getattr(selector.root, "base_url", None) or url  # an XHTML root has none
    stems = _stems(urljoin(base, url))
    own_url = canonicalize_url(url)
    found_next = found_previous = found_first = None
    for href in _candidates(selector, scope_xpath):
        target = _absolute(base, href)
        if target is None or not urlsplit(target).path.startswith(stems):
            continue
        try:
            if canonicalize_url(target) == own_url:
                continue
            marks = page_marks(target)
        except ValueError:  # a malformed port or host: no page of this story
            continue
        if found_next is None and marks & wanted_next:
            found_next = target
        if found_previous is None and marks & wanted_previous:
            found_previous = target
        if found_first is None and marks & wanted_first:
            found_first = target
    first = (found_first or found_previous) if found_previous else None
    return ArticleParts(next=found_next, first=first)


def _candidates(selector: Selector, scope_xpath: str | None) -> list[str]:
    """``href`` of the rel=next/prev links, then of the links in the article's scope."""
    root = selector.root
    if scope_xpath is not None:
        anchors = root.xpath(scope_xpath)
    else:
        anchors = []
        for containers in _CONTAINERS:
            found = root.xpath(containers)
            if found:
                anchors = [a for c in found for a in c.iterdescendants("a") if a.get("href")]
                break
        else:
            anchors = root.xpath(_OUTSIDE_BOILERPLATE)
    rel = root.xpath(_REL_LINKS)
    return [element.get("href") or "" for element in [*rel, *anchors]]


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
