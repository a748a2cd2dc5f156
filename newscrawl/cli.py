"""The ``newscrawl`` command: tools around the crawler that need no crawl.

``newscrawl extract`` runs the same extraction as the spiders on saved pages, to debug a
page or to measure extraction quality (``--manifest`` is the interface of
``shared/eval/score.py``).

``newscrawl dedup`` runs the crawl's near-duplicate detection over an existing JSON-lines
feed (feeds of several crawls merged, an old corpus): each story once, with ``also_at``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from itemadapter import ItemAdapter
from w3lib.encoding import html_to_unicode

from newscrawl.charset import fallback_encoding
from newscrawl.loaders import extract_article
from newscrawl.neardup import NearDupConfig, apply_plan, plan_feed
from newscrawl.text import normalize_record


def read_page(path: Path) -> str:
    """Decode a saved page the way a browser would: BOM, then ``<meta charset>``, then UTF-8."""
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    encoding, text = html_to_unicode(None, data)
    fallback = fallback_encoding(data, encoding)  # Windows-1252 labelled UTF-8
    return data.decode(fallback) if fallback else text


def extract_file(path: Path, url: str | None, *, use_profiles: bool = True) -> dict[str, Any]:
    """One output line: the article's fields, or an ``error`` saying why there are none."""
    page_url = url if url and url.startswith(("http://", "https://")) else path.resolve().as_uri()
    try:
        html = read_page(path)
        extraction = extract_article(html, page_url, use_profiles=use_profiles)
    except Exception as exc:  # noqa: BLE001 - one bad file must not stop the batch
        return {"error": f"{type(exc).__name__}: {exc}"}
    record = normalize_record(ItemAdapter(extraction.item))
    record["layout"] = extraction.layout
    if extraction.mismatch:
        record["profile_mismatch"] = extraction.mismatch
    return record


def _manifest_entries(manifest: Path) -> Iterator[tuple[dict[str, Any], Path, str | None]]:
    with manifest.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                path = manifest.parent / entry["path"]
            except (ValueError, KeyError, TypeError) as exc:
                raise SystemExit(f"{manifest}:{number}: bad manifest line ({exc})") from exc
            yield entry, path, entry.get("url")


def cmd_extract(args: argparse.Namespace, out: TextIO) -> int:
    use_profiles = not args.no_profiles
    if args.manifest:
        for entry, path, url in _manifest_entries(Path(args.manifest)):
            record = {"id": entry.get("id"), "path": entry.get("path")}
            record.update(extract_file(path, url, use_profiles=use_profiles))
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    if not args.manifest and not args.files:
        raise SystemExit("newscrawl extract: give FILE... or --manifest M.jsonl")
    for name in args.files:
        record = {"path": name}
        record.update(extract_file(Path(name), args.url, use_profiles=use_profiles))
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return 0


def _feed_lines(path: str) -> list[str] | None:
    """Standard input is read once and kept; a file is read twice instead (see cmd_dedup)."""
    return sys.stdin.readlines() if path == "-" else None


def _feed_records(path: str, cached: list[str] | None) -> Iterator[dict[str, Any]]:
    """The feed's records; a line that is not a usable record stops with its line number."""
    lines = cached if cached is not None else Path(path).open(encoding="utf-8")
    try:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:
                raise SystemExit(f"{path}:{number}: not a JSON line ({exc})") from exc
            if not isinstance(record, dict):
                raise SystemExit(f"{path}:{number}: not a JSON object")
            for name in ("url", "headline", "body"):
                if not isinstance(record.get(name), str) or not record[name].strip():
                    raise SystemExit(f"{path}:{number}: no {name!r} (url, headline, body needed)")
            yield record
    except OSError as exc:
        raise SystemExit(f"newscrawl dedup: cannot read {path}: {exc}") from exc
    finally:
        if cached is None:
            lines.close()  # type: ignore[union-attr]


