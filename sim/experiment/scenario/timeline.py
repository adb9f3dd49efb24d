"""Checking what a scenario puts on the run's calendar: scheduled events and exogenous series.

Scenario files give months either as an index from the start of the run or as a calendar month
``"YYYY-MM"``; :class:`Calendar` reads both against the run's ``start_date`` and ``months``.
The rules for a scheduled event itself (kinds, sectors, magnitude bound) are the model's:
:func:`sim.model.params.check_event` applies them, and this module reports what it finds in
the file's terms. Only the shape of an ``[[events]]`` table (keys, ``month`` or ``date``, a
required kind and sector) is checked here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ...model.params import SCHEDULED_KINDS, RunParams, ScheduledEvent, check_event, parse_month
from ...model.states import ScheduledKind
from ..problems import MISSING, Checker, one_of

__all__ = ["EVENT_KEYS", "EXOGENOUS_KEYS", "Calendar", "check_events", "check_exogenous"]

EVENT_KEYS: tuple[str, ...] = ("month", "date", "kind", "sector", "magnitude", "note")
"""The keys of an ``[[events]]`` table."""

EXOGENOUS_KEYS: tuple[str, ...] = ("foreign_climate", "macro_shock")
"""The series of the ``[exogenous]`` table."""

Series = tuple[tuple[int, float], ...]


@dataclass(frozen=True, slots=True)
class Calendar:
    """The run's months, for reading months written in a scenario.

    Attributes:
        months: the run's length (the default when ``run.months`` is invalid).
        start: the calendar month of month 0, ``"YYYY-MM"``.
        known: whether both came out valid; if not, dates cannot be placed in the run (and are
            only checked to be dates), since the problem is already reported under ``[run]``.
    """

    months: int = RunParams().months
    start: str = RunParams().start_date
    known: bool = True

    def index(self, text: str) -> int:
        """Months from the start to the month ``"YYYY-MM"`` (negative before the start)."""
        d, s = parse_month(text), parse_month(self.start)
        return (d.year - s.year) * 12 + (d.month - s.month)

    def date(self, index: int) -> str:
        """The calendar month ``"YYYY-MM"`` of a month index."""
        d = parse_month(self.start)
        total = d.year * 12 + d.month - 1 + index
        return f"{total // 12:04d}-{total % 12 + 1:02d}"

    def check_month(self, c: Checker, key: str, value: Any) -> int | None:
        """A month written as an index or as ``"YYYY-MM"``; return the index if within the run."""
        if isinstance(value, str):
            return self._check_date(c, key, value)
        last = self.months - 1
        allowed = f"an integer in [0, {last}] (months since the start) or a date \"YYYY-MM\""
        if isinstance(value, bool) or not isinstance(value, int):
            c.add(key, value, allowed, "wrong type")
            return None
        if not 0 <= value <= last:
            c.add(key, value, allowed, "outside the run")
            return None
        return value

    def _check_date(self, c: Checker, key: str, value: str) -> int | None:
        if not self.known:
            allowed = "a month \"YYYY-MM\" within the run"
        else:
            allowed = f"a month \"YYYY-MM\" from {self.start} to {self.date(self.months - 1)}"
        try:
            parse_month(value)
        except ValueError:
            c.add(key, value, allowed, "not a date")
            return None
        if not self.known:
            return None
        index = self.index(value)
        if index < 0:
            c.add(key, value, allowed, f"before the start of the run ({self.start})")
            return None
        if index >= self.months:
            c.add(key, value, allowed,
                  f"after the end of the run (month {index} of {self.months})")
            return None
        return index


# --------------------------------------------------------------------------------------------
# Scheduled events
# --------------------------------------------------------------------------------------------

_EVENT_TABLES = "an array of tables ([[events]])"


def check_events(c: Checker, events: Any, sectors: Sequence[str],
                 calendar: Calendar) -> list[ScheduledEvent]:
    """Check the ``[[events]]`` tables; return the valid events, in file order.

    Args:
        c: collects the problems.
        events: the merged ``events`` value (:data:`MISSING`: none).
        sectors: the run's sector names.
        calendar: the run's months.
    """
    if events is MISSING:
        return []
    if not isinstance(events, list):
        c.add("events", events, _EVENT_TABLES, "wrong type")
        return []
    if events and all(isinstance(ev, str) for ev in events):
        # a list of event kinds: the [run] table's `events` written at the top level
        c.add("events", events, _EVENT_TABLES,
              "scheduled events are tables; to choose the event kinds stored, write "
              "events = [...] in the [run] table")
        return []
    out = []
    for i, ev in enumerate(events):
        base = f"events[{i}]"
        if not c.table(base, ev):
            continue
        for k, v in ev.items():
            if k not in EVENT_KEYS:
                c.unknown(f"{base}.{k}", k, v, EVENT_KEYS)
        event = _check_event(c, base, ev, sectors, calendar)
        if "note" in ev:
            c.string(f"{base}.note", ev["note"])
        if event is not None:
            out.append(event)
    return out


def _event_month(c: Checker, base: str, ev: Mapping[str, Any], calendar: Calendar) -> int | None:
    """An event's month index, from ``month`` or ``date`` (one of the two)."""
    if "month" in ev and "date" in ev:
        c.add(f"{base}.date", ev["date"], "either month or date", "given together with month")
        return None
    if "month" in ev:
        return calendar.check_month(c, f"{base}.month", ev["month"])
    if "date" in ev:
        if c.string(f"{base}.date", ev["date"], "a month \"YYYY-MM\""):
            return calendar.check_month(c, f"{base}.date", ev["date"])
        return None
    c.add(f"{base}.month", MISSING, "a month index, or a date \"YYYY-MM\"", "missing")
    return None


