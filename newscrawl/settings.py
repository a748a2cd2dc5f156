"""Scrapy settings for newscrawl. Every value can be overridden with ``-s NAME=VALUE``.

Polite by default: robots.txt obeyed, AutoThrottle on, one request at a time per site, and
a User-Agent that says who is crawling and where to read about it.
"""

from newscrawl.items import ARTICLE_FIELDS

BOT_NAME = "newscrawl"
SPIDER_MODULES = ["newscrawl.spiders"]
NEWSPIDER_MODULE = "newscrawl.spiders"

# Say who is crawling; operators should append a contact, e.g. "(+https://example.org/bot)".
USER_AGENT = "newscrawl/0.1 (news archiving crawler; Scrapy)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
RETRY_TIMES = 2
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

# --- newscrawl's own settings ------------------------------------------------------------
# Where records are stored. Only SQLite for now: sqlite:///relative/path or
# sqlite:////absolute/path. Empty turns the store off (the feed still works).
STORE_URL = "sqlite:///newscrawl.db"
# Records per store transaction: larger is faster, a crash loses at most one batch.
STORE_BATCH_SIZE = 100
# Serve requests from a folder of saved pages instead of the network (newscrawl.mirror).
MIRROR_DIR = None
# Site profiles on (precise per-site extraction); off forces generic extraction.
NEWSCRAWL_USE_PROFILES = True

# Near-duplicates (newscrawl.neardup): the same story republished with edits is stored once,
# its other places in the record's also_at. Thresholds are measured by bench/dedup_quality.py;
# NUM_PERM, BANDS x ROWS and SHINGLE_SIZE shape the stored index (changing them starts anew).
NEARDUP_ENABLED = True
NEARDUP_THRESHOLD = 0.43
NEARDUP_ALLOWANCE = 15
NEARDUP_NUM_PERM = 256
NEARDUP_BANDS = 42
NEARDUP_ROWS = 3
NEARDUP_SHINGLE_SIZE = 5
NEARDUP_MAX_PER_KEY = 50

ADDONS = {"newscrawl.mirror.MirrorAddon": 0}


DOWNLOADER_MIDDLEWARES = {
    # Last before the download handler, so retries, robots.txt, redirects and
    # decompression all see mirror responses as they would see network ones.
    "newscrawl.mirror.MirrorMiddleware": 950,
}

ITEM_PIPELINES = {
    "newscrawl.pipelines.NormalizePipeline": 100,
    "newscrawl.pipelines.ValidatePipeline": 200,
    "newscrawl.pipelines.DedupPipeline": 300,
    "newscrawl.pipelines.NearDupPipeline": 350,
    "newscrawl.pipelines.StorePipeline": 400,
}


FEED_EXPORT_ENCODING = "utf-8"
FEED_EXPORT_FIELDS = list(ARTICLE_FIELDS)

LOG_LEVEL = "INFO"
LOG_FORMATTER = "newscrawl.pipelines.DropLogFormatter"
