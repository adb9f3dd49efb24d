"""Regime maps of the reduced model over two parameters, every cell integrated at once.

A map is a grid of parameter points (:func:`grid_points`); the reduced model runs them as one
batch (:func:`sim.meanfield.model.simulate`: arrays of shape ``(cells,)`` per sector) and each
cell's trajectory is classified by :mod:`sim.analysis.regimes`, the classification the ABM's
maps (``regcycle regimes``) use. The reduced model is deterministic, so a cell has one run:
its class's share is 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..analysis.regimes import STUCK_MONTHS, RegimeClass, regime_of
from ..model.params import Params
from .model import simulate
from .reduction import CLOSURE, Closure, reduce

__all__ = ["Axis", "classify_cells", "grid_points", "reduced_map"]


@dataclass(frozen=True, slots=True)
class Axis:
    """One axis of a map: a dotted parameter key and ``n`` evenly spaced values in [lo, hi]."""

    key: str
    lo: float
    hi: float
    n: int

    def values(self) -> np.ndarray:
        """The axis's values (``n`` evenly spaced, both ends included)."""
        if self.n < 1:
            raise ValueError(f"{self.key}: an axis needs at least one value, got n = {self.n}")
        return np.linspace(self.lo, self.hi, self.n)


def grid_points(base: Params, x: Axis, y: Axis) -> tuple[pd.DataFrame, list[Params]]:
    """Every (x, y) cell of a map: the cell table's coordinates and the parameter points.

    Cells run x fastest (row-major in y), as ``regcycle regimes`` lays out its cells. A value
    outside a parameter's allowed range raises :class:`sim.model.params.ParameterError`.
    """
    xs, ys = x.values(), y.values()
    cells = pd.DataFrame({"x": np.tile(xs, ys.size), "y": np.repeat(ys, xs.size)})
    points = [base.override({x.key: float(a), y.key: float(b)})
              for a, b in zip(cells["x"], cells["y"], strict=True)]
    return cells, points


def classify_cells(codes: np.ndarray, stuck_months: int = STUCK_MONTHS) -> pd.DataFrame:
    """The regime class of each row of phase codes, for many rows at once.

    What :func:`sim.analysis.regimes.classify_rows` returns for ``regime``, ``n_crackdowns``,
    ``open_crackdown`` and ``period`` (a test checks they agree), with the three numbers a class
    depends on computed as array operations and the class itself from
    :func:`sim.analysis.regimes.regime_of` (the classes are defined there, once). A 100 × 100
    map has 50,000 rows of 1,200 months: row by row takes seconds.

    Args:
        codes: rows × months of phase codes.
        stuck_months: N (see :mod:`sim.analysis.regimes`).
    """
    x = np.asarray(codes)
    n = x.shape[1]
    crack = (x == 2).astype(np.int8)
    edge = np.diff(np.concatenate([np.zeros((len(x), 1), np.int8), crack,
                                   np.zeros((len(x), 1), np.int8)], axis=1), axis=1)
    starts = edge[:, :n] == 1
    n_crack = starts.sum(axis=1)
    last = n - 1 - np.argmax(starts[:, ::-1], axis=1)
    open_len = np.where(crack[:, -1] == 1, n - last, 0).astype(float)
    banned = (x == -1).any(axis=1)
    onsets = starts.copy()
    onsets[:, 0] = False
    period = np.full(len(x), np.nan)
    for k in np.flatnonzero(onsets.sum(axis=1) >= 2):
        period[k] = float(np.median(np.diff(np.flatnonzero(onsets[k]))))
    regime = [regime_of(int(c), float(o), bool(b), stuck_months=stuck_months).value
              for c, o, b in zip(n_crack, open_len, banned, strict=True)]
    return pd.DataFrame({"regime": regime, "n_crackdowns": n_crack, "open_crackdown": open_len,
                         "period": period})


def reduced_map(base: Params, x: Axis, y: Axis, months: int,
                sectors: Sequence[str] | None = None, stuck_months: int = STUCK_MONTHS,
                closure: Closure = CLOSURE) -> pd.DataFrame:
    """The reduced model's regime map: one row per cell and sector.

    Args:
        base: the parameters every cell starts from.
        x: horizontal axis.
        y: vertical axis.
        months: horizon (1,200 to see recurrence).
        sectors: sectors to classify (default: all).
        stuck_months: N, months after which a crackdown still running is STUCK.
        closure: the reduction's constants.

    Returns:
        Columns ``x``, ``y``, ``sector``, ``regime`` (class), ``share`` (1: one deterministic
        run), ``period`` (median onset-to-onset months when recurrent, else NaN) and the other
        regime metrics of :func:`classify_cells`.
    """
    cells, points = grid_points(base, x, y)
    names = list(sectors or base.sector_names)
    phases = simulate(reduce(points, closure), months).phases
    parts = []
    for name in names:
        j = base.sector_names.index(name)
        m = classify_cells(phases[:, j], stuck_months=stuck_months)
        m["period"] = m["period"].where(m["regime"] == RegimeClass.RECURRENT.value)
        parts.append(pd.concat([cells, m], axis=1).assign(sector=name, share=1.0))
    out = pd.concat(parts, ignore_index=True)
    first = ["x", "y", "sector", "regime", "share", "period"]
    return out[first + [c for c in out.columns if c not in first]]
