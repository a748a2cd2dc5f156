"""Spider arguments (``-a NAME=VALUE``) read once, in the spider's constructor.

A value a spider cannot use stops the crawl before anything starts, with a
:class:`~newscrawl.exceptions.SpiderArgumentError` that names the argument and what it
accepts (the crawl command logs it as one line and exits 1). Reading them here, rather
than where they are used, is what makes that possible: a mistake found in ``start()`` or
in a callback would surface as a traceback in the middle of a crawl that already began.
"""

from __future__ import annotations

from collections.abc import Iterable

from newscrawl.exceptions import SpiderArgumentError


def page_count(name: str, value: str | int | None, default: int | None) -> int | None:
    """A number of listing pages, at least 1 (``default`` when not given)."""
    if value is None or value == "":
        return default
    try:
        count = int(value)
    except (TypeError, ValueError):
        raise SpiderArgumentError(name, value, "a whole number of pages, at least 1") from None
    if count < 1:
        raise SpiderArgumentError(name, value, "a whole number of pages, at least 1")
    return count


def comma_list(value: str | Iterable[str] | None) -> list[str]:
    """``a,b, c`` (or a list, from a script) -> ``["a", "b", "c"]``, empty items dropped."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [item.strip() for item in items if item.strip()]


def choices(name: str, value: str | None, given: list[str], valid: Iterable[str]) -> set[str]:
    """``given`` (parsed from ``value``), each one of ``valid``; else the argument is refused
    with the valid values listed."""
    valid = list(valid)
    unknown = [item for item in given if item not in valid]
    if unknown or (value is not None and not given):
        raise SpiderArgumentError(name, value, f"use one or more of {', '.join(valid)}")
    return set(given)
