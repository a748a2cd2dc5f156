"""Downloader guards: requests a crawl must never send, whatever a page links or redirects to.

Two middlewares, one rule each, both before robots.txt handling (so not even a robots.txt
request leaves for a refused host) and counted in the stats under ``newscrawl/refused/``:

- :class:`AddressGuardMiddleware` (every spider): only ``http``/``https``, and never a
  loopback, private, link-local, shared, reserved or multicast address, nor ``localhost``,
  unless the host is one the crawl was started on. A page on the public web cannot make
  the crawler fetch ``http://169.254.169.254/`` (cloud metadata), ``http://10.0.0.1/``
  (an office router) or ``file:///etc/passwd``. IP literals in every spelling the resolver
  accepts count (``127.1``, ``2130706433``, ``0x7f.0.0.1``, ``[::ffff:127.0.0.1]``).
- :class:`ScopeGuardMiddleware` (spiders with a ``scope``, i.e. ``news``): every request,
  redirects included, must be inside :class:`newscrawl.discovery.scope.SiteScope`. The spider checks
  links before it requests them; this catches what it does not see: redirect targets.

Start requests are the user's choice and always pass; their origins (host *and* port)
become the allowed exceptions to the address rule: a crawl started on
``http://127.0.0.1:8000/`` may read that site, never ``127.0.0.1:6379``. They are taken
from the requests the spider's ``start()`` scheduled in this process (Scrapy's
``request_scheduled`` signal), never from a request's ``meta``: a fleet worker reads its
requests from Redis, where anyone with access could have marked one as a start request.

Host names are judged as written. With ``ADDRESS_GUARD_DNS`` (on for the ``news``
spider) a name is also resolved before the request goes on, and refused when the answer is
internal (``newscrawl/refused/resolved_internal``); the connection then uses that same
answer (Scrapy's DNS cache, and :class:`newscrawl.resolver.GuardedResolver`, which checks
again at connect time, so a name cannot answer a public address to the check and a
private one to the connection). Through a proxy the proxy resolves names, not the
crawler, and a mirror (``MIRROR_DIR``) resolves nothing: the check is skipped there.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.error import DNSLookupError

logger = logging.getLogger(__name__)

ALLOWED_SCHEMES = frozenset({"http", "https"})
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
_NUMERIC_HOST = re.compile(r"^[0-9a-fx.]+$", re.I)  # what inet_aton might read as IPv4
_DEFAULT_PORTS = {"http": 80, "https": 443}
# IPv6 ranges that are never a public web server, whatever this Python's ``is_global``
# says (3.11 calls the first four global): IPv4-compatible (deprecated), IPv4-translated,
# local-use NAT64, site-local (deprecated), discard-only, documentation, unique local.
_NOT_PUBLIC_V6 = tuple(
    ipaddress.IPv6Network(net)
    for net in ("::/96", "::ffff:0:0:0/96", "64:ff9b:1::/48", "fec0::/10", "100::/64",
                "2001:db8::/32", "fc00::/7")
)  # fmt: skip
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def host_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address a URL host spells, in any form the system resolver accepts; else None."""
    host = host.strip("[]").rstrip(".")
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])  # "fe80::1%eth0": zone id
    except ValueError:
        pass
    if _NUMERIC_HOST.match(host) and any(c.isdigit() for c in host):
        try:  # 127.1, 2130706433, 0x7f.0.0.1, 0177.0.0.1: all 127.0.0.1 to getaddrinfo
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def is_internal_host(host: str) -> bool:
    """True for loopback, private, link-local, shared, reserved, multicast and local names."""
    host = host.lower().rstrip(".")
    if host in _LOCAL_NAMES or host.endswith(".localhost"):
        return True
    address = host_address(host)
    if address is None:
        return False
    return is_internal_address(address)


def is_internal_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for an address that is not a public unicast one (see :func:`is_internal_host`)."""
    if isinstance(address, ipaddress.IPv6Address):
        if any(address in net for net in _NOT_PUBLIC_V6):
            return True
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None and (not embedded.is_global or embedded.is_multicast):
            return True
    return not address.is_global or address.is_multicast


def _is_start_request(request: Request) -> bool:
    """A request the spider's ``start()`` made (a redirect of one keeps the meta key)."""
    return bool(request.meta.get("is_start_request")) and "redirect_urls" not in request.meta


def origin(url: str) -> tuple[str, int | None]:
    """(host, port) of an http(s) URL, the port spelled or not; ("", None) if unreadable."""
    try:
        parts = urlsplit(url)
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:
        return "", None
    return (parts.hostname or "").lower().rstrip("."), port


