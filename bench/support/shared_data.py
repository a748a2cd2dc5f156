"""The shared extraction case sets some benches read, and what to say when they are absent.

``../shared/data/extraction`` (beside the repository, not in it) holds real third-party
news pages with ground truth, in three sets (``fundus``, ``trafilatura``, ``htmldate``),
scored by ``../shared/eval/score.py``. They come from those projects' evaluation corpora
(flairNLP/fundus' parser test data, adbar/trafilatura's evaluation corpus, adbar/htmldate's
``eval_default.json``), put in one format by the development environment; their README
there says how. They are not the project's: benches may read them, never copy them in.

A bench that needs them and does not find them says so and where they come from, and exits
with :data:`EXIT_NO_DATA`: a bench run that measured nothing must not look like a pass.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "extraction"
SETS = ("fundus", "trafilatura", "htmldate")
EXIT_NO_DATA = 2

ORIGIN = (
    "the shared extraction case sets are not part of this repository: they are real"
    " third-party pages with ground truth (the evaluation corpora of fundus, trafilatura and"
    " htmldate, in one format), kept beside it in ../shared/data/extraction by the"
    " development environment, with ../shared/eval/score.py; give another folder with"
    " --data DIR"
)


def no_data(bench: str, what: str) -> int:
    """Say what is missing and where the data comes from; the status to exit with."""
    print(f"{bench}: {what}; {ORIGIN}", file=sys.stderr)
    return EXIT_NO_DATA


def missing_sets(data: Path, wanted: list[str] | None) -> list[str]:
    """The sets asked for (all known ones when none is named) that ``data`` lacks."""
    return [name for name in (wanted or SETS) if not (data / name / "cases.jsonl").is_file()]
