"""The extraction pool: worker processes that extract article pages off the reactor.

The bare Scrapy crawl (fetching, parsing listings for links) already keeps one core busy,
so a crawl that also extracts every article in the reactor process can only be slower
than Scrapy itself. With ``EXTRACTION_WORKERS`` > 0 the spiders hand each article page to
:class:`ExtractionPool` instead: worker processes that run the very same
:func:`newscrawl.extract.article.extract_article` on the response's bytes, decoded exactly as
:attr:`scrapy.http.TextResponse.text` decodes them. The spider callback awaits the result
while the reactor keeps fetching, and the extracted item, with the related links the
spider follows, comes back whole. ``0`` extracts in the crawl process, as before.

Why not :class:`concurrent.futures.ProcessPoolExecutor`: it was tried first and measured
slower than extracting in-process (README, "Performance"). Its two helper threads (one
pickles and feeds the call queue, one reads results) fight the reactor thread for the GIL on
every page. Here each worker is a child process on two pipes driven by the asyncio event
loop that Scrapy's reactor runs on: a page is one pickled message each way, written and read
in the reactor thread with non-blocking I/O, and no other thread exists.

Each worker is sent up to :data:`PAGES_AHEAD` pages: it extracts them in order, and while
it works on one the next is already in its pipe, so it never waits for the crawl process
(which is busy with its own work: fetching, listings, pipelines) to read an answer and
write the next page; with a single page in flight the two processes took turns (README,
"Performance", has the figures). Failures stay exact, because a worker answers its pages in
the order it was sent them:

- an exception raised by the extraction in a worker becomes a rejection of that page
  (``extraction_error``), logged and counted as ``newscrawl/extraction/failed/...``;
- a worker process that dies (a segfault in a C parser, the OOM killer) dies on the first
  page it has not answered: that page is rejected (``extraction_crash``), the pages
  queued behind it go back to the front of the queue, a new worker takes its place, and
  no other page is touched.

A page must not hold a worker, or the crawl waiting on it, for ever: trafilatura takes
worse than linear time on pages with many inline links (494 KiB of 12,000 links took
21 s of CPU; an 18 MiB page, 189 s and 1.07 GiB). Two bounds, each costing that page only:

- ``EXTRACTION_TIMEOUT`` (seconds, default 5): a worker that has spent that much CPU time
  on one page, or six times that in wall-clock time (a worker starved of CPU or stuck),
  is killed; the page is rejected (``extraction_timeout``), the pages queued behind it go
  to a new worker. CPU time, read from ``/proc``, keeps a loaded machine from failing
  pages that would pass on an idle one.
- ``EXTRACTION_MEMORY_LIMIT`` (bytes, default 1 GiB): how much a worker's address space
  may grow past its size at start (:func:`newscrawl.extract.worker.limit_memory`); a page
  that needs more is rejected (``extraction_memory``) and the worker replaced.

With ``EXTRACTION_WORKERS=0`` neither applies: nothing can stop a C parser inside the
crawl process without stopping the crawl, so extraction there has no deadline and no
memory bound (logged at start). The same holds for the pages extracted in the crawl
process after every worker failed to start (``pool_unavailable``).

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
import sys
import time
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import is_asyncio_available
from scrapy.utils.misc import load_object

from newscrawl.exceptions import ExtractionFailed, PoolUnavailable
from newscrawl.extract.article import Extraction
from newscrawl.extract.worker import (
    BOOT,
    EXIT_MEMORY,
    HEADER,
    MEMORY_ENV,
    Job,
    extract_job,
)
from newscrawl.neardup import NearDupConfig
from newscrawl.pipelines.neardup import NearDupPipeline

logger = logging.getLogger(__name__)

#: Pages written to a worker before it has answered the first of them.
PAGES_AHEAD = 2


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


class _WorkerDied(Exception):
    pass


class _Worker:
    """One worker process and the pages sent to it, oldest (the one it works on) first."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.busy: collections.deque[tuple[Job, asyncio.Future[Extraction]]] = collections.deque()
        self.peak_rss_kb = 0
        self.cpu = 0.0
        # When the page at the head of ``busy`` started: wall clock and CPU time.
        self.started = 0.0
        self.cpu_at_start = 0.0
        self.timed_out = False  # killed by the pool for EXTRACTION_TIMEOUT

    @classmethod
    async def start(cls, memory_limit: int = 0) -> _Worker:
        # The crawl's import path, so a worker imports what the crawl imports (a Scrapyd
        # egg, a project folder that is the working directory).
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p or os.getcwd() for p in sys.path))
        env[MEMORY_ENV] = str(max(0, memory_limit))
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", BOOT, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, env=env,
        )  # fmt: skip
        worker = cls(process)
        await worker.read()  # the worker's pid: it is ready
        return worker

    async def read(self) -> Any:
        assert self.process.stdout is not None
        try:
            header = await self.process.stdout.readexactly(HEADER.size)
            data = await self.process.stdout.readexactly(HEADER.unpack(header)[0])
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            raise _WorkerDied(f"the extraction worker died ({exc})") from None
        return pickle.loads(data)

    def send(
        self, work: tuple[str, NearDupConfig | None], job: Job, future: asyncio.Future[Extraction]
    ) -> None:
        assert self.process.stdin is not None
        self.busy.append((job, future))
        if len(self.busy) == 1:
            self.begin()
        function, config = work
        data = pickle.dumps((function, job, config), pickle.HIGHEST_PROTOCOL)
        self.process.stdin.write(HEADER.pack(len(data)) + data)

    def begin(self) -> None:
        """The page at the head of ``busy`` starts now: its deadline counts from here."""
        self.started = time.monotonic()
        self.cpu_at_start = cpu_seconds(self.process.pid)

    def over(self, timeout: float) -> bool:
        """True when the head page has had ``timeout`` s of CPU, or six times that of
        wall-clock time (see the module docstring)."""
        if not self.busy or timeout <= 0:
            return False
        wall = time.monotonic() - self.started
        cpu = cpu_seconds(self.process.pid) - self.cpu_at_start
        return cpu > timeout or wall > 6 * timeout

    def note(self) -> None:
        """Peak memory and CPU so far (read from /proc while the process lives)."""
        self.peak_rss_kb = peak_rss_kb(self.process.pid) or self.peak_rss_kb
        self.cpu = cpu_seconds(self.process.pid) or self.cpu


