"""Shared test fixtures: paths of the project's own fixtures, and a crawl runner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# STORE_URL and REDIS_URL in the environment reach every crawl and command
# (newscrawl.environment): the tests name their stores and servers themselves, so an
# operator's exported values must not leak into them (or their subprocesses).
for _name in ("STORE_URL", "REDIS_URL"):
    os.environ.pop(_name, None)

ROOT = Path(__file__).resolve().parents[1]
MIRROR = ROOT / "fixtures" / "mirror"
STORIES = ROOT / "fixtures" / "stories.json"
PAGES = ROOT / "fixtures" / "pages"
SYNDICATED = ROOT / "fixtures" / "syndicated.json"
PLATFORM2026 = ROOT / "fixtures" / "platform2026.json"
# Distinct stories in the mirror's three classic SMN sites: stories.json plus the
# syndicated story.
CLASSIC_STORIES = len(json.loads(STORIES.read_text(encoding="utf-8"))) + 1
# Distinct stories `scrapy crawl smn` stores from the mirror: the classic sites' and those
# of MarsDaily.com on the 2026 platform, whose wire story is one SpaceDaily.com carries.
MIRROR_STORIES = CLASSIC_STORIES + sum(
    "wire_of" not in story
    for story in json.loads(PLATFORM2026.read_text(encoding="utf-8"))["stories"]
)
# What `scrapy list` prints, written out (not read from the package) so that a spider
# added or lost is a failing test in each place that shows the list to users.
SPIDERS = ["marsdaily", "news", "smn", "spacedaily", "spacewar", "terradaily", "warc"]


@pytest.fixture(scope="session")
def stories() -> list[dict]:
    return json.loads(STORIES.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def syndicated() -> dict:
    """The story carried by three sister sites with edits (a near-duplicate in each)."""
    return json.loads(SYNDICATED.read_text(encoding="utf-8"))


def scrapy_command(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT):
    """Run ``scrapy ARGS`` in a subprocess (the way users run it) and return the result."""
    full_env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
    )


# -- real servers: one PostgreSQL and one Redis per test session (tests/services.py) -------


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server on 127.0.0.1; skipped (with the reason) where it is not installed."""
    import shutil as _shutil

    from tests.support.services import PostgresServer, postgres_bin

    bindir = postgres_bin()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not installed (.ci/run installs postgresql)")
    if os.geteuid() == 0 and _shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: PostgreSQL refuses to run as root")
    server = PostgresServer(bindir).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server():
    """A redis-server on 127.0.0.1; skipped (with the reason) where it is not installed."""
    import shutil as _shutil

    from tests.support.services import RedisServer

    binary = _shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server not installed (.ci/run installs redis-server)")
    server = RedisServer(binary).start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path: Path) -> str:
    """A fresh, empty store of each backend: store-level tests run on both."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 's.db'}"
    return request.getfixturevalue("postgres").new_database()
