"""The particles of a calibration's last generation, and draws from them or from the prior.

:data:`POSTERIOR` (``posterior.parquet``) holds the last generation's particles with their
normalised weights, one column per calibrated parameter under its dotted key; everything that
uses a posterior (the written scenario, the predictive, the notebook) reads it from there and
never needs pyabc.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["POSTERIOR", "posterior", "posterior_draws", "prior_draws", "safe_name",
           "write_posterior"]

POSTERIOR = "posterior.parquet"
"""The last generation's particles: one column per parameter, ``weight`` (normalised)."""


def safe_name(key: str) -> str:
    """A parameter key as pyabc stores it (``a.b`` → ``a__b``).

    pyabc keeps parameter names in SQL rows and pandas columns; dots are kept out of them.
    """
    return key.replace(".", "__")


def write_posterior(history: Any, settings: Any, folder: Path) -> Path:
    """The last generation's particles and weights as :data:`POSTERIOR` (dotted keys)."""
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    table = pd.DataFrame({k: frame[safe_name(k)].to_numpy(dtype=float) for k in settings.keys})
    table["weight"] = np.asarray(weights, dtype=float) / float(np.sum(weights))
    table.insert(0, "generation", int(history.max_t))
    path = folder / POSTERIOR
    tmp = path.with_suffix(".tmp")
    table.to_parquet(tmp, index=False)
    tmp.replace(path)
    return path


def posterior(folder: str | Path) -> pd.DataFrame:
    """The calibrated particles of a folder: one column per parameter and ``weight``."""
    return pd.read_parquet(Path(folder) / POSTERIOR)


def posterior_draws(folder: str | Path, n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` equally weighted draws from the posterior (resampled by weight, seeded).

    Returns:
        one row per draw, one column per parameter (dotted keys).
    """
    table = posterior(folder)
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(table), size=n, replace=True, p=table["weight"].to_numpy())
    keys = [c for c in table.columns if c not in ("generation", "weight")]
    return table.iloc[rows][keys].reset_index(drop=True)


def prior_draws(settings: Any, n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` draws from the uniform prior (seeded), as :func:`posterior_draws` returns them."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({k: rng.uniform(lo, hi, size=n) for k, lo, hi in settings.parameters})
