"""Golden check: the project's observable output, byte for byte, at two revisions.

usage: python -m bench.golden run OUT [--data DIR] [--tree DIR]
       python -m bench.golden compare --base REV [--data DIR] [--keep DIR]

A change that is meant to leave behaviour alone (a re-housing, a clean-up, a speed-up)
must leave these outputs identical:

- the mirror crawls, as users run them: ``scrapy crawl smn`` (site profiles), the same
  crawl with ``NEWSCRAWL_USE_PROFILES=False`` (generic extraction on every page), and
  ``scrapy crawl news`` over the bundled modern site; each feed with ``fetched_at`` taken
  out (it is the clock) and its lines sorted (pages arrive in any order);
- ``newscrawl extract --manifest cases.jsonl --no-profiles`` over every case set under
  ``../shared/data/extraction`` (the extraction-quality bench scores exactly these lines).

``run`` writes them to OUT from a checkout (``--tree``, default this one). ``compare``
checks ``--base`` out into a temporary git worktree, runs both trees one after the other
with the same interpreter and environment, and prints one line per output: identical, or
the number of lines that differ. It exits 1 on any difference and 2 when any of the three
shared case sets is missing (:mod:`bench.support.shared_data` says where they come from).
Only commands that every revision of the project has are used, so any two revisions can be
compared.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.support.shared_data import DEFAULT_DATA, REPO, SETS, missing_sets, no_data

CRAWLS: dict[str, list[str]] = {
    "smn": ["smn"],
    "smn-generic": ["smn", "-s", "NEWSCRAWL_USE_PROFILES=False"],
    "news": ["news", "-a", "start_urls=https://www.harbourgazette.example/"],
}
# The extract command, spelled so that it works whatever module holds ``main``.
_EXTRACT = "import sys; from newscrawl.cli import main; sys.exit(main())"


def _env(tree: Path) -> dict[str, str]:
    """The tree's package first on the path; no proxy (the mirror answers everything)."""
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["PYTHONPATH"] = str(tree)
    env["SCRAPY_SETTINGS_MODULE"] = "newscrawl.settings"
    return env


def crawl_feed(tree: Path, name: str, out: Path, work: Path) -> Path:
    """One mirror crawl into a fresh store; the feed less ``fetched_at``, lines sorted."""
    raw = work / f"{name}.raw.jsonl"
    command = [sys.executable, "-m", "scrapy", "crawl", *CRAWLS[name], "-O", str(raw)]
    command += ["-s", f"MIRROR_DIR={tree / 'fixtures' / 'mirror'}", "-L", "WARNING"]
    command += ["-s", f"STORE_URL=sqlite:///{work / (name + '.db')}"]
    subprocess.run(command, cwd=tree, env=_env(tree), check=True, capture_output=True)
    lines = []
    for line in raw.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        record.pop("fetched_at", None)
        lines.append(json.dumps(record, ensure_ascii=False, sort_keys=False))
    target = out / f"crawl-{name}.jsonl"
    target.write_text("".join(f"{line}\n" for line in sorted(lines)), encoding="utf-8")
    return target


def extract_set(tree: Path, data: Path, name: str, out: Path) -> Path:
    target = out / f"extract-{name}.jsonl"
    command = [sys.executable, "-c", _EXTRACT, "extract", "--no-profiles"]
    command += ["--manifest", str(data / name / "cases.jsonl")]
    with target.open("w", encoding="utf-8") as sink:
        done = subprocess.run(command, cwd=tree, env=_env(tree), stdout=sink)
    # 1: some pages gave error lines (since the exit statuses of issue 13); they are output
    # like any other and compared as such. Revisions before that exit 0 for them.
    if done.returncode not in (0, 1):
        raise subprocess.CalledProcessError(done.returncode, command)
    return target


def run(tree: Path, out: Path, data: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="golden-") as scratch:
        for name in CRAWLS:
            written.append(crawl_feed(tree, name, out, Path(scratch)))
    for name in SETS:
        if (data / name / "cases.jsonl").exists():
            written.append(extract_set(tree, data, name, out))
    return written


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def compare(base: str, data: Path, keep: Path | None) -> int:
    scratch = Path(tempfile.mkdtemp(prefix="golden-compare-"))
    worktree = scratch / "base"
    subprocess.run(["git", "worktree", "add", "--detach", str(worktree), base], cwd=REPO,
                   check=True, capture_output=True)  # fmt: skip
    try:
        before = run(worktree, (keep or scratch) / "before", data)
        after = run(REPO, (keep or scratch) / "after", data)
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=REPO,
                       check=False, capture_output=True)  # fmt: skip
    differing = 0
    names = {p.name: p for p in before}
    for path in after:
        old = names.pop(path.name, None)
        if old is None:
            print(f"{path.name}: new output (no counterpart at {base})")
            differing += 1
            continue
        old_lines = old.read_text(encoding="utf-8").splitlines()
        new_lines = path.read_text(encoding="utf-8").splitlines()
        changed = sum(a != b for a, b in zip(old_lines, new_lines, strict=False))
        changed += abs(len(old_lines) - len(new_lines))
        verdict = "identical" if old.read_bytes() == path.read_bytes() else f"{changed} differ"
        differing += verdict != "identical"
        print(f"{path.name}: {len(new_lines)} lines, sha256 {digest(path)}, {verdict}")
    for name in names:
        print(f"{name}: missing after the change")
        differing += 1
    if keep is None:
        shutil.rmtree(scratch, ignore_errors=True)
    return 1 if differing else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    verbs = parser.add_subparsers(dest="verb", required=True)
    run_parser = verbs.add_parser("run", help="write the outputs of one checkout")
    run_parser.add_argument("out", type=Path)
    run_parser.add_argument("--tree", type=Path, default=REPO)
    compare_parser = verbs.add_parser("compare", help="compare this checkout with --base")
    compare_parser.add_argument("--base", required=True, help="a git revision")
    compare_parser.add_argument("--keep", type=Path, help="keep both outputs in this folder")
    for sub in (run_parser, compare_parser):
        sub.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of case sets")
    args = parser.parse_args(argv)
    missing = missing_sets(args.data, list(SETS))
    if missing:
        return no_data(
            "bench.golden",
            f"no case set {', '.join(missing)} under {args.data}, so the extraction outputs"
            " cannot be checked",
        )
    if args.verb == "run":
        for path in run(args.tree.resolve(), args.out, args.data):
            lines = path.read_text(encoding="utf-8").count("\n")
            print(f"{path.name}: {lines} lines, sha256 {digest(path)}")
        return 0
    return compare(args.base, args.data, args.keep)


if __name__ == "__main__":
    sys.exit(main())
