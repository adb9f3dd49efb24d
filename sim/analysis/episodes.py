"""Phase episodes: every maximal run of one phase in one sector.

An *episode* is a maximal block of consecutive months in which a sector's phase does not change.
It is *left-censored* when it starts at the first month of the run (we do not know when it began)
and *right-censored* when it ends at the last month (we do not know when it would have ended);
otherwise it is *complete*.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .frames import PHASE_QUANTITY, col, months, sectors_of

EPISODE_COLUMNS: tuple[str, ...] = (
    "sector",
    "episode",
    "phase",
    "start",
    "end",
    "duration",
    "left_censored",
    "right_censored",
    "complete",
)
"""Columns of :func:`episodes` frames (analysis output, not a model output)."""


def phase_runs(phases: Sequence[str] | pd.Series | np.ndarray) -> list[tuple[str, int, int]]:
    """Split a sequence of phase names into runs.

    Args:
        phases: phase names, one per month.

    Returns:
        ``(phase, first_index, stop_index)`` triples with ``stop_index`` exclusive, in order.

    Example:
        >>> phase_runs(["LOOSE", "LOOSE", "CRACKDOWN"])
        [('LOOSE', 0, 2), ('CRACKDOWN', 2, 3)]
    """
    values = [str(p) for p in phases]
    runs: list[tuple[str, int, int]] = []
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            runs.append((values[start], start, i))
            start = i
    return runs


def sector_episodes(phases: Sequence[str] | pd.Series | np.ndarray,
                    month: Sequence[float] | np.ndarray | None = None,
                    sector: str = "") -> pd.DataFrame:
    """Episodes of one sector's phase sequence.

    Args:
        phases: phase names, one per month.
        month: month number of each row (default 0, 1, 2, ...).
        sector: sector name written in the ``sector`` column.

    Returns:
        One row per episode with :data:`EPISODE_COLUMNS`; ``start`` and ``end`` are the first and
        last month of the episode (inclusive), ``duration = end - start + 1`` months.
    """
    m = np.arange(len(phases)) if month is None else np.asarray(month)
    rows = []
    runs = phase_runs(phases)
    for k, (phase, i0, i1) in enumerate(runs):
        left = i0 == 0
        right = i1 == len(m)
        start, end = int(m[i0]), int(m[i1 - 1])
        rows.append((sector, k, phase, start, end, end - start + 1, left, right,
                     not (left or right)))
    frame = pd.DataFrame(rows, columns=list(EPISODE_COLUMNS))
    return frame.astype({"start": "int64", "end": "int64", "duration": "int64",
                         "episode": "int64", "left_censored": bool, "right_censored": bool,
                         "complete": bool})


def episodes(series: pd.DataFrame, sectors: Sequence[str] | None = None) -> pd.DataFrame:
    """Every phase episode of every sector of one run.

    Args:
        series: one run's series frame (``phase.<sector>`` columns; ``month`` if present).
        sectors: sectors to include (default: all found in the frame).

    Returns:
        Episodes of all sectors stacked, with :data:`EPISODE_COLUMNS`, sectors in frame order.
    """
    names = list(sectors) if sectors is not None else sectors_of(series)
    m = months(series)
    parts = [sector_episodes(series[col(PHASE_QUANTITY, s)].to_numpy(), m, s) for s in names]
    if not parts:
        return sector_episodes([], sector="")
    return pd.concat(parts, ignore_index=True)
