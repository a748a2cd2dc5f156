"""The fault-injection site: a hostile news site, served by a recording proxy on 127.0.0.1.

:class:`FaultSite` is an HTTP(S) proxy (like :class:`servers.RecordingProxy`) that answers
every request itself and records it. Requests for ``SITE`` (``faults.invalid``: a name that
can never resolve, so reaching the proxy proves the crawler sent the name, not an address)
get the fault pages below; a request for any other host gets a trap page and is recorded,
so tests can assert that no such request was made even when a guard is broken. Crawls run
with ``http_proxy``/``https_proxy`` pointing here: no packet leaves loopback.

What the site serves (``PAGES``, ``FAULTS``, ``ARTICLES``): articles with control
characters, SQL-looking text, a 300 kB line, cp1252 declared as UTF-8, Shift_JIS and
UTF-16; error statuses with and without ``Retry-After``; redirect loops and redirects to
other hosts, private addresses and ``file:``; a response slower than the timeout; a reset
connection; a truncated body; gzip and deflate bombs; a body over ``DOWNLOAD_MAXSIZE``;
malformed, deeply nested and binary "HTML"; PDF and image types; links with every scheme
and to loopback, link-local and private addresses; robots.txt rules; XML with entity bombs
and external entities; a feed that is HTML.

With ``broken = True`` every article answers with a fault instead (used to check that a
later failed fetch never damages what an earlier crawl stored).
"""

from __future__ import annotations

import html
import json
import socket
import struct
import time
import zlib
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from tests.support.servers import LoopbackProxyServer, _Handler

SITE = "faults.invalid"
TIMEOUT = 1.0  # DOWNLOAD_TIMEOUT the tests use; /slow answers later than this

# Links that a crawl of SITE must never request (other hosts, schemes, internal addresses).
FORBIDDEN_LINKS = [
    "javascript:alert(document.cookie)",
    "data:text/html,<h1>data URL</h1>",
    "file:///etc/passwd",
    "mailto:newsroom@faults.invalid",
    "ftp://faults.invalid/archive/",
    "http://127.0.0.2/admin/",
    "http://[::1]/admin/",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/router/",
    "http://192.168.1.1/",
    "http://2130706433/decimal-loopback/",
    "http://127.1/short-loopback/",
    "http://127.0.0.1:6379/",  # a start host's address on another port (Redis)
    "http://localhost/",
    "http://other.invalid/2025/09/01/a-story-elsewhere/",
    "http://ads.faults.invalid/banner/",
    f"http://{SITE}:8080/another-port/",
]


@dataclass(frozen=True)
class Article:
    path: str
    headline: str
    paragraphs: list[str]
    encoding: str = "utf-8"  # how the page is encoded
    declared: str | None = "utf-8"  # the charset the headers claim (None: no charset)
    meta_charset: str | None = None

    @property
    def expected_body(self) -> str:
        return "\n\n".join(self.paragraphs)


def _filler(topic: str, n: int = 3) -> list[str]:
    """Plain paragraphs written for these pages, long enough to read as an article."""
    return [
        f"The harbour authority said on Monday that work on the {topic} would continue "
        f"through the autumn, with crews rotating between the two piers every second week.",
        f"Residents who spoke at the evening meeting asked for clearer notices about the "
        f"{topic}, and the authority promised a weekly bulletin posted at the ferry office.",
        f"A final report on the {topic} is expected before the end of the year, officials "
        f"said, after an independent engineer has checked the last set of measurements.",
    ][:n]


