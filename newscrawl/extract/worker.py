"""An extraction worker: a child process that extracts article pages for a crawl.

The crawl process (:class:`newscrawl.extensions.pool.ExtractionPool`) starts workers with
``python -c "from newscrawl.extract.worker import worker_main; worker_main()"`` and talks to
each over its stdin and stdout: one length-prefixed pickled message per page each way.
The pickles cross a pipe between a parent and the child it started from its own code, never
a socket or a file another party can write, so unpickling them runs nothing foreign.

Besides the extraction (:func:`extract_job`, or ``EXTRACTION_FUNCTION``), a worker does
per-item pipeline work the crawl process would otherwise do: it normalises the item as
:class:`~newscrawl.pipelines.normalize.NormalizePipeline` would and sketches it for
near-duplicate detection. Both travel with the extracted item, in its ``normalized``
field (the normalised item, whose ``sketch`` field holds the
:class:`~newscrawl.neardup.MadeSketch`); the pipelines use them only when they would
compute the same.

A worker bounds its own memory: with ``NEWSCRAWL_WORKER_MEMORY_LIMIT`` in its environment
(the pool sets it from ``EXTRACTION_MEMORY_LIMIT``) its address space may grow by that
many bytes past what it holds once started (``RLIMIT_AS``). A page that needs more raises
``MemoryError``, and the worker exits with :data:`EXIT_MEMORY` instead of answering: its
state after such an error is not to be trusted, and the pool rejects the page
(``extraction_memory``) and starts another worker. Time is bounded by the pool, which
kills a worker past ``EXTRACTION_TIMEOUT`` (:mod:`newscrawl.extensions.pool`).
"""

from __future__ import annotations

import logging
import os
import pickle
import resource
import signal
import struct
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

from itemadapter import ItemAdapter
from scrapy.utils.misc import load_object

from newscrawl.extract.article import Extraction, extract_article
from newscrawl.extract.decoding import response_text
from newscrawl.items import ArticleItem
from newscrawl.neardup import MadeSketch, NearDupConfig, Sketcher
from newscrawl.text import normalize_record

#: The length of the pickled message that follows, on both pipes.
HEADER = struct.Struct("!I")
#: The worker's command line: no module of the crawl's is run as ``__main__``.
BOOT = "from newscrawl.extract.worker import worker_main; worker_main()"
#: Bytes of address space a worker may add to what it holds once started (0: no limit).
MEMORY_ENV = "NEWSCRAWL_WORKER_MEMORY_LIMIT"
#: A worker's exit status when a page needed more memory than it may have.
EXIT_MEMORY = 86


@dataclass(frozen=True)
class Job:
    """What a worker needs to extract one page: plain values, no Scrapy objects."""

    url: str
    body: bytes
    encoding: str  # the response's resolved encoding (TextResponse.encoding)
    fetched_at: str | None = None
    section: str | None = None
    use_profiles: bool = True
    content_language: str | None = None  # the response's Content-Language header
    keep_paywalled: bool = False  # NEWSCRAWL_KEEP_PAYWALLED


def extract_job(job: Job) -> Extraction:
    """The default work of a worker: the crawl's own extraction of one page."""
    return extract_article(
        response_text(job.body, job.encoding),
        job.url,
        fetched_at=job.fetched_at,
        section=job.section,
        use_profiles=job.use_profiles,
        content_language=job.content_language,
        keep_paywalled=job.keep_paywalled,
    )


_SKETCHERS: dict[NearDupConfig, Sketcher] = {}


def prepare(extraction: Extraction, config: NearDupConfig | None) -> Extraction:
    """Attach to the extracted item its normalised form and, with ``config``, its sketch."""
    item = extraction.item
    if extraction.error or not isinstance(item, ArticleItem):
        return extraction
    normalized = ArticleItem(normalize_record(ItemAdapter(item)))
    if config is not None:
        if config not in _SKETCHERS:
            _SKETCHERS[config] = Sketcher(config)
        headline, body = normalized.get("headline"), normalized.get("body")
        sketch = _SKETCHERS[config].sketch(headline, body)
        normalized["sketch"] = MadeSketch(config, headline, body, sketch)
    item["normalized"] = normalized
    return extraction


def write_message(out: BinaryIO, message: Any) -> None:
    data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
    out.write(HEADER.pack(len(data)) + data)
    out.flush()


class _Collect(logging.Handler):
    """Keeps a job's log records, to be sent back with its result."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []
        self.formatter = logging.Formatter()

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def take(self) -> list[tuple[str, int, str]]:
        taken = []
        for record in self.records:
            message = record.getMessage()
            if record.exc_info:
                message += "\n" + self.formatter.formatException(record.exc_info)
            taken.append((record.name, record.levelno, message))
        self.records.clear()
        return taken


def _skip_scipy_integrate() -> None:
    """Keep ``scipy.integrate`` (about 60 MB resident) out of a worker.

    A worker makes MinHash sketches with datasketch, whose package ``__init__`` imports its
    LSH classes, which import ``scipy.integrate.quad`` at import time only to tune LSH
    parameters, something a worker never does. A stand-in module that refuses to integrate
    takes its place in this process only; were a future datasketch to need more of it,
    the worker's imports would fail at start, which the pool tests would show.
    """

    def quad(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("scipy.integrate is not loaded in extraction workers")

    if "scipy.integrate" not in sys.modules:
        stand_in = types.ModuleType("scipy.integrate")
        stand_in.quad = quad  # type: ignore[attr-defined]
        sys.modules["scipy.integrate"] = stand_in


def _address_space() -> int:
    """This process's virtual size (``VmSize``), in bytes; 0 when unknown."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def limit_memory(extra: int) -> None:
    """Let this process's address space grow by ``extra`` bytes at most (``RLIMIT_AS``)."""
    current = _address_space()
    if extra > 0 and current:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = current + extra
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def worker_main() -> None:
    """A worker: read ``(function path, Job, NearDupConfig or None)`` messages on stdin,
    answer each on stdout.

    Answers are ``(True, Extraction, logs)`` or ``(False, "Type: message", logs)``. The
    first message is ``os.getpid()`` once the imports are done. Anything the extraction
    prints goes to stderr: stdout carries only messages. Ends when stdin closes, which is
    also what happens when the crawl process dies, however it dies: no orphan is left.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _skip_scipy_integrate()
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    source = sys.stdin.buffer
    collect = _Collect()
    logging.getLogger().handlers[:] = [collect]
    logging.getLogger().setLevel(logging.INFO)
    functions: dict[str, Callable[[Job], Extraction]] = {}
    # The language model (about 0.8 s of CPU) is loaded before the first page, so that
    # the first page's EXTRACTION_TIMEOUT is not spent on it (and before the memory limit:
    # it is what every worker holds).
    from newscrawl.extract.langid import _identifier

    _identifier()
    limit_memory(int(os.environ.get(MEMORY_ENV) or 0))
    write_message(out, os.getpid())
    while header := source.read(HEADER.size):
        path, job, config = pickle.loads(source.read(HEADER.unpack(header)[0]))
        try:
            if path not in functions:
                functions[path] = load_object(path)
            answer: tuple[Any, ...] = (True, prepare(functions[path](job), config))
        except MemoryError:
            os._exit(EXIT_MEMORY)  # see the module docstring
        except Exception as exc:
            answer = (False, f"{type(exc).__name__}: {exc}")
        try:
            write_message(out, (*answer, collect.take()))
        except BrokenPipeError:  # the crawl process is gone (killed): nobody to answer
            return
