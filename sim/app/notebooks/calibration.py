"""Notebook 04's helpers: the calibration at a notebook size, run or reused, and what it reads.

Notebook ``04_calibration.ipynb`` calibrates ``scenarios/history.toml`` to ``data/record.toml``
(:mod:`sim.calibration`) and sets the posterior beside the prior everywhere. This module holds
what the notebook needs beyond :mod:`sim.calibration` and :mod:`sim.plots.calibration`:

* the sizes (:data:`CALIBRATION_SIZES`): ``quick`` runs a tiny serial calibration and a
  two-truth recovery study in the notebook's results root (a smoke test: its numbers mean
  nothing); ``full`` reuses a finished full calibration and recovery study named by
  :data:`CALIBRATION_VARIABLE` and :data:`RECOVERY_VARIABLE` (or, with
  ``REGCYCLE_NOTEBOOK_REUSE=1``, the newest matching folder of the results root), and runs them
  when there is none (on two shared cores the calibration took 44 minutes, the 20-truth study
  about half an hour);
* the record as a table (:func:`record_table`), the record's dated crackdowns for the fans by
  date (:data:`RECORD_EPISODES`), and a finished calibration's generations and wall time read
  from pyabc's history (:func:`calibration_timing`);
* the predictive runs (:func:`predictive_runs`): the posterior, the prior and each
  counterfactual history over the same draws with the same held-out seeds (root
  :data:`PREDICTIVE_SEED` ≥ 1000), so that every difference between them is paired.

The calibration's own simulations use the ``[calibrate]`` table's seed root (13, a tuning seed:
fitting is tuning); everything the notebook reports about the fitted model — predictive fans,
held-out intervals, forecasts, counterfactual shifts — runs on held-out seeds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .running import FIRST_SEED, NotebookSize, results_root, reuse_requested

if TYPE_CHECKING:
    import pandas as pd

    from ...calibration.abc import CalibrationSettings
    from ...calibration.record import Record
    from ...experiment.scenario import Scenario

__all__ = [
    "CALIBRATION_SIZES",
    "CALIBRATION_VARIABLE",
    "COUNTERFACTUAL_STATISTICS",
    "PREDICTIVE_SEED",
    "RECORD_EPISODES",
    "RECOVERY_VARIABLE",
    "CalibrationSize",
    "calibration_folder",
    "calibration_size",
    "calibration_timing",
    "record_table",
    "recovery_records",
    "recovery_results",
]

CALIBRATION_VARIABLE = "REGCYCLE_CALIBRATION_FOLDER"
"""Environment variable naming a finished calibration folder (``regcycle calibrate``) to read
instead of calibrating in the notebook."""

RECOVERY_VARIABLE = "REGCYCLE_RECOVERY_FOLDER"
"""Environment variable naming a finished recovery study's folder (holding ``recovery.csv``)."""

PREDICTIVE_SEED = FIRST_SEED
"""Root of the predictive runs' seeds (draw i runs seed i of
:func:`~sim.experiment.scenario.derive_seeds` of this root): held out, never a tuning seed."""

COUNTERFACTUAL_STATISTICS = ("first_onset.platform", "first_length.platform",
                             "first_onset.fintech", "first_length.fintech")
"""What the counterfactual histories are compared on: the onset and length of the first
platform and fintech crackdowns (under the posterior, those of 2020-22)."""

RECORD_EPISODES: tuple[tuple[str, str, str, str], ...] = (
    ("platform", "antitrust campaign", "2020-11", "2022-04"),
    ("fintech", "Ant: IPO halt → Ma's exit (Jan 2023) → fine (Jul 2023)", "2020-11", "2023-01"),
    ("fintech", "", "2023-02", "2023-07"),
    ("edtech", "crackdown → ban (Jul 2021)", "2021-02", "2021-07"),
    ("gaming", "2018 freeze", "2018-03", "2018-12"),
    ("gaming", "2021 freeze", "2021-08", "2022-04"),
)
"""The record's dated crackdowns as ``(sector, label, first month, last month)``, drawn over
the fans by date (research/theory.md §2-§3): platforms Nov 2020 to the Politburo's easing of
29 Apr 2022; Ant from the IPO halt (3 Nov 2020) to Ma ceding control (Jan 2023) or the fine
(7 Jul 2023); tutoring from the first fines (Feb 2021) to the ban (24 Jul 2021); the game
licence freezes of 2018 (~9 months; theory.md gives no start month: the freeze is usually
dated Mar to late Dec 2018) and of late Jul 2021 to 11 Apr 2022 (no approvals Aug 2021 - Mar
2022)."""


