"""Article extraction off the reactor: worker processes the spiders await.

The bare Scrapy crawl (fetching, parsing listings for links) already keeps one core busy,
so a crawl that also extracts every article in the reactor process can only be slower
than Scrapy itself. With ``EXTRACTION_WORKERS`` > 0 the spiders hand each article page to
:class:`ExtractionPool` instead: worker processes that run the very same
:func:`newscrawl.loaders.extract_article` on the response's bytes, decoded exactly as
:attr:`scrapy.http.TextResponse.text` decodes them. The spider callback awaits the result
while the reactor keeps fetching, and the extracted item, with the related links the
spider follows, comes back whole. ``0`` extracts in the crawl process, as before.

Why not :class:`concurrent.futures.ProcessPoolExecutor`: it was tried first and measured
slower than extracting in-process (10.2 against 6.5 ms of crawl-process CPU per page on
the bench). Its two helper threads (one pickles and feeds the call queue, one reads
results) fight the reactor thread for the GIL on every page. Here each worker is a child
process on two pipes driven by the asyncio event loop that Scrapy's reactor runs on: a
page is one pickled message each way, written and read in the reactor thread with
non-blocking I/O, and no other thread exists.

Each worker is sent up to :data:`PAGES_AHEAD` pages: it extracts them in order, and while
it works on one the next is already in its pipe, so it never waits for the crawl process
(which is busy with its own work: fetching, listings, pipelines) to read an answer and
write the next page. With a single page in flight the two processes took turns, and the
full crawl ran at 0.6 of the bare crawl's speed while each used about half a core.
Failures stay exact, because a worker answers its pages in the order it was sent them:

- an exception raised by the extraction in a worker becomes a rejection of that page
  (``extraction_error``), logged and counted as ``newscrawl/extraction/failed/...``;
- a worker process that dies (a segfault in a C parser, the OOM killer) dies on the first
  page it has not answered: that page is rejected (``extraction_crash``), the pages
  queued behind it go back to the front of the queue, a new worker takes its place, and
  no other page is touched.

Workers ignore SIGINT (a Ctrl-C on a terminal reaches the whole process group: the crawl
process decides when to stop) and are stopped when the spider closes. Scrapy closes a
spider only after every callback in progress has finished, so pages awaiting extraction
at a graceful stop (one SIGINT) are extracted and stored before the workers go.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import os
import pickle
import signal
import struct
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from weakref import WeakKeyDictionary

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import is_asyncio_available
from scrapy.utils.misc import load_object
from w3lib.encoding import html_to_unicode

from newscrawl.items import ArticleItem
from newscrawl.loaders import Extraction, extract_article
from newscrawl.neardup import NearDupConfig, Sketch, Sketcher
from newscrawl.text import normalize_record

logger = logging.getLogger(__name__)

_POOLS: WeakKeyDictionary[Crawler, ExtractionPool] = WeakKeyDictionary()
_HEADER = struct.Struct("!I")  # the length of the pickled message that follows
# The worker's command line: no module of the crawl's is run as __main__.
_BOOT = "from newscrawl.extraction import worker_main; worker_main()"
#: Pages written to a worker before it has answered the first of them.
PAGES_AHEAD = 2


@dataclass(frozen=True)
class Job:
    """What a worker needs to extract one page: plain values, no Scrapy objects."""

    url: str
    body: bytes
    encoding: str  # the response's resolved encoding (TextResponse.encoding)
    fetched_at: str | None = None
    section: str | None = None
    use_profiles: bool = True


class PoolUnavailable(Exception):
    """No worker could be started: the caller extracts in its own process instead."""


class ExtractionFailed(Exception):
    """A page the pool could not extract; ``reason`` is the rejection's code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


@dataclass(frozen=True)
class Prepared:
    """Per-item pipeline work a worker does beside the extraction, so the crawl process
    need not: :class:`~newscrawl.pipelines.NormalizePipeline`'s output for the extracted
    item, and the near-duplicate sketch of that normalized item (with the configuration it
    was made with). The pipelines use them only when they would compute the same."""

    item: ArticleItem
    config: NearDupConfig | None
    sketch: Sketch | None


