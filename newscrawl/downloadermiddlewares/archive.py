"""Archive every fetch of a crawl as WARC 1.1 (``-s WARC_DIR=archive/``).

:class:`ArchiveMiddleware` hands what Scrapy received to :class:`~newscrawl.archive.WarcWriter`
(the record formats, the ``kill -9`` rules and why they are what they are, are in
:mod:`newscrawl.archive`). Where it stands and what it writes follow from what a Scrapy
2.19 downloader middleware sees:

- **Priority 800**, above RedirectMiddleware (600), which ends the ``process_response``
  chain for a 3xx (below it redirects would never be seen), and above
  HttpCompressionMiddleware (590), so the body is still as the server coded it. Every
  retry attempt passes here too: each is a fetch of its own.
- **A network response is a ``response`` record** with its ``request`` record (plus a
  ``metadata`` record when the request says where the crawl found it, below).
  ``WARC-Truncated`` comes from Scrapy's flags: ``dataloss`` (body shorter than its
  Content-Length, with ``DOWNLOAD_FAIL_ON_DATALOSS`` off) is ``disconnect``,
  ``download_stopped`` (a ``StopDownload`` from a signal handler) is ``unspecified``,
  except for the ones this middleware stopped itself at ``WARC_MAX_BODY``, which are
  ``length``.
- **Offline-mirror reads are not fetches**: nothing was received from a server, so they
  are not archived unless ``WARC_MIRROR`` is on, and then as ``resource`` records (the
  file's bytes under the mirror's Content-Type), never as responses. Only 200 answers
  are written; the mirror's 404s and ``_redirects`` answers have no content.
- **Cache hits** (flag ``cached``) and responses replayed from an archive (flag
  ``warc``, :mod:`newscrawl.downloadermiddlewares.replay`) are not fetches: never
  archived.
- **A ``metadata`` record** (``application/warc-fields``, ``WARC-Concurrent-To`` the
  response) keeps what the crawl knew of a page besides its bytes, and what replay
  needs to give the same record as the live crawl: ``via`` (the page the link was found
  on, Heritrix's field name) and ``newscrawl-section`` (the section the spider found the
  article in, used when the page prints none). Written only when there is something to
  say.

Records are built (gzip, digests) and written by a thread of their own
(:mod:`newscrawl.archive.background`, ``WARC_THREAD``, on by default): the reactor only
copies Scrapy's values out. A ``kill -9`` can also lose the fetches still queued for it
(at most 32), which were never in the file.

At start-up the ``.open`` files that a killed crawl of this host left in ``WARC_DIR`` are
finished (:func:`newscrawl.archive.recover.recover`: a torn last record cut off, then the
final name). Each file's ``warcinfo`` record names the run (``isPartOf``), the spider,
the User-Agent and the robots policy. A write that fails (disk full, a folder gone) is
counted as ``newscrawl/warc/write_error`` and logged once per run with the first error;
the crawl goes on (its records are in the store; the archive misses those pages).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured, StopDownload
from scrapy.http import Response

from newscrawl.archive import Exchange, WarcWriter, header_pairs
from newscrawl.archive.background import BackgroundWriter
from newscrawl.archive.recover import orphans, recover

logger = logging.getLogger(__name__)

STATS = "newscrawl/warc"
# Scrapy's response flags that mean the body is not all the server meant to send.
FLAG_TRUNCATION = {"dataloss": "disconnect", "download_stopped": "unspecified"}
NOT_FETCHED = frozenset({"cached", "warc"})
CUT_META = "newscrawl_warc_cut"  # set on a request whose body this middleware stopped


class ArchiveMiddleware:
    """Downloader middleware writing each fetch to the crawl's WARC files (``WARC_DIR``)."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        directory = settings.get("WARC_DIR")
        if not directory:
            # No message: Scrapy logs one as a WARNING, and no archive is the usual case.
            raise NotConfigured
        self.stats = crawler.stats
        self.mirror = settings.getbool("WARC_MIRROR", False)
        self.max_body = settings.getint("WARC_MAX_BODY", 0)
        spider = crawler.spidercls.name
        level = settings.get("WARC_GZIP_LEVEL", 6)
        self.run_id = (
            f"newscrawl:{spider}:{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}:{uuid.uuid4().hex[:8]}"
        )
        self._recover(directory)
        writer = WarcWriter(
            directory,
            prefix=f"{settings.get('WARC_PREFIX') or 'newscrawl'}-{spider}",
            max_size=settings.getint("WARC_MAX_SIZE", 1 << 30),
            compress_level=None if level in (None, "", "none", "None") else int(level),
            fsync_interval=settings.getfloat("WARC_FSYNC_INTERVAL") or None,
            info={
                "isPartOf": self.run_id,
                "newscrawl-spider": spider,
                "http-header-user-agent": settings.get("USER_AGENT") or "",
                "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
                "operator": settings.get("WARC_OPERATOR") or "",
            },
        )
        # Records built and written beside the reactor (newscrawl.archive.background),
        # or in it (WARC_THREAD off: errors then surface in process_response).
        self.writer: WarcWriter | BackgroundWriter = (
            BackgroundWriter(writer) if settings.getbool("WARC_THREAD", True) else writer
        )
        self._failed = False
        self._errors_seen = 0
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        if self.max_body > 0:
            crawler.signals.connect(self.bytes_received, signal=signals.bytes_received)
            self._received: dict[int, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveMiddleware:
        return cls(crawler)

    def _recover(self, directory: str) -> None:
        """Finish the files a killed crawl of this host left open (see the module docstring)."""
        try:
            found = orphans(directory)
        except OSError:  # no folder yet: nothing to recover
            return
        for path in found:
            try:
                final = recover(path)
            except OSError as exc:
                logger.error("WARC %s left by a killed crawl not recovered: %s", path, exc)
                self.stats.inc_value(f"{STATS}/recover_error")
                continue
            logger.info("WARC %s left by a killed crawl finished as %s", path.name, final.name)
            self.stats.inc_value(f"{STATS}/recovered")

    # -- Scrapy hooks ------------------------------------------------------------------

    def process_response(self, request: Request, response: Response) -> Response:
        flags = set(response.flags)
        if flags & NOT_FETCHED:
            return response
        try:
            if "mirror" in flags:
                if self.mirror and response.status == 200:
                    self._write_mirror_read(request, response)
            else:
                self._write_fetch(request, response)
        except (OSError, ValueError) as exc:
            self._write_failed(response.url, exc)
        self._sync_errors()
        if request.meta.get(CUT_META) and "download_stopped" in flags:
            # Archived cut; not a page to extract, as DOWNLOAD_MAXSIZE would have dropped it.
            self.stats.inc_value(f"{STATS}/cut")
            raise IgnoreRequest(f"body over WARC_MAX_BODY ({self.max_body} bytes): {request.url}")
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if self.max_body > 0:
            self._received.pop(id(request), None)

    def bytes_received(self, data: bytes, request: Request, spider: Any) -> None:
        """Stop a body over ``WARC_MAX_BODY`` bytes so that its start is archived with
        ``WARC-Truncated: length`` (Scrapy's own ``DOWNLOAD_MAXSIZE`` drops the whole
        body, leaving nothing to archive). The cut response is then ignored, as one over
        ``DOWNLOAD_MAXSIZE`` would be: a partial page is not extracted."""
        key = id(request)
        seen = self._received.get(key, 0) + len(data)
        if seen > self.max_body:
            self._received.pop(key, None)
            request.meta[CUT_META] = True
            raise StopDownload(fail=False)
        self._received[key] = seen

    def spider_closed(self) -> None:
        try:
            self.writer.close()
        except OSError as exc:
            self._write_failed("(closing the file)", exc)
        self._sync_errors()
        self.stats.set_value(f"{STATS}/bytes", self.writer.bytes_written)
        self.stats.set_value(f"{STATS}/files", len(self.writer.files))
        if self.writer.files:
            logger.info(
                "WARC: %d file(s), %d bytes in %s",
                len(self.writer.files),
                self.writer.bytes_written,
                self.writer.files[0].parent,
            )

    # -- records -------------------------------------------------------------------------

    def _write_fetch(self, request: Request, response: Response) -> None:
        if self.max_body > 0:
            self._received.pop(id(request), None)
        truncated = next((FLAG_TRUNCATION[f] for f in response.flags if f in FLAG_TRUNCATION), None)
        body = response.body
        if request.meta.get(CUT_META) and "download_stopped" in response.flags:
            truncated, body = "length", body[: self.max_body]  # the chunk went past it
        exchange = Exchange(
            url=response.url,
            status=response.status,
            response_headers=header_pairs(response.headers),
            body=body,
            method=request.method,
            request_headers=header_pairs(request.headers),
            request_body=request.body,
            protocol=response.protocol,
            ip_address=str(response.ip_address) if response.ip_address else None,
            truncated=truncated,
            date=dt.datetime.now(dt.UTC),  # now, not when the writer thread gets to it
        )
        self.writer.write_exchange(exchange, metadata=context_fields(request))
        self.stats.inc_value(f"{STATS}/response")
        if truncated:
            self.stats.inc_value(f"{STATS}/truncated/{truncated}")

    def _write_mirror_read(self, request: Request, response: Response) -> None:
        kind = response.headers.get("Content-Type", b"application/octet-stream")
        self.writer.write_resource(
            response.url,
            response.body,
            content_type=kind.decode("latin-1"),
            date=dt.datetime.now(dt.UTC),
            metadata=context_fields(request),
        )
        self.stats.inc_value(f"{STATS}/resource")

    def _sync_errors(self) -> None:
        """Count the writer thread's failures (it logged the first one itself)."""
        errors = getattr(self.writer, "errors", 0)
        if errors > self._errors_seen:
            self.stats.inc_value(f"{STATS}/write_error", errors - self._errors_seen)
            self._errors_seen = errors
            self._failed = True

    def _write_failed(self, url: str, exc: Exception) -> None:
        self.stats.inc_value(f"{STATS}/write_error")
        if not self._failed:  # a full disk fails every write: one line, the count in stats
            self._failed = True
            logger.error(
                "WARC write failed for %s (%s); later failures are only counted in %s",
                url,
                exc,
                f"{STATS}/write_error",
            )


def context_fields(request: Request) -> list[tuple[str, str]]:
    """What the crawl knew of a page besides its bytes, for its ``metadata`` record:
    ``via`` (the Referer, the page that linked it) and ``newscrawl-section`` (the section
    a spider found it in). Empty when there is nothing to say."""
    fields = []
    referer = request.headers.get("Referer")
    if referer:
        fields.append(("via", referer.decode("latin-1")))
    section = (request.cb_kwargs or {}).get("section")
    if isinstance(section, str) and section:
        fields.append(("newscrawl-section", section))
    return fields
