"""Parameter recovery: calibrate against synthetic records made from known parameters.

A *synthetic truth* is a parameter vector drawn from the prior (seeded). Its synthetic record is
the fitted statistics of one simulation at the truth, with a seed that no calibration
simulation uses (:data:`TRUTH_ROOT` enters the hash), so the synthetic record is one
realisation, like the real one. Calibrating against it and checking whether the credible
intervals cover the truth says whether the machinery recovers what it can, and how often a
50 % / 90 % interval holds the truth (ideally about 50 % / 90 % over many truths: ABC with a
finite ε widens intervals, so coverage above nominal is expected and below nominal is a fault).

Each truth's calibration is written to its own folder (``truth-NNN``) so that a study can be
stopped and resumed truth by truth: a truth whose ``truth.json`` exists is done (also when
pyabc stopped it early), and a folder whose stored truth differs from the one drawn is refused.
The truths depend on the seed *and* the number of truths (each parameter's column is drawn in
turn): resume a study with the same ``truths`` and ``seed``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..model.params import Params
from .abc import (
    DATABASE,
    CalibrationSettings,
    SimulationModel,
    calibrate,
    simulation_seed,
)
from .report import posterior_summary

__all__ = ["TRUTH_ROOT", "coverage_table", "recovery_study", "synthetic_observed"]

TRUTH_ROOT = 0x7EC0
"""Mixed into the synthetic records' seeds: no calibration simulation shares them."""


def synthetic_observed(settings: CalibrationSettings, base: Params,
                       truth: Sequence[float], index: int) -> tuple[float, ...]:
    """The fitted statistics of one simulation at ``truth`` (the synthetic record)."""
    model = SimulationModel(base, settings.keys, settings.statistics, settings.end_month,
                            root=settings.seed ^ TRUTH_ROOT, replications=1)
    seed = simulation_seed(settings.seed ^ TRUTH_ROOT, truth, index)
    from .statistics import simulate

    stats = simulate(model.params_of(truth), seed, end_month=settings.end_month,
                     names=settings.statistics)
    return tuple(float(stats[s]) for s in settings.statistics)


def recovery_study(settings: CalibrationSettings, base: Params, folder: str | Path, *,
                   truths: int = 20, seed: int = 1000, backend: str = "processes",
                   workers: int | None = None, progress: bool = True) -> pd.DataFrame:
    """Calibrate against ``truths`` synthetic records; one row per truth and parameter.

    Args:
        settings: the calibration settings (population, generations ... of the study: a
            reduced setting is fine; the observed values are replaced by each synthetic record).
        base: the scenario's parameters.
        folder: the study's folder (``truth-NNN`` subfolders; a finished truth is not redone).
        truths: how many synthetic truths.
        seed: the seed of the truths' draws from the prior.
        backend: the calibrations' backend (see :func:`sim.calibration.abc.calibrate`).
        workers: processes.
        progress: one line a truth on stderr.

    Returns:
        columns ``truth_id``, ``parameter``, ``truth``, ``median``, ``q05``, ``q25``, ``q75``,
        ``q95``, ``width_ratio``, ``in50``, ``in90`` (also written as ``recovery.csv``).
    """
    import sys

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    draws = np.column_stack([rng.uniform(lo, hi, size=truths)
                             for _, lo, hi in settings.parameters])
    rows = []
    for i in range(truths):
        truth = tuple(float(v) for v in draws[i])
        sub = folder / f"truth-{i:03d}"
        observed = synthetic_observed(settings, base, truth, i)
        s_i = dataclasses.replace(settings, observed=observed, seed=settings.seed + i,
                                  record=f"synthetic truth {i}", record_sha256="")
        marker = sub / "truth.json"  # written when the truth's calibration has finished
        if marker.is_file():
            stored = json.loads(marker.read_text())
            if [stored[k] for k in settings.keys] != list(truth):
                raise ValueError(f"{sub}: its truth differs from draw {i} of seed {seed} "
                                 "(another study's folder?)")
        else:
            calibrate(s_i, base, sub, backend=backend, workers=workers,
                      resume=(sub / DATABASE).is_file(), progress=False)
            marker.write_text(json.dumps(dict(zip(settings.keys, truth, strict=True)),
                                         indent=2))
        summary = posterior_summary(sub, s_i)
        for row in summary.itertuples():
            t = truth[settings.keys.index(row.parameter)]
            rows.append({"truth_id": i, "parameter": row.parameter, "truth": t,
                         "median": row.median, "q05": row.q05, "q25": row.q25,
                         "q75": row.q75, "q95": row.q95, "width_ratio": row.width_ratio,
                         "in50": bool(row.q25 <= t <= row.q75),
                         "in90": bool(row.q05 <= t <= row.q95)})
        if progress:
            print(f"[recovery] truth {i + 1}/{truths} done", file=sys.stderr, flush=True)
    table = pd.DataFrame(rows)
    table.to_csv(folder / "recovery.csv", index=False)
    return table


def coverage_table(table: pd.DataFrame) -> pd.DataFrame:
    """Per parameter: coverage of the 50 % and 90 % intervals and the median width ratio.

    A parameter whose median posterior-to-prior width stays near 1 is one the statistics cannot
    identify (``identified`` is False at a median ratio of 0.75 or more).
    """
    g = table.groupby("parameter", sort=False)
    out = pd.DataFrame({
        "truths": g.size(),
        "coverage50": g["in50"].mean(),
        "coverage90": g["in90"].mean(),
        "width_ratio_median": g["width_ratio"].median(),
        "abs_error_median": g.apply(lambda t: float(np.median(np.abs(t["median"] - t["truth"]))),
                                    include_groups=False),
    }).reset_index()
    out["identified"] = out["width_ratio_median"] < 0.75
    return out
