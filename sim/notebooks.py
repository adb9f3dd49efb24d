"""What the analysis notebooks of ``notebooks/`` call to size and run their experiments.

The notebooks hold no model logic: they read a *size* from the environment, run scenario files
through :func:`sim.runner.run_scenario` into a results root, and hand the folders to
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

    from .analysis.stylized import Run
    from .store import Results

SIZE_VARIABLE = "REGCYCLE_NOTEBOOK_SIZE"
"""Environment variable holding the notebook size (``quick`` or ``full``)."""

RESULTS_VARIABLE = "REGCYCLE_NOTEBOOK_RESULTS"
"""Environment variable holding the results root of the notebooks."""

WORKERS_VARIABLE = "REGCYCLE_NOTEBOOK_WORKERS"
"""Environment variable overriding the number of worker processes."""

REUSE_VARIABLE = "REGCYCLE_NOTEBOOK_REUSE"
"""Environment variable: ``1`` reuses (or resumes) an earlier folder made for the same runs."""

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
            Dotted keys for :func:`sim.scenario.load_scenario`'s ``overrides``: ``run.months``
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
                         morris_trajectories=20, sobol_samples=128, sweep_seeds=None,
                         sweep_months=None),
}
"""The two sizes; ``full`` is what the committed notebooks ran with."""


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
    here = Path(__file__).resolve().parent.parent
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
        seeds: replications (default: the size's; for a sweep ``sweep_seeds``, else the
            scenario's own).
        reuse: take the newest folder made for exactly these runs (:func:`matching_folder`),
            resuming it if unfinished, instead of a new one (default:
            :func:`reuse_requested`).

    Returns:
        The results folder (``<root>/<scenario>/<id>``).

    Raises:
        RuntimeError: if some runs failed (the folder keeps the others, and the errors in its
            manifest).
    """
    from .runner import expand, run_scenario
    from .scenario import load_scenario
    from .store import _fingerprint

    path = scenario_file(name)
    probe = load_scenario(path, overrides)
    sweep = probe.sweep
    design = sweep.design.value if sweep is not None else None
    asked = size.overrides(design) | dict(overrides or {})
    reps = seeds if seeds is not None else (size.sweep_seeds if sweep else size.seeds)
    # None keeps the file's replications
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

    from .scenario import load_scenario

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
        results: :func:`sim.store.load_results` of a folder.
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
        results: :func:`sim.store.load_results` of a folder.

    Returns:
        One ``Run(series, events)`` per run id, for
        :func:`sim.analysis.stylized.stylized_facts`.
    """
    from .analysis.stylized import Run

    ids = sorted(int(i) for i in results.runs["run_id"])
    return [Run(*run_tables(results, i)) for i in ids]


__all__ = [
    "HYPOTHESES",
    "RESULTS_VARIABLE",
    "REUSE_VARIABLE",
    "SIZES",
    "SIZE_VARIABLE",
    "WORKERS_VARIABLE",
    "NotebookSize",
    "describe_scenarios",
    "ensemble_runs",
    "matching_folder",
    "notebook_size",
    "repo_root",
    "results_root",
    "reuse_requested",
    "run",
    "run_all",
    "run_tables",
    "scenario_file",
]
