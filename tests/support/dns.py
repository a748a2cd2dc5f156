"""A DNS server on 127.0.0.1 that knows no name, and the crawl's resolver pointed at it.

A crawl test that needs a failed lookup cannot ask the machine's resolver: its query would
leave loopback. :class:`NxDomainServer` is a real DNS server (UDP, one thread) that
answers every query "no such name" (NXDOMAIN) and records the names asked;
:class:`LoopbackResolver` is a ``TWISTED_DNS_RESOLVER`` that sends the crawl's lookups to
it (address in ``NEWSCRAWL_TEST_DNS``, ``host:port``) with Twisted's DNS client, failing
as Scrapy's default resolver fails, with ``DNSLookupError``.
"""

from __future__ import annotations

import os
import socket
import struct
import threading
from typing import Any

from twisted.internet.abstract import isIPAddress, isIPv6Address
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IResolverSimple
from zope.interface import implementer

ENV = "NEWSCRAWL_TEST_DNS"


class NxDomainServer:
    """``with NxDomainServer() as dns:`` serves on ``dns.address`` until the block ends."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(0.2)
        host, port = self.socket.getsockname()
        self.address = f"{host}:{port}"
        self.names: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> NxDomainServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.socket.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                query, client = self.socket.recvfrom(4096)
            except TimeoutError:
                continue
            answer = self.answer(query)
            if answer:
                self.socket.sendto(answer, client)

    def answer(self, query: bytes) -> bytes | None:
        """The query's header and question, flagged as a response with RCODE 3."""
        if len(query) < 12:
            return None
        end, labels = 12, []
        while end < len(query) and query[end]:
            labels.append(query[end + 1 : end + 1 + query[end]].decode("ascii", "replace"))
            end += 1 + query[end]
        end += 5  # the root label, QTYPE and QCLASS
        if end > len(query):
            return None
        self.names.append(".".join(labels))
        flags = 0x8000 | (struct.unpack("!H", query[2:4])[0] & 0x0100) | 0x0080 | 3
        return query[:2] + struct.pack("!HHHHH", flags, 1, 0, 0, 0) + query[12:end]


@implementer(IResolverSimple)
class LoopbackResolver:
    """``TWISTED_DNS_RESOLVER``: every lookup asked of the server at ``$NEWSCRAWL_TEST_DNS``."""

    def __init__(self, reactor: Any, server: tuple[str, int]) -> None:
        from twisted.names import client

        self.reactor = reactor
        self.client = client.Resolver(servers=[server], reactor=reactor)

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> LoopbackResolver:
        host, _, port = os.environ[ENV].rpartition(":")
        return cls(reactor, (host, int(port)))

    def install_on_reactor(self) -> None:
        self.reactor.installResolver(self)

    def getHostByName(self, name: str, timeout: Any = ()) -> Any:
        from twisted.internet import defer

        if isIPAddress(name) or isIPv6Address(name):  # as the system resolver answers them
            return defer.succeed(name)

        def failed(failure: Any) -> None:
            raise DNSLookupError(f"{name}: {failure.getErrorMessage()}")

        return self.client.getHostByName(name, timeout=(2,)).addErrback(failed)
