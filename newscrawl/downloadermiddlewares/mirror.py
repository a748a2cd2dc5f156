"""Answer requests from a folder of saved pages, so the same spiders run offline.

With ``MIRROR_DIR`` set (or ``request.meta["mirror_dir"]``, which ``scrapy check``
contracts use), a request for ``http(s)://HOST/PATH`` is answered from
``MIRROR_DIR/HOST/PATH`` and never reaches the network:

- a path ending in ``/`` (or empty) is answered from ``index.html`` in that folder, or
  from ``index.xml`` when there is no ``index.html`` (a feed at ``/feed/``);
- a query string is part of the file name (``/list.html?page=2`` ->
  ``list.html?page=2``); when no such file exists, the file without the query answers,
  since tracking parameters don't change a page;
- a host with no folder is looked up with ``www.`` added or removed, as sites answer both;
- no file: 404. ``Content-Type`` follows the file name (``.html``, ``.xml``, ``.pdf``, ...);
- redirects: a host folder's ``_redirects`` file lists ``PATH TARGET [STATUS]`` rules (the
  plain convention of static hosts such as Netlify's, reduced to what a mirror needs), read
  before any file: see :func:`mirror_redirect`. The file itself is never served.

Without either, the middleware is inert: every request goes to the network as usual.
:class:`newscrawl.addons.MirrorAddon` also switches off politeness delays when the mirror is
on, since no server is there to be polite to.
"""

from __future__ import annotations

import logging
import mimetypes
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

logger = logging.getLogger(__name__)

REDIRECTS_FILE = "_redirects"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS_BYTES = 256 * 1024  # a redirect file is fixture text, never a data dump


# A host name as a folder name: dot-separated labels, never "." or "..", never a separator.
_HOST_FOLDER = re.compile(r"^[\w-]+(?:\.[\w-]+)*$")


def _site_dir(root: Path, host: str) -> Path | None:
    """The folder answering ``host``: its own, else its ``www.`` variant's, else None.

    Only a plain host name names a folder: ``http://../outside.html`` would otherwise be
    answered from the mirror's parent folder.
    """
    if not _HOST_FOLDER.match(host):
        return None
    for name in (host, host[4:] if host.startswith("www.") else f"www.{host}"):
        if (root / name).is_dir():
            return root / name
    return None


def mirror_file(root: Path, url: str) -> Path | None:
    """The file that answers ``url`` under ``root``, or None (see the module docstring)."""
    parts = urlsplit(url)
    folder = _site_dir(root, (parts.hostname or "").lower())
    if folder is None:
        return None
    path = unquote(parts.path or "/")
    directory = path.endswith("/")
    if directory:
        path += "index.html"
    site = folder.resolve()
    base = (site / path.lstrip("/")).resolve()
    if not base.is_relative_to(site) or base == site / REDIRECTS_FILE:  # "..", the rules
        return None
    candidates = [base.with_name(f"{base.name}?{parts.query}")] if parts.query else []
    candidates.append(base)
    if directory:
        candidates.append(base.with_name("index.xml"))
    return next((c for c in candidates if c.is_file()), None)


@dataclass(frozen=True)
class RedirectRule:
    """``source`` is a path, or a path prefix when ``splat`` (written ``/old/*``);
    ``:splat`` in ``target`` stands for the rest of the requested path."""

    source: str
    splat: bool
    target: str
    status: int


def _in_mirror(root: Path, target: str) -> bool:
    """A redirect may name a path of its own host, or an http(s) URL of a host the mirror
    has (no port, no user): it must never send a crawl outside the mirror."""
    parts = urlsplit(target)
    if not parts.netloc:
        return not parts.scheme and target.startswith("/")
    try:
        port = parts.port
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and port is None
        and "@" not in parts.netloc
        and _site_dir(root, (parts.hostname or "").lower()) is not None
    )


@lru_cache(maxsize=64)
def _read_rules(file: Path, root: Path, stamp: tuple[int, int]) -> tuple[RedirectRule, ...]:
    """The rules of one ``_redirects`` file, read once per version (``stamp``: its mtime
    and size). A line that is not a rule, or sends outside the mirror, is left out and
    counted in one warning."""
    if stamp[1] > MAX_REDIRECTS_BYTES:
        logger.warning("Mirror redirects ignored: %s is over %d bytes", file, MAX_REDIRECTS_BYTES)
        return ()
    rules, bad = [], 0
    for line in file.read_text(encoding="utf-8", errors="replace").splitlines():
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        status = fields[2] if len(fields) == 3 else "301"
        if (
            len(fields) not in (2, 3)
            or not fields[0].startswith("/")
            or not status.isdigit()
            or int(status) not in REDIRECT_STATUSES
            or not _in_mirror(root, fields[1])
        ):
            bad += 1
            continue
        splat = fields[0].endswith("*")
        rules.append(RedirectRule(fields[0].rstrip("*"), splat, fields[1], int(status)))
    if bad:
        logger.warning("Mirror redirects: %d line(s) of %s ignored", bad, file)
    return tuple(rules)


def mirror_redirect(root: Path, url: str) -> tuple[int, str] | None:
    """``(status, Location)`` when the host's ``_redirects`` has a rule for ``url``, else None.

    One rule a line, ``PATH TARGET [STATUS]`` (default 301; 302, 303, 307, 308 too), ``#``
    comments; the first rule that matches the requested path (as requested, percent
    escapes included) wins. ``PATH`` ending in ``*`` matches every path it starts; TARGET
    is a path on the same host or an http(s) URL of a host of the mirror, and ``:splat``
    in it is replaced by what the ``*`` matched. The query string is carried over when
    the target has none. Rules are read before files: a redirected path needs no file.
    """
    parts = urlsplit(url)
    folder = _site_dir(root, (parts.hostname or "").lower())
    file = folder / REDIRECTS_FILE if folder else None
    if file is None or not file.is_file():
        return None
    info = file.stat()
    path = parts.path or "/"
    for rule in _read_rules(file, root, (info.st_mtime_ns, info.st_size)):
        if rule.splat and path.startswith(rule.source):
            target = rule.target.replace(":splat", path[len(rule.source) :])
        elif not rule.splat and path == rule.source:
            target = rule.target
        else:
            continue
        location = urljoin(f"{parts.scheme}://{parts.netloc}/", target)
        if parts.query and not urlsplit(location).query:
            location += f"?{parts.query}"
        return None if location == url else (rule.status, location)  # no loop onto itself
    return None


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
        redirect = mirror_redirect(Path(root), request.url)
        if redirect is not None:
            status, location = redirect
            return Response(
                url=request.url,
                status=status,
                headers=Headers({"Location": location}),
                request=request,
                flags=["mirror"],
            )
        path = mirror_file(Path(root), request.url)
        if path is None:
            return Response(
                url=request.url, status=404, request=request, body=b"", flags=["mirror"]
            )
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
