"""Progress bars of the long commands: on a terminal only, never in stdout, off with --quiet.

Each command runs three times: standard error on a real pseudo-terminal (tests/support/
terminal.py), where a tqdm bar with its rate and time left must show; standard error on
a pipe, and on the terminal with ``--quiet``, where no bar may show. Standard output (and
the files written) must be the same bytes all three times.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from test_ccnews import env
from test_export import filled

from tests.support.ccnews import mirror_pages, standard_captures, write_ccnews
from tests.support.terminal import Run, run_in_terminal, run_piped

# "12/40 [00:01<00:02, 9.87page/s]", "3.1k/3.1k [00:00<00:00, 45.2kB/s]", "1.50s/page"
BAR = re.compile(r"\d+(?:\.\d+)?[kMG]?/\d+(?:\.\d+)?[kMG]? \[\d\d:\d\d<\d\d:\d\d, +"
                 r"[\d.]+ ?[kMG]?(?:\w+/s|s/\w+)\]")  # fmt: skip


def three_runs(folder: Path, *args: str, out: str | None = None) -> list[tuple[Run, bytes]]:
    """The command on a terminal, piped, and on a terminal with --quiet; with each run's
    standard output and the file ``out`` (named with a suffix per run: ``{run}``)."""
    runs = []
    for name, quiet, runner in (("tty", [], run_in_terminal), ("pipe", [], run_piped),
                                ("quiet", ["--quiet"], run_in_terminal)):  # fmt: skip
        argv = [a.replace("{run}", name) for a in args]
        run = runner([sys.executable, "-m", "newscrawl.cli", *argv, *quiet], cwd=ROOT, env=env())
        assert run.returncode == 0, run.stderr[-3000:]
        written = (folder / out.replace("{run}", name)).read_bytes() if out else b""
        runs.append((run, written))
    return runs


def check(runs: list[tuple[Run, bytes]], unit: str) -> re.Match:
    (tty, tty_file), (piped, piped_file), (quiet, quiet_file) = runs
    bars = list(BAR.finditer(tty.stderr))
    assert bars, tty.stderr[-2000:]
    bar = bars[-1]  # the bar as it was left: complete
    assert unit in bar.group(0)  # the rate, in the command's unit
    assert "100%|" in tty.stderr  # the bar reached its total
    for silent in (piped, quiet):
        assert not BAR.search(silent.stderr) and "%|" not in silent.stderr, silent.stderr[-2000:]
    assert "\r" not in piped.stderr  # no carriage return in a log file
    assert tty.stdout == piped.stdout == quiet.stdout
    assert tty_file == piped_file == quiet_file
    return bar


def test_extract_manifest(tmp_path: Path) -> None:
    pages = [capture for capture, _ in zip(mirror_pages(), range(8), strict=False)]
    lines = []
    for number, capture in enumerate(pages):
        (tmp_path / f"{number}.html").write_bytes(capture.body)
        lines.append({"id": number, "path": f"{number}.html", "url": capture.url})
    manifest = tmp_path / "m.jsonl"
    manifest.write_text("".join(json.dumps(line) + "\n" for line in lines))
    runs = three_runs(tmp_path, "extract", "--manifest", str(manifest))
    bar = check(runs, "page/s")
    assert bar.group(0).startswith("8/8 ")
    assert len(runs[0][0].stdout.splitlines()) == 8  # the records are on stdout


def test_dedup(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    stories = [
        {"url": f"https://a.example/{n}", "headline": f"Story {n % 7}",
         "body": f"The council met on day {n % 7} to talk about the harbour wall and its "
                 f"repairs, which have taken {n % 7} weeks so far."}
        for n in range(30)
    ]  # fmt: skip
    feed.write_text("".join(json.dumps(s) + "\n" for s in stories))
    runs = three_runs(tmp_path, "dedup", str(feed))
    check(runs, "record/s")
    assert "dedup: reading" in runs[0][0].stderr and "dedup: writing" in runs[0][0].stderr
    assert len(runs[1][0].stdout.splitlines()) < 30  # copies merged


def test_export_to_stdout_and_to_a_file(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'store.db'}"
    filled(store, 40).close()
    runs = three_runs(tmp_path, "export", "--store", store)
    check(runs, "record/s")
    assert len(runs[0][0].stdout.splitlines()) == 40
    runs = three_runs(tmp_path, "export", "--store", store, "-o", str(tmp_path / "{run}.jsonl"),
                      out="{run}.jsonl")  # fmt: skip
    check(runs, "record/s")


@pytest.fixture(scope="module")
def warc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("warc") / "CC-NEWS-20260504030201-00001.warc.gz"
    write_ccnews(path, standard_captures())
    return path


@pytest.mark.parametrize("command", ["replay", "ccnews"])
def test_replay_and_ccnews(command: str, warc: Path, tmp_path: Path) -> None:
    runs = three_runs(
        tmp_path, command, str(warc), "--store", f"sqlite:///{tmp_path / '{run}.db'}",
        "-o", str(tmp_path / "{run}.jsonl"), "-s", "NEWSCRAWL_COVERAGE_MIN_ARTICLES=1000",
        out="{run}.jsonl",
    )  # fmt: skip
    bar = check(runs, "B/s")
    size = warc.stat().st_size
    assert f"{size / 1024:.1f}k/{size / 1024:.1f}k" in bar.group(0)  # every byte read
    assert runs[0][1].count(b"\n") >= 1  # the records are in the feed
    assert "[scrapy.core.engine] INFO: Spider closed" in runs[0][0].stderr  # the log goes on
