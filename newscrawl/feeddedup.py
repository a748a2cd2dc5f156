"""Near-duplicates in a finished feed (``newscrawl dedup``): which line of each story is kept.

A feed is deduplicated in two passes over the file, so a large one is never held in
memory: :func:`plan_feed` reads it once and decides, line by line, which record is the
story's canonical one (the first met) and which places the others add to it;
:func:`apply_plan` reads it again and writes the kept records with their ``also_at``.
The decision is the crawl's (:class:`newscrawl.neardup.NearDupDetector`), over an
in-memory index instead of the store's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from newscrawl.neardup import MemoryIndex, NearDupConfig, NearDupDetector
from newscrawl.urls import site_of


@dataclass
class FeedPlan:
    """What deduplicating a feed decided, line by line (input order)."""

    canonical: list[int | None] = field(default_factory=list)  # None: the line is kept
    also_at: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # kept line -> places
    pairs: list[dict[str, Any]] = field(default_factory=list)  # {"a", "b", "score"}


def place_of(record: dict[str, Any]) -> dict[str, Any]:
    """The ``also_at`` entry for a record: where it was and when it was fetched."""
    url = record["url"]
    return {"url": url, "site": record.get("site") or site_of(url),
            "fetched_at": record.get("fetched_at")}  # fmt: skip


def plan_feed(records: Iterable[dict[str, Any]], config: NearDupConfig) -> FeedPlan:
    """Decide which records of a feed are kept; the first of each story is canonical.

    A repeat of a URL already seen is dropped without an ``also_at`` entry (it is no new
    place); a near-duplicate is dropped and its place, with any ``also_at`` it carried
    already (a feed deduplicated before), is added to its canonical record's.
    """
    plan = FeedPlan()
    detector = NearDupDetector(MemoryIndex(), config)
    line_of_url: dict[str, int] = {}
    for number, record in enumerate(records):
        url = record["url"]
        if url in line_of_url:
            plan.canonical.append(line_of_url[url])
            continue
        match = detector.check(url, record["headline"], record["body"])
        if match is None:
            line_of_url[url] = number
            plan.canonical.append(None)
            continue
        keep = line_of_url[match.url]
        line_of_url[url] = keep
        plan.canonical.append(keep)
        places = plan.also_at.setdefault(keep, [])
        places.append(place_of(record))
        places.extend(record.get("also_at") or [])
        plan.pairs.append({"a": match.url, "b": url, "score": round(match.score, 4)})
    return plan


def apply_plan(records: Iterable[dict[str, Any]], plan: FeedPlan) -> Iterator[dict[str, Any]]:
    """The kept records, in input order, each with its ``also_at`` completed."""
    for number, record in enumerate(records):
        if plan.canonical[number] is not None:
            continue
        places = list(record.get("also_at") or [])
        known = {record["url"], *(place["url"] for place in places)}
        for place in plan.also_at.get(number, []):
            if place["url"] not in known:
                known.add(place["url"])
                places.append(place)
        yield {**record, "also_at": places}
