"""The run report: what every crawl did, per site, in the log, the stats and a JSON file.

:class:`RunReport` is an extension that counts, per site (host without ``www.``):

- ``pages``: responses received (section pages, feeds, sitemaps, articles);
- ``new``: articles that reached the feed (stored as new stories);
- ``duplicate``: articles dropped as already stored (same URL or same body elsewhere);
- ``rejected``: pages that gave no valid article (no headline, no body, not HTML);
- ``articles``: article records extracted (new + duplicate + rejected for a missing
  field), the base of field coverage;
- ``fields/<name>``: how many of those had ``headline``, ``body``, ``published``,
  ``dateline``; coverage is that count over ``articles``;
- ``platform/<name>`` and ``absent/<name>``, counted by spiders whose sites may run one of
  several platforms (:mod:`newscrawl.spiders.platforms`): pages the site answered, by the
  platform their URL shape belongs to, and entry points of a platform it does not run;
  the table's ``platform`` column names the platforms a site answered with.
- ``paywalled``: how many of those declare paywalled content (``free_access`` false).

Beside the table, one *outcome* line says whether the run did its job: why it finished, what
was stored, rejected or found twice, what failed for good by kind
(``newscrawl/failures/<kind>``, :mod:`newscrawl.downloadermiddlewares.failures`), what was
refused on purpose (guards, robots.txt, offsite) and how many retries it took
(:func:`build_outcome`).

The counters live in the crawl stats as ``newscrawl/report/<site>/<counter>`` (and
``newscrawl/report/all/...``) while the crawl runs, so monitors can read them at close
(:mod:`newscrawl.monitors`). When the spider closes, the report is logged as a table and
put in the stats as coverage ratios; with ``NEWSCRAWL_REPORT_FILE`` it is also written as
JSON once the engine stops, with the monitors' verdict.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response

from newscrawl.exceptions import DuplicateItem, RejectedItem
from newscrawl.items import ArticleItem, Rejection
from newscrawl.urls import site_of

logger = logging.getLogger(__name__)

# Finish reasons that mean the crawl did not do its job (the crawl command exits non-zero):
# the store failed, or the spider's start raised (Scrapy's "start_error": nothing crawled).
FAILED_REASONS = frozenset({"store_error", "start_error"})
COVERAGE_FIELDS = ("headline", "body", "published", "dateline")
COUNTERS = ("pages", "new", "duplicate", "rejected", "articles", "paywalled")
PREFIX = "newscrawl/report"


def coverage(stats: dict[str, Any], site: str, name: str) -> float | None:
    """Share of ``site``'s extracted articles that had field ``name`` (None: no articles)."""
    articles = stats.get(f"{PREFIX}/{site}/articles", 0)
    if not articles:
        return None
    return stats.get(f"{PREFIX}/{site}/fields/{name}", 0) / articles


def failure_share(stats: dict[str, Any], site: str) -> tuple[int, int]:
    """(requests that failed for good, requests that reached an outcome) of ``site``.

    Failures are counted per site by kind (:mod:`newscrawl.downloadermiddlewares.failures`).
    A failure that came with a response (``http_404``, a redirect not followed) is also
    one of the site's ``pages``; one without (a timeout, a refused connection) is not, so
    it is added to them to make the number of requests.
    """
    kinds = _group(stats, f"{PREFIX}/{site}/failures")
    failed = sum(kinds.values())
    answered = sum(n for k, n in kinds.items() if k.startswith("http_") or k in _ANSWERED)
    absent = sum(
        sum(_group(stats, f"{PREFIX}/{one}/absent").values())
        for one in (_absent_sites(stats) if site == "all" else [site])
        if not _group(stats, f"{PREFIX}/{one}/platform")
    )
    if absent:
        # A 404 for a platform's entry point says the site runs another platform
        # (newscrawl.spiders.platforms); a site that answered none runs nothing we reach:
        # it is down, blocking us, or MIRROR_DIR is wrong, and its probes failed.
        failed += absent
        answered += absent
    return failed, stats.get(f"{PREFIX}/{site}/pages", 0) + failed - answered


_ANSWERED = frozenset({"redirect_not_followed"})


def _absent_sites(stats: dict[str, Any]) -> list[str]:
    """Sites with a platform's entry point counted absent (newscrawl.spiders.platforms)."""
    return sorted({key.split("/")[2] for key in stats if key.startswith(f"{PREFIX}/")
                   and key.split("/")[3:4] == ["absent"]})  # fmt: skip


