"""Output collection: monthly series, the event log and the firm panel (MODEL.md §4).

Columns come from :mod:`sim.model.schema`. The series is written into two preallocated arrays,
one row per month (aggregates: months × columns; per-sector quantities: months × quantities ×
sectors), and the event log into one preallocated array of coded rows; both are turned into
pandas frames only when asked. The compiled month (:mod:`sim.model.kernel`) writes the same
arrays directly, in the same layout. (Mesa's DataCollector deep-copies every model reporter at
every collect, which alone would cost more than the model's own month.)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .kernel import (
    AGGREGATE_ORDER,
    CAUSES,
    DETAILS,
    E_WIDTH,
    EVENT_KIND_NAMES,
    QUANTITY_ORDER,
)
from .schema import EVENT_COLUMNS, EVENT_KINDS, PANEL_COLUMNS, SECTOR_QUANTITIES, SERIES_AGGREGATES
from .states import AGENCIES, UNIFIED_AGENCY, Phase

AGENCY_NAMES: tuple[str, ...] = (*AGENCIES, UNIFIED_AGENCY)
"""The event log's agencies by code (−1: none)."""

_KIND_CODE = {name: i for i, name in enumerate(EVENT_KIND_NAMES)}
_AGENCY_CODE = {"": -1, **{name: i for i, name in enumerate(AGENCY_NAMES)}}
_DETAIL_CODE = {name: i for i, name in enumerate(DETAILS)}
_CAUSE_CODE = {name: i for i, name in enumerate(CAUSES)}
_PHASE_NAMES = [p.name for p in sorted(Phase)]  # BANNED (−1), LOOSE, COMPROMISE, CRACKDOWN
_DTYPES: dict[tuple[str, ...], pd.CategoricalDtype] = {}


def _categorical_dtype(categories: Sequence[str]) -> pd.CategoricalDtype:
    """One dtype object per list of categories (pandas takes ~1 ms to build each)."""
    key = tuple(categories)
    if key not in _DTYPES:
        _DTYPES[key] = pd.CategoricalDtype(list(key))
    return _DTYPES[key]
_AGG_INDEX = {name: i for i, name in enumerate(AGGREGATE_ORDER)}
_QUANTITY_INDEX = {name: i for i, name in enumerate(QUANTITY_ORDER)}


def agency_code(name: str) -> int:
    """The event log's code of an agency name ('' → −1)."""
    return _AGENCY_CODE[name]


class SeriesRecorder:
    """Preallocated monthly series for aggregates and per-sector quantities.

    Attributes:
        agg: months × :data:`sim.model.kernel.AGGREGATE_ORDER` (the global phase as its code).
        quant: months × :data:`sim.model.kernel.QUANTITY_ORDER` × sectors.
    """

    def __init__(self, months: int, sectors: tuple[str, ...]):
        self.sectors = sectors
        self.months = months
        self.rows = 0
        self.agg = np.zeros((months, len(AGGREGATE_ORDER)))
        self.quant = np.zeros((months, len(QUANTITY_ORDER), len(sectors)))

    @property
    def aggregates(self) -> dict[str, np.ndarray]:
        """Each aggregate column as a view (all months allocated, ``rows`` filled)."""
        return {name: self.agg[:, i] for i, name in enumerate(AGGREGATE_ORDER)
                if name != "phase"}

    @property
    def phase(self) -> np.ndarray:
        """The global phase's codes by month."""
        return self.agg[:, _AGG_INDEX["phase"]].astype(np.int64)

    @property
    def per_sector(self) -> dict[str, np.ndarray]:
        """Each per-sector quantity as a months × sectors view."""
        return {name: self.quant[:, i, :] for i, name in enumerate(QUANTITY_ORDER)}

    def grow(self, months: int) -> None:
        """Make room for more months (when ``run`` goes past the planned horizon)."""
        if months <= self.months:
            return
        agg = np.zeros((months, self.agg.shape[1]))
        agg[: self.months] = self.agg
        quant = np.zeros((months, *self.quant.shape[1:]))
        quant[: self.months] = self.quant
        self.agg, self.quant, self.months = agg, quant, months

    def record(self, row: int, aggregates: dict[str, float], phase: int,
               per_sector: dict[str, np.ndarray]) -> None:
        """Store one month."""
        for name, value in aggregates.items():
            self.agg[row, _AGG_INDEX[name]] = value
        self.agg[row, _AGG_INDEX["phase"]] = phase
        for name, values in per_sector.items():
            self.quant[row, _QUANTITY_INDEX[name]] = values
        self.rows = row + 1

    def frame(self, dates: pd.DatetimeIndex) -> pd.DataFrame:
        """The series as a DataFrame, columns in schema order."""
        n = self.rows
        data: dict[str, object] = {}
        for c in SERIES_AGGREGATES:
            if c.name == "date":
                data["date"] = pd.DatetimeIndex(dates[:n]).array
                continue
            col = self.agg[:n, _AGG_INDEX[c.name]]
            data[c.name] = (_phase_categorical(col) if c.name == "phase"
                            else col.astype(_np_dtype(c.dtype)))
        for q in SECTOR_QUANTITIES:
            block = self.quant[:n, _QUANTITY_INDEX[q.name], :]
            for j, s in enumerate(self.sectors):
                col = block[:, j]
                data[f"{q.name}.{s}"] = (_phase_categorical(col) if q.name == "phase"
                                         else col.astype(_np_dtype(q.dtype)))
        return _frame_of_columns(data, n, self.sectors)


