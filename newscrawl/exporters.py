"""Scrapy feed exporters of newscrawl: Parquet (``scrapy crawl smn -O articles.parquet``).

Registered with ``FEED_EXPORTERS = {"parquet": "newscrawl.exporters.ParquetItemExporter"}``;
Scrapy then picks it for a feed URI ending in ``.parquet`` or with ``format: parquet``.
The columns and their types are :data:`newscrawl.storage.parquet.SCHEMA`, restricted to the
feed's fields (``FEED_EXPORT_FIELDS``: the item's fields, so the feed has no ``aliases``,
as its JSON lines have none); the schema is fixed, so every feed file has the same types
whatever its items held. Items are written in row groups: memory holds one group.
"""

from __future__ import annotations

from typing import Any, BinaryIO

from itemadapter import ItemAdapter
from scrapy.exporters import BaseItemExporter

from newscrawl.storage.parquet import ParquetRecordWriter


class ParquetItemExporter(BaseItemExporter):
    """One Parquet file per feed; the file is Scrapy's (opened and closed by the storage)."""

    def __init__(self, file: BinaryIO, **kwargs: Any) -> None:
        super().__init__(dont_fail=True, **kwargs)
        self.file = file
        self.writer: ParquetRecordWriter | None = None

    def _fields(self) -> list[str] | None:
        fields = self.fields_to_export
        if fields is None:
            return None
        # A dict maps item fields to output names; Parquet columns keep the schema's names.
        return list(fields) if not isinstance(fields, dict) else list(fields.keys())

    def start_exporting(self) -> None:
        self.writer = ParquetRecordWriter(self.file, self._fields())

    def export_item(self, item: Any) -> None:
        if self.writer is None:
            self.start_exporting()
        assert self.writer is not None
        self.writer.write(ItemAdapter(item).asdict())

    def finish_exporting(self) -> None:
        if self.writer is None:  # no start: still a valid, empty file
            self.start_exporting()
        assert self.writer is not None
        self.writer.close()
        self.writer = None
