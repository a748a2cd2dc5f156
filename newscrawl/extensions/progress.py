"""The progress bar of a crawl run by ``newscrawl replay`` or ``ccnews``, on standard error.

Their work is a crawl, so the bar is a Scrapy extension: bytes of WARC files read, as the
``warc`` spider counts them (``progress_done``, ``progress_total``). The commands enable it
(``NEWSCRAWL_PROGRESS``) only when a bar is drawn (:func:`newscrawl.cli.progress.shown`);
while it runs, the crawl's log lines are printed above the bar instead of through it.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any

from tqdm import tqdm

REFRESH = 0.5  # seconds between a crawl's bar updates


class CrawlProgress:
    """Scrapy extension: the ``warc`` spider's bytes read as a bar (see the module docstring).

    Enabled by ``NEWSCRAWL_PROGRESS`` (which the commands set only when
    :func:`newscrawl.cli.progress.shown`);
    ``NEWSCRAWL_PROGRESS_POSITION`` is the bar's line when several processes draw one.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.position = crawler.settings.getint("NEWSCRAWL_PROGRESS_POSITION", 0)
        self.bar: tqdm | None = None
        self.loop: Any = None
        self.redirect: contextlib.ExitStack | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> CrawlProgress:
        from scrapy import signals
        from scrapy.exceptions import NotConfigured

        if not crawler.settings.getbool("NEWSCRAWL_PROGRESS"):
            raise NotConfigured  # no message: Scrapy would log it as a WARNING every run
        extension = cls(crawler)
        crawler.signals.connect(extension.opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.closed, signal=signals.spider_closed)
        return extension

    def opened(self, spider: Any) -> None:
        from tqdm.contrib.logging import logging_redirect_tqdm
        from twisted.internet import task

        self.bar = tqdm(  # the command asked for it: standard error is a terminal
            total=None,
            unit="B",
            desc=spider.name,
            file=sys.stderr,
            dynamic_ncols=True,
            unit_scale=True,
            unit_divisor=1024,
            position=self.position,
        )
        self.redirect = contextlib.ExitStack()
        self.redirect.enter_context(logging_redirect_tqdm())
        self.loop = task.LoopingCall(self.update)
        self.loop.start(REFRESH)

    def update(self) -> None:
        spider = self.crawler.spider
        if self.bar is None or spider is None:
            return
        total = getattr(spider, "progress_total", None)
        if total and self.bar.total != total:
            self.bar.total = total
        self.bar.n = getattr(spider, "progress_done", 0)
        self.bar.refresh()

    def closed(self, spider: Any) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.update()
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        if self.redirect is not None:
            self.redirect.close()
            self.redirect = None