def _check_event(c: Checker, base: str, ev: Mapping[str, Any], sectors: Sequence[str],
                 calendar: Calendar) -> ScheduledEvent | None:
    """One ``[[events]]`` table as an event, or None after reporting its problems."""
    month = _event_month(c, base, ev, calendar)
    kind = ev.get("kind", MISSING)
    sector = ev.get("sector", MISSING)
    magnitude = ev.get("magnitude", 1.0)
    # What only a file can get wrong: a missing key, or a sector named for a macro shock (the
    # model ignores it; in a file it is most likely a mistake, so it is refused).
    own: dict[str, tuple[Any, str, str]] = {}
    if kind is MISSING:
        own["kind"] = (kind, one_of(SCHEDULED_KINDS), "missing")
    if kind == ScheduledKind.MACRO_SHOCK.value:
        if sector not in (MISSING, ""):
            own["sector"] = (sector, "no sector (a macro shock is economy-wide)",
                             "not allowed for macro_shock")
        sector = ""
    elif sector is MISSING:
        own["sector"] = (sector, one_of(sectors), "missing")
    # The month was read by the calendar above, in the file's terms (dates, the run's start):
    # the index it returns is within the run, so 0 stands in for a bad one. A missing kind or
    # sector goes in as MISSING: the model's problem with it gives way to "missing" below.
    event = ScheduledEvent(month=0 if month is None else month, kind=kind, sector=sector,
                           magnitude=magnitude)
    found = {p.key.rpartition(".")[2]: p for p in check_event(event, base, sectors,
                                                              calendar.months)}
    choices = {"kind": SCHEDULED_KINDS, "sector": sectors}
    for name in ("kind", "sector", "magnitude"):  # the order problems are listed in
        if name in own:
            c.add(f"{base}.{name}", *own[name])
        elif name in found:
            c.adopt(found[name], choices.get(name, ()))
    if month is None or own or found:
        return None
    return ScheduledEvent(month=event.month, kind=event.kind, sector=event.sector,
                          magnitude=float(magnitude))


# --------------------------------------------------------------------------------------------
# Exogenous series
# --------------------------------------------------------------------------------------------


def check_exogenous(c: Checker, table: Any, calendar: Calendar) -> dict[str, Series]:
    """Check the ``[exogenous]`` table; return its valid series by name.

    Each series is a list of ``[month or "YYYY-MM", value]`` breakpoints in strictly
    increasing months, values in ``[0, 1]``.
    """
    out: dict[str, Series] = {}
    if table is MISSING or not c.table("exogenous", table):
        return out
    for name, series in table.items():
        key = f"exogenous.{name}"
        if name not in EXOGENOUS_KEYS:
            c.unknown(key, name, series, EXOGENOUS_KEYS)
            continue
        points = _series_points(c, key, series, calendar)
        if points is None:
            continue
        months = [m for m, _ in points]
        if months != sorted(set(months)):
            c.add(key, series, "breakpoints in strictly increasing months", "unordered")
        else:
            out[name] = points
    return out


def _series_points(c: Checker, key: str, series: Any, calendar: Calendar) -> Series | None:
    """A series' breakpoints as ``(month index, value)``, or None after reporting a problem."""
    if not isinstance(series, list):
        c.add(key, series, "a list of [month or \"YYYY-MM\", value] pairs", "wrong type")
        return None
    points: list[tuple[int, float]] = []
    ok = True
    for i, pair in enumerate(series):
        pkey = f"{key}[{i}]"
        if not isinstance(pair, list) or len(pair) != 2:
            c.add(pkey, pair, "a pair [month or \"YYYY-MM\", value]", "wrong type")
            ok = False
            continue
        m = calendar.check_month(c, pkey, pair[0])
        value_ok = c.number(pkey, pair[1], 0.0, 1.0)
        if m is None or not value_ok:
            ok = False
            continue
        points.append((m, float(pair[1])))
    return tuple(points) if ok else None
