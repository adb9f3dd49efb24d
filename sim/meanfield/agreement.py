"""The reduced model against the ABM: cycle lengths, periods and regime classes (issue #15).

Both models are read the same way: phase codes per sector and month
(:class:`sim.model.states.Phase` values), cut into episodes and classified by
:mod:`sim.analysis.regimes`. The ABM's runs are cached as phase codes (``.npz``) so that a
comparison re-runs nothing it has run before.

* :func:`cycle_lengths`: median LOOSE, CRACKDOWN and COMPROMISE lengths and the onset-to-onset
  period, per sector and pooled, from one run's or an ensemble's phases;
* :func:`compare_lengths`: those of the ABM (an ensemble, medians over every episode of every
  seed) beside the reduced model's (its one median path) at a set of parameter points;
* :func:`latin_hypercube`: points over the parameters that matter (seeded, reproducible);
* :func:`cohen_kappa` and :func:`map_agreement`: regime classes cell by cell.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from ..analysis.frames import phase_codes
from ..analysis.regimes import RegimeClass, classify_rows, modal_class
from ..model.params import Params
from .model import COMPROMISE, CRACKDOWN, LOOSE, simulate
from .reduction import CLOSURE, Closure, reduce

__all__ = ["LENGTHS", "abm_phases", "cohen_kappa", "compare_lengths", "cycle_lengths",
           "latin_hypercube", "map_agreement", "reduced_phases"]

LENGTHS: dict[str, str] = {
    "lax": "median LOOSE length (complete episodes, the initial one left out), months",
    "crackdown": "median CRACKDOWN length (complete episodes), months",
    "compromise": "median COMPROMISE length (complete episodes), months",
    "period": "median months from one crackdown onset to the next (same sector)",
}
"""What :func:`cycle_lengths` measures."""


def _episodes(codes: np.ndarray) -> list[tuple[int, int, int]]:
    """(phase, start, stop) of each maximal block of one sector's codes; stop exclusive."""
    x = np.asarray(codes)
    if x.size == 0:
        return []
    cut = np.flatnonzero(np.diff(x)) + 1
    starts = np.concatenate(([0], cut))
    stops = np.concatenate((cut, [x.size]))
    return [(int(x[a]), int(a), int(b)) for a, b in zip(starts, stops, strict=True)]


def _sector_lengths(codes: np.ndarray) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {k: [] for k in LENGTHS}
    eps = _episodes(codes)
    onsets = [a for p, a, _ in eps if p == CRACKDOWN and a > 0]
    out["period"] = np.diff(onsets).astype(float).tolist()
    for p, a, b in eps:
        if a == 0 or b == len(codes):
            continue  # censored: we do not know when it began or would have ended
        key = {LOOSE: "lax", CRACKDOWN: "crackdown", COMPROMISE: "compromise"}.get(p)
        if key:
            out[key].append(float(b - a))
    return out


def cycle_lengths(phases: np.ndarray, sectors: Sequence[str],
                  pooled: Sequence[str] | None = None) -> pd.DataFrame:
    """Median cycle lengths of one run or an ensemble.

    Args:
        phases: phase codes ``(sectors, months)`` for one run or ``(runs, sectors, months)``
            for an ensemble (medians over every episode of every run).
        sectors: the sector names, in the array's order.
        pooled: sectors pooled into a row ``pooled`` (default: none).

    Returns:
        One row per sector (and ``pooled``): the medians of :data:`LENGTHS` (NaN without an
        episode) and ``n_<key>``, the number of episodes behind each.
    """
    arr = np.asarray(phases)
    runs = arr[None] if arr.ndim == 2 else arr
    lists = {s: {k: [] for k in LENGTHS} for s in sectors}
    for run in runs:
        for j, s in enumerate(sectors):
            for k, v in _sector_lengths(run[j]).items():
                lists[s][k] += v
    if pooled:
        lists["pooled"] = {k: [v for s in pooled for v in lists[s][k]] for k in LENGTHS}
    rows = []
    for name, d in lists.items():
        row: dict[str, Any] = {"sector": name}
        for k, v in d.items():
            row[k] = float(np.median(v)) if v else float("nan")
            row[f"n_{k}"] = len(v)
        rows.append(row)
    return pd.DataFrame(rows)


def _key(params: Params, seeds: Sequence[int], months: int) -> str:
    blob = json.dumps({"p": params.to_flat_dict(), "seeds": list(seeds), "months": months},
                      sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def abm_phases(params: Params, seeds: Sequence[int], months: int,
               cache: Path | None = None) -> np.ndarray:
    """The ABM's phase codes ``(runs, sectors, months)`` (int8), one run per seed.

    Runs ``RegulatoryModel(params, rng=seed)`` for ``months`` months (the compiled engine),
    or reads them from ``cache`` (a folder; one ``.npz`` per parameter point, seeds and
    horizon, named by their hash).
    """
    from ..model.model import RegulatoryModel  # the ABM: imported only when it has to run

    path = None
    if cache is not None:
        path = Path(cache) / f"abm-{_key(params, seeds, months)}.npz"
        if path.exists():
            return np.load(path)["phases"]
    p = params.override({"run.months": months})
    out = np.empty((len(seeds), len(p.sectors), months), dtype=np.int8)
    for k, seed in enumerate(seeds):
        model = RegulatoryModel(p, rng=seed)
        model.run(months)
        series = model.series()
        for j, name in enumerate(p.sector_names):
            out[k, j] = phase_codes(series[f"phase.{name}"]).astype(np.int8)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, phases=out)
    return out


