"""Answer a request from the archive record it carries: the ``warc`` spider's "download".

The ``warc`` spider (:mod:`newscrawl.spiders.warc`) reads WARC files and makes one request
per archived page, with the record in ``meta``; this middleware turns the record into the
response Scrapy would have built from the network, so everything after the download is
the live crawl's: the charset fallback, the spider's extraction (site profiles, generic
layer) and every item pipeline down to the store. Nothing is sent anywhere.

- It stands at priority 20, before the guards, the incremental middleware, robots.txt and
  the offline mirror: a request it answers goes no further (``process_response`` of every
  middleware still runs on the answer, as for any response made in ``process_request``).
  A request without a record passes through untouched.
- The response carries the recorded status and headers less ``Content-Encoding``,
  ``Transfer-Encoding`` and ``Content-Length``, which describe the stored bytes: the
  reader has already decoded the body (:meth:`ArchivedResponse.decoded_headers`). Its
  class (HTML, XML, text...) is chosen as Scrapy's HTTP handler chooses it, from the
  headers, URL and body. A ``resource`` record (a mirror read) has its own Content-Type.
- Flag ``warc``: the archiving middleware does not archive it again.
- The record is removed from ``meta`` once answered, so its body is held by the response
  alone (and freed with it).
"""

from __future__ import annotations

from scrapy import Request
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from newscrawl.archive import ArchivedResponse

RECORD_META = "newscrawl_warc_record"
FLAG = "warc"


def archived_response(record: ArchivedResponse, request: Request) -> Response:
    """The Scrapy response for ``record`` (see the module docstring)."""
    pairs = record.decoded_headers() or [("Content-Type", record.content_type)]
    headers = Headers()
    for name, value in pairs:
        headers.appendlist(name, value)
    cls = responsetypes.from_args(headers=headers, url=record.url, body=record.body)
    return cls(
        url=record.url,
        status=record.status or 200,
        headers=headers,
        body=record.body,
        request=request,
        flags=[FLAG],
    )


class ArchiveReplayMiddleware:
    """Downloader middleware: a request with a record in ``meta`` gets it as its response."""

    def process_request(self, request: Request) -> Response | None:
        record = request.meta.pop(RECORD_META, None)
        if record is None:
            return None
        return archived_response(record, request)
