"""Smoke test of the throughput bench's pieces at a tiny size (no timing is asserted).

The generator must write classic-template pages of realistic weight that the SMN profile
parses, the server process must answer them through the proxy protocol, and both the
bare and the full crawl must reach every page, with the full crawl storing every story.
"""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from bench import crawl_throughput
from bench.support import big_mirror
from bench.support.shared_data import REPO
from newscrawl.extract.article import extract_article

PAGES = 40


@pytest.fixture(scope="module")
def mirror(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    root = tmp_path_factory.mktemp("bench") / "mirror"
    return root, big_mirror.build(root, PAGES)


def test_generator_writes_heavy_classic_pages(mirror) -> None:
    root, written = mirror
    articles = list(big_mirror.article_paths(root))
    assert written["articles"] == len(articles) == PAGES
    assert all(40_000 <= path.stat().st_size <= 80_000 for path in articles)
    stories = big_mirror.stories(PAGES)
    assert sum(len(s["placements"]) for s in stories) == PAGES
    assert len({s["headline"] for s in stories}) == len(stories)
    path = articles[0]
    url = f"https://{path.parent.parent.name}/{path.parent.name}/{path.name}"
    extraction = extract_article(path.read_text("utf-8"), url)
    assert extraction.layout == "smn-classic"
    assert extraction.item["headline"] and len(extraction.item["body"]) > 1000
    assert "ADVERTISEMENT" not in extraction.item["body"]
    assert len(extraction.item["related_links"]) >= 6


def test_server_answers_through_the_proxy(mirror) -> None:
    root, _ = mirror
    server, proxy = crawl_throughput.start_server(root)
    try:
        path = next(big_mirror.article_paths(root))
        url = f"http://{path.parent.parent.name}/{path.parent.name}/{path.name}"
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy}))
        with opener.open(url, timeout=10) as answer:
            assert answer.read() == path.read_bytes()
    finally:
        server.stdin.close()
        server.wait(timeout=10)
    assert server.returncode == 0


def test_bare_and_full_crawls_reach_every_page(mirror, tmp_path: Path) -> None:
    root, written = mirror
    server, proxy = crawl_throughput.start_server(root)
    try:
        plans = crawl_throughput.crawl_plans()
        bare = crawl_throughput.run_crawl("bare", plans["bare"], server, proxy, tmp_path, 8)
        full = crawl_throughput.run_crawl("full", plans["full"], server, proxy, tmp_path, 8)
    finally:
        server.stdin.close()
        server.wait(timeout=10)
    robots = 3
    assert bare.responses == full.responses == written["articles"] + written["listings"] + robots
    stories = len(big_mirror.stories(PAGES))
    assert crawl_throughput.check_full(full, tmp_path / "full", stories, PAGES)
    assert bare.rss_mb > 0 and full.cpu > 0


@pytest.mark.parametrize(
    "bench, args",
    [
        ("extraction_quality", []),
        ("extraction_quality", ["--set", "fundus"]),
        ("headline_sources", []),
        ("page_kinds", []),
        ("golden", ["run", "out"]),
        ("langid_cost", []),
    ],
)
def test_benches_on_the_shared_data_say_where_it_comes_from_when_absent(
    bench: str, args: list[str], tmp_path: Path
) -> None:
    """Without ../shared/data a bench measured nothing: it says why, and does not pass."""
    empty = tmp_path / "extraction"
    empty.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", f"bench.{bench}", *args, "--data", str(empty)],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert str(empty) in message and "../shared/data/extraction" in message
    assert "not part of this repository" in message and "fundus" in message
