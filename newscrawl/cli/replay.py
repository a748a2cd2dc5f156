"""``newscrawl replay FILES...``: archived pages through extraction and pipelines again.

Runs the ``warc`` spider (:mod:`newscrawl.spiders.warc`) on WARC files or folders of them
(a crawl's ``WARC_DIR``): the same site profiles, generic layer, pipelines and store as
the crawl that made the archive, ``fetched_at`` the archive's date, nothing fetched.
Replaying twice stores nothing new. Also home to :func:`run_warc_crawl`, which
``newscrawl ccnews`` runs the same way.

Exit statuses as ``scrapy crawl`` (:mod:`newscrawl.commands.crawl`): 0, 2 when the run
failed (a store error), 75 when another crawl holds the store, 1 for bad arguments.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from newscrawl.cli.errors import CommandError, UsageError
from newscrawl.cli.export import STORE_HELP
from newscrawl.cli.progress import add_quiet_option, shown


def add_parser(commands: Any) -> None:
    replay = commands.add_parser(
        "replay",
        help="re-extract archived pages (WARC files or folders) into the store and a feed",
        description="Run archived responses (WARC files, or folders of them such as a crawl's"
        " WARC_DIR) through the same extraction, pipelines and store as a crawl, fetching"
        " nothing; fetched_at is the archive's date. Replaying twice stores nothing new."
        " Exit statuses as scrapy crawl: 0, 1 bad arguments, 2 the run failed (a store"
        " error), 75 another crawl holds the store.",
    )
    replay.add_argument("files", nargs="+", metavar="FILE", help="WARC files or folders")
    add_crawl_options(replay)
    replay.set_defaults(handler=cmd_replay)


def add_crawl_options(parser: argparse.ArgumentParser) -> None:
    """Options every WARC-reading command shares."""
    parser.add_argument("-o", "--output", help="also write the new records as JSON lines")
    parser.add_argument("--store", metavar="STORE_URL", help="the store to write " + STORE_HELP)
    parser.add_argument(
        "-s",
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a crawl setting, as scrapy crawl -s (repeatable)",
    )
    add_quiet_option(parser)


def crawl_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The settings the command line overrides (``-s``, ``--store``, ``-o``, and the
    progress bar's ``--quiet``)."""
    overrides: dict[str, Any] = {"NEWSCRAWL_PROGRESS": shown(args.quiet)}
    for pair in args.set:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise UsageError(f"-s takes NAME=VALUE, not {pair!r}")
        overrides[name] = value
    if args.store:
        overrides["STORE_URL"] = args.store
    if args.output:
        overrides["FEEDS"] = {str(Path(args.output)): {"format": "jsonlines", "overwrite": True}}
    return overrides


def cmd_replay(args: argparse.Namespace, out: TextIO) -> int:
    from newscrawl.archive.inputs import InputError, expand

    try:
        files = [item.source for item in expand(args.files)]
    except InputError as exc:
        raise CommandError(str(exc)) from None
    if not files:
        raise CommandError("no WARC file in " + ", ".join(args.files))
    return run_warc_crawl({"files": files}, crawl_settings(args))


def project_settings(overrides: dict[str, Any]) -> Any:
    """The project's settings (scrapy.cfg, else ``newscrawl.settings``) with ``overrides``."""
    from scrapy.utils.conf import init_env
    from scrapy.utils.project import ENVVAR, get_project_settings

    if ENVVAR not in os.environ:
        init_env(os.environ.get("SCRAPY_PROJECT", "default"))
        os.environ.setdefault(ENVVAR, "newscrawl.settings")
    settings = get_project_settings()
    settings.setdict(overrides, priority="cmdline")
    return settings


def run_warc_crawl(
    spider_args: dict[str, Any], overrides: dict[str, Any], source: Any = None
) -> int:
    """Run the ``warc`` spider in this process; its exit status (see the module docstring).

    ``source`` builds the spider's file source from the settings once the reactor runs
    (a fleet's queue).
    """
    from scrapy.crawler import CrawlerProcess

    from newscrawl.commands.crawl import EXIT_CRAWL_FAILED, EXIT_STORE_BUSY
    from newscrawl.extensions.report import build_outcome
    from newscrawl.spiders.warc import WarcSpider

    settings = project_settings(overrides)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(WarcSpider)
    kwargs = dict(spider_args)
    if source is not None:
        kwargs["source"] = source  # built by the spider once the reactor runs
    try:
        process.crawl(crawler, **kwargs)
    except ValueError as exc:  # a bad spider argument (a date...)
        print(f"newscrawl: {exc}", file=sys.stderr)
        return 1
    process.start()
    try:
        stats = crawler.stats.get_stats()
    except AttributeError:  # the crawler failed before it had stats
        stats = {}
    if stats.get("newscrawl/store_busy"):
        return EXIT_STORE_BUSY
    if process.bootstrap_failed:
        return 1
    if stats and not build_outcome(stats)["ok"]:
        return EXIT_CRAWL_FAILED
    return 0
