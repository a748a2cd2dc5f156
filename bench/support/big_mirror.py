"""A large classic-template mirror for the throughput bench, generated at bench time.

The page template is ``fixtures/build_mirror.py``'s (article pages, related boxes, section
listings); this module only invents many stories and adds the weight real pages carry:
inline scripts and styles in the head, a long network navigation, ad blocks and a footer
rail, so that article pages weigh 40-80 KB like the live sites' pages. The words are
generated from the project's own vocabulary, seeded, so a given ``pages`` count always
gives the same mirror. About one story in ten is syndicated on a second site (a duplicate
body under another URL, which the crawl must record as an alias).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

from fixtures import build_mirror as template

LISTING_PAGE_SIZE = 25
SYNDICATED_SHARE = 0.1

_SUBJECTS = (
    "The agency", "A launch provider", "Mission controllers", "The survey team",
    "Engineers at the test range", "A consortium of operators", "The ministry",
    "Researchers", "The orbital station crew", "Ground stations", "The relay network",
    "An imaging startup", "The weather service", "Regional planners", "Port authorities",
)  # fmt: skip
_VERBS = (
    "confirmed", "postponed", "reviewed", "announced", "measured", "reported", "tested",
    "approved", "mapped", "tracked", "delivered", "questioned", "extended", "completed",
)  # fmt: skip
_OBJECTS = (
    "the second stage burn", "a revised flight plan", "the radar calibration run",
    "new soil moisture maps", "the docking sequence", "a budget for the next phase",
    "the coastal flooding forecast", "a contract for six satellites", "the antenna upgrade",
    "the methane readings", "a survey of glacier retreat", "the ocean heat record",
    "the debris avoidance manoeuvre", "the lunar night hibernation", "a solar array fault",
)  # fmt: skip
_TAILS = (
    "after a week of checks", "ahead of the autumn window", "despite the storm season",
    "according to officials", "on Tuesday", "for the third time this year",
    "in a statement", "before the committee met", "with help from partner agencies",
    "as data arrived overnight", "once the weather cleared", "under a new agreement",
)  # fmt: skip
_PLACES = ("Paris", "Washington", "Tokyo", "Bangalore", "Moscow", "Beijing", "Kourou",
           "Darmstadt", "Houston", "Geneva", "Sydney", "Nairobi")  # fmt: skip
_AGENCIES = ("AFP", "UPI", "SPX", "ESA", "AP", "Reuters")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_PEOPLE = ("Ann Lee", "Bo Chen", "Carla Diaz", "Dev Patel", "Eva Novak", "Femi Ade")


def _sentence(rng: random.Random) -> str:
    return (
        f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} "
        f"{rng.choice(_TAILS)}, {rng.choice(_SUBJECTS).lower()} {rng.choice(_VERBS)} "
        f"{rng.choice(_OBJECTS)} (figure {rng.randint(2, 9999)})."
    )


def _story(number: int, rng: random.Random, sites: list[str]) -> dict:
    words = [rng.choice(_SUBJECTS).split()[-1], rng.choice(_VERBS), *rng.choice(_OBJECTS).split()]
    headline = " ".join(words).capitalize() + f" {number}"
    agency = rng.choice(_AGENCIES)
    year, month, day = rng.randint(2015, 2025), rng.randint(1, 12), rng.randint(1, 28)
    place = rng.choice(_PLACES)
    dateline = f"{place} ({agency}) {_MONTHS[month - 1]} {day}, {year}"
    placements = []
    for site in sites:
        section = rng.choice([k for (h, k) in template.SECTIONS if h == site])
        if agency == "AFP":
            stamp = f"{year % 100:02d}{month:02d}{day:02d}{rng.randint(0, 23):02d}"
            token = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(8))
            path = f"/afp/{stamp}{rng.randint(0, 59):02d}00.{token}.html"
        else:
            path = "/reports/" + "_".join(w.capitalize() for w in headline.split()) + "_999.html"
        placements.append({"site": site, "section": section, "path": path})
    image = None
    if rng.random() < 0.5:
        image = {"slug": f"bench-{number}", "caption": _sentence(rng)}
    return {
        "headline": headline,
        "kicker": template.SECTIONS[(sites[0], placements[0]["section"])][1],
        "dateline": dateline,
        "byline": f"by {rng.choice(_PEOPLE)}" if rng.random() < 0.4 else "by Staff Writers",
        "image": image,
        "copyright": agency,
        "paragraphs": [
            " ".join(_sentence(rng) for _ in range(rng.randint(2, 4)))
            for _ in range(rng.randint(6, 14))
        ],
        "placements": placements,
    }


def stories(pages: int, seed: int = 6) -> list[dict]:
    """Stories whose placements add up to exactly ``pages`` article pages."""
    rng = random.Random(seed)
    hosts = list(template.SITES)
    found: list[dict] = []
    placed = 0
    while placed < pages:
        count = 2 if rng.random() < SYNDICATED_SHARE and pages - placed >= 2 else 1
        found.append(_story(len(found) + 1, rng, rng.sample(hosts, count)))
        placed += count
    return found


# --- page weight --------------------------------------------------------------------------
_HEAD_SCRIPT = """<script type="text/javascript">
var adSlots = window.adSlots || [];
adSlots.push({{slot: "{slot}", size: [{w}, {h}], site: "{host}", refresh: {refresh}}});
function loadSlot_{n}(id) {{ var el = document.getElementById(id); if (!el) return;
  el.setAttribute("data-slot", "{slot}"); el.style.minHeight = "{h}px"; }}
