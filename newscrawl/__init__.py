"""newscrawl: crawl news sites into clean, deduplicated, stored article records.

Where things are (each folder says what its contents are, as in Scrapy itself):
``spiders/``, ``downloadermiddlewares/``, ``pipelines/``, ``extensions/`` and
``addons.py`` are the crawl's Scrapy components, wired in ``settings.py``; ``extract/``
turns a page into a record without a crawler (``extract/generic/`` for any site);
``profiles/`` holds what the project knows of particular sites; ``discovery/`` finds what
to fetch; ``storage/``, ``fleet/`` and ``cli/`` are the store, the Redis fleet and the
``newscrawl`` command.
"""

from newscrawl import compat

__version__ = "0.1.0"

compat.install()  # old dotted paths of the flat layout, for one release
