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

Start requests are the user's choice and always pass; their hosts become the allowed
exceptions to the address rule. Host names are not resolved here: a public name that
resolves to a private address is not caught (see SECURITY.md).
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached

logger = logging.getLogger(__name__)

ALLOWED_SCHEMES = frozenset({"http", "https"})
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
_NUMERIC_HOST = re.compile(r"^[0-9a-fx.]+$", re.I)  # what inet_aton might read as IPv4


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
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in ipaddress.IPv6Network("64:ff9b::/96"):
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)  # NAT64
        if embedded is not None and (not embedded.is_global or embedded.is_multicast):
            return True
    return not address.is_global or address.is_multicast


def _is_start_request(request: Request) -> bool:
    """A request the spider's ``start()`` made (a redirect of one keeps the meta key)."""
    return bool(request.meta.get("is_start_request")) and "redirect_urls" not in request.meta


class AddressGuardMiddleware:
    """Refuse non-http(s) schemes and internal addresses other than the start hosts."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.start_hosts: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuardMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        parts = urlparse_cached(request)
        host = (parts.hostname or "").lower().rstrip(".")
        if _is_start_request(request):
            self.start_hosts.add(host)
            return None
        if parts.scheme.lower() not in ALLOWED_SCHEMES:
            self._refuse(request, "scheme")
        if host not in self.start_hosts and is_internal_host(host):
            self._refuse(request, "internal_address")
        return None

    def _refuse(self, request: Request, kind: str) -> None:
        self.stats.inc_value("newscrawl/refused")
        self.stats.inc_value(f"newscrawl/refused/{kind}")
        logger.warning("Refused %s: %s", request.url, kind.replace("_", " "))
        raise IgnoreRequest(f"refused ({kind}): {request.url}")


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
