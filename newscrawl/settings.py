"""Scrapy settings for newscrawl. Every value can be overridden with ``-s NAME=VALUE``.

Polite by default: robots.txt obeyed, AutoThrottle on, one request at a time per site, and
a User-Agent that says who is crawling and where to read about it.
"""

from newscrawl.environment import environment_setting
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
# robots.txt Crawl-delay is a floor under a site's delay (newscrawl.extensions.politeness); a larger
# value than CRAWL_DELAY_MAX (seconds) is capped and logged.
CRAWL_DELAY_OBEY = True
CRAWL_DELAY_MAX = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
RETRY_TIMES = 2
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's HTTP server that runs Python code sent to it (on localhost, with a token in
# a job file under the user's home): a crawl of untrusted pages has no use for it, and it
# logged its port on every run.
REMOTE_CONTROL_ENABLED = False

# --- newscrawl's own settings ------------------------------------------------------------
# Where records are stored: sqlite:///relative/path, sqlite:////absolute/path, or
# postgresql://user:password@host:port/db (newscrawl.storage). Empty turns the store off
# (the feed still works). A STORE_URL environment variable replaces this default, and
# -s STORE_URL=... wins over both (newscrawl.environment); from the environment, a password
# stays out of command lines (ps) and shell histories (SECURITY.md, "Leaking credentials").
STORE_URL = environment_setting("STORE_URL", "sqlite:///newscrawl.db")
# Records per store transaction: larger is faster, a crash loses at most one batch.
STORE_BATCH_SIZE = 100
# Serve requests from a folder of saved pages instead of the network
# (newscrawl.downloadermiddlewares.mirror).
MIRROR_DIR = None
# Site profiles on (precise per-site extraction); off forces generic extraction.
NEWSCRAWL_USE_PROFILES = True
# Paragraphs a page declares paywalled (schema.org hasPart, newscrawl.extract.generic.paywall)
# are left out of the body and counted in paywalled_omitted; True keeps them in the body.
NEWSCRAWL_KEEP_PAYWALLED = False
# A story split over several pages is fetched page by page into one record, up to this many
# pages (newscrawl.spiders.multipage); a longer one is stored incomplete. 1: first pages only.
MAX_ARTICLE_PAGES = 10

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
# Short items (newscrawl.templatelines): a line of at most TEMPLATE_WORDS words seen on
# TEMPLATE_PAGES pages of one site is its template and carries no weight; a story with
# fewer than MIN_SHINGLES distinctive shingles is never merged.
NEARDUP_MIN_SHINGLES = 16
NEARDUP_TEMPLATE_WORDS = 15
NEARDUP_TEMPLATE_PAGES = 2

FEED_EXPORT_ENCODING = "utf-8"
FEED_EXPORT_FIELDS = list(ARTICLE_FIELDS)
# Local feed files kept in step with the store's commits (newscrawl.extensions.feeds).
FEED_STORAGES = {
    "": "newscrawl.extensions.feeds.CommittedFileFeedStorage",
    "file": "newscrawl.extensions.feeds.CommittedFileFeedStorage",
}
# `-O articles.parquet`: Parquet with newscrawl's fixed schema (newscrawl.exporters).
FEED_EXPORTERS = {"parquet": "newscrawl.exporters.ParquetItemExporter"}

LOG_LEVEL = "INFO"
LOG_FORMATTER = "newscrawl.logformatter.DropLogFormatter"
# The end-of-run stats dump without the per-site counters the run report shows (at DEBUG).
STATS_CLASS = "newscrawl.logformatter.ReportStatsCollector"

# --- scheduled runs (newscrawl.downloadermiddlewares.incremental, newscrawl.extensions) ---
# Skip article URLs the store already holds (as an article, alias or rejection).
INCREMENTAL_ENABLED = True
# Re-fetch policy for stored articles: "never", or "newer" (a feed/sitemap date later than
# the stored record's fetched_at brings the article back; a changed body replaces it).
INCREMENTAL_REFETCH = "never"