class ExtractionPool:
    """Extension (``EXTENSIONS``): the worker processes of one crawl.

    Settings: ``EXTRACTION_WORKERS`` (worker processes; 0 turns the pool off) and
    ``EXTRACTION_FUNCTION`` (the dotted path of the function a worker runs on a
    :class:`Job`, :func:`extract_job` by default; another must return an
    :class:`~newscrawl.extract.article.Extraction` the same way).

    Workers also normalise each item and, when the crawl runs
    :class:`~newscrawl.pipelines.neardup.NearDupPipeline`, sketch it with that pipeline's
    configuration (see :mod:`newscrawl.extract.worker`).
    """

    def __init__(self, crawler: Crawler, workers: int, function: str) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.size = workers
        self.timeout = crawler.settings.getfloat("EXTRACTION_TIMEOUT", 5.0)
        self.memory_limit = crawler.settings.getint("EXTRACTION_MEMORY_LIMIT", 1 << 30)
        self.watchdog: asyncio.Task[None] | None = None
        self.work: tuple[str, NearDupConfig | None] = (function, None)
        self.workers: list[_Worker] = []  # running, in start order
        self.queue: collections.deque[tuple[Job, asyncio.Future[Extraction]]] = collections.deque()
        self.readers: set[asyncio.Task[None]] = set()
        self.finished: list[_Worker] = []
        self.closing = False
        self.unavailable = False  # every worker failed: extraction is back in-process
        crawler.signals.connect(self.open, signal=signals.spider_opened)
        crawler.signals.connect(self.close, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractionPool:
        workers = crawler.settings.getint("EXTRACTION_WORKERS", 0)
        if workers <= 0:
            logger.info(
                "Extracting in the crawl process (EXTRACTION_WORKERS=0): no page deadline"
                " (EXTRACTION_TIMEOUT) or memory limit (EXTRACTION_MEMORY_LIMIT) applies"
            )
            raise NotConfigured  # extraction runs in the crawl process
        if not is_asyncio_available():
            raise NotConfigured("EXTRACTION_WORKERS needs Scrapy's asyncio reactor")
        function = crawler.settings.get("EXTRACTION_FUNCTION") or (
            f"{extract_job.__module__}.{extract_job.__qualname__}"
        )
        load_object(function)  # a wrong path stops the crawl here, not page by page
        return cls(crawler, workers, function)

    # -- life cycle

    async def open(self) -> None:
        """Start the workers (in parallel; a worker takes about a second to import)."""
        neardup = self.crawler.get_item_pipeline(NearDupPipeline)
        self.work = (self.work[0], neardup.config if neardup is not None else None)
        started = await asyncio.gather(
            *(self._add_worker() for _ in range(self.size)), return_exceptions=True
        )
        failed = [str(exc) for exc in started if isinstance(exc, BaseException)]
        if failed:
            logger.error("Extraction workers did not start: %s", "; ".join(failed))
        self.stats.set_value("newscrawl/extraction/workers", self.size - len(failed))
        logger.info("Extraction pool: %d worker processes", self.size - len(failed))
        self._check_alive()
        if self.timeout > 0:
            self.watchdog = asyncio.get_running_loop().create_task(self._watch())

    async def close(self) -> None:
        """Stop the workers once they are idle; record their peak memory and CPU time."""
        self.closing = True
        while self.queue or any(worker.busy for worker in self.workers):
            await asyncio.sleep(0.01)  # Scrapy drained the callbacks: nothing should wait
        if self.watchdog is not None:
            self.watchdog.cancel()
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
        worker = await _Worker.start(self.memory_limit)
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
                    future.set_result(result)
                if worker.busy:
                    worker.begin()  # the next page, already in its pipe, starts now
                self._give(worker)
        except Exception as exc:  # _WorkerDied, or an answer that makes no sense
            if not isinstance(exc, _WorkerDied):
                logger.error("Extraction worker %s answered nonsense: %r", worker.process.pid, exc)
                worker.process.kill()
            await worker.process.wait()
            reason, detail = self._why_died(worker, exc)
            died_holding = bool(worker.busy)
            if worker.busy:  # it died on the first page it had not answered
                job, future = worker.busy.popleft()
                self._fail(job, future, reason, detail)
                self.queue.extendleft(reversed(worker.busy))  # not started: sent again
                worker.busy.clear()
            if worker in self.workers:
                self.workers.remove(worker)
            self.finished.append(worker)
            if not died_holding and self.closing:
                return  # stopped by close()
            self.stats.inc_value("newscrawl/extraction/worker_died")
            if reason == "extraction_crash":
                logger.error("An extraction worker died (exit status %s)",
                             worker.process.returncode)  # fmt: skip
            else:
                logger.info("Extraction worker %s stopped (%s): another takes its place",
                            worker.process.pid, reason)  # fmt: skip
            if not self.closing:
                try:
                    await self._add_worker()
                except Exception as exc:
                    logger.error("No extraction worker could replace it: %s", exc)
                    self._check_alive()

    def _why_died(self, worker: _Worker, exc: Exception) -> tuple[str, str]:
        """The rejection reason and detail for the page a dead worker held."""
        if worker.timed_out:
            return "extraction_timeout", f"over EXTRACTION_TIMEOUT ({self.timeout:g} s)"
        if worker.process.returncode == EXIT_MEMORY:
            limit = f"{self.memory_limit / 2**20:.0f} MiB"
            return "extraction_memory", f"over EXTRACTION_MEMORY_LIMIT ({limit})"
        return "extraction_crash", str(exc)

    async def _watch(self) -> None:
        """Kill a worker whose page is past the deadline (see the module docstring)."""
        interval = min(0.25, self.timeout / 4)
        while True:
            await asyncio.sleep(interval)
            for worker in list(self.workers):
                if not worker.timed_out and worker.over(self.timeout):
                    worker.timed_out = True
                    try:
                        worker.process.kill()  # _serve rejects the page, replaces the worker
                    except ProcessLookupError:  # it ended on its own meanwhile
                        pass

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
