"""What a calibration found: the posterior's summary, and the posterior written as a scenario.

:func:`posterior_summary` sets each parameter's posterior (weighted quantiles of the last
generation) beside its prior: the ratio of the 90 % credible interval's width to the prior's
says how much the record narrowed it (near 1: the record does not identify the parameter).
:func:`write_posterior_scenario` writes a scenario that extends the calibrated one with a
``[posterior]`` table of equally weighted draws, so that ``regcycle run``, ``compare``, sweeps
and the notebooks run over parameter uncertainty (replication r uses draw r mod n).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .abc import CalibrationSettings, posterior, posterior_draws

__all__ = ["posterior_summary", "weighted_quantiles", "write_posterior_scenario"]

WIDTH_IDENTIFIED = 0.75
"""A posterior 90 % interval narrower than this share of the prior's counts as identified."""


def weighted_quantiles(values: np.ndarray, weights: np.ndarray,
                       qs: Sequence[float]) -> np.ndarray:
    """Quantiles of weighted particles (the weighted empirical distribution, interpolated).

    Args:
        values: the particles' values.
        weights: their weights (any positive scale).
        qs: the probabilities, in [0, 1].
    """
    order = np.argsort(values, kind="stable")
    v = np.asarray(values, dtype=float)[order]
    w = np.asarray(weights, dtype=float)[order]
    cdf = (np.cumsum(w) - 0.5 * w) / np.sum(w)
    return np.interp(np.asarray(qs, dtype=float), cdf, v)


def posterior_summary(folder: str | Path, settings: CalibrationSettings) -> pd.DataFrame:
    """One row per parameter: prior range, posterior median and intervals, width ratio.

    Columns: ``parameter``, ``prior_low``, ``prior_high``, ``median``, ``q05``, ``q25``,
    ``q75``, ``q95``, ``width_ratio`` (90 % interval width ÷ prior width) and ``identified``
    (``width_ratio`` < :data:`WIDTH_IDENTIFIED`).
    """
    table = posterior(folder)
    w = table["weight"].to_numpy()
    rows = []
    for key, lo, hi in settings.parameters:
        q = weighted_quantiles(table[key].to_numpy(), w, (0.05, 0.25, 0.5, 0.75, 0.95))
        ratio = float((q[4] - q[0]) / (hi - lo)) if hi > lo else float("nan")
        rows.append({"parameter": key, "prior_low": lo, "prior_high": hi, "median": q[2],
                     "q05": q[0], "q25": q[1], "q75": q[3], "q95": q[4],
                     "width_ratio": ratio, "identified": bool(ratio < WIDTH_IDENTIFIED)})
    return pd.DataFrame(rows)


def _toml_value(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(float(value))


def write_posterior_scenario(folder: str | Path, scenario: Any, path: str | Path, *,
                             n: int = 200, seed: int = 0) -> Path:
    """Write a scenario extending ``scenario`` with ``n`` posterior draws.

    The draws are resampled by weight with a seeded generator, so the same folder and seed
    give the same file. The new scenario runs ``n`` replications (one per draw) unless a
    ``--seeds`` option asks for more (draws then repeat, r mod n).

    Returns:
        the path written.
    """
    path = Path(path)
    draws = posterior_draws(folder, n, seed=seed)
    if scenario.path is None:
        raise ValueError("a scenario built in code cannot be extended; save it first")
    parent = os.path.relpath(Path(scenario.path).resolve(), path.resolve().parent)
    keys = list(draws.columns)
    lines = [
        f"# Posterior of {scenario.name}, calibrated in {Path(folder)}",
        f"# {n} draws resampled by weight from the last generation (seed {seed}).",
        "# Replication r runs draw r mod n with its own seed: every command runs over the",
        "# posterior. Overlays that extend this file share its draws and seeds (common random",
        "# numbers over parameter uncertainty).",
        "",
        "[scenario]",
        f"name = {_toml_value(scenario.name + '_posterior')}",
        f"description = {_toml_value('Posterior of ' + scenario.name + ' (regcycle calibrate)')}",
        f"extends = {_toml_value(parent.replace(os.sep, '/'))}",
        "",
        "[run]",
        f"replications = {n}",
        "",
        "[posterior]",
        f"source = {_toml_value(str(Path(folder) / 'calibration.db'))}",
        "parameters = [" + ", ".join(_toml_value(k) for k in keys) + "]",
        "draws = [",
    ]
    for row in draws.itertuples(index=False, name=None):
        lines.append("    [" + ", ".join(repr(float(v)) for v in row) + "],")
    lines.append("]")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path
