"""Parquet: the fixed schema, the writer on stored records of both backends, and the
Scrapy feed exporter in a real crawl of the mirror; files read back with pyarrow and
DuckDB."""

from __future__ import annotations

import io
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import MIRROR, MIRROR_STORIES, scrapy_command

from newscrawl.items import ARTICLE_FIELDS
from newscrawl.storage import open_store
from newscrawl.storage import parquet as parquet_module
from newscrawl.storage.parquet import SCHEMA, ParquetRecordWriter, schema_for, write_parquet
from tests.support.platform2026 import WIRE_URL

EXPORTER = '{"parquet": "newscrawl.exporters.ParquetItemExporter"}'


def full_record(n: int) -> dict:
    return {
        "url": f"https://spacewar.com/reports/Story_{n}_999.html",
        "site": "spacewar.com",
        "section": "Military Space",
        "headline": f"Story {n}",
        "dateline": {"raw": "Paris (AFP) Nov 1, 2026", "place": "Paris", "agency": "AFP",
                     "date": "2026-11-01"},
        "published": "2026-11-01",
        "authors": ["A. Writer", "B. Writer"],
        "body": f"First paragraph of {n}.\n\nSecond paragraph.",
        "related_links": [{"group": "Related", "title": "More", "url": "https://spacewar.com/m.html"}],
        "images": [{"url": "https://spacewar.com/i.jpg", "caption": None}],
        "pages": 1 + n % 3,
        "incomplete": n % 2 == 1,
        "language": "en",
        "fetched_at": "2026-11-01T10:00:00+00:00",
        "fingerprint": f"fp{n}",
    }  # fmt: skip


def bare_record(n: int) -> dict:
    """What a page with no dateline, authors, links or images gives."""
    return {
        **full_record(n), "dateline": None, "published": None, "authors": [],
        "related_links": [], "images": [], "section": None,
    }  # fmt: skip


def test_schema_is_the_feed_fields_then_aliases() -> None:
    assert tuple(SCHEMA.names) == (*ARTICLE_FIELDS, "aliases")
    assert SCHEMA.field("dateline").type == pa.struct(
        [(name, pa.string()) for name in ("raw", "place", "agency", "date")]
    )
    assert SCHEMA.field("also_at").type.value_type.names == ["url", "site", "fetched_at"]
    assert (SCHEMA.field("pages").type, SCHEMA.field("incomplete").type) == (pa.int32(), pa.bool_())
    assert schema_for(["headline", "url"]).names == ["url", "headline"]  # the schema's order
    with pytest.raises(ValueError, match="no Parquet column"):
        schema_for(["url", "score"])


