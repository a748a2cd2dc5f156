"""The spider arguments each spider of the project takes, for ``scrapy crawl -h``.

Written from the spiders themselves (their section keys come from their site profiles), so
the help cannot drift from what a spider accepts.
"""

from __future__ import annotations

import textwrap

from scrapy.spiderloader import get_spider_loader
from scrapy.utils.project import get_project_settings

from newscrawl.spiders.base import ProfileSpider
from newscrawl.spiders.discovery import SOURCES
from newscrawl.spiders.news import DEFAULT_MAX_PAGES, NewsSpider

_PROFILE = (
    ("sections=KEY[,KEY...]", "only those sections' pages (no feeds or sitemaps unless"
     " discover= says so, no related links); keys: {keys}"),
    ("max_pages=N", "listing pages per section, at least 1 (default: all)"),
    ("discover=" + ",".join(SOURCES), "which listings to read (default: all three)"),
    ("max_age=2d", "skip feed and sitemap entries older than that (30m, 12h, 2d, 1w)"),
)  # fmt: skip
_NEWS = (
    ("start_urls=URL[,URL...]", "required: http(s) start pages; only their hosts are crawled"),
    ("max_pages=N", f"pages of each listing, at least 1 (default {DEFAULT_MAX_PAGES})"),
)
# Every spider: read by the validate pipeline (newscrawl.pipelines.validate).
_ALL = (
    ("languages=CODE[,CODE...]", "keep only records in those languages (en-gb counts as en);"
     " the others, and records of unknown language, are rejected"),
)  # fmt: skip


def spider_arguments() -> str:
    """One paragraph per spider: its name and each ``-a`` argument it takes."""
    loader = get_spider_loader(get_project_settings())
    blocks = []
    for name in loader.list():
        spider = loader.load(name)
        if issubclass(spider, ProfileSpider):
            keys = ", ".join(spider.section_keys())
            arguments = [(arg, text.format(keys=keys)) for arg, text in _PROFILE]
        elif issubclass(spider, NewsSpider):
            arguments = list(_NEWS)
        else:
            continue
        lines = [f"{name}:"]
        for arg, text in [*arguments, *_ALL]:
            lines += textwrap.wrap(
                f"-a {arg}: {text}", width=78, initial_indent="  ",
                subsequent_indent="      ", break_on_hyphens=False,
            )  # fmt: skip
        blocks.append("\n".join(lines))
    return "Spider arguments:\n\n" + "\n\n".join(blocks)
