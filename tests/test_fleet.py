"""A fleet of workers on one Redis and one PostgreSQL store, against a single-process crawl.

Real servers (``postgres`` and ``redis_server`` session fixtures), real ``scrapy crawl``
processes, the mirror served over HTTP(S) by the recording proxy on 127.0.0.1.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import signal
import subprocess
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

import pytest
from conftest import MIRROR, MIRROR_STORIES, ROOT, STORIES
from scrapy import Request, Spider
from scrapy.utils.test import get_crawler

from newscrawl.storage import open_store
from newscrawl.urls import canonicalize_url
from tests.support.servers import RecordingProxy
from tests.support.snapshot import store_snapshot

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=4"]  # fmt: skip
# Coverage monitors judge each worker's share of the crawl: a share of a dozen articles of
# one site can dip under a floor by chance (exit status 3), which is not what is tested here.
FLEET = ["-s", "FLEET_IDLE_TIMEOUT=2", "-s", "FLEET_LEASE_TIMEOUT=3", "-s", "FLEET_TICK=0.2",
         "-s", "NEWSCRAWL_COVERAGE_MIN_ARTICLES=1000"]  # fmt: skip


def start_crawl(store_url: str, proxy: RecordingProxy, log: Path, *extra: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update(http_proxy=proxy.url, https_proxy=proxy.url)
    return subprocess.Popen(
        [sys.executable, "-m", "scrapy", "crawl", "smn", "-s", f"STORE_URL={store_url}",
         "-s", f"LOG_FILE={log}", *FAST, *extra],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def stories(store_url: str) -> tuple[set[frozenset[str]], Counter[str], set]:
    """Each stored story as the set of its URLs (canonical + aliases), how many times each
    URL is in the store, and the rejections. (Which copy is canonical is compared too, with
    the whole store: ``store_snapshot``.)"""
    store = open_store(store_url)
    groups: dict[str, set[str]] = {r["url"]: {r["url"]} for r in store.articles()}
    for alias, url, _ in store.aliases():
        groups[url].add(alias)
    counts = Counter(u for group in groups.values() for u in group)
    rejections = set(store.rejections())
    store.close()
    return {frozenset(g) for g in groups.values()}, counts, rejections


def split_story(store_url: str) -> tuple[frozenset[str], list[dict]]:
    """The URLs of the mirror's story over three pages (both copies, every page), and its
    stored records (fixtures/stories.json ``page_breaks``)."""
    story = next(s for s in json.loads(STORIES.read_text("utf-8")) if s.get("page_breaks"))
    urls = frozenset(
        canonicalize_url(f"https://{p['site']}{p['path']}".replace(".html", suffix))
        for p in story["placements"]
        for suffix in (".html", "_2.html", "_3.html")
    )
    store = open_store(store_url)
    found = [r for r in store.articles() if r["url"] in urls]
    store.close()
    return urls, found


def article_fetches(requests: list[str]) -> Counter[str]:
    return Counter(
        canonicalize_url(url) for url in requests if "/reports/" in url or "/afp/" in url
    )


@pytest.fixture(scope="module")
def single(postgres, tmp_path_factory):
    """The reference: one process, no Redis, into its own PostgreSQL database."""
    folder = tmp_path_factory.mktemp("single")
    store_url = postgres.new_database()
    with RecordingProxy(MIRROR) as proxy:
        process = start_crawl(store_url, proxy, folder / "log")
        assert process.wait(240) == 0, (folder / "log").read_text()[-3000:]
        requests = list(proxy.requests)
    SNAPSHOTS["single"] = store_snapshot(store_url)
    return stories(store_url), article_fetches(requests)


# The single process's store, whole: which copy of each story is canonical is a rule about
# the copies (newscrawl.canonical), so workers racing each other store exactly the same.
SNAPSHOTS: dict[str, dict] = {}


def wait_all(processes: list[subprocess.Popen], timeout: float = 240) -> list[int]:
    deadline = time.monotonic() + timeout
    return [p.wait(max(1, deadline - time.monotonic())) for p in processes]


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_three_workers_store_what_one_process_stores_each_once(
    single, postgres, redis_server, tmp_path: Path, backend: str
) -> None:
    """PostgreSQL is the fleet's store; workers on one machine may share a SQLite file
    (one shared flock, one write lock), and must store the same set too."""
    (groups, _, rejections), single_fetches = single
    assert len(groups) == MIRROR_STORIES
    redis_db = {"postgresql": "/1", "sqlite": "/5"}[backend]
    redis_url = redis_server.url.replace("/0", redis_db)
    store_url = (
        postgres.new_database() if backend == "postgresql" else f"sqlite:///{tmp_path}/fleet.db"
    )
    with RecordingProxy(MIRROR) as proxy:
        workers = [
            start_crawl(
                store_url, proxy, tmp_path / f"w{n}.log", "-s", f"REDIS_URL={redis_url}", *FLEET
            )  # fmt: skip
            for n in range(3)
        ]
        codes = wait_all(workers)
        requests = list(proxy.requests)
    logs = [(tmp_path / f"w{n}.log").read_text() for n in range(3)]
    assert codes == [0, 0, 0], logs[0][-3000:]
    fleet_groups, counts, fleet_rejections = stories(store_url)
    assert fleet_groups == groups
    assert set(counts.values()) == {1}, "every URL once: as a story or as an alias"
    assert fleet_rejections == rejections
    assert store_snapshot(store_url) == SNAPSHOTS["single"]
    # Parts of a story split over pages are fetched like articles, by any worker, and the
    # story is one record: its six pages (two copies) one group, its body whole.
    pages, (record,) = split_story(store_url)
    assert pages in fleet_groups
    assert (record["pages"], record["incomplete"], record["body"].count("\n\n")) == (3, False, 8)
    stitched = [
        int(n) for log in logs for n in re.findall(r"'newscrawl/multipage/parts': (\d+)", log)
    ]
    assert sum(stitched) == 4, "each later page of each copy stitched once, fleet-wide"
    fetches = article_fetches(requests)
    assert set(fetches) == set(single_fetches)
    assert max(fetches.values()) == 1, [u for u, n in fetches.items() if n > 1]
    assert all("Fleet worker" in log for log in logs)
    working = [log for log in logs if "newscrawl/stored" in log]
    assert len(working) >= 2, "the work was shared"


def test_a_worker_killed_mid_crawl_loses_no_request(
    single, postgres, redis_server, tmp_path: Path
) -> None:
    (groups, _, rejections), _ = single
    store_url, redis_url = postgres.new_database(), redis_server.url.replace("/0", "/2")
    slow = ["-s", "DOWNLOAD_DELAY=0.05", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2"]
    args = ["-s", f"REDIS_URL={redis_url}", *FLEET, *slow]
    with RecordingProxy(MIRROR) as proxy:
        victim = start_crawl(store_url, proxy, tmp_path / "victim.log", *args)
        other = start_crawl(store_url, proxy, tmp_path / "other.log", *args)
        deadline = time.monotonic() + 120
        while len(article_fetches(proxy.requests)) < 15 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert victim.poll() is None, "the crawl ended before the kill"
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(10)
        restarted = start_crawl(store_url, proxy, tmp_path / "restarted.log", *args)
        codes = wait_all([other, restarted])
    assert codes == [0, 0], (tmp_path / "other.log").read_text()[-3000:]
    fleet_groups, counts, fleet_rejections = stories(store_url)
    assert fleet_groups == groups
    assert set(counts.values()) == {1}
    assert fleet_rejections == rejections
    assert store_snapshot(store_url) == SNAPSHOTS["single"]
    logs = (tmp_path / "other.log").read_text() + (tmp_path / "restarted.log").read_text()
    assert "is gone:" in logs, "the killed worker's leases were taken back"


# -- the scrapy-redis adaptation (newscrawl.fleet): fails if an upgrade breaks it ----------


class _Spider(Spider):
    name = "probe"


def scheduler_for(redis_url: str):
    from newscrawl.addons import FleetAddon
    from newscrawl.fleet.scheduler import FleetScheduler

    crawler = get_crawler(_Spider, settings_dict={"REDIS_URL": redis_url, "FLEET_TICK": 60,
                                                  "ADDONS": {FleetAddon: 0}})  # fmt: skip
    crawler.spider = _Spider.from_crawler(crawler)
    scheduler = FleetScheduler.from_crawler(crawler)
    return crawler, scheduler


def test_scrapy_redis_adaptation_leases_filters_and_recovers(redis_server) -> None:
    import scrapy_redis
    from scrapy.core.engine import ExecutionEngine, _Slot
    from scrapy.exceptions import ScrapyDeprecationWarning

    from newscrawl.fleet.queue import LEASE_META, fleet_status

    assert scrapy_redis.__version__ == "0.9.1", "re-check newscrawl.fleet against the new version"
    # The engine internals the fleet reads (see newscrawl.fleet's docstring): a request is
    # in the slot's ``inprogress`` from download until its output was processed.
    assert "self.inprogress" in inspect.getsource(_Slot.__init__)
    assert "self.nextcall" in inspect.getsource(_Slot.__init__)
    assert "self._slot.add_request(request)" in inspect.getsource(ExecutionEngine._download)
    assert "_remove_request" in inspect.getsource(ExecutionEngine._start_scheduled_request)
    redis_url = redis_server.url.replace("/0", "/3")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ScrapyDeprecationWarning)
        crawler, first = scheduler_for(redis_url)
        first.open(crawler.spider)
        first.ticker.stop()
        article = {"newscrawl_article": True}
        spelled = "https://www.a.example/s/1?utm_source=x"
        assert first.enqueue_request(Request(spelled, meta=article))
        assert not first.enqueue_request(Request("http://a.example/s/1", meta=article))
        assert first.enqueue_request(Request("https://a.example/section/"))
        assert not first.enqueue_request(Request("https://a.example/section/"))
        leased = first.next_request()
        assert leased is not None and leased.meta[LEASE_META]
        status = fleet_status(first.server, "probe")
        assert status["queued"] == 1 and status["workers"][first.worker]["leases"] == 1

        # The first worker dies (its heartbeat expires): a second one takes its lease back.
        first.server.delete(first.keys["alive"])
        crawler2, second = scheduler_for(redis_url)
        second.open(crawler2.spider)
        second.ticker.stop()
        second._recover_dead_workers()
        assert fleet_status(second.server, "probe")["queued"] == 2
        urls = {second.next_request().url, second.next_request().url}
        assert urls == {"https://www.a.example/s/1?utm_source=x", "https://a.example/section/"}
        assert second.next_request() is None
        second.close("finished")  # no engine, nothing in progress: both leases are done
    assert first.server.scard("probe:dupefilter") == 0, "the last worker out clears the filter"


def test_enqueue_and_fleet_commands(redis_server) -> None:
    import json

    from newscrawl.fleet.queue import start_request
    from newscrawl.spiders.smn import SMNSpider

    redis_url = redis_server.url.replace("/0", "/4")

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "newscrawl.cli", *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=60)  # fmt: skip

    url = "https://www.spacewar.com/Military_Space_News.html"
    done = cli("enqueue", "smn", url, "--redis", redis_url)
    assert done.returncode == 0 and "enqueued 1 start URLs for smn" in done.stderr
    status = json.loads(cli("fleet", "smn", "--redis", redis_url).stdout)
    assert status["start_urls"] == 1 and status["queued"] == 0
    assert "no spider 'nope'" in cli("enqueue", "nope", url, "--redis", redis_url).stderr
    assert "not an http(s) URL" in cli("enqueue", "smn", "ftp://x", "--redis", redis_url).stderr
    spider = SMNSpider()
    request = start_request(spider, json.dumps({"url": url}))
    assert request.url == url and request.callback == spider.parse_listing
    assert start_request(spider, "{not json") is None