def _group(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    prefix += "/"
    return {k[len(prefix) :]: v for k, v in sorted(stats.items()) if k.startswith(prefix)}


def build_outcome(stats: dict[str, Any]) -> dict[str, Any]:
    """Whether the run did its job, and what failed or was refused, from its stats."""
    refused = _group(stats, "newscrawl/refused")
    for key, kind in (("robotstxt/forbidden", "robots_txt"), ("offsite/filtered", "offsite")):
        if stats.get(key):
            refused[kind] = stats[key]
    reason = stats.get("finish_reason")
    return {
        "finish_reason": reason,
        "ok": reason not in FAILED_REASONS and not stats.get("newscrawl/store_error"),
        "store_error": stats.get("newscrawl/store_error"),
        "pages": stats.get("response_received_count", 0),
        "stored": stats.get("newscrawl/stored", 0),
        "rejected": _group(stats, "newscrawl/rejected"),
        "duplicates": stats.get("newscrawl/duplicate", 0),
        "failures": _group(stats, "newscrawl/failures"),
        "refused": refused,
        "retries": stats.get("retry/count", 0),
        "spider_errors": _group(stats, "spider_exceptions"),
    }


def report_sites(stats: dict[str, Any]) -> list[str]:
    """Sites the crawl touched, ``all`` last."""
    sites = {key.split("/")[2] for key in stats if key.startswith(f"{PREFIX}/")}
    sites.discard("all")
    return sorted(sites) + ["all"]


class RunReport:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.path = crawler.settings.get("NEWSCRAWL_REPORT_FILE")
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunReport:
        return cls(crawler)

    def _count(self, site: str, counter: str) -> None:
        for where in (site, "all"):
            self.stats.inc_value(f"{PREFIX}/{where}/{counter}")

    def _article(self, item: Any) -> None:
        if not isinstance(item, ArticleItem):
            return
        site = item.get("site") or site_of(item.get("url") or "")
        self._count(site, "articles")
        if item.get("free_access") is False:
            self._count(site, "paywalled")
        for name in COVERAGE_FIELDS:
            if item.get(name):
                self._count(site, f"fields/{name}")

    # -- signals ------------------------------------------------------------------------
    def response_received(self, response: Response) -> None:
        self._count(site_of(response.url), "pages")

    def item_scraped(self, item: Any) -> None:
        if isinstance(item, ArticleItem):
            self._count(item.get("site") or site_of(item["url"]), "new")
            self._article(item)

    def item_dropped(self, item: Any, exception: BaseException) -> None:
        if isinstance(exception, DuplicateItem):
            self._count(site_of(exception.url), "duplicate")
            self._article(item)
        elif isinstance(exception, RejectedItem):
            self._count(site_of(exception.url), "rejected")
            if not isinstance(item, Rejection):
                self._article(item)

    def spider_closed(self, reason: str) -> None:
        stats = self.stats.get_stats()
        rows = []
        for site in report_sites(stats):
            row: dict[str, Any] = {"site": site}
            for counter in COUNTERS:
                row[counter] = stats.get(f"{PREFIX}/{site}/{counter}", 0)
            row.update(platforms(stats, site))
            for name in COVERAGE_FIELDS:
                value = coverage(stats, site, name)
                row[name] = None if value is None else round(value, 3)
                if value is not None:
                    self.stats.set_value(f"{PREFIX}/{site}/coverage/{name}", round(value, 3))
            rows.append(row)
        self.rows = rows
        logger.info("Run report (%s):\n%s", reason, format_table(rows))
        outcome = build_outcome({"finish_reason": reason, **stats})
        failed = sum(outcome["failures"].values())
        logger.log(
            logging.WARNING if failed or not outcome["ok"] else logging.INFO,
            "Run outcome: %s, %d pages, %d stored, %d failed %s, %d refused %s",
            outcome["finish_reason"],
            outcome["pages"],
            outcome["stored"],
            failed,
            {k: v for k, v in outcome["failures"].items() if "/" not in k},
            sum(outcome["refused"].values()),
            outcome["refused"],
        )

    def engine_stopped(self) -> None:
        if not self.path:
            return
        stats = self.stats.get_stats()
        report = {
            "spider": self.crawler.spider.name if self.crawler.spider else None,
            **build_outcome(stats),
            "sites": getattr(self, "rows", []),
            "monitors": {
                "failed": stats.get("newscrawl/monitors/failed"),
                "passed": not stats.get("newscrawl/monitors/failed"),
            },
        }
        path = Path(self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")
        logger.info("Run report written to %s", path.resolve())


def platforms(stats: dict[str, Any], site: str) -> dict[str, dict[str, int]]:
    """``platforms`` (pages answered, per platform) and ``absent`` (entry points of a
    platform not answered) of ``site``; for ``all``, summed over the sites."""
    found: dict[str, dict[str, int]] = {"platforms": {}, "absent": {}}
    kinds = {"platform": "platforms", "absent": "absent"}
    for key, value in stats.items():
        parts = key.split("/")  # newscrawl/report/<site>/<platform|absent>/<name>
        if len(parts) != 5 or f"{parts[0]}/{parts[1]}" != PREFIX or parts[3] not in kinds:
            continue
        if site in ("all", parts[2]):
            counts = found[kinds[parts[3]]]
            counts[parts[4]] = counts.get(parts[4], 0) + value
    return {kind: dict(sorted(counts.items())) for kind, counts in found.items()}


def format_table(rows: list[dict[str, Any]]) -> str:
    columns = ("site", *COUNTERS, *COVERAGE_FIELDS)
    cells = [[_cell(row[c]) for c in columns] for row in rows]
    if any(row.get("platforms") for row in rows):
        columns += ("platform",)
        for row, line in zip(rows, cells, strict=True):
            line.append("+".join(row.get("platforms") or {}) or "-")
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.0%}"
    return str(value)
