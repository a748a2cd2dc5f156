"""The downloader guards (newscrawl/downloadermiddlewares/guard.py): unit rules, then a
careless spider's crawl.

The crawl goes through the fault site's proxy on 127.0.0.1, which answers every request
itself: a link the guard fails to stop is recorded there, never sent anywhere else.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from conftest import ROOT, scrapy_command
from scrapy import Request, Spider
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from newscrawl.downloadermiddlewares.guard import (
    AddressGuardMiddleware,
    PrivateAnswer,
    is_internal_host,
)
from tests.support.faultsite import FORBIDDEN_LINKS, SITE, FaultSite
from tests.support.servers import RecordingProxy

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
     "db.localhost", "240.0.0.1", "255.255.255.255",
     # IPv6 ranges Python 3.11 calls global: IPv4-compatible, IPv4-translated, local-use
     # NAT64, site-local; and documentation, discard, unique local
     "::7f00:1", "::a00:1", "::ffff:0:7f00:1", "64:ff9b:1::a00:1", "fec0::1", "2001:db8::1",
     "100::1", "fd12::1"],
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
    assert internal == {"127.0.0.1:9"}  # not 127.0.0.1:6379: the exception is host AND port
    assert "http://127.0.0.1:9/redirect/to-metadata" in urls  # its own pages are read ...
    assert stat(result.stderr, "newscrawl/refused/internal_address") == len(INTERNAL) + 2


# -- names that resolve to internal addresses (ADDRESS_GUARD_DNS, newscrawl/resolver.py) ---
# No proxy here: the crawler resolves names itself, through a table resolver
# (tests/support/resolver.py) that answers 127.0.0.1, where the test's server listens.


def dns_crawl(server: RecordingProxy, *extra: str):
    port = server.server_address[1]
    hosts = {"news.test": "127.0.0.1", "www.news.test": "127.0.0.1"}
    return scrapy_command(
        "crawl", "news", "-a", f"start_urls=http://news.test:{port}/", *FAST,
        "-s", "TWISTED_DNS_RESOLVER=tests.support.resolver.TableResolver",
        "-s", f"TEST_DNS_HOSTS={json.dumps(hosts)}",
        # A one-page site: its robots.txt, feeds and sitemaps are 404s on purpose.
        "-s", "NEWSCRAWL_MAX_FAILURE_SHARE=1.0", *extra,
        env={"PYTHONPATH": str(ROOT)},
    )  # fmt: skip


def test_a_name_resolving_to_an_internal_address_is_refused(tmp_path: Path) -> None:
    """The start host may be private (the user's choice); its ``www.`` twin, in the news
    spider's scope, resolves to 127.0.0.1 too and is refused, robots.txt included."""
    (tmp_path / "news.test").mkdir()
    with RecordingProxy(tmp_path) as server:
        port = server.server_address[1]
        (tmp_path / "news.test" / "index.html").write_text(
            f'<html><body><h1>News</h1><a href="http://www.news.test:{port}/admin/">Admin</a>'
            "</body></html>"
        )
        guarded = dns_crawl(server)
        guarded_urls = list(server.requests)
        server.requests.clear()
        unguarded = dns_crawl(server, "-s", "ADDRESS_GUARD_DNS=False")
        unguarded_urls = list(server.requests)
    assert unguarded.returncode == 0, unguarded.stderr[-3000:]
    assert guarded.returncode == 0, guarded.stderr[-3000:]
    assert f"http://news.test:{port}/" in guarded_urls
    assert not [u for u in guarded_urls if "www.news.test" in u], guarded_urls
    assert stat(guarded.stderr, "newscrawl/refused/resolved_internal") >= 1
    assert "Traceback" not in guarded.stderr
    # The same crawl without the check reaches the private host: what the check stops.
    assert f"http://www.news.test:{port}/admin/" in unguarded_urls


def test_the_resolver_checks_its_answers_against_the_crawl() -> None:
    """At connect time too (:class:`GuardedResolver`): a name whose cached answer was
    evicted, or which answers differently the second time, still gets no internal address."""
    from twisted.internet import reactor

    from tests.support.resolver import TableResolver

    class Probe(Spider):
        name = "probe"

    hosts = {"news.test": "127.0.0.1", "www.news.test": "10.1.2.3", "public.test": "93.184.216.34",
             "rebound.test": "127.0.0.1"}  # fmt: skip
    outcomes = {}
    for check in (True, False):
        settings = {"ADDRESS_GUARD_DNS": check, "TEST_DNS_HOSTS": hosts,
                    "DOWNLOADER_MIDDLEWARES": {AddressGuardMiddleware: 40}}  # fmt: skip
        crawler = get_crawler(Probe, settings)
        crawler.spider = crawler._create_spider()
        crawler._engine = crawler._create_engine()
        guard = crawler.get_downloader_middleware(AddressGuardMiddleware)
        for start in ("http://news.test:8000/", "https://rebound.test/"):
            guard.request_scheduled(Request(start, meta={"is_start_request": True}))
        # rebound.test first answered a public address (the guard saw it): a private one
        # now is rebinding. news.test answered 127.0.0.1 from the start: the user's choice.
        assert not guard.refuses_answer("rebound.test", "93.184.216.34")
        process = SimpleNamespace(settings=crawler.settings, crawlers={crawler})
        resolver = TableResolver.from_crawler(process, reactor)
        answers: list = []
        for name in ("www.news.test", "news.test", "public.test", "rebound.test"):
            resolver.getHostByName(name).addBoth(answers.append)
        outcomes[check] = answers
    refused, start, public, rebound = outcomes[True]
    assert isinstance(refused, Failure) and refused.check(PrivateAnswer)
    assert (start, public) == ("127.0.0.1", "93.184.216.34")
    assert isinstance(rebound, Failure) and rebound.check(PrivateAnswer)
    assert outcomes[False] == ["10.1.2.3", "127.0.0.1", "93.184.216.34", "127.0.0.1"]
