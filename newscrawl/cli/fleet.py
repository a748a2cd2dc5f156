"""``newscrawl enqueue`` and ``newscrawl fleet``: start URLs for a fleet, and its state.

The fleet itself (workers sharing a frontier in Redis) is :mod:`newscrawl.fleet`. Redis is
found as the workers find it (:mod:`newscrawl.cli.config`): ``--redis``, else ``REDIS_URL``
from the environment, else the project's setting.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from newscrawl.cli.config import project_settings, resolve
from newscrawl.cli.errors import CommandError, UsageError

REDIS_HELP = (
    "the fleet's Redis, redis://HOST:PORT/DB (default: $REDIS_URL from the environment, else"
    " the project's REDIS_URL setting, unset by default)"
)
SPIDER_HELP = "the spider the workers run (one of: scrapy list)"


def add_parsers(commands: Any) -> None:
    enqueue = commands.add_parser(
        "enqueue",
        help="push start URLs for a fleet of workers",
        description="Push listing pages (section or home pages) to SPIDER:start_urls in the"
        " fleet's Redis; an idle worker of that spider picks them up.",
    )
    enqueue.add_argument("spider", help=SPIDER_HELP + ", or ccnews for WARC files")
    enqueue.add_argument(
        "urls", nargs="+", metavar="URL", help="listing pages to start from (ccnews: file paths)"
    )
    enqueue.add_argument("--redis", metavar="REDIS_URL", help=REDIS_HELP)
    enqueue.set_defaults(handler=cmd_enqueue)
    status = commands.add_parser(
        "fleet",
        help="show a fleet's queue, workers and leases (JSON)",
        description="Print, as JSON, the fleet's state for one spider: queued requests, start"
        " URLs waiting, URLs seen, and each worker with whether it is alive and its leases.",
    )
    status.add_argument("spider", help=SPIDER_HELP)
    status.add_argument("--redis", metavar="REDIS_URL", help=REDIS_HELP)
    status.set_defaults(handler=cmd_fleet)


def fleet_redis(args: argparse.Namespace, *, spider: bool = True) -> Any:
    """The Redis client of the fleet the arguments name (``--redis``, else the environment,
    else the settings); with ``spider``, the spider named must exist."""
    from scrapy.spiderloader import SpiderLoader

    from newscrawl.fleet.queue import redis_for

    settings = project_settings()
    url = resolve("REDIS_URL", args.redis, settings)
    if not url:
        raise UsageError("give --redis URL or set REDIS_URL")
    if spider and args.spider not in SpiderLoader.from_settings(settings).list():
        raise UsageError(f"no spider {args.spider!r} (scrapy list)")
    try:
        return redis_for(url)
    except ValueError as exc:  # redis-py's answer to a URL it cannot read
        raise UsageError(f"bad REDIS_URL {url!r}: {exc}") from exc


def cmd_enqueue(args: argparse.Namespace, out: TextIO) -> int:
    import redis

    if args.spider == "ccnews":  # WARC file paths for ccnews workers, not start URLs
        from newscrawl.cli.ccnews import cmd_enqueue_files

        return cmd_enqueue_files(args, out)

    from newscrawl.fleet.queue import enqueue, start_url_problem

    for url in args.urls:  # the rules every link obeys: checked before anything is sent
        if problem := start_url_problem(url):
            raise UsageError(f"{problem}: {url[:200]}")
    try:
        count = enqueue(fleet_redis(args), args.spider, args.urls)
    except redis.RedisError as exc:
        raise CommandError(str(exc)) from exc
    print(f"enqueued {len(args.urls)} start URLs for {args.spider} ({count} waiting)",
          file=sys.stderr)  # fmt: skip
    return 0


def cmd_fleet(args: argparse.Namespace, out: TextIO) -> int:
    import redis

    if args.spider == "ccnews":
        from newscrawl.cli.ccnews import cmd_files_status

        return cmd_files_status(args, out)

    from newscrawl.fleet.queue import fleet_status

    try:
        status = fleet_status(fleet_redis(args), args.spider)
    except redis.RedisError as exc:
        raise CommandError(str(exc)) from exc
    out.write(json.dumps(status, indent=2) + "\n")
    return 0
