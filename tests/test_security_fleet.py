"""What someone who can write to the fleet's Redis can do to the workers: nothing but name
pages the guards would let any link name (SECURITY.md, "The fleet").

Real Redis (the ``redis_server`` fixture, password required), entries planted with plain
Redis commands as an attacker would, and for the crawl a real ``scrapy crawl news`` worker
through the recording proxy on 127.0.0.1, which records whatever it is asked for.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from conftest import MIRROR, ROOT
from scrapy import Request, Spider
from scrapy.utils.test import get_crawler

from newscrawl.fleet.codec import BadEntry, decode, encode
from newscrawl.fleet.queue import LEASE_META, authenticated, check_redis_url
from tests.support.servers import RecordingProxy

START = "https://www.harbourgazette.example/"
METADATA = "http://169.254.169.254/latest/meta-data/iam/"


class Mkdir:
    """A pickle that creates a folder when it is loaded: proof that loading ran code."""

    def __init__(self, folder: Path) -> None:
        self.folder = str(folder)

    def __reduce__(self):  # noqa: ANN204 - pickle's protocol
        return (os.mkdir, (self.folder,))


def planted_entries(marker: Path) -> list[bytes]:
    """What an attacker with Redis access adds to ``SPIDER:requests``."""
    as_dict = Request(METADATA, meta={"is_start_request": True}).to_dict()
    return [
        pickle.dumps(Mkdir(marker)),  # code, for scrapy-redis' default (pickle) serializer
        pickle.dumps(as_dict),  # a request marked as a start request, in scrapy-redis' form
        json.dumps({"url": METADATA, "method": "GET", "meta": {"is_start_request": True}}).encode(),
        json.dumps({"v": 1, "url": METADATA, "meta": {"is_start_request": True}}).encode(),
        json.dumps({"v": 1, "url": f"{START}x", "meta": {"mirror_dir": "/"}}).encode(),
        json.dumps({"v": 1, "url": f"{START}y", "meta": {"proxy": "http://evil.test"}}).encode(),
        json.dumps({"v": 1, "url": f"{START}z", "dont_filter": True}).encode(),
        json.dumps({"v": 1, "url": START, "callback": "__init__"}).encode(),
        json.dumps({"v": 1, "url": "file:///etc/passwd"}).encode(),
        json.dumps({"v": 1, "url": START, "cb_kwargs": {"page": {"$x": 1}}}).encode(),
        b"\x80\x04not even a pickle",
    ]


class _Spider(Spider):
    name = "planted"

    def parse_article(self, response):  # noqa: ANN001, ANN201 - a callback by name
        return []


def scheduler_for(redis_url: str):
    from newscrawl.addons import FleetAddon
    from newscrawl.fleet.scheduler import FleetScheduler

    crawler = get_crawler(_Spider, settings_dict={"REDIS_URL": redis_url, "FLEET_TICK": 60,
                                                  "ADDONS": {FleetAddon: 0}})  # fmt: skip
    crawler.spider = _Spider.from_crawler(crawler)
    scheduler = FleetScheduler.from_crawler(crawler)
    scheduler.open(crawler.spider)
    scheduler.ticker.stop()
    return crawler, scheduler


def test_planted_entries_run_nothing_and_are_dropped_before_a_lease(redis_server, tmp_path) -> None:
    marker = tmp_path / "code-ran"
    crawler, scheduler = scheduler_for(redis_server.url.replace("/0", "/7"))
    server = scheduler.server
    server.flushdb()
    server.sadd(scheduler.keys["workers"], scheduler.worker)
    planted = planted_entries(marker)
    server.zadd(scheduler.queue.key, {entry: -10 for entry in planted})  # ahead of real work
    real = Request("https://a.example/story", callback=crawler.spider.parse_article,
                   meta={"newscrawl_article": True}, cb_kwargs={"section": "x"})  # fmt: skip
    assert scheduler.enqueue_request(real)

    popped = scheduler.next_request()

    assert not marker.exists(), "unpickling a queue entry ran code"
    assert popped is not None and popped.url == real.url
    assert popped.callback == crawler.spider.parse_article
    assert popped.meta["newscrawl_article"] is True and popped.cb_kwargs == {"section": "x"}
    assert server.zcard(scheduler.queue.key) == 0, "every planted entry left the queue"
    assert list(server.hvals(scheduler.keys["leases"])) == [encode(real, crawler.spider).encode()]
    assert popped.meta[LEASE_META]
    assert crawler.stats.get_value("newscrawl/fleet/bad_entries") == len(planted)
    scheduler.close("finished")


def test_encoding_keeps_only_the_schema() -> None:
    spider = _Spider()
    request = Request(
        "https://a.example/story", callback=spider.parse_article, dont_filter=True, priority=3,
        meta={"is_start_request": True, "mirror_dir": "/", "proxy": "http://p", "depth": 2,
              "newscrawl_article": True, "download_slot": "x", "dont_obey_robotstxt": True},
        headers={"Referer": "https://a.example/", "Cookie": "a=b"},
    )  # fmt: skip
    entry = json.loads(encode(request, spider))
    assert entry == {"v": 1, "url": "https://a.example/story", "callback": "parse_article",
                     "priority": 3, "meta": {"newscrawl_article": True, "depth": 2},
                     "referer": "https://a.example/"}  # fmt: skip
    back = decode(json.dumps(entry), spider)
    assert not back.dont_filter and "is_start_request" not in back.meta
    assert back.headers.get("Referer") == b"https://a.example/" and "Cookie" not in back.headers
    with pytest.raises(ValueError, match="callback"):
        encode(Request("https://a.example/", callback=print), spider)
    with pytest.raises(ValueError, match="GET"):
        encode(Request("https://a.example/", method="POST", body=b"x"), spider)
    with pytest.raises(BadEntry, match="over"):
        decode(b'{"v": 1, "url": "https://a.example/' + b"x" * 20_000 + b'"}', spider)


def worker(redis_url: str, proxy: RecordingProxy, folder: Path, *extra: str):
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update(http_proxy=proxy.url, https_proxy=proxy.url)
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"start_urls={START}",
         "-s", f"REDIS_URL={redis_url}", "-s", f"STORE_URL=sqlite:///{folder / 's.db'}",
         "-s", f"LOG_FILE={folder / 'log'}", "-s", "DOWNLOAD_DELAY=0",
         "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "FLEET_IDLE_TIMEOUT=2",
         "-s", "FLEET_TICK=0.2", "-s", "NEWSCRAWL_COVERAGE_MIN_ARTICLES=1000", *extra],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip


def stat(log: str, name: str) -> int:
    found = re.search(rf"'{re.escape(name)}': (\d+)", log)
    return int(found.group(1)) if found else 0


def test_a_worker_fed_planted_entries_runs_no_code_fetches_none_and_stops(
    redis_server, tmp_path: Path
) -> None:
    marker = tmp_path / "code-ran"
    redis_url = redis_server.url.replace("/0", "/8")
    server = redis.Redis.from_url(redis_url)
    server.flushdb()
    planted = planted_entries(marker)
    server.zadd("news:requests", {entry: -10 for entry in planted})
    server.rpush("news:start_urls", json.dumps({"url": "http://169.254.169.254/"}),
                 json.dumps({"url": "https://elsewhere.example/"}), "{not json")  # fmt: skip
    with RecordingProxy(MIRROR) as proxy:
        done = worker(redis_url, proxy, tmp_path)
        asked = list(proxy.requests)
    log = (tmp_path / "log").read_text()
    assert done.returncode == 0, log[-3000:]
    assert not marker.exists(), "a queue entry ran code in the worker"
    assert not [u for u in asked if "169.254" in u or "elsewhere" in u], asked
    assert stat(log, "newscrawl/fleet/bad_entries") == len(planted)
    assert stat(log, "newscrawl/fleet/bad_start_urls") == 3
    assert stat(log, "newscrawl/stored") > 0, "the real work was done"
    assert "Traceback" not in log
    assert server.zcard("news:requests") == 0 and not server.keys("news:leases:*")


def test_a_worker_refuses_a_redis_without_password(redis_server, tmp_path: Path) -> None:
    with RecordingProxy(MIRROR) as proxy:
        done = worker(redis_server.open_url, proxy, tmp_path)
        asked = list(proxy.requests)
    log = (tmp_path / "log").read_text()
    assert done.returncode != 0
    assert "has no password" in log and "FLEET_ALLOW_UNAUTHENTICATED_REDIS" in log
    assert asked == [], "nothing was fetched"


@pytest.mark.parametrize(
    ("url", "ok"),
    [("redis://queue:6379/0", False), ("redis://user@queue/0", False),
     ("redis://:pw@queue:6379/0", True), ("rediss://user:pw@queue/0", True),
     ("redis://queue/0?password=pw", True), ("unix:///run/redis.sock?password=pw", True)],
)  # fmt: skip
def test_what_counts_as_an_authenticated_redis_url(url: str, ok: bool) -> None:
    assert authenticated(url) is ok
    if not ok:
        with pytest.raises(RuntimeError, match="no password"):
            check_redis_url(url, allow_unauthenticated=False)
    check_redis_url(url, allow_unauthenticated=True)  # told otherwise: no error


def test_enqueue_checks_start_urls_as_links(redis_server) -> None:
    redis_url = redis_server.url.replace("/0", "/9")

    def enqueue(*urls: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "newscrawl.cli", "enqueue", "news", *urls,
                               "--redis", redis_url], cwd=ROOT, capture_output=True, text=True,
                              timeout=60)  # fmt: skip

    for url in ("http://169.254.169.254/latest/", "http://127.0.0.1:6379/", "http://[::1]/",
                "http://localhost/", "http://10.1.2.3/"):  # fmt: skip
        done = enqueue("https://www.example.com/", url)
        assert done.returncode != 0 and "internal address" in done.stderr, (url, done.stderr)
    assert redis.Redis.from_url(redis_url).llen("news:start_urls") == 0, "none went in"
    assert enqueue("https://www.example.com/").returncode == 0


class _PartSpider(_Spider):
    def parse_part(self, response, story, part_urls, section=None):  # noqa: ANN001, ANN201
        return []

    def part_failed(self, failure):  # noqa: ANN001, ANN201 - an errback by name
        return []


def test_a_part_request_crosses_the_queue_with_its_story_and_errback() -> None:
    """A later page of a story split over pages carries the story so far (plain values of
    the record's fields) and keeps its errback, which the entry never names."""
    spider = _PartSpider()
    story = {
        "url": "https://a.example/s",
        "headline": "A story",
        "body": "Words. " * 4000,
        "dateline": {"raw": "Here", "place": "Here", "agency": None, "date": None},
        "images": [{"url": "https://a.example/i.jpg", "caption": None}],
        "pages": 1,
    }
    kwargs = {"story": story, "part_urls": ["https://a.example/s_2.html"], "section": None}
    request = Request("https://a.example/s_3.html", callback=spider.parse_part,
                      errback=spider.part_failed, cb_kwargs=kwargs, priority=10,
                      meta={"newscrawl_article": True, "newscrawl_part": story["url"]})  # fmt: skip
    data = encode(request, spider)
    assert len(data) > 16 * 1024, "a story's text may exceed an ordinary entry's cap"
    back = decode(data, spider)
    assert back.cb_kwargs == kwargs and back.meta["newscrawl_part"] == story["url"]
    assert back.callback == spider.parse_part and back.errback == spider.part_failed
    entry = json.loads(data)
    for bad in ({**story, "is_start_request": True}, {**story, "url": "file:///etc/passwd"},
                {**story, "images": [[[[{"deep": 1}]]]]}, "text"):  # fmt: skip
        entry["cb_kwargs"]["story"] = bad
        with pytest.raises(BadEntry, match="story"):
            decode(json.dumps(entry), spider)
    with pytest.raises(ValueError, match="errback"):
        encode(Request("https://a.example/s_3.html", callback=spider.parse_part), spider)
    with pytest.raises(BadEntry, match="over"):  # only a story's entry gets the larger cap
        decode(json.dumps({"v": 1, "url": "https://a.example/" + "x" * 3000,
                           "referer": "https://a.example/" + "y" * 20_000}), spider)  # fmt: skip
