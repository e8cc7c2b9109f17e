"""Scrapy settings for the news crawler: polite and safe defaults.

``crawler.run`` and the CLI override ARCHIVE_PATH / INDEX_PATH per archive folder.
"""

from __future__ import annotations

BOT_NAME = "news-archive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# An honest User-Agent naming the project.
USER_AGENT = "news-archive/0.1 (open-source news archiver; respects robots.txt)"

# Politeness: robots.txt, few requests per site, AutoThrottle adapts to the server.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# Scrapy's downloader overshoots CONCURRENT_REQUESTS_PER_DOMAIN without a delay
# (crawler.scrapy_fixes.downloader): this one holds it.
DOWNLOADER = "crawler.scrapy_fixes.downloader.SlotBoundDownloader"
EXTENSIONS = {
    # Warn at start-up when Scrapy & co. are not the versions crawler.scrapy_fixes was
    # tested on.
    "crawler.scrapy_fixes.VersionCheck": 0,
    # The hard deadline of --max-runtime and SIGTERM (CRAWL_GRACE_PERIOD below).
    "crawler.deadline.CrawlDeadline": 0,
    # The progress line on a terminal (CRAWL_PROGRESS, which `crawl` sets on a tty).
    "crawler.progress.ProgressLine": 0,
}
CRAWL_PROGRESS = False
# Fairness: each site (host and port, www. aside) is one download slot, whatever sources
# crawl it, and the scheduler hands out requests of the source with the fewest downloads
# in progress, only while its site has room (crawler.scrapy_fixes.downloader), so one
# source's backlog (or hanging pages) never holds back another's.
SCHEDULER_PRIORITY_QUEUE = "crawler.scrapy_fixes.downloader.SlotFairPriorityQueue"
# New links taken from one page (the source's max_pages bounds the whole crawl).
LINKS_PER_PAGE = 1_000
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

# Safety: bounded downloads, bounded waits, few redirects and retries.
# DOWNLOAD_TIMEOUT bounds a whole download, body included (a server dripping bytes).
DOWNLOAD_TIMEOUT = 30
# Robots.txt and the like; Scrapy applies the cap to decompressed bodies too (bombs).
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
# Feeds and sitemaps (gzip inflated included): the sitemap protocol allows 50 MB and
# 50,000 URLs per file. Their entries are read lazily, up to the source's page budget.
SITEMAP_MAXSIZE = 50 * 1024 * 1024
SITEMAP_MAX_ENTRIES = 50_000
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
# Pages for extraction (crawler.middlewares.PageSizeMiddleware): no more than extraction
# takes (ExtractOptions.max_html_bytes), so a bigger page is not even downloaded.
PAGE_MAXSIZE = 3_000_000
# A body shorter than its Content-Length is an error, never a partial page.
DOWNLOAD_FAIL_ON_DATALOSS = True
REDIRECT_MAX_TIMES = 5
RETRY_TIMES = 2
# --max-runtime (CLOSESPIDER_TIMEOUT) and SIGTERM: once the crawl closes, nothing is
# retried and no request is made; downloads and extractions still running get this many
# seconds (crawler.deadline), then what was fetched is stored and the crawl ends.
CRAWL_GRACE_PERIOD = 30.0
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# A site that keeps failing is the site's fault: a warning and a failed fetch, not an error.
RETRY_GIVE_UP_LOG_LEVEL = "WARNING"
METAREFRESH_ENABLED = False
# A URL that failed for a passing reason (network error, 429, 5xx) is tried again on
# later crawls, up to this many attempts in all.
RETRY_FAILED_MAX = 3

DOWNLOADER_MIDDLEWARES = {
    "crawler.deadline.DeadlineTimeoutMiddleware": 360,  # after DownloadTimeoutMiddleware
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.deadline.DeadlineRetryMiddleware": 550,
    "crawler.middlewares.HostGuardMiddleware": 50,
    "crawler.middlewares.SkipKnownMiddleware": 60,
    "crawler.middlewares.PageSizeMiddleware": 70,
    "crawler.middlewares.RedirectLoopMiddleware": 610,  # RedirectMiddleware is at 600
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.scrapy_fixes.robots.SafeRobotsTxtMiddleware": 100,
    # A site's own 404 page, fetched before its first article page (soft 404s).
    "crawler.notfound.NotFoundProbeMiddleware": 110,
    # Scrapy's offsite middleware is replaced by HostGuardMiddleware, which also sees
    # start URLs and redirects.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    # Next to the downloader: records responses as they came over the wire (crawler.warc.writer).
    "crawler.warc.writer.WarcMiddleware": 950,
}

ITEM_PIPELINES = {
    "crawler.pipelines.ExtractPipeline": 100,
    "crawler.pipelines.StorePipeline": 200,
    "crawler.pipelines.IndexPipeline": 300,
}

# Where the archive lives (the CLI sets these from --data / NEWS_ARCHIVE_DATA).
ARCHIVE_PATH = "data/archive.db"
INDEX_PATH = "data/index"
# The store commits a batch at 50 articles, or this many seconds after the last commit,
# whichever comes first: what was fetched is durable and searchable within seconds.
STORE_BATCH_SIZE = 50
STORE_FLUSH_SECONDS = 3.0
# How long the end-of-crawl indexing waits for another process's index write lock;
# past it, new articles stay pending for the next run (or `search_cli.py index`).
INDEX_LOCK_TIMEOUT = 30.0
# The index writer process (crawler.processes.indexing) indexes new articles every this many
# seconds during the crawl, at this much lower CPU priority than the crawl.
INDEX_SYNC_INTERVAL = 5.0
INDEX_NICENESS = 10
# At the crawl's end, once the index has this many segments, merge small ones (at most
# INDEX_COMPACT_MAX_DOCS documents, as `index --compact`), indexing their articles anew
# from the store (about 1.7 ms per document): rarely, not every crawl.
INDEX_COMPACT_AT = 30
INDEX_COMPACT_MAX_DOCS = 20_000
WARC_MAX_SIZE = 100 * 1024 * 1024  # roll to a new WARC file past this many bytes

# Extraction runs in worker processes: 0 = one per core; a page taking longer than
# EXTRACT_TIMEOUT seconds is given up (its worker is replaced); workers are recycled
# every EXTRACT_MAX_TASKS pages, freeing trafilatura's caches.
EXTRACT_WORKERS = 0
EXTRACT_TIMEOUT = 30.0
EXTRACT_MAX_TASKS = 1000
# Items (and requests) from one response handled concurrently; a page yields one item,
# and each unit costs an asyncio task per response (Scrapy's default is 100).
CONCURRENT_ITEMS = 8
# Bytes of downloaded responses waiting for the pipelines (extraction) before Scrapy
# stops starting downloads (its default is 5 MB). Each waiting page also holds its parsed
# tree (classification), about ten times its size: this bounds the crawl's memory.
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 1_000_000

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
