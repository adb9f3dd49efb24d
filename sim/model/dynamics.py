"""Small numerical rules shared by the mechanisms (no model state, no project imports)."""

from __future__ import annotations

import numpy as np


def relax(current, target, tau: float):
    """One month of first-order adjustment toward ``target`` with time constant ``tau``.

    ``x + (target − x)·min(1, 1/τ)``: the explicit monthly step of MODEL.md's time constants (the
    form the prototypes were tuned with). A τ below one month reaches the target at once rather
    than overshooting it.
    """
    return current + (target - current) * min(1.0, 1.0 / tau)


def logistic(x: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + e^−x)."""
    return 1.0 / (1.0 + np.exp(-x))


def truncated_pareto(rng: np.random.Generator, k: int, alpha: float, cap: float) -> np.ndarray:
    """``k`` draws of a Pareto(α) on [1, cap] by inversion: heavy-tailed but bounded."""
    u = rng.random(k)
    return (1.0 - u * (1.0 - cap ** -alpha)) ** (-1.0 / alpha)


def sector_sums(sector: np.ndarray, values: np.ndarray, n_sectors: int) -> np.ndarray:
    """Σ values by sector (``values`` already zero for dead firms)."""
    return np.bincount(sector, weights=values, minlength=n_sectors)
