"""``newscrawl export``: stored records as JSON lines, and new-only exports behind a cursor.

The protocol that makes ``--new --cursor`` exactly-once is :mod:`newscrawl.storage.export`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO


def add_parser(commands: Any) -> None:
    export = commands.add_parser(
        "export",
        help="write stored records as JSON lines (with aliases); --new: only unseen ones",
        description=export_doc(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    export.add_argument("-o", "--output", help="file to write (default: stdout)")
    export.add_argument("--store", default=None, help="STORE_URL (default: the project's)")
    export.add_argument("--since", help="only records stored since DATE or AGE (2d)")
    export.add_argument("--site", help="only records of this site (host, www. or not)")
    export.add_argument("--gzip", action="store_true", help="gzip the output (JSON lines)")
    export.add_argument(
        "--format",
        choices=("jsonl", "parquet"),
        default="jsonl",
        help="JSON lines (default) or Parquet (with -o)",
    )
    export.add_argument("--new", action="store_true", help="only records new to --cursor")
    export.add_argument("--cursor", help="the consumer's cursor name (with --new)")
    export.set_defaults(handler=cmd_export)


def export_doc() -> str:
    from newscrawl.storage import export

    return export.__doc__ or ""


def cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    from newscrawl.storage import StoreError, open_store
    from newscrawl.storage.export import export

    if args.new != bool(args.cursor):
        raise SystemExit("newscrawl export: --new and --cursor NAME go together")
    writer = None
    if args.format == "parquet":
        if not args.output or args.gzip:
            raise SystemExit("newscrawl export: --format parquet needs -o FILE and no --gzip")
        from newscrawl.storage.parquet import write_parquet

        writer = write_parquet
    store_url = args.store or project_store_url()
    try:
        store = open_store(store_url)
        count = export(
            store,
            output=Path(args.output) if args.output else None,
            compress=args.gzip,
            since=args.since,
            site=args.site,
            cursor=args.cursor,
            writer=writer,
        )
    except (StoreError, ValueError, OSError) as exc:
        raise SystemExit(f"newscrawl export: {exc}") from exc
    print(f"exported {count} records", file=sys.stderr)
    return 0


def project_store_url() -> str:
    """The STORE_URL the crawler would use here: project settings, SCRAPY_ env overrides."""
    from scrapy.utils.project import get_project_settings

    return get_project_settings().get("STORE_URL") or "sqlite:///newscrawl.db"
