"""One spelling of every text field, and the body fingerprint (:mod:`newscrawl.text`).

A multi-page story's ``part_urls`` (for the store pipeline) are carried over: they are
not text, and the normalised record leaves internal fields out.
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter

from newscrawl.items import ArticleItem
from newscrawl.text import normalize_record


class NormalizePipeline:
    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        normalized = item.get("normalized")  # by an extraction worker, with the same function
        if normalized is not None:
            return normalized
        normalized = ArticleItem(normalize_record(ItemAdapter(item)))
        if item.get("part_urls"):
            normalized["part_urls"] = list(item["part_urls"])
        return normalized
