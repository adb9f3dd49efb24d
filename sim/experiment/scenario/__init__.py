"""Scenario files: read TOML, follow ``extends``, validate everything, resolve into parameters.

This is the only package that reads scenario files. A scenario is a named overlay on the defaults
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
keeps none; leaving a key out keeps everything. The run's cycle metrics are computed before anything
is dropped (:class:`sim.model.schema.OutputSelection`). Do not confuse ``run.events`` with the
``[[events]]`` tables, which schedule events.

A sweep runs the scenario's replications (``[run]`` seeds) at every point of its design (see
:mod:`sim.experiment.sweep`); swept values are checked against the parameter metadata like any
other value, and parameters declared ``sweepable = False`` cannot be swept.

Merging along ``extends``: tables merge key by key, the child winning; any other value (numbers,
strings, and arrays such as ``seeds``, ``[[events]]`` or an exogenous series) replaces the
parent's. Setting ``seeds`` in a file drops inherited ``replications``/``seed`` and the reverse.
The ``[scenario]`` table is never inherited: every file names and describes itself.

Validation happens at load time and collects every problem of every file in the chain (and of
command-line overrides) before raising one :class:`ScenarioError`. Files are data: they are parsed
with :mod:`tomllib` and nothing in them is executed.

The package, in the order a load runs:

* :mod:`.read`: reading files, following ``extends`` and merging the layers (with the file that
  set each key, for messages); ``--set`` assignments; finding and listing scenario files.
* :mod:`.validate` and :mod:`.timeline`: checking the merged tables (the calendar, scheduled
  events and exogenous series in :mod:`.timeline`; the ``[sweep]`` table in
  :mod:`sim.experiment.sweep.checks`); problems are collected by
  :class:`sim.experiment.problems.Checker`.
* :mod:`.load`: :func:`load_scenario`, which runs the steps above into a :class:`Scenario`
  (:mod:`.resolved`).
* :mod:`.write`: :func:`to_toml`, the resolved scenario written back as a file.
"""

from __future__ import annotations

from ..problems import COMMAND_LINE, ScenarioError, ScenarioProblem
from .load import load_scenario, validate_files
from .read import find_scenario, list_scenarios, parse_assignment
from .resolved import (
    DEFAULT_REPLICATIONS,
    DEFAULT_SEED,
    SCHEMA_VERSION,
    Scenario,
    SourceFile,
    derive_seeds,
)
from .write import to_toml

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
