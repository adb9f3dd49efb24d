"""Checking a merged scenario, table by table, into what :func:`load_scenario` resolves.

:func:`validate` checks every table of the merged layers, collecting every problem (named
after the file that set the key) instead of stopping at the first: the top-level keys, ``[run]``
(settings, seeds, what the results folder stores), the parameter groups and ``[sectors.*]``
against the metadata of :mod:`sim.model.params`, then the calendar's contents
(:mod:`.timeline`), the ``[sweep]`` table (:mod:`sim.experiment.sweep.checks`) and the
``[calibrate]`` and ``[posterior]`` tables (:mod:`.calibrate`). Each file's
own ``[scenario]`` table is checked apart (:func:`check_scenario_table`), as it is not merged.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ...model.params import (
    GROUPS,
    Params,
    RunParams,
    ScheduledEvent,
    SectorSpec,
    coerce_value,
    parse_month,
)
from ...model.schema import (
    EVENT_KINDS,
    SECTOR_QUANTITIES,
    SERIES_NAMES,
    OutputSelection,
    split_column,
)
from ..problems import MAX_SEED, MISSING, Checker, ScenarioProblem, closest, one_of
from ..sweep import SweepSpec
from ..sweep.checks import SWEEP_KEYS, check_sweep
from .calibrate import (
    CALIBRATE_KEYS,
    POSTERIOR_KEYS,
    CalibrateSpec,
    PosteriorDraws,
    check_calibrate,
    check_posterior,
)
from .read import Layer
from .resolved import DEFAULT_REPLICATIONS, DEFAULT_SEED, SCHEMA_VERSION
from .timeline import Calendar, check_events, check_exogenous

__all__ = ["MAX_REPLICATIONS", "Resolved", "check_scenario_table", "validate"]

MAX_REPLICATIONS = 100_000
"""Most replications (``run.replications``, seeds in ``run.seeds``, ``--seeds``)."""

MAX_WORKERS = 1024

PARAM_GROUPS: tuple[str, ...] = tuple(g for g in GROUPS if g != "run")
"""The scalar parameter groups a scenario sets as tables (``[run]`` is checked apart)."""
SCENARIO_KEYS: tuple[str, ...] = ("name", "description", "extends")
RUN_KEYS: tuple[str, ...] = ("months", "start_date", "firm_panel_every", "replications", "seed",
                             "seeds", "workers", "series", "events")
TOP_KEYS: tuple[str, ...] = ("schema_version", "scenario", "run", *PARAM_GROUPS, "sectors",
                             "events", "exogenous", "sweep", "calibrate", "posterior")
SECTOR_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(SectorSpec)
                                       if f.name != "name")

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


@dataclass(slots=True)
class Resolved:
    """What the checks accepted, ready to build a :class:`~.resolved.Scenario` from.

    Attributes:
        overrides: dotted key → value, for :meth:`sim.model.params.Params.override`.
        events: the scheduled events.
        series: the exogenous series by name.
        seeds: an explicit seed list (None: derive ``replications`` seeds from ``seed_root``).
        replications: how many seeds to derive.
        seed_root: the root to derive them from.
        workers: the preferred number of worker processes (None: decide at run time).
        sweep: the sweep (None: one point).
        outputs: what the results folder stores.
        calibrate: the ``[calibrate]`` table (None: none).
        posterior: the ``[posterior]`` draws (None: none).
    """

    overrides: dict[str, Any] = field(default_factory=dict)
    events: list[ScheduledEvent] = field(default_factory=list)
    series: dict[str, tuple[tuple[int, float], ...]] = field(default_factory=dict)
    seeds: tuple[int, ...] | None = None
    replications: int = DEFAULT_REPLICATIONS
    seed_root: int = DEFAULT_SEED
    workers: int | None = None
    sweep: SweepSpec | None = None
    outputs: OutputSelection = field(default_factory=OutputSelection)
    calibrate: CalibrateSpec | None = None
    posterior: PosteriorDraws | None = None


def validate(merged: Mapping[str, Any], origin: Mapping[str, str],
             default_source: str) -> tuple[Resolved, list[ScenarioProblem]]:
    """Check the merged tables of a scenario (without ``[scenario]``).

    Args:
        merged: the merged layers (:func:`~.read.merge`).
        origin: the source of every dotted key (:func:`~.read.merge`).
        default_source: the source named for keys no layer set (the file being loaded).

    Returns:
        What the checks accepted, and every problem found (in the order of the tables).
    """
    c = Checker(origin, default_source)
    out = Resolved()
    for k, v in merged.items():
        if k not in TOP_KEYS:
            home = _home_table(k)
            if home:
                c.add(k, v, one_of(TOP_KEYS), f"unknown top-level key; it belongs in {home}")
            else:
                c.unknown(k, k, v, TOP_KEYS)
    if "schema_version" in merged and merged["schema_version"] != SCHEMA_VERSION:
        c.add("schema_version", merged["schema_version"], str(SCHEMA_VERSION),
              "unsupported version")
    calendar = _check_run(c, merged.get("run", MISSING), out)
    names = Params().sector_names
    _check_outputs(c, merged.get("run"), names, out)
    _check_groups(c, merged, out)
    _check_sectors(c, merged, names, out)
    out.events = check_events(c, merged.get("events", MISSING), names, calendar)
    out.series = check_exogenous(c, merged.get("exogenous", MISSING), calendar)
    out.sweep = check_sweep(c, merged.get("sweep", MISSING))
    out.calibrate = check_calibrate(c, merged.get("calibrate", MISSING))
    out.posterior = check_posterior(c, merged.get("posterior", MISSING))
    if "posterior" in merged and "sweep" in merged:
        # both give every run its own parameters: a draw per replication, or a point each
        c.add("posterior", merged["posterior"], "either a [sweep] or a [posterior], not both",
              "a [posterior] runs one draw per replication and cannot be swept; sweep the "
              "scenario without its [posterior], or drop the [sweep]")
    return out, c.problems


def _home_table(key: str) -> str | None:
    """The table a misplaced top-level key belongs in (``extends`` → ``[scenario]``)."""
    if key in SCENARIO_KEYS:
        return "the [scenario] table"
    if key in SWEEP_KEYS:
        return "the [sweep] table"
    if key in RUN_KEYS:
        return "the [run] table"
    if key in CALIBRATE_KEYS:
        return "the [calibrate] table"
    if key in POSTERIOR_KEYS:
        return "the [posterior] table"
    for group in PARAM_GROUPS:
        if key in {f.name for f in dataclasses.fields(GROUPS[group])}:
            return f"the [{group}] table"
    if key in SECTOR_FIELDS:
        return "a [sectors.<sector>] table"
    return None


# --------------------------------------------------------------------------------------------
# [scenario]
# --------------------------------------------------------------------------------------------


def check_scenario_table(layer: Layer) -> tuple[str | None, str | None,
                                                  list[ScenarioProblem]]:
    """Check one file's own ``[scenario]`` table; return its name, description and problems."""
    checker = Checker({}, layer.source)
    table = layer.data.get("scenario", MISSING)
    name = description = None
    if table is MISSING:
        checker.add("scenario", MISSING, "a [scenario] table with name and description",
                    "missing")
    elif checker.table("scenario", table):
        for k, v in table.items():
            if k not in SCENARIO_KEYS:
                checker.unknown(f"scenario.{k}", k, v, SCENARIO_KEYS)
        name_allowed = "a name of letters, digits, '_', '-' and '.' (names the results folder)"
        name = table.get("name", MISSING)
        if name is MISSING:
            checker.add("scenario.name", name, name_allowed, "missing")
        elif checker.string("scenario.name", name, name_allowed) and not _NAME_RE.match(name):
            checker.add("scenario.name", name, name_allowed, "not a valid name")
        description = table.get("description", MISSING)
        if description is MISSING:
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


