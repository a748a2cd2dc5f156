"""Records as Parquet: one fixed Arrow schema for ``newscrawl export --format parquet`` and
the crawl's Parquet feed (:mod:`newscrawl.exporters`).

The schema is written down, never inferred from the data: a file of one story with no
images and a file of a million have the same column types, so a warehouse can append them
to one table. Nested fields are Arrow structs and lists, as in the JSON lines:
``dateline`` a struct, ``authors`` a list of strings, ``related_links``, ``images`` and
``also_at`` lists of structs; ``aliases`` (the export's other URLs of a story) a list of
strings; ``pages`` an integer and ``incomplete`` a boolean (schema 2 added them);
``modified``, ``free_access``, ``paywalled_omitted`` and ``language_declared`` (schema 3). Dates
stay ISO 8601 strings, as in the JSON: ``published`` may be a bare date, and a string
keeps what the page said. A key a record has and the schema does not is left out.

Records are written in row groups of :data:`ROW_GROUP` records, so memory holds one group,
not the export; zstd compression (read by pyarrow, DuckDB, pandas, Spark).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from newscrawl.items import ARTICLE_FIELDS

#: Records per row group: bounds the writer's memory (a record is a few kB).
ROW_GROUP = 2000
COMPRESSION = "zstd"

_TEXT = pa.string()
DATELINE = pa.struct([("raw", _TEXT), ("place", _TEXT), ("agency", _TEXT), ("date", _TEXT)])
RELATED_LINK = pa.struct([("group", _TEXT), ("title", _TEXT), ("url", _TEXT)])
IMAGE = pa.struct([("url", _TEXT), ("caption", _TEXT)])
PLACE = pa.struct([("url", _TEXT), ("site", _TEXT), ("fetched_at", _TEXT)])

#: Every column, in the feed's order (:data:`newscrawl.items.ARTICLE_FIELDS`) then ``aliases``.
SCHEMA = pa.schema(
    [
        pa.field("url", _TEXT, nullable=False),
        pa.field("site", _TEXT),
        pa.field("section", _TEXT),
        pa.field("headline", _TEXT),
        pa.field("dateline", DATELINE),
        pa.field("published", _TEXT),
        pa.field("modified", _TEXT),
        pa.field("authors", pa.list_(_TEXT)),
        pa.field("body", _TEXT),
        pa.field("free_access", pa.bool_()),
        pa.field("paywalled_omitted", pa.int32()),
        pa.field("related_links", pa.list_(RELATED_LINK)),
        pa.field("images", pa.list_(IMAGE)),
        pa.field("pages", pa.int32()),
        pa.field("incomplete", pa.bool_()),
        pa.field("language", _TEXT),
        pa.field("language_declared", _TEXT),
        pa.field("fetched_at", _TEXT),
        pa.field("fingerprint", _TEXT),
        pa.field("also_at", pa.list_(PLACE)),
        pa.field("aliases", pa.list_(_TEXT)),
    ],
    metadata={"newscrawl.schema": "3"},
)
assert tuple(SCHEMA.names[: len(ARTICLE_FIELDS)]) == ARTICLE_FIELDS, "schema follows the item"


def schema_for(fields: Sequence[str] | None = None) -> pa.Schema:
    """The schema, or its columns named in ``fields`` (in the schema's order)."""
    if fields is None:
        return SCHEMA
    unknown = [name for name in fields if name not in SCHEMA.names]
    if unknown:
        raise ValueError(f"no Parquet column for field(s) {unknown}: columns are {SCHEMA.names}")
    wanted = set(fields)
    return pa.schema([field for field in SCHEMA if field.name in wanted], metadata=SCHEMA.metadata)


def _check(value: Any, kind: pa.DataType, where: str) -> None:
    """Refuse a value of the wrong shape: pyarrow would take a string for a list of its
    characters, and the file would be wrong without a word."""
    if value is None:
        return
    if pa.types.is_string(kind):
        ok = isinstance(value, str)
    elif pa.types.is_boolean(kind):
        ok = isinstance(value, bool)
    elif pa.types.is_integer(kind):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif pa.types.is_list(kind):
        ok = isinstance(value, list | tuple)
        if ok:
            for item in value:
                _check(item, kind.value_type, f"{where}[]")
    elif pa.types.is_boolean(kind):
        ok = isinstance(value, bool)
    elif pa.types.is_integer(kind):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif pa.types.is_struct(kind):
        ok = isinstance(value, dict)
        if ok:
            for field in kind:
                _check(value.get(field.name), field.type, f"{where}.{field.name}")
    else:  # pragma: no cover - the schema has no other types
        ok = True
    if not ok:
        raise ValueError(f"{where} is {type(value).__name__}, not {kind}")


class ParquetRecordWriter:
    """Writes records to an open binary file (or a path) in row groups; never closes a
    file it was given: the caller syncs and closes it (see :mod:`newscrawl.storage.export`)."""

    def __init__(self, sink: BinaryIO | str, fields: Sequence[str] | None = None) -> None:
        self.schema = schema_for(fields)
        self.names = self.schema.names
        self.writer = pq.ParquetWriter(sink, self.schema, compression=COMPRESSION)
        self.pending: list[dict[str, Any]] = []
        self.count = 0

    def write(self, record: dict[str, Any]) -> None:
        row = {name: record.get(name) for name in self.names}
        for field in self.schema:
            try:
                _check(row[field.name], field.type, field.name)
            except ValueError as exc:
                url = record.get("url")
                raise ValueError(f"{url}: does not fit the Parquet schema: {exc}") from None
        self.pending.append(row)
        if len(self.pending) >= ROW_GROUP:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        try:
            table = pa.Table.from_pylist(self.pending, schema=self.schema)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise ValueError(f"a record does not fit the Parquet schema: {exc}") from exc
        self.writer.write_table(table)
        self.count += len(self.pending)
        self.pending = []

    def close(self) -> int:
        """Write what is pending and the file's footer; the number of records written."""
        self.flush()
        self.writer.close()
        return self.count


def write_parquet(records: Iterable[dict[str, Any]], sink: BinaryIO) -> int:
    """All ``records`` as one Parquet file on ``sink`` (left open); how many.

    The writer :func:`newscrawl.storage.export.export` takes (``writer=``) for ``--format parquet``.
    """
    writer = ParquetRecordWriter(sink)
    for record in records:
        writer.write(record)
    count = writer.close()
    sink.flush()
    return count