# Extracted item -> its Prepared; normalized item -> its Prepared (for the sketch). Weak:
# an item dropped before a pipeline asked takes its entry with it.
_PREPARED: WeakKeyDictionary[ArticleItem, Prepared] = WeakKeyDictionary()
_SKETCHED: WeakKeyDictionary[ArticleItem, Prepared] = WeakKeyDictionary()


def take_normalized(item: ArticleItem) -> ArticleItem | None:
    """The worker's normalized copy of an extracted item, if it made one."""
    prepared = _PREPARED.pop(item, None)
    if prepared is None:
        return None
    _SKETCHED[prepared.item] = prepared
    return prepared.item


def take_sketch(item: ArticleItem, config: NearDupConfig) -> tuple[bool, Sketch | None]:
    """``(True, sketch)`` when a worker sketched this very headline and body with
    ``config``; ``(False, None)`` when the pipeline must sketch it itself."""
    prepared = _SKETCHED.pop(item, None)
    if (
        prepared is None
        or prepared.config != config
        or item.get("headline") != prepared.item.get("headline")
        or item.get("body") != prepared.item.get("body")
    ):
        return False, None
    return True, prepared.sketch


def _prepare(extraction: Extraction, config: NearDupConfig | None) -> Prepared | None:
    """In a worker: normalize the item and sketch it, as the pipelines would."""
    if extraction.error or not isinstance(extraction.item, ArticleItem):
        return None
    item = ArticleItem(normalize_record(ItemAdapter(extraction.item)))
    sketch = None
    if config is not None:
        if config not in _SKETCHERS:
            _SKETCHERS[config] = Sketcher(config)
        sketch = _SKETCHERS[config].sketch(item.get("headline"), item.get("body"))
    return Prepared(item=item, config=config, sketch=sketch)


_SKETCHERS: dict[NearDupConfig, Sketcher] = {}


def response_text(body: bytes, encoding: str) -> str:
    """The body decoded exactly as :attr:`TextResponse.text` decodes it for ``encoding``."""
    return html_to_unicode(f"charset={encoding}", body)[1]


def extract_job(job: Job) -> Extraction:
    """The default work of a worker: the crawl's own extraction of one page."""
    return extract_article(
        response_text(job.body, job.encoding),
        job.url,
        fetched_at=job.fetched_at,
        section=job.section,
        use_profiles=job.use_profiles,
    )


def peak_rss_kb(pid: int | str = "self") -> int:
    """A process's peak resident set (``VmHWM``), in KiB; 0 when it cannot be read."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from ``/proc/PID/stat``; 0 when unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- inside a worker ------------------------------------------------------------------------


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


def _write(out: BinaryIO, message: Any) -> None:
    data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
    out.write(_HEADER.pack(len(data)) + data)
    out.flush()


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


def worker_main() -> None:
    """A worker: read ``(function path, Job)`` messages on stdin, answer each on stdout.

    Messages are ``(function path, Job, NearDupConfig or None)``; answers are
    ``(True, (Extraction, Prepared or None), logs)`` or ``(False, "Type: message", logs)``.
    The first message is ``os.getpid()`` once the imports are done. Anything the extraction
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
    _write(out, os.getpid())
    while header := source.read(_HEADER.size):
        path, job, config = pickle.loads(source.read(_HEADER.unpack(header)[0]))
        try:
            if path not in functions:
                functions[path] = load_object(path)
            extraction = functions[path](job)
            answer: tuple[Any, ...] = (True, (extraction, _prepare(extraction, config)))
        except Exception as exc:
            answer = (False, f"{type(exc).__name__}: {exc}")
        try:
            _write(out, (*answer, collect.take()))
        except BrokenPipeError:  # the crawl process is gone (killed): nobody to answer
            return


# -- in the crawl process -------------------------------------------------------------------


def pool_for(crawler: Crawler | None) -> ExtractionPool | None:
    """The crawl's extraction pool, or None when extraction runs in the crawl process."""
    return _POOLS.get(crawler) if crawler is not None else None


class _WorkerDied(Exception):
    pass


