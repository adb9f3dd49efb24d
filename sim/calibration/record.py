"""The dated record as data: ``data/record.toml`` read and checked like a scenario file.

A record file lists what China's 2008–2025 record shows, each quantity mapped to a summary
statistic of :mod:`sim.calibration.statistics` and placed in one of three sets: ``fit`` (the
calibration fits it), ``heldout`` (never fitted: reported out of sample beside its posterior
predictive interval) or ``design`` (the model was built or tuned to produce it: reported, not
out of sample). Shape (``data/record.toml`` is the full example)::

    schema_version = 1
    [record]                      # name, description, and the statistics' window:
    start_date = "2008-01"        # month 0 (the scenario's run.start_date) ...
    end_date = "2025-12"          # ... to the last month observed
    [observations.platform_onset]
    set = "fit"                   # fit | heldout | design
    statistic = "first_onset.platform"
    date = "2020-11"              # a month statistic as a date, range = [first, last] month;
    range = ["2020-11", "2020-12"]  # any other: value = 17.5, range = [low, high]
    description = "..."           # + note = "..." (optional): what the mapping captures
    sources = ["https://..."]
    [unmapped.p2p_lending]        # a fact with no model counterpart: description, reason,
                                  # sources; never mapped

Loading collects every problem (file, key, value, what is allowed) and raises one
:class:`RecordError`, a :class:`~sim.experiment.problems.ScenarioError`, so the command line
prints them all and exits 2 as it does for scenarios.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..experiment.problems import MISSING, Checker, ScenarioError, ScenarioProblem, closest, one_of
from ..model.params import Params, parse_month
from .statistics import STATISTICS, describe_statistics

__all__ = [
    "RECORD_SETS",
    "SCHEMA_VERSION",
    "Observation",
    "Record",
    "RecordError",
    "Unmapped",
    "check_against",
    "load_record",
    "month_index",
]

RECORD_SETS: tuple[str, ...] = ("fit", "heldout", "design")
"""The sets an observation belongs to (see the module docstring)."""

SCHEMA_VERSION = 1
"""The record file format version (optional top-level ``schema_version``)."""

TOP_KEYS = ("schema_version", "record", "observations", "unmapped")
RECORD_KEYS = ("name", "description", "start_date", "end_date")
OBSERVATION_KEYS = ("set", "statistic", "date", "value", "range", "description", "note",
                    "sources")
UNMAPPED_KEYS = ("description", "reason", "sources")

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}$")
_MONTH = 'a month "YYYY-MM"'
_SOURCES = "a non-empty list of URLs (http:// or https://)"


class RecordError(ScenarioError):
    """A record file could not be loaded, or does not fit a scenario; carries every problem."""


@dataclass(frozen=True, slots=True)
class Observation:
    """One observed quantity of the record.

    Attributes:
        name: key of its ``[observations.<name>]`` table.
        set: one of :data:`RECORD_SETS`.
        statistic: a key of :data:`sim.calibration.statistics.STATISTICS`.
        value: the observed value in the statistic's unit (a month index for dates).
        low: lower end of its uncertainty range (inclusive), ``low <= value <= high``.
        high: upper end.
        date: the date as written (``"2020-11"``) when the statistic is a month, else None.
        description: one line a reader understands.
        note: what the model quantity counts, and caveats.
        sources: URLs (from research/theory.md §2–§3).
    """

    name: str
    set: str
    statistic: str
    value: float
    low: float
    high: float
    date: str | None
    description: str
    note: str
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Unmapped:
    """A fact of the record with no model counterpart (kept so that its absence is visible)."""

    name: str
    description: str
    reason: str
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Record:
    """A loaded record.

    Attributes:
        path: the file read (None for a record built in code).
        name: the record's name.
        description: what it covers.
        start_date: month 0 of the statistics (``"2008-01"``); must be the scenario's.
        end_date: the last observed month (``"2025-12"``).
        observations: the observed quantities, in file order.
        unmapped: facts without a model counterpart.
    """

    path: str | None
    name: str
    description: str
    start_date: str
    end_date: str
    observations: tuple[Observation, ...]
    unmapped: tuple[Unmapped, ...] = ()

    def of_set(self, which: str) -> tuple[Observation, ...]:
        """The observations of one set, in file order."""
        if which not in RECORD_SETS:
            raise ValueError(f"unknown set {which!r}; allowed: {one_of(RECORD_SETS)}")
        return tuple(o for o in self.observations if o.set == which)

    @property
    def fitting(self) -> tuple[Observation, ...]:
        """The fitting set."""
        return self.of_set("fit")

    @property
    def held_out(self) -> tuple[Observation, ...]:
        """The held-out set (never fitted)."""
        return self.of_set("heldout")

    @property
    def design_targets(self) -> tuple[Observation, ...]:
        """The design targets (reported, not out of sample)."""
        return self.of_set("design")

    @property
    def end_month(self) -> int:
        """The last observed month counted from the start (2008-01 → 2025-12: 215)."""
        return month_index(self.end_date, self.start_date)


def month_index(date: str, start: str) -> int:
    """Months from ``start`` to ``date`` (both ``"YYYY-MM"``)."""
    d, s = parse_month(date), parse_month(start)
    return (d.year - s.year) * 12 + (d.month - s.month)




def _read(path: Path, source: str) -> tuple[dict[str, Any] | None, list[ScenarioProblem]]:
    """The parsed file, or why it cannot be read (one problem with the whole file)."""
    try:
        return tomllib.loads(path.read_bytes().decode("utf-8")), []
    except FileNotFoundError:
        message = "no such record file"
    except IsADirectoryError:
        message = "is a folder, not a record file"
    except UnicodeDecodeError:
        message = "is not UTF-8 text"
    except OSError as exc:
        message = f"cannot be read ({exc.strerror})"
    except tomllib.TOMLDecodeError as exc:  # also a table or key given twice
        message = f"is not valid TOML: {exc}"
    return None, [ScenarioProblem(source, "", None, "", message)]


def load_record(path: str | Path) -> Record:
    """Read and check a record file.

    Args:
        path: the record file (TOML).

    Returns:
        The :class:`Record`.

    Raises:
        RecordError: listing every problem found (file, key, value, what is allowed).
    """
    source = str(path)
    data, problems = _read(Path(path), source)
    if data is None:
        raise RecordError(problems)
    c = Checker({}, source)
    _keys(c, "", data, TOP_KEYS)
    version = data.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION or isinstance(version, bool):
        c.add("schema_version", version, str(SCHEMA_VERSION), "unsupported version")
    header = _header(c, data.get("record", MISSING))
    window = (header["start_date"], header["end_date"]) if header["start_date"] \
        and header["end_date"] else None
    observations = _observations(c, data.get("observations", MISSING), window)
    unmapped = _unmapped(c, data.get("unmapped", {}))
    if c.problems:
        raise RecordError(c.problems)
    return Record(path=source, name=header["name"], description=header["description"],
                  start_date=header["start_date"], end_date=header["end_date"],
                  observations=tuple(observations), unmapped=tuple(unmapped))


def _header(c: Checker, table: Any) -> dict[str, Any]:
    out: dict[str, Any] = dict.fromkeys(RECORD_KEYS)
    if table is MISSING:
        c.add("record", MISSING, "a [record] table with " + ", ".join(RECORD_KEYS), "missing")
        return out
    if not c.table("record", table):
        return out
    _keys(c, "record", table, RECORD_KEYS)
    name = out["name"] = _text(c, "record.name", table.get("name", MISSING))
    if name is not None and not _NAME_RE.match(name):
        c.add("record.name", name, "a name of letters, digits, '_', '-' and '.'",
              "not a valid name")
        out["name"] = None
    out["description"] = _text(c, "record.description", table.get("description", MISSING))
    for k in ("start_date", "end_date"):
        out[k] = _month(c, f"record.{k}", table.get(k, MISSING), None)
    if out["start_date"] and out["end_date"] and \
            month_index(out["end_date"], out["start_date"]) < 0:
        c.add("record.end_date", out["end_date"], f"a month from {out['start_date']} on",
              "before start_date")
        out["end_date"] = None
    return out


def _keys(c: Checker, prefix: str, table: dict[str, Any], allowed: Sequence[str]) -> None:
    """Report the keys of a table that are not ``allowed``."""
    for k, v in table.items():
        if k not in allowed:
            c.unknown(f"{prefix}.{k}" if prefix else k, k, v, allowed)


def _string(c: Checker, key: str, value: Any, allowed: str) -> str | None:
    """A required string."""
    if value is MISSING:
        c.add(key, value, allowed, "missing")
        return None
    return value if c.string(key, value, allowed) else None


def _text(c: Checker, key: str, value: Any, required: bool = True) -> str | None:
    """A non-empty one-line string (or None when optional and absent)."""
    allowed = "a non-empty string"
    if value is MISSING:
        if required:
            c.add(key, value, allowed, "missing")
        return None
    if c.string(key, value, allowed) and value.strip():
        return value.strip()
    if isinstance(value, str):
        c.add(key, value, allowed, "empty")
    return None


def _month(c: Checker, key: str, value: Any, window: tuple[str, str] | None) -> str | None:
    """A month ``"YYYY-MM"``, within ``window`` (start, end) when given."""
    allowed = _MONTH if window is None else f"{_MONTH} from {window[0]} to {window[1]}"
    if _string(c, key, value, allowed) is None:
        return None
    try:
        if not _DATE_RE.match(value):
            raise ValueError(value)
        parse_month(value)
    except ValueError:
        c.add(key, value, allowed, "not a date")
        return None
    if window is not None and not 0 <= month_index(value, window[0]) \
            <= month_index(window[1], window[0]):
        c.add(key, value, allowed, "outside the record's window")
        return None
    return value


def _sources(c: Checker, key: str, value: Any) -> tuple[str, ...] | None:
    if value is MISSING or not isinstance(value, list) or not value:
        c.add(key, value, _SOURCES, "missing" if value is MISSING else
              "empty" if isinstance(value, list) else "wrong type")
        return None
    bad = [i for i, url in enumerate(value)
           if not isinstance(url, str) or not url.startswith(("http://", "https://"))]
    for i in bad:
        c.add(f"{key}[{i}]", value[i], "a URL (http:// or https://)", "not a URL")
    return None if bad else tuple(value)


def _observations(c: Checker, tables: Any, window: tuple[str, str] | None
                  ) -> list[Observation]:
    allowed = "a table of [observations.<name>] tables"
    if tables is MISSING:
        c.add("observations", MISSING, allowed, "missing")
        return []
    if not c.table("observations", tables):
        return []
    if not tables:
        c.add("observations", tables, allowed, "empty")
    out: list[Observation] = []
    seen: dict[str, str] = {}
    for name, table in tables.items():
        key = f"observations.{name}"
        if not _KEY_RE.match(name):
            c.add(key, name, "a name of lower-case letters, digits and '_'", "not a valid name")
        if not c.table(key, table):
            continue
        obs = _observation(c, key, name, table, window)
        if obs is None:
            continue
        if obs.statistic in seen:
            c.add(f"{key}.statistic", obs.statistic, "each statistic observed once",
                  f"already observed by observations.{seen[obs.statistic]}")
            continue
        seen[obs.statistic] = name
        out.append(obs)
    return out


def _observation(c: Checker, key: str, name: str, table: dict[str, Any],
                 window: tuple[str, str] | None) -> Observation | None:
    before = len(c.problems)
    _keys(c, key, table, OBSERVATION_KEYS)
    which = _string(c, f"{key}.set", table.get("set", MISSING), one_of(RECORD_SETS))
    if which is not None and which not in RECORD_SETS:
        c.unknown(f"{key}.set", which, which, RECORD_SETS, "unknown set")
    stat_name = _string(c, f"{key}.statistic", table.get("statistic", MISSING),
                        describe_statistics())
    stat = STATISTICS.get(stat_name) if stat_name is not None else None
    if stat_name is not None and stat is None:
        _unknown_statistic(c, f"{key}.statistic", stat_name)
    is_date = stat.kind == "month" if stat is not None else "date" in table
    value = low = high = date = None
    if is_date:
        if "value" in table:
            c.add(f"{key}.value", table["value"], "date = \"YYYY-MM\" (a month statistic is "
                  "observed as a date)", "use date, not value")
        date = _month(c, f"{key}.date", table.get("date", MISSING), window)

        def month_of(k: str, v: Any) -> float | None:
            m = _month(c, k, v, window)
            return None if m is None or window is None else float(month_index(m, window[0]))

        bounds = _range(c, f"{key}.range", table.get("range", MISSING),
                        f"[first, last], each {_MONTH}", month_of)
        if date is not None and window is not None:
            value = float(month_index(date, window[0]))
    else:
        if "date" in table:
            c.add(f"{key}.date", table["date"], f"value = a number (the statistic is a "
                  f"{stat.kind if stat else 'number'}, not a month)", "use value, not date")
        value = _value(c, f"{key}.value", table.get("value", MISSING), stat)
        bounds = _range(c, f"{key}.range", table.get("range", MISSING),
                        f"[low, high], each {_allowed_value(stat)}",
                        lambda k, v: _value(c, k, v, stat))
    if bounds is not None:
        low, high = bounds
        if value is not None and not low <= value <= high:
            c.add(f"{key}.range", table.get("range"), f"a range [low, high] holding the value "
                  f"({table.get('date', value)})", "the value lies outside its range")
    description = _text(c, f"{key}.description", table.get("description", MISSING))
    note = _text(c, f"{key}.note", table.get("note", MISSING), required=False) or ""
    sources = _sources(c, f"{key}.sources", table.get("sources", MISSING))
    if len(c.problems) > before or value is None or bounds is None:
        return None  # (a date cannot be placed when the header's window is invalid)
    assert low is not None and high is not None and stat is not None
    assert description is not None and sources is not None
    return Observation(name=name, set=which, statistic=stat_name, value=value, low=low,
                       high=high, date=date, description=description, note=note,
                       sources=sources)


def _unknown_statistic(c: Checker, key: str, name: str) -> None:
    guess = closest(name, STATISTICS)
    c.add(key, name, describe_statistics(),
          f"unknown statistic, did you mean {guess!r}?" if guess else "unknown statistic")


def _allowed_value(stat: Any) -> str:
    if stat is None or stat.kind == "indicator":
        return "a number" if stat is None else "0 or 1"
    (lo, hi), what = stat.bounds, "a whole number" if stat.kind == "count" else "a number"
    return (what if math.isinf(lo) and math.isinf(hi) else f"{what} ≥ {lo:g}" if math.isinf(hi)
            else f"{what} ≤ {hi:g}" if math.isinf(lo) else f"{what} in [{lo:g}, {hi:g}]")


def _value(c: Checker, key: str, value: Any, stat: Any) -> float | None:
    allowed = _allowed_value(stat)
    if value is MISSING:
        c.add(key, value, allowed, "missing")
        return None
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not number or not math.isfinite(value):
        c.add(key, value, allowed, "not finite" if number else "wrong type")
        return None
    if stat is not None:
        lo, hi = stat.bounds
        whole = stat.kind in ("indicator", "count")
        if not lo <= value <= hi or (whole and value != int(value)):
            c.add(key, value, allowed, f"not a possible value of {stat.name}")
            return None
    return float(value)


def _range(c: Checker, key: str, value: Any, allowed: str,
           end: Callable[[str, Any], float | None]) -> tuple[float, float] | None:
    """``[low, high]``: two ends each read by ``end(key, value)``, with low ≤ high."""
    if value is MISSING or not isinstance(value, list) or len(value) != 2:
        c.add(key, value, allowed, "missing" if value is MISSING else "wrong type")
        return None
    ends = [end(f"{key}[{i}]", v) for i, v in enumerate(value)]
    if ends[0] is None or ends[1] is None:
        return None
    if ends[0] > ends[1]:
        c.add(key, value, f"{allowed}, low ≤ high", "low > high")
        return None
    return ends[0], ends[1]


def _unmapped(c: Checker, tables: Any) -> list[Unmapped]:
    if not c.table("unmapped", tables):
        return []
    out = []
    for name, table in tables.items():
        key = f"unmapped.{name}"
        if not c.table(key, table):
            continue
        before = len(c.problems)
        _keys(c, key, table, UNMAPPED_KEYS)
        description = _text(c, f"{key}.description", table.get("description", MISSING))
        reason = _text(c, f"{key}.reason", table.get("reason", MISSING))
        sources = _sources(c, f"{key}.sources", table.get("sources", MISSING))
        if len(c.problems) == before:
            assert description is not None and reason is not None and sources is not None
            out.append(Unmapped(name, description, reason, sources))
    return out


def check_against(record: Record, scenario: Any, *, sets: Sequence[str] = RECORD_SETS) -> None:
    """Check that a scenario's runs can be set beside the record.

    The scenario must start at ``start_date`` and reach ``end_date``; the statistics of the
    chosen sets must be known, read sectors it has, and find the scheduled events they are
    measured from (Didi's: a platform foreign listing) within the record.

    Args:
        record: the loaded record.
        scenario: a :class:`~sim.experiment.scenario.Scenario` (or its :class:`Params`).
        sets: the sets whose statistics will be computed.

    Raises:
        RecordError: listing every mismatch, each under the record file's key.
    """
    params: Params = getattr(scenario, "params", scenario)
    name, run, end = getattr(scenario, "name", "the scenario"), params.run, record.end_month
    c = Checker({}, record.path or "record")
    if run.start_date != record.start_date:
        c.add("record.start_date", record.start_date, f"{run.start_date} (run.start_date of "
              f"{name})", "the scenario starts in another month")
    if run.months < end + 1:
        c.add("record.end_date", record.end_date, f"a month within the {run.months} months of "
              f"{name}", f"the scenario ends before the record (needs {end + 1} months)")
    for obs in (o for o in record.observations if o.set in sets):
        key = f"observations.{obs.name}.statistic"
        stat = STATISTICS.get(obs.statistic)
        if stat is None:
            _unknown_statistic(c, key, obs.statistic)
            continue
        for s in [s for s in stat.sectors if s not in params.sector_names][:1]:
            c.add(key, obs.statistic, f"a statistic of the sectors of {name}: "
                  f"{', '.join(params.sector_names)}", f"{name} has no sector {s!r}")
        for kind, sector in stat.requires:
            if not any(e.kind == kind and e.sector == sector and e.month <= end
                       for e in params.exogenous.events):
                c.add(key, obs.statistic, f"a scenario scheduling a {kind} in {sector} by "
                      f"{record.end_date} ([[events]])",
                      f"{name} schedules no {kind} in {sector} within the record")
    if c.problems:
        raise RecordError(c.problems)
