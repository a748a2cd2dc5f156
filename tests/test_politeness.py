"""robots.txt ``Crawl-delay`` is obeyed (newscrawl.extensions.politeness), over a real local
site."""

from __future__ import annotations

import textwrap
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import scrapy_command

PAGES = 4


class _PoliteSite(ThreadingHTTPServer):
    """A site on 127.0.0.1 whose robots.txt asks for a delay; it records when pages came."""

    def __init__(self, robots: str) -> None:
        self.robots = robots
        self.hits: list[tuple[str, float]] = []
        super().__init__(("127.0.0.1", 0), _Handler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    def __enter__(self) -> _PoliteSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def page_times(self) -> list[float]:
        return [at for path, at in self.hits if path.startswith("/page/")]


class _Handler(BaseHTTPRequestHandler):
    server: _PoliteSite

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.server.hits.append((self.path, time.monotonic()))
        if self.path == "/robots.txt":
            body = self.server.robots.encode()
            kind = "text/plain"
        else:
            body = b"<html><body><p>A page of the polite site.</p></body></html>"
            kind = "text/html"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


SPIDER = textwrap.dedent(
    """
    import os
    import scrapy

    class Pages(scrapy.Spider):
        name = "pages"

        async def start(self):
            for number in range(int(os.environ["PAGES"])):
                yield scrapy.Request(f"{os.environ['SITE']}/page/{number}", dont_filter=True)

        def parse(self, response):
            yield {"url": response.url}
    """
)


def crawl(site: _PoliteSite, tmp_path: Path, *settings: str):
    spider = tmp_path / "pages.py"
    spider.write_text(SPIDER, encoding="utf-8")
    result = scrapy_command(
        "runspider", str(spider), "-s", "STORE_URL=", "-s", "DOWNLOAD_DELAY=0",
        "-s", "AUTOTHROTTLE_START_DELAY=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=4",
        *settings,
        env={"SITE": site.url, "PAGES": str(PAGES)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in zip(times, times[1:], strict=False)]


@pytest.mark.parametrize("throttle", ["True", "False"])
def test_crawl_delay_spaces_the_pages(tmp_path: Path, throttle: str) -> None:
    """AutoThrottle (on by default) lowers delays towards the latency; the floor stays."""
    with _PoliteSite("User-agent: *\nCrawl-delay: 0.4\n") as site:
        result = crawl(site, tmp_path, "-s", f"AUTOTHROTTLE_ENABLED={throttle}")
    times = site.page_times()
    assert len(times) == PAGES
    assert min(gaps(times)) >= 0.38, gaps(times)  # 20 ms for the server's clock reading
    assert "asks for Crawl-delay 0.4 s; obeyed" in result.stderr
    assert "'politeness/crawl_delay_sites': 1" in result.stderr


def test_an_excessive_crawl_delay_is_capped_and_logged(tmp_path: Path) -> None:
    with _PoliteSite("User-agent: *\nCrawl-delay: 86400\n") as site:
        result = crawl(site, tmp_path, "-s", "CRAWL_DELAY_MAX=0.3")
    times = site.page_times()
    assert len(times) == PAGES  # the crawl finished instead of waiting a day per page
    assert min(gaps(times)) >= 0.28, gaps(times)
    assert "asks for Crawl-delay 86400 s; capped at CRAWL_DELAY_MAX=0.3 s" in result.stderr


def test_a_delay_for_another_agent_does_not_apply(tmp_path: Path) -> None:
    robots = "User-agent: someotherbot\nCrawl-delay: 5\n\nUser-agent: *\nDisallow:\n"
    with _PoliteSite(robots) as site:
        result = crawl(site, tmp_path)
    assert len(site.page_times()) == PAGES
    assert "politeness/crawl_delay_sites" not in result.stderr


def test_crawl_delay_can_be_turned_off(tmp_path: Path) -> None:
    with _PoliteSite("User-agent: *\nCrawl-delay: 5\n") as site:
        result = crawl(site, tmp_path, "-s", "CRAWL_DELAY_OBEY=False")
    assert len(site.page_times()) == PAGES
    assert "asks for Crawl-delay" not in result.stderr
    assert "politeness/crawl_delay_sites" not in result.stderr
