"""Sizing and running the notebooks' experiments: the size switch, scenario lookup, seeds, folders.

A notebook reads its size (:func:`notebook_size`) from the environment, finds scenario files by
name (:func:`scenario_file`) and runs them at that size on the held-out seeds
(:func:`held_out_seeds`) into a results root (:func:`results_root`) with :func:`run` and
:func:`run_all`, optionally reusing a folder made earlier for exactly the same runs
(:func:`matching_folder`). See :mod:`sim.app.notebooks` for the environment variables.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SIZE_VARIABLE = "REGCYCLE_NOTEBOOK_SIZE"
"""Environment variable holding the notebook size (``quick`` or ``full``)."""

RESULTS_VARIABLE = "REGCYCLE_NOTEBOOK_RESULTS"
"""Environment variable holding the results root of the notebooks."""

WORKERS_VARIABLE = "REGCYCLE_NOTEBOOK_WORKERS"
"""Environment variable overriding the number of worker processes."""

POSTERIOR_VARIABLE = "REGCYCLE_NOTEBOOK_POSTERIOR"
"""Environment variable naming a scenario with a ``[posterior]`` table (``regcycle calibrate
--write-scenario``): every scenario a notebook runs then runs over its draws (replication r,
seed r, draw r mod n: effects carry parameter uncertainty with common random numbers)."""

REUSE_VARIABLE = "REGCYCLE_NOTEBOOK_REUSE"
"""Environment variable: ``1`` reuses (or resumes) an earlier folder made for the same runs."""

FIRST_SEED = 1000
"""First seed of every notebook run (the defaults were tuned on seeds 0–99: never used here)."""


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
    here = Path(__file__).resolve().parents[3]
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


def check_complete(folder: Path) -> None:
    """Raise unless every run of a results folder finished.

    Args:
        folder: a results folder.

    Raises:
        RuntimeError: naming how many runs did not finish and the first error recorded, and how
            to resume the folder.
    """
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
        reuse: bool | None = None, posterior: str | Path | None = None) -> Path:
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
        posterior: a scenario with a ``[posterior]`` table to run over (default: the file
            named by :data:`POSTERIOR_VARIABLE`, else none).

    Returns:
        The results folder (``<root>/<scenario>/<id>``).

    Raises:
        RuntimeError: if some runs failed (the folder keeps the others, and the errors in its
            manifest).
    """
    from ...experiment.runner import expand, run_scenario
    from ...experiment.scenario import load_scenario
    from ...experiment.store.parts import fingerprint

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
    posterior = posterior if posterior is not None else os.environ.get(POSTERIOR_VARIABLE)
    if posterior and scenario.sweep is None:
        from ...experiment.scenario import attach_posterior

        draws = load_scenario(scenario_file(posterior)).posterior
        if draws is None:
            raise ValueError(f"{posterior} has no [posterior] table")
        scenario = attach_posterior(scenario, draws)
    workers = max(1, min(size.workers, scenario.n_runs))
    out = Path(root) if root is not None else results_root()
    earlier = None
    if reuse_requested() if reuse is None else reuse:
        earlier = matching_folder(out, scenario.name, fingerprint(expand(scenario)))
    folder = run_scenario(scenario, out=out, resume=earlier, workers=workers, plot=False)
    check_complete(folder)
    return folder


def run_all(names: Sequence[str | Path], size: NotebookSize, *,
            overrides: Mapping[str, Any] | None = None,
            root: str | Path | None = None, reuse: bool | None = None,
            posterior: str | Path | None = None) -> dict[str, Path]:
    """Run several scenarios at the same size (the same seeds: common random numbers).

    Args:
        names: scenario names or paths.
        size: the notebook size.
        overrides: dotted-key overrides applied to every scenario.
        root: the results root (default :func:`results_root`).
        reuse: reuse folders made for the same runs (see :func:`run`).
        posterior: run every scenario over these posterior draws (see :func:`run`): the same
            seed and draw at each replication in every scenario.

    Returns:
        ``{scenario name: results folder}`` in the order given.
    """
    return {Path(n).stem: run(n, size, overrides=overrides, root=root, reuse=reuse,
                              posterior=posterior)
            for n in names}


__all__ = [
    "FIRST_SEED",
    "POSTERIOR_VARIABLE",
    "RESULTS_VARIABLE",
    "REUSE_VARIABLE",
    "SIZES",
    "SIZE_VARIABLE",
    "WORKERS_VARIABLE",
    "NotebookSize",
    "check_complete",
    "held_out_seeds",
    "matching_folder",
    "notebook_size",
    "repo_root",
    "results_root",
    "reuse_requested",
    "run",
    "run_all",
    "scenario_file",
]
