"""Near-duplicate detection: sketches, the store's index, the pipeline, ``newscrawl dedup``."""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, STORIES
from scrapy.exceptions import NotConfigured

from newscrawl import settings as project_settings
from newscrawl.cli import main
from newscrawl.exceptions import DuplicateItem, NearDuplicateItem
from newscrawl.items import ArticleItem
from newscrawl.neardup import (
    MemoryIndex,
    NearDupConfig,
    NearDupDetector,
    Sketcher,
    score,
    shingles,
)
from newscrawl.pipelines.neardup import NearDupPipeline
from newscrawl.storage import Store, open_store
from newscrawl.storage.sqlite import _SCHEMA
from tests.support.chain import Chain
from tests.support.crawlers import store_crawler

PAIRS = ROOT / "fixtures" / "dedup" / "pairs.jsonl"
STORY = json.loads(STORIES.read_text(encoding="utf-8"))[0]
BODY = "\n\n".join(STORY["paragraphs"])
# The same story as another site runs it: other headline, last paragraph cut, an ad line,
# straight quotes.
COPY = "\n\n".join(STORY["paragraphs"][:2] + ["ADVERTISEMENT"] + STORY["paragraphs"][2:-1])
COPY = COPY.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
OTHER = json.loads(STORIES.read_text(encoding="utf-8"))[1]  # same topic, another story


def test_shingles_ignore_case_glyphs_and_stay_inside_paragraphs() -> None:
    assert shingles("Title", "\u201cOne two\u201d \u2014 three four five", 3) == shingles(
        "TITLE", '"one two" -- Three four five', 3
    )
    split = shingles(None, "one two three\n\nfour five six", 3)
    assert split == {b"one two three", b"four five six"}


def test_defaults_match_the_settings() -> None:
    config = NearDupConfig()
    for name in ("threshold", "allowance", "num_perm", "bands", "rows", "shingle_size",
                 "max_per_key", "min_shingles", "template_words", "template_pages"):  # fmt: skip
        assert getattr(project_settings, f"NEARDUP_{name.upper()}") == getattr(config, name)
    with pytest.raises(ValueError, match="exceeds num_perm"):
        NearDupConfig(num_perm=64, bands=42, rows=3)
    with pytest.raises(ValueError, match="threshold"):
        NearDupConfig(threshold=0)


def test_allowance_sets_template_lines_aside_for_short_texts() -> None:
    sketcher = Sketcher(NearDupConfig())
    template = "\n\n".join([
        "LAUNCH LOG",
        "All times are given in Coordinated Universal Time.",
        "This log is compiled from operator statements and is updated as launches take place.",
    ])  # fmt: skip
    one = sketcher.sketch("Launch log", "An Electron rocket lifted off from Mahia.\n\n" + template)
    two = sketcher.sketch("Launch log", "A Vega-C rocket flew from Kourou at dawn.\n\n" + template)
    assert score(one, two, allowance=0) > 0.4, "the template alone makes them look alike"
    assert score(one, two, allowance=15) < 0.2
    assert score(one, one, allowance=15) == 1.0


def test_detector_keeps_the_first_and_matches_edited_copies() -> None:
    detector = NearDupDetector(MemoryIndex())
    assert detector.check("https://a/1", STORY["headline"], BODY) is None
    match = detector.check("https://b/1", "Another headline", COPY)
    assert match is not None and match.url == "https://a/1" and 0.43 <= match.score < 1
    assert (
        detector.check("https://c/1", OTHER["headline"], "\n\n".join(OTHER["paragraphs"])) is None
    )
    third = detector.check("https://d/1", STORY["headline"], BODY + "\n\nShare this article")
    assert third is not None and third.url == "https://a/1", "copies are not indexed"
    assert detector.check("https://e/1", "", "") is None


