"""Expected download failures are one counted log line each; real bugs keep their traceback.

A timeout, a reset, a truncated body, a body over ``DOWNLOAD_MAXSIZE``, a refused
connection and a failed DNS lookup happen on the web every day: each is one warning
``Download failed (KIND): URL`` and a ``newscrawl/failures/KIND`` count, never a Python
traceback an operator would take for a bug (newscrawl/downloadermiddlewares/failures.py).
An exception raised by our own code (a middleware, a pipeline) is a bug, and its
traceback must still reach the log. (The fault site's own failures are checked in
tests/test_faults.py, on its crawl.)
"""

from __future__ import annotations

import json
import socket
from collections import Counter
from pathlib import Path

import pytest
from conftest import scrapy_command
from test_faults import SETTINGS, failed_lines, report

from newscrawl import settings as project
from tests.support.buggy import BUG_PATH
from tests.support.faultsite import ARTICLES, SITE, FaultSite


def run_news(folder: Path, start_urls: list[str], *extra: str, env: dict[str, str]):
    settings = [arg for name, value in SETTINGS.items() for arg in ("-s", f"{name}={value}")]
    return scrapy_command(
        "crawl", "news", "-a", "start_urls=" + ",".join(start_urls),
        "-s", f"STORE_URL=sqlite:///{folder / 'store.db'}",
        "-s", f"NEWSCRAWL_REPORT_FILE={folder / 'report.json'}", *settings, *extra,
        env=env,
    )  # fmt: skip


def test_refused_connections_and_failed_lookups_are_counted_lines(tmp_path) -> None:
    """No proxy here: a host name the test's resolver does not know (the project's
    resolver with its lookup answered from a table, tests/support/resolver.py),
    and a loopback port nobody listens on (start URLs may be loopback addresses)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]  # closed again at once: connections are refused
    result = run_news(
        tmp_path,
        ["http://nowhere.invalid/", f"http://127.0.0.1:{closed}/"],
        "-s", "TWISTED_DNS_RESOLVER=tests.support.resolver.TableResolver",
        "-s", 'TEST_DNS_HOSTS={"127.0.0.1": "127.0.0.1"}',  # as gethostbyname answers an IP
        "-s", "RETRY_TIMES=0",
        env={},
    )  # fmt: skip
    # Every request fails: the crawl ends normally and the failure-share monitor says so.
    assert result.returncode == 3, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    lines = Counter(kind for kind, _ in failed_lines(result.stderr))
    failures = {k: v for k, v in report(tmp_path)["failures"].items() if k}
    # robots.txt and the page, for each host: every failure is one line and one count.
    assert failures == dict(lines) == {"dns": 2, "connection_refused": 2}
    urls = {url for _, url in failed_lines(result.stderr)}
    assert {"http://nowhere.invalid/", f"http://127.0.0.1:{closed}/"} <= urls


@pytest.fixture(scope="module")
def buggy_crawl(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("buggy")
    middlewares = {**project.DOWNLOADER_MIDDLEWARES,
                   "tests.support.buggy.BuggyDownloaderMiddleware": 500}  # fmt: skip
    pipelines = {**project.ITEM_PIPELINES, "tests.support.buggy.BuggyPipeline": 50}
    with FaultSite() as site:
        yield run_news(
            folder,
            [f"http://{SITE}{ARTICLES[0].path}", f"http://{SITE}{BUG_PATH}download"],
            "-s", "DOWNLOADER_MIDDLEWARES=" + json.dumps(middlewares),
            "-s", "ITEM_PIPELINES=" + json.dumps(pipelines),
            env={"http_proxy": site.url, "https_proxy": site.url},
        ), folder  # fmt: skip


def test_a_bug_in_a_downloader_middleware_keeps_its_traceback(buggy_crawl) -> None:
    result, folder = buggy_crawl
    stderr = result.stderr
    assert f"Error downloading <GET http://{SITE}{BUG_PATH}download>" in stderr
    assert "Traceback" in stderr and "ValueError: a bug in a downloader middleware" in stderr
    assert not failed_lines(stderr)  # not passed off as an expected failure
    assert report(folder)["failures"].get("value_error") == 1  # and still counted


def test_a_bug_in_a_pipeline_keeps_its_traceback(buggy_crawl) -> None:
    stderr = buggy_crawl[0].stderr
    assert "RuntimeError: a bug in a pipeline" in stderr
    before = stderr.split("RuntimeError: a bug in a pipeline")[0]
    assert "Traceback (most recent call last)" in before.split("Error processing")[-1]


def test_an_errback_names_the_kind_of_a_quiet_failure() -> None:
    """A story's part lost to a timeout says ``timeout``, not the wrapper's name
    (newscrawl.spiders.multipage's errback reads the kind with failure_kind)."""
    from newscrawl.downloadermiddlewares.failures import failure_kind
    from newscrawl.exceptions import DownloadFailed

    assert failure_kind(DownloadFailed("timeout", "https://example.org/a/2")) == "timeout"
    assert failure_kind(DownloadFailed("dns", "https://example.org/a/2")) == "dns"
