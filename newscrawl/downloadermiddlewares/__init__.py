"""Downloader middlewares: what happens to a request on its way out and its response back.

In request order (``DOWNLOADER_MIDDLEWARES`` in ``settings.py`` gives each its place among
Scrapy's own): :mod:`.failures` counts each request's final failure by kind; :mod:`.guard`
refuses private addresses, other schemes and (for the ``news`` spider) other hosts;
:mod:`.incremental` skips articles the store already holds; :mod:`.retry` retries with
backoff; :mod:`.charset` re-reads pages that lie about their charset; :mod:`.mirror`
answers from the offline mirror instead of the network; :mod:`.archive` writes every
fetch to WARC files (``WARC_DIR``); :mod:`.replay` answers the ``warc`` spider's requests
from the archive records they carry.
"""
