"""The downloader guards (newscrawl/downloadermiddlewares/guard.py): unit rules, then a
careless spider's crawl.

The crawl goes through the fault site's proxy on 127.0.0.1, which answers every request
itself: a link the guard fails to stop is recorded there, never sent anywhere else.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from conftest import ROOT, scrapy_command

from newscrawl.downloadermiddlewares.guard import is_internal_host
from tests.support.faultsite import FORBIDDEN_LINKS, SITE, FaultSite

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "STORE_URL=",
        "-s", "DOWNLOAD_TIMEOUT=2", "-s", "RETRY_TIMES=0"]  # fmt: skip
# javascript: and mailto: links cannot even become Scrapy requests; these can.
NOT_HTTP = [u for u in FORBIDDEN_LINKS if u.startswith(("data:", "file:", "ftp:"))]
INTERNAL = [u for u in FORBIDDEN_LINKS if u.startswith("http") and is_internal_host(
    urlsplit(u).hostname or "")]  # fmt: skip


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "127.0.0.2", "127.1", "2130706433", "0x7f.0.0.1", "0177.0.0.1", "[::1]",
     "::1", "0.0.0.0", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254",
     "100.64.0.1", "fe80::1", "fe80::1%eth0", "fc00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
     "64:ff9b::a00:1", "2002:a00:1::", "224.0.0.1", "ff02::1", "localhost", "LOCALHOST.",
     "db.localhost", "240.0.0.1", "255.255.255.255"],
)  # fmt: skip
def test_internal_hosts(host: str) -> None:
    assert is_internal_host(host)


@pytest.mark.parametrize(
    "host",
    ["example.com", "8.8.8.8", "2606:4700:4700::1111", "faults.invalid", "127.example.com",
     "10.0.0.1.example.com", "localhost.example.com", "deadbeef", "1e100.net"],
)  # fmt: skip
def test_public_hosts(host: str) -> None:
    assert not is_internal_host(host)


def naive_crawl(site: FaultSite, start: str):
    return scrapy_command(
        "runspider", str(ROOT / "tests" / "support" / "naive_spider.py"), "-a", f"start={start}",
        *FAST,
        env={"http_proxy": site.url, "https_proxy": site.url},
    )  # fmt: skip


def stat(stderr: str, name: str) -> int:
    match = re.search(rf"'{re.escape(name)}': (\d+)", stderr)
    return int(match.group(1)) if match else 0


def test_a_spider_following_every_link_reaches_no_internal_address() -> None:
    with FaultSite() as site:
        result = naive_crawl(site, f"http://{SITE}/links/")
        urls = site.urls
    assert result.returncode == 0, result.stderr[-3000:]
    hosts = {urlsplit(u).hostname for u in urls}
    assert not [h for h in hosts if is_internal_host(h or "")], urls
    assert {urlsplit(u).scheme for u in urls} == {"http"}
    # The careless spider does reach the public names (no scope): the guard is about
    # addresses and schemes, the news spider's scope about sites.
    assert {"other.invalid", f"ads.{SITE}"} <= hosts
    assert stat(result.stderr, "newscrawl/refused/scheme") == len(NOT_HTTP)
    assert stat(result.stderr, "naive/unrequestable") == 2  # javascript:, mailto:
    assert "Spider error" not in result.stderr
    # Every internal link, and the redirects to 169.254.169.254 and 127.0.0.2.
    assert stat(result.stderr, "newscrawl/refused/internal_address") == len(INTERNAL) + 2
    assert "'newscrawl/failures/redirect_not_followed': 1" in result.stderr  # to file:


def test_the_start_host_is_allowed_even_on_loopback() -> None:
    """Started on 127.0.0.1 (say, a local staging site), the crawl may read it, and still
    not 127.0.0.2, [::1], 10.0.0.1, localhost..."""
    with FaultSite() as site:
        site.hosts.add("127.0.0.1:9")  # through the proxy: nothing listens on port 9
        result = naive_crawl(site, "http://127.0.0.1:9/links/")
        urls = site.urls
    assert result.returncode == 0, result.stderr[-3000:]
    internal = {urlsplit(u).netloc for u in urls if is_internal_host(urlsplit(u).hostname or "")}
    assert internal == {"127.0.0.1:9"}
    assert "http://127.0.0.1:9/redirect/to-metadata" in urls  # its own pages are read ...
    assert stat(result.stderr, "newscrawl/refused/internal_address") == len(INTERNAL) + 2
