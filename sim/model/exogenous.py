"""Exogenous inputs as the month reads them (MODEL.md §2, 'optional exogenous series').

The exogenous series (``foreign_climate``, ``macro_shock``) are step functions expanded to one
value a month. Scheduled events are grouped by month; each acts in the stage of the month that
owns it (docs/ODD.md §6): scandals in the public's stage (:func:`add_scheduled_scandals`),
defiance and foreign listings among the firms' rare events (:func:`firm_acts`), macro shocks in
the pain of markets (:func:`macro_pulse`). No randomness.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from .params import ScheduledEvent
from .states import ScheduledKind

MACRO_PULSE_MONTHS = 6.0
"""Time constant over which a scheduled macro shock fades from economy pain."""

FIRM_ACTS: tuple[str, ...] = (ScheduledKind.DEFIANCE.value, ScheduledKind.FOREIGN_LISTING.value)
"""Scheduled kinds a sector's largest firm carries out (:func:`firm_acts`)."""


def step_series(breakpoints: tuple[tuple[int, float], ...], months: int) -> np.ndarray:
    """Expand ``((month, value), ...)`` into a monthly step function (0 before the first)."""
    out = np.zeros(months)
    for m, v in breakpoints:
        if m < months:
            out[m:] = v
    return out


def extend_series(values: np.ndarray, months: int) -> np.ndarray:
    """``values`` continued at its last value up to ``months`` entries (a run past its horizon)."""
    return np.concatenate([values, np.full(months - len(values), values[-1])])


def events_by_month(events: Iterable[ScheduledEvent]) -> dict[int, list[ScheduledEvent]]:
    """Scheduled events grouped by month, each month's in the order given."""
    out: dict[int, list[ScheduledEvent]] = {}
    for ev in events:
        out.setdefault(ev.month, []).append(ev)
    return out


def firm_acts(scheduled: Sequence[ScheduledEvent]) -> list[ScheduledEvent]:
    """This month's scheduled defiance and foreign listings (:data:`FIRM_ACTS`), in order."""
    return [ev for ev in scheduled if ev.kind in FIRM_ACTS]


def add_scheduled_scandals(scandals: list[np.ndarray], scheduled: Sequence[ScheduledEvent],
                           sector_names: Sequence[str]) -> None:
    """Append this month's scheduled scandal magnitudes to the drawn ones, sector by sector.

    Args:
        scandals: the drawn magnitudes, one array per sector (changed in place).
        scheduled: this month's scheduled events.
        sector_names: the sectors in table order.
    """
    for ev in scheduled:
        if ev.kind == ScheduledKind.SCANDAL.value:
            s = sector_names.index(ev.sector)
            scandals[s] = np.append(scandals[s], ev.magnitude)


def macro_pulse(pulse: float, scheduled: Sequence[ScheduledEvent]) -> float:
    """The macro pulse this month: last month's × e^{−1/6} plus this month's macro shocks."""
    pulse *= np.exp(-1.0 / MACRO_PULSE_MONTHS)
    for ev in scheduled:
        if ev.kind == ScheduledKind.MACRO_SHOCK.value:
            pulse += ev.magnitude
    return pulse


__all__ = [
    "FIRM_ACTS",
    "MACRO_PULSE_MONTHS",
    "add_scheduled_scandals",
    "events_by_month",
    "extend_series",
    "firm_acts",
    "macro_pulse",
    "step_series",
]