# --- run report and monitors (newscrawl.extensions.report, newscrawl.monitors) -----------
# Also write the run report as JSON to this file (unset: log and stats only).
NEWSCRAWL_REPORT_FILE = None
# Keep every run's report in the store (runs table; `newscrawl report` draws it).
NEWSCRAWL_RUN_HISTORY = True
# A progress bar on standard error (newscrawl.extensions.progress.CrawlProgress): `newscrawl
# replay` and `ccnews` turn it on when standard error is a terminal and --quiet is not given.
NEWSCRAWL_PROGRESS = False
SPIDERMON_ENABLED = True
SPIDERMON_SPIDER_CLOSE_MONITORS = ["newscrawl.monitors.CrawlHealthSuite"]
# Floors: fewer extracted articles, or a lower share of articles with a field, fails the run.
NEWSCRAWL_MIN_ARTICLES = 0
# Starting points: the classic SMN template gives no machine date on every page, so
# "published" is lower than the rest on a healthy crawl (README, "Run report and monitors").
NEWSCRAWL_COVERAGE_FLOORS = {"headline": 0.9, "body": 0.9, "published": 0.6, "dateline": 0.8}
# Coverage is judged on sites with at least this many articles in the run.
NEWSCRAWL_COVERAGE_MIN_ARTICLES = 10
# A site (or the whole run, "all") fails when more than this share of its requests failed
# for good (a site down or blocking the crawler, a MIRROR_DIR with a typo), judged on sites
# with at least NEWSCRAWL_FAILURE_MIN_PAGES requests in the run (newscrawl.monitors).
NEWSCRAWL_MAX_FAILURE_SHARE = 0.5
NEWSCRAWL_FAILURE_MIN_PAGES = 4
# A site's own floors, over the common ones field by field: {"site.com": {"published": 0.9}}
# (the site as the run report names it: the host without www.).
NEWSCRAWL_SITE_COVERAGE_FLOORS: dict[str, dict[str, float]] = {}

# `scrapy crawl` with exit statuses for schedulers (newscrawl.commands.crawl): 75 when the
# store is locked by another crawl, 2 when the run failed (store error), and
# NEWSCRAWL_MONITOR_EXIT_CODE when a monitor failed.
COMMANDS_MODULE = "newscrawl.commands"
NEWSCRAWL_MONITOR_EXIT_CODE = 3

# --- Hardening against the hostile web (newscrawl.downloadermiddlewares) --------------
# Only http(s) is ever downloaded: no local files, FTP, S3 or data: URLs from a page.
DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}
# A news page is far below these; they bound memory per response, compressed or not
# (DOWNLOAD_MAXSIZE above also caps decompression, so a gzip bomb stops there).
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
# Scrapy's caching resolver, checking each answer against the address guard of the crawl
# (newscrawl.resolver); without ADDRESS_GUARD_DNS it is Scrapy's resolver exactly.
TWISTED_DNS_RESOLVER = "newscrawl.resolver.GuardedResolver"
# Resolve host names before requesting and refuse internal answers (on for the news
# spider, which follows links on sites nobody vetted; see its custom_settings).
ADDRESS_GUARD_DNS = False
# Feeds and sitemaps (newscrawl.spiders.discovery): entries read from one listing (the
# sitemap protocol's own limit is 50,000), and listings requested in one run; what is over
# is counted and logged once. A compressed listing is read up to DOWNLOAD_MAXSIZE bytes.
LISTING_MAX_ENTRIES = 50_000
LISTING_MAX_PER_RUN = 1_000
# Retry waits: BASE * 2**(attempt-1) seconds, or Retry-After if longer, never over MAX.
RETRY_BACKOFF_BASE = 1.0
RETRY_BACKOFF_MAX = 60.0
# A page lost after its retries is logged once, with its failure's kind: by the failures
# middleware ("Download failed (timeout): URL") or Scrapy's "Ignoring response <503 ...>";
# Scrapy's own "Gave up retrying" would say it a second time, as an ERROR.
RETRY_GIVE_UP_LOG_LEVEL = "DEBUG"

