"""Space Media Network (SpaceWar.com, SpaceDaily.com, TerraDaily.com and sister sites).

Every selector and URL of these sites lives in this package: the classic template's page
class (:mod:`.classic`), the 2026 platform's (:mod:`.platform2026`), and here the profile:
the network's hosts, each site's entry points on both platforms, which URLs are articles.

What is known (``shared/smn/README.md``) and what is guessed:

- **classic** (``https://www.<site>/``): section pages ``/<Section_Name>.html`` paginated
  by a "Next Page" link, site feeds ``/<site>.xml``, article URLs ``/reports/..._999.html``,
  ``/afp/<stamp>.<id>.html``, ``/<year>/...``, ``/news/....html``. Known from live pages.
- **2026** (``https://<site>/``): article slugs ``/<words>-999/`` or ``/n-<words>/``, the
  site feed ``/feed/`` and category feeds ``/category/news/feed``: known. Guessed, as
  WordPress does it: category archives ``/category/<name>/`` paginated ``/page/N/`` with
  ``a.next.page-numbers`` ("Next »") and ``<link rel="next">``, the home page paginated the
  same way, sitemap indexes named in robots.txt (WordPress core's ``wp-sitemap.xml``, an
  SEO plugin's ``sitemap_index.xml``), child sitemaps named after what they list. Which
  categories each site has is known only for ``news``; ``marsdaily.com``'s are the offline
  mirror's.

Every site is asked for both platforms' entry points on every run (:data:`SMN_SITES`): it
answers those of the platform it runs (a classic URL that moved answers 301 to its new
page, followed within the site), the others' 404s are counted as that platform being
absent, and the run report says which platform each site answered with, read from the
URL shapes of :data:`PLATFORMS`. A site that switches needs no edit here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from newscrawl.profiles.base import Platform, Section, SiteProfile
from newscrawl.profiles.smn.classic import BODY_END, BODY_START, ClassicArticlePage
from newscrawl.profiles.smn.platform2026 import (
    SLUG_ARTICLE,
    NetworkGenericPage,
    Platform2026Page,
)

CLASSIC = "classic"
PLATFORM_2026 = "2026"

SMN_HOSTS = (
    "www.spacewar.com",
    "www.spacedaily.com",
    "www.terradaily.com",
    "www.energy-daily.com",
    "www.marsdaily.com",
    "www.spacemart.com",
    "www.sinodaily.com",
    "www.gpsdaily.com",
    "www.solardaily.com",
    "www.nuclearpowerdaily.com",
    "www.winddaily.com",
)


@dataclass(frozen=True)
class NetworkSite:
    """One site's entry points on both platforms.

    ``classic_sections`` are (key, page) of ``https://www.<domain>/<page>``; ``categories``
    are (key, name) of ``https://<domain>/category/<name>/`` on the 2026 platform.
    """

    domain: str
    classic_feed: str
    classic_sections: tuple[tuple[str, str], ...] = ()
    categories: tuple[tuple[str, str], ...] = (("news", "news"),)

    def sections(self) -> list[Section]:
        """Listing pages: classic sections, then the home page and the category archives."""
        www, bare = f"www.{self.domain}", self.domain
        found = [Section(www, key, f"https://{www}/{page}", CLASSIC)
                 for key, page in self.classic_sections]  # fmt: skip
        # The 2026 home page (a classic site answers it too, with its own home page).
        found.append(Section(bare, "site", f"https://{bare}/", PLATFORM_2026))
        found += [Section(bare, key, f"https://{bare}/category/{name}/", PLATFORM_2026)
                  for key, name in self.categories]  # fmt: skip
        return found

    def feeds(self) -> list[Section]:
        """The classic site feed, then the 2026 site feed and category feeds."""
        www, bare = f"www.{self.domain}", self.domain
        found = [Section(www, "site", f"https://{www}/{self.classic_feed}", CLASSIC)]
        found.append(Section(bare, "site", f"https://{bare}/feed/", PLATFORM_2026))
        found += [Section(bare, key, f"https://{bare}/category/{name}/feed/", PLATFORM_2026)
                  for key, name in self.categories]  # fmt: skip
        return found


# The sites crawls start from. The classic sections are the live sites' (a section page
# announces its own section feed); MarsDaily.com's classic and 2026 entry points are the
# offline mirror's (fixtures/platform2026.json), where the site has moved.
SMN_SITES = (
    NetworkSite("spacewar.com", "spacewar.xml", (
        ("missile-defense", "Missile_Defense.html"), ("military-space", "Military_Space.html"),
    )),
    NetworkSite("spacedaily.com", "spacedaily.xml", (
        ("space-industry", "Space_Industry.html"), ("science", "Science.html"),
    )),
    NetworkSite("terradaily.com", "terradaily.xml", (
        ("climate", "Climate.html"), ("earth-observation", "Earth_Observation.html"),
    )),
    NetworkSite("marsdaily.com", "marsdaily.xml", (
        ("mars-news", "Mars_News.html"), ("mars-science", "Mars_Science.html"),
    ), categories=(("news", "news"), ("science", "science"))),
)  # fmt: skip

# Which platform a URL belongs to, by shape: classic URLs are www. pages and feeds
# (.html, .xml); 2026 URLs are on the bare domain, directory-style (/slug/, /category/x/,
# /feed/, /page/2/) or its sitemaps. A home page or robots.txt tells nothing.
PLATFORMS = (
    Platform(CLASSIC, re.compile(r"^https?://www\.[^/?#]+/[^?#]*\.(?:html?|xml)(?:[?#]|$)", re.I)),
    Platform(
        PLATFORM_2026,
        re.compile(r"^https?://(?!www\.)[^/?#]+/(?:[^?#]+/|[^/?#]*sitemap[^/?#]*\.xml)(?:[?#]|$)"),
    ),
)

SMN = SiteProfile(
    name="smn",
    hosts=SMN_HOSTS,
    versions=(ClassicArticlePage, Platform2026Page),
    sections=tuple(s for site in SMN_SITES for s in site.sections()),
    article_url_patterns=(
        re.compile(r"^https?://[^/]+/reports/[^/?#]+\.[a-z]+$", re.I),
        re.compile(r"^https?://[^/]+/(?:afp|\d{4})/\d{12}\.[a-z0-9]{8}\.html$", re.I),
        re.compile(r"^https?://[^/]+/news/[^/?#]+\.html$", re.I),
        SLUG_ARTICLE,
    ),
    # Classic: a "Next Page" link (rel=next where present). 2026: WordPress archives put
    # rel=next on a <link> in <head> and mark the anchor a.next.page-numbers. Article pages
    # of the 2026 platform also carry a[rel=next] (the newer post): the spiders apply this
    # to listing pages only.
    next_page_xpath=(
        '//a[@rel="next"]/@href | //a[normalize-space()="Next Page"]/@href'
        ' | //link[@rel="next"]/@href'
        ' | //a[contains(concat(" ", normalize-space(@class), " "), " next ")]'
        '[contains(concat(" ", normalize-space(@class), " "), " page-numbers ")]/@href'
    ),
    feeds=tuple(f for site in SMN_SITES for f in site.feeds()),
    # WordPress core and SEO-plugin child sitemaps of pages, categories, tags and users.
    sitemap_skip=re.compile(
        r"/(?:wp-sitemap-(?:taxonomies|users)-[^/]*|wp-sitemap-posts-page-\d+"
        r"|(?:page|category|post_tag|tag|author)-sitemap\d*)\.xml$"
    ),
    platforms=PLATFORMS,
    fallback=NetworkGenericPage,
)

__all__ = [
    "BODY_END",
    "BODY_START",
    "CLASSIC",
    "PLATFORMS",
    "PLATFORM_2026",
    "SMN",
    "SMN_HOSTS",
    "SMN_SITES",
    "ClassicArticlePage",
    "NetworkGenericPage",
    "NetworkSite",
    "Platform2026Page",
]
