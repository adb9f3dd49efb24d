"""Helpers to read series and event frames by the output schema (no model needed).

Column names come from :mod:`sim.model.schema`; nothing here hard-codes a column list.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..model.schema import sector_column, split_column
from ..model.states import Phase

PHASE_QUANTITY = "phase"
"""The per-sector quantity holding the phase by name (``phase.<sector>``)."""


def sectors_of(series: pd.DataFrame) -> list[str]:
    """Sector names present in a series frame, in column order.

    A sector is present when its ``phase.<sector>`` column is.

    Args:
        series: a series frame following :func:`sim.model.schema.series_columns`.

    Returns:
        The sector names, in the order their phase columns appear.
    """
    out: list[str] = []
    for name in series.columns:
        quantity, sector = split_column(str(name))
        if quantity == PHASE_QUANTITY and sector is not None and sector not in out:
            out.append(sector)
    return out


def col(quantity: str, sector: str | None = None) -> str:
    """Column name of an aggregate (``sector=None``) or a per-sector quantity."""
    return quantity if sector is None else sector_column(quantity, sector)


def months(series: pd.DataFrame) -> np.ndarray:
    """Month numbers of the rows: the ``month`` column if present, else 0, 1, 2, ..."""
    if "month" in series.columns:
        return series["month"].to_numpy(dtype=float)
    return np.arange(len(series), dtype=float)


def has_dates(series: pd.DataFrame) -> bool:
    """Whether the frame carries a usable ``date`` column."""
    return "date" in series.columns and len(series) > 0 and series["date"].notna().all()


def time_axis(series: pd.DataFrame) -> np.ndarray:
    """X values for plotting: dates (``datetime64``) when present, else month numbers."""
    if has_dates(series):
        return pd.to_datetime(series["date"]).to_numpy(dtype="datetime64[ns]")
    return months(series)


def time_edges(series: pd.DataFrame) -> np.ndarray:
    """Left edges of each month plus the right edge of the last one (length ``n + 1``).

    A month row covers ``[edges[i], edges[i + 1])``; with dates the last edge is the first day
    of the month after the last row.
    """
    x = time_axis(series)
    if len(x) == 0:
        return x
    if np.issubdtype(x.dtype, np.datetime64):
        last = (pd.Timestamp(x[-1]) + pd.DateOffset(months=1)).to_datetime64()
        return np.append(x, np.datetime64(last, "ns"))
    step = x[-1] - x[-2] if len(x) > 1 else 1.0
    return np.append(x, x[-1] + step)


def phase_codes(values: pd.Series | np.ndarray | list[str]) -> np.ndarray:
    """Phase names → severity codes (:class:`sim.model.states.Phase` values); unknown → NaN."""
    lookup = {p.name: float(p.value) for p in Phase}
    return np.array([lookup.get(str(v), np.nan) for v in values], dtype=float)


def sector_events(events: pd.DataFrame | None, sector: str, kind: str) -> pd.DataFrame:
    """Rows of an event log of one kind in one sector (empty frame when there are none)."""
    if events is None or len(events) == 0:
        return pd.DataFrame(columns=["month", "kind", "sector"])
    mask = (events["kind"].astype(str) == kind) & (events["sector"].astype(str) == sector)
    return events.loc[mask]
