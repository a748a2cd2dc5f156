"""Which URLs a crawl of "this site" may request: the start hosts and nothing else.

A generic crawl follows links it has never seen before, on pages anyone may have written,
so the boundary is explicit and strict:

- the host is one of the start URLs' hosts, or its ``www.`` variant (sites answer both);
  a subdomain is another site (``ads.example.com`` is not ``example.com``);
- the scheme is ``http`` or ``https``, and ``http`` only where a start URL used it
  (``https`` is always an acceptable upgrade of the same host);
- the port is the start URL's (default ports spelled or not);
- so an IP-literal, ``localhost`` or any other private or loopback address is reached only
  when the user started there: a page cannot send the crawler into a private network.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _host_variants(host: str) -> set[str]:
    bare = host.removeprefix("www.")
    return {bare, f"www.{bare}"}


@dataclass(frozen=True)
class SiteScope:
    """The set of origins a crawl started from; :meth:`allows` is the only question."""

    origins: frozenset[tuple[str, str, int]]  # (scheme, host, port)

    @classmethod
    def from_start_urls(cls, urls: list[str]) -> SiteScope:
        origins: set[tuple[str, str, int]] = set()
        for url in urls:
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            if scheme not in _DEFAULT_PORTS or not parts.hostname:
                raise ValueError(f"not an http(s) URL with a host: {url!r}")
            port = parts.port or _DEFAULT_PORTS[scheme]
            for host in _host_variants(parts.hostname.lower().rstrip(".")):
                origins.add((scheme, host, port))
                if scheme == "http" and port == 80:
                    origins.add(("https", host, 443))
        return cls(frozenset(origins))

    @property
    def hosts(self) -> list[str]:
        return sorted({host for _, host, _ in self.origins})

    def allows(self, url: str) -> bool:
        try:
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            host = (parts.hostname or "").lower().rstrip(".")
            port = parts.port or _DEFAULT_PORTS.get(scheme)
        except ValueError:  # a malformed port or IPv6 literal
            return False
        if scheme not in _DEFAULT_PORTS or not host:
            return False
        return (scheme, host, port) in self.origins
