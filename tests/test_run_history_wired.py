"""With the hooks in place (settings, CLI, per-site failures): a plain crawl records its
run, failures are counted per site, and ``newscrawl report`` is a sub-command."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import MIRROR, ROOT, scrapy_command

from newscrawl.storage import open_store

LOST_PAGE = "www.spacewar.com/reports/Britain_orders_new_military_communications_satellite_999.html"


def test_a_plain_crawl_records_its_run_with_failures_per_site(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    shutil.copytree(MIRROR, mirror)
    (mirror / LOST_PAGE).unlink()
    store_url = f"sqlite:///{tmp_path / 'store.db'}"
    result = scrapy_command("crawl", "smn", "-s", f"MIRROR_DIR={mirror}",
                            "-s", f"STORE_URL={store_url}")  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    (run,) = open_store(store_url).runs()
    rows = {row["site"]: row for row in run["sites"]}
    lost = run["failures"]["http_404"]
    assert rows["spacewar.com"]["failures"] == {"http_404": lost}
    assert (
        rows["all"]["failures"] == {"http_404": lost} and rows["spacedaily.com"]["failures"] == {}
    )
    report = subprocess.run(
        [sys.executable, "-m", "newscrawl.cli", "report", "--store", store_url, "--json", "-",
         "--site", "spacewar.com"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert report.returncode == 0, report.stderr
    data = json.loads(report.stdout)
    assert data["failures"]["scope"] == "site"
    assert [p["http_404"] for p in data["failures"]["points"]] == [lost]


def test_run_history_can_be_turned_off(tmp_path: Path) -> None:
    store_url = f"sqlite:///{tmp_path / 'store.db'}"
    result = scrapy_command(
        "crawl", "smn", "-s", f"MIRROR_DIR={MIRROR}",
        "-s", f"STORE_URL={store_url}", "-s", "NEWSCRAWL_RUN_HISTORY=False",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert open_store(store_url).runs() == []
