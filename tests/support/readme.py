"""README.md's shell blocks as runnable scripts (for tests/test_readme.py).

**The rule.** Every fenced block of README.md tagged ``sh`` or ``cron`` carries, on the
line just before its opening fence, one marker:

- ``<!-- readme-test: run NAME -->``: the block runs offline, as written, in README order,
  in one scratch copy of the project (a user following README.md top to bottom);
  tests/test_readme.py holds what each NAME's block must have done;
- ``<!-- readme-test: skip REASON -->``: not run, for the reason given (a benchmark, the
  test suite itself).

A block without a marker fails the test, so a new example is run or excluded on purpose.

**What "as written" allows**, and nothing else (:meth:`Scratch.script`):

- install steps are not run: ``python3 -m venv ...``, ``. .venv/bin/activate`` and
  ``pip install ...`` parts of a line (the test runs in the environment they make, and the
  package index is not on loopback), nor ``python -m pytest`` (this suite);
- ``scrapy crawl``/``scrapy check`` without ``MIRROR_DIR`` get ``-s
  MIRROR_DIR=fixtures/mirror``, and a Scrapyd ``schedule.json`` call gets the same as a
  ``setting=``: the mirror answers every request, and the proxies point at a closed port
  on 127.0.0.1, so nothing that escaped the mirror could leave the machine;
- the placeholders of a deployment become the test's: ``/srv/newscrawl`` is the scratch
  copy (``/srv/X`` a folder in it), services on ``*.internal`` hosts are the test's
  PostgreSQL and Redis on 127.0.0.1, and Scrapyd's ``127.0.0.1:6800`` a free port;
- a ``cron`` block's schedule fields are dropped and its ``NAME=value`` lines exported
  (as cron does); ``.venv`` in the copy is the test's virtualenv;
- a line ending in ``&`` runs in the background, and when its comment names an
  ``http://127.0.0.1:PORT`` URL, the next line waits until that answers (a user waits for
  the server to come up before typing on).

Each block runs as one bash script (its lines share variables, as in one terminal); the
first line that exits non-zero stops it and is named.
"""

from __future__ import annotations

import re
import shlex
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

CHECKED = ("sh", "cron")
MARKER = re.compile(r"^<!--\s*readme-test:\s*(run|skip)\s+(.+?)\s*-->$")
FENCE = re.compile(r"^```(\S*)\s*$")
SETUP = re.compile(r"^(python3? -m venv\b|\. \.venv/bin/activate$|source \.venv/bin/activate$|"
                   r"pip install\b)")  # fmt: skip
COMMENT = re.compile(r"\s+#\s.*$")
LOCAL_URL = re.compile(r"http://127\.0\.0\.1:\d+")
POSTGRES_PLACEHOLDER = re.compile(r"postgres(?:ql)?://[^\s@/]+@[\w.-]+\.internal(?::\d+)?/\w+")
REDIS_PLACEHOLDER = re.compile(r"redis://(?:[^\s@/]*@)?[\w.-]+\.internal(?::\d+)?/\d+")
SCRAPY = re.compile(r"\bscrapy (crawl|check)\b")


@dataclass
class Block:
    line: int  # of the opening fence, 1-based
    lang: str
    body: list[str]
    marker: tuple[str, str] | None  # ("run", NAME) or ("skip", REASON)

    @property
    def name(self) -> str:
        return self.marker[1] if self.marker and self.marker[0] == "run" else ""


def blocks(readme: str) -> list[Block]:
    """Every fenced block, with the marker on the line before it (if any)."""
    found: list[Block] = []
    lines = readme.splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        end = index + 1
        while end < len(lines) and not lines[end].startswith("```"):
            end += 1
        previous = MARKER.match(lines[index - 1].strip()) if index else None
        marker = (previous.group(1), previous.group(2)) if previous else None
        found.append(Block(index + 1, opening.group(1), lines[index + 1 : end], marker))
        index = end + 1
    return found