ARTICLES = [
    Article(
        "/news/2025/09/01/sql-looking-text-in-a-council-story/",
        "Council clerk's note: Robert'); DROP TABLE articles;-- was only a test",
        [
            "The clerk typed ' OR '1'='1 into the old records form; nothing happened, "
            'and the form now rejects quotes "like these" and semicolons; entirely.',
            "SELECT * FROM minutes WHERE year = 2025; -- the query in the appendix is "
            "printed as text, as are the characters <, > and & in it.",
            *_filler("records form"),
        ],
    ),
    Article(
        "/news/2025/09/02/control-characters-in-a-ferry-timetable/",
        "Ferry\x07 timetable\x1b[31m changes for the\x00 winter",
        [
            "The\x01 winter timetable\x08 starts on the first Monday of November,\x0b "
            "with the last crossing moved to half past nine.",
            "Cards bought before the change remain valid\x1f until they expire.\x7f",
            *_filler("winter timetable"),
        ],
    ),
    Article(
        "/news/2025/09/03/a-very-long-line-from-the-planning-office/",
        "Planning office publishes its longest sentence yet",
        [
            "The planning notice ran to one sentence: "
            + "and the applicant shall also provide a drawing of the northern elevation " * 4000
            + "end.",
            *_filler("planning notice"),
        ],
    ),
    Article(
        "/news/2025/09/04/cafe-owners-welcome-the-new-market-hours/",
        "Café owners welcome the new market hours — “finally”",
        [
            "Owners of the café on Quay Street said the change was “long overdue” — "
            "their Saturday takings rose by a fifth in the first week.",
            *_filler("market hours"),
        ],
        encoding="cp1252",
        declared="utf-8",  # the classic lie: Windows-1252 bytes labelled UTF-8
    ),
    Article(
        "/news/2025/09/05/sister-city-delegation-visits-the-port/",
        "姉妹都市の代表団が港を訪問",
        [
            "姉妹都市から来た代表団は月曜日に港を訪れ、新しい岸壁の工事を見学した。",
            "代表団は来年の春に市民交流の催しを共同で開く予定だと話した。",
            *_filler("delegation visit"),
        ],
        encoding="shift_jis",
        declared=None,
        meta_charset="Shift_JIS",
    ),
    Article(
        "/news/2025/09/06/tide-gauge-returns-to-service/",
        "Tide gauge returns to service after repairs",
        _filler("tide gauge", 3),
        encoding="utf-16",  # with a BOM, no charset anywhere else
        declared=None,
    ),
    Article(
        "/news/2025/09/07/lifeboat-crew-trains-at-night/",
        "Lifeboat crew trains at night",
        _filler("night training"),
    ),  # answers 503 with Retry-After once, then the page: stored after one retry
]
FLAKY = "/news/2025/09/07/lifeboat-crew-trains-at-night/"
ESCAPED = html.escape  # page text is escaped; the record must hold it unescaped


def article_page(article: Article) -> bytes:
    meta = f'<meta charset="{article.meta_charset}">' if article.meta_charset else ""
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.headline,
        "datePublished": "2025-09-0" + article.path.split("/")[4][-1] + "T08:00:00Z",
        "author": {"@type": "Person", "name": "Ines Fault"},
    }
    ld_text = json.dumps(ld, ensure_ascii=False).replace("</", "<\\/")
    paragraphs = "".join(f"<p>{ESCAPED(p, quote=False)}</p>\n" for p in article.paragraphs)
    page = (
        f'<!DOCTYPE html><html lang="en"><head>{meta}<title>{ESCAPED(article.headline)} '
        f'| Fault Gazette</title><script type="application/ld+json">{ld_text}</script>'
        f'</head><body><header><nav><a href="/">Home</a></nav></header><main>'
        f"<h1>{ESCAPED(article.headline, quote=False)}</h1>\n<article>{paragraphs}</article></main>"
        f"<footer>Fault Gazette</footer></body></html>"
    )
    return page.encode(article.encoding)


