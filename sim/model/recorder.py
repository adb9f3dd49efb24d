"""Output collection: monthly series, the event log and the firm panel (MODEL.md §4).

Columns come from :mod:`sim.model.schema`. The series is written into preallocated numpy arrays, one
row per month, and turned into a pandas frame only when asked: Mesa's DataCollector deep-copies
every model reporter at every collect, which alone would cost more than the model's own month.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .schema import (
    EVENT_COLUMNS,
    EVENT_KINDS,
    PANEL_COLUMNS,
    SECTOR_QUANTITIES,
    SERIES_AGGREGATES,
)
from .states import Phase


class SeriesRecorder:
    """Preallocated monthly series for aggregates and per-sector quantities."""

    def __init__(self, months: int, sectors: tuple[str, ...]):
        self.sectors = sectors
        self.months = months
        self.rows = 0
        self.aggregates = {c.name: np.zeros(months, dtype=_np_dtype(c.dtype))
                           for c in SERIES_AGGREGATES if c.name not in ("date", "phase")}
        self.phase = np.zeros(months, dtype=np.int64)
        self.per_sector = {q.name: np.zeros((months, len(sectors)), dtype=_np_dtype(q.dtype))
                           for q in SECTOR_QUANTITIES}

    def grow(self, months: int) -> None:
        """Make room for more months (when ``run`` goes past the planned horizon)."""
        if months <= self.months:
            return
        extra = months - self.months
        for name, arr in self.aggregates.items():
            self.aggregates[name] = np.concatenate([arr, np.zeros(extra, dtype=arr.dtype)])
        self.phase = np.concatenate([self.phase, np.zeros(extra, dtype=np.int64)])
        for name, arr in self.per_sector.items():
            pad = np.zeros((extra, arr.shape[1]), dtype=arr.dtype)
            self.per_sector[name] = np.concatenate([arr, pad])
        self.months = months

    def record(self, row: int, aggregates: dict[str, float], phase: int,
               per_sector: dict[str, np.ndarray]) -> None:
        """Store one month."""
        for name, value in aggregates.items():
            self.aggregates[name][row] = value
        self.phase[row] = phase
        for name, values in per_sector.items():
            self.per_sector[name][row] = values
        self.rows = row + 1

    def frame(self, dates: pd.DatetimeIndex) -> pd.DataFrame:
        """The series as a DataFrame, columns in schema order."""
        n = self.rows
        phase_names = [p.name for p in sorted(Phase)]
        data: dict[str, object] = {}
        for c in SERIES_AGGREGATES:
            if c.name == "date":
                data["date"] = dates[:n]
            elif c.name == "phase":
                data["phase"] = _phase_categorical(self.phase[:n], phase_names)
            else:
                data[c.name] = self.aggregates[c.name][:n]
        for q in SECTOR_QUANTITIES:
            for j, s in enumerate(self.sectors):
                col = self.per_sector[q.name][:n, j]
                if q.name == "phase":
                    data[f"phase.{s}"] = _phase_categorical(col, phase_names)
                else:
                    data[f"{q.name}.{s}"] = col
        return pd.DataFrame(data)


def _phase_categorical(codes: np.ndarray, names: list[str]) -> pd.Categorical:
    labels = np.array([Phase(int(c)).name for c in codes], dtype=object) if len(codes) else []
    return pd.Categorical(labels, categories=names)


def _np_dtype(name: str):
    return {"int64": np.int64, "float64": np.float64, "bool": np.bool_}.get(name, np.float64)


class EventLog:
    """The event log: one tuple per event, framed on demand."""

    def __init__(self) -> None:
        self.rows: list[tuple] = []

    def add(self, month: int, kind: str, sector: str, firm_id: int, firm_revenue: float,
            agency: str, magnitude: float, fine: float, detail: str = "",
            cause: str = "") -> None:
        """Append one event (see :data:`sim.model.schema.EVENT_COLUMNS`)."""
        self.rows.append((month, kind, sector, firm_id, firm_revenue, agency, magnitude, fine,
                          detail, cause))

    def frame(self) -> pd.DataFrame:
        """The log as a DataFrame with schema dtypes."""
        names = [c.name for c in EVENT_COLUMNS]
        df = pd.DataFrame.from_records(self.rows, columns=names)
        return _apply_dtypes(df, EVENT_COLUMNS)


class FirmPanel:
    """Firm-level snapshots every ``firm_panel_every`` months."""

    def __init__(self) -> None:
        self.chunks: list[dict[str, np.ndarray]] = []

    def add(self, chunk: dict[str, np.ndarray]) -> None:
        """Append one snapshot (arrays keyed by panel column)."""
        self.chunks.append(chunk)

    def frame(self) -> pd.DataFrame:
        """All snapshots as one DataFrame with schema dtypes."""
        names = [c.name for c in PANEL_COLUMNS]
        if not self.chunks:
            return _apply_dtypes(pd.DataFrame({n: [] for n in names}), PANEL_COLUMNS)
        data = {n: np.concatenate([c[n] for c in self.chunks]) for n in names}
        return _apply_dtypes(pd.DataFrame(data), PANEL_COLUMNS)


def _apply_dtypes(df: pd.DataFrame, columns) -> pd.DataFrame:
    for c in columns:
        if c.dtype == "category":
            # categories in a fixed order (event kinds as declared, other names sorted), never
            # in order of appearance: frames of different runs then share one dtype
            values = df[c.name].astype(str)
            known = EVENT_KINDS if c.name == "kind" else ()
            cats = [*known, *sorted(set(values) - set(known))]
            df[c.name] = pd.Categorical(values, categories=cats)
        else:
            df[c.name] = df[c.name].astype(c.dtype)
    return df
