"""MODEL.md §5: the stylized facts of the baseline, on held-out seeds 1000–1039.

The defaults were tuned on seeds 0–99; these seeds were fixed before any of these checks was
run on them and were never used for tuning. :func:`sim.analysis.stylized.stylized_facts`
measures every check over the baseline and the same seeds in rules mode (fact 13). There is
one test per row of its table; each prints ``fact N [kind]: <check>: measured X (bound B)``
(shown with ``pytest -s`` or ``-rA``) and asserts that the row holds. Rows labelled *assumed*
hold by a rule of the code (a cap, a floor, a time constant): they are checked so that a change
that breaks them is seen, but they are not counted as reproduced; rows labelled *reported*
have no bound.

Definitions fixed in advance: a LOOSE median excludes the initial spell (the median including
it is reported); "ends within 60 months" counts crackdowns that start ≥ 60 months before the
horizon, a ban counting as an end; "well above" means ≥ 0.1 in share; "mostly" means > 0.5 of
≥ 10 events.
"""

import warnings

import pytest
from heldout import HELD_OUT, params, prefetch, runs

from sim.analysis.stylized import EMERGENT, FACT_COLUMNS, stylized_facts

pytestmark = pytest.mark.slow


def _row_labels() -> list[tuple[int, str]]:
    """The table's rows, known at collection time (the checker returns them for no runs)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        empty = stylized_facts([], params("baseline"), [])
    return list(zip(empty.fact.tolist(), empty.check.tolist(), strict=True))


ROWS = _row_labels()

KNOWN_MISSES = {
    (3, "share of non-aligned first onsets in the first four years"):
        "held-out seeds: 1 of 160 first onsets falls in the first four years (seed 1031, "
        "edtech, month 26: a scandal near the magnitude cap revealed enough hidden harm to "
        "cross the threshold). The bound 'none' was stated before these seeds were run; the "
        "miss is reported, not hidden, and the bound is not moved after the fact.",
}
"""Rows that fail on the held-out seeds, with why: expected failures (strict), so a change
that makes them hold is noticed too."""


def _id(index: int) -> str:
    fact, check = ROWS[index]
    words = "".join(c if c.isascii() and c.isalnum() else " " for c in check).split()
    return f"fact{fact:02d}-{'-'.join(words[:6])}"


@pytest.fixture(scope="module")
def facts():
    prefetch(["baseline", "rules_based"])
    return stylized_facts(runs("baseline"), params("baseline"), runs("rules_based"))


def test_seeds_are_held_out():
    assert min(HELD_OUT) >= 1000 and len(HELD_OUT) >= 20


def test_the_table_covers_every_fact(facts):
    assert list(facts.columns) == list(FACT_COLUMNS)
    assert list(zip(facts.fact, facts.check, strict=True)) == ROWS
    assert set(facts.fact) == set(range(1, 14))
    # most checks must be emergent: the facts are reproduced, not decreed
    assert (facts.kind == EMERGENT).sum() >= 20


def _cases() -> list:
    cases = []
    for index, key in enumerate(ROWS):
        reason = KNOWN_MISSES.get(key)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        cases.append(pytest.param(index, marks=marks, id=_id(index)))
    return cases


@pytest.mark.parametrize("index", _cases())
def test_stylized_fact(facts, index):
    row = facts.iloc[index]
    line = (f"fact {row.fact} [{row.kind}]: {row.check}: measured {row.measured:.4g} "
            f"(bound {row.bound})")
    print(line)
    assert row.holds, line
