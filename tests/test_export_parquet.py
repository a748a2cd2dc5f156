"""``newscrawl export --format parquet``: the export's exactly-once protocol (temporary
file, pending cursor, rename) with the Parquet writer, on both backends."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from conftest import ROOT

from newscrawl.storage import export as export_module
from newscrawl.storage import open_store
from newscrawl.storage.export import export
from newscrawl.storage.parquet import SCHEMA, write_parquet


def record(n: int) -> dict:
    return {
        "url": f"https://spacewar.com/reports/Story_{n}_999.html", "site": "spacewar.com",
        "headline": f"Story {n}", "body": f"Body {n}.", "fingerprint": f"fp{n}",
        "dateline": {"raw": "Paris (AFP) Nov 1", "place": "Paris", "agency": "AFP", "date": None},
        "authors": [], "related_links": [], "images": [],
        "fetched_at": "2026-11-01T10:00:00+00:00",
    }  # fmt: skip


def fill(store_url: str, start: int, count: int) -> None:
    store = open_store(store_url)
    for n in range(start, start + count):
        assert store.add_article(record(n))
    store.close()


def urls(path: Path) -> list[str]:
    return pq.read_table(path, columns=["url"]).column("url").to_pylist()


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newscrawl.cli", "export", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_cli_parquet_export_with_a_cursor(store_url: str, tmp_path: Path) -> None:
    fill(store_url, 0, 3)
    out = tmp_path / "batch.parquet"
    args = ("--store", store_url, "--format", "parquet", "--new", "--cursor", "wh", "-o", str(out))
    assert cli(*args).returncode == 0
    assert pq.read_table(out).schema.equals(SCHEMA, check_metadata=False)
    read = duckdb.sql(f"SELECT count(*), min(dateline.place) FROM '{out}'").fetchall()
    assert read == [(3, "Paris")]
    fill(store_url, 3, 2)
    assert cli(*args).returncode == 0
    assert urls(out) == [record(3)["url"], record(4)["url"]]
    assert cli(*args).returncode == 0 and urls(out) == []  # nothing new: an empty file
    to_stdout = cli("--store", store_url, "--format", "parquet")
    assert to_stdout.returncode != 0 and "needs -o FILE" in to_stdout.stderr


class Interrupted(BaseException):
    """Stands for the process dying at that point."""


@pytest.mark.parametrize("moment", ["while_writing", "before_rename", "after_rename"])
def test_interrupted_parquet_export_is_exactly_once(
    store_url: str, tmp_path: Path, monkeypatch, moment: str
) -> None:
    fill(store_url, 0, 4)
    out = tmp_path / "new.parquet"
    assert export(open_store(store_url), output=out, cursor="c", writer=write_parquet) == 4
    delivered = urls(out)
    fill(store_url, 4, 3)
    store = open_store(store_url)

    def die(*args, **kwargs):
        raise Interrupted

    if moment == "while_writing":
        monkeypatch.setattr(export_module, "_digest", die)
    elif moment == "before_rename":
        monkeypatch.setattr(export_module.os, "replace", die)
    else:
        monkeypatch.setattr(store, "advance_cursor", die)
    with pytest.raises(Interrupted):
        export(store, output=out, cursor="c", writer=write_parquet)
    monkeypatch.undo()
    if moment == "after_rename":
        delivered += urls(out)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    fill(store_url, 7, 1)
    export(open_store(store_url), output=out, cursor="c", writer=write_parquet)
    delivered += urls(out)
    assert len(delivered) == len(set(delivered)) == 8
