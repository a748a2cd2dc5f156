"""Fleet requests as JSON with a strict schema: a queue entry names a page, nothing more.

Whoever can write to the fleet's Redis can add entries to its queue, so an entry is input
from the network like any page. scrapy-redis serialises requests with pickle by default,
and unpickling an entry runs whatever the entry says: one ``ZADD`` ran a shell command on
every worker. Its dict form (``Request.to_dict``) is no better without pickle: it carries
any ``meta``, and the crawl trusts some keys (``is_start_request`` lifted the address
guard, ``mirror_dir`` reads local files, ``dont_filter`` skips the duplicate and offsite
filters, ``proxy`` would send the crawl anywhere, ``dont_obey_robotstxt`` ...).

So an entry is a JSON object with exactly these keys (all but ``url`` optional)::

    {"v": 1, "url": "https://...", "callback": "parse_article", "priority": 0,
     "cb_kwargs": {"section": "space", "page": 2, "level": 1},
     "meta": {"newscrawl_article": true, "retry_times": 1, ...},
     "referer": "https://..."}

- ``url``: an http(s) URL with a host, at most :data:`MAX_URL` characters; the method is
  always GET and there is never a body;
- ``callback``: a name in :data:`CALLBACKS` that the spider has (``null``: ``parse``);
  the errback is never in the entry: ``parse_part`` (a later page of a story split over
  pages, :mod:`newscrawl.spiders.multipage`) always has the spider's ``part_failed``
  (:data:`ERRBACKS`), other callbacks none;
- ``cb_kwargs`` and ``meta``: only the names in :data:`CB_KWARGS` and :data:`META`, each
  with a plain value of its declared type;
- a part request carries the story read so far (``cb_kwargs["story"]``: the record's
  fields, only names of :data:`newscrawl.items.ARTICLE_FIELDS`, JSON scalars, lists and
  objects nested at most three deep) and the pages read (``part_urls``); such an entry may
  reach :data:`MAX_PART_ENTRY` bytes, since it holds the text of up to
  ``MAX_ARTICLE_PAGES - 1`` pages. A forged story is text for the store, like a page;
  nothing in it is fetched or run;
- anything else, a value of another type, or an entry over :data:`MAX_ENTRY` bytes, and
  the entry is refused (:class:`BadEntry`): the worker drops it, counts it and logs one
  line before leasing it (:meth:`newscrawl.fleet.queue.LeasedQueue.pop`).

Encoding keeps only what the schema allows: everything else a request carries is either
recomputed by the worker that pops it (download slot, proxy from the environment,
timeouts) or must never cross processes (``is_start_request``, ``mirror_dir``,
``dont_filter``; the fleet filters duplicates when it queues, see
:meth:`newscrawl.fleet.scheduler.FleetScheduler.enqueue_request`).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request

from newscrawl.discovery.continuation import MAX_PAGE_NUMBER
from newscrawl.downloadermiddlewares.incremental import ARTICLE_META, LISTED_META, PART_META
from newscrawl.items import ARTICLE_FIELDS

FORMAT = 1
#: Bytes of one encoded entry, at most (a request of the crawl's is a few hundred).
MAX_ENTRY = 16 * 1024
#: Bytes of an entry that carries a story split over pages (its text so far), at most.
MAX_PART_ENTRY = 1024 * 1024
#: Characters of a URL, at most (browsers and servers draw the line about here).
MAX_URL = 4096
_MAX_TEXT = 512
_MAX_LIST = 32  # redirect history: REDIRECT_MAX_TIMES is 5
_MAX_INT = 1 << 31

#: Spider methods a queued request may name.
CALLBACKS = frozenset(
    {"parse", "parse_listing", "parse_page", "parse_article", "parse_feed", "parse_sitemap",
     "parse_robots", "parse_part"}
)  # fmt: skip
#: The errback a queued request of each callback gets (the entry never names one).
ERRBACKS = {"parse_part": "part_failed"}
_STORY_DEPTH = 3  # the record's nesting: a list of objects of scalars
_LISTING_META = "newscrawl_listing"  # newscrawl.spiders.discovery.LISTING_META


def _text(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= _MAX_TEXT


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < _MAX_INT


def _flag(value: Any) -> bool:
    return isinstance(value, bool)


def _urls(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) <= _MAX_LIST
        and all(isinstance(u, str) and _http_url(u) for u in value)
    )


def _reasons(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) <= _MAX_LIST
        and all(_count(r) or _text(r) for r in value)
    )


def _nested(value: Any, depth: int) -> bool:
    if isinstance(value, dict):
        return depth > 0 and all(
            isinstance(k, str) and _nested(v, depth - 1) for k, v in value.items()
        )
    if isinstance(value, list):
        return depth > 0 and all(_nested(v, depth - 1) for v in value)
    return value is None or isinstance(value, (str, int, float, bool))


def _story(value: Any) -> bool:
    """The record of a story read so far: the item's field names, plain JSON values."""
    return (
        isinstance(value, dict)
        and set(value) <= set(ARTICLE_FIELDS)
        and isinstance(value.get("url"), str)
        and _http_url(value["url"])
        and _nested(value, _STORY_DEPTH + 1)
    )


def _part_urls(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) <= MAX_PAGE_NUMBER
        and all(isinstance(u, str) and _http_url(u) for u in value)
    )


