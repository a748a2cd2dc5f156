"""The ``newscrawl`` command: tools around the crawler that need no crawl.

``newscrawl extract`` runs the same extraction as the spiders on saved pages, to debug a
page or to measure extraction quality (``--manifest`` is the interface of
``shared/eval/score.py``).
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args, sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
