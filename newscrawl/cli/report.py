"""``newscrawl report``: the crawl's history from the store, as one HTML page and/or JSON.

    newscrawl report --html report.html [--since 30d] [--site S] [--store URL]
    newscrawl report --json - --since 2026-11-01

The page is self-contained (inline SVG charts, no script, nothing fetched): articles per
site per day, field coverage per site over runs with the monitors' floors, failures by
kind, the duplicate and near-duplicate share, the latest run's table and the most widely
syndicated stories. ``--json`` writes the same data. ``--since`` (a date or an age:
``12h``, ``30d``; default 30d, ``all`` for everything) bounds runs by when they finished
and stories by when they were stored.

The data, charts and page are built by :mod:`newscrawl.reporting`. The store is opened
for reading (``create=False``): a missing store is an error, never a new empty one; it is
found as ``newscrawl export`` finds it (:mod:`newscrawl.cli.config`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from newscrawl.cli.config import project_settings, resolve
from newscrawl.cli.errors import CommandError, UsageError

DEFAULT_SINCE = "30d"
DESCRIPTION = """\
The crawl's history from the store, as one HTML page and/or JSON:

    newscrawl report --html report.html [--since 30d] [--site S] [--store URL]
    newscrawl report --json - --since 2026-11-01

The page is self-contained (inline SVG charts, no script, nothing fetched): articles per
site per day, field coverage per site over runs with the monitors' floors, failures by
kind, the duplicate and near-duplicate share, the latest run's table and the most widely
syndicated stories. --json writes the same data.

The store must exist: a crawl creates it, report only reads it."""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``report`` to the ``newscrawl`` sub-commands."""
    parser = subparsers.add_parser(
        "report",
        help="the crawl's history from the store: an HTML page (--html) or JSON (--json)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--html", metavar="FILE", help="write the report page here")
    parser.add_argument(
        "--json", metavar="FILE", help='write the report data here ("-": standard output)'
    )
    parser.add_argument(
        "--since",
        metavar="WHEN",
        default=DEFAULT_SINCE,
        help="runs finished and stories stored since a date (2026-11-01) or an age (12h,"
        " 30d), or all (default: %(default)s)",
    )
    parser.add_argument(
        "--site", help="only this site, a host with or without www. (default: all sites)"
    )
    parser.add_argument(
        "--store",
        metavar="STORE_URL",
        help="the store to read (default: $STORE_URL from the environment, else the project's"
        " STORE_URL setting, sqlite:///newscrawl.db in the working folder)",
    )
    parser.add_argument(
        "--top",
        type=int,
        default=10,
        help="how many of the most syndicated stories to list (default: %(default)s)",
    )
    parser.set_defaults(handler=cmd_report)
    return parser


def _write_atomically(path: Path, text: str) -> None:
    """Write beside ``path`` and rename: a reader never sees half a report. The temporary
    file has a random name and is created exclusively (see ``create_beside``)."""
    from newscrawl.storage.export import create_beside

    path = path.resolve()
    temporary, sink = create_beside(path)
    try:
        with sink:
            sink.write(text.encode("utf-8"))
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def cmd_report(args: argparse.Namespace, out: TextIO) -> int:
    """Build the report the arguments ask for; 0, or a one-line CommandError/UsageError."""
    from newscrawl.reporting.data import report_data
    from newscrawl.storage import StoreError, open_store
    from newscrawl.storage.export import stored_since
    from newscrawl.urls import site_of

    if not args.html and not args.json:
        raise UsageError("give --html FILE and/or --json FILE")
    if args.top < 0:
        raise UsageError("--top must be 0 or more")
    settings = project_settings()
    store_url = resolve("STORE_URL", args.store, settings) or "sqlite:///newscrawl.db"
    site = site_of(f"https://{args.site}/") if args.site else None
    try:
        since = None if str(args.since).lower() == "all" else stored_since(args.since)
        store = open_store(store_url, create=False)
        try:
            data = report_data(
                store,
                since=since,
                site=site,
                default_floors=settings.getdict("NEWSCRAWL_COVERAGE_FLOORS"),
                top=args.top,
            )
        finally:
            store.close()
        if args.json == "-":
            out.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
        elif args.json:
            _write_atomically(Path(args.json), json.dumps(data, ensure_ascii=False, indent=1))
        if args.html:
            from newscrawl.reporting.html import render

            _write_atomically(Path(args.html), render(data))
    except BrokenPipeError:
        raise  # newscrawl.cli.main says so in one line
    except (StoreError, ValueError, OSError) as exc:
        raise CommandError(str(exc)) from None
    print(
        f"newscrawl report: {len(data['runs'])} runs, "
        f"{sum(sum(c) for c in data['articles_per_day']['sites'].values())} stories"
        + (f", page {args.html}" if args.html else ""),
        file=sys.stderr,
    )
    return 0
