"""Summary statistics of one simulated history: what the calibration sets beside the record.

Each statistic reduces one run's series and event log (:mod:`sim.model.schema`), over the
record's window of months ``0..end_month``, to one plain, always finite float. Months count
from the run's start (month 0 = ``run.start_date``; from 2008-01, 2020-11 is month 154). The
record (:mod:`sim.calibration.record`) names a statistic for each observed quantity.

Censoring, the same for every statistic:

* an **onset** is the first month of a CRACKDOWN episode; a crackdown under way at month 0 is
  not one (as in :mod:`sim.analysis.summary`). The first, second and last crackdowns are those
  of the first, second and last onsets; a **length** is the months in CRACKDOWN (end − onset
  + 1, MODEL.md §2: ended by the leadership's easing into COMPROMISE or by a ban);
* an onset or a ban not seen by ``end_month`` counts as ``end_month + 1``; a length still
  running at ``end_month`` is counted to it; a crackdown that never started has length 0;
* indicators are 0 or 1; counts are onsets in the window; a quantity with no episode to
  measure takes the neutral value its ``doc`` states (a ratio 1, a share or a lag 0).

Where :mod:`sim.analysis` defines a quantity, the definition is the same, so the numbers agree:
``drawdown_max`` is :func:`~sim.analysis.summary.summarize_run`'s, ``onset_spread``
:func:`~sim.analysis.stylized.onset_spread`'s, ``headline_fine.<s>``
:func:`~sim.analysis.stylized.headline_fines`'s for one crackdown, and the first-year campaign
ratios are ODD §8 fact 6a's. All is computed on numpy arrays read once from the frames.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from ..model import RegulatoryModel
from ..model.params import DEFAULT_SECTORS, Params
from ..model.states import EventKind, Phase, ScheduledKind

__all__ = [
    "CAMPAIGN_SECTORS",
    "KINDS",
    "STATISTICS",
    "Statistic",
    "StatisticError",
    "describe_statistics",
    "simulate",
    "statistics_of",
]

KINDS: tuple[str, ...] = ("month", "duration", "indicator", "share", "count", "ratio")
"""What a statistic measures: a month index, a number of months (lengths ≥ 0; gaps and lags
signed), a 0/1 indicator, a share in [0, 1], a count, or a positive ratio."""

CAMPAIGN_SECTORS: tuple[str, ...] = ("platform", "fintech", "edtech", "gaming")
"""The sectors of the 2020–21 campaign (the non-aligned sectors of the default table): the
spread statistics are taken over them."""

DOMINANT_SHARE = 0.05
"""A firm is *dominant* when its revenue is at least this share of its sector's that month
(as in :func:`sim.analysis.stylized.headline_fines`)."""

WINDOW = 12
"""Months of the year before an onset (drawdown peak; the campaign-year ratios)."""

RATIO_CAP = 1000.0
"""Largest first-year fines ratio (a year before without any fine would make it infinite)."""

_SECTORS = tuple(s.name for s in DEFAULT_SECTORS)
CRACKDOWN, COMPROMISE, LOOSE, BANNED = (int(Phase.CRACKDOWN), int(Phase.COMPROMISE),
                                        int(Phase.LOOSE), int(Phase.BANNED))
_INF = float("inf")


class StatisticError(ValueError):
    """A statistic cannot be computed: unknown name, missing sector, scheduled event or months."""


@dataclass(frozen=True, slots=True)
class Statistic:
    """One summary statistic.

    Attributes:
        name: its key in :data:`STATISTICS` (``first_onset.platform``).
        doc: what it measures, with its censoring.
        unit: unit of the value.
        kind: one of :data:`KINDS`.
        sectors: the sectors it reads (a run must have them).
        requires: scheduled events it is measured from, as ``(kind, sector)``.
        bounds: the values it can take (inclusive), for checking observed values.
    """

    name: str
    doc: str
    unit: str
    kind: str
    sectors: tuple[str, ...] = ()
    requires: tuple[tuple[str, str], ...] = ()
    bounds: tuple[float, float] = (-_INF, _INF)


# ----------------------------------------------------------------------------------------------
# One run's columns, read once
# ----------------------------------------------------------------------------------------------

_PHASE_VALUE = {p.name: int(p) for p in Phase}


def _codes(column: pd.Series) -> tuple[np.ndarray, dict[str, int]]:
    """A text column as integer codes and the code of each text (categoricals read as is)."""
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):  # the codes without building a Series
        return np.asarray(column.array.codes), {str(c): i for i, c in
                                                 enumerate(dtype.categories.tolist())}
    names, codes = np.unique(column.astype(str).to_numpy(dtype=object), return_inverse=True)
    return codes, {str(c): i for i, c in enumerate(names)}


def _phase_codes(column: pd.Series) -> np.ndarray:
    """Phase names → :class:`Phase` values (int); unknown names raise."""
    dtype = column.dtype
    try:
        if isinstance(dtype, pd.CategoricalDtype):
            lookup = np.array([_PHASE_VALUE[str(c)] for c in dtype.categories.tolist()],
                              dtype=np.int64)
            codes = np.asarray(column.array.codes)
            if (codes < 0).any():
                raise KeyError("(missing)")
            return lookup[codes]
        return np.array([_PHASE_VALUE[str(v)] for v in column], dtype=np.int64)
    except KeyError as exc:
        raise StatisticError(f"{column.name}: unknown phase {exc.args[0]!r}") from None


class _Run:
    """Months 0..end_month of one run's frames, as arrays (each read once, on first use)."""

    def __init__(self, series: pd.DataFrame, events: pd.DataFrame | None, end_month: int,
                 scheduled: Sequence[Any] | None):
        n = int(end_month) + 1
        months = series["month"].to_numpy() if "month" in series.columns \
            else np.arange(len(series))
        if end_month < 0 or len(months) < n or (months[:n] != np.arange(n)).any():
            raise StatisticError(f"the statistics need months 0..{end_month} in order; the "
                                 f"series has {len(months)} rows (months "
                                 f"{months[:1].tolist()}..{months[-1:].tolist()})")
        self.n, self.series, self.events, self._scheduled = n, series, events, scheduled
        self._cache: dict[tuple[str, ...], Any] = {}
        keep = events["month"].to_numpy() < n if events is not None and len(events) else None
        self._keep = keep if keep is not None and keep.any() else None

    def _cached(self, key: tuple[str, ...], make: Callable[[], Any]) -> Any:
        out = self._cache.get(key)
        if out is None:
            out = self._cache[key] = make()
        return out

    def floats(self, name: str) -> np.ndarray:
        if name not in self.series.columns:
            raise StatisticError(f"the series has no column {name!r}")
        return self._cached(("col", name),
                            lambda: self.series[name].to_numpy(dtype=float)[:self.n])

    def phases(self, sector: str) -> np.ndarray:
        key = f"phase.{sector}"
        if key not in self.series.columns:
            raise StatisticError(f"the run has no sector {sector!r} (no column {key!r})")
        return self._cached(("col", key), lambda: _phase_codes(self.series[key])[:self.n])

    def episodes(self, sector: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A sector's phase episodes: (phase, first month, last month), in order."""
        def make() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            ph = self.phases(sector)
            cuts = np.flatnonzero(ph[1:] != ph[:-1]) + 1
            starts = np.concatenate(([0], cuts))
            return ph[starts], starts, np.concatenate((cuts - 1, [self.n - 1]))
        return self._cached(("episodes", sector), make)

    def crackdowns(self, sector: str) -> list[tuple[int, int, int]]:
        """Onset, last month and episode index of each crackdown with an onset."""
        def make() -> list[tuple[int, int, int]]:
            ph, starts, ends = self.episodes(sector)
            idx = np.flatnonzero((ph == CRACKDOWN) & (starts > 0))
            return [(int(starts[i]), int(ends[i]), int(i)) for i in idx]
        return self._cached(("crackdowns", sector), make)

    def event(self, name: str) -> np.ndarray:
        """A numeric event-log column (``month``, ``firm_id``, ``magnitude``...) over the window."""
        return self._cached(("event", name), lambda: np.zeros(0) if self._keep is None
                            else self.events[name].to_numpy(dtype=float)[self._keep])

    def is_(self, name: str, value: str) -> np.ndarray:
        """Rows of the window whose text column ``name`` (kind, sector, detail) is ``value``."""
        if self._keep is None:
            return np.zeros(0, dtype=bool)

        def make() -> tuple[np.ndarray, dict[str, int]]:
            codes, index = _codes(self.events[name])
            return codes[self._keep], index
        codes, index = self._cached(("codes", name), make)
        return self._cached(("is", name, value), lambda: codes == index.get(value, -2))

    def sanctions(self, sector: str) -> np.ndarray:
        """Rows of the sector's sanctions."""
        return self.is_("kind", EventKind.SANCTION.value) & self.is_("sector", sector)

    def scheduled_month(self, kind: str, sector: str) -> int | None:
        """Month of the first scheduled event of a kind in a sector within the window."""
        if self._scheduled is not None:
            found = [int(e.month) for e in self._scheduled
                     if str(e.kind) == kind and str(e.sector) == sector and e.month < self.n]
        else:
            mask = (self.is_("kind", EventKind.SCHEDULED.value) & self.is_("detail", kind)
                    & self.is_("sector", sector))
            found = self.event("month")[mask].astype(int).tolist()
        return min(found) if found else None


def _nth(r: _Run, s: str, k: int) -> tuple[int, int, int] | None:
    """The ``k``-th crackdown with an onset (0 first, 1 second, -1 last), or None."""
    cds = r.crackdowns(s)
    return cds[k] if -len(cds) <= k < len(cds) else None


def _onset(r: _Run, s: str, k: int) -> float:
    cd = _nth(r, s, k)
    return float(r.n) if cd is None else float(cd[0])


def _length(r: _Run, s: str, k: int) -> float:
    cd = _nth(r, s, k)
    return 0.0 if cd is None else float(cd[1] - cd[0] + 1)


def _ban_month(r: _Run, s: str) -> float:
    hit = np.flatnonzero(r.phases(s) == BANNED)
    return float(hit[0]) if hit.size else float(r.n)


def _headline_fine(r: _Run, s: str) -> float:
    cds = r.crackdowns(s)
    if not cds:
        return 0.0
    onset, end, _ = cds[0]
    month = r.event("month")
    mask = r.sanctions(s) & (month >= onset) & (month <= end)
    if not mask.any():
        return 0.0
    at = month[mask].astype(int)
    dominant = r.event("firm_revenue")[mask] >= DOMINANT_SHARE * r.floats(f"revenue.{s}")[at]
    firms, shares = r.event("firm_id")[mask][dominant], r.event("magnitude")[mask][dominant]
    if firms.size == 0:
        return 0.0
    largest = [shares[firms == f].max() for f in np.unique(firms)]
    return float(np.median(largest))


def _campaign_year(r: _Run, s: str) -> tuple[int, int] | None:
    """The first crackdown's first 12 months (cut at the window), or None."""
    cds = r.crackdowns(s)
    return None if not cds else (cds[0][0], min(cds[0][0] + WINDOW, r.n))


def _cases_ratio(r: _Run, s: str) -> float:
    year = _campaign_year(r, s)
    if year is None:
        return 1.0
    c = r.floats(f"cases.{s}")
    t0, t1 = year
    return float(c[t0:t1].sum() / max(c[max(0, t0 - WINDOW):t0].sum(), 1.0))


def _fines_ratio(r: _Run, s: str) -> float:
    year = _campaign_year(r, s)
    if year is None:
        return 1.0
    f = r.floats(f"fines.{s}")
    t0, t1 = year
    after, before = float(f[t0:t1].sum()), float(f[max(0, t0 - WINDOW):t0].sum())
    if after <= 0.0:
        return 1.0 if before <= 0.0 else 0.0
    return min(after / before, RATIO_CAP) if before > 0.0 else RATIO_CAP


def _top2_share(r: _Run, s: str) -> float:
    year = _campaign_year(r, s)
    if year is None:
        return 0.0
    month = r.event("month")
    mask = r.sanctions(s) & (month >= year[0]) & (month < year[1])
    fines = r.event("fine")[mask]
    total = float(fines.sum())
    if total <= 0.0:
        return 0.0
    _, firm = np.unique(r.event("firm_id")[mask], return_inverse=True)
    per_firm = np.sort(np.bincount(firm, weights=fines))
    return float(per_firm[-2:].sum() / total)


def _cycle_end(r: _Run, s: str, k: int) -> tuple[int | None, int]:
    """For the crackdown at episode ``k``: (first COMPROMISE month or None, last cycle month)."""
    ph, starts, ends = r.episodes(s)
    if k + 1 < len(ph) and ph[k + 1] == COMPROMISE:
        return int(starts[k + 1]), int(ends[k + 1])
    return None, int(ends[k])


def _easing_to_trough(r: _Run, s: str) -> float:
    cds = r.crackdowns(s)
    if not cds:
        return 0.0
    onset, _, k = cds[0]
    easing, last = _cycle_end(r, s, k)
    v = r.floats("valuation_index")
    trough = onset + int(np.argmin(v[onset:last + 1]))
    return float(trough - (easing if easing is not None else r.n))


def _listing_rectification(r: _Run, s: str) -> float:
    at = r.scheduled_month(ScheduledKind.FOREIGN_LISTING.value, s)
    if at is None:
        raise StatisticError(f"listing_rectification.{s} needs a scheduled foreign_listing in "
                             f"{s} within months 0..{r.n - 1}; the run has none")
    ph = r.phases(s)
    if ph[at] == LOOSE:
        return 0.0
    back = np.flatnonzero(ph[at + 1:] == LOOSE)
    return float(back[0] + 1) if back.size else float(r.n - at)


def _drawdown_max(r: _Run, sectors: Sequence[str]) -> float:
    v = r.floats("valuation_index")
    falls = []
    for s in sectors:
        ph, starts, _ = r.episodes(s)
        for k in np.flatnonzero(ph == CRACKDOWN):  # every crackdown, as crackdown_rows
            i0 = int(starts[k])
            _, last = _cycle_end(r, s, int(k))
            peak = float(np.nanmax(v[max(0, i0 - WINDOW):i0 + 1]))
            if peak > 0:
                falls.append(1.0 - float(np.nanmin(v[i0:last + 1])) / peak)
    return max(falls) if falls else 0.0


def _wave_spread(r: _Run, sectors: Sequence[str]) -> float:
    onsets = [np.array([c[0] for c in r.crackdowns(s)], dtype=np.int64) for s in sectors]
    best = float(r.n)
    for t in np.unique(np.concatenate(onsets)):
        nxt = [o[o >= t] for o in onsets]
        if all(x.size for x in nxt):
            best = min(best, float(max(int(x[0]) for x in nxt) - t))
    return best


_FUNCS: dict[str, Callable[[_Run], float]] = {}
STATISTICS: dict[str, Statistic] = {}
"""Every statistic by name: per sector ``<statistic>.<sector>`` for each default sector,
per pair of sectors ``gap.<a>.<b>``, and a few economy-wide ones."""


def _add(stat: Statistic, fn: Callable[[_Run], float]) -> None:
    STATISTICS[stat.name] = stat
    _FUNCS[stat.name] = fn


_ONSET = ("month of the {n} crackdown onset of {s}; end_month + 1 if none by end_month", "month")
_LENGTH = ("months in CRACKDOWN of the {n} crackdown of {s} (onset to the easing into COMPROMISE "
           "or to a ban); counted to end_month if running; 0 if there was none", "months")
_PER_SECTOR: tuple[tuple[str, str, str, str, tuple[float, float],
                         Callable[[_Run, str], float], tuple[str, ...]], ...] = (
    ("first_onset", *_ONSET, "month", (0, _INF), lambda r, s: _onset(r, s, 0), ()),
    ("second_onset", *_ONSET, "month", (0, _INF), lambda r, s: _onset(r, s, 1), ()),
    ("last_onset", *_ONSET, "month", (0, _INF), lambda r, s: _onset(r, s, -1), ()),
    ("first_length", *_LENGTH, "duration", (0, _INF), lambda r, s: _length(r, s, 0), ()),
    ("second_length", *_LENGTH, "duration", (0, _INF), lambda r, s: _length(r, s, 1), ()),
    ("last_length", *_LENGTH, "duration", (0, _INF), lambda r, s: _length(r, s, -1), ()),
    ("crackdowns", "crackdown onsets of {s} by end_month (summary's n_crackdowns.<s>)",
     "crackdowns", "count", (0, _INF), lambda r, s: float(len(r.crackdowns(s))), ()),
    ("any_crackdown", "1 if {s} is in CRACKDOWN in any month up to end_month, else 0", "",
     "indicator", (0, 1), lambda r, s: float((r.phases(s) == CRACKDOWN).any()), ()),
    ("banned", "1 if {s} is BANNED by end_month, else 0", "", "indicator", (0, 1),
     lambda r, s: float((r.phases(s) == BANNED).any()), ()),
    ("ban_month", "first BANNED month of {s}; end_month + 1 if not banned by then", "month",
     "month", (0, _INF), _ban_month, ()),
    ("headline_fine", "median over {s}'s dominant firms (revenue ≥ 5 % of the sector's) of each "
     "one's largest fine in its first crackdown, as a share of annual revenue (event magnitude); "
     "0 if no crackdown or no dominant firm fined", "share of annual revenue", "share", (0, 1),
     _headline_fine, ()),
    ("cases_ratio", "cases in {s} in the first 12 months of its first crackdown ÷ cases in the 12 "
     "months before (at least 1); 1 if no crackdown", "ratio", "ratio", (0, _INF),
     _cases_ratio, ()),
    ("fines_ratio", "fines in {s} in the first 12 months of its first crackdown ÷ fines in the 12 "
     f"months before, capped at {RATIO_CAP:g} (also when none before); 1 if no crackdown or no "
     "fines at all", "ratio", "ratio", (0, RATIO_CAP), _fines_ratio, ()),
    ("top2_fine_share", "share of the two most-fined firms in {s}'s fines over the first 12 "
     "months of its first crackdown; 0 if no crackdown or no fines", "share", "share", (0, 1),
     _top2_share, ()),
    ("easing_to_trough", "months from {s}'s first easing (first COMPROMISE month after its first "
     "crackdown) to the valuation index's lowest month from that crackdown's onset to the end "
     "of the compromise (the cycle; to end_month if it runs on); negative if the trough came "
     "first; with no easing by end_month the easing counts as end_month + 1; 0 if no "
     "crackdown", "months", "duration", (-_INF, _INF), _easing_to_trough, ()),
    ("listing_rectification", "months from the scheduled foreign listing in {s} to {s}'s next "
     "LOOSE month (the end of the crackdown and compromise then under way or started by the "
     "listing); 0 if {s} is LOOSE in the listing's month; counted to end_month + 1 if not "
     "LOOSE again by then", "months", "duration", (0, _INF), _listing_rectification,
     ("foreign_listing",)),
)


def _build() -> None:
    for base, doc, unit, kind, bounds, fn, needs in _PER_SECTOR:
        for s in _SECTORS:
            n = base.partition("_")[0]
            _add(Statistic(f"{base}.{s}", doc.format(s=s, n=n), unit, kind, (s,),
                           tuple((k, s) for k in needs), bounds),
                 lambda r, fn=fn, s=s: fn(r, s))
    for a, b in combinations(_SECTORS, 2):
        _add(Statistic(f"gap.{a}.{b}", f"first onset of {b} minus first onset of {a} (months; "
                       "each censored at end_month + 1)", "months", "duration", (a, b)),
             lambda r, a=a, b=b: _onset(r, b, 0) - _onset(r, a, 0))
    c = CAMPAIGN_SECTORS
    names = ", ".join(c)
    _add(Statistic("onset_spread", f"months from the first to the last of the first onsets of "
                   f"{names} (a sector with none counts at end_month + 1; "
                   "stylized.onset_spread)", "months", "duration", c, bounds=(0, _INF)),
         lambda r: float(max([_onset(r, s, 0) for s in c]) - min([_onset(r, s, 0) for s in c])))
    _add(Statistic("wave_spread", f"the shortest span of months holding one onset of each of "
                   f"{names} (the tightest campaign wave, whichever crackdowns it is made of); "
                   "end_month + 1 if no such wave by end_month", "months", "duration", c,
                   bounds=(0, _INF)),
         lambda r: _wave_spread(r, c))
    _add(Statistic("drawdown_max", "largest fall of the valuation index around a crackdown of "
                   "any sector: 1 − (lowest index from onset to the end of the following "
                   "compromise) ÷ (highest in the 12 months up to onset); summary's "
                   "drawdown_max; 0 if no crackdown", "share", "share", _SECTORS,
                   bounds=(-_INF, 1)),
         lambda r: _drawdown_max(r, _SECTORS))


_build()


def describe_statistics() -> str:
    """The statistics' names in short (``first_onset.<sector>``...), for error messages."""
    families = dict.fromkeys(
        f"{n.split('.')[0]}.<sector>" if n.count(".") == 1 else
        "gap.<sector>.<sector>" if n.startswith("gap.") else n for n in STATISTICS)
    return f"one of {', '.join(families)} (sectors: {', '.join(_SECTORS)})"


def statistics_of(series: pd.DataFrame, events: pd.DataFrame | None, *, end_month: int,
                  names: Sequence[str], scheduled: Sequence[Any] | None = None
                  ) -> dict[str, float]:
    """The named statistics of one run, over months ``0..end_month``.

    Args:
        series: the run's series frame (months 0.. in order; more months are ignored).
        events: its event log (None: no events; event statistics take their neutral values).
        end_month: the last month of the window (the record's end: 2025-12 is 215 from 2008-01).
        names: keys of :data:`STATISTICS`.
        scheduled: the run's scheduled events (``params.exogenous.events``: objects with
            ``month``, ``kind``, ``sector``); None reads them from the event log's
            ``scheduled`` rows.

    Returns:
        ``{name: value}`` in the order of ``names``, plain finite Python floats.

    Raises:
        StatisticError: an unknown name, a sector or column the run lacks, a statistic whose
            scheduled event the run lacks, or a series shorter than the window.
    """
    unknown = [n for n in names if n not in _FUNCS]
    if unknown:
        raise StatisticError(f"unknown statistics {unknown}; see sim.calibration.STATISTICS")
    run = _Run(series, events, end_month, scheduled)
    out: dict[str, float] = {}
    for name in names:
        value = float(_FUNCS[name](run))
        if not np.isfinite(value):  # pragma: no cover - every statistic is censored finite
            raise StatisticError(f"{name} is not finite ({value})")
        out[name] = value
    return out


def simulate(params: Params, seed: int, *, end_month: int, names: Sequence[str]
             ) -> dict[str, float]:
    """Run the model for months ``0..end_month`` and return :func:`statistics_of` the run.

    Args:
        params: the run's parameters (its scheduled events are read from them).
        seed: the run's seed (``RegulatoryModel(params, rng=seed)``).
        end_month: the window's last month.
        names: keys of :data:`STATISTICS`.
    """
    model = RegulatoryModel(params, rng=seed).run(end_month + 1)
    return statistics_of(model.series(), model.events(), end_month=end_month, names=names,
                         scheduled=params.exogenous.events)