# --------------------------------------------------------------------------------------------
# [run]
# --------------------------------------------------------------------------------------------


def _check_run(c: Checker, run: Any, out: Resolved) -> Calendar:
    """Check ``[run]`` (but ``series`` and ``events``); return the run's calendar."""
    if run is MISSING:
        return Calendar()
    if not c.table("run", run):
        return Calendar(known=False)
    calendar = _check_run_params(c, run, out)
    if "seeds" in run:
        out.seeds = _check_seed_list(c, run["seeds"])
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
    return calendar


def _check_run_params(c: Checker, run: Mapping[str, Any], out: Resolved) -> Calendar:
    """Check ``[run]``'s keys and the :class:`RunParams` among them; return the calendar."""
    months, start, known = Calendar().months, Calendar().start, True
    fields = {f.name: f for f in dataclasses.fields(RunParams)}
    for k, v in run.items():
        key = f"run.{k}"
        if k not in RUN_KEYS:
            c.unknown(key, k, v, RUN_KEYS)
        elif k == "start_date":
            if _check_start_date(c, v):
                start = out.overrides[key] = v
            else:
                known = False
        elif k in fields:
            if c.param(fields[k], v, key):
                out.overrides[key] = v
                months = v if k == "months" else months
            elif k == "months":
                known = False
    return Calendar(months, start, known)


