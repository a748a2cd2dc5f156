"""A spider whose start() raises: what a bug in a spider's start looks like to the crawl
command (tests/test_crawl_command.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import scrapy


class BrokenStartSpider(scrapy.Spider):
    name = "broken_start"

    async def start(self) -> AsyncIterator[Any]:
        raise RuntimeError("a bug in start()")
        yield  # pragma: no cover - makes this an asynchronous generator