def test_labelled_set_meets_the_targets() -> None:
    """The bench's figures as a guard: precision and recall 1.0 on the labelled set."""
    pairs = [json.loads(line) for line in PAIRS.read_text("utf-8").splitlines()]
    assert len(pairs) >= 300
    hits = []
    for pair in pairs:
        detector = NearDupDetector(MemoryIndex())
        for earlier in pair.get("before", []):  # other pages of the pair's sites, stored first
            detector.check(earlier["url"], earlier["headline"], earlier["body"])
        a, b = pair["a"], pair["b"]
        detector.check(a["url"], a["headline"], a["body"])
        hits.append((pair["duplicate"], detector.check(b["url"], b["headline"], b["body"])))
    tp = sum(1 for dup, match in hits if dup and match)
    fp = sum(1 for dup, match in hits if not dup and match)
    positives = sum(1 for dup, _ in hits if dup)
    assert positives >= 100 and len(pairs) - positives >= 100
    assert fp == 0
    assert tp == positives


def test_labelled_set_is_what_its_builder_writes() -> None:
    from fixtures.dedup import build_pairs

    built = build_pairs.build()
    committed = [json.loads(line) for line in PAIRS.read_text("utf-8").splitlines()]
    assert built == committed
    kinds = {pair["kind"] for pair in committed}
    assert kinds == {"syndicated", "syndicated_both", "brief_syndicated", "same_topic",
                     "follow_up", "brief_template", "item_furniture",
                     "item_syndicated"}  # fmt: skip


# -- the store -------------------------------------------------------------------------------


def record(url: str, fp: str) -> dict:
    return {"url": url, "site": url.split("/")[2], "fingerprint": fp, "headline": "H",
            "body": "B", "fetched_at": None, "also_at": []}  # fmt: skip


def test_store_sketch_index_reads_newest_first_and_only_stored_articles(store_url: str) -> None:
    store = open_store(store_url)
    for number in range(5):
        store.add_article(record(f"https://a/{number}", f"f{number}"))
        store.add_sketch(f"https://a/{number}", bytes([number]) * 4, 10 + number, [7, number])
    store.add_sketch("https://orphan/1", b"\0" * 4, 3, [7])  # its article was never stored
    # The orphan is the newest holder of key 7: it takes one of the three reads, never a match.
    assert [c[0] for c in store.sketch_candidates([7], per_key=3)] == ["https://a/4", "https://a/3"]
    assert store.sketch_candidates([2, 99], per_key=3) == [("https://a/2", b"\2" * 4, 12)]
    assert store.sketch_candidates([99], per_key=3) == []
    store.add_sketch("https://a/1", b"x" * 4, 1, [123])  # indexed once only
    assert store.sketch_candidates([123], per_key=3) == []
    store.close()


def test_a_sketch_left_without_its_bands_is_completed_when_indexed_again(
    store_url: str,
) -> None:
    """A run stopped between a sketch and its bands (a full disk) must not leave a story
    that no near-duplicate check can find: the next indexing writes the bands."""
    store = open_store(store_url)
    store.add_article(record("https://a/1", "f1"))
    store._write(  # the sketch row alone, as a run killed between the two writes leaves it
        "INSERT INTO sketches (url, size, signature) VALUES (?, ?, ?)",
        ("https://a/1", 11, b"\1" * 4),
    )
    assert store.sketch_candidates([7], per_key=3) == []
    store.add_sketch("https://a/1", b"\1" * 4, 11, [7])
    assert store.sketch_candidates([7], per_key=3) == [("https://a/1", b"\1" * 4, 11)]
    store.close()


def test_aliases_fill_also_at_even_in_a_store_made_before_it(tmp_path: Path) -> None:
    old = sqlite3.connect(tmp_path / "old.db")
    old.executescript(_SCHEMA)
    legacy = {"url": "https://a/1", "site": "a", "fingerprint": "f", "headline": "H"}
    old.execute(
        "INSERT INTO articles (url, site, fingerprint, headline, record) VALUES (?, ?, ?, ?, ?)",
        ("https://a/1", "a", "f", "H", json.dumps(legacy)),
    )
    old.commit()
    old.close()
    store = Store(tmp_path / "old.db")
    assert store.add_alias("https://b/1", "https://a/1", "b", "near_duplicate", "2026-01-02")
    assert not store.add_alias("https://b/1", "https://a/1", "b", "near_duplicate", "2026-01-03")
    assert store.add_alias("https://c/1", "https://a/1", "c", "same_body", None)
    (stored,) = store.articles()
    assert list(stored) == [*legacy, "also_at"]
    assert stored["also_at"] == [
        {"url": "https://b/1", "site": "b", "fetched_at": "2026-01-02"},
        {"url": "https://c/1", "site": "c", "fetched_at": None},
    ]
    store.close()


