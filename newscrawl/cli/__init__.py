"""The ``newscrawl`` command: tools around the crawler that need no crawl.

One module per sub-command: :mod:`.extract` (extraction on saved pages), :mod:`.dedup`
(near-duplicates of a feed), :mod:`.export` (records out of the store), :mod:`.fleet`
(``enqueue`` and ``fleet``, for a fleet of workers), :mod:`.report` (the crawl's history
as a page of charts), :mod:`.replay` (archived pages re-extracted) and :mod:`.ccnews`
(Common Crawl's news archive); :mod:`.config` says where ``STORE_URL`` and ``REDIS_URL``
come from.

A plain mistake (a missing file, a store that is not there, an unreachable Redis, a reader
that closed the pipe) is one line on standard error, ``newscrawl COMMAND: what went wrong``,
and an exit status a script can test, never a traceback: the sub-commands raise
:class:`CommandError` and :func:`main` prints it.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from newscrawl.cli import ccnews, dedup, export, extract, fleet, replay, report
from newscrawl.cli.errors import (
    EXIT_BROKEN_PIPE,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    UsageError,
)

EXIT_STATUSES = f"""\
exit status:
  {EXIT_OK}    done
  {EXIT_FAILED}    something failed: a missing or unreadable file or store, a feed line that
       is not a record, an input extract could not read (its output line says why),
       an unreachable Redis; one line on standard error says what
  {EXIT_USAGE}    the command line is wrong (an unknown option, --new without --cursor, ...)
  {EXIT_BROKEN_PIPE}  the reader of standard output went away (newscrawl export | head):
       output stopped there; an export cursor does not move
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newscrawl",
        description="Tools around the crawler that need no crawl.",
        epilog=EXIT_STATUSES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", help="one of:"
    )
    extract.add_parser(commands)
    dedup.add_parser(commands)
    export.add_parser(commands)
    fleet.add_parsers(commands)
    report.add_parser(commands)
    replay.add_parser(commands)
    ccnews.add_parser(commands)
    return parser


def _stdout_gone() -> None:
    """After a broken pipe: point stdout at /dev/null, so that the interpreter's own flush
    at exit does not fail a second time ("Exception ignored ... BrokenPipeError")."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status = args.handler(args, sys.stdout)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return status
    except UsageError as exc:
        print(f"newscrawl {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except CommandError as exc:
        print(f"newscrawl {args.command}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:
        _stdout_gone()
        print(f"newscrawl {args.command}: output closed before the end (broken pipe)",
              file=sys.stderr)  # fmt: skip
        return EXIT_BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(main())
