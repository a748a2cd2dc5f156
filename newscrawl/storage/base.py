"""What every store backend does: the article tables and the export cursors over one
connection, each part in its own module.

- :mod:`newscrawl.storage.connection`: transactions, reservations, write failures, the lock;
- :mod:`newscrawl.storage.records`: stories, aliases, rejections, sketches, incremental state;
- :mod:`newscrawl.storage.stories`: a story's places, and a better copy taking its place;
- :mod:`newscrawl.storage.cursors`: export cursors;
- :mod:`newscrawl.storage.history`: the run history and the report's reads;
- :mod:`newscrawl.storage.archives`: WARC files read to their end (replay, CC-NEWS).

A backend (:mod:`newscrawl.storage.sqlite`, :mod:`newscrawl.storage.postgres`) subclasses
:class:`BaseStore` and supplies what the engines spell differently.
"""

from __future__ import annotations

from newscrawl.storage.archives import ArchiveFiles
from newscrawl.storage.cursors import ExportCursors
from newscrawl.storage.history import HistoryQueries
from newscrawl.storage.stories import StoryPlaces


class BaseStore(StoryPlaces, ExportCursors, HistoryQueries, ArchiveFiles):
    """One store: every read and write the crawl, the fleet and the commands make."""
