from __future__ import annotations

from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse

from newscrawl.addons import MirrorAddon
from newscrawl.downloadermiddlewares.mirror import MirrorMiddleware, mirror_file


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    site = tmp_path / "www.example.com"
    (site / "section").mkdir(parents=True)
    (site / "index.html").write_text("<html>home</html>")
    (site / "section" / "index.html").write_text("<html>section</html>")
    (site / "list.html").write_text("<html>page 1</html>")
    (site / "list.html?page=2").write_text("<html>page 2</html>")
    (site / "feed.xml").write_text("<rss/>")
    (tmp_path / "secret.txt").write_text("outside")
    return tmp_path


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.example.com/", "www.example.com/index.html"),
        ("https://www.example.com", "www.example.com/index.html"),
        ("http://www.example.com/section/", "www.example.com/section/index.html"),
        ("https://www.example.com/list.html?page=2", "www.example.com/list.html?page=2"),
        ("https://www.example.com/list.html?utm_source=x", "www.example.com/list.html"),
        ("https://example.com/list.html", "www.example.com/list.html"),
        ("https://www.example.com/missing.html", None),
        ("https://www.example.com/../secret.txt", None),
        ("https://www.example.com/%2e%2e/secret.txt", None),
        ("https://other.example/", None),
    ],
)
def test_mirror_file_rules(root: Path, url: str, expected: str | None) -> None:
    found = mirror_file(root, url)
    assert (found.relative_to(root).as_posix() if found else None) == expected


@pytest.mark.parametrize(
    "url",
    ["http://../outside.html", "https://../outside.html", "http://./mirror/x.html",
     "http://../mirror/x.html", "http://..%2f/outside.html", "http://%2e%2e/outside.html"],
)  # fmt: skip
def test_a_host_is_never_a_path_out_of_the_mirror(tmp_path: Path, url: str) -> None:
    """The host names a folder of the mirror: ``..`` or ``.`` is no host (SECURITY.md)."""
    mirror = tmp_path / "mirror"
    (mirror / "x.example").mkdir(parents=True)
    (mirror / "mirror").mkdir()
    (mirror / "mirror" / "x.html").write_text("a host folder named like the mirror")
    (mirror / "x.html").write_text("the mirror's root is no site either")
    (tmp_path / "outside.html").write_text("outside the mirror")
    assert mirror_file(mirror, url) is None
    response = MirrorMiddleware(str(mirror)).process_request(Request(url))
    assert response is not None and response.status == 404 and response.body == b""


def test_middleware_answers_from_the_mirror(root: Path) -> None:
    middleware = MirrorMiddleware(str(root))
    response = middleware.process_request(Request("https://www.example.com/list.html?page=2"))
    assert isinstance(response, HtmlResponse)
    assert response.status == 200
    assert b"page 2" in response.body
    assert response.headers["Content-Type"] == b"text/html"
    missing = middleware.process_request(Request("https://www.example.com/nope.html"))
    assert missing is not None and missing.status == 404
    feed = middleware.process_request(Request("https://www.example.com/feed.xml"))
    assert feed.headers["Content-Type"] in (b"application/xml", b"text/xml")


def test_middleware_is_inert_without_a_mirror(root: Path) -> None:
    middleware = MirrorMiddleware(None)
    assert middleware.process_request(Request("https://www.example.com/")) is None
    meta = Request("https://www.example.com/", meta={"mirror_dir": str(root)})
    assert middleware.process_request(meta).status == 200


def test_addon_turns_delays_off_only_with_a_mirror() -> None:
    from scrapy.settings import Settings

    on = Settings({"MIRROR_DIR": "m", "DOWNLOAD_DELAY": 1, "AUTOTHROTTLE_ENABLED": True})
    MirrorAddon().update_settings(on)
    assert on.getfloat("DOWNLOAD_DELAY") == 0 and not on.getbool("AUTOTHROTTLE_ENABLED")
    off = Settings({"DOWNLOAD_DELAY": 1, "AUTOTHROTTLE_ENABLED": True})
    MirrorAddon().update_settings(off)
    assert off.getfloat("DOWNLOAD_DELAY") == 1 and off.getbool("AUTOTHROTTLE_ENABLED")
