"""The project's exceptions, in one place as in Scrapy's own ``scrapy.exceptions``.

Pipelines drop items with :class:`RejectedItem` and :class:`DuplicateItem` (the store
pipeline turns those drops into rejections and aliases; the run report counts them); the
crawl's extensions and spiders raise the others. Store failures are
:class:`newscrawl.storage.StoreError`, defined with the store.
"""

from __future__ import annotations

from scrapy.exceptions import DropItem, IgnoreRequest


class RejectedItem(DropItem):
    """A record that is not a valid article; ``reason`` is a short stable code."""

    def __init__(self, url: str, reason: str, detail: str | None = None) -> None:
        super().__init__(
            f"rejected {url}: {reason}" + (f" ({detail})" if detail else ""), log_level="WARNING"
        )
        self.url, self.reason, self.detail = url, reason, detail


class DuplicateItem(DropItem):
    """A record already stored under ``canonical`` (same URL, or same body elsewhere)."""

    def __init__(self, url: str, canonical: str, reason: str) -> None:
        super().__init__(f"duplicate {url}: {reason} of {canonical}", log_level="INFO")
        self.url, self.canonical, self.reason = url, canonical, reason


class NearDuplicateItem(DuplicateItem):
    """A record whose story is already stored in an edited form under ``canonical``."""

    def __init__(self, url: str, canonical: str, score: float) -> None:
        super().__init__(url, canonical, "near_duplicate")
        self.score = score


class StoreBusy(RuntimeError):
    """Raised at startup when the store's lock is held: the crawl must not start."""


class PoolUnavailable(Exception):
    """No extraction worker could be started: the caller extracts in its own process."""


class ExtractionFailed(Exception):
    """A page the extraction pool could not extract; ``reason`` is the rejection's code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


class DownloadFailed(IgnoreRequest):
    """A page lost to an expected network failure (``kind``: timeout, dns, truncated...),
    after its retries; the original exception is its ``__cause__``.

    Raised by :class:`newscrawl.downloadermiddlewares.failures.FailureStatsMiddleware`,
    which has logged it as one line: as an ``IgnoreRequest``, Scrapy's scraper and
    robots.txt middleware do not log it again with a traceback (they would for the
    original exception). An errback receives it; ``failure.value.__cause__`` is what the
    download raised."""

    def __init__(self, kind: str, url: str) -> None:
        super().__init__(f"download failed ({kind}): {url}")
        self.kind, self.url = kind, url
