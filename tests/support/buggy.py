"""Crawl components with a bug in them, for tests that a real bug still shows its traceback.

Added to a crawl's ``DOWNLOADER_MIDDLEWARES`` and ``ITEM_PIPELINES`` by
tests/test_failure_logs.py: the middleware raises on any URL under :data:`BUG_PATH`, the
pipeline on every item.
"""

from __future__ import annotations

from typing import Any

BUG_PATH = "/bug/"


class BuggyDownloaderMiddleware:
    def process_request(self, request: Any) -> None:
        if BUG_PATH in request.url:
            raise ValueError("a bug in a downloader middleware")


class BuggyPipeline:
    def process_item(self, item: Any) -> Any:
        raise RuntimeError("a bug in a pipeline")