@dataclass(frozen=True, slots=True)
class CalibrationSize:
    """How big notebook 04's calibration, recovery study and predictive runs are.

    Attributes:
        name: ``quick`` or ``full``.
        population: particles per generation (None: the ``[calibrate]`` table's).
        generations: the most generations (None: the table's).
        backend: pyabc's sampler (``serial`` is reproducible; see :mod:`sim.calibration.abc`).
        workers: processes of the ``processes`` backend and of the predictive runs.
        draws: parameter draws of each predictive (posterior, prior, each counterfactual).
        truths: synthetic truths of the recovery study.
        recovery_population: particles per generation in the recovery study.
        recovery_generations: generations in the recovery study.
        recovery_seed: root of the study's truths and of its calibrations' seeds (≥ 1000).
    """

    name: str
    population: int | None
    generations: int | None
    backend: str
    workers: int
    draws: int
    truths: int
    recovery_population: int
    recovery_generations: int
    recovery_seed: int = FIRST_SEED


CALIBRATION_SIZES: dict[str, CalibrationSize] = {
    "quick": CalibrationSize("quick", population=16, generations=2, backend="serial",
                             workers=1, draws=12, truths=2, recovery_population=10,
                             recovery_generations=1),
    "full": CalibrationSize("full", population=None, generations=None, backend="processes",
                            workers=2, draws=800, truths=20, recovery_population=150,
                            recovery_generations=5),
}
"""``quick``: a smoke test of every step (seconds); ``full``: the ``[calibrate]`` table's
calibration (population 300, up to 10 generations), 800 draws a predictive (about a tenth of
the posterior draws match the record's 2020 timing: the conditional counterfactuals rest on
those) and a 20-truth recovery study in a reduced setting (population 150, 5 generations)."""


def calibration_size(size: NotebookSize) -> CalibrationSize:
    """The calibration size of a notebook size (its ``workers`` carried over in ``full``)."""
    out = CALIBRATION_SIZES[size.name]
    if size.name == "full":
        out = dataclasses.replace(out, workers=max(1, size.workers))
    return out


# ----------------------------------------------------------------------------------------------
# The record as a table
# ----------------------------------------------------------------------------------------------

SET_STATUS = {"fit": "fitted", "heldout": "held out (out of sample)",
              "design": "design target (NOT out of sample)"}
"""How each set of the record is labelled in the notebook's tables."""


def month_date(month: float, start: str) -> str:
    y, m = (int(x) for x in start.split("-"))
    total = y * 12 + (m - 1) + round(month)
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def record_table(record: Record) -> pd.DataFrame:
    """One row per observation: set, status, what was observed and the statistic it maps to.

    Columns: ``set``, ``status`` (:data:`SET_STATUS`: design targets are marked as *not* out of
    sample), ``observation``, ``statistic``, ``observed`` (a date for month statistics), ``range``
    and ``description``.
    """
    import pandas as pd

    rows = []
    for o in record.observations:
        if o.date is not None:
            observed = o.date
            start = record.start_date
            span = f"{month_date(o.low, start)} … {month_date(o.high, start)}"
        else:
            observed = f"{o.value:g}"
            span = f"{o.low:g} … {o.high:g}"
        rows.append({"set": o.set, "status": SET_STATUS[o.set], "observation": o.name,
                     "statistic": o.statistic, "observed": observed, "range": span,
                     "description": o.description})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------------------------
# The calibration and the recovery study: reused or run
# ----------------------------------------------------------------------------------------------

def _same_fit(a: CalibrationSettings, b: CalibrationSettings) -> bool:
    """Two calibrations fit the same parameters and priors to the same observations."""
    return (a.scenario, a.parameters, a.statistics, a.observed, a.end_month) == \
        (b.scenario, b.parameters, b.statistics, b.observed, b.end_month)


