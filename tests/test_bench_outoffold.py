"""The out-of-fold machinery of the benches (bench/support/casesets.py, outoffold.py), on
case lists and scores written here: folds keep a publisher together, selection never sees
the fold it is scored on, and a rule stays only when it helps on enough sets."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.support.casesets import CaseSet, publisher, publisher_folds
from bench.support.outoffold import Component, Grid, Study, ablate, cross_validate, held_mask


def case(number: int, host: str | None) -> dict:
    url = f"https://{host}/story-{number}" if host else f"hard::{number}.html"
    return {"id": f"c{number}", "url": url, "expected": {}}


def test_publisher_is_the_host_without_www_and_a_case_without_url_is_alone() -> None:
    assert publisher(case(1, "www.Quay-News.example")) == "quay-news.example"
    assert publisher(case(2, "quay-news.example")) == "quay-news.example"
    assert publisher(case(3, None)) == "id:c3"


def test_folds_keep_one_host_in_one_fold_in_every_set() -> None:
    first = CaseSet("a", Path("."), [case(i, f"h{i % 7}.example") for i in range(40)])
    second = CaseSet("b", Path("."), [case(100 + i, f"h{i % 5}.example") for i in range(30)])
    folds = publisher_folds([first, second], 3)
    fold_of: dict[str, set[int]] = {}
    for case_set in (first, second):
        for item, fold in zip(case_set.cases, folds[case_set.name], strict=True):
            fold_of.setdefault(publisher(item), set()).add(fold)
    assert all(len(f) == 1 for f in fold_of.values())
    assert {f for fs in fold_of.values() for f in fs} == {0, 1, 2}
    assert publisher_folds([first, second], 3) == folds  # the same split on every run


def study(components: list[Component]) -> Study:
    return Study(field="x", scored=[("a", "x"), ("b", "x")], components=components,
                 value=lambda *_: None, need=2)  # fmt: skip


def grid_of(the_study: Study, score: dict[str, np.ndarray], folds: np.ndarray) -> Grid:
    """Per-page 0/1 scores: ``score[set][config, page]``."""
    rows = {name: table[:, :, None].astype(float) for name, table in score.items()}
    return Grid(the_study, rows, {name: folds for name in score})


def test_a_rule_that_helps_every_publisher_stays_and_a_useless_one_goes() -> None:
    the_study = study([Component("good", (False, True), True),
                       Component("idle", (False, True), True)])  # fmt: skip
    configs = the_study.configs()
    folds = np.repeat(np.arange(5), 4)  # 20 pages, 4 per fold
    table = np.zeros((len(configs), 20))
    for index, config in enumerate(configs):
        named = the_study.named(config)
        table[index] = 1.0 if named["good"] else np.tile([1, 0], 10)
    grid = grid_of(the_study, {"a": table, "b": table}, folds)
    full, verdicts, final = ablate(grid, 5)
    assert [(v.component, v.stays) for v in verdicts] == [("good", True), ("idle", False)]
    assert configs[final.chosen] == (True, False)  # ties go to the simpler configuration
    assert final.out_of_fold == {"a": 1.0, "b": 1.0}


def test_a_rule_fitted_to_one_publisher_does_not_help_out_of_fold() -> None:
    """On, the rule fixes the pages of fold 0 only: chosen on the other folds it is off
    (nothing to gain there), so the pages it fixes are never scored with it."""
    the_study = study([Component("fitted", (False, True), True)])
    folds = np.repeat(np.arange(5), 4)
    table = np.ones((2, 20))
    table[0, :4] = 0.0  # off: the four pages of fold 0 wrong
    grid = grid_of(the_study, {"a": table, "b": table}, folds)
    outcome = cross_validate(grid, 5, held_mask(grid, ()))
    assert outcome.in_fold == {"a": 1.0, "b": 1.0}
    assert outcome.out_of_fold == {"a": 0.8, "b": 0.8}
    _, verdicts, _ = ablate(grid, 5)
    assert not verdicts[0].stays


def test_a_rule_kept_for_a_reason_stays_at_todays_value() -> None:
    the_study = study([Component("mirror", (False, True), True, kept_for="mirror pages")])
    grid = grid_of(the_study, {"a": np.ones((2, 10)), "b": np.ones((2, 10))}, np.arange(10) % 5)
    _, verdicts, final = ablate(grid, 5)
    assert not verdicts[0].stays  # it helps nowhere on these sets...
    assert the_study.configs()[final.chosen] == (True,)  # ...and stays on


# ---------------------------------------------------------------- resiliparse as a vote

STORY = [
    "The lock keepers on the old canal asked the council on Friday for a second crew.",
    "Barge traffic has doubled since the towpath reopened, they said in a letter.",
    "A council spokesman said the request would be discussed at the next meeting.",
    "Boat owners have offered to help with the gates at weekends until then.",
]
LEAD = "Canal lock keepers want more help as barge traffic doubles along the old waterway."
BOX = "Sign up for our weekly canal newsletter and never miss a story from the towpath."


def test_resiliparse_lead_opens_the_body_only_when_it_is_prose_before_the_opening() -> None:
    from bench.support.enginevotes import with_resiliparse_lead

    seen = ["Home", LEAD, *STORY]
    assert with_resiliparse_lead(STORY, seen, None) == [LEAD, *STORY]
    assert with_resiliparse_lead(STORY, ["Home", "Canal news", *STORY], None) == STORY
    assert with_resiliparse_lead([LEAD, *STORY], seen, None) == [LEAD, *STORY]
    assert with_resiliparse_lead(STORY, seen, LEAD) == STORY  # the headline is not a lead


def test_a_box_both_other_sources_lack_is_dropped_only_when_both_witness() -> None:
    from bench.support.enginevotes import without_unseen

    body = [*STORY[:2], BOX, *STORY[2:]]
    assert without_unseen(body, STORY, STORY, "both") == STORY
    assert without_unseen(body, STORY, [], "both") == body  # one witness is not enough
    assert without_unseen(body, STORY, [], "any") == STORY
    assert without_unseen(body, [BOX], STORY, "any") == body  # resiliparse found another text
    assert without_unseen(body, STORY, STORY, "off") == body


def test_reached_compares_an_out_of_fold_figure_with_its_target() -> None:
    from bench.extraction_quality import reached

    assert reached("0.961", ">=0.965") == "no"
    assert reached("0.970", ">=0.965") == "yes"
    assert reached("1.22x", "<=1.3x") == "yes"
    assert reached("", ">=0.965") == ""
    assert reached("0.925", "-") == ""  # a row without a target
