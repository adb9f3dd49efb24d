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

    [calibrate]                         # optional: what `regcycle calibrate` infers
    record = "../data/record.toml"      # default of --record, relative to this file
    population = 300                    # particles per generation
    generations = 10                    # most generations
    min_acceptance = 0.02               # stop below this acceptance rate
    min_epsilon = 0.0                   # stop below this epsilon
    replications = 1                    # simulations per particle (distances averaged)
    seed = 13                           # root of the simulations' seeds
    [calibrate.parameters]              # dotted key → uniform prior { range = [low, high] }
    "leadership.theta_alarm" = { range = [0.4, 2.0] }
    "leadership.theta_pain" = {}        # {}: the parameter's whole allowed range

    [posterior]                         # optional: draws (regcycle calibrate --write-scenario)
    source = "results/history/ID/calibration.db"        # provenance only
    parameters = ["leadership.theta_alarm", "leadership.theta_pain"]
    draws = [[1.1, 0.55], [0.9, 0.7]]   # one row a draw, equally weighted

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

``[calibrate]`` (:class:`CalibrateSpec`) chooses the parameters ``regcycle calibrate`` infers
and their uniform priors, checked like swept parameters (known, numeric, sweepable, within the
declared range, low below high); ``record`` becomes an absolute path, relative to the file that
set it. ``[posterior]`` (:class:`PosteriorDraws`) holds equally weighted draws of parameters:
replication ``r`` runs draw ``r mod n_draws`` with replication ``r``'s seed
(:func:`sim.experiment.runner.expand`), so every scenario extending a calibrated one shares its
seeds and draws run by run (common random numbers over parameter uncertainty; pair runs on
seed and draw: :func:`sim.analysis.hypotheses.paired_compare`, ``regcycle compare --paired``).
A value set for a drawn parameter by a later file of the chain or by ``--set`` fixes it in
every run (a policy overlay does what it says). A ``[posterior]`` cannot go with a ``[sweep]``.
Details in :mod:`.calibrate`.

Merging along ``extends``: tables merge key by key, the child winning (``[sweep.parameters]``
and ``[calibrate.parameters]`` by dotted key: a child adds or replaces priors, never removes
them); any other value (numbers, strings, and arrays such as ``seeds``, ``[[events]]``, an
exogenous series or ``posterior.draws``) replaces the parent's: an overlay's ``[[events]]``
lists every event it keeps. Setting ``seeds`` in a file drops inherited
``replications``/``seed`` and the reverse. The ``[scenario]`` table is never inherited: every
file names and describes itself.

Validation happens at load time and collects every problem of every file in the chain (and of
command-line overrides) before raising one :class:`ScenarioError`. Files are data: they are parsed
with :mod:`tomllib` and nothing in them is executed.

The package, in the order a load runs:

* :mod:`.read`: reading files, following ``extends`` and merging the layers (with the file that
  set each key, for messages); ``--set`` assignments; finding and listing scenario files.
* :mod:`.validate` and :mod:`.timeline`: checking the merged tables (the calendar, scheduled
  events and exogenous series in :mod:`.timeline`; the ``[sweep]`` table in
  :mod:`sim.experiment.sweep.checks`; ``[calibrate]`` and ``[posterior]`` in
  :mod:`.calibrate`); problems are collected by
  :class:`sim.experiment.problems.Checker`.
* :mod:`.load`: :func:`load_scenario`, which runs the steps above into a :class:`Scenario`
  (:mod:`.resolved`).
* :mod:`.write`: :func:`to_toml`, the resolved scenario written back as a file.
"""

from __future__ import annotations

from ..problems import COMMAND_LINE, ScenarioError, ScenarioProblem
from .calibrate import CalibrateSpec, PosteriorDraws, attach_posterior
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
    "CalibrateSpec",
    "PosteriorDraws",
    "Scenario",
    "ScenarioError",
    "ScenarioProblem",
    "SourceFile",
    "attach_posterior",
    "derive_seeds",
    "find_scenario",
    "list_scenarios",
    "load_scenario",
    "parse_assignment",
    "to_toml",
    "validate_files",
]
