"""Hand-built series and event frames that follow the output schema (for tests and demos).

These frames are not model output: every column of :func:`sim.model.schema.series_columns` is
present
with a neutral value (0, or the phase LOOSE) unless the caller gives it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..model.schema import EVENT_COLUMNS, SECTOR_QUANTITIES, SERIES_AGGREGATES, series_columns
from ..model.states import Phase
from .frames import PHASE_QUANTITY, col, phase_codes


def synthetic_series(phases: Mapping[str, Sequence[str]], *, start: str | None = "2010-01",
                     values: Mapping[str, Sequence[float] | float] | None = None) -> pd.DataFrame:
    """Build a schema-conforming series frame from per-sector phase sequences.

    Args:
        phases: sector name → phase name per month (all the same length).
        start: calendar month of row 0 (``YYYY-MM``); ``None`` drops dates (``NaT``).
        values: column name → values (a sequence of the run's length, or a scalar) overriding
            the neutral defaults.

    Returns:
        A frame with exactly ``series_columns(sectors)``. The global ``phase`` is the most
        severe sector phase unless given in ``values``.
    """
    sectors = list(phases)
    lengths = {len(v) for v in phases.values()}
    if len(lengths) != 1:
        raise ValueError("all sectors need phase sequences of the same length")
    n = lengths.pop()
    dtypes = {c.name: c.dtype for c in SERIES_AGGREGATES}
    dtypes |= {col(q.name, s): q.dtype for q in SECTOR_QUANTITIES for s in sectors}
    data: dict[str, object] = {}
    for name in series_columns(sectors):
        dtype = dtypes[name]
        if dtype == "category":
            data[name] = [Phase.LOOSE.name] * n
        elif dtype.startswith("datetime"):
            data[name] = (pd.date_range(start, periods=n, freq="MS").to_numpy()
                          if start is not None else np.full(n, np.datetime64("NaT"), "M8[s]"))
        else:
            data[name] = np.zeros(n, dtype=dtype)
    data["month"] = np.arange(n, dtype="int64")
    for s in sectors:
        data[col(PHASE_QUANTITY, s)] = [str(p) for p in phases[s]]
    if sectors:
        codes = np.vstack([phase_codes(phases[s]) for s in sectors])
        data[PHASE_QUANTITY] = [Phase(int(c)).name for c in np.nanmax(codes, axis=0)]
    for name, v in (values or {}).items():
        if name not in data:
            raise KeyError(f"{name!r} is not a series column for sectors {sectors}")
        data[name] = np.broadcast_to(np.asarray(v), (n,)).copy() if np.ndim(v) == 0 else v
    frame = pd.DataFrame(data)
    for name in series_columns(sectors):
        dtype = dtypes[name]
        if dtype == "category":
            frame[name] = frame[name].astype(str)
        elif not dtype.startswith("datetime"):
            frame[name] = frame[name].astype(dtype)
    return frame


def synthetic_events(rows: Sequence[Mapping[str, object]]) -> pd.DataFrame:
    """Build an event log with :data:`sim.model.schema.EVENT_COLUMNS` from partial rows.

    Missing fields get neutral values (``sector=''``, ``firm_id=-1``, ``magnitude=0``...).
    """
    defaults: dict[str, object] = {"month": 0, "kind": "", "sector": "", "firm_id": -1,
                                   "firm_revenue": np.nan, "agency": "", "magnitude": 0.0,
                                   "fine": 0.0, "detail": ""}
    names = [c.name for c in EVENT_COLUMNS]
    frame = pd.DataFrame([{k: r.get(k, defaults.get(k)) for k in names} for r in rows],
                         columns=names)
    return frame.astype({"month": "int64", "firm_id": "int64", "firm_revenue": "float64",
                         "magnitude": "float64", "fine": "float64"})
