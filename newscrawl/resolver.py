"""The crawl's DNS resolver (``TWISTED_DNS_RESOLVER``): Scrapy's, checking its answers.

Scrapy resolves a host name once per connection through the resolver installed on the
reactor (``TWISTED_DNS_RESOLVER``, by default ``scrapy.resolver.CachingThreadedResolver``:
``gethostbyname`` in a thread, answers cached). The address guard
(:mod:`newscrawl.downloadermiddlewares.guard`, ``ADDRESS_GUARD_DNS``) resolves a name
before a request goes on and refuses an internal answer; the connection normally gets the
same answer from the cache. :class:`GuardedResolver` closes the gap the cache may leave
(``DNSCACHE_ENABLED=False``, an entry evicted, a name answering differently the second
time): it checks every answer it hands a connection against each running crawl's guard,
and fails the lookup (:class:`~newscrawl.downloadermiddlewares.guard.PrivateAnswer`, a
``DNSLookupError``) when that crawl must not connect there.

Without a crawl that asks for the check, it behaves exactly as Scrapy's resolver.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.defer import Deferred

from newscrawl.downloadermiddlewares.guard import AddressGuardMiddleware, PrivateAnswer


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver whose answers each running crawl's address guard checks."""

    def __init__(self, reactor: Any, cache_size: int, timeout: float, process: Any) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.process = process

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> GuardedResolver:
        # Scrapy builds the resolver once per process, from the CrawlerProcess: its
        # ``crawlers`` are the crawls whose guards judge the answers.
        settings = crawler.settings
        cache = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(reactor, cache, settings.getfloat("DNS_TIMEOUT"), crawler)

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:  # noqa: N802
        answer = super().getHostByName(name, timeout)
        answer.addCallback(self._check, name)
        return answer

    def _check(self, answer: str, name: str) -> str:
        for guard in self._guards():
            if guard.refuses_answer(name, answer):
                raise PrivateAnswer(f"{name} resolves to an internal address")
        return answer

    def _guards(self) -> list[AddressGuardMiddleware]:
        guards = []
        for crawler in getattr(self.process, "crawlers", ()):
            try:
                guard = crawler.get_downloader_middleware(AddressGuardMiddleware)
            except RuntimeError:  # its engine is not created yet: it connects nowhere
                continue
            if guard is not None:
                guards.append(guard)
        return guards