# -- the pipeline ----------------------------------------------------------------------------


def test_pipeline_drops_edited_copies_and_the_store_keeps_their_places(store_url: str) -> None:
    chain = Chain(store_url)
    assert isinstance(chain.feed("https://a.example/1", STORY["headline"], BODY), ArticleItem)
    exact = chain.feed("https://b.example/1", "Any", BODY.replace("\u2019", "'"))
    assert isinstance(exact, DuplicateItem) and exact.reason == "same_body"
    near = chain.feed("https://c.example/1", "Another headline", COPY)
    assert isinstance(near, NearDuplicateItem) and near.canonical == "https://a.example/1"
    other = chain.feed("https://d.example/1", OTHER["headline"], "\n\n".join(OTHER["paragraphs"]))
    assert isinstance(other, ArticleItem) and other["also_at"] == []
    chain.close()
    stats = chain.crawler.stats
    assert stats.get_value("newscrawl/duplicate/near_duplicate") == 1
    assert stats.get_value("newscrawl/stored") == 2

    tomorrow = Chain(store_url)
    later = tomorrow.feed("https://e.example/1", "Yet another", COPY + "\n\nShare this article")
    assert isinstance(later, NearDuplicateItem) and later.canonical == "https://a.example/1"
    tomorrow.close()
    store = open_store(store_url)
    first = next(store.articles())
    assert [place["url"] for place in first["also_at"]] == [
        "https://b.example/1", "https://c.example/1", "https://e.example/1"
    ]  # fmt: skip
    assert {place["site"] for place in first["also_at"]} == {"b.example", "c.example", "e.example"}
    assert ("https://c.example/1", "https://a.example/1", "near_duplicate") in store.aliases()


def test_workers_checking_one_story_at_once_store_it_once(store_url: str) -> None:
    """Three workers (threads, each with its own store connection, committing per item as
    fleet workers do) get copies of the same story at the same moment: an exact copy and
    edited copies. Reservations serialise the check-then-insert: one story, two aliases."""
    import threading

    stories = json.loads(STORIES.read_text(encoding="utf-8"))[:4]
    barrier = threading.Barrier(3)
    outcomes: list[str] = []

    starting = threading.Lock()

    def worker(number: int) -> None:
        # Crawls of one process start one after the other: the first takes the store's
        # lock and the others share it (see BaseStore.lock).
        with starting:
            chain = Chain(store_url, STORE_COMMIT_EACH_ITEM=True)
        for index, story in enumerate(stories):
            body = "\n\n".join(story["paragraphs"])
            if number == 1:
                body = body.replace("\u2019", "'")  # same fingerprint
            elif number == 2:
                body = "\n\n".join(story["paragraphs"][:-1]) + "\n\nShare this article"
            barrier.wait(10)
            result = chain.feed(f"https://w{number}.example/{index}", "Headline", body)
            outcomes.append(type(result).__name__)
        chain.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    store = open_store(store_url)
    assert len(list(store.articles())) == len(stories), outcomes
    assert outcomes.count("ArticleItem") == len(stories)
    aliases = store.aliases()
    assert len(aliases) == 2 * len(stories)
    stored = {record["url"] for record in store.articles()}
    assert all(canonical in stored for _, canonical, _ in aliases)
    for record in store.articles():
        assert len(record["also_at"]) == 2
    # Whichever worker got there first, the canonical copy is the rule's (newscrawl.canonical:
    # undated copies, so the first URL), and each alias is named against its words.
    assert stored == {f"https://w0.example/{index}" for index in range(len(stories))}
    assert sorted({(alias.split("/")[2], reason) for alias, _, reason in aliases}) == [
        ("w1.example", "same_body"), ("w2.example", "near_duplicate")
    ]  # fmt: skip


