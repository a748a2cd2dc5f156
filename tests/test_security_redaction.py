"""Passwords in connection URLs never reach a log line, an error or a traceback
(newscrawl/redact.py; SECURITY.md, "Credentials").

Real crawls and ``newscrawl export`` runs against the tests' PostgreSQL (trust
authentication: it accepts any password, so a URL with one works) and Redis, each with a
password that must not appear anywhere in what the process printed.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import MIRROR, ROOT, scrapy_command

from newscrawl.redact import redact_url, scrub
from newscrawl.storage import open_store
from tests.support.servers import free_port


def crawl(*settings: str) -> subprocess.CompletedProcess[str]:
    """A small crawl of the mirror (one section page, no feeds or sitemaps)."""
    args = [arg for setting in settings for arg in ("-s", setting)]
    return scrapy_command(
        "crawl", "spacewar", "-a", "sections=military-space", "-a", "max_pages=1",
        "-s", f"MIRROR_DIR={MIRROR}", "-s", "NEWSCRAWL_COVERAGE_MIN_ARTICLES=1000", *args,
    )  # fmt: skip


def printed(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


def test_a_store_password_never_reaches_the_crawl_log(postgres) -> None:
    plain = postgres.new_database()
    open_store(plain).close()  # a reading command never creates a store: a crawl would
    url = plain.replace("postgres@", "postgres:Userinfo4Secret@")
    result = crawl(f"STORE_URL={url}?password=Param4Secret&application_name=nc")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Storing articles in postgresql://postgres:***@" in result.stderr
    assert "password=***" in result.stderr
    assert "Secret" not in printed(result)


@pytest.mark.parametrize(
    "store_url",
    [
        # libpq quotes a token it cannot percent-decode, password included
        "postgresql://postgres:Bad%zzEscape4Secret@127.0.0.1:{port}/x",
        # nothing listens there: the error names the store
        "postgresql://postgres@127.0.0.1:{closed}/x?password=Param4Secret",
        "postgresql://postgres:Userinfo4Secret@127.0.0.1:{closed}/x",
        # an unsupported scheme was echoed whole
        "mysql://reader:Userinfo4Secret@db.example/news?password=Param4Secret",
    ],
)
def test_a_store_that_cannot_open_prints_no_password(postgres, store_url: str) -> None:
    url = store_url.format(port=postgres.port, closed=free_port())
    result = crawl(f"STORE_URL={url}")
    assert result.returncode != 0
    assert "store" in result.stderr.lower()
    assert "Secret" not in printed(result)
    exported = subprocess.run(
        [sys.executable, "-m", "newscrawl.cli", "export", "--store", url],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert exported.returncode != 0 and "Secret" not in printed(exported)


def test_export_prints_no_password(postgres, tmp_path) -> None:
    plain = postgres.new_database()
    open_store(plain).close()  # a reading command never creates a store: a crawl would
    url = plain.replace("postgres@", "postgres:Userinfo4Secret@")
    exported = subprocess.run(
        [sys.executable, "-m", "newscrawl.cli", "export", "--store",
         f"{url}?password=Param4Secret", "-o", str(tmp_path / "out.jsonl")],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    assert "exported 0 records" in exported.stderr and "Secret" not in printed(exported)


def test_a_redis_password_never_reaches_the_log(redis_server) -> None:
    closed = f"redis://:Redis4Secret@127.0.0.1:{free_port()}/0"
    result = crawl(f"REDIS_URL={closed}", "STORE_URL=")
    assert result.returncode != 0
    assert "Secret" not in printed(result)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u:pw@db:5432/news", "postgresql://u:***@db:5432/news"),
        ("postgresql://u:p%40ss@db/news?password=x&sslmode=require",
         "postgresql://u:***@db/news?password=***&sslmode=require"),
        ("redis://:pw@queue:6379/0", "redis://:***@queue:6379/0"),
        ("redis://queue/0?PassWord=x", "redis://queue/0?PassWord=***"),
        ("postgresql://u:pw@db:notaport/news", "postgresql://u:***@db:notaport/news"),
        # a "/" its writer forgot to escape: the password still ends at the "@"
        ("postgresql://u:pw/with/slash@db/news", "postgresql://u:***@db/news"),
        ("sqlite:///newscrawl.db", "sqlite:///newscrawl.db"),
        ("postgresql://u@db/news?sslpassword=k&token=t&user=u",
         "postgresql://u@db/news?sslpassword=***&token=***&user=u"),
    ],
)  # fmt: skip
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_scrub_masks_secrets_wherever_a_driver_echoed_them() -> None:
    url = "postgresql://u:se%7Ccret@db/news?password=p%40ram"
    message = 'invalid token: "se%7Ccret", or se|cret, and p@ram, at postgresql://u:x@db/n'
    assert scrub(message, [url]) == (
        'invalid token: "***", or ***, and ***, at postgresql://u:***@db/n'
    )
