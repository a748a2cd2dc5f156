"""``newscrawl ccnews FILES_OR_URLS...``: Common Crawl's news archive (CC-NEWS) into the store.

Each response record of the WARC files goes through the ``warc`` spider
(:mod:`newscrawl.spiders.warc`): a site profile where one claims the page, generic
extraction elsewhere, then deduplication and the store, as in a crawl.

- ``--since/--until DATE``: only articles published in that window (days, inclusive),
  judged on the extracted publication date; an undated article is left out.
- ``--site HOST`` (repeatable) or ``--sites-file FILE`` (one host a line, ``#`` comments):
  only pages of those sites, skipped before their bodies are read.
- ``--processes N``: N crawl processes on one store, the files shared out by size.
- Files read to the end are recorded in the store: a killed run, started again with the
  same files, skips those and resumes the one it was reading (records already stored are
  not extracted again).
- With ``REDIS_URL`` (``--redis`` or the project's setting) the command is a fleet worker:
  it takes file paths from the shared queue (``newscrawl enqueue ccnews PATH...``; paths
  given here are queued first) until the queue has been empty for ``FLEET_IDLE_TIMEOUT``
  seconds; see :mod:`newscrawl.fleet.files`.
- URLs (``https://data.commoncrawl.org/crawl-data/CC-NEWS/...``) are downloaded to a
  temporary file, then read; not in fleet mode, whose queue takes paths.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from newscrawl.cli.errors import CommandError, UsageError
from newscrawl.cli.fleet import REDIS_HELP, fleet_redis
from newscrawl.cli.replay import add_crawl_options, crawl_settings, project_settings, run_warc_crawl


def add_parser(commands: Any) -> None:
    ccnews = commands.add_parser(
        "ccnews",
        help="extract CC-NEWS WARC files (paths or URLs) into the store and a feed",
        description="Extract the news pages of Common Crawl's news archive (CC-NEWS WARC"
        " files) into the store, as a crawl would: a site profile where one claims the page,"
        " generic extraction elsewhere, then deduplication. Files read to the end are recorded"
        " in the store, so a killed run started again with the same files resumes where it"
        " stopped. With a Redis URL it is a fleet worker taking file paths from the shared"
        " queue (newscrawl enqueue ccnews PATH...).",
    )
    ccnews.add_argument(
        "files",
        nargs="*",
        metavar="FILE_OR_URL",
        help="WARC files, folders of them, or http(s) URLs downloaded first (not with --redis)",
    )
    ccnews.add_argument("--since", help="published on or after this day (YYYY-MM-DD)")
    ccnews.add_argument("--until", help="published on or before this day (YYYY-MM-DD)")
    ccnews.add_argument("--site", action="append", default=[], help="only this site (repeatable)")
    ccnews.add_argument("--sites-file", help="only the sites in this file, one host a line")
    ccnews.add_argument("--processes", type=int, default=1, help="crawl processes (default 1)")
    ccnews.add_argument(
        "--redis", metavar="REDIS_URL", help="take files from this fleet's queue (" + REDIS_HELP
    )
    add_crawl_options(ccnews)
    ccnews.set_defaults(handler=cmd_ccnews)


def _day(value: str | None, flag: str) -> str | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise UsageError(f"{flag} {value!r}: use YYYY-MM-DD") from None


def _sites(args: argparse.Namespace) -> list[str]:
    sites = [s.strip() for s in args.site if s.strip()]
    if args.sites_file:
        try:
            lines = Path(args.sites_file).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise CommandError(f"--sites-file: {exc}") from None
        sites += [line.split("#", 1)[0].strip() for line in lines]
    return [s for s in sites if s]


def cmd_ccnews(args: argparse.Namespace, out: TextIO) -> int:
    from newscrawl.archive.inputs import InputError, expand

    if args.processes < 1:
        raise UsageError("--processes must be at least 1")
    spider_args: dict[str, Any] = {
        "sites": _sites(args),
        "since": _day(args.since, "--since"),
        "until": _day(args.until, "--until"),
    }
    overrides = crawl_settings(args)
    redis_url = args.redis or project_settings(overrides).get("REDIS_URL")
    overrides["REDIS_URL"] = None  # the page fleet's scheduler stays off: files are the work
    if redis_url:
        return _fleet(args, redis_url, spider_args, overrides)
    try:
        files = expand(args.files)
    except InputError as exc:
        raise CommandError(str(exc)) from None
    if not files:
        raise UsageError("no WARC file given")
    if args.processes == 1:
        return run_warc_crawl({**spider_args, "files": [f.source for f in files]}, overrides)
    shares = _shares([f.source for f in files], args.processes)
    return _in_processes([{**spider_args, "files": share} for share in shares], overrides)


def _shares(files: list[str], count: int) -> list[list[str]]:
    """``files`` in ``count`` groups of about equal bytes (largest first to the lightest)."""
    groups: list[tuple[int, list[str]]] = [(0, []) for _ in range(min(count, len(files)))]
    sizes = {f: (Path(f).stat().st_size if Path(f).is_file() else 0) for f in files}
    for file in sorted(files, key=lambda f: -sizes[f]):
        total, members = min(groups, key=lambda group: group[0])
        groups.remove((total, members))
        groups.append((total + sizes[file], [*members, file]))
    return [sorted(members, key=files.index) for _, members in groups]


def _fleet(
    args: argparse.Namespace, redis_url: str, spider_args: dict[str, Any], overrides: dict
) -> int:
    import redis

    from newscrawl.fleet.files import enqueue_files
    from newscrawl.fleet.queue import FleetConfigError, check_redis_url, redis_for

    allow = project_settings(overrides).getbool("FLEET_ALLOW_UNAUTHENTICATED_REDIS")
    try:  # whoever writes to this Redis decides which files every worker reads
        check_redis_url(redis_url, allow)
    except FleetConfigError as exc:
        raise UsageError(str(exc)) from None
    try:
        if args.files:
            enqueue_files(redis_for(redis_url), list(args.files))
    except (redis.RedisError, ValueError) as exc:
        raise CommandError(str(exc)) from None
    # One crawl together: a shared store lock, each item committed before its file's
    # lease can go.
    overrides = {**overrides, "STORE_LOCK_SHARED": True, "STORE_COMMIT_EACH_ITEM": True}
    worker = {**spider_args, "redis_url": redis_url}
    return _in_processes([worker] * args.processes, overrides)


def _in_processes(jobs: list[dict[str, Any]], overrides: dict[str, Any]) -> int:
    """One crawl per job; in this process when there is one, else in child processes
    (each its own reactor), with their feeds joined in order. The worst exit status."""
    if len(jobs) == 1:
        return _run_job(jobs[0], overrides)
    import multiprocessing

    feeds = overrides.get("FEEDS") or {}
    target = next(iter(feeds), None)
    overrides = {**overrides, "STORE_LOCK_SHARED": True, "STORE_COMMIT_EACH_ITEM": True}
    context = multiprocessing.get_context("spawn")
    children = []
    for number, job in enumerate(jobs):
        own = {**overrides, "NEWSCRAWL_PROGRESS_POSITION": number}  # a bar each, a line each
        if target:
            own["FEEDS"] = {f"{target}.part{number}": {"format": "jsonlines", "overwrite": True}}
        child = context.Process(target=_child, args=(job, own), name=f"ccnews-{number}")
        child.start()
        children.append(child)
    for child in children:
        child.join()
    if target:
        _join_parts(Path(target), len(jobs))
    codes = [child.exitcode or 0 for child in children]
    return max(codes, key=lambda code: (code != 0, code))


def _join_parts(target: Path, count: int) -> None:
    with target.open("wb") as out:
        for number in range(count):
            part = Path(f"{target}.part{number}")
            if part.exists():
                out.write(part.read_bytes())
                part.unlink()


def _child(job: dict[str, Any], overrides: dict[str, Any]) -> None:
    sys.exit(_run_job(job, overrides))


def _run_job(job: dict[str, Any], overrides: dict[str, Any]) -> int:
    job = dict(job)
    redis_url = job.pop("redis_url", None)
    if redis_url is None:
        return run_warc_crawl(job, overrides)

    def source(settings: Any) -> Any:
        from newscrawl.fleet.files import FleetFiles
        from newscrawl.fleet.queue import redis_for

        return FleetFiles(
            redis_for(redis_url),
            lease_timeout=settings.getfloat("FLEET_LEASE_TIMEOUT", 30),
            idle_timeout=settings.getfloat("FLEET_IDLE_TIMEOUT", 60),
            tick=settings.getfloat("FLEET_TICK", 0.5),
        )

    return run_warc_crawl(job, overrides, source=source)


def cmd_enqueue_files(args: argparse.Namespace, out: TextIO) -> int:
    """``newscrawl enqueue ccnews PATH...``: file paths for the fleet's ``ccnews`` workers."""
    import redis

    from newscrawl.fleet.files import enqueue_files

    try:
        waiting = enqueue_files(fleet_redis(args, spider=False), list(args.urls))
    except (redis.RedisError, ValueError) as exc:
        raise CommandError(str(exc)) from None
    print(f"enqueued {len(args.urls)} WARC files for ccnews ({waiting} waiting)", file=sys.stderr)
    return 0


def cmd_files_status(args: argparse.Namespace, out: TextIO) -> int:
    """``newscrawl fleet ccnews``: the file queue, its workers and their files (JSON)."""
    import redis

    from newscrawl.fleet.files import queue_status

    try:
        status = queue_status(fleet_redis(args, spider=False))
    except redis.RedisError as exc:
        raise CommandError(str(exc)) from None
    out.write(json.dumps(status, indent=2) + "\n")
    return 0