def cmd_dedup(args: argparse.Namespace, out: TextIO) -> int:
    """Two passes over the input: decide (every line checked first), then write.

    Memory holds the decision per line and one sketch per distinct story, not the records,
    so a feed larger than memory can be deduplicated (standard input is the exception).
    """
    if (
        args.output
        and args.input != "-"
        and Path(args.output).resolve() == Path(args.input).resolve()
    ):
        raise SystemExit("newscrawl dedup: OUT must not be IN")
    config = NearDupConfig(threshold=args.threshold, allowance=args.allowance)
    cached = _feed_lines(args.input)
    plan = plan_feed(_feed_records(args.input, cached), config)
    if args.pairs:
        for pair in plan.pairs:
            out.write(json.dumps(pair, ensure_ascii=False) + "\n")
    if args.output or not args.pairs:
        target = Path(args.output).open("w", encoding="utf-8") if args.output else out
        try:
            for record in apply_plan(_feed_records(args.input, cached), plan):
                target.write(json.dumps(record, ensure_ascii=False) + "\n")
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newscrawl", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    extract = commands.add_parser("extract", help="extract articles from saved pages")
    extract.add_argument("files", nargs="*", help="saved pages (.html or .html.gz)")
    extract.add_argument("--url", help="the pages' URL: selects the site profile")
    extract.add_argument("--manifest", help='JSON lines of {"id", "path", "url"}')
    extract.add_argument(
        "--no-profiles", action="store_true", help="generic extraction only, site profiles off"
    )
    extract.set_defaults(handler=cmd_extract)

    dedup = commands.add_parser(
        "dedup", help="write each story of a JSON-lines feed once, with also_at"
    )
    dedup.add_argument("input", metavar="IN.jsonl", help='a feed ("-" for standard input)')
    dedup.add_argument("-o", "--output", metavar="OUT.jsonl", help="default: standard output")
    dedup.add_argument(
        "--pairs",
        action="store_true",
        help='print the duplicate pairs {"a", "b", "score"} (the feed only with -o)',
    )
    dedup.add_argument(
        "--threshold", type=float, default=NearDupConfig.threshold, help="NEARDUP_THRESHOLD"
    )
    dedup.add_argument(
        "--allowance", type=int, default=NearDupConfig.allowance, help="NEARDUP_ALLOWANCE"
    )
    dedup.set_defaults(handler=cmd_dedup)

    add_export_parser(commands)
    add_fleet_parsers(commands)
    return parser


def add_export_parser(commands: Any) -> None:
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
    export.add_argument("--gzip", action="store_true", help="gzip the output")
    export.add_argument("--new", action="store_true", help="only records new to --cursor")
    export.add_argument("--cursor", help="the consumer's cursor name (with --new)")
    export.set_defaults(handler=cmd_export)


def export_doc() -> str:
    from newscrawl import export

    return export.__doc__ or ""


def cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    from newscrawl.export import export
    from newscrawl.storage import Store, StoreError

    if args.new != bool(args.cursor):
        raise SystemExit("newscrawl export: --new and --cursor NAME go together")
    store_url = args.store or project_store_url()
    try:
        store = Store.from_url(store_url)
        count = export(
            store,
            output=Path(args.output) if args.output else None,
            compress=args.gzip,
            since=args.since,
            site=args.site,
            cursor=args.cursor,
        )
    except (StoreError, ValueError, OSError) as exc:
        raise SystemExit(f"newscrawl export: {exc}") from exc
    print(f"exported {count} records", file=sys.stderr)
    return 0


def project_store_url() -> str:
    """The STORE_URL the crawler would use here: project settings, SCRAPY_ env overrides."""
    from scrapy.utils.project import get_project_settings

    return get_project_settings().get("STORE_URL") or "sqlite:///newscrawl.db"


def add_fleet_parsers(commands: Any) -> None:
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

    from newscrawl.fleet import redis_for

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

    from newscrawl.fleet import enqueue

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

    from newscrawl.fleet import fleet_status

    try:
        status = fleet_status(_fleet_redis(args), args.spider)
    except redis.RedisError as exc:
        raise SystemExit(f"newscrawl fleet: {exc}") from exc
    out.write(json.dumps(status, indent=2) + "\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args, sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
