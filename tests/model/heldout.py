"""Ensembles on held-out seeds for the stylized-fact and ablation tests.

The model's defaults were tuned on seeds 0–99 only. Every stylized fact and every ablation is
tested on :data:`HELD_OUT`, seeds 1000–1039, fixed before any of them was run and never used
for tuning. A scenario's runs are computed once per test process (two worker processes) and
shared by the test modules that need them.
"""

from __future__ import annotations

import functools
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from sim.analysis.ablations import seed_statistics
from sim.analysis.stylized import Run
from sim.experiment.scenario import load_scenario
from sim.model import RegulatoryModel
from sim.model.params import Params

HELD_OUT: tuple[int, ...] = tuple(range(1000, 1040))
"""Seeds never used for tuning (tuning used 0–99)."""

WORKERS = 2
SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
KEEP_RUNS = ("baseline", "rules_based")
"""Scenarios whose whole runs are kept (stylized facts); the others keep statistics only."""


def scenario_path(name: str) -> Path:
    """``baseline`` and ``rules_based`` from scenarios/, the rest from scenarios/ablations/."""
    top = SCENARIOS / f"{name}.toml"
    return top if name in KEEP_RUNS else SCENARIOS / "ablations" / f"{name}.toml"


@functools.cache
def params(name: str) -> Params:
    """The parameters of a shipped scenario."""
    return load_scenario(scenario_path(name)).params


def _job(job: tuple[str, int]) -> tuple[str, int, Run | None, dict]:
    """Worker: one replication; whole runs only where needed (picklable, module level)."""
    name, seed = job
    p = params(name)
    model = RegulatoryModel(p, rng=seed).run()
    run = Run(model.series(), model.events())
    return name, seed, run if name in KEEP_RUNS else None, seed_statistics(run, p)


_RUNS: dict[str, tuple[Run, ...]] = {}
_STATS: dict[str, tuple[dict, ...]] = {}


def prefetch(names: list[str]) -> None:
    """Run every held-out seed of every scenario not yet run, in one pool."""
    todo = [n for n in dict.fromkeys(names) if n not in _STATS]
    if not todo:
        return
    jobs = [(n, s) for n in todo for s in HELD_OUT]
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=WORKERS, mp_context=ctx) as pool:
        done = list(pool.map(_job, jobs, chunksize=4))
    for n in todo:
        mine = sorted((d for d in done if d[0] == n), key=lambda d: d[1])
        assert [d[1] for d in mine] == list(HELD_OUT)
        _STATS[n] = tuple(d[3] for d in mine)
        if n in KEEP_RUNS:
            _RUNS[n] = tuple(d[2] for d in mine)


def runs(name: str) -> tuple[Run, ...]:
    """Whole runs of a scenario over the held-out seeds (baseline and rules_based only)."""
    prefetch([name])
    return _RUNS[name]


def stats(name: str) -> tuple[dict, ...]:
    """:func:`sim.analysis.ablations.seed_statistics` of each held-out seed, in seed order."""
    prefetch([name])
    return _STATS[name]
