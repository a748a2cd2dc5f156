"""What a replay of an archived crawl gives for stories split over several pages.

Replay (:mod:`newscrawl.spiders.warc`) reads one archived page at a time and does not
stitch a story's pages again: the story's record is its first page, ``pages`` 1 and
``incomplete`` true, and its later pages give no record. Tests that compare a replay with
the live crawl compare every other record as it is, and these by that rule.
"""

from __future__ import annotations

from typing import Any


def check_replayed_split_stories(live: list[dict[str, Any]], replayed: list[dict[str, Any]]) -> int:
    """Assert ``replayed`` is ``live`` but for the split stories (see the module
    docstring); return how many split stories there were."""

    def key(line: dict[str, Any]) -> str:
        return line["url"]

    def plain(line: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in line.items() if k != "fetched_at"}

    split = {key(line): line for line in live if line.get("pages", 1) > 1}
    whole = sorted((plain(line) for line in live if key(line) not in split), key=key)
    again = {key(line): line for line in replayed}
    assert sorted((plain(line) for k, line in again.items() if k not in split), key=key) == whole
    for url, line in split.items():
        first = again[url]
        assert (first["pages"], first["incomplete"]) == (1, True), url
        assert line["body"].startswith(first["body"]) and first["body"] != line["body"], url
        assert first["headline"] == line["headline"], url
    return len(split)
