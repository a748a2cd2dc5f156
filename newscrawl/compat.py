"""Old dotted paths of the flat layout, kept working for one release with a warning.

Deployed settings name components by dotted path (``ITEM_PIPELINES``,
``DOWNLOADER_MIDDLEWARES``, ``EXTENSIONS``, ``ADDONS``, ``EXTRACTION_FUNCTION`` in a
Scrapyd egg's settings or a cron line's ``-s``), and scripts import the library's entry
points. When the package was re-housed by kind, those paths moved; each old one still
loads the same object, with a ``ScrapyDeprecationWarning`` naming the new path (Scrapy
shows those in the crawl log). Old modules that no longer exist are answered by an import
hook installed from ``newscrawl/__init__.py``; old names of modules that became packages
(``newscrawl.pipelines``, ``newscrawl.fleet``) by those packages' ``__getattr__``.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import warnings
from types import ModuleType
from typing import Any

from scrapy.exceptions import ScrapyDeprecationWarning

# Old dotted path -> new dotted path.
MOVED: dict[str, str] = {
    # settings: downloader middlewares
    "newscrawl.mirror.MirrorMiddleware": "newscrawl.downloadermiddlewares.mirror.MirrorMiddleware",
    "newscrawl.incremental.IncrementalMiddleware":
        "newscrawl.downloadermiddlewares.incremental.IncrementalMiddleware",
    "newscrawl.failures.FailureStatsMiddleware":
        "newscrawl.downloadermiddlewares.failures.FailureStatsMiddleware",
    "newscrawl.failures.CountingRedirectMiddleware":
        "newscrawl.downloadermiddlewares.failures.CountingRedirectMiddleware",
    "newscrawl.failures.CountingHttpCompressionMiddleware":
        "newscrawl.downloadermiddlewares.failures.CountingHttpCompressionMiddleware",
    "newscrawl.guard.AddressGuardMiddleware":
        "newscrawl.downloadermiddlewares.guard.AddressGuardMiddleware",
    "newscrawl.guard.ScopeGuardMiddleware":
        "newscrawl.downloadermiddlewares.guard.ScopeGuardMiddleware",
    "newscrawl.retry.BackoffRetryMiddleware":
        "newscrawl.downloadermiddlewares.retry.BackoffRetryMiddleware",
    "newscrawl.charset.CharsetFallbackMiddleware":
        "newscrawl.downloadermiddlewares.charset.CharsetFallbackMiddleware",
    # settings: item pipelines and the log formatter
    "newscrawl.pipelines.NormalizePipeline": "newscrawl.pipelines.normalize.NormalizePipeline",
    "newscrawl.pipelines.ValidatePipeline": "newscrawl.pipelines.validate.ValidatePipeline",
    "newscrawl.incremental.RevisionPipeline": "newscrawl.pipelines.revision.RevisionPipeline",
    "newscrawl.pipelines.DedupPipeline": "newscrawl.pipelines.dedup.DedupPipeline",
    "newscrawl.pipelines.NearDupPipeline": "newscrawl.pipelines.neardup.NearDupPipeline",
    "newscrawl.pipelines.StorePipeline": "newscrawl.pipelines.store.StorePipeline",
    "newscrawl.pipelines.DropLogFormatter": "newscrawl.logformatter.DropLogFormatter",
    # settings: extensions and add-ons
    "newscrawl.runs.RunGuard": "newscrawl.extensions.runguard.RunGuard",
    "newscrawl.report.RunReport": "newscrawl.extensions.report.RunReport",
    "newscrawl.politeness.CrawlDelay": "newscrawl.extensions.politeness.CrawlDelay",
    "newscrawl.extraction.ExtractionPool": "newscrawl.extensions.pool.ExtractionPool",
    "newscrawl.mirror.MirrorAddon": "newscrawl.addons.MirrorAddon",
    "newscrawl.fleet.FleetAddon": "newscrawl.addons.FleetAddon",
    "newscrawl.fleet.FleetScheduler": "newscrawl.fleet.scheduler.FleetScheduler",
    "newscrawl.fleet.LeasedQueue": "newscrawl.fleet.queue.LeasedQueue",
    "newscrawl.fleet.FleetDupeFilter": "newscrawl.fleet.queue.FleetDupeFilter",
    # EXTRACTION_FUNCTION and what a custom one is built from
    "newscrawl.extraction.extract_job": "newscrawl.extract.worker.extract_job",
    "newscrawl.extraction.Job": "newscrawl.extract.worker.Job",
    # the library's entry points
    "newscrawl.loaders.extract_article": "newscrawl.extract.article.extract_article",
    "newscrawl.loaders.Extraction": "newscrawl.extract.article.Extraction",
    "newscrawl.generic.GenericArticlePage": "newscrawl.extract.generic.GenericArticlePage",
}  # fmt: skip
# Old modules that are gone (their names are answered by the import hook).
GONE_MODULES = frozenset(
    path.rsplit(".", 1)[0]
    for path in MOVED
    if path.rsplit(".", 1)[0] not in ("newscrawl.pipelines", "newscrawl.fleet")
)


def moved_attribute(module: str, name: str) -> Any:
    """The object an old ``module.name`` path named, with a deprecation warning."""
    new = MOVED.get(f"{module}.{name}")
    if new is None:
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    warnings.warn(
        f"{module}.{name} is deprecated and will be removed in the next release: use {new}",
        ScrapyDeprecationWarning,
        stacklevel=3,
    )
    new_module, new_name = new.rsplit(".", 1)
    return getattr(importlib.import_module(new_module), new_name)


class _GoneModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers ``import newscrawl.guard`` (and the other gone modules) with a module whose
    attributes are looked up in :data:`MOVED`."""

    def find_spec(
        self, fullname: str, path: Any = None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in GONE_MODULES:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None  # the default module object

    def exec_module(self, module: ModuleType) -> None:
        name = module.__name__
        module.__doc__ = f"Deprecated: {name} moved (see newscrawl.compat)."
        module.__getattr__ = lambda attribute: moved_attribute(name, attribute)  # type: ignore[method-assign]


def install() -> None:
    """Add the import hook once (after the standard finders: real modules come first)."""
    if not any(isinstance(finder, _GoneModules) for finder in sys.meta_path):
        sys.meta_path.append(_GoneModules())
