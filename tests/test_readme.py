"""README.md's shell blocks run offline as written, and do what the text says (issue 13).

The rule for which blocks run, and what "as written" allows, is in
:mod:`tests.support.readme`. The blocks run in README order in one scratch copy of the
project, as a user following README.md top to bottom would (the export block reads the
store the crawls before it filled); :data:`CHECKS` holds, per block name, what the README's
text says the block does. PostgreSQL, Redis and Scrapyd are the test's own, on 127.0.0.1.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import MIRROR_STORIES, ROOT, SPIDERS

from tests.support.multipage import check_replayed_split_stories
from tests.support.platform2026 import POSTS
from tests.support.readme import CHECKED, Block, Scratch, blocks, commands
from tests.support.servers import free_port

README = ROOT / "README.md"
# The proxies every block runs with: a closed port on loopback, so that a request that
# escaped the mirror fails here instead of reaching the network.
DEAD_PROXY = "http://127.0.0.1:9"


@dataclass
class Ran:
    """One block's run: its scratch copy, its script and what it printed."""

    scratch: Scratch
    block: Block
    script: str
    status: int
    stdout: str
    stderr: str

    @property
    def work(self) -> Path:
        return self.scratch.work

    def lines(self, name: str) -> list[dict]:
        path = self.work / name
        data = path.read_bytes()
        if name.endswith(".gz"):
            data = gzip.decompress(data)
        return [json.loads(line) for line in data.decode("utf-8").splitlines() if line]


def readme_blocks() -> list[Block]:
    return [b for b in blocks(README.read_text(encoding="utf-8")) if b.lang in CHECKED]


def test_every_shell_block_is_marked_run_or_skip_with_a_reason() -> None:
    found = readme_blocks()
    assert len(found) >= 15
    unmarked = [f"README.md:{b.line}" for b in found if b.marker is None]
    assert not unmarked, f"shell blocks without a readme-test marker: {unmarked}"
    names = [b.name for b in found if b.name]
    assert len(names) == len(set(names)), "two blocks share a name"
    assert set(names) == set(CHECKS), "each run block has its checks, and only those"
    for block in found:
        if block.marker and block.marker[0] == "skip":
            assert len(block.marker[1].split()) >= 2, f"README.md:{block.line}: say why"


def test_gitignore_covers_what_scrapyd_leaves_in_the_project() -> None:
    for path in ("dbs/newscrawl.db", "eggs/newscrawl/1.egg", "logs/smn.log", "twistd.pid"):
        result = subprocess.run(["git", "check-ignore", "--no-index", "-q", path], cwd=ROOT)
        assert result.returncode == 0, f"{path} is not ignored"


def test_readme_names_the_setuptools_pin_of_scrapyd() -> None:
    (block,) = [b for b in readme_blocks() if b.name == "scrapyd"]
    assert any("'setuptools<81'" in line for line in commands(block))
    assert "setuptools<81" in README.read_text(encoding="utf-8").split("## A fleet")[0]


# -- the run -------------------------------------------------------------------------------


def block_env(scratch: Scratch) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.lower().endswith("_proxy")
        and k not in ("STORE_URL", "REDIS_URL", "SCRAPY_SETTINGS_MODULE", "SCRAPY_PROJECT")
    }
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(scratch.work)
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        env[name] = DEAD_PROXY
    env["no_proxy"] = env["NO_PROXY"] = "127.0.0.1,localhost"  # the test's own servers
    return env


def run_block(scratch: Scratch, block: Block, groups: list[int], logs: Path) -> Ran:
    script = scratch.script(block)
    out, err = logs / f"{block.name}.out", logs / f"{block.name}.err"
    # Files, not pipes: a block may leave a server running in the background (scrapyd,
    # a fleet worker), which would hold a pipe open; its own session, to stop it after.
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(
            ["bash", "-c", script], cwd=scratch.work, env=block_env(scratch),
            stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr, start_new_session=True,
        )  # fmt: skip
        groups.append(process.pid)
        status = process.wait(timeout=600)
    return Ran(scratch, block, script, status, out.read_text(), err.read_text())


def stop_groups(groups: list[int]) -> None:
    """Stop what the blocks left running (their own process groups, and nothing else)."""
    for group in groups:
        try:
            os.killpg(group, signal.SIGTERM)
        except ProcessLookupError:
            continue
    deadline = time.monotonic() + 30
    for group in groups:
        while time.monotonic() < deadline:
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                break
            time.sleep(0.2)
        else:
            try:
                os.killpg(group, signal.SIGKILL)
            except ProcessLookupError:
                pass


def top_level(folder: Path) -> set[str]:
    return {path.name for path in folder.iterdir()}


