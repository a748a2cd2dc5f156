"""The commands users type: ``scrapy list``, ``scrapy check``, ``newscrawl extract``."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

from conftest import MIRROR, PAGES, ROOT, SPIDERS, scrapy_command

SAMPLE = "https://www.spacewar.com/afp/250822091400.8jscpt2f.html"


def newscrawl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newscrawl.cli", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_scrapy_list_shows_one_spider_per_site() -> None:
    result = scrapy_command("list")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == SPIDERS


def test_scrapy_check_contracts_pass() -> None:
    result = scrapy_command("check", "-s", f"MIRROR_DIR={MIRROR}")
    assert result.returncode == 0, result.stderr
    assert "Ran 13 contracts" in result.stderr
    assert result.stderr.rstrip().endswith("OK")


def test_extract_prints_one_line_per_file_and_errors_as_lines(tmp_path: Path) -> None:
    page = MIRROR / "www.spacewar.com" / "afp" / "250822091400.8jscpt2f.html"
    packed = tmp_path / "page.html.gz"
    packed.write_bytes(gzip.compress(page.read_bytes()))
    broken = tmp_path / "broken.html.gz"
    broken.write_bytes(b"this is not gzip")
    result = newscrawl("extract", "--url", SAMPLE, str(page), str(packed), str(broken),
                       str(tmp_path / "missing.html"))  # fmt: skip
    # Every file has its line; the status says that some failed (README: exit statuses).
    assert result.returncode == 1, result.stderr
    assert result.stderr == "newscrawl extract: 2 of 4 inputs failed (see their error lines)\n"
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 4
    assert lines[0]["headline"] == lines[1]["headline"] != ""
    assert lines[0]["dateline"]["agency"] == "AFP"
    assert lines[0]["layout"] == "smn-classic"
    assert lines[0]["fingerprint"] == lines[1]["fingerprint"]
    assert "error" in lines[2] and "headline" not in lines[2]
    assert "FileNotFoundError" in lines[3]["error"]


def test_extract_without_url_uses_generic_extraction() -> None:
    result = newscrawl("extract", str(PAGES / "smn_classic_variant.html"))
    record = json.loads(result.stdout)
    assert record["layout"] == "generic"
    assert record["headline"] == "Tracking station on Ascension Island gets new dish"


def test_extract_manifest_keeps_order_and_ids(tmp_path: Path) -> None:
    page = MIRROR / "www.spacewar.com" / "afp" / "250822091400.8jscpt2f.html"
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "a.html").write_bytes(page.read_bytes())
    manifest = tmp_path / "m.jsonl"
    manifest.write_text(
        json.dumps({"id": "b", "path": "pages/missing.html", "url": SAMPLE})
        + "\n"
        + json.dumps({"id": "a", "path": "pages/a.html", "url": SAMPLE})
        + "\n"
    )
    result = newscrawl("extract", "--manifest", str(manifest))
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(line["id"], line["path"]) for line in lines] == [
        ("b", "pages/missing.html"),
        ("a", "pages/a.html"),
    ]
    assert "error" in lines[0]
    assert lines[1]["headline"].startswith("North Korea")


def test_extract_with_nothing_to_do_is_a_usage_error() -> None:
    result = newscrawl("extract")
    assert result.returncode != 0
    assert "FILE" in result.stderr
