"""``newscrawl export``: stored records as JSON lines, and new-only exports behind a cursor.

The protocol that makes ``--new --cursor`` exactly-once is :mod:`newscrawl.storage.export`;
:data:`DESCRIPTION` says it in the help's plain words. The store is opened for reading
(``create=False``): a missing store is an error, never a new empty one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from newscrawl.cli.config import resolve
from newscrawl.cli.errors import CommandError, UsageError
from newscrawl.cli.progress import add_quiet_option, shown, track

DESCRIPTION = """\
Write stored records as JSON lines (or Parquet, --format parquet): the feed's fields, in
the feed's order, plus "aliases" (the other URLs the same story was found under).

--new --cursor NAME writes the records committed since that cursor's last export, in
commit order, then moves the cursor. With -o FILE this is exactly-once however the export
is interrupted (in either format): the records go to a temporary file beside FILE, the
store records the pending export, the file is renamed over FILE, then the cursor moves;
the next export completes or drops an interrupted one. To standard output the cursor
moves only once everything was written: an interruption repeats the batch next time. Use
a cursor with the same --site and --since every time (records they leave out are passed
over for good).

The store must exist: a crawl creates it, export only reads it (and moves cursors)."""


STORE_HELP = (
    "(default: $STORE_URL from the environment, else the project's STORE_URL setting,"
    " sqlite:///newscrawl.db in the working folder)"
)


def add_parser(commands: Any) -> None:
    export = commands.add_parser(
        "export",
        help="write stored records as JSON lines (with aliases); --new: only unseen ones",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    export.add_argument(
        "-o", "--output", metavar="FILE", help="file to write (default: standard output)"
    )
    export.add_argument("--store", metavar="STORE_URL", help="the store to read " + STORE_HELP)
    export.add_argument(
        "--since",
        metavar="WHEN",
        help="only records stored since a date (2026-11-01) or an age (12h, 2d, 1w) (default: all)",
    )
    export.add_argument(
        "--site", help="only records of this site, a host with or without www. (default: all)"
    )
    export.add_argument("--gzip", action="store_true", help="gzip the output (JSON lines)")
    export.add_argument(
        "--format",
        choices=("jsonl", "parquet"),
        default="jsonl",
        help="jsonl, JSON lines, or parquet, which needs -o (default: %(default)s)",
    )
    export.add_argument(
        "--new", action="store_true", help="only records the cursor has not had (needs --cursor)"
    )
    export.add_argument(
        "--cursor", metavar="NAME", help="the consumer's cursor, created on first use (with --new)"
    )
    add_quiet_option(export)
    export.set_defaults(handler=cmd_export)


def cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    from newscrawl.storage import StoreError, open_store
    from newscrawl.storage.export import export

    if args.new != bool(args.cursor):
        raise UsageError("--new and --cursor NAME go together")
    writer = None
    if args.format == "parquet":
        if not args.output or args.gzip:
            raise UsageError("--format parquet needs -o FILE and no --gzip")
        from newscrawl.storage.parquet import write_parquet

        writer = write_parquet
    store_url = resolve("STORE_URL", args.store) or "sqlite:///newscrawl.db"
    try:
        store = open_store(store_url, create=False)
        count = export(
            store,
            output=Path(args.output) if args.output else None,
            compress=args.gzip,
            since=args.since,
            site=args.site,
            cursor=args.cursor,
            writer=writer,
            track=_tracker(args.quiet),
        )
    except BrokenPipeError:
        raise  # the reader went away: newscrawl.cli.main says so (and the cursor stays)
    except (StoreError, ValueError, OSError) as exc:
        raise CommandError(str(exc)) from exc
    print(f"exported {count} records", file=sys.stderr)
    return 0


def _tracker(quiet: bool) -> Any:
    """A progress bar over the records, or None (no count query) when none is drawn."""
    if not shown(quiet):
        return None

    def bar(records: Any, total: int) -> Any:
        return track(records, total=total, unit="record", desc="export", quiet=quiet)

    return bar