#: ``cb_kwargs`` a queued request may carry, and what each value must be.
CB_KWARGS = {
    "section": lambda v: v is None or _text(v),
    "page": _count,
    "level": _count,
    "story": _story,
    "part_urls": _part_urls,
}
#: ``meta`` keys a queued request may carry (the spiders' own, and Scrapy's counters).
META = {
    ARTICLE_META: _flag,
    LISTED_META: _text,
    _LISTING_META: _text,
    PART_META: lambda v: isinstance(v, str) and _http_url(v),
    "depth": _count,
    "retry_times": _count,
    "redirect_times": _count,
    "redirect_ttl": _count,
    "redirect_urls": _urls,
    "redirect_reasons": _reasons,
}
_KEYS = frozenset({"v", "url", "callback", "priority", "cb_kwargs", "meta", "referer"})


class BadEntry(ValueError):
    """A queue entry outside the schema: dropped, never turned into a request."""


def _http_url(url: str) -> bool:
    if len(url) > MAX_URL:
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _plain(mapping: dict[str, Any], allowed: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k in allowed and allowed[k](v)}


def encode(request: Request, spider: Any) -> str:
    """The queue entry for ``request``; ``ValueError`` for one the schema cannot carry
    (another method, a body, a callback that is not one of the spider's listed methods)."""
    if request.method != "GET" or request.body:
        raise ValueError(f"only GET requests without a body are queued: {request}")
    if not _http_url(request.url):
        raise ValueError(f"not an http(s) URL of at most {MAX_URL} characters: {request}")
    callback = getattr(request.callback, "__name__", None)
    if request.callback is not None and (
        callback not in CALLBACKS or getattr(request.callback, "__self__", None) is not spider
    ):
        raise ValueError(f"callback {request.callback!r} cannot be queued: {request}")
    errback = getattr(request.errback, "__name__", None)
    if errback != ERRBACKS.get(callback or "") or (
        errback is not None and getattr(request.errback, "__self__", None) is not spider
    ):
        raise ValueError(f"errback {request.errback!r} cannot be queued: {request}")
    entry: dict[str, Any] = {"v": FORMAT, "url": request.url}
    if callback is not None:
        entry["callback"] = callback
    if request.priority:
        entry["priority"] = max(-_MAX_INT + 1, min(_MAX_INT - 1, request.priority))
    if kwargs := _plain(request.cb_kwargs, CB_KWARGS):
        entry["cb_kwargs"] = kwargs
    if meta := _plain(request.meta, META):
        entry["meta"] = meta
    referer = request.headers.get("Referer")
    if referer:
        text = referer.decode("latin-1")
        if _http_url(text):
            entry["referer"] = text
    data = json.dumps(entry, separators=(",", ":"), ensure_ascii=True)
    if len(data) > _cap(entry):
        raise ValueError(f"request too large to queue ({len(data)} bytes): {request}")
    return data


def _cap(entry: dict[str, Any]) -> int:
    """An entry's size limit: larger for one that carries a story's text."""
    kwargs = entry.get("cb_kwargs")
    return MAX_PART_ENTRY if isinstance(kwargs, dict) and "story" in kwargs else MAX_ENTRY


def _refuse_constant(name: str) -> Any:
    raise BadEntry(f"not JSON: {name}")


def decode(data: bytes | str, spider: Any) -> Request:
    """The request a queue entry names; :class:`BadEntry` for anything outside the schema."""
    if len(data) > MAX_PART_ENTRY:
        raise BadEntry(f"entry of {len(data)} bytes, over {MAX_PART_ENTRY}")
    try:
        entry = json.loads(data, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise BadEntry("not JSON") from exc
    if not isinstance(entry, dict):
        raise BadEntry("not a JSON object")
    if len(data) > _cap(entry):
        raise BadEntry(f"entry of {len(data)} bytes, over {_cap(entry)}")
    unknown = set(entry) - _KEYS
    if unknown:
        raise BadEntry(f"unknown keys {sorted(unknown)[:5]}")
    if entry.get("v") != FORMAT:
        raise BadEntry(f"format {entry.get('v')!r}, not {FORMAT}")
    url = entry.get("url")
    if not isinstance(url, str) or not _http_url(url):
        raise BadEntry("no http(s) URL")
    callback = entry.get("callback")
    method = None
    if callback is not None:
        method = getattr(spider, callback, None) if isinstance(callback, str) else None
        if callback not in CALLBACKS or not callable(method):
            raise BadEntry(f"callback {str(callback)[:40]!r} not allowed")
    priority = entry.get("priority", 0)
    if not isinstance(priority, int) or isinstance(priority, bool) or abs(priority) >= _MAX_INT:
        raise BadEntry("priority not an integer")
    cb_kwargs = _checked(entry.get("cb_kwargs", {}), CB_KWARGS, "cb_kwargs")
    meta = _checked(entry.get("meta", {}), META, "meta")
    errback = getattr(spider, ERRBACKS[callback], None) if callback in ERRBACKS else None
    if callback in ERRBACKS and not callable(errback):
        raise BadEntry(f"callback {callback!r} without its errback")
    headers = {}
    referer = entry.get("referer")
    if referer is not None:
        if not isinstance(referer, str) or not _http_url(referer):
            raise BadEntry("referer not an http(s) URL")
        headers["Referer"] = referer
    try:
        return Request(
            url, callback=method, errback=errback, cb_kwargs=cb_kwargs, meta=meta,
            priority=priority, headers=headers,
        )  # fmt: skip
    except (ValueError, TypeError) as exc:
        raise BadEntry(f"not a request: {str(exc)[:80]}") from exc


def _checked(value: Any, allowed: dict[str, Any], name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadEntry(f"{name} not an object")
    for key, item in value.items():
        if key not in allowed:
            raise BadEntry(f"{name} key {key[:40]!r} not allowed")
        if not allowed[key](item):
            raise BadEntry(f"{name}[{key!r}] of the wrong type or size")
    return dict(value)