class _Worker:
    """One worker process and the pages sent to it, oldest (the one it works on) first."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.busy: collections.deque[tuple[Job, asyncio.Future[Extraction]]] = collections.deque()
        self.peak_rss_kb = 0
        self.cpu = 0.0

    @classmethod
    async def start(cls) -> _Worker:
        # The crawl's import path, so a worker imports what the crawl imports (a Scrapyd
        # egg, a project folder that is the working directory).
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p or os.getcwd() for p in sys.path))
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", _BOOT, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, env=env,
        )  # fmt: skip
        worker = cls(process)
        await worker.read()  # the worker's pid: it is ready
        return worker

    async def read(self) -> Any:
        assert self.process.stdout is not None
        try:
            header = await self.process.stdout.readexactly(_HEADER.size)
            data = await self.process.stdout.readexactly(_HEADER.unpack(header)[0])
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            raise _WorkerDied(f"the extraction worker died ({exc})") from None
        return pickle.loads(data)

    def send(
        self, work: tuple[str, NearDupConfig | None], job: Job, future: asyncio.Future[Extraction]
    ) -> None:
        assert self.process.stdin is not None
        self.busy.append((job, future))
        function, config = work
        data = pickle.dumps((function, job, config), pickle.HIGHEST_PROTOCOL)
        self.process.stdin.write(_HEADER.pack(len(data)) + data)

    def note(self) -> None:
        """Peak memory and CPU so far (read from /proc while the process lives)."""
        self.peak_rss_kb = peak_rss_kb(self.process.pid) or self.peak_rss_kb
        self.cpu = cpu_seconds(self.process.pid) or self.cpu


class ExtractionPool:
    """Extension (``EXTENSIONS``): the worker processes of one crawl.

    Settings: ``EXTRACTION_WORKERS`` (worker processes; 0 turns the pool off) and
    ``EXTRACTION_FUNCTION`` (the dotted path of the function a worker runs on a
    :class:`Job`, :func:`extract_job` by default; another must return an
    :class:`~newscrawl.loaders.Extraction` the same way).
    """

    def __init__(
        self, crawler: Crawler, workers: int, function: str, neardup: NearDupConfig | None
    ) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.size = workers
        self.work = (function, neardup)
        self.workers: list[_Worker] = []  # running, in start order
        self.queue: collections.deque[tuple[Job, asyncio.Future[Extraction]]] = collections.deque()
        self.readers: set[asyncio.Task[None]] = set()
        self.finished: list[_Worker] = []
        self.closing = False
        self.unavailable = False  # every worker failed: extraction is back in-process
        crawler.signals.connect(self.open, signal=signals.spider_opened)
        crawler.signals.connect(self.close, signal=signals.spider_closed)
        _POOLS[crawler] = self

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractionPool:
        workers = crawler.settings.getint("EXTRACTION_WORKERS", 0)
        if workers <= 0:
            raise NotConfigured  # extraction runs in the crawl process
        if not is_asyncio_available():
            raise NotConfigured("EXTRACTION_WORKERS needs Scrapy's asyncio reactor")
        function = crawler.settings.get("EXTRACTION_FUNCTION") or (
            f"{extract_job.__module__}.{extract_job.__qualname__}"
        )
        load_object(function)  # a wrong path stops the crawl here, not page by page
        settings = crawler.settings
        neardup = (
            NearDupConfig.from_settings(settings)
            if settings.getbool("NEARDUP_ENABLED", True)
            else None
        )
        return cls(crawler, workers, function, neardup)

    # -- life cycle

    async def open(self) -> None:
        """Start the workers (in parallel; a worker takes about a second to import)."""
        started = await asyncio.gather(
            *(self._add_worker() for _ in range(self.size)), return_exceptions=True
        )
        failed = [str(exc) for exc in started if isinstance(exc, BaseException)]
        if failed:
            logger.error("Extraction workers did not start: %s", "; ".join(failed))
        self.stats.set_value("newscrawl/extraction/workers", self.size - len(failed))
        logger.info("Extraction pool: %d worker processes", self.size - len(failed))
        self._check_alive()

    async def close(self) -> None:
        """Stop the workers once they are idle; record their peak memory and CPU time."""
        self.closing = True
        while self.queue or any(worker.busy for worker in self.workers):
            await asyncio.sleep(0.01)  # Scrapy drained the callbacks: nothing should wait
        for worker in self.workers:
            worker.note()
            assert worker.process.stdin is not None
            worker.process.stdin.close()
        await asyncio.gather(*self.readers, return_exceptions=True)
        workers = self.finished
        self.stats.set_value(
            "newscrawl/extraction/workers_peak_rss_kb", sum(w.peak_rss_kb for w in workers)
        )
        self.stats.set_value(
            "newscrawl/extraction/workers_cpu_seconds", round(sum(w.cpu for w in workers), 3)
        )

    async def _add_worker(self) -> None:
        worker = await _Worker.start()
        self.workers.append(worker)
        task = asyncio.get_running_loop().create_task(self._serve(worker))
        self.readers.add(task)
        task.add_done_callback(self.readers.discard)
        self._give(worker)

    # -- work

    async def extract(self, job: Job) -> Extraction:
        """Extract ``job`` in a worker; raise :class:`ExtractionFailed` for a lost page,
        :class:`PoolUnavailable` when no worker is left to do it."""
        if self.unavailable:
            raise PoolUnavailable
        self.stats.inc_value("newscrawl/extraction/offloaded")
        future: asyncio.Future[Extraction] = asyncio.get_running_loop().create_future()
        free = [w for w in self.workers if len(w.busy) < PAGES_AHEAD]
        if free:
            min(free, key=lambda w: len(w.busy)).send(self.work, job, future)
        else:
            self.queue.append((job, future))
        return await future

    def _give(self, worker: _Worker) -> None:
        """Top a worker up with queued pages, at once."""
        while self.queue and len(worker.busy) < PAGES_AHEAD:
            worker.send(self.work, *self.queue.popleft())

    async def _serve(self, worker: _Worker) -> None:
        """Read a worker's answers for as long as it lives; replace it if it dies."""
        try:
            while True:
                answer = await worker.read()
                assert worker.busy, "an answer to no page"
                job, future = worker.busy.popleft()
                ok, result, logged = answer
                for name, level, message in logged:
                    logging.getLogger(name).log(level, "%s", message)
                if not ok:
                    self._fail(job, future, "extraction_error", result)
                elif not future.done():
                    extraction, prepared = result
                    if prepared is not None:
                        _PREPARED[extraction.item] = prepared
                    future.set_result(extraction)
                self._give(worker)
        except Exception as exc:  # _WorkerDied, or an answer that makes no sense
            if not isinstance(exc, _WorkerDied):
                logger.error("Extraction worker %s answered nonsense: %r", worker.process.pid, exc)
                worker.process.kill()
            died_holding = bool(worker.busy)
            if worker.busy:  # it died on the first page it had not answered
                job, future = worker.busy.popleft()
                self._fail(job, future, "extraction_crash", str(exc))
                self.queue.extendleft(reversed(worker.busy))  # not started: sent again
                worker.busy.clear()
            if worker in self.workers:
                self.workers.remove(worker)
            await worker.process.wait()
            self.finished.append(worker)
            if not died_holding and self.closing:
                return  # stopped by close()
            self.stats.inc_value("newscrawl/extraction/worker_died")
            logger.error("An extraction worker died (exit status %s)", worker.process.returncode)
            if not self.closing:
                try:
                    await self._add_worker()
                except Exception as exc:
                    logger.error("No extraction worker could replace it: %s", exc)
                    self._check_alive()

    def _check_alive(self) -> None:
        """Without a single worker, extraction goes back to the crawl process: the pages
        waiting in the queue are handed back to be extracted there, and so are all
        later pages (counted as ``newscrawl/extraction/pool_unavailable``)."""
        if self.readers or self.unavailable:
            return
        self.unavailable = True
        self.stats.set_value("newscrawl/extraction/pool_unavailable", 1)
        logger.error("No extraction worker is running: extracting in the crawl process")
        while self.queue:
            _, future = self.queue.popleft()
            if not future.done():
                future.set_exception(PoolUnavailable())

    def _fail(self, job: Job, future: asyncio.Future[Extraction], reason: str, detail: str) -> None:
        self.stats.inc_value(f"newscrawl/extraction/failed/{reason}")
        logger.warning("Extraction failed on %s: %s", job.url, detail)
        if not future.done():
            future.set_exception(ExtractionFailed(reason, detail))