</script>
"""
_STYLE = """<style type="text/css">
.nav{n} a {{ color: #003366; font-family: Verdana, Arial; font-size: {size}px; }}
.rail{n} td {{ padding: 2px 4px; border-bottom: 1px dotted #999999; }}
.ad{n} {{ margin: 8px auto; text-align: center; min-height: {h}px; }}
</style>
"""
_AD_BLOCK = (
    '<table class="ad{n}" width=300 border=0><tr><td align=center>'
    '<div id="slot-{n}"><script>loadSlot_{n}("slot-{n}");</script>'
    '<a href="https://adclick.example/click?slot={n}&amp;site={host}">'
    '<img src="https://{host}/sponsors/rail-{n}-300x250.gif" width=300 height=250 border=0>'
    "</a></div><font size=1>ADVERTISEMENT</font></td></tr></table>\n"
)
_NETWORK = tuple(h.removeprefix("www.") for h in (
    "www.spacewar.com", "www.spacedaily.com", "www.terradaily.com", "www.energy-daily.com",
    "www.marsdaily.com", "www.spacemart.com", "www.sinodaily.com", "www.gpsdaily.com",
    "www.solardaily.com", "www.nuclearpowerdaily.com", "www.winddaily.com",
))  # fmt: skip
_TOPICS = ("Archive", "Analysis", "Industry", "Launchers", "Outer Planets", "Robotics",
           "Climate", "Oceans", "Energy", "Defense", "Policy", "Telescopes")  # fmt: skip


def _network_nav(host: str) -> str:
    """The long left-hand list of sister sites and their topics (no article links)."""
    rows = []
    for site in _NETWORK:
        rows.append(f'<b><a href="https://www.{site}/index.html">{site}</a></b><br>')
        rows.extend(
            f'<a class="nav1" href="https://www.{site}/{t.replace(" ", "_")}_Index.html">'
            f"{t}</a><br>"
            for t in _TOPICS
        )
    return '<div class="nav1">\n' + "\n".join(rows) + "\n</div>\n"


def _weigh(page: str, host: str, rng: random.Random) -> str:
    """Add head scripts, navigation, ads and a footer rail until the page is 40-80 KB."""
    target = rng.randint(40_000, 77_000)  # the last block added overshoots by < 3 KB
    nav = _network_nav(host)
    head = [_STYLE.format(n=n, size=10 + n, h=90 + n) for n in range(1, 4)]
    rail: list[str] = []
    n = 0
    while len(page) + len(nav) + sum(map(len, head)) + sum(map(len, rail)) < target:
        n += 1
        slot = f"{host.split('.')[1]}-{n}"
        head.append(
            _HEAD_SCRIPT.format(
                slot=slot, w=300, h=250, host=host, refresh=rng.randint(30, 90), n=n
            )
        )
        rail.append(_AD_BLOCK.format(n=n, host=host))
        if n % 4 == 0:
            rail.append(
                '<table class="rail1" width=300><tr><td>'
                + "".join(
                    f'<a href="https://www.{rng.choice(_NETWORK)}/{rng.choice(_TOPICS)}'
                    f'_Index.html">{rng.choice(_TOPICS)} roundup</a><br>'
                    for _ in range(12)
                )
                + "</td></tr></table>\n"
            )
    marker = f'<img src="https://{host}/images/white.jpg" width=160 height=4>'
    page = page.replace("</head>", "".join(head) + "</head>", 1)
    page = page.replace(marker, nav + marker, 1)
    return page.replace("</body>", "".join(rail) + "</body>", 1)


def build(root: Path, pages: int, seed: int = 6) -> dict[str, int]:
    """Write the mirror under ``root`` (``root/HOST/PATH``); returns what was written."""
    rng = random.Random(seed + 1)
    found = stories(pages, seed)
    listings: dict[tuple[str, str], list[tuple[dict, dict]]] = {k: [] for k in template.SECTIONS}
    written = {"articles": 0, "listings": 0, "bytes": 0}
    for index, story in enumerate(found):
        # Related boxes are drawn from neighbouring stories: the template's own helper scans
        # the whole list, which would make generation quadratic in ``pages``.
        window = found[max(0, index - 6) : index + 7]
        for placement in story["placements"]:
            html = _weigh(template.article_page(story, placement, window), placement["site"], rng)
            data = html.encode()
            _write(root, placement["site"], placement["path"], data)
            written["articles"] += 1
            written["bytes"] += len(data)
            listings[(placement["site"], placement["section"])].append((story, placement))
    for (host, key), entries in listings.items():
        for name, html in template.listing_pages(host, key, entries, LISTING_PAGE_SIZE).items():
            _write(root, host, name, _weigh(html, host, rng).encode())
            written["listings"] += 1
    for host in template.SITES:
        _write(root, host, "robots.txt", b"User-agent: *\nDisallow: /cgi-bin/\n")
    return written


def article_paths(root: Path) -> Iterator[Path]:
    for host in template.SITES:
        for folder in ("reports", "afp"):
            yield from (root / host / folder).glob("*.html")


def _write(root: Path, host: str, path: str, data: bytes) -> None:
    target = root / host / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--pages", type=int, default=5000)
    args = parser.parse_args()
    print(build(args.root, args.pages))