def test_pipeline_without_a_store_works_within_the_run_and_can_be_off() -> None:
    chain = Chain(None)
    assert isinstance(chain.feed("https://a.example/1", STORY["headline"], BODY), ArticleItem)
    assert isinstance(chain.feed("https://c.example/1", "Other", COPY), NearDuplicateItem)
    with pytest.raises(NotConfigured):
        NearDupPipeline.from_crawler(store_crawler(None, NEARDUP_ENABLED=False))
    loose = Chain(None, NEARDUP_THRESHOLD=0.99)
    loose.feed("https://a.example/1", STORY["headline"], BODY)
    assert isinstance(loose.feed("https://c.example/1", "Other", COPY), ArticleItem)


# -- newscrawl dedup -------------------------------------------------------------------------


def dedup(*args: str) -> subprocess.CompletedProcess[str]:
    """The command as users run it, in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "newscrawl.cli", "dedup", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_dedup_command_writes_each_story_once_in_input_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    other_body = "\n\n".join(OTHER["paragraphs"])
    lines = [
        {"url": "https://a.example/1", "headline": STORY["headline"], "body": BODY, "extra": 1},
        {"url": "https://d.example/1", "headline": OTHER["headline"], "body": other_body},
        {"url": "https://c.example/1", "site": "c.example", "headline": "Other", "body": COPY,
         "fetched_at": "2026-02-01T00:00:00+00:00",
         "also_at": [{"url": "https://f.example/1", "site": "f.example", "fetched_at": None}]},
        {"url": "https://a.example/1", "headline": STORY["headline"], "body": BODY},
    ]  # fmt: skip
    feed = tmp_path / "in.jsonl"
    feed.write_text("".join(json.dumps(line) + "\n" for line in lines) + "\n", "utf-8")
    result = dedup(str(feed), "-o", str(tmp_path / "out.jsonl"))
    assert result.returncode == 0, result.stderr
    assert "4 records, 2 stories, 1 near-duplicates, 1 repeated URLs" in result.stderr
    out = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text("utf-8").splitlines()]
    assert [line["url"] for line in out] == ["https://a.example/1", "https://d.example/1"]
    assert out[0]["extra"] == 1, "other fields pass through"
    assert out[0]["also_at"] == [
        {"url": "https://c.example/1", "site": "c.example", "fetched_at": lines[2]["fetched_at"]},
        {"url": "https://f.example/1", "site": "f.example", "fetched_at": None},
    ]
    assert out[1]["also_at"] == []

    assert main(["dedup", str(feed), "--pairs"]) == 0
    (pair,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert set(pair) == {"a", "b", "score"}
    assert (pair["a"], pair["b"]) == ("https://a.example/1", "https://c.example/1")
    assert 0.43 <= pair["score"] < 1

    monkeypatch.setattr(sys, "stdin", io.StringIO(feed.read_text("utf-8")))
    assert main(["dedup", "-"]) == 0
    assert [json.loads(line) for line in capsys.readouterr().out.splitlines()] == out


def test_dedup_command_refuses_bad_lines_before_writing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = tmp_path / "in.jsonl"
    feed.write_text('{"url": "https://a/1", "headline": "H", "body": "B"}\n{"url": "x"}\n')
    assert main(["dedup", str(feed), "-o", str(tmp_path / "out.jsonl")]) == 1
    assert (
        capsys.readouterr().err
        == f"newscrawl dedup: {feed}:2: no 'headline' (url, headline, body needed)\n"
    )
    assert not (tmp_path / "out.jsonl").exists()
    feed.write_text("not json\n")
    assert main(["dedup", str(feed)]) == 1
    assert ":1: not a JSON line" in capsys.readouterr().err
    assert main(["dedup", str(feed), "-o", str(feed)]) == 2  # a usage error
    assert capsys.readouterr().err == "newscrawl dedup: OUT must not be IN\n"
