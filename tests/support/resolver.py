"""A DNS resolver for tests that answers from a table, never from real DNS.

``-s TWISTED_DNS_RESOLVER=tests.support.resolver.TableResolver`` with
``-s TEST_DNS_HOSTS='{"www.news.test": "127.0.0.1"}'``: each name in the table resolves to
its address, any other name fails as an unknown name would. It is Scrapy's own caching
resolver (the project's :class:`newscrawl.resolver.GuardedResolver`, which checks answers)
with only the lookup itself replaced, so everything the crawl does with an answer is what
it does with a real one; a name resolving to 127.0.0.1 lets a test's server on loopback
stand for a private host.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from twisted.internet import defer
from twisted.internet.base import ThreadedResolver
from twisted.internet.error import DNSLookupError

from newscrawl.resolver import GuardedResolver


class _TableLookup(ThreadedResolver):
    """The lookup under Scrapy's cache (it sits where ``gethostbyname`` would)."""

    hosts: dict[str, str]
    lookups: list[str]

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> defer.Deferred[str]:  # noqa: N802
        self.lookups.append(name)
        address = self.hosts.get(name.lower())
        if address is None:
            return defer.fail(DNSLookupError(f"{name}: not in the test table"))
        return defer.succeed(address)


class TableResolver(GuardedResolver, _TableLookup):
    """GuardedResolver -> Scrapy's caching resolver -> the table (see the module docstring)."""

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> TableResolver:
        resolver = super().from_crawler(crawler, reactor)
        table = crawler.settings.getdict("TEST_DNS_HOSTS")
        resolver.hosts = {name.lower(): address for name, address in table.items()}
        resolver.lookups = []
        return resolver