def test_readme_blocks_run_offline_and_do_what_the_text_says(
    tmp_path: Path, postgres, redis_server
) -> None:
    scratch = Scratch(
        root=ROOT,
        work=tmp_path / "newscrawl",
        postgres_url=postgres.new_database(),
        redis_url=redis_server.url,
        scrapyd_port=free_port(),
    )
    named = [block.name for block in readme_blocks() if block.name]
    assert sorted(named) == sorted(CHECKS), "README.md's run blocks and their checks"
    scratch.populate()
    subprocess.run(["git", "init", "-q"], cwd=scratch.work, check=True)
    logs = tmp_path / "logs"
    logs.mkdir()
    groups: list[int] = []
    failures: list[str] = []
    try:
        for block in readme_blocks():
            if not block.name:
                continue
            before = top_level(scratch.work)
            started = time.monotonic()
            ran = run_block(scratch, block, groups, logs)
            print(f"{block.name}: {time.monotonic() - started:.1f} s")
            if ran.status != 0:
                failures.append(
                    f"README.md:{block.line} ({block.name}) exited {ran.status}:\n"
                    f"{ran.stderr[-3000:]}\n--- script ---\n{ran.script}"
                )
                continue
            try:
                CHECKS[block.name](ran, before)
            except Exception as exc:  # a missing output file fails the block, not the run
                failures.append(f"README.md:{block.line} ({block.name}): {exc!r}")
            print(f"{block.name} checked: {time.monotonic() - started:.1f} s")
    finally:
        stop_groups(groups)
    assert not failures, "\n\n".join(failures)
    # What the rule left out, and only that: install steps and the test suite.
    assert all("pip install" in line or "pytest" in line for line in scratch.not_run)


# -- what each block's text says ------------------------------------------------------------


def check_quickstart(ran: Ran, before: set[str]) -> None:
    assert len(ran.lines("articles.jsonl")) == MIRROR_STORIES, "Command 1 writes every story"
    again = run_block(ran.scratch, ran.block, [], ran.work.parent / "logs")
    assert again.status == 0, again.stderr[-2000:]
    assert ran.lines("articles.jsonl") == [], "a second run holds only what is new: nothing"


def check_crawling(ran: Ran, before: set[str]) -> None:
    assert ran.stdout.split() == SPIDERS
    for name in ("spacewar.jsonl", "network.jsonl", "new.jsonl"):
        assert (ran.work / name).is_file(), name
    assert "contracts" in ran.stderr and ran.stderr.rstrip().endswith("OK")


def check_news(ran: Ran, before: set[str]) -> None:
    local = ran.lines("hg.jsonl")
    assert local and {line["site"] for line in local} == {"harbourgazette.example"}
    mars = ran.lines("mars.jsonl")
    # Every story of the 2026 site, its wire story too: the crawl has a store of its own
    # (the quick start's `smn` crawl stored them all in newscrawl.db already).
    assert len(mars) == len(POSTS) and {line["site"] for line in mars} == {"marsdaily.com"}


def stored_count(work: Path) -> int:
    with sqlite3.connect(work / "newscrawl.db") as db:
        return db.execute("SELECT count(*) FROM articles").fetchone()[0]


def check_export(ran: Ran, before: set[str]) -> None:
    every = ran.lines("all.jsonl")
    assert len(every) == stored_count(ran.work) > MIRROR_STORIES
    assert all("aliases" in line for line in every)
    spacewar = ran.lines("sw.jsonl.gz")
    assert spacewar and {line["site"] for line in spacewar} == {"spacewar.com"}
    assert len(ran.stdout.splitlines()) == len(every), "--since 2d: all was stored just now"
    assert len(ran.lines("batch.jsonl")) == len(every), "a new cursor has had nothing"


def parquet_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.read_table(path).num_rows


def check_parquet(ran: Ran, before: set[str]) -> None:
    assert parquet_rows(ran.work / "all.parquet") == stored_count(ran.work)
    assert parquet_rows(ran.work / "batch.parquet") == 0, "warehouse had every record"
    assert parquet_rows(ran.work / "articles.parquet") == 0, "the crawl found nothing new"


def check_parquet_read(ran: Ran, before: set[str]) -> None:
    assert "spacewar.com" in ran.stdout and "dateline: struct<" in ran.stdout, ran.stdout


def check_report(ran: Ran, before: set[str]) -> None:
    rows, _, data = ran.stdout.partition("\n{")
    runs = json.loads("{" + data)["runs"]
    assert len(runs) == len(rows.splitlines()) >= 6, "one recorded run per crawl so far"
    for page in ("report.html", "sw.html"):
        assert "<svg" in (ran.work / page).read_text(encoding="utf-8"), page


def check_cron_folders(ran: Ran, before: set[str]) -> None:
    assert (ran.work / "logs").is_dir() and (ran.work / "srv" / "outbox").is_dir()


def check_cron(ran: Ran, before: set[str]) -> None:
    report = json.loads((ran.work / "logs" / "smn-report.json").read_text())
    assert report["ok"] is True
    assert "Run report" in (ran.work / "logs" / "smn.log").read_text()
    (batch,) = (ran.work / "srv" / "outbox").glob("smn-*.jsonl")
    assert batch.read_text() == "", "the warehouse cursor already had every record"


