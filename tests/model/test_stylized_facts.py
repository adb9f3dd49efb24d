"""MODEL.md §5: the stylized facts of the baseline, measured over seeds 0–19.

The baseline and the same seeds in rules mode (for fact 12) run once per session, in two worker
processes, and :func:`sim.analysis.stylized.stylized_facts` measures every check. There is one
test per row of its table; each prints ``fact N: <check>: measured X (bound B)`` (shown with
``pytest -s`` or ``-rA``) and asserts that the row holds.

Tolerance: none beyond the bounds of the table itself; the seeds are fixed, so the measured
figures are exact numbers that only change when the model does.
"""

import multiprocessing
import warnings
from concurrent.futures import ProcessPoolExecutor

import pytest

from sim.analysis.stylized import FACT_COLUMNS, Run, stylized_facts
from sim.model import RegulatoryModel
from sim.params import Params

pytestmark = pytest.mark.slow

SEEDS = range(20)
WORKERS = 2
BASELINE = Params()
RULES = BASELINE.override({"leadership.mode": "rules"})


def _run(job: tuple[str, int]) -> tuple[str, int, Run]:
    """Worker: one replication (picklable, module level)."""
    mode, seed = job
    params = RULES if mode == "rules" else BASELINE
    model = RegulatoryModel(params, rng=seed).run()
    return mode, seed, Run(model.series(), model.events())


def _row_labels() -> list[tuple[int, str]]:
    """The table's rows, known at collection time (the checker returns them for no runs)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        empty = stylized_facts([], BASELINE, [])
    return list(zip(empty.fact.tolist(), empty.check.tolist(), strict=True))


ROWS = _row_labels()


def _id(index: int) -> str:
    fact, check = ROWS[index]
    words = "".join(c if c.isascii() and c.isalnum() else " " for c in check).split()
    return f"fact{fact:02d}-{'-'.join(words[:6])}"


@pytest.fixture(scope="module")
def facts():
    jobs = [(mode, seed) for mode in ("campaign", "rules") for seed in SEEDS]
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=WORKERS, mp_context=ctx) as pool:
        done = list(pool.map(_run, jobs, chunksize=5))
    runs = [run for mode, _, run in sorted(done, key=lambda d: d[1]) if mode == "campaign"]
    rules = [run for mode, _, run in sorted(done, key=lambda d: d[1]) if mode == "rules"]
    assert len(runs) == len(rules) == len(SEEDS)
    return stylized_facts(runs, BASELINE, rules)


def test_the_table_covers_every_fact(facts):
    assert list(facts.columns) == list(FACT_COLUMNS)
    assert list(zip(facts.fact, facts.check, strict=True)) == ROWS
    assert set(facts.fact) == set(range(1, 13))


@pytest.mark.parametrize("index", range(len(ROWS)), ids=_id)
def test_stylized_fact(facts, index):
    row = facts.iloc[index]
    line = (f"fact {row.fact}: {row.check}: measured {row.measured:.4g} "
            f"(bound {row.bound})")
    print(line)
    assert row.holds, line
