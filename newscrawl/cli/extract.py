"""``newscrawl extract``: the spiders' extraction, run on saved pages.

To debug a page, or to measure extraction quality: ``--manifest`` (JSON lines of
``{"id", "path", "url"}``, paths relative to the manifest) is the interface of the
extraction scorer the benches use. A page that cannot be read or extracted is an output
line with an ``error`` field, and the batch goes on; the exit status (1) says some failed.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from itemadapter import ItemAdapter

from newscrawl.cli.errors import CommandError, UsageError
from newscrawl.cli.progress import add_quiet_option, count_lines, shown, track
from newscrawl.extract.article import extract_article
from newscrawl.extract.decoding import read_page
from newscrawl.text import normalize_record


def add_parser(commands: Any) -> None:
    extract = commands.add_parser(
        "extract",
        help="extract articles from saved pages",
        description="Extract the article of each saved page: one JSON line per page, with the"
        " feed's fields plus layout (the page class that parsed it), or an error field saying"
        " why there is none. The exit status is 1 when any page failed.",
    )
    extract.add_argument(
        "files", nargs="*", metavar="FILE", help="saved pages (.html, or gzipped .html.gz)"
    )
    extract.add_argument(
        "--url",
        help="the pages' URL, which selects the site profile (default: none, generic extraction)",
    )
    extract.add_argument(
        "--manifest",
        metavar="M.jsonl",
        help='JSON lines of {"id", "path", "url"}; each path relative to the manifest\'s'
        " folder (or absolute); the output lines carry id and path",
    )
    extract.add_argument(
        "--no-profiles", action="store_true", help="generic extraction only, site profiles off"
    )
    extract.add_argument(
        "--keep-paywalled",
        action="store_true",
        help="keep in the body the paragraphs a page declares paywalled",
    )
    add_quiet_option(extract)
    extract.set_defaults(handler=cmd_extract)


def extract_file(
    path: Path, url: str | None, *, use_profiles: bool = True, keep_paywalled: bool = False
) -> dict[str, Any]:
    """One output line: the article's fields, or an ``error`` saying why there are none."""
    page_url = url if url and url.startswith(("http://", "https://")) else path.resolve().as_uri()
    try:
        html = read_page(path)
        extraction = extract_article(
            html, page_url, use_profiles=use_profiles, keep_paywalled=keep_paywalled
        )
    except Exception as exc:  # noqa: BLE001 - one bad file must not stop the batch
        return {"error": f"{type(exc).__name__}: {exc}"}
    record = normalize_record(ItemAdapter(extraction.item))
    record["layout"] = extraction.layout
    if extraction.mismatch:
        record["profile_mismatch"] = extraction.mismatch
    return record


def _manifest_entries(manifest: Path) -> Iterator[tuple[dict[str, Any], Path, str | None]]:
    """The manifest's entries, paths resolved against its folder (as the scorer reads it)."""
    try:
        lines = manifest.open(encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"cannot read manifest {manifest}: {exc.strerror or exc}") from exc
    with lines:
        try:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                    path = manifest.parent / entry["path"]
                except (ValueError, KeyError, TypeError) as exc:
                    raise CommandError(f"{manifest}:{number}: bad manifest line ({exc})") from exc
                yield entry, path, entry.get("url")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read manifest {manifest}: {exc}") from exc


def _inputs(args: argparse.Namespace) -> Iterator[tuple[dict[str, Any], Path, str | None]]:
    """(the output line's first fields, the page, its URL): the manifest's, then FILEs."""
    if args.manifest:
        for entry, path, url in _manifest_entries(Path(args.manifest)):
            yield {"id": entry.get("id"), "path": entry.get("path")}, path, url
    for name in args.files:
        yield {"path": name}, Path(name), args.url


def cmd_extract(args: argparse.Namespace, out: TextIO) -> int:
    """One line per input, failed or not; the status says whether any failed."""
    use_profiles = not args.no_profiles
    options = {"use_profiles": use_profiles, "keep_paywalled": args.keep_paywalled}
    if not args.manifest and not args.files:
        raise UsageError("give FILE... or --manifest M.jsonl")
    total = None
    if shown(args.quiet):
        listed = count_lines(args.manifest) if args.manifest else 0
        total = None if listed is None else listed + len(args.files)
    inputs = failed = 0
    pages = track(_inputs(args), total=total, unit="page", desc="extract", quiet=args.quiet)
    for record, path, url in pages:
        record.update(extract_file(path, url, **options))
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        inputs, failed = inputs + 1, failed + ("error" in record)
    if failed:
        raise CommandError(f"{failed} of {inputs} inputs failed (see their error lines)")
    return 0