def _bomb(kind: str, size: int) -> bytes:
    zeros = b"\0" * (1024 * 1024)
    stream = zlib.compressobj(9, zlib.DEFLATED, 31 if kind == "gzip" else 15)
    chunks = [stream.compress(zeros) for _ in range(size // len(zeros))]
    return b"".join(chunks) + stream.flush()


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    kind: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    action: str | None = None  # "slow", "reset", "truncate"


# Fault pages linked from the front page, by path; each is requested at most once or
# retried (5xx, 429, timeouts, resets, truncation), never fatal.
FAULTS = {
    "/status/500": "http_500", "/status/502": "http_502", "/status/503": "http_503",
    "/status/429": "http_429", "/status/404": "http_404", "/status/410": "http_410",
    "/redirect/loop-a": "duplicate", "/redirect/chain/0": "too_many_redirects",
    "/redirect/to-other-host": "offsite", "/redirect/to-subdomain": "out_of_scope",
    "/redirect/to-other-port": "out_of_scope",
    "/redirect/to-metadata": "internal_address", "/redirect/to-loopback": "internal_address",
    "/redirect/to-file": "redirect_not_followed", "/slow": "timeout",
    "/reset": "connection_lost", "/truncated": "truncated",
    "/bomb.gz": "decompressed_too_large", "/bomb.deflate": "decompressed_too_large",
    "/huge": "too_large",
    "/malformed": None, "/nested": None, "/binary": None, "/files/report": None,
    "/files/chart": None, "/feed.xml": None, "/sitemap.xml": None, "/feed-that-is-html.xml": None,
    "/private/secret/": "robots_txt",
}  # fmt: skip

ROBOTS = b"User-agent: *\nDisallow: /private/\nCrawl-delay: 0.01\n"
LOL = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b"]>\n<urlset><url><loc>&lol9;</loc></url></urlset>\n"
)
XXE = (
    b'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
    b'<!ENTITY net SYSTEM "http://169.254.169.254/latest/meta-data/">]>\n'
    b"<rss><channel><title>&xxe;&net;</title><item><link>http://faults.invalid/news/"
    b"</link></item></channel></rss>\n"
)


def front_page() -> bytes:
    links = [a.path for a in ARTICLES] + list(FAULTS) + FORBIDDEN_LINKS
    items = "".join(f'<li><a href="{ESCAPED(u)}">{ESCAPED(u)}</a></li>' for u in links)
    return (
        "<!DOCTYPE html><html><head><title>Fault Gazette</title></head><body>"
        f"<h1>Fault Gazette</h1><ul>{items}</ul></body></html>"
    ).encode()


def links_page() -> bytes:
    """Only the dangerous links, and redirects to dangerous places, for the guard tests."""
    links = FORBIDDEN_LINKS + [p for p in FAULTS if p.startswith("/redirect/to-")]
    items = "".join(f'<li><a href="{ESCAPED(u)}">{ESCAPED(u)}</a></li>' for u in links)
    return f"<!DOCTYPE html><html><body><ul>{items}</ul></body></html>".encode()


class FaultSite(LoopbackProxyServer):
    """Record every request; answer SITE with the fault pages and anything else with a trap."""

    def __init__(self, *, bomb_size: int = 64 * 1024 * 1024, huge_size: int = 4 << 20) -> None:
        super().__init__(_FaultHandler)
        self.requests: list[tuple[float, str]] = []
        self.broken = False
        self.hits: dict[str, int] = {}
        self.bombs = {"gzip": _bomb("gzip", bomb_size), "deflate": _bomb("deflate", bomb_size)}
        self.huge_body = b"<p>" + b"x" * huge_size + b"</p>"
        self.articles = {a.path: a for a in ARTICLES}
        self.hosts = {SITE}  # netlocs answered as the fault site; tests may add some

    @property
    def urls(self) -> list[str]:
        with self._lock:
            return [url for _, url in self.requests]

    def record(self, url: str) -> int:
        with self._lock:
            self.requests.append((time.monotonic(), url))
            self.hits[url] = self.hits.get(url, 0) + 1
            return self.hits[url]

    def reply(self, url: str) -> Reply:
        hit = self.record(url)
        parts = urlsplit(url)
        if parts.netloc.lower() not in self.hosts:
            return Reply(200, b"<html><body><h1>TRAP: this host must never be asked</h1>")
        path = parts.path or "/"
        if path == "/":
            return Reply(body=front_page())
        if path == "/links/":
            return Reply(body=links_page())
        if path == "/robots.txt":
            return Reply(body=ROBOTS, kind="text/plain")
        if path in self.articles:
            return self.article(self.articles[path], hit)
        return self.fault(path, parse_qs(parts.query), hit)

    def article(self, article: Article, hit: int) -> Reply:
        if self.broken:  # a later crawl meets a damaged site
            faults = [Reply(500), Reply(200, b"<html><body></body></html>"),
                      Reply(200, article_page(article)[:300], action="truncate"),
                      Reply(200, b"\x00\x9f\xfe" * 2000)]  # fmt: skip
            return faults[hash(article.path) % len(faults)]
        if article.path == FLAKY and hit == 1:
            return Reply(503, b"busy", "text/plain", {"Retry-After": "1"})
        kind = "text/html" + (f"; charset={article.declared}" if article.declared else "")
        return Reply(body=article_page(article), kind=kind)

    def fault(self, path: str, query: dict[str, list[str]], hit: int) -> Reply:
        if path.startswith("/status/"):
            status = int(path.rsplit("/", 1)[1])
            headers = {"Retry-After": "0"} if status in (429, 503) else {}
            return Reply(status, b"<html><body>error</body></html>", headers=headers)
        redirects = {
            "/redirect/loop-a": "/redirect/loop-b",
            "/redirect/loop-b": "/redirect/loop-a",
            "/redirect/to-other-host": "http://other.invalid/2025/09/01/a-story-elsewhere/",
            "/redirect/to-metadata": "http://169.254.169.254/latest/meta-data/iam/",
            "/redirect/to-loopback": "http://127.0.0.2/from-a-redirect/",
            "/redirect/to-file": "file:///etc/passwd",
            "/redirect/to-subdomain": f"http://ads.{SITE}/banner/",
            "/redirect/to-other-port": f"http://{SITE}:8080/another-port/",
        }
        if path.startswith("/redirect/chain/"):  # endless, each hop a new URL
            return Reply(302, b"", headers={"Location": f"/redirect/chain/{hit + int(path[16:])}"})
        if path in redirects:
            return Reply(302, b"", headers={"Location": redirects[path]})
        if path == "/slow":
            return Reply(body=b"<html><body>late</body></html>", action="slow")
        if path == "/reset":
            return Reply(action="reset")
        if path == "/truncated":
            return Reply(body=b"<html><body><p>cut short", action="truncate")
        if path in ("/bomb.gz", "/bomb.deflate"):
            kind = "gzip" if path.endswith("gz") else "deflate"
            return Reply(body=self.bombs[kind], headers={"Content-Encoding": kind})
        if path == "/huge":
            return Reply(body=self.huge_body)
        if path == "/malformed":
            body = b"<html><head><title>Broken<body><p>unclosed <b><i>tags</p></div></table>"
            return Reply(body=body + b"<p attr='x>" * 500 + b"<!-- never closed")
        if path == "/nested":
            return Reply(body=b"<html><body>" + b"<div>" * 100_000 + b"deep")
        if path == "/binary":
            return Reply(body=bytes(range(256)) * 64)
        if path == "/https-check/":
            return Reply(body=b"<html><body><p>reached over https</p></body></html>")
        if path == "/files/report":
            return Reply(body=b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", kind="application/pdf")
        if path == "/files/chart":
            return Reply(body=b"\x89PNG\r\n\x1a\n" + b"\0" * 64, kind="image/png")
        if path == "/sitemap.xml":
            return Reply(body=LOL, kind="application/xml")
        if path == "/feed.xml":
            return Reply(body=XXE, kind="application/rss+xml")
        if path == "/feed-that-is-html.xml":
            return Reply(body=b"<html><body><h1>Not a feed</h1></body></html>", kind="text/xml")
        return Reply(404, b"not here", "text/plain")

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the crawler hanging up (timeouts, size limits, resets) is expected here


class _FaultHandler(_Handler):
    server: FaultSite

    def do_GET(self) -> None:
        if self.path.startswith(("http://", "https://")):
            url = self.path
        else:
            url = f"{self.scheme}://{self.headers.get('Host', '')}{self.path}"
        reply = self.server.reply(url)
        if reply.action == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        if reply.action == "slow":
            time.sleep(TIMEOUT * 3)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.kind)
        declared = len(reply.body) * (4 if reply.action == "truncate" else 1)
        self.send_header("Content-Length", str(declared))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(reply.body)
            self.wfile.flush()
        except OSError:
            pass  # the crawler gave up (timeout, size limit): fine
        if reply.action == "truncate":
            self.close_connection = True
