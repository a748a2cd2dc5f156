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
    """A record already stored under ``canonical`` (same URL, or same body elsewhere).

    ``fingerprint``: the copy's words (the item Scrapy reports with a drop is the one the
    spider made, before normalisation); ``recorded``: the store pipeline has already stored
    what the copy is (an alias), so the drop is only the feed's.
    """

    def __init__(
        self,
        url: str,
        canonical: str,
        reason: str,
        *,
        fingerprint: str | None = None,
        recorded: bool = False,
        message: str = "",
    ) -> None:
        # DEBUG, as Scrapy logs every scraped item: one line per copy found is the crawl
        # working as meant, and the run report counts them per site.
        message = message or f"duplicate {url}: {reason} of {canonical}"
        super().__init__(message, log_level="DEBUG")
        self.url, self.canonical, self.reason = url, canonical, reason
        self.fingerprint, self.recorded = fingerprint, recorded


class CanonicalReplaced(DuplicateItem):
    """A copy that outranks the story stored under ``canonical`` (newscrawl.canonical): the
    store now has it as the story's record (``canonical`` is one of its aliases), and the
    feed, which had the story under ``canonical`` already, does not get it again."""

    def __init__(self, url: str, canonical: str, reason: str) -> None:
        super().__init__(
            url, canonical, reason, recorded=True,
            message=f"duplicate {url}: {reason} of {canonical}, now the story's canonical URL",
        )  # fmt: skip


class NearDuplicateItem(DuplicateItem):
    """A record whose story is already stored in an edited form under ``canonical``."""

    def __init__(
        self, url: str, canonical: str, score: float, fingerprint: str | None = None
    ) -> None:
        super().__init__(url, canonical, "near_duplicate", fingerprint=fingerprint)
        self.score = score


class SpiderArgumentError(ValueError):
    """A spider argument (``-a NAME=VALUE``) the spider cannot use: the crawl does not start.

    The message names the argument as given and what it accepts, in one line: the crawl
    command (:mod:`newscrawl.commands.crawl`) logs it as is and exits 1, a traceback would
    only hide it.
    """

    def __init__(self, name: str, value: object, expected: str) -> None:
        given = f"missing spider argument {name}" if value is None else (
            f"bad spider argument -a {name}={value}"
        )  # fmt: skip
        super().__init__(f"{given}: {expected}")
        self.name, self.value, self.expected = name, value, expected


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


class RepeatedPart(IgnoreRequest):
    """A later page of a story that this run has already requested for the same story.

    Two chains of pages then carry one story: after a resume from ``JOBDIR``, the chain
    that was queued when the crawl stopped, and one started again from the story's first
    page under another spelling. Raised by
    :class:`newscrawl.downloadermiddlewares.incremental.IncrementalMiddleware`; the
    spider's part errback ends the second chain without a record, since the first one
    stores the story. Stored as an incomplete story instead, its one page would differ from
    the whole story and be kept beside it."""

    def __init__(self, url: str) -> None:
        super().__init__(f"repeat_part: {url}")
        self.url = url
