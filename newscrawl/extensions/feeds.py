"""The crawl's ``-o`` feed, exactly once across ``kill -9``: its lines and the store's records
are made durable together.

Scrapy writes a feed line when an item has passed the pipelines, into a buffered file; the
store commits records in batches. Killed between the two, a crawl used to leave a feed that
disagreed with its store: lines of the open batch (not stored, so fetched again and written
again by the rerun) and no line for records committed while their lines were still in the
file buffer. Here:

- the store commits only between items, after the item's feed line is written
  (:class:`~newscrawl.pipelines.store.StorePipeline` ends an item on ``item_scraped``, after
  the feed exporter), and just before each commit every open local feed is flushed and
  synced, and its size and the digest of its last bytes are recorded *in the transaction
  being committed* (``feed_marks``): a committed record's line is on disk;
- when a crawl starts, a local feed opened for appending (``-o``) whose last run did not
  end cleanly (killed, or its store failed: the mark still says ``running``), that is
  longer than its mark, and whose bytes before the mark are the ones recorded, ends in
  lines written after that run's last commit (their records were lost with the open
  batch, and this run fetches those pages again): the file is cut back to the mark. A file
  that does not match its mark (rotated, replaced, edited), or whose last run ended
  cleanly (another crawl, on another store, may have appended to it since), is left as it
  is. Nothing but the crawl should write to the file while its run is unfinished.

So with ``-o`` the feed holds every stored story once, however often the crawl is killed.
``-O`` (overwrite) starts each run's file afresh: after a ``kill -9`` the rerun's file holds
what the rerun stored, not what the killed run had committed (use ``-o``, or
``newscrawl export --new``). Only local files are covered (``-o FILE``, ``file://``), keyed by
host and absolute path; a feed whose path has ``%(...)s`` parameters is a new file each run.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlparse

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.extensions.feedexport import FileFeedStorage
from w3lib.url import file_uri_to_path

from newscrawl.extensions.store import CrawlStore
from newscrawl.storage import StoreError
from newscrawl.storage.cursors import FeedMark

logger = logging.getLogger(__name__)

TAIL = 4096  # bytes before a mark whose digest identifies the file


def tail_digest(fd: int, size: int) -> str:
    """SHA-256 of the ``TAIL`` bytes before ``size`` in the open file ``fd``."""
    start = max(0, size - TAIL)
    return hashlib.sha256(os.pread(fd, size - start, start)).hexdigest()


def local_path(uri: str) -> Path | None:
    """The file a feed URI names, if it is a local one without per-run parameters."""
    scheme = urlparse(uri).scheme
    if "%(" in uri or scheme not in ("", "file"):
        return None
    return Path(file_uri_to_path(uri) if scheme == "file" else uri).resolve()


class CommittedFeeds:
    """Extension (``EXTENSIONS``): local feeds flushed and marked at every store commit, a
    killed run's uncommitted tail cut at the next start (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.get("STORE_URL") or not crawler.settings.getdict("FEEDS"):
            raise NotConfigured  # no store or no feed: nothing to keep together
        self.crawler = crawler
        self.feeds: dict[Path, bool] = {}  # path -> appended to (-o)
        for uri, options in crawler.settings.getdict("FEEDS").items():
            path = local_path(str(uri))
            if path is not None:
                self.feeds[path] = not (options or {}).get("overwrite", False)
        if not self.feeds:
            raise NotConfigured
        self.open_files: dict[Path, IO[bytes]] = {}
        self.host = socket.gethostname()
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CommittedFeeds:
        return cls(crawler)

    def key(self, path: Path) -> str:
        return f"{self.host}:{path}"

    def spider_opened(self) -> None:
        """Cut what a killed run wrote after its last commit, and mark where this run starts
        (committed before any item, so a run killed before its first commit is cut too)."""
        self.store = CrawlStore.required_by(self.crawler).store
        self.store.before_commit.append(self.flush_and_mark)
        for path, appended in self.feeds.items():
            if appended:
                self._recover(path)
        self.store.commit()

    def _recover(self, path: Path) -> None:
        size = path.stat().st_size if path.is_file() else 0
        mark = self.store.feed_mark(self.key(path))
        if mark is not None and mark.running and size > mark.size:
            with path.open("r+b") as file:
                if tail_digest(file.fileno(), mark.size) == mark.digest:
                    file.truncate(mark.size)
                    os.fsync(file.fileno())
                    logger.warning(
                        "Feed %s: cut %d bytes written after the last commit of a run that"
                        " did not finish (their stories were not stored; this run fetches"
                        " them again)",
                        path,
                        size - mark.size,
                    )
                    size = mark.size
        self.store.set_feed_mark(self.key(path), self._mark(path, size, running=True))

    @staticmethod
    def _mark(path: Path, size: int, *, running: bool) -> FeedMark:
        if size == 0:
            return FeedMark(0, hashlib.sha256(b"").hexdigest(), running)
        with path.open("rb") as reader:
            return FeedMark(size, tail_digest(reader.fileno(), size), running)

    def opened(self, path: Path, file: IO[bytes]) -> None:
        """A feed file the exporter writes to (:class:`CommittedFileFeedStorage`)."""
        if path in self.feeds:
            self.open_files[path] = file

    def flush_and_mark(self) -> None:
        """Before a commit: every open feed on disk, its size recorded in the commit; the
        store's last commit (it is closing) records the run's clean end."""
        running = not self.store.closing
        for path, appended in self.feeds.items():
            file = self.open_files.get(path)
            try:
                if file is not None and not file.closed:
                    file.flush()
                    os.fsync(file.fileno())
                if not appended:
                    continue
                size = path.stat().st_size if path.is_file() else 0
                mark = self._mark(path, size, running=running)
            except OSError as exc:
                raise StoreError(f"cannot write feed {path}: {exc}") from exc
            self.store.set_feed_mark(self.key(path), mark)


class CommittedFileFeedStorage(FileFeedStorage):
    """Scrapy's local file storage (``FEED_STORAGES``), its open file handed to
    :class:`CommittedFeeds` to be flushed before each store commit."""

    def __init__(
        self, uri: str, *, feed_options: dict[str, Any] | None = None, crawler: Any = None
    ) -> None:
        super().__init__(uri, feed_options=feed_options)
        self.crawler = crawler

    @classmethod
    def from_crawler(
        cls, crawler: Crawler, uri: str, *, feed_options: dict[str, Any] | None = None
    ) -> CommittedFileFeedStorage:
        return cls(uri, feed_options=feed_options, crawler=crawler)

    def open(self, spider: Any) -> IO[bytes]:
        file = super().open(spider)
        committed = self.crawler.get_extension(CommittedFeeds) if self.crawler else None
        if committed is not None:
            committed.opened(Path(self.path).resolve(), file)
        return file
