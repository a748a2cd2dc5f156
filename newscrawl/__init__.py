"""newscrawl: crawl news sites into clean, deduplicated, stored article records."""

__version__ = "0.1.0"
