"""Item pipelines, each doing one thing, in this order (``ITEM_PIPELINES``):

1. :mod:`.normalize` (100): one spelling of every text field, and the body fingerprint.
2. :mod:`.validate` (200): records without a headline or body, and
   :class:`~newscrawl.items.Rejection` items from the spiders, are dropped with a reason,
   logged and counted.
3. :mod:`.revision` (250): a re-fetched stored article whose body changed replaces its
   stored record (and leaves the feed: it is not a new story).
4. :mod:`.dedup` (300): a URL already seen, or a body already seen under another URL (the
   same wire story on a sister site), is dropped as a duplicate.
5. :mod:`.neardup` (350): a story already stored in an edited form (another headline, a
   trimmed paragraph...) is dropped as a near-duplicate: see :mod:`newscrawl.neardup`.
6. :mod:`.store` (400): the record goes into the store; drops from the stages above become
   aliases and rejections there.

What survives them all is what the feed exports, so the feed never holds a record the
store refused. The pipelines that read or write the store share the crawl's one store
(:class:`newscrawl.extensions.store.CrawlStore`).
"""

from typing import Any


def __getattr__(name: str) -> Any:
    # The classes lived in this module before it became a package: their old dotted paths
    # (in deployed ITEM_PIPELINES settings) keep working for one release.
    from newscrawl.compat import moved_attribute

    return moved_attribute(__name__, name)
