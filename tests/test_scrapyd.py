"""Deploy to a real Scrapyd on 127.0.0.1 and run a crawl of the offline mirror through it.

The test copies the project (package, scrapy.cfg, pyproject.toml, setup.py) to a scratch
folder, points its ``[deploy]`` target at a scrapyd it starts on a free port, deploys with
``scrapyd-deploy`` (an egg built by setuptools), schedules ``smn`` through
``schedule.json`` with ``MIRROR_DIR`` and ``STORE_URL`` as settings (so the crawl never
leaves the machine), waits for the job and reads the items scrapyd wrote.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import MIRROR, MIRROR_STORIES, ROOT, SPIDERS

from tests.support.servers import free_port


def call(base: str, endpoint: str, data: list[tuple[str, str]] | None = None) -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(f"{base}/{endpoint}", data=body, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture
def scrapyd(tmp_path: Path):
    port = free_port()
    home = tmp_path / "scrapyd"
    home.mkdir()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        f"bind_address = 127.0.0.1\nhttp_port = {port}\n"
        "eggs_dir = eggs\nlogs_dir = logs\nitems_dir = items\ndbs_dir = dbs\n"
        "poll_interval = 0.5\nmax_proc = 1\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    log = (home / "scrapyd.out").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "scrapyd"], cwd=home, env=env, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                assert call(base, "daemonstatus.json")["status"] == "ok"
                break
            except OSError:
                assert process.poll() is None, (home / "scrapyd.out").read_text()
                assert time.monotonic() < deadline, "scrapyd did not start"
                time.sleep(0.2)
        yield base, home, env
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_deploy_schedule_and_read_items(scrapyd, tmp_path: Path) -> None:
    base, home, env = scrapyd
    project = tmp_path / "project"
    shutil.copytree(ROOT / "newscrawl", project / "newscrawl",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(ROOT / name, project / name)
    cfg = (ROOT / "scrapy.cfg").read_text().replace("http://127.0.0.1:6800/", f"{base}/")
    (project / "scrapy.cfg").write_text(cfg)

    deploy = subprocess.run(
        [sys.executable, "-m", "scrapyd_client.deploy", "-v", "1"],
        cwd=project, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    assert '"status": "ok"' in deploy.stdout and f'"spiders": {len(SPIDERS)}' in deploy.stdout
    assert call(base, "listspiders.json?project=newscrawl")["spiders"] == SPIDERS

    store = tmp_path / "store.db"
    job = call(base, "schedule.json", [
        ("project", "newscrawl"), ("spider", "smn"),
        ("setting", f"MIRROR_DIR={MIRROR}"), ("setting", f"STORE_URL=sqlite:///{store}"),
    ])  # fmt: skip
    assert job["status"] == "ok", job
    deadline = time.monotonic() + 120
    while True:
        jobs = call(base, "listjobs.json?project=newscrawl")
        if any(j["id"] == job["jobid"] for j in jobs["finished"]):
            break
        assert time.monotonic() < deadline, jobs
        time.sleep(0.5)

    items = home / "items" / "newscrawl" / "smn" / f"{job['jobid']}.jl"
    log = (home / "logs" / "newscrawl" / "smn" / f"{job['jobid']}.log").read_text()
    assert items.exists(), log[-3000:]
    lines = [json.loads(line) for line in items.read_text("utf-8").splitlines()]
    assert len(lines) == MIRROR_STORIES, log[-3000:]
    assert {line["site"] for line in lines} == {"spacewar.com", "spacedaily.com", "terradaily.com",
                                                "marsdaily.com"}  # fmt: skip
    assert "Run report (finished)" in log
    assert f"'newscrawl/stored': {MIRROR_STORIES}" in log
    assert store.exists()
