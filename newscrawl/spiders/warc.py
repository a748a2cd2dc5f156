"""``warc``: the spider whose pages come from WARC files instead of the web.

``newscrawl replay`` (the crawl's own archives) and ``newscrawl ccnews`` (Common Crawl's
news archives) run it; ``scrapy crawl warc -a files=A.warc.gz,B.warc.gz`` does too.

For each response or resource record of each file (read by
:class:`~newscrawl.archive.WarcReader`: bodies decoded, damage skipped and counted) it makes
a request that carries the record; :mod:`newscrawl.downloadermiddlewares.replay` answers
it with the response Scrapy would have built from the network. From there on it is the
live crawl: the same charset fallback, extraction (the site profile that claims a page,
the generic layer elsewhere), item pipelines and store. Nothing is fetched and no link is
followed: every page of the capture is in the archive already.

Which records become records
----------------------------
- Pages with a 2xx status (or a ``resource``), not truncated (``WARC-Truncated``: the
  page is incomplete), HTML; counted under ``newscrawl/warc/skipped/<why>`` otherwise. A
  non-HTML page at a URL a site profile calls an article is rejected as ``not_html``, as
  the site spiders do.
- An article is what the spiders extract: a URL a site profile calls an article URL, or
  a page the generic page-kind rules call an article (:mod:`newscrawl.discovery.pagekind`,
  the ``news`` spider's rules); other pages (sections, tag pages...) are counted as
  ``newscrawl/warc/not_article``.
- ``fetched_at`` is the record's ``WARC-Date``, and the section is the one the live
  crawl found the page in when the archive's ``metadata`` record says it
  (``newscrawl-section``, written by :mod:`newscrawl.downloadermiddlewares.archive`): the
  same record as the live crawl gave, less its time of extraction.
- ``-a sites=HOST,...``: only pages of those sites (``www.`` or not, subdomains too),
  chosen before their bodies are read. ``-a since=DATE -a until=DATE``: only articles
  published in that window (days, inclusive), applied after extraction; an article whose
  page gives no date is outside every window (``newscrawl/warc/window/undated``).
- A story split over several pages (:mod:`newscrawl.spiders.multipage`) is not stitched
  again: its first page gives the record, ``pages`` 1 and ``incomplete`` true (the body of
  that page only), and its later pages give none (``newscrawl/warc/part``).
- A URL already in the store (an article, alias or rejection) is not extracted again
  (``newscrawl/warc/known``): reading the same archive twice stores nothing new.

Finished files, resuming
------------------------
A file whose records have all been through the pipelines is recorded in the store
(:mod:`newscrawl.storage.archives`), after its records (the bookkeeping is
:mod:`newscrawl.spiders.warcfiles`); a later run skips it
(``newscrawl/warc/files/finished_before``). A killed run reads its unfinished file again,
and the records it had stored are known URLs: it resumes where it stopped.

Memory stays bounded: records are read one at a time, and the next request is made only
when the engine has room for it (Scrapy's lazy start pattern: ``needs_backout`` and the
``scheduler_empty`` signal).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import scrapy
from scrapy import signals
from scrapy.http import HtmlResponse, Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import task, threads

from newscrawl.archive import ArchivedResponse, WarcReader
from newscrawl.archive.inputs import (
    DEFAULT_MAX_DOWNLOAD,
    WarcInput,
    download,
    expand,
    remove_folder,
    scratch_folder,
)
from newscrawl.discovery import pagekind
from newscrawl.downloadermiddlewares.replay import RECORD_META
from newscrawl.extensions.store import CrawlStore
from newscrawl.items import Rejection
from newscrawl.profiles import profile_for
from newscrawl.spiders.base import extract_or_reject
from newscrawl.spiders.warcfiles import FileLedger, FileRun, LocalFiles
from newscrawl.storage import StoreError
from newscrawl.urls import canonicalize_url, site_of

logger = logging.getLogger(__name__)

STATS = "newscrawl/warc"
FILE_META = "newscrawl_warc_file"
FETCHED_META = "newscrawl_warc_fetched_at"
SECTION_META = "newscrawl_warc_section"
PAUSE_EVERY = 0.05  # seconds of reading without yielding to the reactor


async def _pause(seconds: float = 0) -> None:
    """Give the reactor a turn (imported here: importing it at module level would install
    the default reactor before Scrapy installs the asyncio one)."""
    from twisted.internet import reactor

    await maybe_deferred_to_future(task.deferLater(reactor, seconds, lambda: None))


def _split(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [part for part in value if part]


def _day(value: str | None, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise ValueError(f"{name}={value!r}: use a date, YYYY-MM-DD") from None


def skip_reason(record: ArchivedResponse) -> str | None:
    """Why an archived response is not read (a rejected status, a torn body, not a page)."""
    if record.status is not None and not 200 <= record.status < 300:
        return "status"
    if record.truncated:
        return "truncated"
    if not record.is_html:
        profile = profile_for(record.url)
        if profile is None or not profile.is_article_url(record.url):
            return "not_html"
    return None


def is_article(response: HtmlResponse) -> bool:
    """What the spiders would extract: a site profile's article URL, or a page the
    generic page-kind rules call an article."""
    profile = profile_for(response.url)
    if profile is not None and profile.is_article_url(response.url):
        return True
    return pagekind.classify(response.selector, response.url).is_article


class WarcSpider(scrapy.Spider):
    """Pages from WARC files through the crawl's extraction and pipelines (see the module
    docstring). Arguments: ``files`` (paths, folders or URLs, comma-separated), ``sites``,
    ``since``, ``until``; ``source`` (a fleet's file queue, or a factory of one taking the
    settings) from code only."""

    name = "warc"
    custom_settings = {
        # Nothing is fetched: no robots.txt, no delays, no politeness per site.
        "ROBOTSTXT_OBEY": False,
        "CRAWL_DELAY_OBEY": False,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
        "RETRY_ENABLED": False,
    }

    def __init__(
        self,
        *args: Any,
        files: str | list[str] | None = None,
        sites: str | list[str] | None = None,
        since: str | None = None,
        until: str | None = None,
        source: Any = None,
        max_download: int = DEFAULT_MAX_DOWNLOAD,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # A fleet's queue is built once the crawl runs (it needs the reactor Scrapy
        # installs): ``source`` may be a factory taking the crawl's settings.
        self.source = source if source is not None else LocalFiles(expand(_split(files)))
        self.sites = frozenset(site_of(f"https://{s.lower()}/") for s in _split(sites))
        self.since, self.until = _day(since, "since"), _day(until, "until")
        self.max_download = max_download
        # Bytes of WARC files read, for a progress bar (newscrawl.extensions.progress): the
        # total is known for local files only (not URLs, not a fleet's queue).
        self.progress_done = 0
        self.progress_total: int | None = None

    def _connect(self) -> None:
        """Called when the crawl starts, after the item pipelines connected theirs, so
        that these handlers run after the store pipeline's (it writes a dropped record's
        alias or rejection in its own ``item_dropped`` handler): a file is recorded as
        finished after the last write its records caused."""
        connect = self.crawler.signals.connect
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            connect(self._item_done, signal=signal)
        connect(self.ledger.idle, signal=signals.spider_idle)
        connect(self._closed, signal=signals.spider_closed)

    # -- the store ---------------------------------------------------------------------

    @property
    def store(self) -> Any:
        owner = self.crawler.get_extension(CrawlStore)
        return owner.store if owner is not None else None

    def _count(self, key: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(f"{STATS}/{key}", count)

    # -- reading -----------------------------------------------------------------------

    def keep_url(self, url: str) -> bool:
        """The ``sites`` filter, applied before a record's body is read."""
        if not self.sites:
            return True
        site = site_of(url)
        return site in self.sites or any(site.endswith("." + s) for s in self.sites)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if callable(self.source):
            self.source = self.source(self.settings)
        if isinstance(self.source, LocalFiles):
            self.progress_total = sum(
                i.path.stat().st_size for i in self.source.inputs if not i.url and i.path.is_file()
            )
        self.ledger = FileLedger(self.crawler, self.source)
        self._connect()
        folder = scratch_folder()
        try:
            while (item := await self.source.next_input()) is not None:
                async for request in self._read(item, folder):
                    if self.crawler.engine.needs_backout():
                        await self.crawler.signals.wait_for(signals.scheduler_empty)
                    yield request
        finally:
            remove_folder(folder)

    async def _read(self, item: WarcInput, folder: Any) -> AsyncIterator[scrapy.Request]:
        store = self.store
        if store is not None and store.file_finished(item.name):
            self._count("files/finished_before")
            logger.info("WARC %s: finished by an earlier run, skipped", item.name)
            self.source.finished(item)
            if not item.url and item.path.is_file():
                self.progress_done += item.path.stat().st_size
            return
        path = item.path
        if item.url:
            try:
                path = await maybe_deferred_to_future(
                    threads.deferToThread(download, item.url, folder, self.max_download)
                )
            except OSError as exc:
                self._unreadable(item, f"not downloaded: {exc}")
                return
        run = self.ledger.opened(item)
        reader = WarcReader(url_filter=self.keep_url)
        paused = time.monotonic()
        before, local = self.progress_done, not item.url
        try:
            run.size = path.stat().st_size
            for record in reader.read(path):
                if local:
                    self.progress_done = before + record.offset
                request = self._request(record, run)
                if request is not None:
                    run.pending += 1
                    yield request
                elif time.monotonic() - paused > PAUSE_EVERY:
                    # Records skipped unread (other sites) can run for seconds: let the
                    # reactor breathe (pipelines, the fleet's heartbeat).
                    await _pause()
                    paused = time.monotonic()
        except OSError as exc:
            self._unreadable(item, f"unreadable: {exc}")
            return
        finally:
            self.progress_done = before + (run.size if local else 0)
            if item.url:
                path.unlink(missing_ok=True)
        self._read_stats(reader)
        self._count("files/read")
        self.ledger.read(run, records=reader.stats.records, torn=bool(reader.stats.torn))

    def _unreadable(self, item: WarcInput, why: str) -> None:
        """A file that cannot be read (or downloaded) is counted and given up: retrying
        it at once would fail the same way."""
        self._count("files/unreadable")
        logger.error("WARC %s %s", item.source, why)
        self.source.finished(item)

    def _read_stats(self, reader: WarcReader) -> None:
        for key, value in reader.stats.as_dict().items():
            if value and key != "files":
                self._count(f"read/{key}", value)

    def _request(self, record: ArchivedResponse, run: FileRun) -> scrapy.Request | None:
        why = skip_reason(record)
        if why is not None:
            self._count(f"skipped/{why}")
            return None
        store = self.store
        try:
            known = store is not None and store.known(canonicalize_url(record.url)) is not None
        except StoreError as exc:  # never skip on a store we cannot read
            logger.error("Store unavailable, extracting %s: %s", record.url, exc)
            known = False
        if known:
            self._count("known")
            return None
        fetched = record.date.astimezone(dt.UTC) if record.date else None
        return scrapy.Request(
            record.url,
            callback=self.parse_record,
            errback=self._request_failed,
            dont_filter=True,
            meta={
                RECORD_META: record,
                FILE_META: run,
                FETCHED_META: fetched.isoformat(timespec="seconds") if fetched else None,
                SECTION_META: record.meta("newscrawl-section"),
            },
        )

    # -- the pages -----------------------------------------------------------------------

    async def parse_record(self, response: Response) -> list[Any]:
        """An archived page: its record if it is an article (see the module docstring)."""
        run = response.meta.get(FILE_META)
        try:
            output = await self._extract(response)
        except BaseException:
            self.ledger.one_done(run)
            raise
        if not output:  # no item: nothing more will happen to this request
            self.ledger.one_done(run)
        return output

    async def _extract(self, response: Response) -> list[Any]:
        if not isinstance(response, HtmlResponse):
            kind = response.headers.get("Content-Type", b"").decode("latin-1") or "unknown"
            return [Rejection(url=canonicalize_url(response.url), reason="not_html", detail=kind)]
        if not is_article(response):
            self._count("not_article")
            return []
        extraction = await extract_or_reject(
            self,
            response,
            response.meta.get(SECTION_META),
            fetched_at=response.meta.get(FETCHED_META),
        )
        if isinstance(extraction, Rejection):
            return [extraction]
        if extraction.first_part:  # a later page of a story split over pages: no story
            self._count("part")
            return []
        if not self._in_window(extraction.item.get("published")):
            return []
        self._count("article")
        return [extraction.item]

    def _in_window(self, published: str | None) -> bool:
        if self.since is None and self.until is None:
            return True
        try:
            day = dt.date.fromisoformat(published[:10]) if published else None
        except ValueError:
            day = None
        if day is None:
            self._count("window/undated")
            return False
        if (self.since and day < self.since) or (self.until and day > self.until):
            self._count("window/outside")
            return False
        return True

    # -- when a file is finished -------------------------------------------------------

    def _item_done(self, item: Any, response: Response | None = None, **kwargs: Any) -> None:
        if response is not None:
            self.ledger.one_done(response.meta.get(FILE_META))

    def _request_failed(self, failure: Any) -> None:
        request = getattr(failure, "request", None)
        self.ledger.one_done(request.meta.get(FILE_META) if request is not None else None)

    def _closed(self) -> None:
        if not callable(self.source):
            self.source.close()
