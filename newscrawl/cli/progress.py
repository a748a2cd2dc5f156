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
- ``replay`` and ``ccnews`` are crawls: their bar is drawn by a Scrapy extension,
  :class:`newscrawl.extensions.progress.CrawlProgress`, which the commands turn on with
  the ``NEWSCRAWL_PROGRESS`` setting.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from tqdm import tqdm

T = TypeVar("T")

QUIET_HELP = (
    "no progress bar on standard error (none is drawn either when standard error is not a terminal)"
)


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
