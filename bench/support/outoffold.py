"""Choosing rules and weights out of fold: grid, selection, cross-validation, ablation.

A field's :class:`Study` names its components: each rule (off or on) and each weight
(a few values), the first option being the neutral one (the rule off, the weight equal
to the others'). Every combination is one configuration; the study's ``value`` function
gives a page's field under a configuration, and :class:`Grid` scores every configuration
on every page once (:class:`~bench.support.casesets.Metrics`).

Selection picks the configuration with the best sum of the field's set-level figures over
the chosen pages (ties: the one with fewer non-neutral options). :func:`cross_validate`
selects on K-1 publisher folds and scores the fold left out, for each fold in turn; the
held-out pages' scores, put together, are the out-of-fold figure. :func:`ablate` reruns
the whole procedure with one component held neutral: the component *helps out of fold*
on a set when the out-of-fold figure drops without it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from dataclasses import field as default
from itertools import product
from typing import Any

import numpy as np

from bench.support.casesets import Metrics

Config = tuple[Any, ...]


@dataclass(frozen=True)
class Component:
    name: str
    options: tuple[Any, ...]  # the first is neutral: the rule off, the weight neutral
    today: Any  # what production uses now
    #: A reason beyond these sets to keep it whatever it scores here (pages of a kind the
    #: sets do not hold: the offline mirror's layout, a failure seen on real sites).
    kept_for: str | None = None


@dataclass
class Study:
    """One field's components and how a configuration gives a page's value."""

    field: str
    scored: list[tuple[str, str]]  # (set name, metric name of Metrics)
    components: list[Component]
    value: Callable[[dict[str, Any], dict[str, Any], str, int], Any]  # config, facts, set, i
    need: int  # sets a component must help out of fold on to stay
    #: Values of the settings this study does not vary (another study's components).
    fixed: dict[str, Any] = default(default_factory=dict)
    #: Printed above the study's tables.
    title: str = ""
    #: The components that can change a page's value (default: all); configurations that
    #: agree on them give that page the same value, computed once.
    relevant: Callable[[dict[str, Any]], set[str]] | None = None
    #: Select only among configurations that score no lower than today's on any set (of
    #: the pages selected on): for fields whose target is "no lower" on each set, where a
    #: gain on one set must not be bought with a loss on another.
    floor: bool = False

    def configs(self) -> list[Config]:
        """Every combination, the simplest (fewest non-neutral options) first."""
        found = list(product(*(c.options for c in self.components)))
        return sorted(found, key=self.changes)

    def changes(self, config: Config) -> int:
        return sum(v != c.options[0] for v, c in zip(config, self.components, strict=True))

    def named(self, config: Config) -> dict[str, Any]:
        return {**self.fixed, **{c.name: v for c, v in zip(self.components, config, strict=True)}}

    def today(self) -> Config:
        return tuple(c.today for c in self.components)

    def label(self, config: Config) -> str:
        parts = []
        for component, value in zip(self.components, config, strict=True):
            if isinstance(value, bool):
                parts.append(component.name if value else f"-{component.name}")
            elif isinstance(value, str):
                parts.append(f"{component.name}={value}")
            else:
                parts.append(f"{component.name}={value:g}")
        return " ".join(parts)


class Grid:
    """Per-page scores of every configuration of a study, on every set it is scored on.

    ``rows[set]`` has one row per configuration (in :meth:`Study.configs` order), one
    column per page with ground truth, and the page's score tuple (see
    :meth:`~bench.support.casesets.Metrics.page`) along the last axis; ``folds[set]``
    the fold of each of those pages.
    """

    def __init__(
        self, study: Study, rows: dict[str, np.ndarray], folds: dict[str, np.ndarray]
    ) -> None:
        self.study = study
        self.configs = study.configs()
        self.metric_of = dict(study.scored)
        self.rows, self.folds = rows, folds

    @classmethod
    def scored(
        cls,
        study: Study,
        metrics: dict[str, Metrics],
        facts: dict[str, list[dict[str, Any]]],
        folds: dict[str, list[int]],
        normalise: Callable[[str, Any, dict[str, Any]], Any],
    ) -> Grid:
        """Score every configuration on every page with ``metrics`` (memoised per value)."""
        rows, fold_rows = {}, {}
        for name, metric in study.scored:
            scorer, pages = metrics[name], facts[name]
            with_truth = [i for i in range(len(pages)) if scorer.page(i, metric, None) is not None]
            memo: dict[tuple[int, str], tuple[float, ...]] = {}
            configs = [study.named(config) for config in study.configs()]
            table: list[list[tuple[float, ...]]] = [[] for _ in configs]
            for i in with_truth:
                names = study.relevant(pages[i]) if study.relevant else None
                projected: dict[tuple[Any, ...], tuple[float, ...]] = {}
                for row, named in zip(table, configs, strict=True):
                    shown = tuple(v for n, v in named.items() if names is None or n in names)
                    if shown not in projected:
                        raw = study.value(named, pages[i], name, i)
                        memo_key = (i, repr(raw))
                        if memo_key not in memo:
                            value = normalise(study.field, raw, pages[i])
                            memo[memo_key] = scorer.page(i, metric, value)  # type: ignore[assignment]
                        projected[shown] = memo[memo_key]
                    row.append(projected[shown])
            rows[name] = np.array(table, dtype=float)
            fold_rows[name] = np.array([folds[name][i] for i in with_truth])
        return cls(study, rows, fold_rows)

    def aggregate(self, name: str, rows: np.ndarray) -> np.ndarray:
        """The set-level figure of each configuration over ``rows`` (configs, pages, k)."""
        metric = self.metric_of[name]
        if rows.shape[1] == 0:
            return np.zeros(rows.shape[0])
        if metric == "body":
            p, r = np.nanmean(rows[:, :, 0], axis=1), np.nanmean(rows[:, :, 1], axis=1)
            return np.where(p + r > 0, 2 * p * r / np.where(p + r > 0, p + r, 1), 0.0)
        if metric in ("snippets", "published"):
            tp, fp, fn = (rows[:, :, k].sum(axis=1) for k in range(3))
            total = 2 * tp + fp + fn
            return np.where(total > 0, 2 * tp / np.where(total > 0, total, 1), 0.0)
        return rows[:, :, 0].mean(axis=1)

    def select(self, allowed: np.ndarray, test: Callable[[str], np.ndarray]) -> int:
        """The best allowed configuration on the pages ``test(set)`` marks (with
        ``study.floor``, among those no lower than today's on any set, if there are any)."""
        total = np.zeros(len(self.configs))
        feasible = allowed.copy()
        today = self.configs.index(self.study.today())
        for name in self.rows:
            figures = self.aggregate(name, self.rows[name][:, test(name)])
            total += figures
            if self.study.floor:
                feasible &= figures >= figures[today] - 1e-12
        total = np.where(feasible if feasible.any() else allowed, total, -np.inf)
        return int(np.argmax(total))  # the first maximum: the simplest configuration

    def score(self, index: int, pages: Callable[[str], np.ndarray]) -> dict[str, float]:
        return {
            name: float(self.aggregate(name, self.rows[name][index : index + 1, pages(name)])[0])
            for name in self.rows
        }


@dataclass
class Outcome:
    chosen: int  # selected on every page (the in-fold choice)
    per_fold: list[int]
    in_fold: dict[str, float]
    out_of_fold: dict[str, float]


def cross_validate(grid: Grid, k: int, allowed: np.ndarray) -> Outcome:
    everything = lambda name: np.ones(len(grid.folds[name]), dtype=bool)  # noqa: E731
    chosen = grid.select(allowed, everything)
    per_fold = [grid.select(allowed, lambda name, f=f: grid.folds[name] != f) for f in range(k)]
    out_of_fold = {}
    for name, rows in grid.rows.items():
        held_out = [rows[per_fold[f], grid.folds[name] == f] for f in range(k)]
        stacked = np.concatenate(held_out)[None, :, :]
        out_of_fold[name] = float(grid.aggregate(name, stacked)[0])
    return Outcome(chosen, per_fold, grid.score(chosen, everything), out_of_fold)


def held_mask(grid: Grid, held: Sequence[str]) -> np.ndarray:
    """Configurations in which every component named in ``held`` is neutral, and every
    component kept for a reason beyond the sets (``kept_for``) not in ``held`` is at
    today's value."""
    wanted = {}
    for position, component in enumerate(grid.study.components):
        if component.name in held:
            wanted[position] = component.options[0]
        elif component.kept_for:
            wanted[position] = component.today
    return np.array([all(config[i] == v for i, v in wanted.items()) for config in grid.configs])


@dataclass
class Verdict:
    component: str
    gains: dict[str, float]  # out-of-fold figure with it minus without it, per set
    stays: bool
    step: int = 0  # for a component that goes: the elimination step it went at (1, 2, ...)


def ablate(
    grid: Grid, k: int, allowed: np.ndarray | None = None
) -> tuple[Outcome, list[Verdict], Outcome]:
    """(selection over every component, each component's verdict, selection over those
    that stay).

    Backward elimination: a component stays when, given the others that stay, it helps
    out of fold on ``study.need`` sets (the figure re-selected without it is lower). While
    some component fails that test, the one whose removal costs least (summed over the
    sets) is held neutral and every remaining one is judged again; one at a time, since
    two components that do the same work each look useless while the other is there.
    ``allowed`` excludes configurations outright (a constraint, not a score). A component
    with a ``kept_for`` reason stays at today's value (its verdict still says whether it
    helped on these sets).
    """
    base = np.ones(len(grid.configs), dtype=bool) if allowed is None else allowed
    full = cross_validate(grid, k, base & held_mask(grid, ()))
    held: list[str] = []
    gone: dict[str, Verdict] = {}
    while True:
        current = cross_validate(grid, k, base & held_mask(grid, held))
        verdicts = []
        for component in grid.study.components:
            if component.name in held:
                continue
            without = cross_validate(grid, k, base & held_mask(grid, [*held, component.name]))
            gains = {n: current.out_of_fold[n] - without.out_of_fold[n] for n in grid.rows}
            helped = sum(gain > 1e-12 for gain in gains.values())
            verdicts.append(Verdict(component.name, gains, helped >= grid.study.need))
        failing = [v for v in verdicts if not v.stays and not _kept(grid, v.component)]
        if not failing:
            break
        worst = min(failing, key=lambda v: sum(v.gains.values()))
        worst.step = len(held) + 1
        gone[worst.component] = worst
        held.append(worst.component)
    kept = {v.component: v for v in verdicts}
    ordered = [kept.get(c.name) or gone[c.name] for c in grid.study.components]
    return full, ordered, current


def _kept(grid: Grid, name: str) -> bool:
    return any(c.kept_for for c in grid.study.components if c.name == name)
