"""A store's content as comparable data: what two crawls of the same pages must agree on.

Everything a crawl stores except when it happened: ``fetched_at`` (of records and of their
``also_at`` places), ``stored_at``, ``seq`` and the run history differ between any two
crawls; sketch ids are the database's.
"""

from __future__ import annotations

import json
from typing import Any

from newscrawl.storage import open_store


def _timeless(record: dict[str, Any]) -> dict[str, Any]:
    record = {k: v for k, v in record.items() if k != "fetched_at"}
    record["also_at"] = [{k: v for k, v in p.items() if k != "fetched_at"}
                         for p in record.get("also_at") or []]  # fmt: skip
    return record


def store_snapshot(store_url: str) -> dict[str, Any]:
    store = open_store(store_url)
    try:
        run = store._all
        return {
            "articles": {
                url: (fingerprint, _timeless(json.loads(record)))
                for url, fingerprint, record in run(
                    "SELECT url, fingerprint, record FROM articles ORDER BY url"
                )
            },
            "aliases": run(
                "SELECT alias, url, site, reason, fingerprint FROM aliases ORDER BY alias"
            ),
            "rejections": run("SELECT url, reason FROM rejections ORDER BY url, reason"),
            "sketches": [
                (url, size, bytes(signature))
                for url, size, signature in run(
                    "SELECT url, size, signature FROM sketches ORDER BY url"
                )
            ],
            "bands": run(
                "SELECT b.band_key, s.url FROM sketch_bands b JOIN sketches s ON s.id = b.sketch"
                " ORDER BY b.band_key, s.url"
            ),
        }
    finally:
        store.close()