def test_stored_records_round_trip_on_both_backends(
    store_url: str, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(parquet_module, "ROW_GROUP", 3)  # several row groups
    store = open_store(store_url)
    for n in range(7):
        store.add_article(full_record(n) if n % 2 else bare_record(n))
    store.add_alias("https://spacedaily.com/copy.html", full_record(1)["url"], "spacedaily.com",
                    "same_body", "2026-11-02T00:00:00+00:00")  # fmt: skip
    store.commit()
    records = list(store.export_records())
    path = tmp_path / "all.parquet"
    with path.open("wb") as sink:
        assert write_parquet(iter(records), sink) == 7
        assert not sink.closed  # the caller syncs and closes it
    table = pq.read_table(path)
    assert table.schema.equals(SCHEMA, check_metadata=False)
    assert pq.ParquetFile(path).metadata.num_row_groups == 3
    expected = [{name: r.get(name) for name in SCHEMA.names} for r in records]
    assert table.to_pylist() == expected
    one = table.to_pylist()[1]
    assert one["also_at"] == [{"url": "https://spacedaily.com/copy.html", "site": "spacedaily.com",
                               "fetched_at": "2026-11-02T00:00:00+00:00"}]  # fmt: skip
    assert one["aliases"] == ["https://spacedaily.com/copy.html"]
    rows = duckdb.sql(
        f"SELECT headline, dateline.place, len(authors), images[1].url, len(also_at)"
        f" FROM '{path}' ORDER BY headline"
    ).fetchall()
    assert rows[0] == ("Story 0", None, 0, None, None)
    assert rows[1] == ("Story 1", "Paris", 2, "https://spacewar.com/i.jpg", 1)


def test_an_empty_export_is_a_valid_file_with_the_schema() -> None:
    sink = io.BytesIO()
    assert write_parquet([], sink) == 0
    table = pq.read_table(io.BytesIO(sink.getvalue()))
    assert table.num_rows == 0 and table.schema.names == SCHEMA.names


def test_a_record_that_does_not_fit_is_a_clear_error() -> None:
    writer = ParquetRecordWriter(io.BytesIO())
    with pytest.raises(ValueError, match="fit the Parquet schema: authors is str"):
        writer.write({**full_record(1), "authors": "not a list"})
    with pytest.raises(ValueError, match=r"dateline.place is int"):
        writer.write({**full_record(1), "dateline": {"place": 3}})
    with pytest.raises(ValueError, match=r"images\[\] is str"):
        writer.write({**full_record(1), "images": ["https://x/i.jpg"]})
    with pytest.raises(ValueError, match=r"pages is str"):
        writer.write({**full_record(1), "pages": "3"})
    with pytest.raises(ValueError, match=r"incomplete is int"):
        writer.write({**full_record(1), "incomplete": 0})
    with pytest.raises(ValueError, match=r"pages is bool"):
        writer.write({**full_record(1), "pages": True})
    writer.write(full_record(1))
    assert writer.close() == 1


def test_feed_exporter_in_a_real_crawl(tmp_path: Path) -> None:
    """``scrapy crawl smn -O out.parquet`` writes the same records as the JSON-lines feed,
    with the fixed schema; a second (incremental, nothing new) run writes an empty file."""

    def crawl(*outputs: str):
        return scrapy_command(
            "crawl", "smn", "-s", f"MIRROR_DIR={MIRROR}",
            "-s", f"STORE_URL=sqlite:///{tmp_path / 'store.db'}",
            "-s", f"FEED_EXPORTERS={EXPORTER}", *outputs,
        )  # fmt: skip

    parquet, lines = tmp_path / "out.parquet", tmp_path / "out.jsonl"
    result = crawl("-O", str(parquet), "-O", str(lines))
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"Stored parquet feed ({MIRROR_STORIES} items)" in result.stderr
    table = pq.read_table(parquet)
    assert table.schema.equals(schema_for(ARTICLE_FIELDS), check_metadata=False)
    feed = [json.loads(line) for line in lines.read_text("utf-8").splitlines()]
    assert table.to_pylist() == feed and len(feed) == MIRROR_STORIES
    by_site = duckdb.sql(
        f"SELECT site, count(*), count(dateline.place), sum(len(related_links))"
        f" FROM '{parquet}' GROUP BY site ORDER BY site"
    ).fetchall()
    # Whichever copy of a story on two sites came first is the stored one: the story over
    # three pages (SpaceDaily.com or TerraDaily.com) and the wire story (SpaceDaily.com or
    # MarsDaily.com, the 2026 site, whose 10 other stories are its own).
    (split_site,) = [r["site"] for r in feed if r["pages"] == 3]
    wire_site = "marsdaily.com" if any(r["url"] == WIRE_URL for r in feed) else "spacedaily.com"
    expected = {"marsdaily.com": 10, "spacedaily.com": 12, "spacewar.com": 17, "terradaily.com": 11}
    expected[split_site] += 1
    expected[wire_site] += 1
    assert [(site, n) for site, n, _, _ in by_site] == sorted(expected.items())
    # every classic story has a dateline; one of the 2026 site's has none
    assert all(places == n for _, n, places, _ in by_site[1:])
    assert by_site[0][2] == by_site[0][1] - 1
    assert all(links > 0 for *_, links in by_site)
    again = crawl("-O", str(parquet))
    assert again.returncode == 0, again.stderr[-3000:]
    empty = pq.read_table(parquet)
    assert empty.num_rows == 0 and empty.schema.names == list(ARTICLE_FIELDS)
