"""Scenario files: read TOML, follow ``extends``, validate everything, resolve into parameters.

This is the only module that reads scenario files. A scenario is a named overlay on the defaults
of :mod:`sim.model.params`::

    [scenario]
    name = "rules_based"
    description = "Rules instead of campaigns"
    extends = "baseline.toml"          # optional; relative to this file ("../baseline.toml"
                                        # from scenarios/ablations/); chains allowed

    [run]
    months = 360
    replications = 8                    # either replications (+ seed, the root) ...
    seed = 20240601
    # seeds = [1, 2, 3]                 # ... or an explicit list of per-run seeds
    start_date = "2008-01"
    firm_panel_every = 12
    workers = 4
    series = ["phase", "enforcement", "pain"]   # store only these series (default: all)
    events = ["sanction", "phase_change"]       # store only these event kinds (default: all)

    [leadership]                        # any scalar group of sim.model.params.GROUPS
    mode = "rules"

    [information]                       # e.g. the leadership's channels
    censorship = 0.1

    [sectors.ai]                        # one table per sector
    alignment = 0.5

    [[events]]                          # scheduled events (counterfactual history)
    date = "2020-10"                    # or month = 153 (from 2008-01)
    kind = "defiance"
    sector = "fintech"
    magnitude = 1.5

    [exogenous]                         # step functions: [[month or "YYYY-MM", value], ...]
    foreign_climate = [["2020-12", 0.5]]

    [sweep]                             # optional: run every replication at many points
    design = "latin_hypercube"          # grid | latin_hypercube | sobol | morris | points
    samples = 32                        # LHS points, Sobol base samples, Morris trajectories
    [sweep.parameters]                  # dotted key → { range = [low, high] } or { values = [...] }
    "leadership.theta_alarm" = { range = [0.6, 1.5] }
    "leadership.theta_pain" = { range = [0.3, 0.8] }

``run.series`` names what ``series.parquet`` keeps: aggregate columns of :mod:`sim.model.schema`
(``valuation_index``), per-sector quantities (``enforcement``: every ``enforcement.<sector>``;
a name that is both, such as ``phase``, keeps the aggregate and every sector's column) or single
``<quantity>.<sector>`` columns; ``month`` and ``date`` are always kept. ``run.events`` names the
event kinds ``events.parquet`` keeps (:class:`sim.model.states.EventKind` values). An empty list
keeps
none; leaving a key out keeps everything. The run's cycle metrics are computed before anything
is dropped (:class:`sim.model.schema.OutputSelection`). Do not confuse ``run.events`` with the
``[[events]]`` tables, which schedule events.

A sweep runs the scenario's replications (``[run]`` seeds) at every point of its design (see
:mod:`sim.experiment.sweep`); swept values are checked against the parameter metadata like any
other value,
and parameters declared ``sweepable = False`` cannot be swept.

Merging along ``extends``: tables merge key by key, the child winning; any other value (numbers,
strings, and arrays such as ``seeds``, ``[[events]]`` or an exogenous series) replaces the
parent's. Setting ``seeds`` in a file drops inherited ``replications``/``seed`` and the reverse.
The ``[scenario]`` table is never inherited: every file names and describes itself.

Validation happens at load time and collects every problem of every file in the chain (and of
command-line overrides) before raising one :class:`ScenarioError`. Files are data: they are parsed
with :mod:`tomllib` and nothing in them is executed.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import difflib
import hashlib
import importlib.util
import json
import math
import os
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..model.params import (
    GROUPS,
    ExogenousParams,
    ParameterError,
    Params,
    RunParams,
    ScheduledEvent,
    SectorSpec,
    check_value,
    field_for,
    iter_specs,
    parse_month,
)
from ..model.schema import (
    EVENT_KINDS,
    SECTOR_QUANTITIES,
    SERIES_NAMES,
    OutputSelection,
    split_column,
)
from ..model.states import ScheduledKind
from .sweep import Axis, Design, SweepSpec

__all__ = [
    "COMMAND_LINE",
    "DEFAULT_REPLICATIONS",
    "DEFAULT_SEED",
    "SCHEMA_VERSION",
    "Scenario",
    "ScenarioError",
    "ScenarioProblem",
    "SourceFile",
    "derive_seeds",
    "find_scenario",
    "list_scenarios",
    "load_scenario",
    "parse_assignment",
    "to_toml",
    "validate_files",
]

SCHEMA_VERSION = 1
"""The scenario file format version (optional top-level ``schema_version``)."""

DEFAULT_SEED = 0
"""Root seed when a scenario gives neither ``seed`` nor ``seeds``."""

DEFAULT_REPLICATIONS = 1
"""Replications when a scenario gives neither ``replications`` nor ``seeds``."""

MAX_SEED = 2**63 - 1
MAX_REPLICATIONS = 100_000
MAX_WORKERS = 1024
MAX_MAGNITUDE = 1000.0
MAX_RUNS = 10_000_000
MAX_SAMPLES = 1_000_000
MAX_LEVELS = 1000

COMMAND_LINE = "command line"
"""The source named in problems with values given on the command line (``--set`` etc.)."""

PARAM_GROUPS: tuple[str, ...] = tuple(g for g in GROUPS if g != "run")
SCENARIO_KEYS: tuple[str, ...] = ("name", "description", "extends")
RUN_KEYS: tuple[str, ...] = ("months", "start_date", "firm_panel_every", "replications", "seed",
                             "seeds", "workers", "series", "events")
EVENT_KEYS: tuple[str, ...] = ("month", "date", "kind", "sector", "magnitude", "note")
EXOGENOUS_KEYS: tuple[str, ...] = ("foreign_climate", "macro_shock")
TOP_KEYS: tuple[str, ...] = ("schema_version", "scenario", "run", *PARAM_GROUPS, "sectors",
                             "events", "exogenous", "sweep")
SWEEP_KEYS: tuple[str, ...] = ("design", "parameters", "points", "samples", "levels",
                               "second_order", "sample_seed")
AXIS_KEYS: tuple[str, ...] = ("values", "range", "levels")
DESIGNS: tuple[str, ...] = tuple(d.value for d in Design)
SECTOR_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(SectorSpec)
                                       if f.name != "name")
SCHEDULED_KINDS: tuple[str, ...] = tuple(k.value for k in ScheduledKind)

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_MISSING = object()


# --------------------------------------------------------------------------------------------
# Problems and errors
# --------------------------------------------------------------------------------------------


def _show(value: Any) -> str:
    if value is _MISSING:
        return "(missing)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, (dt.date, dt.time)):  # TOML dates and times (datetime is a date)
        return f"{value.isoformat()} (a TOML date, not a string)"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


@dataclass(frozen=True, slots=True)
class ScenarioProblem:
    """One thing wrong in a scenario file or a command-line override.

    Attributes:
        source: the file (as given, or as reached through ``extends``) or :data:`COMMAND_LINE`.
        key: the dotted key (``leadership.theta_alarm``, ``events[2].kind``); empty for problems
            with the whole file (missing, not TOML).
        value: the value found (``_MISSING`` when a required key is absent).
        allowed: what is allowed.
        message: what is wrong.
    """

    source: str
    key: str
    value: Any
    allowed: str
    message: str

    def __str__(self) -> str:
        if not self.key:
            return f"{self.source}: {self.message}"
        text = f"{self.source}: {self.key} = {_show(self.value)}: {self.message}"
        return f"{text}; allowed: {self.allowed}" if self.allowed else text


class ScenarioError(ValueError):
    """A scenario could not be loaded; carries every problem found (:class:`ScenarioProblem`)."""

    def __init__(self, problems: Sequence[ScenarioProblem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# --------------------------------------------------------------------------------------------
# The resolved scenario
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One file of an ``extends`` chain, as read."""

    path: str
    text: str

    @property
    def sha256(self) -> str:
        """SHA-256 of the file's text (UTF-8)."""
        return hashlib.sha256(self.text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Scenario:
    """A validated scenario: parameters, per-run seeds and provenance.

    Attributes:
        name: the scenario's name (``[scenario] name``); names the results folder.
        description: what the scenario tests (``[scenario] description``).
        path: the file loaded (None for a scenario built in code).
        params: the fully resolved parameters (defaults, then the chain, then overrides).
        seeds: one seed per run, in run order.
        seed_root: the root the seeds were derived from (None for an explicit ``seeds`` list).
        workers: the file's preferred number of worker processes (None: decide at run time).
        sources: the files of the ``extends`` chain, base first.
        overrides: command-line overrides applied last, by dotted key.
        sweep: the ``[sweep]`` table (None: one point, the scenario's parameters).
        outputs: the series columns and event kinds the results folder stores
            (``run.series`` and ``run.events``; default: everything).
    """

    name: str
    description: str
    path: str | None
    params: Params
    seeds: tuple[int, ...]
    seed_root: int | None = None
    workers: int | None = None
    sources: tuple[SourceFile, ...] = ()
    overrides: Mapping[str, Any] = field(default_factory=dict)
    sweep: SweepSpec | None = None
    outputs: OutputSelection = field(default_factory=OutputSelection)

    @property
    def replications(self) -> int:
        """Number of replications (runs per parameter point)."""
        return len(self.seeds)

    @property
    def n_points(self) -> int:
        """Number of parameter points (1 without a sweep)."""
        return self.sweep.n_points if self.sweep is not None else 1

    @property
    def n_runs(self) -> int:
        """Number of runs: points × replications."""
        return self.n_points * self.replications

    @property
    def hash(self) -> str:
        """SHA-256 over the chain's texts and the overrides: identifies what was asked for."""
        h = hashlib.sha256()
        for src in self.sources:
            h.update(src.text.encode())
            h.update(b"\0")
        h.update(json.dumps(dict(self.overrides), sort_keys=True, default=str).encode())
        return h.hexdigest()


def derive_seeds(root: int, n: int) -> tuple[int, ...]:
    """Per-run seeds from a root: child ``i`` of ``numpy.random.SeedSequence(root)``.

    Run ``i`` gets ``SeedSequence(root, spawn_key=(i,))`` (the ``i``-th child of
    ``SeedSequence(root).spawn``), reduced to a 63-bit integer so it fits every table and can be
    passed back as ``RegulatoryModel(params, rng=seed)`` to replay the run alone. The seeds of
    ``n`` replications are a prefix of those of ``n + k``.

    Args:
        root: the root entropy (a non-negative integer).
        n: how many seeds.

    Returns:
        ``n`` integers in ``[0, 2**63)``.
    """
    out = []
    for i in range(n):
        state = np.random.SeedSequence(root, spawn_key=(i,)).generate_state(1, dtype=np.uint64)
        out.append(int(state[0]) >> 1)
    return tuple(out)


# --------------------------------------------------------------------------------------------
# Reading files and following `extends`
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Layer:
    source: str
    data: dict[str, Any]
    text: str = ""


def _read(path: Path, problems: list[ScenarioProblem],
          referrer: tuple[str, str] | None) -> _Layer | None:
    source = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if referrer is None:
            problems.append(ScenarioProblem(source, "", None, "", "no such scenario file"))
        else:
            problems.append(ScenarioProblem(referrer[0], "scenario.extends", referrer[1],
                                            "a path to a scenario file, relative to this file",
                                            f"{source} does not exist"))
        return None
    except IsADirectoryError:
        problems.append(ScenarioProblem(source, "", None, "", "is a folder, not a scenario file"))
        return None
    except OSError as exc:
        problems.append(ScenarioProblem(source, "", None, "", f"cannot be read ({exc.strerror})"))
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(ScenarioProblem(source, "", None, "", "is not UTF-8 text"))
        return None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problems.append(ScenarioProblem(source, "", None, "", f"is not valid TOML: {exc}"))
        return None
    return _Layer(source, data, text)


def _read_chain(path: Path, problems: list[ScenarioProblem]) -> list[_Layer]:
    """Read a file and its ``extends`` ancestors; return them base first."""
    layers: list[_Layer] = []
    seen: list[Path] = []
    current = path
    referrer: tuple[str, str] | None = None
    while True:
        resolved = current.resolve()
        if resolved in seen:
            chain = " → ".join([*(layer.source for layer in layers), str(current)])
            assert referrer is not None
            problems.append(ScenarioProblem(referrer[0], "scenario.extends", referrer[1],
                                            "a chain of files without a loop",
                                            f"extends loops: {chain}"))
            break
        layer = _read(current, problems, referrer)
        if layer is None:
            break
        layers.append(layer)
        seen.append(resolved)
        table = layer.data.get("scenario")
        if not isinstance(table, dict) or "extends" not in table:
            break
        ext = table["extends"]
        if not isinstance(ext, str) or not ext.strip():
            # reported by the [scenario] check
            break
        target = Path(os.path.normpath(current.parent / ext))
        if not target.exists() and not target.suffix:
            target = target.with_suffix(".toml")
        referrer = (layer.source, ext)
        current = target
    return list(reversed(layers))


# --------------------------------------------------------------------------------------------
# Merging layers (with the origin of every key, for messages)
# --------------------------------------------------------------------------------------------


def _mark(origin: dict[str, str], key: str, value: Any, source: str) -> None:
    origin[key] = source
    if isinstance(value, dict):
        for k, v in value.items():
            _mark(origin, f"{key}.{k}", v, source)


def _forget(origin: dict[str, str], key: str) -> None:
    for k in [k for k in origin if k == key or k.startswith(key + ".")]:
        del origin[k]


def _merge_into(dst: dict[str, Any], src: Mapping[str, Any], origin: dict[str, str],
                source: str, prefix: str = "") -> None:
    for k, v in src.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and isinstance(dst.get(k), dict):
            _merge_into(dst[k], v, origin, source, key + ".")
        else:
            _forget(origin, key)
            dst[k] = copy.deepcopy(v)
            _mark(origin, key, v, source)


def _merge(layers: Sequence[_Layer]) -> tuple[dict[str, Any], dict[str, str]]:
    merged: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for layer in layers:
        data = {k: v for k, v in layer.data.items() if k != "scenario"}
        run = data.get("run")
        old_run = merged.get("run")
        if isinstance(run, dict) and isinstance(old_run, dict):
            # an explicit seed list and replications/seed exclude each other across files
            if "seeds" in run:
                for k in ("replications", "seed"):
                    if k in old_run:
                        del old_run[k]
                        _forget(origin, f"run.{k}")
            if "replications" in run or "seed" in run:
                if "seeds" in old_run:
                    del old_run["seeds"]
                    _forget(origin, "run.seeds")
        _merge_into(merged, data, origin, layer.source)
    return merged, origin


def _nest(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``{"a.b.c": 1}`` → ``{"a": {"b": {"c": 1}}}`` (keys as on the command line)."""
    out: dict[str, Any] = {}
    for key, value in overrides.items():
        parts = key.split(".")
        node = out
        for part in parts[:-1]:
            nxt = node.get(part)
            if not isinstance(nxt, dict):
                nxt = node[part] = {}
            node = nxt
        node[parts[-1]] = value
    return out


def parse_assignment(text: str) -> tuple[str, Any]:
    """Parse a command-line ``KEY=VALUE`` (``--set``).

    The value is read as a TOML value (``0.5``, ``true``, ``"rules"``, ``[[120, 0.5]]``); anything
    that is not TOML is taken as a bare string, so ``leadership.mode=rules`` works unquoted.
    Nothing is evaluated.

    Raises:
        ScenarioError: when ``text`` has no ``=`` or an empty key.
    """
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key or any(not part for part in key.split(".")):
        raise ScenarioError([ScenarioProblem(COMMAND_LINE, "--set", text,
                                             "group.name=value, e.g. leadership.theta_alarm=0.6",
                                             "not an assignment")])
    raw = raw.strip()
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return key, value


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def _closest(word: str, choices: Iterable[str]) -> str | None:
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def _one_of(choices: Iterable[str]) -> str:
    return "one of " + ", ".join(choices)


class _Checker:
    """Collects problems, naming for each the file that set the key."""

    def __init__(self, origin: Mapping[str, str], default_source: str):
        self.origin = origin
        self.default_source = default_source
        self.problems: list[ScenarioProblem] = []

    def source(self, key: str) -> str:
        k = key
        while k:
            if k in self.origin:
                return self.origin[k]
            cut = max(k.rfind("."), k.rfind("["))
            k = k[:cut] if cut > 0 else ""
        return self.default_source

    def add(self, key: str, value: Any, allowed: str, message: str,
            source: str | None = None) -> None:
        self.problems.append(ScenarioProblem(source or self.source(key), key, value, allowed,
                                             message))

    def unknown(self, key: str, name: str, value: Any, valid: Sequence[str],
                what: str = "unknown key") -> None:
        guess = _closest(name, valid)
        message = f"{what}, did you mean {guess!r}?" if guess else what
        self.add(key, value, _one_of(valid), message)

    def table(self, key: str, value: Any) -> bool:
        if isinstance(value, dict):
            return True
        self.add(key, value, "a table", "wrong type")
        return False

    def integer(self, key: str, value: Any, lo: int, hi: int) -> bool:
        allowed = f"an integer in [{lo}, {hi}]"
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(key, value, allowed, "wrong type")
            return False
        if not lo <= value <= hi:
            self.add(key, value, allowed, "out of range")
            return False
        return True

    def number(self, key: str, value: Any, lo: float, hi: float) -> bool:
        allowed = f"a number in [{lo:g}, {hi:g}]"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.add(key, value, allowed, "wrong type")
            return False
        if not math.isfinite(value) or not lo <= value <= hi:
            self.add(key, value, allowed, "out of range")
            return False
        return True

    def string(self, key: str, value: Any, allowed: str = "a string") -> bool:
        if isinstance(value, str):
            return True
        self.add(key, value, allowed, "wrong type")
        return False

    def param(self, f: dataclasses.Field, value: Any, key: str) -> bool:
        problems = check_value(f, value, key)
        for p in problems:
            message = p.message
            if message == "unknown choice" and isinstance(value, str):
                guess = _closest(value, f.metadata.get("choices") or ())
                if guess:
                    message = f"unknown choice, did you mean {guess!r}?"
            self.add(key, value, p.allowed, message)
        return not problems


def _month_of(text: str, start: str) -> int:
    d, s = parse_month(text), parse_month(start)
    return (d.year - s.year) * 12 + (d.month - s.month)


def _add_months(start: str, n: int) -> str:
    d = parse_month(start)
    total = d.year * 12 + d.month - 1 + n
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def _coerce(f: dataclasses.Field, value: Any) -> Any:
    """Store integers given for float parameters as floats (stable dtypes in results)."""
    if f.type in ("float", float) and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


@dataclass(slots=True)
class _Resolved:
    overrides: dict[str, Any] = field(default_factory=dict)  # dotted key → value for override()
    events: list[ScheduledEvent] = field(default_factory=list)
    series: dict[str, tuple[tuple[int, float], ...]] = field(default_factory=dict)
    seeds: tuple[int, ...] | None = None
    replications: int = DEFAULT_REPLICATIONS
    seed_root: int = DEFAULT_SEED
    workers: int | None = None
    sweep: SweepSpec | None = None
    outputs: OutputSelection = field(default_factory=OutputSelection)


def _check_scenario_table(layer: _Layer) -> tuple[str | None, str | None,
                                                  list[ScenarioProblem]]:
    """Check one file's own ``[scenario]`` table; return its name, description and problems."""
    checker = _Checker({}, layer.source)
    table = layer.data.get("scenario", _MISSING)
    name = description = None
    if table is _MISSING:
        checker.add("scenario", _MISSING, "a [scenario] table with name and description",
                    "missing")
    elif checker.table("scenario", table):
        for k, v in table.items():
            if k not in SCENARIO_KEYS:
                checker.unknown(f"scenario.{k}", k, v, SCENARIO_KEYS)
        name_allowed = "a name of letters, digits, '_', '-' and '.' (names the results folder)"
        name = table.get("name", _MISSING)
        if name is _MISSING:
            checker.add("scenario.name", name, name_allowed, "missing")
        elif checker.string("scenario.name", name, name_allowed) and not _NAME_RE.match(name):
            checker.add("scenario.name", name, name_allowed, "not a valid name")
        description = table.get("description", _MISSING)
        if description is _MISSING:
            checker.add("scenario.description", description, "a one-line description",
                        "missing")
        elif checker.string("scenario.description", description, "a one-line description") \
                and not description.strip():
            checker.add("scenario.description", description, "a one-line description",
                        "empty")
        if "extends" in table:
            ext = table["extends"]
            allowed = "a path to a scenario file, relative to this file"
            if checker.string("scenario.extends", ext, allowed) and not ext.strip():
                checker.add("scenario.extends", ext, allowed, "empty")
    ok_name = name if isinstance(name, str) and _NAME_RE.match(name) else None
    ok_desc = description.strip() if isinstance(description, str) else None
    return ok_name, ok_desc, checker.problems


def _check_run(c: _Checker, run: Any, out: _Resolved) -> tuple[int, str, bool]:
    """Check ``[run]``; return the months and start date for later checks, and if both hold."""
    months = RunParams().months
    start = RunParams().start_date
    ok = True
    if run is _MISSING or not c.table("run", run):
        return months, start, run is _MISSING
    run_fields = {f.name: f for f in dataclasses.fields(RunParams)}
    for k, v in run.items():
        key = f"run.{k}"
        if k not in RUN_KEYS:
            c.unknown(key, k, v, RUN_KEYS)
        elif k in run_fields:
            f = run_fields[k]
            if k == "start_date":
                allowed = "a month written \"YYYY-MM\""
                if not c.string(key, v, allowed):
                    ok = False
                else:
                    try:
                        parse_month(v)
                    except ValueError:
                        c.add(key, v, allowed, "not a date")
                        ok = False
                    else:
                        start = v
                        out.overrides[key] = v
            elif c.param(f, v, key):
                out.overrides[key] = v
                if k == "months":
                    months = v
            elif k == "months":
                ok = False
    if "seeds" in run:
        seeds = run["seeds"]
        allowed = f"a non-empty list of distinct integers in [0, {MAX_SEED}]"
        if not isinstance(seeds, list) or not seeds:
            c.add("run.seeds", seeds, allowed, "wrong type" if not isinstance(seeds, list)
                  else "empty")
        elif len(seeds) > MAX_REPLICATIONS:
            c.add("run.seeds", f"{len(seeds)} seeds", allowed, "too many")
        else:
            seeds_ok = all([c.integer(f"run.seeds[{i}]", s, 0, MAX_SEED)
                            for i, s in enumerate(seeds)])
            if seeds_ok and len(set(seeds)) != len(seeds):
                dupes = sorted({s for s in seeds if seeds.count(s) > 1})
                c.add("run.seeds", seeds, allowed, f"repeated seeds {dupes}")
            elif seeds_ok:
                out.seeds = tuple(seeds)
        for k in ("replications", "seed"):
            if k in run:
                c.add(f"run.{k}", run[k], "either seeds, or replications and seed",
                      "given together with run.seeds")
    if "replications" in run and c.integer("run.replications", run["replications"], 1,
                                           MAX_REPLICATIONS):
        out.replications = run["replications"]
    if "seed" in run and c.integer("run.seed", run["seed"], 0, MAX_SEED):
        out.seed_root = run["seed"]
    if "workers" in run and c.integer("run.workers", run["workers"], 1, MAX_WORKERS):
        out.workers = run["workers"]
    return months, start, ok


SERIES_ALLOWED = ("a list of series names: " + ", ".join(SERIES_NAMES)
                  + ", or one column <quantity>.<sector> (month and date are always stored)")
EVENTS_ALLOWED = "a list of event kinds: " + ", ".join(EVENT_KINDS)


def _series_name_problem(name: str, names: Sequence[str]) -> str | None:
    """What is wrong with a ``run.series`` name (None: it is valid)."""
    if name in SERIES_NAMES:
        return None
    quantity, sector = split_column(name)
    quantities = [q.name for q in SECTOR_QUANTITIES]
    if sector is not None and quantity in quantities:
        if sector in names:
            return None
        guess = _closest(sector, names)
        return f"unknown sector {sector!r}" + (f", did you mean {f'{quantity}.{guess}'!r}?"
                                              if guess else "")
    guess = _closest(name, SERIES_NAMES)
    return "unknown series name" + (f", did you mean {guess!r}?" if guess else "")


def _check_name_list(c: _Checker, key: str, value: Any, allowed: str,
                     problem: Any) -> tuple[str, ...] | None:
    """Check a list of distinct names (``run.series``, ``run.events``); return it if valid.

    ``problem(name)`` says what is wrong with one name, or returns None. Every problem is
    reported under ``key`` with the offending value, so messages name the key as written.
    """
    if not isinstance(value, list):
        c.add(key, value, allowed, "wrong type")
        return None
    ok = True
    for item in value:
        if not isinstance(item, str):
            c.add(key, item, allowed, "wrong type: names are strings")
            ok = False
            continue
        message = problem(item)
        if message is not None:
            c.add(key, item, allowed, message)
            ok = False
    if not ok:
        return None
    dupes = sorted({v for v in value if value.count(v) > 1})
    if dupes:
        c.add(key, value, allowed.replace("a list of", "a list of distinct", 1),
              f"repeated names {dupes}")
        return None
    return tuple(value)


def _check_outputs(c: _Checker, run: Any, names: Sequence[str], out: _Resolved) -> None:
    """Check ``run.series`` and ``run.events`` (what the results folder stores)."""
    if not isinstance(run, dict):
        return
    series = events = None
    if "series" in run:
        series = _check_name_list(c, "run.series", run["series"], SERIES_ALLOWED,
                                  lambda n: _series_name_problem(n, names))
    if "events" in run:
        def kind_problem(kind: str) -> str | None:
            if kind in EVENT_KINDS:
                return None
            guess = _closest(kind, EVENT_KINDS)
            return "unknown event kind" + (f", did you mean {guess!r}?" if guess else "")

        events = _check_name_list(c, "run.events", run["events"], EVENTS_ALLOWED,
                                  kind_problem)
    out.outputs = OutputSelection(series=series, events=events)


def _check_groups(c: _Checker, merged: Mapping[str, Any], out: _Resolved) -> None:
    for group in PARAM_GROUPS:
        table = merged.get(group, _MISSING)
        if table is _MISSING or not c.table(group, table):
            continue
        fields = {f.name: f for f in dataclasses.fields(GROUPS[group])}
        for k, v in table.items():
            key = f"{group}.{k}"
            if k not in fields:
                c.unknown(key, k, v, list(fields))
            elif c.param(fields[k], v, key):
                out.overrides[key] = _coerce(fields[k], v)


def _check_sectors(c: _Checker, merged: Mapping[str, Any], names: Sequence[str],
                   out: _Resolved) -> None:
    table = merged.get("sectors", _MISSING)
    if table is _MISSING or not c.table("sectors", table):
        return
    fields = {f.name: f for f in dataclasses.fields(SectorSpec) if f.name != "name"}
    for sector, body in table.items():
        skey = f"sectors.{sector}"
        if sector not in names:
            c.unknown(skey, sector, body, names, "unknown sector")
            continue
        if not c.table(skey, body):
            continue
        for k, v in body.items():
            key = f"{skey}.{k}"
            if k not in fields:
                c.unknown(key, k, v, list(fields))
            elif c.param(fields[k], v, key):
                out.overrides[key] = _coerce(fields[k], v)


def _check_month(c: _Checker, key: str, value: Any, months: int, start: str,
                 start_ok: bool) -> int | None:
    """A month written as an index or as ``"YYYY-MM"``; return the index."""
    last = months - 1
    if isinstance(value, str):
        if not start_ok:
            allowed = "a month \"YYYY-MM\" within the run"
        else:
            allowed = f"a month \"YYYY-MM\" from {start} to {_add_months(start, last)}"
        try:
            parse_month(value)
        except ValueError:
            c.add(key, value, allowed, "not a date")
            return None
        if not start_ok:
            return None
        index = _month_of(value, start)
        if index < 0:
            c.add(key, value, allowed, f"before the start of the run ({start})")
            return None
        if index > last:
            c.add(key, value, allowed, f"after the end of the run (month {index} of {months})")
            return None
        return index
    allowed = f"an integer in [0, {last}] (months since the start) or a date \"YYYY-MM\""
    if isinstance(value, bool) or not isinstance(value, int):
        c.add(key, value, allowed, "wrong type")
        return None
    if not 0 <= value <= last:
        c.add(key, value, allowed, "outside the run")
        return None
    return value


def _check_events(c: _Checker, merged: Mapping[str, Any], names: Sequence[str], months: int,
                  start: str, start_ok: bool, out: _Resolved) -> None:
    events = merged.get("events", _MISSING)
    if events is _MISSING:
        return
    if not isinstance(events, list):
        c.add("events", events, "an array of tables ([[events]])", "wrong type")
        return
    if events and all(isinstance(ev, str) for ev in events):
        c.add("events", events, "an array of tables ([[events]])",
              "scheduled events are tables; to choose the event kinds stored, write "
              "events = [...] in the [run] table")
        return
    for i, ev in enumerate(events):
        base = f"events[{i}]"
        if not c.table(base, ev):
            continue
        for k, v in ev.items():
            if k not in EVENT_KEYS:
                c.unknown(f"{base}.{k}", k, v, EVENT_KEYS)
        month: int | None = None
        if "month" in ev and "date" in ev:
            c.add(f"{base}.date", ev["date"], "either month or date", "given together with month")
        elif "month" in ev:
            month = _check_month(c, f"{base}.month", ev["month"], months, start, start_ok)
        elif "date" in ev:
            if c.string(f"{base}.date", ev["date"], "a month \"YYYY-MM\""):
                month = _check_month(c, f"{base}.date", ev["date"], months, start, start_ok)
        else:
            c.add(f"{base}.month", _MISSING, "a month index, or a date \"YYYY-MM\"", "missing")
        kind = ev.get("kind", _MISSING)
        kind_ok = False
        if kind is _MISSING:
            c.add(f"{base}.kind", kind, _one_of(SCHEDULED_KINDS), "missing")
        elif c.string(f"{base}.kind", kind, _one_of(SCHEDULED_KINDS)):
            if kind in SCHEDULED_KINDS:
                kind_ok = True
            else:
                c.unknown(f"{base}.kind", kind, kind, SCHEDULED_KINDS, "unknown kind")
        sector = ev.get("sector", _MISSING)
        sector_ok = False
        if kind_ok and kind == ScheduledKind.MACRO_SHOCK.value:
            if sector is not _MISSING and sector != "":
                c.add(f"{base}.sector", sector, "no sector (a macro shock is economy-wide)",
                      "not allowed for macro_shock")
            else:
                sector, sector_ok = "", True
        elif sector is _MISSING:
            c.add(f"{base}.sector", sector, _one_of(names), "missing")
        elif c.string(f"{base}.sector", sector, _one_of(names)):
            if sector in names:
                sector_ok = True
            else:
                c.unknown(f"{base}.sector", sector, sector, names, "unknown sector")
        magnitude = ev.get("magnitude", 1.0)
        magnitude_ok = c.number(f"{base}.magnitude", magnitude, 0.0, MAX_MAGNITUDE)
        if "note" in ev:
            c.string(f"{base}.note", ev["note"])
        if month is not None and kind_ok and sector_ok and magnitude_ok:
            out.events.append(ScheduledEvent(month=month, kind=kind, sector=sector,
                                             magnitude=float(magnitude)))


def _check_exogenous(c: _Checker, merged: Mapping[str, Any], months: int, start: str,
                     start_ok: bool, out: _Resolved) -> None:
    table = merged.get("exogenous", _MISSING)
    if table is _MISSING or not c.table("exogenous", table):
        return
    for name, series in table.items():
        key = f"exogenous.{name}"
        if name not in EXOGENOUS_KEYS:
            c.unknown(key, name, series, EXOGENOUS_KEYS)
            continue
        allowed = "a list of [month or \"YYYY-MM\", value] pairs"
        if not isinstance(series, list):
            c.add(key, series, allowed, "wrong type")
            continue
        points: list[tuple[int, float]] = []
        ok = True
        for i, pair in enumerate(series):
            pkey = f"{key}[{i}]"
            if not isinstance(pair, list) or len(pair) != 2:
                c.add(pkey, pair, "a pair [month or \"YYYY-MM\", value]", "wrong type")
                ok = False
                continue
            m = _check_month(c, pkey, pair[0], months, start, start_ok)
            v_ok = c.number(pkey, pair[1], 0.0, 1.0)
            if m is None or not v_ok:
                ok = False
                continue
            points.append((m, float(pair[1])))
        if ok:
            ms = [m for m, _ in points]
            if ms != sorted(set(ms)):
                c.add(key, series, "breakpoints in strictly increasing months", "unordered")
            else:
                out.series[name] = tuple(points)


def _sweepable_keys() -> list[str]:
    return [k for k, f, _ in iter_specs() if f.metadata.get("sweepable")]


def _flatten_sweep(table: Mapping[str, Any], prefix: str = "",
                   leaf_tables: bool = True) -> list[tuple[str, Any]]:
    """``{"leadership": {"theta_alarm": x}}`` and ``{"leadership.theta_alarm": x}`` → pairs.

    With ``leaf_tables``, a table holding an axis key (``values``, ``range``, ``levels``) is a
    leaf (an axis); otherwise only non-tables are leaves (a point's values).
    """
    out: list[tuple[str, Any]] = []
    for k, v in table.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and v and not (leaf_tables and set(v) & set(AXIS_KEYS)):
            out += _flatten_sweep(v, key + ".", leaf_tables)
        else:
            out.append((key, v))
    return out


def _flatten_sweep_parameters(layer: _Layer) -> list[ScenarioProblem]:
    """Write a layer's ``[sweep.parameters]`` with dotted keys, so that layers merge by key.

    ``"leadership.theta_alarm" = ...`` and ``[sweep.parameters.leadership] theta_alarm = ...``
    (or a ``--set sweep.parameters.leadership.theta_alarm=...``) name the same axis; a later
    layer's axis replaces an earlier one's. Returns the keys one layer gives twice.
    """
    sweep = layer.data.get("sweep")
    params = sweep.get("parameters") if isinstance(sweep, dict) else None
    if not isinstance(params, dict):
        return []
    flat: dict[str, Any] = {}
    problems = []
    for key, spec in _flatten_sweep(params):
        if key in flat:
            problems.append(ScenarioProblem(layer.source, f"sweep.parameters.{key}", spec,
                                            "each parameter once", "given twice"))
        else:
            flat[key] = spec
    layer.data = {**layer.data, "sweep": {**sweep, "parameters": flat}}
    return problems


def _sweep_field(c: _Checker, ckey: str, key: str, value: Any) -> dataclasses.Field | None:
    """The field of a swept key, or None after reporting an unknown or fixed parameter."""
    try:
        f = field_for(key)
    except KeyError:
        guess = _closest(key, _sweepable_keys())
        message = "unknown parameter" + (f", did you mean {guess!r}?" if guess else "")
        c.add(ckey, value, "a sweepable parameter: group.name or sectors.<sector>.<name> "
              "(regcycle show lists them)", message)
        return None
    if not f.metadata.get("sweepable", False):
        c.add(ckey, value, "a sweepable parameter", "not sweepable (a structural choice): "
              "write one scenario per value instead")
        return None
    return f


def _sweep_values(c: _Checker, ckey: str, f: dataclasses.Field,
                  values: Any) -> tuple[Any, ...] | None:
    if not isinstance(values, list) or not values:
        c.add(ckey, values, "a non-empty list of values",
              "empty" if isinstance(values, list) else "wrong type")
        return None
    ok = all([c.param(f, v, f"{ckey}[{i}]") for i, v in enumerate(values)])
    if not ok:
        return None
    if len({repr(v) for v in values}) != len(values):
        c.add(ckey, values, "distinct values", "repeated values")
        return None
    return tuple(_coerce(f, v) for v in values)


def _sweep_range(c: _Checker, ckey: str, f: dataclasses.Field,
                 bounds: Any) -> tuple[float, float] | None:
    allowed = "[low, high] with low < high, both allowed values of the parameter"
    if not isinstance(bounds, list) or len(bounds) != 2:
        c.add(ckey, bounds, allowed, "wrong type")
        return None
    if not all([c.param(f, v, f"{ckey}[{i}]") for i, v in enumerate(bounds)]):
        return None
    if not bounds[0] < bounds[1]:
        c.add(ckey, bounds, allowed, "low is not below high")
        return None
    return _coerce(f, bounds[0]), _coerce(f, bounds[1])


def _sweep_axis(c: _Checker, design: Design | None, key: str, spec: Any) -> Axis | None:
    ckey = f"sweep.parameters.{key}"
    f = _sweep_field(c, ckey, key, spec)
    if f is None:
        return None
    integer = f.type in ("int", int)
    bare = isinstance(spec, list)  # a bare list is the axis's values
    if bare:
        spec = {"values": spec}
    if not isinstance(spec, dict) or not spec:
        c.add(ckey, spec, "{ values = [...] } or { range = [low, high] }",
              "empty" if isinstance(spec, dict) else "wrong type")
        return None
    for k in spec:
        if k not in AXIS_KEYS:
            c.unknown(f"{ckey}.{k}", k, spec[k], AXIS_KEYS)
            return None
    if "values" in spec and ("range" in spec or "levels" in spec):
        c.add(ckey, spec, "either values, or a range (with levels in a grid)",
              "values given together with a range")
        return None
    if design is None:
        return None
    if "values" in spec:
        if design.sampled:
            c.add(ckey, spec["values"], "{ range = [low, high] }",
                  f"a {design.value} design samples ranges, not lists of values")
            return None
        values = _sweep_values(c, ckey if bare else f"{ckey}.values", f, spec["values"])
        return Axis(key, values=values, integer=integer) if values is not None else None
    if "range" not in spec:
        c.add(f"{ckey}.range", _MISSING, "[low, high]", "missing")
        return None
    bounds = _sweep_range(c, f"{ckey}.range", f, spec["range"])
    levels = None
    if design is Design.GRID:
        if "levels" not in spec:
            c.add(f"{ckey}.levels", _MISSING, f"an integer in [2, {MAX_LEVELS}]",
                  "missing: a grid over a range needs levels (or give values)")
            return None
        if not c.integer(f"{ckey}.levels", spec["levels"], 2, MAX_LEVELS):
            return None
        levels = spec["levels"]
    elif "levels" in spec:
        c.add(f"{ckey}.levels", spec["levels"], "levels only in a grid (Morris: sweep.levels)",
              "not used by this design")
        return None
    if bounds is None:
        return None
    axis = Axis(key, low=bounds[0], high=bounds[1], levels=levels, integer=integer)
    if levels is not None and integer and len(axis.grid_values()) != levels:
        c.add(f"{ckey}.levels", levels, f"at most {int(bounds[1] - bounds[0]) + 1} "
              "(integers in the range)", "more levels than integers in the range")
        return None
    return axis


def _sweep_points(c: _Checker, points: Any) -> tuple[tuple[tuple[str, Any], ...], ...] | None:
    allowed = "an array of tables ([[sweep.points]]), each setting swept parameters"
    if not isinstance(points, list) or not points:
        c.add("sweep.points", points, allowed, "empty" if isinstance(points, list)
              else "wrong type")
        return None
    out = []
    ok = True
    for i, point in enumerate(points):
        base = f"sweep.points[{i}]"
        if not isinstance(point, dict) or not point:
            c.add(base, point, "a table of dotted key = value", "empty"
                  if isinstance(point, dict) else "wrong type")
            ok = False
            continue
        values = []
        for key, value in _flatten_sweep(point, leaf_tables=False):
            f = _sweep_field(c, f"{base}.{key}", key, value)
            if f is None or not c.param(f, value, f"{base}.{key}"):
                ok = False
                continue
            values.append((key, _coerce(f, value)))
        out.append(tuple(values))
    return tuple(out) if ok else None


def _check_sweep(c: _Checker, merged: Mapping[str, Any], out: _Resolved) -> None:
    table = merged.get("sweep", _MISSING)
    if table is _MISSING or not c.table("sweep", table):
        return
    before = len(c.problems)
    for k, v in table.items():
        if k not in SWEEP_KEYS:
            c.unknown(f"sweep.{k}", k, v, SWEEP_KEYS)
    design: Design | None = None
    raw = table.get("design", _MISSING)
    if raw is _MISSING:
        c.add("sweep.design", raw, _one_of(DESIGNS), "missing")
    elif c.string("sweep.design", raw, _one_of(DESIGNS)):
        if raw in DESIGNS:
            design = Design(raw)
        else:
            c.unknown("sweep.design", raw, raw, DESIGNS, "unknown design")

    axes: list[Axis] = []
    points: tuple[tuple[tuple[str, Any], ...], ...] | None = ()
    if design is Design.POINTS:
        if "parameters" in table:
            c.add("sweep.parameters", table["parameters"], "[[sweep.points]] tables",
                  "not used by the points design: list the points in [[sweep.points]]")
        points = _sweep_points(c, table.get("points", _MISSING))
    else:
        if "points" in table:
            c.add("sweep.points", table["points"], "sweep.parameters",
                  "only the points design takes [[sweep.points]]")
        params = table.get("parameters", _MISSING)
        if params is _MISSING:
            c.add("sweep.parameters", params, "a table of swept parameters", "missing")
        elif c.table("sweep.parameters", params):
            leaves = _flatten_sweep(params)
            if not leaves:
                c.add("sweep.parameters", params, "at least one swept parameter", "empty")
            for key, spec in leaves:
                axis = _sweep_axis(c, design, key, spec)
                if axis is not None:
                    axes.append(axis)

    sampled = design is not None and design.sampled
    samples = None
    if "samples" in table:
        if design is not None and not sampled:
            c.add("sweep.samples", table["samples"], "no samples: the design fixes its points",
                  f"not used by the {design.value} design")
        elif c.integer("sweep.samples", table["samples"], 1, MAX_SAMPLES):
            samples = table["samples"]
            if design is Design.SOBOL and samples & (samples - 1):
                c.add("sweep.samples", samples, "a power of 2 (Sobol sequences balance there)",
                      "not a power of 2")
    elif sampled:
        c.add("sweep.samples", _MISSING, f"an integer in [1, {MAX_SAMPLES}]", "missing")
    levels = 4
    if "levels" in table:
        if design is not None and design is not Design.MORRIS:
            c.add("sweep.levels", table["levels"], "levels only for Morris (a grid axis "
                  "takes its own levels)", f"not used by the {design.value} design")
        elif c.integer("sweep.levels", table["levels"], 2, MAX_LEVELS):
            levels = table["levels"]
    second_order = False
    if "second_order" in table:
        value = table["second_order"]
        if design is not None and design is not Design.SOBOL:
            c.add("sweep.second_order", value, "only for sobol",
                  f"not used by the {design.value} design")
        elif not isinstance(value, bool):
            c.add("sweep.second_order", value, "true or false", "wrong type")
        else:
            second_order = value
    sample_seed = None
    if "sample_seed" in table:
        if design is not None and not sampled:
            c.add("sweep.sample_seed", table["sample_seed"], "only for sampled designs",
                  f"not used by the {design.value} design")
        elif c.integer("sweep.sample_seed", table["sample_seed"], 0, MAX_SEED):
            sample_seed = table["sample_seed"]
    if design in (Design.SOBOL, Design.MORRIS) and importlib.util.find_spec("SALib") is None:
        c.add("sweep.design", raw, "a design whose sampler is installed",
              "needs SALib: pip install 'regcycle[sweep]'")
    if design is None or len(c.problems) > before or points is None:
        return
    out.sweep = SweepSpec(design=design, axes=tuple(axes), points=points, samples=samples,
                          levels=levels, second_order=second_order, sample_seed=sample_seed)


def _home_table(key: str) -> str | None:
    """The table a misplaced top-level key belongs in (``extends`` → ``[scenario]``)."""
    if key in SCENARIO_KEYS:
        return "the [scenario] table"
    if key in SWEEP_KEYS:
        return "the [sweep] table"
    if key in RUN_KEYS:
        return "the [run] table"
    for group in PARAM_GROUPS:
        if key in {f.name for f in dataclasses.fields(GROUPS[group])}:
            return f"the [{group}] table"
    if key in SECTOR_FIELDS:
        return "a [sectors.<sector>] table"
    return None


def _validate(merged: Mapping[str, Any], origin: Mapping[str, str],
              default_source: str) -> tuple[_Resolved, list[ScenarioProblem]]:
    c = _Checker(origin, default_source)
    out = _Resolved()
    for k, v in merged.items():
        if k not in TOP_KEYS:
            home = _home_table(k)
            if home:
                c.add(k, v, _one_of(TOP_KEYS), f"unknown top-level key; it belongs in {home}")
            else:
                c.unknown(k, k, v, TOP_KEYS)
    if "schema_version" in merged and merged["schema_version"] != SCHEMA_VERSION:
        c.add("schema_version", merged["schema_version"], str(SCHEMA_VERSION),
              "unsupported version")
    months, start, start_ok = _check_run(c, merged.get("run", _MISSING), out)
    names = Params().sector_names
    _check_outputs(c, merged.get("run"), names, out)
    _check_groups(c, merged, out)
    _check_sectors(c, merged, names, out)
    _check_events(c, merged, names, months, start, start_ok, out)
    _check_exogenous(c, merged, months, start, start_ok, out)
    _check_sweep(c, merged, out)
    return out, c.problems


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None, *,
                  replications: int | None = None) -> Scenario:
    """Load, merge and validate a scenario file into a :class:`Scenario`.

    Args:
        path: the scenario file.
        overrides: values applied after the file, by dotted key as in the file
            (``"leadership.theta_alarm"``, ``"sectors.ai.alignment"``, ``"run.months"``);
            validated like the file, and named :data:`COMMAND_LINE` in problems.
        replications: run this many replications instead of the file's: derived from the root
            seed, or the first ones of an explicit ``seeds`` list.

    Returns:
        The resolved scenario.

    Raises:
        ScenarioError: listing every problem in the chain of files and the overrides.
    """
    path = Path(path)
    problems: list[ScenarioProblem] = []
    layers = _read_chain(path, problems)
    overrides = dict(overrides or {})
    if overrides:
        layers_all = [*layers, _Layer(COMMAND_LINE, _nest(overrides))]
    else:
        layers_all = list(layers)
    name = description = None
    for layer in layers:
        # every file's own [scenario] table is checked; the top file's name and description win
        name, description, found = _check_scenario_table(layer)
        problems.extend(found)
    for k, v in overrides.items():
        if k == "scenario" or k.startswith("scenario."):
            problems.append(ScenarioProblem(COMMAND_LINE, k, v, "a parameter or run setting",
                                            "the [scenario] table cannot be overridden"))
    if not layers or layers[-1].source != str(path):
        # the file itself could not be read: nothing more to check
        raise ScenarioError(problems)
    for layer in layers_all:
        problems.extend(_flatten_sweep_parameters(layer))
    merged, origin = _merge(layers_all)
    resolved, more = _validate(merged, origin, str(path))
    problems.extend(more)
    seeds: tuple[int, ...] = ()
    root: int | None = None
    if not problems:
        if resolved.seeds is not None:
            seeds = resolved.seeds
            if replications is not None:
                if replications > len(seeds):
                    problems.append(ScenarioProblem(
                        COMMAND_LINE, "--seeds", replications,
                        f"at most {len(seeds)} (the seeds listed in run.seeds)",
                        "more runs than listed seeds"))
                seeds = seeds[:replications]
        else:
            root = resolved.seed_root
            seeds = derive_seeds(root, replications if replications is not None
                                 else resolved.replications)
    if replications is not None and replications < 1:
        problems.append(ScenarioProblem(COMMAND_LINE, "--seeds", replications,
                                        f"an integer in [1, {MAX_REPLICATIONS}]",
                                        "out of range"))
    if not problems and resolved.sweep is not None \
            and resolved.sweep.n_points * len(seeds) > MAX_RUNS:
        problems.append(ScenarioProblem(
            origin.get("sweep", str(path)), "sweep", "a table",
            f"at most {MAX_RUNS} runs (points × replications)",
            f"{resolved.sweep.n_points} points × {len(seeds)} replications is too many runs"))
    params = Params()
    if not problems:
        try:
            params = params.override(resolved.overrides)
            params = dataclasses.replace(params, exogenous=ExogenousParams(
                events=tuple(resolved.events),
                foreign_climate=resolved.series.get("foreign_climate", ()),
                macro_shock=resolved.series.get("macro_shock", ()),
            ))
        except ParameterError as exc:  # cross-checks the loader did not anticipate
            checker = _Checker(origin, str(path))
            for p in exc.problems:
                checker.add(p.key, p.value, p.allowed, p.message or "not allowed")
            problems.extend(checker.problems)
    if problems:
        raise ScenarioError(problems)
    assert name is not None and description is not None
    return Scenario(
        name=name,
        description=description,
        path=str(path),
        params=params,
        seeds=seeds,
        seed_root=root,
        workers=resolved.workers,
        sources=tuple(SourceFile(layer.source, layer.text) for layer in layers),
        overrides=overrides,
        sweep=resolved.sweep,
        outputs=resolved.outputs,
    )


def validate_files(paths: Iterable[str | Path]) -> dict[str, list[ScenarioProblem]]:
    """Validate scenario files; return the problems per file (an empty list: valid)."""
    report: dict[str, list[ScenarioProblem]] = {}
    for p in paths:
        try:
            load_scenario(p)
        except ScenarioError as exc:
            report[str(p)] = exc.problems
        else:
            report[str(p)] = []
    return report


def find_scenario(name_or_path: str | Path, search: Sequence[Path] = ()) -> Path:
    """Resolve a scenario argument: an existing path, or a bare name in a scenarios folder.

    Args:
        name_or_path: ``scenarios/baseline.toml``, or ``baseline``, or a name in a subfolder
            of a scenarios folder (``ablations/no_revelation``).
        search: folders to look for ``<name>.toml`` in when the path does not exist.

    Returns:
        The path to load (possibly non-existent, so that loading reports it).
    """
    path = Path(name_or_path)
    if path.exists() or path.suffix:
        return path
    for folder in search:
        candidate = Path(folder) / path.parent / f"{path.name}.toml"
        if candidate.is_file():
            return candidate
    return path


def list_scenarios(folder: str | Path) -> list[tuple[Path, str | None, str | None]]:
    """List the scenario files of a folder and of its subfolders, with names and descriptions.

    The folder's own files come first, then those of each subfolder one level down (such as
    ``scenarios/ablations/``), subfolders in name order. Files that cannot be read give
    ``None`` for name and description.

    Returns:
        ``(path, name, description)`` per ``*.toml`` file, sorted by file name within a folder.
    """
    out: list[tuple[Path, str | None, str | None]] = []
    folder = Path(folder)
    paths = sorted(folder.glob("*.toml")) + sorted(folder.glob("*/*.toml"),
                                                   key=lambda p: (p.parent.name, p.name))
    for path in paths:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            out.append((path, None, None))
            continue
        table = data.get("scenario")
        table = table if isinstance(table, dict) else {}
        name = table.get("name")
        desc = table.get("description")
        out.append((path, name if isinstance(name, str) else None,
                    desc if isinstance(desc, str) else None))
    return out


# --------------------------------------------------------------------------------------------
# Writing the resolved scenario back as TOML (for `regcycle show`)
# --------------------------------------------------------------------------------------------


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


def to_toml(scenario: Scenario, *, mark_changes: bool = True) -> str:
    """The fully resolved scenario as a TOML scenario file (no ``extends``; loads back the same).

    Args:
        scenario: the scenario.
        mark_changes: add a ``# default: ...`` comment to every value that differs from the
            defaults.

    Returns:
        TOML text.
    """
    defaults = Params()
    p = scenario.params
    lines = [f"# resolved from: {' → '.join(s.path for s in scenario.sources) or '(code)'}"]
    if scenario.overrides:
        sets = ", ".join(f"{k}={_toml_value(v) if _is_toml(v) else v!r}"
                         for k, v in scenario.overrides.items())
        lines.append(f"# command-line overrides: {sets}")
    lines += ["", "[scenario]", f"name = {_toml_value(scenario.name)}",
              f"description = {_toml_value(scenario.description)}", "", "[run]"]

    def emit(name: str, value: Any, default: Any) -> None:
        text = f"{name} = {_toml_value(value)}"
        if mark_changes and value != default:
            text += f"  # default: {_toml_value(default)}"
        lines.append(text)

    for f in dataclasses.fields(RunParams):
        emit(f.name, getattr(p.run, f.name), getattr(defaults.run, f.name))
    if scenario.seed_root is not None:
        lines.append(f"replications = {scenario.replications}")
        lines.append(f"seed = {scenario.seed_root}")
        lines.append(f"# per-run seeds: {_toml_value(list(scenario.seeds))}")
    else:
        lines.append(f"seeds = {_toml_value(list(scenario.seeds))}")
    if scenario.workers is not None:
        lines.append(f"workers = {scenario.workers}")
    if scenario.outputs.series is not None:
        lines.append(f"series = {_toml_value(list(scenario.outputs.series))}")
    if scenario.outputs.events is not None:
        lines.append(f"events = {_toml_value(list(scenario.outputs.events))}")
    for group in PARAM_GROUPS:
        lines += ["", f"[{group}]"]
        obj, dobj = getattr(p, group), getattr(defaults, group)
        for f in dataclasses.fields(obj):
            emit(f.name, getattr(obj, f.name), getattr(dobj, f.name))
    for sector, dsector in zip(p.sectors, defaults.sectors, strict=True):
        lines += ["", f"[sectors.{sector.name}]"]
        for f in dataclasses.fields(sector):
            if f.name != "name":
                emit(f.name, getattr(sector, f.name), getattr(dsector, f.name))
    for ev in p.exogenous.events:
        lines += ["", "[[events]]", f"month = {ev.month}", f"kind = {_toml_value(ev.kind)}"]
        if ev.sector:
            lines.append(f"sector = {_toml_value(ev.sector)}")
        lines.append(f"magnitude = {_toml_value(ev.magnitude)}")
    series = {name: getattr(p.exogenous, name) for name in EXOGENOUS_KEYS}
    if any(series.values()):
        lines += ["", "[exogenous]"]
        for name, points in series.items():
            if points:
                lines.append(f"{name} = {_toml_value([list(pt) for pt in points])}")
    if scenario.sweep is not None:
        lines += _sweep_toml(scenario.sweep, scenario.n_points)
    return "\n".join(lines) + "\n"


def _sweep_toml(sweep: SweepSpec, n_points: int) -> list[str]:
    lines = ["", f"# {n_points} points × the replications above", "[sweep]",
             f"design = {_toml_value(sweep.design.value)}"]
    if sweep.design.sampled:
        lines.append(f"samples = {sweep.samples}")
    if sweep.design is Design.MORRIS:
        lines.append(f"levels = {sweep.levels}")
    if sweep.design is Design.SOBOL:
        lines.append(f"second_order = {_toml_value(sweep.second_order)}")
    if sweep.sample_seed is not None:
        lines.append(f"sample_seed = {sweep.sample_seed}")
    if sweep.design is Design.POINTS:
        for point in sweep.points:
            lines += ["", "[[sweep.points]]"]
            lines += [f"{_toml_value(k)} = {_toml_value(v)}" for k, v in point]
        return lines
    lines += ["", "[sweep.parameters]"]
    for axis in sweep.axes:
        if axis.values is not None:
            body = f"values = {_toml_value(list(axis.values))}"
        else:
            body = f"range = {_toml_value([axis.low, axis.high])}"
            if axis.levels is not None:
                body += f", levels = {axis.levels}"
        lines.append(f"{_toml_value(axis.key)} = {{ {body} }}")
    return lines


def _is_toml(value: Any) -> bool:
    try:
        _toml_value(value)
    except TypeError:
        return False
    return True
