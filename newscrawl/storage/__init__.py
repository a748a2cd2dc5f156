"""The article store, behind one interface whatever the engine (``STORE_URL``):

- ``sqlite:///path.db`` (the default, ``newscrawl.db``): :mod:`newscrawl.storage.sqlite`;
- ``postgresql://user:password@host:port/db``: :mod:`newscrawl.storage.postgres`, for a
  fleet of workers sharing one store (:mod:`newscrawl.fleet`).

All SQL lives in this package: the shared logic in :mod:`newscrawl.storage.base` (and the
modules it names), what differs in the backend modules; :mod:`newscrawl.storage.export`
reads records out of a store for ``newscrawl export``. :func:`open_store` returns the
backend a URL names; ``Store`` is the SQLite store (``Store(path)``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from newscrawl.storage.base import BaseStore
from newscrawl.storage.connection import (
    ExportCursor,
    Known,
    StoreError,
    StoreLocked,
    lock_owner,
    reservation_key,
)
from newscrawl.storage.sqlite import Store, sqlite_path

POSTGRES_SCHEMES = ("postgresql", "postgres")


def open_store(store_url: str, **kwargs: Any) -> BaseStore:
    """The store a ``STORE_URL`` names, opened and migrated to the current schema.

    A crawl creates the store when it is missing; ``create=False`` is for commands that
    only read (``newscrawl export``): a missing store is a :class:`StoreError`, and nothing
    is created.
    """
    scheme = urlsplit(store_url).scheme
    if scheme in POSTGRES_SCHEMES:
        from newscrawl.storage.postgres import PostgresStore

        return PostgresStore.open_url(store_url, **kwargs)
    return Store.open_url(store_url, **kwargs)


__all__ = [
    "BaseStore",
    "ExportCursor",
    "Known",
    "Store",
    "StoreError",
    "StoreLocked",
    "lock_owner",
    "open_store",
    "reservation_key",
    "sqlite_path",
]
