"""What the analysis notebooks of ``notebooks/`` call to size and run their experiments.

The notebooks hold no model logic: they read a *size* from the environment, run scenario files
through :func:`sim.experiment.runner.run_scenario` into a results root, and hand the folders to
:mod:`sim.analysis` and :mod:`sim.plots`. One switch makes the same notebook a smoke test in CI
and a full experiment on a desk:

* ``REGCYCLE_NOTEBOOK_SIZE``: ``full`` (default; 20 seeds, 360 months, sweeps of hundreds of
  points) or ``quick`` (three seeds, 180 months from 2008-01 — to the end of 2022: past the
  first crackdowns, which v2 puts mostly in 2016–2024, and the counterfactual's 2022 events —,
  tiny sweeps: well under a minute a notebook);
* ``REGCYCLE_NOTEBOOK_RESULTS``: the results root (default ``<repo>/results/notebooks``, which
  git ignores; a temporary folder when the package is not run from a checkout);
* ``REGCYCLE_NOTEBOOK_WORKERS``: worker processes (default: the size's);
* ``REGCYCLE_NOTEBOOK_REUSE``: ``1`` to take, instead of a new folder, the newest folder of the
  results root made for exactly the same runs (same scenario, parameters, seeds and months:
  the store's fingerprint), resuming it if it is unfinished. Re-executing a notebook after
  editing its prose or plots then takes seconds. Off by default: nothing checks that the model
  code is the same as when the folder was made.

Every notebook run uses the **held-out seeds** 1000, 1001, … (:data:`FIRST_SEED`; a sweep point
runs the first of them): the model's defaults were tuned on seeds 0–99, and the stylized-fact
and ablation tests of ``tests/model`` use seeds 1000–1039, so the notebooks' first 20 seeds are
the tests' first 20.

Example:
    >>> size = notebook_size({"REGCYCLE_NOTEBOOK_SIZE": "quick"})
    >>> size.name, size.seeds
    ('quick', 3)
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from ..analysis.stylized import Run
    from ..experiment.store import Results

SIZE_VARIABLE = "REGCYCLE_NOTEBOOK_SIZE"
"""Environment variable holding the notebook size (``quick`` or ``full``)."""

RESULTS_VARIABLE = "REGCYCLE_NOTEBOOK_RESULTS"
"""Environment variable holding the results root of the notebooks."""

WORKERS_VARIABLE = "REGCYCLE_NOTEBOOK_WORKERS"
"""Environment variable overriding the number of worker processes."""

REUSE_VARIABLE = "REGCYCLE_NOTEBOOK_REUSE"
"""Environment variable: ``1`` reuses (or resumes) an earlier folder made for the same runs."""

FIRST_SEED = 1000
"""First seed of every notebook run (the defaults were tuned on seeds 0–99: never used here)."""

HYPOTHESES: tuple[str, ...] = (
    "rules_based",
    "faster_feedback",
    "fiscal_decoupling",
    "unified_regulator",
    "no_zeal",
    "ai_honeymoon_ends",
    "loud_public_sphere",
    "no_retroactive",
    "open_information",
    "counterfactual_2020",
)
"""The policy hypotheses of MODEL.md §6, as scenario files of ``scenarios/`` (baseline aside)."""


@dataclass(frozen=True, slots=True)
class NotebookSize:
    """How big the notebooks' experiments are.

    Attributes:
        name: ``quick`` or ``full``.
        seeds: replications per scenario (the first seeds of the scenario's root: every
            scenario extending the baseline gets the same ones, common random numbers).
        months: run length (None: the scenario's own, 360).
        workers: worker processes (1 runs in the notebook's own process).
        n_boot: bootstrap resamples for intervals.
        morris_trajectories: Morris trajectories (``sweep.samples`` of the Morris design).
        sobol_samples: Sobol base samples N (a power of two; N × (D + 2) points).
        sweep_seeds: replications per sweep point (None: the sweep scenario's own).
        sweep_months: run length of sweep runs (None: the scenario's own).
    """

    name: str
    seeds: int
    months: int | None
    workers: int
    n_boot: int
    morris_trajectories: int
    sobol_samples: int
    sweep_seeds: int | None
    sweep_months: int | None

    def overrides(self, design: str | None = None) -> dict[str, Any]:
        """The settings this size imposes on a scenario.

        Args:
            design: the scenario's sweep design (``morris``, ``sobol``...), None without a
                sweep.

        Returns:
            Dotted keys for :func:`sim.experiment.scenario.load_scenario`'s ``overrides``:
            ``run.months``
            when the size sets it, and ``sweep.samples`` for Morris and Sobol designs.
        """
        months = self.months if design is None else self.sweep_months
        out: dict[str, Any] = {} if months is None else {"run.months": months}
        if design == "morris":
            out["sweep.samples"] = self.morris_trajectories
        elif design == "sobol":
            out["sweep.samples"] = self.sobol_samples
        return out


def _cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


SIZES: dict[str, NotebookSize] = {
    "quick": NotebookSize("quick", seeds=3, months=180, workers=1, n_boot=300,
                          morris_trajectories=2, sobol_samples=2, sweep_seeds=1,
                          sweep_months=60),
    "full": NotebookSize("full", seeds=20, months=None, workers=_cpus(), n_boot=2000,
                         morris_trajectories=16, sobol_samples=64, sweep_seeds=None,
                         sweep_months=None),
}
"""The two sizes; ``full`` is what the committed notebooks ran with.

Notebook 03's full designs were cut for model v2 from v1's 20 Morris trajectories and 128 Sobol
base samples (1,880 runs, 30 minutes on a quiet 2-core machine) to 16 and 64 (480 + 640 runs:
18½ minutes for Morris and 10 for Sobol with two workers on a shared, loaded 2-core machine);
the price is wider Sobol intervals."""


def notebook_size(environ: Mapping[str, str] | None = None) -> NotebookSize:
    """The size the environment asks for.

    Args:
        environ: the environment (default ``os.environ``).

    Returns:
        :data:`SIZES` ``[REGCYCLE_NOTEBOOK_SIZE]`` (default ``full``), with ``workers`` from
        ``REGCYCLE_NOTEBOOK_WORKERS`` when set.

    Raises:
        ValueError: for an unknown size or a worker count that is not a positive integer.
    """
    env = os.environ if environ is None else environ
    name = env.get(SIZE_VARIABLE, "").strip().lower() or "full"
    if name not in SIZES:
        raise ValueError(f"{SIZE_VARIABLE}={env.get(SIZE_VARIABLE)!r}: expected one of "
                         f"{', '.join(SIZES)}")
    size = SIZES[name]
    raw = env.get(WORKERS_VARIABLE, "").strip()
    if raw:
        if not raw.isdigit() or int(raw) < 1:
            raise ValueError(f"{WORKERS_VARIABLE}={raw!r}: expected a positive integer")
        size = dataclasses.replace(size, workers=int(raw))
    return size


def repo_root() -> Path | None:
    """The checkout the package runs from (the folder holding ``scenarios/``), if any."""
    here = Path(__file__).resolve().parents[2]
    for candidate in (here, *Path.cwd().resolve().parents, Path.cwd().resolve()):
        if (candidate / "scenarios" / "baseline.toml").is_file():
            return candidate
    return None


def scenario_file(name: str | Path) -> Path:
    """The file of a scenario given by name (``rules_based``) or path.

    Args:
        name: a scenario name of ``scenarios/`` (the catalogue) or ``notebooks/scenarios/``
            (the notebooks' sweeps), or a path to a TOML file.

    Returns:
        The file.

    Raises:
        FileNotFoundError: if there is no such scenario.
    """
    path = Path(name)
    if path.suffix == ".toml" and path.is_file():
        return path
    root = repo_root()
    folders = [root / "scenarios", root / "notebooks" / "scenarios"] if root else []
    for folder in folders:
        found = folder / f"{path.stem}.toml"
        if found.is_file():
            return found
    raise FileNotFoundError(f"no scenario {str(name)!r} (looked in "
                            f"{', '.join(map(str, folders)) or 'no checkout found'})")


def results_root(environ: Mapping[str, str] | None = None) -> Path:
    """Where the notebooks write their results folders (created if missing).

    Args:
        environ: the environment (default ``os.environ``).

    Returns:
        ``$REGCYCLE_NOTEBOOK_RESULTS`` if set, else ``<repo>/results/notebooks`` (git-ignored),
        else a new temporary folder.
    """
    env = os.environ if environ is None else environ
    if env.get(RESULTS_VARIABLE):
        root = Path(env[RESULTS_VARIABLE])
    elif (repo := repo_root()) is not None:
        root = repo / "results" / "notebooks"
    else:
        root = Path(tempfile.mkdtemp(prefix="regcycle-notebooks-"))
    root.mkdir(parents=True, exist_ok=True)
    return root


def reuse_requested(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the environment asks to reuse earlier folders (``REGCYCLE_NOTEBOOK_REUSE``).

    Args:
        environ: the environment (default ``os.environ``).

    Returns:
        True for ``1``, ``true``, ``yes`` or ``on`` (any case).
    """
    env = os.environ if environ is None else environ
    return env.get(REUSE_VARIABLE, "").strip().lower() in ("1", "true", "yes", "on")


def matching_folder(root: str | Path, scenario_name: str, fingerprint: str) -> Path | None:
    """The newest results folder of a scenario made for exactly the given runs.

    Args:
        root: the results root (folders are ``<root>/<scenario>/<id>``).
        scenario_name: the scenario's name.
        fingerprint: the store's fingerprint of the runs (every run's parameters and seed).

    Returns:
        The newest complete folder with that fingerprint, else the newest unfinished one (to
        resume), else None.
    """
    import json

    complete, unfinished = [], []
    for manifest in sorted(Path(root, scenario_name).glob("*/manifest.json"), reverse=True):
        try:
            meta = json.loads(manifest.read_text())
        except (OSError, ValueError):
            continue
        if meta.get("fingerprint") != fingerprint:
            continue
        (complete if meta.get("status") == "complete" else unfinished).append(manifest.parent)
    found = complete or unfinished
    return found[0] if found else None


def held_out_seeds(n: int) -> list[int]:
    """The seeds of ``n`` notebook runs: ``FIRST_SEED, FIRST_SEED + 1, …``.

    Example:
        >>> held_out_seeds(3)
        [1000, 1001, 1002]
    """
    return list(range(FIRST_SEED, FIRST_SEED + n))


def _check_complete(folder: Path) -> None:
    import json

    meta = json.loads((folder / "manifest.json").read_text())
    if meta.get("status") == "complete":
        return
    failed = [r for r in meta.get("runs", []) if r.get("status") != "done"]
    first = next((r.get("error") for r in failed if r.get("error")), None)
    last_line = (first or "no error recorded").strip().splitlines()[-1]
    raise RuntimeError(f"{folder}: {len(failed)} of {len(meta.get('runs', []))} runs did not "
                       f"finish (first error: {last_line}); fix the cause and re-run with "
                       f"{REUSE_VARIABLE}=1 to resume the folder")


def run(name: str | Path, size: NotebookSize, *, overrides: Mapping[str, Any] | None = None,
        root: str | Path | None = None, seeds: int | None = None,
        reuse: bool | None = None) -> Path:
    """Run a scenario file at a notebook size into a results folder.

    Args:
        name: a scenario name of ``scenarios/`` or a path.
        size: the notebook size (seeds, months, workers; for a sweep, its replications,
            months and the samples of Morris and Sobol designs).
        overrides: further dotted-key overrides, applied after the size's.
        root: the results root (default :func:`results_root`).
        seeds: replications (default: the size's; for a sweep ``sweep_seeds``, else as many
            as the scenario's own). The runs get :func:`held_out_seeds` (1000, 1001, …), not
            the seeds the file derives from its root, unless ``overrides`` set ``run.seeds``,
            ``run.seed`` or ``run.replications``.
        reuse: take the newest folder made for exactly these runs (:func:`matching_folder`),
            resuming it if unfinished, instead of a new one (default:
            :func:`reuse_requested`).

    Returns:
        The results folder (``<root>/<scenario>/<id>``).

    Raises:
        RuntimeError: if some runs failed (the folder keeps the others, and the errors in its
            manifest).
    """
    from ..experiment.runner import expand, run_scenario
    from ..experiment.scenario import load_scenario
    from ..experiment.store import _fingerprint

    path = scenario_file(name)
    probe = load_scenario(path, overrides)
    sweep = probe.sweep
    design = sweep.design.value if sweep is not None else None
    asked = size.overrides(design) | dict(overrides or {})
    reps = seeds if seeds is not None else (size.sweep_seeds if sweep else size.seeds)
    if not {"run.seeds", "run.seed", "run.replications"} & set(overrides or {}):
        # held-out seeds 1000, 1001, ... (None: as many as the file's own replications)
        asked["run.seeds"] = held_out_seeds(reps if reps is not None else len(probe.seeds))
        reps = None
    scenario = load_scenario(path, asked, replications=reps)
    workers = max(1, min(size.workers, scenario.n_runs))
    out = Path(root) if root is not None else results_root()
    earlier = None
    if reuse_requested() if reuse is None else reuse:
        earlier = matching_folder(out, scenario.name, _fingerprint(expand(scenario)))
    folder = run_scenario(scenario, out=out, resume=earlier, workers=workers, plot=False)
    _check_complete(folder)
    return folder


def run_all(names: Sequence[str | Path], size: NotebookSize, *,
            overrides: Mapping[str, Any] | None = None,
            root: str | Path | None = None, reuse: bool | None = None) -> dict[str, Path]:
    """Run several scenarios at the same size (the same seeds: common random numbers).

    Args:
        names: scenario names or paths.
        size: the notebook size.
        overrides: dotted-key overrides applied to every scenario.
        root: the results root (default :func:`results_root`).
        reuse: reuse folders made for the same runs (see :func:`run`).

    Returns:
        ``{scenario name: results folder}`` in the order given.
    """
    return {Path(n).stem: run(n, size, overrides=overrides, root=root, reuse=reuse)
            for n in names}


def _show_change(key: str, value: Any, base: Any) -> str:
    if key == "exogenous.events":
        return "; ".join(f"{e['kind']} {e['sector'] or 'economy'} ×{e['magnitude']:g} at month "
                         f"{e['month']}" for e in value)
    if isinstance(value, list):
        return f"{key} = " + ", ".join(f"{v:g} from month {m}" for m, v in value)
    return f"{key} = {value} (baseline {base})"


def describe_scenarios(names: Sequence[str | Path], reference: str = "baseline"
                       ) -> pd.DataFrame:
    """What each scenario is and what it changes from the reference.

    Args:
        names: scenario names or paths.
        reference: the scenario the changes are read against.

    Returns:
        One row per scenario: ``scenario``, ``description`` and ``changes`` (every resolved
        parameter that differs from the reference's, with the reference's value; scheduled
        events and exogenous series spelled out).
    """
    import pandas as pd

    from ..experiment.scenario import load_scenario

    base = load_scenario(scenario_file(reference)).params.to_flat_dict()
    rows = []
    for name in names:
        scenario = load_scenario(scenario_file(name))
        flat = scenario.params.to_flat_dict()
        changes = [_show_change(k, v, base.get(k)) for k, v in flat.items() if base.get(k) != v]
        rows.append({"scenario": scenario.name, "description": scenario.description,
                     "changes": "; ".join(changes) or "—"})
    return pd.DataFrame(rows)


def run_tables(results: Results, run_id: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One run of a loaded results folder, as the plot and analysis functions take it.

    Args:
        results: :func:`sim.experiment.store.load_results` of a folder.
        run_id: the run.

    Returns:
        ``(series, events)``: the run's series with only the schema columns, and its event log
        without the run identifiers and joined parameters.
    """
    series = results.run(run_id)
    events = results.events.loc[results.events["run_id"] == run_id]
    keep = [c for c in events.columns if c not in results.runs.columns]
    return series, events[keep].reset_index(drop=True)


def ensemble_runs(results: Results) -> list[Run]:
    """Every run of a loaded results folder as :class:`sim.analysis.stylized.Run` (run order).

    Args:
        results: :func:`sim.experiment.store.load_results` of a folder.

    Returns:
        One ``Run(series, events)`` per run id, for
        :func:`sim.analysis.stylized.stylized_facts`.
    """
    from ..analysis.stylized import Run

    ids = sorted(int(i) for i in results.runs["run_id"])
    return [Run(*run_tables(results, i)) for i in ids]


# --------------------------------------------------------------------------------------------
# Notebook 01: how a crackdown ends, and what the leadership sees
# --------------------------------------------------------------------------------------------

EXIT_COLUMNS: tuple[str, ...] = (
    "sector", "onset", "exit", "duration", "onset_cause", "drawdown", "shortfall", "jobs",
    "sector_pain", "economy_pain", "perceived_pain", "pain_bound", "pain_over_bound",
)
"""Columns of :func:`exit_pain`."""


def exit_pain(series: pd.DataFrame, events: pd.DataFrame, params: Any = None) -> pd.DataFrame:
    """The pain of every crackdown of one run that ended on pain, at the month of the exit.

    Sector pain is w_v·drawdown + w_g·growth shortfall + w_j·jobs (``markets.weight_*``); the
    three columns hold the weighted components, so they sum to ``sector_pain``. The leadership
    perceives (with a delay) a mix of sector and economy pain, and moves to COMPROMISE when
    that perceived pain exceeds the pain it will bear for the alarm that remains
    (``pain_bound``, set by the kind of harm).

    Args:
        series: the run's series (with ``drawdown``, ``pain_shortfall``, ``pain_jobs``,
            ``pain``, ``perceived_pain`` and ``pain_bound`` per sector).
        events: its event log.
        params: the run's :class:`sim.model.params.Params` (default: the defaults).

    Returns:
        One row per pain-ended crackdown with :data:`EXIT_COLUMNS`; ``exit`` is the first
        COMPROMISE month, ``onset_cause`` the cause logged at the onset.
    """
    import pandas as pd

    from ..analysis.stylized import COMPROMISE, Run, crackdown_table
    from ..model.params import Params

    params = params or Params()
    mp = params.markets
    table = crackdown_table(Run(series, events), params)
    done = table.loc[table["ended"] == COMPROMISE]
    at = series.set_index("month")
    rows = []
    for cd in done.itertuples():
        m, s = int(cd.onset + cd.duration), cd.sector
        rows.append({
            "sector": s, "onset": int(cd.onset), "exit": m, "duration": int(cd.duration),
            "onset_cause": cd.cause,
            "drawdown": mp.weight_drawdown * float(at.at[m, f"drawdown.{s}"]),
            "shortfall": mp.weight_shortfall * float(at.at[m, f"pain_shortfall.{s}"]),
            "jobs": mp.weight_jobs * float(at.at[m, f"pain_jobs.{s}"]),
            "sector_pain": float(at.at[m, f"pain.{s}"]),
            "economy_pain": float(at.at[m, "pain"]),
            "perceived_pain": float(cd.perceived_pain_exit),
            "pain_bound": float(cd.pain_bound_exit),
        })
    out = pd.DataFrame(rows, columns=list(EXIT_COLUMNS))
    out["pain_over_bound"] = out["perceived_pain"] / out["pain_bound"]
    return out


def ensemble_exit_pain(results: Results, params: Any = None) -> pd.DataFrame:
    """:func:`exit_pain` of every run of a loaded results folder, with ``run_id`` in front."""
    import pandas as pd

    parts = []
    for i in sorted(int(r) for r in results.runs["run_id"]):
        table = exit_pain(*run_tables(results, i), params)
        table.insert(0, "run_id", i)
        parts.append(table)
    if not parts:
        return pd.DataFrame(columns=["run_id", *EXIT_COLUMNS])
    return pd.concat(parts, ignore_index=True)


CHANNEL_COLUMNS: tuple[str, ...] = (
    "sector", "months", "alarm", "report_public", "report_agency", "report_local",
    "perceived_alarm", "public_share", "agency_share", "local_share", "perceived_share",
    "transparency",
)
"""Columns of :func:`channel_table`."""


def channel_table(series: pd.DataFrame, phase: str | None = "LOOSE") -> pd.DataFrame:
    """What each information channel carries of the true alarm, per sector.

    Args:
        series: the series of one or more runs (``alarm``, ``report_public``,
            ``report_agency``, ``report_local``, ``perceived_alarm``, ``transparency`` and
            ``phase`` per sector).
        phase: only the sector's months in this phase (None: every month before a ban).

    Returns:
        One row per sector with :data:`CHANNEL_COLUMNS`: the mean over those months of the
        true alarm, of each channel's (delayed) report, of the perceived alarm and of
        transparency; ``*_share`` is the mean report over the mean true alarm (1: the channel
        carries the whole alarm; below 1: it hides or lags part of it).
    """
    import numpy as np
    import pandas as pd

    from ..analysis.frames import sectors_of

    rows = []
    for s in sectors_of(series):
        ph = series[f"phase.{s}"].astype(str).to_numpy()
        mask = (ph == phase) if phase is not None else (ph != "BANNED")

        def mean(q: str, s: str = s, mask: np.ndarray = mask) -> float:
            v = series[f"{q}.{s}"].to_numpy(dtype=float)[mask]
            return float(v.mean()) if v.size else float("nan")

        alarm = mean("alarm")
        row = {"sector": s, "months": int(mask.sum()), "alarm": alarm}
        for q in ("report_public", "report_agency", "report_local", "perceived_alarm"):
            row[q] = mean(q)
        for q, name in (("report_public", "public_share"), ("report_agency", "agency_share"),
                        ("report_local", "local_share"), ("perceived_alarm", "perceived_share")):
            row[name] = row[q] / alarm if alarm > 0 else float("nan")
        row["transparency"] = mean("transparency")
        rows.append(row)
    return pd.DataFrame(rows, columns=list(CHANNEL_COLUMNS))


# --------------------------------------------------------------------------------------------
# Notebook 02: the statistics the theory makes predictions about, and the predictions
# --------------------------------------------------------------------------------------------

THEORY_METRICS: dict[str, str] = {
    "enforcement_sd_na": "amplitude: sd over months of enforcement, mean over the non-aligned "
                         "sectors (banned months left out)",
    "aggressiveness_na": "deterrence: mean revenue-weighted aggressiveness of the non-aligned "
                         "sectors (live months)",
    "crackdowns_na": "frequency: crackdown onsets in the non-aligned sectors",
    "crackdown_length_na": "length: median of the run's pain-ended non-aligned crackdowns "
                           "(months)",
    "first_onset": "timing: month of the first non-aligned crackdown (the horizon if none)",
    "crackdowns_ai": "the aligned sector: AI crackdown onsets",
    "ai_listing_onsets": "the aligned sector: AI crackdowns started by a foreign listing",
    "revealed_gap_na": "hidden harm: median gap revealed in the run's non-aligned crackdowns "
                       "(true minus reported alarm, in θ_s)",
    "peak_signal_na": "severity: median peak signal of the run's non-aligned crackdowns",
}
"""Per-run statistics of :func:`theory_summary`: those MODEL.md and the ablation tests state
predictions on (:func:`sim.analysis.ablations.seed_statistics`). "Non-aligned" and "aligned"
are the reference scenario's sectors (alignment below / at least ½: platform, fintech, edtech,
gaming / AI) in every scenario, so that a scenario that changes alignment is still compared on
the same sectors."""


def theory_summary(folders: Mapping[str, str | Path], reference: str = "baseline"
                   ) -> pd.DataFrame:
    """:data:`THEORY_METRICS` of every run of several results folders.

    Args:
        folders: ``{scenario: results folder}`` (:func:`run_all`).
        reference: the scenario whose parameters say which sectors are aligned.

    Returns:
        One row per run: ``scenario``, ``run_id``, ``seed``, then the metrics.
    """
    import numpy as np
    import pandas as pd

    from ..analysis.ablations import non_aligned, seed_statistics
    from ..analysis.stylized import COMPROMISE
    from ..experiment.scenario import load_scenario
    from ..experiment.store import load_results

    params = load_scenario(scenario_file(reference)).params
    others = non_aligned(params)
    aligned = [s for s in params.sector_names if s not in others]
    rows = []
    for name, folder in folders.items():
        results = load_results(folder)
        seeds = dict(zip(results.runs["run_id"].astype(int), results.runs["seed"].astype(int),
                         strict=True))
        for run_id, run in zip(sorted(seeds), ensemble_runs(results), strict=True):
            st = seed_statistics(run, params)
            table = st["crackdown_table"]
            lengths = table.loc[table.sector.isin(others) & (table.ended == COMPROMISE),
                                "duration"].to_numpy(float)
            ai = table.loc[table.sector.isin(aligned)]
            na = table.loc[table.sector.isin(others)]
            rows.append({
                "scenario": name, "run_id": run_id, "seed": seeds[run_id],
                "enforcement_sd_na": st["enforcement_sd"],
                "aggressiveness_na": st["aggressiveness"],
                "crackdowns_na": float(st["crackdowns"]),
                "crackdown_length_na": float(np.median(lengths)) if lengths.size else np.nan,
                "first_onset": st["first_onset"],
                "crackdowns_ai": float(len(ai)),
                "ai_listing_onsets": float((ai.cause == "listing").sum()),
                "revealed_gap_na": float(na.revealed_gap.median()) if len(na) else np.nan,
                "peak_signal_na": float(na.peak_signal.median()) if len(na) else np.nan,
            })
    return pd.DataFrame(rows, columns=["scenario", "run_id", "seed", *THEORY_METRICS])


def sector_means(folders: Mapping[str, str | Path], quantities: Sequence[str],
                 sectors: Sequence[str]) -> pd.DataFrame:
    """Mean of per-sector quantities over every run, month and given sector, per scenario.

    Args:
        folders: ``{scenario: results folder}``.
        quantities: series quantities stored per sector (``enforcement``, ``floor``...).
        sectors: the sectors pooled (their months before any ban).

    Returns:
        One row per scenario (in the order given), one column per quantity.
    """
    import numpy as np
    import pandas as pd

    from ..experiment.store import load_results

    rows = {}
    for name, folder in folders.items():
        series = load_results(folder, params=False).series
        live = {s: series[f"phase.{s}"].astype(str).to_numpy() != "BANNED" for s in sectors}
        rows[name] = {q: float(np.mean(np.concatenate(
            [series[f"{q}.{s}"].to_numpy(dtype=float)[live[s]] for s in sectors])))
            for q in quantities}
    return pd.DataFrame.from_dict(rows, orient="index")[list(quantities)]


def onset_revelations(folders: Mapping[str, str | Path], sectors: Sequence[str]
                      ) -> pd.DataFrame:
    """How many crackdown onsets came with a revelation of hidden harm in the same sector-month.

    Args:
        folders: ``{scenario: results folder}``.
        sectors: the sectors counted.

    Returns:
        One row per scenario: ``onsets`` and ``with_revelation`` over every run, and the same
        for each run's first onset among the sectors (``first_onsets``,
        ``first_with_revelation``).
    """
    import pandas as pd

    from ..experiment.store import load_results

    rows = {}
    for name, folder in folders.items():
        ev = load_results(folder, params=False).events
        on = ev[(ev.kind == "phase_change") & (ev.detail.astype(str) == "CRACKDOWN")
                & ev.sector.isin(sectors)]
        keys = set(zip(ev.loc[ev.kind == "revelation", "run_id"],
                       ev.loc[ev.kind == "revelation", "month"],
                       ev.loc[ev.kind == "revelation", "sector"], strict=True))
        revealed = [(r, m, s) in keys for r, m, s in zip(on.run_id, on.month, on.sector,
                                                         strict=True)]
        on = on.assign(revealed=revealed).sort_values(["run_id", "month"], kind="stable")
        first = on.groupby("run_id").head(1)
        rows[name] = {"onsets": len(on), "with_revelation": int(on.revealed.sum()),
                      "first_onsets": len(first),
                      "first_with_revelation": int(first.revealed.sum())}
    return pd.DataFrame.from_dict(rows, orient="index")


@dataclass(frozen=True, slots=True)
class Prediction:
    """What the theory predicts a hypothesis does to one statistic, stated before the runs.

    Attributes:
        scenario: the hypothesis.
        metric: a column of :func:`sim.analysis.hypotheses.paired_compare`'s table.
        expect: ``lower``, ``higher``, ``changes`` (either way) or ``little`` (little change).
        size: the relative change the theory names: at least this much (``lower``,
            ``higher``, ``changes``; 0: the direction only), or at most this much
            (``little``).
        why: where the prediction comes from.
    """

    scenario: str
    metric: str
    expect: str
    size: float
    why: str

    def text(self) -> str:
        """The prediction in words (``lower by ≥ 20 %``)."""
        if self.expect == "little":
            return f"little change (|change| ≤ {self.size:.0%})"
        word = {"lower": "lower", "higher": "higher", "changes": "changes"}[self.expect]
        return word + (f" by ≥ {self.size:.0%}" if self.size else "")


PREDICTIONS: tuple[Prediction, ...] = (
    Prediction("rules_based", "enforcement_sd_na", "lower", 0.30,
               "MODEL.md §5 fact 13: rules damp the swing (sd ratio ≤ 0.7; prototype −39 %)"),
    Prediction("rules_based", "mean_harm", "higher", 0.0,
               "MODEL.md §2: rules let mean harm rise (prototype +36 %)"),
    Prediction("faster_feedback", "enforcement_sd_na", "little", 0.10,
               "MODEL.md §2: the channels' bias, not their lag, is the deficit (prototype −3 %)"),
    Prediction("open_information", "crackdowns_na", "higher", 0.05,
               "less censorship: the public channel carries more of the true alarm, so the "
               "leadership acts on harm sooner (ablation test: ≥ 5 % more crackdowns)"),
    Prediction("open_information", "first_onset", "lower", 0.0,
               "the same: the first crackdown comes earlier"),
    Prediction("unified_regulator", "enforcement_sd_na", "lower", 0.20,
               "MODEL.md §5 ablations: no information islands, growth faction or local "
               "under-reporting (prototype v5 −21 % to −26 %)"),
    Prediction("fiscal_decoupling", "aggressiveness_na", "lower", 0.0,
               "MODEL.md §5 fact 9: without the fiscal link local protection no longer "
               "shields firms from enforcement, so deterrence reaches them"),
    Prediction("fiscal_decoupling", "enforcement_sd_na", "lower", 0.0,
               "provinces stop hiding harm: part of the channels' bias goes (a unified "
               "regulator removes it all)"),
    Prediction("no_zeal", "enforcement_sd_na", "lower", 0.0,
               "agencies no longer overshoot the signal in a campaign, so peaks are lower"),
    Prediction("no_retroactive", "aggressiveness_na", "higher", 0.02,
               "MODEL.md §5 ablations: the forgiven record no longer deters (ablation test: "
               "≥ 2 %)"),
    Prediction("no_retroactive", "crackdowns_na", "changes", 0.10,
               "'a different cycle, not only smaller fines': the count or the length of "
               "crackdowns changes by ≥ 10 %"),
    Prediction("no_retroactive", "crackdown_length_na", "changes", 0.10,
               "the same, for the length"),
    Prediction("ai_honeymoon_ends", "crackdowns_ai", "higher", 0.0,
               "alignment 0.9 → 0.3: AI loses the raised threshold, sponsorship and local "
               "backing, and is cracked down on like the others"),
    Prediction("loud_public_sphere", "crackdowns_na", "higher", 0.0,
               "amplified scandals: more of them pass the trigger size and reveal hidden harm"),
    Prediction("loud_public_sphere", "first_onset", "lower", 0.0,
               "the same: the first crackdown comes earlier"),
)
"""The predictions notebook 02 checks, fixed before its runs (MODEL.md §2, §5 and §7; the
model-v2 issue; the ablation tests of ``tests/model/test_ablations.py``)."""

PREDICTION_COLUMNS: tuple[str, ...] = (
    "hypothesis", "metric", "prediction", "baseline", "value", "difference", "change",
    "verdict", "why",
)
"""Columns of :func:`prediction_table`."""


def verdict(prediction: Prediction, rel: float, diff: float, lo: float, hi: float) -> str:
    """Whether a measured paired change bears a prediction out.

    The rules, fixed in advance: ``lower``/``higher`` hold when the 90 % interval of the paired
    difference excludes 0 on the predicted side and the relative change reaches ``size``;
    ``changes`` when the interval excludes 0 and ``|change| ≥ size``; ``little`` when
    ``|change| ≤ size``.

    Args:
        prediction: the prediction.
        rel: relative change (NaN when the baseline's mean is 0).
        diff: the mean paired difference.
        lo: the lower end of its 90 % interval.
        hi: the upper end.

    Returns:
        ``holds``, ``direction only (…)``, ``not shown (…)`` or ``does not hold (…)``.
    """
    import math

    size, expect = prediction.size, prediction.expect
    down, up = hi < 0, lo > 0
    reach = abs(rel) >= size if math.isfinite(rel) else size == 0
    if expect == "little":
        if not math.isfinite(rel):
            return "not shown (no relative change)"
        return "holds" if abs(rel) <= size else f"does not hold ({rel:+.0%})"
    if expect == "changes":
        if not (down or up):
            return "not shown (interval includes 0)"
        return "holds" if reach else f"does not hold (|change| < {size:.0%})"
    right, wrong = (down, up) if expect == "lower" else (up, down)
    if right:
        return "holds" if reach else f"direction only (less than {size:.0%})"
    if wrong:
        return "does not hold (the opposite direction)"
    return "not shown (interval includes 0)"


def prediction_table(effects: pd.DataFrame, predictions: Sequence[Prediction] = PREDICTIONS, *,
                     by: str = "scenario") -> pd.DataFrame:
    """Each prediction beside the measured paired change and its verdict (:func:`verdict`).

    Args:
        effects: :func:`sim.analysis.hypotheses.paired_compare` over every predicted metric.
        predictions: the predictions.
        by: the grouping column of ``effects``.

    Returns:
        One row per prediction with :data:`PREDICTION_COLUMNS`: the baseline's and the
        hypothesis's mean over the paired seeds, the mean paired difference in the metric's
        units and the change in % of the baseline's mean (``n/a`` when that mean is 0), each
        with its 90 % bootstrap interval.
    """
    import math

    import pandas as pd

    table = effects.set_index([by, "metric"])
    rows = []
    for p in predictions:
        r = table.loc[(p.scenario, p.metric)]
        rel, diff = float(r["rel"]), float(r["diff"])
        change = (f"{100 * rel:+.1f} % [{100 * r['rel_lo']:+.1f}, {100 * r['rel_hi']:+.1f}]"
                  if math.isfinite(rel) else "n/a")
        difference = f"{diff:+.3g} [{r['diff_lo']:+.3g}, {r['diff_hi']:+.3g}]"
        rows.append({"hypothesis": p.scenario, "metric": p.metric, "prediction": p.text(),
                     "baseline": float(r["reference"]), "value": float(r["value"]),
                     "difference": difference, "change": change,
                     "verdict": verdict(p, rel, diff, float(r["diff_lo"]),
                                        float(r["diff_hi"])),
                     "why": p.why})
    return pd.DataFrame(rows, columns=list(PREDICTION_COLUMNS))


__all__ = [
    "CHANNEL_COLUMNS",
    "EXIT_COLUMNS",
    "FIRST_SEED",
    "HYPOTHESES",
    "PREDICTIONS",
    "PREDICTION_COLUMNS",
    "RESULTS_VARIABLE",
    "REUSE_VARIABLE",
    "SIZES",
    "SIZE_VARIABLE",
    "THEORY_METRICS",
    "WORKERS_VARIABLE",
    "NotebookSize",
    "Prediction",
    "channel_table",
    "describe_scenarios",
    "ensemble_exit_pain",
    "ensemble_runs",
    "exit_pain",
    "held_out_seeds",
    "matching_folder",
    "notebook_size",
    "onset_revelations",
    "prediction_table",
    "repo_root",
    "results_root",
    "reuse_requested",
    "run",
    "run_all",
    "run_tables",
    "scenario_file",
    "sector_means",
    "theory_summary",
    "verdict",
]
