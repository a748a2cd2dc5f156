"""Web archiving: WARC 1.1 files written during a crawl, and WARC files read back.

- :mod:`~newscrawl.archive.records`: records as bytes (fields, HTTP blocks, digests, gzip).
- :mod:`~newscrawl.archive.writer`: :class:`WarcWriter`; it takes plain values
  (:class:`Exchange`), not Scrapy objects.
- :mod:`~newscrawl.archive.files`: the files it appends to, rotating and safe against
  ``kill -9`` (``.open`` names, one write per record, fsync before the final name).
- :mod:`~newscrawl.archive.reader`: :class:`WarcReader`, response/resource records of our
  own archives or CC-NEWS files as :class:`ArchivedResponse`, damage counted not raised.
- :mod:`~newscrawl.archive.recover`: finish the ``.open`` files of a writer that died.
- :mod:`~newscrawl.archive.contentcoding`: bounded gzip/deflate/br/zstd decoding.
- :mod:`~newscrawl.archive.inputs`: the files a replay or CC-NEWS run reads (paths,
  folders of finished archives, http(s) URLs downloaded first).

What a Scrapy 2.19 downloader middleware sees, and so what a record can honestly hold
-----------------------------------------------------------------------------------
Read in ``scrapy/core/downloader/handlers/http11.py``, ``scrapy/core/downloader/
middleware.py`` and ``twisted/web/_newclient.py``, and checked against a raw-socket
server by ``tests/test_archive_scrapy.py`` (default HTTP/1.1 handler, the one this
project uses):

- ``process_response`` runs from the highest priority down. HttpCompressionMiddleware
  (590) decodes the body and RedirectMiddleware (600) turns a 3xx into a new request,
  which ends the chain: **an archiving middleware must sit above 600** (not just above
  590) to see redirects as responses of their own. Above 600 it also sees every retry
  attempt (RetryMiddleware is 550) and responses answered by any ``process_request``
  (every ``process_response`` runs for those): the offline mirror's (flag ``mirror``)
  and HttpCacheMiddleware's hits (flag ``cached``), which are not fetches.
- **The body is still content-coded** (gzip bytes as sent) above 590.
- **Transfer-coding is already removed**: Twisted de-chunks the body, and keeps
  Content-Length, Connection, Keep-Alive, TE, Trailers, Transfer-Encoding, Upgrade and
  Proxy-Connection out of the response headers altogether (``HTTPParser.connHeaders``);
  Scrapy puts back ``Content-Length`` first, from the parsed length, when there was one.
- **Headers are not byte-exact**: Scrapy's ``Headers`` title-cases names (``set-cookie``
  becomes ``Set-Cookie``, ``ETag`` becomes ``Etag``) and gathers repeated fields under
  their first occurrence (``X-A: 1``, ``X-B``, ``x-a: 2`` become ``X-A: [1, 2]``,
  ``X-B``); values are the bytes received. The reason phrase is not kept at all.
- ``response.protocol`` (``"HTTP/1.1"``, ``"HTTP/1.0"``) and ``response.ip_address`` are
  set, for bodiless responses too.
- **DOWNLOAD_MAXSIZE gives no partial body**: a declared length over it cancels before
  the body, a body growing past it is dropped; either way ``process_exception`` gets a
  ``DownloadCancelledError`` and no response. So ``WARC-Truncated: length`` never comes
  from Scrapy's own limit, and such fetches have nothing to archive.
- A body shorter than its Content-Length fails (``ResponseDataLossError``) unless
  ``DOWNLOAD_FAIL_ON_DATALOSS`` is off; then the response carries flag ``dataloss`` and
  the partial body: ``WARC-Truncated: disconnect``. Flag ``partial`` means a body ended
  by the connection closing (no length, not chunked, e.g. HTTP/1.0), which is how such
  a body ends: not truncated as far as HTTP can tell. Flag ``download_stopped`` (a
  ``StopDownload`` from a signal handler) is a body cut on purpose: ``unspecified``.
- The request a middleware gets in ``process_response`` carries every header the
  ``process_request`` methods added (Accept-Encoding, Cookie, User-Agent...); Twisted
  sends exactly those plus ``Host``, last.

Record types chosen from that
-----------------------------
- A network fetch is a **response** record: the payload is the entity body exactly as
  the server sent it (content-coding kept; chunk framing, which is transport and cannot
  be rebuilt, removed, with no ``Transfer-Encoding`` header left to claim otherwise);
  the status line and headers are Scrapy's parse re-serialised (standard reason phrase,
  Scrapy's name case, repeated fields adjacent, connection fields absent). The payload
  digest is over the de-chunked body, as WARC 1.1 defines it. Every file's ``warcinfo``
  says how its response records were made (``files.RECORDING_NOTE``). With the
  request, a **request** record (``WARC-Concurrent-To`` the response).
- A body that reached the middleware already decoded (a middleware below 590), or that
  came from no server (the mirror), is a **resource** record, never a response.
- An identical payload seen again, or a ``304`` confirming a copy, may be a **revisit**
  (``WarcWriter.write_revisit``); cache hits are not fetches and are not archived.
- What the crawler knew of a capture besides its bytes (the page that linked it, the
  section it was found in) is a **metadata** record (``application/warc-fields``,
  ``WARC-Concurrent-To`` the capture), as Heritrix writes them; the reader attaches it to
  its capture (``ArchivedResponse.metadata``), which is how a replay gives the live
  crawl's records.

The crawl's archiving middleware is :mod:`newscrawl.downloadermiddlewares.archive`; replay
and CC-NEWS reading are the ``warc`` spider, :mod:`newscrawl.spiders.warc`, fed by
:mod:`~newscrawl.archive.inputs` (files, folders, URLs).
"""

from newscrawl.archive.reader import ArchivedResponse, ReadStats, WarcReader
from newscrawl.archive.writer import Exchange, WarcWriter, Written, header_pairs

__all__ = [
    "ArchivedResponse",
    "Exchange",
    "ReadStats",
    "WarcReader",
    "WarcWriter",
    "Written",
    "header_pairs",
]