def commands(block: Block) -> list[str]:
    """Logical command lines: continuations joined, blank and comment-only lines dropped;
    for cron, the schedule fields dropped and ``NAME=value`` lines exported."""
    joined: list[str] = []
    pending = ""
    for raw in block.body:
        text = pending + raw.strip()
        if text.endswith("\\"):
            pending = text[:-1].rstrip() + " "
            continue
        pending = ""
        if not text or text.startswith("#"):
            continue
        if block.lang == "cron":
            if re.match(r"^[A-Z_][A-Z0-9_]*=", text):
                text = f"export {text}"
            else:
                text = text.split(None, 5)[5]
        joined.append(text)
    return joined


@dataclass
class Scratch:
    """The scratch copy of the project the blocks run in, and the services they meet."""

    root: Path  # the repository
    work: Path
    mirror_setting: str = "MIRROR_DIR=fixtures/mirror"
    postgres_url: str | None = None
    redis_url: str | None = None
    scrapyd_port: int | None = None
    not_run: list[str] = field(default_factory=list)

    def populate(self) -> None:
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        self.work.mkdir(parents=True)
        for name in ("newscrawl", "fixtures"):
            shutil.copytree(self.root / name, self.work / name, ignore=ignore)
        for name in ("setup.py", "pyproject.toml", "README.md", ".gitignore"):
            shutil.copy(self.root / name, self.work / name)
        config = (self.root / "scrapy.cfg").read_text(encoding="utf-8")
        if self.scrapyd_port:
            config = config.replace("127.0.0.1:6800", f"127.0.0.1:{self.scrapyd_port}")
            (self.work / "scrapyd.conf").write_text(
                f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {self.scrapyd_port}\n"
                "poll_interval = 0.5\n"
            )
        (self.work / "scrapy.cfg").write_text(config, encoding="utf-8")
        (self.work / ".venv").symlink_to(Path(sys.prefix))

    # -- one command line, as the rule above allows --------------------------------------
    def command(self, text: str) -> str | None:
        parts = [part.strip() for part in text.split(" && ")]
        kept = [part for part in parts if not SETUP.match(part)]
        if not kept or kept[0].startswith("python -m pytest"):
            self.not_run.append(text)
            return None
        if len(kept) < len(parts):
            self.not_run.append(" && ".join(p for p in parts if SETUP.match(p)))
        text = " && ".join(kept)
        if "MIRROR_DIR=" not in text:
            text = SCRAPY.sub(lambda m: f"{m.group(0)} -s {self.mirror_setting}", text)
            if "/schedule.json" in text:
                text += f" -d setting=MIRROR_DIR={self.work / 'fixtures' / 'mirror'}"
        text = text.replace("/srv/newscrawl", str(self.work))
        text = text.replace("/srv/", f"{self.work}/srv/")
        if self.postgres_url:
            text = POSTGRES_PLACEHOLDER.sub(self.postgres_url, text)
        if self.redis_url:
            text = REDIS_PLACEHOLDER.sub(self.redis_url, text)
        if self.scrapyd_port:
            text = text.replace("127.0.0.1:6800", f"127.0.0.1:{self.scrapyd_port}")
        return text

    def script(self, block: Block) -> str:
        """The block as a bash script that names the first line that fails."""
        lines = []
        for number, text in enumerate(commands(block), 1):
            comment = COMMENT.search(text)
            url = LOCAL_URL.search(comment.group(0)) if comment else None
            text = COMMENT.sub("", text)
            command = self.command(text)
            if command is None:
                continue
            if command.endswith("&"):
                lines.append(command)
                if url:
                    wait = self.command(url.group(0)) or url.group(0)
                    lines.append(
                        f"for _ in $(seq 300); do curl -s -o /dev/null {shlex.quote(wait)}"
                        " && break; sleep 0.2; done"
                    )
                continue
            lines.append(command)
            lines.append(
                f'status=$?; if [ $status -ne 0 ]; then echo "readme-test: command {number}'
                f' exited $status: "{shlex.quote(command)} >&2; exit $status; fi'
            )
        return "\n".join(lines) + "\n"