# --- web archiving (newscrawl.downloadermiddlewares.archive, newscrawl.archive) --------
# Write every fetch to WARC 1.1 files in this folder (unset: no archive).
WARC_DIR = None
# Start a new file when the current one would pass this many bytes.
WARC_MAX_SIZE = 1 << 30
# gzip level of each record (its own gzip member: .warc.gz); None writes plain .warc.
WARC_GZIP_LEVEL = 6
# Seconds between fsyncs of the open file (None: only a finished file is synced; a killed
# crawl loses nothing either way, a power loss may lose what the kernel had not written).
WARC_FSYNC_INTERVAL = None
# Offline-mirror reads are not fetches; True archives them too, as resource records.
WARC_MIRROR = False
# Bodies are archived whole up to DOWNLOAD_MAXSIZE; a positive value stops a download at
# that many bytes and archives its start with WARC-Truncated: length (not extracted).
WARC_MAX_BODY = 0
# Build and write records in a thread beside the reactor (gzip and SHA-1 release the GIL).
WARC_THREAD = True
# File names are PREFIX-SPIDER-TIMESTAMP-SERIAL-HOST-PID.warc.gz; OPERATOR goes in warcinfo.
WARC_PREFIX = "newscrawl"
WARC_OPERATOR = None

# --- a fleet of workers (newscrawl.fleet) ------------------------------------------------
# Set REDIS_URL (redis://host:6379/0) to make a crawl a fleet worker: one shared frontier in
# Redis (scrapy-redis), requests leased until done, one store for all (use PostgreSQL).
# A REDIS_URL environment variable replaces this default; -s wins over both.
REDIS_URL = environment_setting("REDIS_URL")
# Whoever can write to the fleet's Redis decides what every worker fetches: a worker
# refuses a REDIS_URL without a password unless this is set (README, "Security of a fleet").
FLEET_ALLOW_UNAUTHENTICATED_REDIS = False
# Seconds with nothing to do fleet-wide before a worker stops.
FLEET_IDLE_TIMEOUT = 60
# A worker silent this long (killed, its machine gone) has its requests given to others.
FLEET_LEASE_TIMEOUT = 30
# How often a worker renews its heartbeat, releases finished leases and reads start URLs.
FLEET_TICK = 0.5

# --- extraction off the reactor (newscrawl.extensions.pool) ------------------------------
# Worker processes that extract article pages while the crawl process keeps fetching; 0
# extracts in the crawl process. Measured with bench/crawl_throughput.py (README,
# Performance): on a 2-core machine one worker takes the bare crawl's spare core.
EXTRACTION_WORKERS = 1
# The function a worker runs on each page (newscrawl.extract.worker.Job -> Extraction).
EXTRACTION_FUNCTION = "newscrawl.extract.worker.extract_job"
# Per page, in a worker: seconds of CPU time (or six times that of wall-clock time) and bytes
# of memory past the worker's size at start. A page over either is rejected
# (extraction_timeout, extraction_memory) and the worker replaced; the crawl goes on. With
# EXTRACTION_WORKERS=0 neither applies (newscrawl.extensions.pool).
EXTRACTION_TIMEOUT = 5.0
EXTRACTION_MEMORY_LIMIT = 1024 * 1024 * 1024


# --- the crawl's components, one ordered dict per kind -----------------------------------
# Each number is the component's place among Scrapy's own (``*_BASE`` settings); the
# comment says why it stands there.

ADDONS = {
    # MIRROR_DIR: no delays (reads are local). REDIS_URL: the fleet's scheduler.
    "newscrawl.addons.MirrorAddon": 0,
    "newscrawl.addons.FleetAddon": 0,
}