def _check_start_date(c: Checker, value: Any) -> bool:
    allowed = "a month written \"YYYY-MM\""
    if not c.string("run.start_date", value, allowed):
        return False
    try:
        parse_month(value)
    except ValueError:
        c.add("run.start_date", value, allowed, "not a date")
        return False
    return True


def _check_seed_list(c: Checker, seeds: Any) -> tuple[int, ...] | None:
    """``run.seeds``: the per-run seeds, or None after reporting a problem."""
    allowed = f"a non-empty list of distinct integers in [0, {MAX_SEED}]"
    if not isinstance(seeds, list) or not seeds:
        c.add("run.seeds", seeds, allowed, "wrong type" if not isinstance(seeds, list)
              else "empty")
        return None
    if len(seeds) > MAX_REPLICATIONS:
        c.add("run.seeds", f"{len(seeds)} seeds", allowed, "too many")
        return None
    if not all([c.integer(f"run.seeds[{i}]", s, 0, MAX_SEED)  # report every bad seed
                for i, s in enumerate(seeds)]):
        return None
    if len(set(seeds)) != len(seeds):
        dupes = sorted({s for s in seeds if seeds.count(s) > 1})
        c.add("run.seeds", seeds, allowed, f"repeated seeds {dupes}")
        return None
    return tuple(seeds)


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
        guess = closest(sector, names)
        return f"unknown sector {sector!r}" + (f", did you mean {f'{quantity}.{guess}'!r}?"
                                              if guess else "")
    guess = closest(name, SERIES_NAMES)
    return "unknown series name" + (f", did you mean {guess!r}?" if guess else "")


def _check_name_list(c: Checker, key: str, value: Any, allowed: str,
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


def _check_outputs(c: Checker, run: Any, names: Sequence[str], out: Resolved) -> None:
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
            guess = closest(kind, EVENT_KINDS)
            return "unknown event kind" + (f", did you mean {guess!r}?" if guess else "")

        events = _check_name_list(c, "run.events", run["events"], EVENTS_ALLOWED,
                                  kind_problem)
    out.outputs = OutputSelection(series=series, events=events)


def _check_groups(c: Checker, merged: Mapping[str, Any], out: Resolved) -> None:
    for group in PARAM_GROUPS:
        table = merged.get(group, MISSING)
        if table is MISSING or not c.table(group, table):
            continue
        fields = {f.name: f for f in dataclasses.fields(GROUPS[group])}
        _check_fields(c, group, table, fields, out)


# --------------------------------------------------------------------------------------------
# Parameter groups and sectors
# --------------------------------------------------------------------------------------------


def _check_fields(c: Checker, prefix: str, table: Mapping[str, Any],
                  fields: Mapping[str, dataclasses.Field[Any]], out: Resolved) -> None:
    """Check each ``prefix.key = value`` of a parameter table and keep the valid ones.

    A group's table and a sector's table read alike: unknown keys name the allowed ones, values
    are checked against the field's metadata and kept as overrides.
    """
    for k, v in table.items():
        key = f"{prefix}.{k}"
        if k not in fields:
            c.unknown(key, k, v, list(fields))
        elif c.param(fields[k], v, key):
            out.overrides[key] = coerce_value(fields[k], v)


def _check_sectors(c: Checker, merged: Mapping[str, Any], names: Sequence[str],
                   out: Resolved) -> None:
    table = merged.get("sectors", MISSING)
    if table is MISSING or not c.table("sectors", table):
        return
    fields = {f.name: f for f in dataclasses.fields(SectorSpec) if f.name != "name"}
    for sector, body in table.items():
        skey = f"sectors.{sector}"
        if sector not in names:
            c.unknown(skey, sector, body, names, "unknown sector")
            continue
        if not c.table(skey, body):
            continue
        _check_fields(c, skey, body, fields, out)