def reduced_phases(points: Sequence[Params], months: int,
                   closure: Closure = CLOSURE) -> np.ndarray:
    """The reduced model's phase codes ``(points, sectors, months)``, all points at once."""
    return simulate(reduce(list(points), closure), months).phases


def latin_hypercube(ranges: Mapping[str, tuple[float, float]], n: int, seed: int,
                    base: Params | None = None) -> tuple[pd.DataFrame, list[Params]]:
    """``n`` Latin-hypercube points over ``ranges`` (dotted key → (low, high)).

    Returns the design (one row per point, one column per key) and the parameter points
    (``base`` with the point's values). Seeded: the same ``seed`` gives the same points.
    """
    keys = list(ranges)
    unit = qmc.LatinHypercube(d=len(keys), seed=np.random.default_rng(seed)).random(n)
    lo = np.array([ranges[k][0] for k in keys])
    hi = np.array([ranges[k][1] for k in keys])
    values = lo + unit * (hi - lo)
    design = pd.DataFrame(values, columns=keys)
    base = base or Params()
    points = [base.override(dict(zip(keys, row, strict=True))) for row in values]
    return design, points


def compare_lengths(points: Sequence[Params], seeds: Sequence[int], months: int,
                    sectors: Sequence[str] | None = None, pooled: Sequence[str] | None = None,
                    cache: Path | None = None, closure: Closure = CLOSURE) -> pd.DataFrame:
    """The ABM's ensemble medians beside the reduced model's, point by point.

    Returns one row per point and sector (and ``pooled``): ``point``, ``sector``, then for
    each key of :data:`LENGTHS` ``<key>_abm``, ``<key>_mf`` and ``<key>_err`` (relative error
    of the reduced model, (mf − abm)/abm).
    """
    names = list(sectors or points[0].sector_names)
    idx = [points[0].sector_names.index(s) for s in names]
    mf = reduced_phases(points, months, closure)
    rows = []
    for k, p in enumerate(points):
        a = cycle_lengths(abm_phases(p, seeds, months, cache)[:, idx], names, pooled)
        b = cycle_lengths(mf[k][idx], names, pooled)
        for (_, ra), (_, rb) in zip(a.iterrows(), b.iterrows(), strict=True):
            row: dict[str, Any] = {"point": k, "sector": ra["sector"]}
            for key in LENGTHS:
                row[f"{key}_abm"], row[f"{key}_mf"] = ra[key], rb[key]
                row[f"{key}_err"] = (rb[key] - ra[key]) / ra[key] if ra[key] else np.nan
            rows.append(row)
    return pd.DataFrame(rows)


def cohen_kappa(a: Sequence[str] | np.ndarray, b: Sequence[str] | np.ndarray) -> float:
    """Cohen's κ of two labellings of the same items: (p_o − p_e)/(1 − p_e).

    p_o is the share of items labelled alike, p_e the share expected by chance from each
    labelling's class frequencies. 1 when both labellings are identical and not constant; NaN
    when both are one and the same class (chance agreement is then 1).
    """
    x, y = np.asarray(a, dtype=str), np.asarray(b, dtype=str)
    if x.shape != y.shape or x.size == 0:
        raise ValueError("two non-empty labellings of the same items are needed")
    classes = np.union1d(x, y)
    p_o = float(np.mean(x == y))
    p_e = float(sum(np.mean(x == c) * np.mean(y == c) for c in classes))
    return float("nan") if p_e >= 1.0 else (p_o - p_e) / (1.0 - p_e)


def map_agreement(abm: Sequence[str], reduced: Sequence[str]) -> dict[str, Any]:
    """κ, share of cells agreeing and the confusion table (rows ABM, columns reduced)."""
    x, y = np.asarray(abm, dtype=str), np.asarray(reduced, dtype=str)
    present = set(x) | set(y)
    order = [c.value for c in RegimeClass if c.value in present]
    order += sorted(present - set(order))
    table = pd.crosstab(pd.Categorical(x, order), pd.Categorical(y, order), dropna=False,
                        rownames=["abm"], colnames=["reduced"])
    return {"kappa": cohen_kappa(x, y), "agree": float(np.mean(x == y)), "cells": int(x.size),
            "confusion": table}


def abm_cells(points: Sequence[Params], seeds: Sequence[int], months: int, sector: str,
              stuck_months: int = 120, cache: Path | None = None) -> pd.DataFrame:
    """The ABM's regime per cell for one sector: modal class, its share, median period."""
    j = points[0].sector_names.index(sector)
    rows = []
    for k, p in enumerate(points):
        runs = classify_rows(abm_phases(p, seeds, months, cache)[:, j],
                             stuck_months=stuck_months)
        regime, share = modal_class(runs["regime"])
        rec = runs.loc[runs["regime"] == RegimeClass.RECURRENT.value, "period"].dropna()
        rows.append({"cell": k, "regime": regime, "share": share,
                     "period": float(rec.median()) if len(rec) else float("nan")})
    return pd.DataFrame(rows)
