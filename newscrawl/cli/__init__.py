"""The ``newscrawl`` command: tools around the crawler that need no crawl.

One module per sub-command: :mod:`.extract` (extraction on saved pages), :mod:`.dedup`
(near-duplicates of a feed), :mod:`.export` (records out of the store), :mod:`.fleet`
(``enqueue`` and ``fleet``, for a fleet of workers), :mod:`.report` (the crawl's history
as a page of charts).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from newscrawl.cli import dedup, export, extract, fleet, report


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newscrawl", description="Tools around the crawler that need no crawl."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    extract.add_parser(commands)
    dedup.add_parser(commands)
    export.add_parser(commands)
    fleet.add_parsers(commands)
    report.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args, sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