class AddressGuardMiddleware:
    """Refuse non-http(s) schemes and internal addresses other than the start origins;
    with ``ADDRESS_GUARD_DNS``, names whose answer is internal too."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.start_origins: set[tuple[str, int | None]] = set()
        # Whether a start host's first answer was internal: only then may it be later.
        self.first_answers: dict[str, bool] = {}
        settings = crawler.settings
        self.check_dns = settings.getbool("ADDRESS_GUARD_DNS") and not settings.get("MIRROR_DIR")
        self.proxies = getproxies() if settings.getbool("HTTPPROXY_ENABLED") else {}
        self.trusted_names = {h for h in map(_proxy_host, self.proxies.values()) if h}
        crawler.signals.connect(self.request_scheduled, signal=signals.request_scheduled)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuardMiddleware:
        return cls(crawler)

    @property
    def start_hosts(self) -> set[str]:
        return {host for host, _ in self.start_origins}

    def request_scheduled(self, request: Request) -> None:
        """Note the origin of each start request this process schedules."""
        if _is_start_request(request):
            self.start_origins.add(origin(request.url))

    async def process_request(self, request: Request) -> None:
        parts = urlparse_cached(request)
        if parts.scheme.lower() not in ALLOWED_SCHEMES:
            self._refuse(request, "scheme")
        start = origin(request.url) in self.start_origins
        host = (parts.hostname or "").lower().rstrip(".")
        if not start and is_internal_host(host):
            self._refuse(request, "internal_address")
        if self.check_dns and host_address(host) is None and not self._proxied(request, host):
            await self._check_answer(request, host)
        return None

    def _proxied(self, request: Request, host: str) -> bool:
        """The request goes through a proxy, which resolves the name (Scrapy's
        ``HttpProxyMiddleware``: ``meta["proxy"]``, else the environment's proxies), or
        is answered by the mirror (``meta["mirror_dir"]`` of ``scrapy check`` contracts):
        either way this process connects to no address of that name."""
        if request.meta.get("proxy") or request.meta.get("mirror_dir"):
            return True
        scheme = urlparse_cached(request).scheme.lower()
        return scheme in self.proxies and not proxy_bypass(host)

    async def _check_answer(self, request: Request, host: str) -> None:
        from twisted.internet import reactor

        try:
            answer = await maybe_deferred_to_future(reactor.resolve(host))
        except PrivateAnswer:
            self._refuse(request, "resolved_internal")
        except DNSLookupError:
            return  # the download fails the same way, and is counted as a DNS failure
        if self.refuses_answer(host, str(answer)):
            self._refuse(request, "resolved_internal")

    def refuses_answer(self, name: str, answer: str) -> bool:
        """True when this crawl must not connect to ``answer`` for ``name`` (the
        middleware's check, and :class:`newscrawl.resolver.GuardedResolver`'s).

        A proxy may be private, and so may a start host, the user's choice, but only if
        its first answer was: a public start host that answers a private address later
        is rebinding, and refused like any other name.
        """
        name = name.lower().rstrip(".")
        if not self.check_dns or name in self.trusted_names or host_address(name) is not None:
            return False
        address = host_address(answer)
        internal = address is not None and is_internal_address(address)
        if name in self.start_hosts:
            first_internal = self.first_answers.setdefault(name, internal)
            return internal and not first_internal
        return internal

    def _refuse(self, request: Request, kind: str) -> None:
        self.stats.inc_value("newscrawl/refused")
        self.stats.inc_value(f"newscrawl/refused/{kind}")
        logger.warning("Refused %s: %s", request.url, kind.replace("_", " "))
        raise IgnoreRequest(f"refused ({kind}): {request.url}")


class PrivateAnswer(DNSLookupError):
    """A name resolved to an internal address the crawl may not reach."""


def _proxy_host(url: str) -> str:
    if "://" not in url:
        url = f"http://{url}"
    return origin(url)[0]


class ScopeGuardMiddleware:
    """Refuse any request outside the spider's ``scope`` (redirects to other hosts above all)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ScopeGuardMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        scope = getattr(self.crawler.spider, "scope", None)
        if scope is None or _is_start_request(request) or scope.allows(request.url):
            return None
        self.stats.inc_value("newscrawl/refused")
        self.stats.inc_value("newscrawl/refused/out_of_scope")
        logger.warning("Refused %s: outside the start hosts", request.url)
        raise IgnoreRequest(f"refused (out_of_scope): {request.url}")