_COLUMN_INDEXES: dict[tuple[str, ...], pd.Index] = {}


def _frame_of_columns(data: dict[str, object], rows: int,
                      sectors: tuple[str, ...]) -> pd.DataFrame:
    """A DataFrame of ready-made columns (arrays of the right dtype, all ``rows`` long).

    pandas' own constructor re-checks each of the ~230 columns (~30 µs each, about a
    baseline run's worth); its internal ``_from_arrays`` takes them as they are. Falls back to
    the constructor where a pandas version lacks it.
    """
    columns = _COLUMN_INDEXES.get(sectors)
    if columns is None or len(columns) != len(data):
        columns = _COLUMN_INDEXES[sectors] = pd.Index(list(data))
    try:
        return pd.DataFrame._from_arrays(list(data.values()), columns=columns,
                                         index=pd.RangeIndex(rows), verify_integrity=False)
    except (AttributeError, TypeError):
        return pd.DataFrame(data)


def _phase_categorical(codes: np.ndarray) -> pd.Categorical:
    # sorted(Phase) starts at BANNED = −1: code + 1 is the category's index
    return pd.Categorical.from_codes(codes.astype(np.int64) + 1,
                                     dtype=_categorical_dtype(_PHASE_NAMES))


def _coded_categorical(codes: np.ndarray, names: Sequence[str],
                       fixed: Sequence[str] = ()) -> pd.Categorical:
    """Names by code (−1: '') as a categorical, categories as :func:`_apply_dtypes` makes them.

    ``fixed`` categories come first, then the other names present, sorted.
    """
    table = np.array([*names, ""], dtype=object)
    codes = codes.astype(np.int64)
    present = set(table[np.unique(codes)].tolist())
    cats = [*fixed, *sorted(present - set(fixed))]
    position = {name: i for i, name in enumerate(cats)}
    lookup = np.array([position.get(name, -1) for name in table], dtype=np.int64)
    return pd.Categorical.from_codes(lookup[codes], dtype=_categorical_dtype(cats))


_NP_DTYPES = {"int64": np.int64, "float64": np.float64, "bool": np.bool_}


def _np_dtype(name: str):
    return _NP_DTYPES.get(name, np.float64)


