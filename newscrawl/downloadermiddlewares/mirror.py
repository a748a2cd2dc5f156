"""Answer requests from a folder of saved pages, so the same spiders run offline.

With ``MIRROR_DIR`` set (or ``request.meta["mirror_dir"]``, which ``scrapy check``
contracts use), a request for ``http(s)://HOST/PATH`` is answered from
``MIRROR_DIR/HOST/PATH`` and never reaches the network:

- a path ending in ``/`` (or empty) is answered from ``index.html`` in that folder;
- a query string is part of the file name (``/list.html?page=2`` ->
  ``list.html?page=2``); when no such file exists, the file without the query answers,
  since tracking parameters don't change a page;
- a host with no folder is looked up with ``www.`` added or removed, as sites answer both;
- no file: 404. ``Content-Type`` follows the file name (``.html``, ``.xml``, ``.pdf``, ...).

Without either, the middleware is inert: every request goes to the network as usual.
:class:`newscrawl.addons.MirrorAddon` also switches off politeness delays when the mirror is
on, since no server is there to be polite to.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes


def mirror_file(root: Path, url: str) -> Path | None:
    """The file that answers ``url`` under ``root``, or None (see the module docstring)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host and not (root / host).is_dir():
        host = host[4:] if host.startswith("www.") else f"www.{host}"
    path = unquote(parts.path or "/")
    if path.endswith("/"):
        path += "index.html"
    site = (root / host).resolve()
    base = (site / path.lstrip("/")).resolve()
    if not host or not base.is_relative_to(site):  # "..": never serve outside the site
        return None
    candidates = [base.with_name(f"{base.name}?{parts.query}")] if parts.query else []
    candidates.append(base)
    return next((c for c in candidates if c.is_file()), None)


class MirrorMiddleware:
    """Downloader middleware serving requests from the mirror folder."""

    def __init__(self, mirror_dir: str | None) -> None:
        self.root = Path(mirror_dir) if mirror_dir else None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MirrorMiddleware:
        return cls(crawler.settings.get("MIRROR_DIR"))

    def process_request(self, request: Request) -> Response | None:
        root = request.meta.get("mirror_dir") or self.root
        if not root or urlsplit(request.url).scheme not in ("http", "https"):
            return None
        path = mirror_file(Path(root), request.url)
        if path is None:
            return Response(url=request.url, status=404, request=request, body=b"")
        body = path.read_bytes()
        kind = mimetypes.guess_type(path.name.split("?")[0])[0] or "application/octet-stream"
        headers = Headers({"Content-Type": kind})
        respcls = responsetypes.from_args(headers=headers, body=body)
        return respcls(
            url=request.url,
            status=200,
            headers=headers,
            body=body,
            request=request,
            flags=["mirror"],
        )