def _finished(folder: Path) -> bool:
    from ...calibration.abc import POSTERIOR, SETTINGS

    return (folder / SETTINGS).is_file() and (folder / POSTERIOR).is_file()


def calibration_folder(csize: CalibrationSize, scenario: Scenario, record: Record, *,
                       root: str | Path | None = None, reuse: bool | None = None,
                       environ: Mapping[str, str] | None = None, progress: bool = True) -> Path:
    """The calibration the notebook reads: named, reused, or run now.

    In order: the folder named by :data:`CALIBRATION_VARIABLE` (it must hold a finished
    calibration of the same parameters, priors and observations); with ``reuse`` (default
    :func:`~sim.app.notebooks.running.reuse_requested`), the newest finished folder of
    ``<root>/<scenario>/`` made with the same settings; else a new calibration at ``csize``
    into ``<root>/<scenario>/calibrate-<size>-<time>``.

    Raises:
        ValueError: the named folder holds no finished calibration, or one of another fit.
    """
    from ...calibration.abc import calibrate, load_settings, settings_for

    env = os.environ if environ is None else environ
    settings = settings_for(scenario, record, population=csize.population,
                            generations=csize.generations)
    named = env.get(CALIBRATION_VARIABLE, "").strip()
    if named:
        folder = Path(named)
        if not _finished(folder):
            raise ValueError(f"{CALIBRATION_VARIABLE}={named}: no finished calibration there "
                             "(calibration.json and posterior.parquet)")
        if not _same_fit(load_settings(folder), settings):
            raise ValueError(f"{CALIBRATION_VARIABLE}={named}: that calibration fits other "
                             f"parameters, priors or observations than {scenario.name} to "
                             f"{record.path}")
        return folder
    out = Path(root) if root is not None else results_root()
    if reuse if reuse is not None else reuse_requested(env):
        for folder in sorted((out / scenario.name).glob("calibrate-*"), reverse=True):
            if _finished(folder) and load_settings(folder) == settings:
                return folder
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = out / scenario.name / f"calibrate-{csize.name}-{stamp}"
    calibrate(settings, scenario.params, folder, backend=csize.backend, workers=csize.workers,
              progress=progress)
    return folder


def recovery_results(csize: CalibrationSize, scenario: Scenario, record: Record, *,
                     root: str | Path | None = None,
                     environ: Mapping[str, str] | None = None) -> tuple[pd.DataFrame, Path]:
    """The recovery study's table (:func:`sim.calibration.recovery.recovery_study`) and folder.

    The folder named by :data:`RECOVERY_VARIABLE` is read (its ``recovery.csv``); else the
    study runs at ``csize`` into ``<root>/<scenario>/recovery-p<population>-g<generations>-
    t<truths>-s<seed>``, which resumes truth by truth: a finished truth is never redone.

    Raises:
        ValueError: the named folder has no ``recovery.csv``.
    """
    import pandas as pd

    from ...calibration.abc import settings_for
    from ...calibration.recovery import recovery_study

    env = os.environ if environ is None else environ
    named = env.get(RECOVERY_VARIABLE, "").strip()
    if named:
        path = Path(named) / "recovery.csv"
        if not path.is_file():
            raise ValueError(f"{RECOVERY_VARIABLE}={named}: no recovery.csv there")
        return pd.read_csv(path), Path(named)
    settings = settings_for(scenario, record, population=csize.recovery_population,
                            generations=csize.recovery_generations, seed=csize.recovery_seed)
    out = Path(root) if root is not None else results_root()
    folder = out / scenario.name / (f"recovery-p{csize.recovery_population}-"
                                    f"g{csize.recovery_generations}-t{csize.truths}-"
                                    f"s{csize.recovery_seed}")
    table = recovery_study(settings, scenario.params, folder, truths=csize.truths,
                           seed=csize.recovery_seed, backend=csize.backend,
                           workers=csize.workers, progress=False)
    return table, folder


# ----------------------------------------------------------------------------------------------
# What a finished calibration did: generations, simulations, time
# ----------------------------------------------------------------------------------------------

