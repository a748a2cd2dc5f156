"""An ``EXTRACTION_FUNCTION`` for tests: the crawl's own extraction, except on three pages.

On :data:`RAISES` it raises (a bug in extraction code), on :data:`DIES` the worker process
exits on the spot (what a segfault in a C parser or the OOM killer does to it), on
:data:`HOGS` it fills 1 GiB of memory (what a parser does with a page it cannot digest).
Every other page is extracted by :func:`newscrawl.extract.worker.extract_job`. Run by the crawl's
extraction workers, which import it by name (the tests put this folder on the path).
"""

from __future__ import annotations

import os

from newscrawl.extract.article import Extraction
from newscrawl.extract.worker import Job, extract_job
from newscrawl.urls import canonicalize_url

RAISES = "https://www.spacewar.com/afp/250822091400.8jscpt2f.html"
DIES = (
    "https://www.spacewar.com/reports/"
    "North_Korea_fires_short_range_missiles_toward_sea_Seoul_says_999.html"
)
HOGS = "https://www.slow.example/2025/01/02/a-story-that-needs-too-much-memory/"


def extract(job: Job) -> Extraction:
    # Canonical forms: whichever link reaches a page first (a listing's https URL, a
    # feed's http one) is the URL it is fetched at.
    url = canonicalize_url(job.url)
    if url == canonicalize_url(RAISES):
        raise ValueError("a bug in extraction code")
    if url == canonicalize_url(DIES):
        os._exit(70)
    if url == canonicalize_url(HOGS):
        hog = b"x" * (1 << 30)  # written, not just reserved: resident if it is allowed
        del hog
    return extract_job(job)
