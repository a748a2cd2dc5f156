"""The Space Media Network's 2026 platform, and what the profile knows of any network page.

During 2026 some network sites moved to new software (``shared/smn/README.md``): bare
domains, slug URLs (``https://spacedaily.com/some-title-words-999/``, ``/n-some-title/``),
WordPress-style feeds at ``/feed/`` and ``/category/<name>/feed``. Its markup is not known
from real pages, so no selector of it is written down here; what is certain is the URL
shape, and that is all :class:`Platform2026Page` checks. Its fields are the generic layer's
(:mod:`newscrawl.extract.generic`) with the facts the profile knows of every network site
applied (:class:`NetworkGenericPage`):

- **site name**: a network site calls itself by its host (``MarsDaily.com``), which the
  generic layer already counts among a page's names when it cuts a site suffix from a
  title; the record's ``site`` is the host without ``www.``, as on the classic template;
- **section** from the category path: the post's own link to ``/category/<name>/`` (in
  the ``<article>``, or marked ``rel="category"``), its text, else the name in the path;
- **dateline** read from the lead as wire stories print it (``Tokyo (AFP) Oct 22, 2022 -
  ...``), and *lifted out of the body*: the classic template prints the dateline apart from
  the text and the classic page class never puts it in the body, so a wire story carried by
  a classic site and by a 2026 site gives the same body on both, hence the same fingerprint:
  one story, an exact duplicate across platforms rather than a near-duplicate. The
  dateline is not lost, it is the record's ``dateline`` (its raw text without the
  separator, as ``span.BHS`` prints it). The generic layer keeps a lead's dateline in the
  body, as it should for any other publisher: there it is part of the text as published;
- **related links** from "Related"/"More ..." boxes: the generic layer's rule;
- **images**: one entry per picture. The generic layer lists the lead image
  (``og:image``) and the article's ``<figure>`` pictures; when they are the same picture
  the captioned entry is kept.

The same facts apply to a network page that matches no layout (:class:`NetworkGenericPage`
is the profile's fallback), which is still counted as a profile mismatch.
"""

from __future__ import annotations

import re
from functools import cached_property
from urllib.parse import urlsplit

from newscrawl.extract.datelines import split_lead
from newscrawl.extract.generic import GenericArticlePage
from newscrawl.extract.markup import clean, visible_text
from newscrawl.extract.page import ProfileMismatch, field
from newscrawl.items import Image
from newscrawl.urls import safe_urljoin, site_of

# Articles of the 2026 platform: one path segment of at least four words, ending in a
# slash (WordPress permalinks); archives, feeds, pages of the theme are not articles.
SLUG_ARTICLE = re.compile(
    r"^https?://[^/?#]+/(?!(?:category|tag|author|page|feed|wp-[a-z-]*|about-us)(?:/|$))"
    r"[a-z0-9]+(?:-[a-z0-9]+){3,}/$",
    re.I,
)
_CATEGORY_PATH = re.compile(r"^/category/(?:[^/]+/)*([^/]+)/?$")
_CATEGORY_LINKS = (
    "//article//a[@href]"
    " | //a[@href][contains(concat(' ', normalize-space(@rel), ' '), ' category ')]"
)
_SEPARATOR_TAIL = re.compile(r"\s*[-\u2013\u2014:]+$")


class NetworkGenericPage(GenericArticlePage):
    """The generic layer with the facts the profile knows of every network site."""

    layout = "smn-generic"

    @cached_property
    def lifted_dateline(self) -> tuple[str | None, list[str]]:
        """(the lead's dateline without its separator, the body without it); (None, body)
        when the lead opens with no dateline, or the dateline stands on its own line."""
        paragraphs = self.body_paragraphs
        if not paragraphs or (self.table_text and self.table_text.dateline):
            return None, paragraphs
        found, rest = split_lead(paragraphs[0], context=self.published_date)
        if found is None:
            return None, paragraphs
        raw = _SEPARATOR_TAIL.sub("", found.raw)
        return raw, ([rest] if rest else []) + paragraphs[1:]

    @field("body")
    def body(self) -> list[str]:
        return self.lifted_dateline[1]

    @field("dateline")
    def dateline(self) -> str | None:
        lifted, _ = self.lifted_dateline
        return lifted or super().dateline()

    @field("section")
    def section(self) -> str | None:
        """The name of the category the post links as its own (``/category/<name>/``)."""
        for anchor in self.evidence.root.xpath(_CATEGORY_LINKS):
            url = safe_urljoin(self.url, anchor.get("href"))
            if not url or site_of(url) != site_of(self.url):
                continue
            path = _CATEGORY_PATH.match(urlsplit(url).path)
            if path:
                name = clean(visible_text(anchor))
                return name or path.group(1).replace("-", " ").title()
        return None

    @field("images")
    def images(self) -> list[Image]:
        """The generic images, one entry per picture URL (the captioned one kept)."""
        found: dict[str, Image] = {}
        for image in super().images():
            url = safe_urljoin(self.url, image.get("url"))
            if not url:
                continue
            known = found.get(url)
            if known is None or (not known.get("caption") and image.get("caption")):
                found[url] = Image(url=url, caption=image.get("caption"))
        return list(found.values())


class Platform2026Page(NetworkGenericPage):
    """A story of the 2026 platform, recognised by its URL shape alone (the one certainty)."""

    layout = "smn-2026"
    valid_until = None  # the current platform

    def check(self) -> None:
        if not SLUG_ARTICLE.match(self.url):
            raise ProfileMismatch("not a 2026 article URL (/<slug-of-four-words-or-more>/)")