def calibration_timing(folder: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A calibration's generations and wall time, read from pyabc's history.

    Returns:
        ``(generations, totals)``: one row a generation (``t`` = -1 is the distance's
        calibration sample drawn from the prior) with ``epsilon``, ``samples`` (simulations),
        ``acceptance``, ``ess`` (effective sample size of the weights), ``wall_time`` (s, as
        pyabc measured it) and ``rate`` (simulations a second); and ``totals``: ``generations``,
        ``simulations``, ``start``, ``end``, ``wall_seconds`` (end − start of the run; None if
        it has no end time), ``generation_seconds`` (the sum of the generations' wall times,
        which excludes pauses between a stop and a resume) and ``stopped`` (why it stopped,
        inferred: the acceptance, the generation limit or ε at its minimum).
    """
    import numpy as np
    import pyabc
    from pyabc.weighted_statistics import effective_sample_size

    from ...calibration.abc import DATABASE, load_settings

    folder = Path(folder)
    settings = load_settings(folder)
    history = pyabc.History(f"sqlite:///{folder / DATABASE}", _id=1)
    pops = history.get_all_populations().sort_values("t").reset_index(drop=True)
    ess = []
    for t in pops["t"]:
        if t < 0:
            ess.append(float("nan"))
            continue
        _, w = history.get_distribution(m=0, t=int(t))
        ess.append(float(effective_sample_size(np.asarray(w, dtype=float))))
    table = pops[["t", "epsilon", "samples", "wall_time"]].copy()
    table["acceptance"] = np.where(table["t"] >= 0, settings.population / table["samples"],
                                   np.nan)
    table["ess"] = ess
    table["rate"] = table["samples"] / table["wall_time"]
    table = table[["t", "epsilon", "samples", "acceptance", "ess", "wall_time", "rate"]]
    abc = history.get_abc()
    start, end = abc.start_time, abc.end_time
    gens = int(history.max_t) + 1
    last = table[table["t"] >= 0]
    # pyabc stores the generation whose acceptance fell below the limit, then stops; and it
    # stops when the next threshold (a quantile of the last distances) reaches min_epsilon,
    # as when half the particles reproduce the observed statistics exactly (distance 0)
    low = bool(len(last)) and float(last["acceptance"].iloc[-1]) < settings.min_acceptance
    distances = history.get_weighted_distances(t=history.max_t)["distance"].to_numpy()
    exact = distances.size > 0 and float(np.median(distances)) <= settings.min_epsilon
    stopped = ("acceptance below min_acceptance" if low else
               "generation limit" if gens >= settings.generations else
               "ε reached min_epsilon (most particles reproduce the record exactly)" if exact
               else "stopped early (time limit, too many samples or interrupted)")
    totals = {"generations": gens, "simulations": int(history.total_nr_simulations),
              "start": start, "end": end,
              "wall_seconds": (end - start).total_seconds() if end and start else None,
              "generation_seconds": float(table["wall_time"].sum()), "stopped": stopped,
              "population": settings.population}
    return table, totals


# ----------------------------------------------------------------------------------------------
# Predictive runs: posterior, prior and counterfactual histories, paired draw by draw
# ----------------------------------------------------------------------------------------------

def recovery_records(folder: str | Path) -> pd.DataFrame:
    """What each synthetic truth of a recovery study saw, and how its calibration ended.

    Columns: ``truth_id``, ``crackdowns`` (platform and fintech crackdowns in its synthetic
    record by the record's end), ``informative`` (the synthetic record has at least one
    crackdown in a fitted sector: a record without any says only that alarm never crossed its
    threshold, which bounds θ and little else), ``generations`` and ``stopped``
    (:func:`calibration_timing`).
    """
    import pandas as pd

    from ...calibration.abc import load_settings

    rows = []
    for sub in sorted(Path(folder).glob("truth-*")):
        settings = load_settings(sub)
        obs = dict(zip(settings.statistics, settings.observed, strict=True))
        onsets = [v for k, v in obs.items() if k.startswith("first_onset.")]
        count = sum(v for k, v in obs.items() if k.startswith("crackdowns."))
        _, totals = calibration_timing(sub)
        rows.append({"truth_id": int(sub.name.split("-")[1]), "crackdowns": count,
                     "informative": any(v <= settings.end_month for v in onsets),
                     "generations": totals["generations"], "stopped": totals["stopped"]})
    return pd.DataFrame(rows)
