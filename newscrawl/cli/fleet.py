"""``newscrawl enqueue`` and ``newscrawl fleet``: start URLs for a fleet, and its state.

The fleet itself (workers sharing a frontier in Redis) is :mod:`newscrawl.fleet`.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO


def add_parsers(commands: Any) -> None:
    enqueue = commands.add_parser(
        "enqueue", help="push start URLs for a fleet of workers (REDIS_URL, newscrawl.fleet)"
    )
    enqueue.add_argument(
        "spider", help="the spider the workers run (scrapy list), or ccnews for WARC files"
    )
    enqueue.add_argument(
        "urls", nargs="+", metavar="URL", help="listing pages to start from (ccnews: file paths)"
    )
    enqueue.add_argument("--redis", help="REDIS_URL (default: the project's)")
    enqueue.set_defaults(handler=cmd_enqueue)
    status = commands.add_parser("fleet", help="show a fleet's queue, workers and leases")
    status.add_argument("spider")
    status.add_argument("--redis", help="REDIS_URL (default: the project's)")
    status.set_defaults(handler=cmd_fleet)


def _fleet_redis(args: argparse.Namespace) -> Any:
    from scrapy.utils.project import get_project_settings

    from newscrawl.fleet.queue import redis_for

    settings = get_project_settings()
    url = args.redis or settings.get("REDIS_URL")
    if not url:
        raise SystemExit(f"newscrawl {args.command}: give --redis URL or set REDIS_URL")
    from scrapy.spiderloader import SpiderLoader

    if args.spider not in SpiderLoader.from_settings(settings).list():
        raise SystemExit(f"newscrawl {args.command}: no spider {args.spider!r} (scrapy list)")
    return redis_for(url)


def cmd_enqueue(args: argparse.Namespace, out: TextIO) -> int:
    import redis

    if args.spider == "ccnews":  # WARC file paths for ccnews workers, not start URLs
        from newscrawl.cli.ccnews import cmd_enqueue_files

        return cmd_enqueue_files(args, out)

    from newscrawl.fleet.queue import enqueue

    bad = [url for url in args.urls if not url.startswith(("http://", "https://"))]
    if bad:
        raise SystemExit(f"newscrawl enqueue: not an http(s) URL: {bad[0]}")
    try:
        count = enqueue(_fleet_redis(args), args.spider, args.urls)
    except redis.RedisError as exc:
        raise SystemExit(f"newscrawl enqueue: {exc}") from exc
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
        status = fleet_status(_fleet_redis(args), args.spider)
    except redis.RedisError as exc:
        raise SystemExit(f"newscrawl fleet: {exc}") from exc
    out.write(json.dumps(status, indent=2) + "\n")
    return 0