class EventLog:
    """The event log: one coded row per event (:data:`sim.model.kernel.EVENT_FIELDS`).

    Codes: kind by :data:`~sim.model.kernel.EVENT_KIND_NAMES`, sector by the sector table
    (−1: none), firm by slot (−1: none; its Mesa ``unique_id`` is read when framed), agency by
    :data:`AGENCY_NAMES`, detail by :data:`~sim.model.kernel.DETAILS`, cause by
    :data:`~sim.model.kernel.CAUSES`.
    """

    def __init__(self, sectors: Sequence[str], firms: object | None = None,
                 capacity: int = 256):
        self.sectors = tuple(sectors)
        self.buffer = np.empty((capacity, E_WIDTH))
        self.count = 0
        self.firms = firms  # holds ``uid``, the firms' unique ids by slot (arrays may grow)

    def add(self, month: int, kind: str, sector: int, slot: int, firm_revenue: float,
            agency: str, magnitude: float, fine: float, detail: str = "",
            cause: str = "") -> None:
        """Append one event (see :data:`sim.model.schema.EVENT_COLUMNS`)."""
        if self.count >= len(self.buffer):
            bigger = np.empty((2 * len(self.buffer) + 64, E_WIDTH))
            bigger[: self.count] = self.buffer[: self.count]
            self.buffer = bigger
        self.buffer[self.count] = (month, _KIND_CODE[kind], sector, slot, firm_revenue,
                                   _AGENCY_CODE[agency], magnitude, fine, _DETAIL_CODE[detail],
                                   _CAUSE_CODE[cause])
        self.count += 1

    def _columns(self, names: bool = True) -> dict[str, np.ndarray]:
        rows = self.buffer[: self.count]
        slot = rows[:, 3].astype(np.int64)
        uid = getattr(self.firms, "uid", np.zeros(0, dtype=np.int64))
        firm_id = np.where(slot >= 0, uid[np.maximum(slot, 0)] if len(uid) else -1, -1)

        def lookup(values: Sequence[str], codes: np.ndarray) -> np.ndarray:
            # code −1 is the last entry, ''
            return np.array([*values, ""], dtype=object)[codes.astype(np.int64)]

        numbers = {
            "month": rows[:, 0].astype(np.int64),
            "firm_id": firm_id.astype(np.int64),
            "firm_revenue": rows[:, 4].copy(),
            "magnitude": rows[:, 6].copy(),
            "fine": rows[:, 7].copy(),
        }
        if not names:
            return numbers
        return {
            **numbers,
            "kind": lookup(EVENT_KIND_NAMES, rows[:, 1]),
            "sector": lookup(self.sectors, rows[:, 2]),
            "agency": lookup(AGENCY_NAMES, rows[:, 5]),
            "detail": np.array(DETAILS, dtype=object)[rows[:, 8].astype(np.int64)],
            "cause": np.array(CAUSES, dtype=object)[rows[:, 9].astype(np.int64)],
        }

    @property
    def rows(self) -> list[tuple]:
        """The events as tuples in :data:`sim.model.schema.EVENT_COLUMNS` order."""
        cols = self._columns(names=True)
        return list(zip(*(cols[c.name].tolist() for c in EVENT_COLUMNS), strict=True))

    def frame(self) -> pd.DataFrame:
        """The log as a DataFrame with schema dtypes (categories as :func:`_apply_dtypes`)."""
        rows = self.buffer[: self.count]
        cols = self._columns(names=False)
        codes = {"kind": (rows[:, 1], EVENT_KIND_NAMES, EVENT_KINDS),
                 "sector": (rows[:, 2], self.sectors, ()),
                 "agency": (rows[:, 5], AGENCY_NAMES, ()),
                 "detail": (rows[:, 8], DETAILS[1:], ()),
                 "cause": (rows[:, 9], CAUSES[1:], ())}
        data = {}
        for c in EVENT_COLUMNS:
            if c.name in codes:
                values, names, fixed = codes[c.name]
                if c.name in ("detail", "cause"):  # code 0 is '': shift so that '' is −1
                    values = values - 1
                data[c.name] = _coded_categorical(values, names, fixed)
            else:
                data[c.name] = cols[c.name].astype(c.dtype)
        return pd.DataFrame(data)


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
