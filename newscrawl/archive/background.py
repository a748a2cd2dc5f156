"""A :class:`~newscrawl.archive.WarcWriter` driven by a thread of its own.

Why: a crawl's reactor thread is its bottleneck (README, "Performance"), and building a
record of a 60 KB page costs about a millisecond, nearly all of it gzip and SHA-1,
which release the GIL. Handed to one writer thread, that work runs beside the reactor
instead of inside it; the reactor only builds the plain :class:`Exchange`.

- **One thread, one writer, calls in order**: records land in the file in the order the
  crawl handed them over, and the writer stays single-threaded as it requires.
- **Bounded**: at most ``depth`` calls wait; the crawl blocks on the next one when the
  disk cannot keep up (it never buffers without limit).
- **kill -9**: calls still waiting are lost with the process (at most ``depth`` fetches,
  not yet in the file); every record already written is whole, as without the thread.
- **Errors** (``OSError``: disk full, a folder gone; ``ValueError``: a value that cannot
  be a header) are counted in ``errors``, the first kept in ``first_error`` and logged
  once; the thread goes on with the next call, as an inline writer's caller would.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from newscrawl.archive.writer import Exchange, FieldPairs, WarcWriter

logger = logging.getLogger(__name__)

DEFAULT_DEPTH = 32


class BackgroundWriter:
    """``write_exchange``/``write_resource`` return at once; ``close`` waits for them."""

    def __init__(self, writer: WarcWriter, depth: int = DEFAULT_DEPTH) -> None:
        self.writer = writer
        self.errors = 0
        self.first_error: Exception | None = None
        self._jobs: queue.Queue[tuple[Callable[..., Any], tuple, dict] | None] = queue.Queue(
            maxsize=depth
        )
        self._thread = threading.Thread(target=self._run, name="warc-writer", daemon=True)
        self._thread.start()

    def write_exchange(self, exchange: Exchange, metadata: FieldPairs = ()) -> None:
        self._jobs.put((self.writer.write_exchange, (exchange,), {"metadata": metadata}))

    def write_resource(self, url: str, body: bytes, **kwargs: Any) -> None:
        self._jobs.put((self.writer.write_resource, (url, body), kwargs))

    def close(self) -> None:
        """Write what is queued, stop the thread and finish the current file."""
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join()
        try:
            self.writer.close()
        except OSError as exc:
            self._failed(exc)

    @property
    def files(self) -> list[Path]:
        return self.writer.files

    @property
    def bytes_written(self) -> int:
        return self.writer.bytes_written

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            call, args, kwargs = job
            try:
                call(*args, **kwargs)
            except (OSError, ValueError) as exc:
                self._failed(exc)

    def _failed(self, exc: Exception) -> None:
        self.errors += 1
        if self.first_error is None:
            self.first_error = exc
            logger.error("WARC write failed (%s); later failures are only counted", exc)
