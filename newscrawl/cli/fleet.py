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
    enqueue.add_argument("spider", help="the spider the workers run (scrapy list)")
    enqueue.add_argument("urls", nargs="+", metavar="URL", help="listing pages to start from")
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

    from newscrawl.fleet.queue import enqueue, start_url_problem

    for url in args.urls:  # the rules every link obeys: checked before anything is sent
        if problem := start_url_problem(url):
            raise SystemExit(f"newscrawl enqueue: {problem}: {url[:200]}")
    try:
        count = enqueue(_fleet_redis(args), args.spider, args.urls)
    except redis.RedisError as exc:
        raise SystemExit(f"newscrawl enqueue: {exc}") from exc
    print(f"enqueued {len(args.urls)} start URLs for {args.spider} ({count} waiting)",
          file=sys.stderr)  # fmt: skip
    return 0


def cmd_fleet(args: argparse.Namespace, out: TextIO) -> int:
    import redis

    from newscrawl.fleet.queue import fleet_status

    try:
        status = fleet_status(_fleet_redis(args), args.spider)
    except redis.RedisError as exc:
        raise SystemExit(f"newscrawl fleet: {exc}") from exc
    out.write(json.dumps(status, indent=2) + "\n")
    return 0
