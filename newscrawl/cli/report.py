"""``newscrawl report``: the crawl's history from the store, as one HTML page and/or JSON.

    newscrawl report --html report.html [--since 30d] [--site S] [--store URL]
    newscrawl report --json - --since 2026-11-01

The page is self-contained (inline SVG charts, no script, nothing fetched): articles per
site per day, field coverage per site over runs with the monitors' floors, failures by
kind, the duplicate and near-duplicate share, the latest run's table and the most widely
syndicated stories. ``--json`` writes the same data. ``--since`` (a date or an age:
``12h``, ``30d``; default 30d, ``all`` for everything) bounds runs by when they finished
and stories by when they were stored.

The data, charts and page are built by :mod:`newscrawl.reporting`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, TextIO

DEFAULT_SINCE = "30d"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``report`` to the ``newscrawl`` sub-commands."""
    parser = subparsers.add_parser(
        "report",
        help="the crawl's history from the store: an HTML page (--html) or JSON (--json)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--html", metavar="FILE", help="write the report page here")
    parser.add_argument("--json", metavar="FILE", help='write the report data here ("-": stdout)')
    parser.add_argument(
        "--since", default=DEFAULT_SINCE, help="DATE or AGE (12h, 30d), or all (default: 30d)"
    )
    parser.add_argument("--site", help="only this site (host, www. or not)")
    parser.add_argument("--store", help="STORE_URL (default: the project's)")
    parser.add_argument("--top", type=int, default=10, help="syndicated stories listed (10)")
    parser.set_defaults(handler=cmd_report)
    return parser


def _project_settings() -> Any:
    from scrapy.utils.project import get_project_settings

    return get_project_settings()


def _write_atomically(path: Path, text: str) -> None:
    """Write beside ``path`` and rename: a reader never sees half a report."""
    path = path.resolve()
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def cmd_report(args: argparse.Namespace, out: TextIO) -> int:
    """Build the report the arguments ask for; 0, or SystemExit with a one-line reason."""
    from newscrawl.reporting.data import report_data
    from newscrawl.storage import StoreError, open_store
    from newscrawl.storage.export import stored_since
    from newscrawl.urls import site_of

    if not args.html and not args.json:
        raise SystemExit("newscrawl report: give --html FILE and/or --json FILE")
    if args.top < 0:
        raise SystemExit("newscrawl report: --top must be 0 or more")
    settings = _project_settings()
    store_url = args.store or settings.get("STORE_URL") or "sqlite:///newscrawl.db"
    site = site_of(f"https://{args.site}/") if args.site else None
    try:
        since = None if str(args.since).lower() == "all" else stored_since(args.since)
        store = open_store(store_url)
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
    except (StoreError, ValueError, OSError) as exc:
        raise SystemExit(f"newscrawl report: {exc}") from None
    print(
        f"newscrawl report: {len(data['runs'])} runs, "
        f"{sum(sum(c) for c in data['articles_per_day']['sites'].values())} stories"
        + (f", page {args.html}" if args.html else ""),
        file=sys.stderr,
    )
    return 0