def check_scrapyd(ran: Ran, before: set[str]) -> None:
    assert ran.stdout.count('"status": "ok"') >= 2, ran.stdout  # deployed, scheduled
    base = f"http://127.0.0.1:{ran.scratch.scrapyd_port}"
    deadline = time.monotonic() + 180
    while True:
        with urllib.request.urlopen(f"{base}/listjobs.json?project=newscrawl") as answer:
            jobs = json.loads(answer.read())
        if jobs["finished"]:
            break
        assert time.monotonic() < deadline, jobs
        time.sleep(0.5)
    (log,) = (ran.work / "logs" / "newscrawl" / "smn").glob("*.log")
    text = log.read_text()
    assert "Run report" in text, text[-2000:]
    # What scrapyd and scrapyd-deploy left in the project folder is ignored by git.
    left = sorted(top_level(ran.work) - before)
    assert left, "scrapyd left nothing?"
    for name in left:
        ignored = subprocess.run(["git", "check-ignore", "-q", name], cwd=ran.work)
        assert ignored.returncode == 0, f"{name} (left by scrapyd) is not in .gitignore"


def check_fleet(ran: Ran, before: set[str]) -> None:
    from newscrawl.storage import open_store

    status = json.loads(ran.stdout)
    assert status["workers"], status
    assert "enqueued 1 start URLs for smn" in ran.stderr
    deadline = time.monotonic() + 180
    while True:  # the worker, in the background, crawls the mirror into PostgreSQL
        store = open_store(ran.scratch.postgres_url, create=False)
        count = sum(1 for _ in store.articles())
        store.close()
        if count == MIRROR_STORIES:
            break
        assert time.monotonic() < deadline, f"{count} stored by the fleet"
        time.sleep(1)


def check_fleet_cron(ran: Ran, before: set[str]) -> None:
    assert "enqueued 2 start URLs for smn" in ran.stderr, ran.stderr


def check_sqlite(ran: Ran, before: set[str]) -> None:
    rows = ran.stdout.splitlines()
    assert len(rows) > 5 and all("|" in row for row in rows)
    assert rows[0].startswith("https://")


def check_sqlite_neardup(ran: Ran, before: set[str]) -> None:
    assert "|near_duplicate" in ran.stdout, ran.stdout
    assert '|[{"url":"https://' in ran.stdout, "stories with their other places"


def check_dedup(ran: Ran, before: set[str]) -> None:
    merged = ran.lines("merged.jsonl")
    stories = ran.lines("stories.jsonl")
    assert len(stories) < len(merged), "the two feeds share wire stories"
    assert any(story["also_at"] for story in stories)
    pairs = [json.loads(line) for line in ran.stdout.splitlines()]
    assert pairs and all(set(pair) == {"a", "b", "score"} for pair in pairs)


def check_extract(ran: Ran, before: set[str]) -> None:
    profile, generic, listed = (json.loads(line) for line in ran.stdout.splitlines())
    assert profile["layout"] == "smn-classic" and profile["headline"]
    assert generic["layout"] == "generic" and generic["headline"]
    assert listed["id"] == "variant" and listed["headline"] == generic["headline"]


def check_warc(ran: Ran, before: set[str]) -> None:
    live = ran.lines("live.jsonl")
    assert len(live) == MIRROR_STORIES, "the crawl of the mirror, archived"
    assert list((ran.work / "archive").glob("*.warc.gz")), "closed WARC files"
    # the same records, a story over several pages as its first page (README: replay)
    assert check_replayed_split_stories(live, ran.lines("replayed.jsonl")) == 1
    assert ran.lines("again.jsonl") == [], "replaying again stores nothing new"
    picked = ran.lines("cc.jsonl")
    assert picked and {line["site"] for line in picked} == {"spacewar.com"}
    assert all("2021-01-01" <= line["published"][:10] <= "2025-12-31" for line in picked)


def check_replay(ran: Ran, before: set[str]) -> None:
    live = ran.lines("live.jsonl")
    for name in ("rebuilt.jsonl", "rebuilt2.jsonl", "rebuilt3.jsonl"):
        assert check_replayed_split_stories(live, ran.lines(name)) == 1, name


CHECKS: dict[str, Callable[[Ran, set[str]], None]] = {
    "quickstart": check_quickstart,
    "warc": check_warc,
    "replay": check_replay,
    "crawling": check_crawling,
    "news": check_news,
    "export": check_export,
    "parquet": check_parquet,
    "parquet-read": check_parquet_read,
    "cron-folders": check_cron_folders,
    "cron": check_cron,
    "scrapyd": check_scrapyd,
    "report": check_report,
    "fleet": check_fleet,
    "fleet-cron": check_fleet_cron,
    "sqlite": check_sqlite,
    "sqlite-neardup": check_sqlite_neardup,
    "dedup": check_dedup,
    "extract": check_extract,
}


@pytest.fixture(autouse=True)
def _no_stray_store() -> None:
    """The blocks run in the scratch copy: the repository gains no store or feed."""
    before = top_level(ROOT)
    yield
    assert top_level(ROOT) - before == set()
