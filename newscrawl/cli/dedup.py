"""``newscrawl dedup``: the crawl's near-duplicate detection over an existing JSON-lines feed.

For feeds of several crawls merged, or an old corpus: each story once, with ``also_at``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from newscrawl.cli.errors import CommandError, UsageError
from newscrawl.cli.progress import add_quiet_option, count_lines, shown, track
from newscrawl.feeddedup import apply_plan, plan_feed
from newscrawl.neardup import NearDupConfig


def add_parser(commands: Any) -> None:
    defaults = NearDupConfig()
    dedup = commands.add_parser(
        "dedup",
        help="write each story of a JSON-lines feed once, with also_at",
        description="Write each story of a JSON-lines feed once, in input order, with the"
        " places of its copies in also_at (the crawl's near-duplicate detection). Lines need"
        " url, headline and body; a line without them stops the command before anything is"
        " written.",
    )
    dedup.add_argument(
        "input", metavar="IN.jsonl", help='the feed to read ("-" for standard input)'
    )
    dedup.add_argument(
        "-o", "--output", metavar="OUT.jsonl", help="file to write (default: standard output)"
    )
    dedup.add_argument(
        "--pairs",
        action="store_true",
        help='print the duplicate pairs {"a", "b", "score"} instead of the feed (with -o,'
        " the feed is written to OUT as well)",
    )
    dedup.add_argument(
        "--threshold",
        type=float,
        default=defaults.threshold,
        help="score at which two stories are one, in (0, 1] (default: %(default)s, the"
        " crawl's default NEARDUP_THRESHOLD)",
    )
    dedup.add_argument(
        "--allowance",
        type=int,
        default=defaults.allowance,
        help="shared shingles set aside as template (default: %(default)s, the crawl's"
        " default NEARDUP_ALLOWANCE)",
    )
    add_quiet_option(dedup)
    dedup.set_defaults(handler=cmd_dedup)


def _feed_lines(path: str) -> list[str] | None:
    """Standard input is read once and kept; a file is read twice instead (see cmd_dedup)."""
    return sys.stdin.readlines() if path == "-" else None


def _feed_records(path: str, cached: list[str] | None) -> Iterator[dict[str, Any]]:
    """The feed's records; a line that is not a usable record stops with its line number."""
    try:
        lines = cached if cached is not None else Path(path).open(encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:
                raise CommandError(f"{path}:{number}: not a JSON line ({exc})") from exc
            if not isinstance(record, dict):
                raise CommandError(f"{path}:{number}: not a JSON object")
            for name in ("url", "headline", "body"):
                if not isinstance(record.get(name), str) or not record[name].strip():
                    raise CommandError(f"{path}:{number}: no {name!r} (url, headline, body needed)")
            yield record
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot read {path}: {exc}") from exc
    finally:
        if cached is None:
            lines.close()  # type: ignore[union-attr]


def _check_output(output: str, input_path: str) -> None:
    """Refuse an output that cannot be written before the first pass, which may be long."""
    target = Path(output)
    if input_path != "-" and target.resolve() == Path(input_path).resolve():
        raise UsageError("OUT must not be IN")
    if not target.parent.is_dir():
        raise CommandError(f"cannot write {output}: no folder {target.parent}")
    if target.is_dir():
        raise CommandError(f"cannot write {output}: it is a folder")


def cmd_dedup(args: argparse.Namespace, out: TextIO) -> int:
    """Two passes over the input: decide (every line checked first), then write.

    Memory holds the decision per line and one sketch per distinct story, not the records,
    so a feed larger than memory can be deduplicated (standard input is the exception).
    """
    if args.output:
        _check_output(args.output, args.input)
    try:
        config = NearDupConfig(threshold=args.threshold, allowance=args.allowance)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    cached = _feed_lines(args.input)
    total = None
    if shown(args.quiet):
        total = count_lines(args.input) if cached is None else sum(1 for x in cached if x.strip())
    bar = {"unit": "record", "quiet": args.quiet}
    records = track(_feed_records(args.input, cached), total=total, desc="dedup: reading", **bar)
    plan = plan_feed(records, config)
    if args.pairs:
        for pair in plan.pairs:
            out.write(json.dumps(pair, ensure_ascii=False) + "\n")
    if args.output or not args.pairs:
        try:
            target = Path(args.output).open("w", encoding="utf-8") if args.output else out
        except OSError as exc:
            raise CommandError(f"cannot write {args.output}: {exc.strerror or exc}") from exc
        try:
            records = track(
                _feed_records(args.input, cached),
                total=len(plan.canonical),
                desc="dedup: writing",
                **bar,
            )
            for record in apply_plan(records, plan):
                target.write(json.dumps(record, ensure_ascii=False) + "\n")
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise CommandError(f"cannot write {args.output}: {exc}") from exc
        finally:
            if target is not out:
                target.close()
    kept = plan.canonical.count(None)
    print(
        f"newscrawl dedup: {len(plan.canonical)} records, {kept} stories, "
        f"{len(plan.pairs)} near-duplicates, "
        f"{len(plan.canonical) - kept - len(plan.pairs)} repeated URLs",
        file=sys.stderr,
    )
    return 0
