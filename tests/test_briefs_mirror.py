"""End to end through real crawls of the mirror's two sites of short items
(fixtures/build_briefs.py): short items sharing their site's furniture are all stored, a
short story published on both sites later is stored once, and the record's new fields reach
the feed, the store and ``newscrawl export``."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import MIRROR, ROOT, scrapy_command

from newscrawl.items import ARTICLE_FIELDS

HOSTS = ("www.valleycourier.example", "www.hillgazette.example")
SOURCE = json.loads((ROOT / "fixtures" / "briefs.json").read_text("utf-8"))
ITEMS = sum(len(site["items"]) for site in SOURCE["sites"].values())
START = "start_urls=" + ",".join(f"https://{host}/" for host in HOSTS)
QUIET = ["-s", "NEWSCRAWL_COVERAGE_MIN_ARTICLES=1000", "-L", "INFO"]  # no dateline floor here


def builder():
    spec = importlib.util.spec_from_file_location("build_briefs", ROOT / "fixtures/build_briefs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def crawl(folder: Path, mirror: Path, *extra: str):
    result = scrapy_command(
        "crawl", "news", "-a", START, "-s", f"MIRROR_DIR={mirror}",
        "-s", f"STORE_URL=sqlite:///{folder / 'store.db'}", "-O", str(folder / "feed.jsonl"),
        "-s", f"NEWSCRAWL_REPORT_FILE={folder / 'report.json'}", *QUIET, *extra,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    feed = [json.loads(line) for line in (folder / "feed.jsonl").read_text("utf-8").splitlines()]
    return result, feed


def export_all(folder: Path) -> list[dict]:
    out = folder / "all.jsonl"
    result = subprocess.run(
        [sys.executable, "-m", "newscrawl.cli", "export", "--store",
         f"sqlite:///{folder / 'store.db'}", "-o", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in out.read_text("utf-8").splitlines()]


def places(record: dict) -> list[str]:
    return [place["url"] for place in record["also_at"]]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("briefs")
    mirror = folder / "mirror"
    mirror.mkdir()
    for host in HOSTS:
        shutil.copytree(MIRROR / host, mirror / host)
    first = crawl(folder, mirror)
    report = json.loads((folder / "report.json").read_text("utf-8"))
    urls = builder().publish_syndicated(mirror)
    second = crawl(folder, mirror)
    return {"folder": folder, "first": first, "report": report, "second": second, "urls": urls}


def test_short_items_sharing_their_site_furniture_are_all_stored(runs) -> None:
    result, feed = runs["first"]
    assert len(feed) == ITEMS
    assert "newscrawl/duplicate" not in result.stderr
    bodies = [record["body"] for record in feed]
    furniture = SOURCE["sites"]["www.valleycourier.example"]["furniture"][0]
    assert sum(furniture in body for body in bodies) == 10, "the furniture is in the bodies"


def test_a_short_story_on_both_sites_is_stored_once(runs) -> None:
    result, feed = runs["second"]
    assert len(feed) == 1
    assert "'newscrawl/duplicate/near_duplicate': 1" in result.stderr
    stored = export_all(runs["folder"])
    assert len(stored) == ITEMS + 1
    # The feed has the copy met first; the store the canonical copy (newscrawl.canonical),
    # which may be the other one, with the first among its places.
    (story,) = [r for r in stored if feed[0]["url"] in {r["url"], *places(r)}]
    urls = {url.replace("www.", "") for url in runs["urls"].values()}
    assert {story["url"], *places(story)} == urls


def test_new_fields_in_the_feed_the_store_and_the_export(runs) -> None:
    _, feed = runs["first"]
    for record in feed:
        assert list(record) == list(ARTICLE_FIELDS)
    by_slug = {record["url"].rstrip("/").rsplit("/", 1)[1]: record for record in feed}
    updated = by_slug["mill-lane-flood-defences-finished"]
    assert updated["published"] == "2026-11-20T07:30:00+00:00"
    assert updated["modified"] == "2026-11-21T16:45:00+00:00"
    paywalled = by_slug["council-budget-gap"]
    assert (paywalled["free_access"], paywalled["paywalled_omitted"]) == (False, 2)
    assert "depot" not in paywalled["body"] and "shortfall" in paywalled["body"]
    french = by_slug["marche-de-noel-jumelage"]
    assert (french["language"], french["language_declared"]) == ("fr", "en-gb")
    plain = by_slug["footbridge-closed-for-painting"]
    assert (plain["modified"], plain["free_access"], plain["language"]) == (None, None, "en-gb")

    db = sqlite3.connect(runs["folder"] / "store.db")
    (record,) = db.execute(
        "SELECT record FROM articles WHERE url = ?", (paywalled["url"],)
    ).fetchone()
    stored = json.loads(record)
    assert stored["free_access"] is False and stored["paywalled_omitted"] == 2
    exported = {r["url"]: r for r in export_all(runs["folder"])}
    assert exported[updated["url"]]["modified"] == updated["modified"]
    assert exported[french["url"]]["language_declared"] == "en-gb"


def test_the_run_report_counts_paywalled_records_per_site(runs) -> None:
    sites = {row["site"]: row for row in runs["report"]["sites"]}
    assert sites["valleycourier.example"]["paywalled"] == 1
    assert sites["hillgazette.example"]["paywalled"] == 0
    assert sites["all"]["paywalled"] == 1


def test_languages_argument_keeps_only_those_languages(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for host in HOSTS:
        shutil.copytree(MIRROR / host, mirror / host)
    result, feed = crawl(tmp_path, mirror, "-a", "languages=fr")
    assert [record["language"] for record in feed] == ["fr"]
    assert f"'newscrawl/rejected/language': {ITEMS - 1}" in result.stderr


def test_a_malformed_languages_argument_fails_the_crawl_before_it_starts(tmp_path: Path) -> None:
    result = scrapy_command(
        "crawl", "news", "-a", START, "-a", "languages=12", "-s", f"MIRROR_DIR={MIRROR}",
        "-s", f"STORE_URL=sqlite:///{tmp_path / 'store.db'}", "-O", str(tmp_path / "f.jsonl"),
    )  # fmt: skip
    assert result.returncode == 1
    assert "languages='12': use language codes, such as en,fr" in result.stderr
    assert not (tmp_path / "f.jsonl").exists() or not (tmp_path / "f.jsonl").read_text()
