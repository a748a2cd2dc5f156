"""One spelling of every text field, and the body fingerprint (:mod:`newscrawl.text`)."""

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
        return ArticleItem(normalize_record(ItemAdapter(item)))
