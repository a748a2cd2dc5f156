"""Progress bars of the long sub-commands, on standard error, only for a person watching.

``extract --manifest``, ``dedup``, ``export``, ``replay`` and ``ccnews`` can run for
minutes; on a terminal they draw a tqdm bar (done, total, rate, time left) on standard
error. A bar is drawn only when standard error is a terminal and ``--quiet`` was not
given: a cron job, a pipe or a log file gets none of its carriage returns, and standard
output (records, feeds) never changes, bar or not.

- :func:`add_quiet_option` gives a command ``-q/--quiet``; :func:`shown` says whether a
  bar is drawn; :func:`track` wraps an iterable in a bar (a plain pass-through when none
  is drawn); :func:`count_lines` is the total of a JSON-lines input, counted only when a
  bar is drawn (it costs a pass over the file).
- :class:`CrawlProgress` is the Scrapy extension that draws the bar of ``replay`` and
  ``ccnews``, whose work is a crawl: bytes of WARC files read, as the ``warc`` spider
  counts them (``progress_done``, ``progress_total``). The commands turn it on with the
  ``NEWSCRAWL_PROGRESS`` setting; while it runs, the crawl's log lines are printed above
  the bar instead of through it.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from tqdm import tqdm

T = TypeVar("T")

QUIET_HELP = (
    "no progress bar on standard error (none is drawn either when standard error is not a terminal)"
)
REFRESH = 0.5  # seconds between a crawl's bar updates


def add_quiet_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-q", "--quiet", action="store_true", help=QUIET_HELP)


def shown(quiet: bool) -> bool:
    """Whether a bar is drawn: someone may be watching standard error, and asked for it."""
    try:
        return not quiet and sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced, or closed
        return False


def bar(*, total: int | None, unit: str, desc: str, quiet: bool, **options: Any) -> tqdm:
    """A tqdm bar on standard error; a disabled one (drawing nothing) when not :func:`shown`."""
    return tqdm(
        total=total,
        unit=unit,
        desc=desc,
        file=sys.stderr,
        disable=not shown(quiet),
        dynamic_ncols=True,
        **options,
    )


def track(
    items: Iterable[T], *, total: int | None, unit: str, desc: str, quiet: bool
) -> Iterator[T]:
    """``items``, one bar step each; the bar stays on screen, complete, at the end."""
    with bar(total=total, unit=unit, desc=desc, quiet=quiet) as progress:
        for item in items:
            yield item
            progress.update()


def count_lines(path: str | Path) -> int | None:
    """Non-blank lines of a file (its records); None when it cannot be read (the command
    then says why, when it reads it)."""
    try:
        with open(path, "rb") as lines:
            return sum(1 for line in lines if line.strip())
    except OSError:
        return None


class CrawlProgress:
    """Scrapy extension: the ``warc`` spider's bytes read as a bar (see the docstring).

    Enabled by ``NEWSCRAWL_PROGRESS`` (which the commands set only when :func:`shown`);
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
            raise NotConfigured("NEWSCRAWL_PROGRESS is off: no progress bar")
        extension = cls(crawler)
        crawler.signals.connect(extension.opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.closed, signal=signals.spider_closed)
        return extension

    def opened(self, spider: Any) -> None:
        from tqdm.contrib.logging import logging_redirect_tqdm
        from twisted.internet import task

        self.bar = bar(
            total=None,
            unit="B",
            desc=spider.name,
            quiet=False,
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
