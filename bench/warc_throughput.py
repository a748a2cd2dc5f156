"""What archiving costs a crawl, and how fast an archive replays, in one run.

Usage (from the repository root)::

    python -m bench.warc_throughput [--pages 2000] [--rounds 2] [--concurrency 16]

1. Generates the throughput bench's classic-template mirror (:mod:`bench.support.big_mirror`,
   ``--pages`` article pages of 40-80 KB) and serves it from :mod:`bench.support.mirror_server`
   in its own process, through a proxy on 127.0.0.1: the crawls' answers are network
   responses, archived as ``response`` records (mirror reads would not be archived).
2. ``--rounds`` times, alternating which goes first: ``plain``, ``scrapy crawl smn -a
   discover=sections`` with the SQLite store and a feed; ``archived``, the same with
   ``-s WARC_DIR=warc`` (the defaults: gzip level 6, records written by a thread beside
   the reactor); with ``--inline`` also ``inline``, archiving in the reactor thread
   (``WARC_THREAD=False``). All with every pipeline, politeness off,
   ``CONCURRENT_REQUESTS`` = ``--concurrency``.
3. ``replay``: ``scrapy crawl warc`` on the last archived crawl's files into a fresh
   store; its feed must be the archived crawl's, less ``fetched_at`` (checked).
4. Prints pages/s of each crawl (responses over the crawl's own elapsed time), CPU ms per
   page, the archive's bytes per page, the ratio archived/plain (median over rounds, and
   per round) and replay/live, and a JSON line.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.crawl_throughput import Crawl, check_full, crawl_plans, run_crawl, start_server
from bench.support import big_mirror


def feed_without_time(path: Path) -> list[str]:
    lines = []
    for line in path.read_text("utf-8").splitlines():
        record = json.loads(line)
        record.pop("fetched_at", None)
        lines.append(json.dumps(record, sort_keys=True))
    return sorted(lines)


def show(crawl: Crawl, note: str = "") -> None:
    print(
        f"{crawl.name:11} {crawl.responses:6d} responses in {crawl.elapsed:6.1f} s "
        f"= {crawl.pps:6.1f} pages/s, CPU {crawl.ms_per_page:5.2f} ms/page "
        f"(crawl process {1000 * crawl.main_cpu / crawl.responses:5.2f}), "
        f"peak RSS {crawl.rss_mb:6.1f} MB  {note}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Archived crawl vs plain crawl, and replay.")
    parser.add_argument("--pages", type=int, default=2000, help="article pages to generate")
    parser.add_argument("--rounds", type=int, default=2, help="plain/archived pairs")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--keep", type=Path, help="keep the mirror, archives and logs here")
    parser.add_argument(
        "--inline", action="store_true", help="also archive in the reactor (WARC_THREAD=False)"
    )
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="newscrawl-warc-bench-"))
    try:
        started = time.monotonic()
        written = big_mirror.build(work / "mirror", options.pages)
        stories = len(big_mirror.stories(options.pages))
        print(
            f"mirror: {written['articles']} article pages, {written['listings']} listing"
            f" pages, built in {time.monotonic() - started:.1f} s",
            flush=True,
        )
        full = crawl_plans()["full"]
        server, proxy = start_server(work / "mirror")
        kinds = {
            "plain": full,
            "archived": [*full, "-s", "WARC_DIR=warc"],
            "inline": [*full, "-s", "WARC_DIR=warc", "-s", "WARC_THREAD=False"],
        }
        if not options.inline:
            del kinds["inline"]
        runs: dict[str, list[Crawl]] = {kind: [] for kind in kinds}
        try:
            for number in range(1, options.rounds + 1):
                order = list(kinds) if number % 2 else list(reversed(kinds))
                for kind in order:
                    name = f"{kind}-{number}"
                    crawl = run_crawl(name, kinds[kind], server, proxy, work, options.concurrency)
                    note = check_full(crawl, work / name, stories, options.pages)
                    if kind != "plain":
                        size = sum(p.stat().st_size for p in (work / name / "warc").iterdir())
                        note += f", archive {size / crawl.responses / 1024:.1f} KiB/page"
                    runs[kind].append(crawl)
                    show(crawl, note)
            plain, archived = runs["plain"], runs["archived"]
            last = archived[-1]
            warc = work / last.name / "warc"
            # The same store, feed and extensions as the crawls, without "-a discover=".
            replay_args = ["crawl", "warc", "-a", f"files={warc}", *full[4:]]
            replay = run_crawl("replay", replay_args, server, proxy, work, options.concurrency)
            same = feed_without_time(work / "replay" / "feed.jsonl") == feed_without_time(
                work / last.name / "feed.jsonl"
            )
            if not same:
                raise RuntimeError("the replay's feed differs from the archived crawl's")
            show(replay, f"{replay.items} records, feed = {last.name}'s less fetched_at")
        finally:
            assert server.stdin is not None
            server.stdin.close()
            server.wait(timeout=10)
        ratios = [a.pps / p.pps for a, p in zip(archived, plain, strict=True)]
        cpu = [a.ms_per_page / p.ms_per_page for a, p in zip(archived, plain, strict=True)]
        ratio = statistics.median(ratios)
        live = statistics.median(c.pps for c in archived)
        print(
            f"archived/plain pages/s: {ratio:.3f} (rounds: "
            + ", ".join(f"{r:.3f}" for r in ratios)
            + f"); CPU ms/page archived/plain: {statistics.median(cpu):.3f}; target >= 0.9"
        )
        if "inline" in runs:
            inline = [a.pps / p.pps for a, p in zip(runs["inline"], plain, strict=True)]
            print(
                f"inline (WARC_THREAD=False)/plain: {statistics.median(inline):.3f}"
                " (rounds: " + ", ".join(f"{r:.3f}" for r in inline) + ")"
            )
        print(f"replay/live pages/s: {replay.pps / live:.2f} ({replay.pps:.1f} vs {live:.1f})")
        print(
            json.dumps(
                {
                    "pages": options.pages,
                    "plain_pps": [round(c.pps, 1) for c in plain],
                    "archived_pps": [round(c.pps, 1) for c in archived],
                    "archived_ratio": round(ratio, 3),
                    "replay_pps": round(replay.pps, 1),
                    "replay_vs_live": round(replay.pps / live, 2),
                }
            )
        )
    finally:
        if options.keep:
            shutil.rmtree(options.keep, ignore_errors=True)
            shutil.move(work, options.keep)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
