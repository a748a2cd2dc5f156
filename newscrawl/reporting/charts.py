"""The report's charts: matplotlib figures saved as SVG, to be inlined in one HTML page.

Every data artist carries a ``gid`` (``chart:series`` or ``chart:series:key``), which the
SVG keeps as the ``id`` of the artist's group: each point of a line is one ``<use>`` of its
marker inside it, each bar one group of its own. Tests and readers find the data that way.

Why these choices:

- ``matplotlib.figure.Figure`` without pyplot: no global figure state, no GUI backend.
- ``svg.hashsalt`` set per chart: the marker and clip-path ids matplotlib derives from a
  hash are then stable (the same store gives the same file) and distinct between charts
  inlined in one page; matplotlib's numbered ids (``figure_1``, ``text_3``...), the same in
  every figure, are prefixed with the chart's name for the same reason.
- ``svg.fonttype = none``: text stays text (smaller, selectable); ``text.parse_math`` off:
  site names and failure kinds are data, never TeX.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib
from matplotlib import dates as mdates
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from newscrawl.extensions.report import COVERAGE_FIELDS
from newscrawl.reporting.data import parse_time

COLORS = {"headline": "#1f77b4", "body": "#2ca02c", "published": "#ff7f0e", "dateline": "#9467bd"}
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf"]  # fmt: skip
_NUMBERED_ID = re.compile(r'id="([A-Za-z][A-Za-z0-9.]*_\d+)"')


@contextmanager
def _svg_settings(salt: str) -> Iterator[None]:
    with matplotlib.rc_context(
        {
            "svg.hashsalt": salt,
            "svg.fonttype": "none",
            "text.parse_math": False,
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    ):
        yield


def to_svg(figure: Figure, name: str) -> str:
    """The figure as an ``<svg>`` element (no XML prolog) with page-unique ids."""
    buffer = io.StringIO()
    with _svg_settings(name):
        figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    return _NUMBERED_ID.sub(lambda m: f'id="{name}-{m[1]}"', text)


def _dates(points: list[dict[str, Any]]) -> list[Any]:
    return [parse_time(p["at"]) for p in points]


def _time_axis(axes: Any) -> None:
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _empty(message: str) -> Figure:
    figure = Figure(figsize=(8, 1.2))
    figure.text(0.5, 0.5, message, ha="center", va="center", color="#555")
    return figure


def articles_per_day(data: dict[str, Any]) -> Figure:
    """Stacked bars: stories stored per day, one colour per site."""
    days, sites = data["days"], data["sites"]
    if not days:
        return _empty("No stories stored in this period")
    with _svg_settings("articles"):
        figure = Figure(figsize=(9, 3.2), layout="constrained")
        axes = figure.subplots()
        bottom = [0] * len(days)
        for n, (site, counts) in enumerate(sites.items()):
            bars = axes.bar(range(len(days)), counts, bottom=bottom, label=site,
                            color=PALETTE[n % len(PALETTE)], width=0.8)  # fmt: skip
            for day, bar in zip(days, bars, strict=True):
                bar.set_gid(f"articles:{site}:{day}")
            bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
        step = max(1, len(days) // 12)
        axes.set_xticks(range(0, len(days), step), [d[5:] for d in days[::step]])
        axes.set_ylabel("stories stored")
        axes.legend(loc="upper left", fontsize=8, frameon=False)
    return figure


def coverage(data: dict[str, list[dict[str, Any]]]) -> Figure:
    """One panel per site: each field's coverage over runs, its monitor floor dashed."""
    sites = [site for site, points in data.items() if points]
    if not sites:
        return _empty("No run extracted any article in this period")
    with _svg_settings("coverage"):
        columns = 1 if len(sites) == 1 else 2
        rows = -(-len(sites) // columns)
        figure = Figure(figsize=(9, 2.6 * rows), layout="constrained")
        panels = figure.subplots(rows, columns, squeeze=False, sharey=True).ravel()
        for axes, site in zip(panels, sites, strict=False):
            points = data[site]
            when = _dates(points)
            for name in COVERAGE_FIELDS:
                shown = [(t, p[name]) for t, p in zip(when, points, strict=True)
                         if p.get(name) is not None]  # fmt: skip
                if shown:
                    axes.plot(
                        *zip(*shown, strict=True), marker="o", markersize=3.5,
                        color=COLORS[name], label=name, gid=f"coverage:{site}:{name}",
                    )  # fmt: skip
                floor = (points[-1].get("floors") or {}).get(name)
                if floor is not None:
                    axes.axhline(float(floor), color=COLORS[name], linestyle="--",
                                 linewidth=0.9, alpha=0.8, gid=f"floor:{site}:{name}")  # fmt: skip
            axes.set_title(site, fontsize=9, loc="left")
            axes.set_ylim(-0.02, 1.05)
            axes.yaxis.set_major_formatter(PercentFormatter(1.0))
            _time_axis(axes)
        for axes in panels[len(sites) :]:
            axes.set_visible(False)
        panels[0].legend(loc="lower left", fontsize=7, ncols=4, frameon=False)
    return figure


def failures(data: dict[str, Any]) -> Figure:
    """Failed downloads by kind over runs."""
    points, kinds = data["points"], data["kinds"]
    if not kinds:
        return _empty("No failed downloads in these runs")
    with _svg_settings("failures"):
        figure = Figure(figsize=(9, 3), layout="constrained")
        axes = figure.subplots()
        when = _dates(points)
        for n, kind in enumerate(kinds):
            axes.plot(
                when, [p[kind] for p in points], marker="o", markersize=3.5,
                color=PALETTE[n % len(PALETTE)], label=kind, gid=f"failures:{kind}",
            )  # fmt: skip
        axes.set_ylabel("failed requests")
        axes.set_ylim(bottom=0)
        _time_axis(axes)
        axes.legend(loc="upper left", fontsize=8, frameon=False)
    return figure


def duplicates(points: list[dict[str, Any]]) -> Figure:
    """Share of the articles seen that were duplicates, and near-duplicates among them."""
    if not points:
        return _empty("No run saw an article in this period")
    with _svg_settings("duplicates"):
        figure = Figure(figsize=(9, 3), layout="constrained")
        axes = figure.subplots()
        for key, label, color in (
            ("duplicate_share", "duplicates (all kinds)", PALETTE[0]),
            ("near_duplicate_share", "near-duplicates", PALETTE[3]),
        ):
            shown = [(t, p[key]) for t, p in zip(_dates(points), points, strict=True)
                     if p[key] is not None]  # fmt: skip
            if shown:
                axes.plot(*zip(*shown, strict=True), marker="o", markersize=3.5, color=color,
                          label=label, gid=f"duplicates:{key}")  # fmt: skip
        axes.set_ylim(-0.02, 1.02)
        axes.yaxis.set_major_formatter(PercentFormatter(1.0))
        axes.set_ylabel("share of articles seen")
        _time_axis(axes)
        axes.legend(loc="upper left", fontsize=8, frameon=False)
    return figure
