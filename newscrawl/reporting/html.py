"""The report as one self-contained HTML file: inline SVG charts, inline CSS, no script.

It opens without a network: nothing is loaded from anywhere, and a Content-Security-Policy
forbids it (a chart that tried would show as an error in the browser's console, which the
tests read). Every string from the store (headlines, URLs, site names, failure messages)
is escaped; a link is made only of an http(s) URL.
"""

from __future__ import annotations

import html
from typing import Any

from newscrawl.extensions.report import COUNTERS, COVERAGE_FIELDS
from newscrawl.reporting import charts

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5rem auto; max-width: 1100px;
       padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
.meta, figcaption, .note { color: #555; font-size: .9em; }
figure { margin: .5rem 0; } figure svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { padding: .25rem .55rem; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child, .text { text-align: left; }
td.low { background: #fde2e1; color: #8a1c13; font-weight: 600; }
.verdict-ok { color: #1b6e2a; font-weight: 600; } .verdict-failed { color: #a11; font-weight: 600; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; }
dt { color: #555; } dd { margin: 0; }
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _link(url: Any, text: Any) -> str:
    if isinstance(url, str) and url.startswith(("https://", "http://")):
        return f'<a href="{_e(url)}">{_e(text)}</a>'
    return _e(text)


def _share(value: Any) -> str:
    return "–" if value is None else f"{float(value):.0%}"


def _kinds(counts: Any) -> str:
    if not counts:
        return "none"
    return ", ".join(f"{_e(k)} {_e(v)}" for k, v in sorted(counts.items()))


def _figure(name: str, title: str, figure: Any, caption: str) -> str:
    return (
        f'<section id="{name}"><h2>{_e(title)}</h2>'
        f'<figure class="chart" data-chart="{name}">{charts.to_svg(figure, name)}'
        f"<figcaption>{_e(caption)}</figcaption></figure></section>"
    )


def _low(row: dict[str, Any], name: str, floors: dict[str, Any], sample: int) -> bool:
    monitor = row.get("monitor")
    if monitor is not None:
        return name in monitor.get("below_floor", [])
    value, floor = row.get(name), floors.get(name)
    judged = row.get("site") != "all" and int(row.get("articles") or 0) >= sample
    return judged and value is not None and floor is not None and value < float(floor)


def latest_run(run: dict[str, Any] | None) -> str:
    """The newest run: its outcome and its per-site table, fields under a floor marked."""
    if run is None:
        return '<section id="latest-run"><h2>Latest run</h2><p>No run recorded.</p></section>'
    floors = run.get("floors") or {}
    sample = int(run.get("coverage_min_articles") or 10)
    monitors = run.get("monitors") or {}
    passed = monitors.get("passed", not monitors.get("failed"))
    verdict = (
        '<span class="verdict-ok">passed</span>'
        if passed
        else '<span class="verdict-failed">failed</span>: '
        + "; ".join(_e(m) for m in monitors.get("failed") or [])
    )
    duration = run.get("duration_s")
    failures = {k: v for k, v in (run.get("failures") or {}).items() if "/" not in k}
    facts = [
        ("run", f"{_e(run.get('id'))} ({_e(run.get('spider'))})"),
        ("finished", _e(run.get("finished_at"))),
        ("duration", "–" if duration is None else f"{float(duration):.1f} s"),
        ("finish reason", _e(run.get("finish_reason"))),
        ("monitors", verdict),
        ("stored", _e(run.get("stored"))),
        ("duplicates", f"{_e(run.get('duplicates'))} ({_kinds(run.get('duplicates_by_kind'))})"),
        ("rejected", _kinds(run.get("rejected"))),
        ("failures", _kinds(failures)),
        ("refused", _kinds(run.get("refused"))),
        ("retries", _e(run.get("retries"))),
    ]
    columns = ["site", *COUNTERS, *COVERAGE_FIELDS]
    head = "".join(f"<th>{_e(c)}</th>" for c in columns)
    body = []
    for row in run.get("sites") or []:
        cells = [f"<td>{_e(row.get('site'))}</td>"]
        cells += [f"<td>{_e(row.get(c, 0))}</td>" for c in COUNTERS]
        for name in COVERAGE_FIELDS:
            low = ' class="low"' if _low(row, name, floors, sample) else ""
            cells.append(f"<td{low}>{_share(row.get(name))}</td>")
        body.append(f'<tr data-site="{_e(row.get("site"))}">{"".join(cells)}</tr>')
    floor_note = ", ".join(f"{_e(k)} {_share(v)}" for k, v in floors.items()) or "unknown"
    return (
        '<section id="latest-run"><h2>Latest run</h2><dl>'
        + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts)
        + f'</dl><table id="latest-run-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
        f'<p class="note">Coverage floors: {floor_note}; judged on sites with at least'
        f" {sample} articles in the run (marked cells are under their floor).</p></section>"
    )


def syndicated(stories: list[dict[str, Any]]) -> str:
    rows = []
    for story in stories:
        places = " ".join(_link(p.get("url"), p.get("site")) for p in story["also_at"])
        rows.append(
            f"<tr><td>{_e(story['places'])}</td>"
            f'<td class="text">{_link(story["url"], story["headline"])}</td>'
            f'<td class="text">{_e(story["site"])}</td><td class="text">{places}</td></tr>'
        )
    table = (
        '<table id="syndicated-table"><thead><tr><th>places</th><th class="text">headline</th>'
        '<th class="text">stored from</th><th class="text">also at</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        if rows
        else "<p>No story was found at more than one place.</p>"
    )
    return f'<section id="syndicated"><h2>Most widely syndicated stories</h2>{table}</section>'


def render(data: dict[str, Any]) -> str:
    """The whole page for :func:`newscrawl.reporting.data.report_data`'s output."""
    runs = data["runs"]
    span = data.get("span_seconds")
    per = "one point per run" if not span else f"runs merged per {span / 3600:.1f} h"
    scope = f" for {data['site']}" if data.get("site") else ""
    failures_scope = (
        "whole runs that touched the site"
        if data.get("site") and data["failures"]["scope"] == "run"
        else "per run"
    )
    sections = [
        _figure("articles-per-day", "Articles per site per day",
                charts.articles_per_day(data["articles_per_day"]),
                "New stories stored each UTC day, by the site they were first found on."),
        _figure("coverage", "Field coverage per site over runs",
                charts.coverage(data["coverage"]),
                f"Share of extracted articles with each field ({per}); dashed: the monitor's"
                " floor for that field. Runs without articles for a site have no point."),
        _figure("failures", "Failures by kind over runs", charts.failures(data["failures"]),
                f"Downloads that failed for good, by kind ({failures_scope}, {per})."),
        _figure("duplicates", "Duplicate and near-duplicate share",
                charts.duplicates(data["duplicates"]),
                f"Of the articles a run found (new + duplicate), the share already stored,"
                f" and the share that were near-duplicates (edited copies) ({per})."),
        latest_run(data.get("latest_run")),
        syndicated(data["syndicated"]),
    ]  # fmt: skip
    meta = (
        f"Store {_e(data['store'])}; since {_e(data.get('since') or 'the beginning')};"
        f" {len(runs)} runs; generated {_e(data['generated_at'])}."
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>newscrawl report{_e(scope)}</title><style>{STYLE}</style></head><body>"
        f'<h1>newscrawl report{_e(scope)}</h1><p class="meta">{meta}</p>'
        + "\n".join(sections)
        + "</body></html>\n"
    )