DOWNLOADER_MIDDLEWARES = {
    # Outermost: sees each request's final outcome, after retries and redirects.
    "newscrawl.downloadermiddlewares.failures.FailureStatsMiddleware": 10,
    # The warc spider's requests carry their archived response: answered here, before
    # anything that could send a request (inert for every other request).
    "newscrawl.downloadermiddlewares.replay.ArchiveReplayMiddleware": 20,
    # Before robots.txt (100), so not even a robots.txt request leaves for them.
    "newscrawl.downloadermiddlewares.guard.AddressGuardMiddleware": 40,
    "newscrawl.downloadermiddlewares.guard.ScopeGuardMiddleware": 45,
    # Then: an article fetched by an earlier run never reaches robots.txt checks, retries
    # or the network.
    "newscrawl.downloadermiddlewares.incremental.IncrementalMiddleware": 50,
    # Scrapy's own, with backoff and counters added (same priorities).
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "newscrawl.downloadermiddlewares.retry.BackoffRetryMiddleware": 550,
    # After decompression (590) in response order: Windows-1252 labelled UTF-8.
    "newscrawl.downloadermiddlewares.charset.CharsetFallbackMiddleware": 585,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "newscrawl.downloadermiddlewares.failures.CountingHttpCompressionMiddleware": 590,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "newscrawl.downloadermiddlewares.failures.CountingRedirectMiddleware": 600,
    # WARC_DIR: above redirects (600: a 3xx never comes back past it) and decompression
    # (590: the body as the server coded it), so each fetch is archived as received.
    "newscrawl.downloadermiddlewares.archive.ArchiveMiddleware": 800,
    # Last before the download handler, so retries, robots.txt, redirects and
    # decompression all see mirror responses as they would see network ones.
    "newscrawl.downloadermiddlewares.mirror.MirrorMiddleware": 950,
}

ITEM_PIPELINES = {  # the order is explained in newscrawl/pipelines/__init__.py
    "newscrawl.pipelines.normalize.NormalizePipeline": 100,
    "newscrawl.pipelines.validate.ValidatePipeline": 200,
    "newscrawl.pipelines.revision.RevisionPipeline": 250,
    "newscrawl.pipelines.dedup.DedupPipeline": 300,
    "newscrawl.pipelines.neardup.NearDupPipeline": 350,
    "newscrawl.pipelines.store.StorePipeline": 400,
}

EXTENSIONS = {
    # The crawl's one store, locked for the run: first, so a crawl that finds the store
    # in use stops before anything else starts (exit 75).
    "newscrawl.extensions.store.CrawlStore": 0,
    # A killed run's JOBDIR is reset.
    "newscrawl.extensions.runguard.RunGuard": 1,
    # Local -o feeds flushed and marked at each store commit, a killed run's tail cut.
    "newscrawl.extensions.feeds.CommittedFeeds": 2,
    # Worker processes that extract article pages (EXTRACTION_WORKERS).
    "newscrawl.extensions.pool.ExtractionPool": 5,
    # Per-site run report in the log and stats; before the monitors, which read it when
    # the spider closes.
    "newscrawl.extensions.report.RunReport": 10,
    # The run's report kept in the store's runs table at engine stop.
    "newscrawl.extensions.history.RunHistory": 20,
    # The progress bar of `newscrawl replay` and `ccnews` on a terminal (NEWSCRAWL_PROGRESS,
    # set by those commands; off otherwise).
    "newscrawl.extensions.progress.CrawlProgress": 30,
    # After AutoThrottle (0 in EXTENSIONS_BASE): robots.txt Crawl-delay as a floor under
    # each site's delay, re-applied after AutoThrottle adjusts it.
    "newscrawl.extensions.politeness.CrawlDelay": 100,
    # Spidermon, logging the monitors' verdict in one line (newscrawl.monitors).
    "newscrawl.monitors.QuietSpidermon": 500,
}
