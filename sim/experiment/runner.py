"""Run replications and sweeps: in-process, over local worker processes, or on a dask cluster.

The pieces, each small and replaceable:

* :func:`expand` turns a :class:`~sim.experiment.scenario.Scenario` into an ordered list of
  :class:`RunSpec` (a pure function: run ids and seeds are fixed before anything runs, so the
  order in which results arrive never matters). A sweep's points come from
  :func:`sim.experiment.sweep.sample_matrix`; run ``point × R + r`` gets the seed of
  replication ``r`` at every point (common random numbers);
* :func:`run_one` (:mod:`sim.experiment.worker`) runs one spec to completion and returns a
  :class:`RunResult`;
* :func:`execute` (:mod:`sim.experiment.worker`) is what workers call for a results folder: it
  runs a spec, computes its cycle metrics from the full tables, keeps the series columns and
  event kinds the scenario stores (``run.series``, ``run.events``) and writes its files into
  the folder if it can reach it, else returns them encoded (a :class:`RunRecord`);
* backends (:mod:`sim.experiment.backends`: :class:`SerialBackend`,
  :class:`ProcessPoolBackend`, :class:`DaskBackend`) expose ``map(fn, specs) -> Iterator`` and
  are context managers that stop their workers on exit; they keep a bounded number of runs in
  flight, so the coordinator's memory stays flat;
* :func:`run_scenario` ties them to a results folder (:mod:`sim.experiment.store`) with a
  progress bar and resume, then has the summary remade if need be
  (:mod:`sim.analysis.results`) and the overview drawn (:mod:`sim.plots.overview`).

The records (:class:`RunSpec`, :class:`RunResult`, :class:`RunRecord`) live in
:mod:`sim.experiment.records`; this module re-exports them, the backends and the worker's
functions, so ``from sim.experiment.runner import ...`` keeps working.
"""

from __future__ import annotations

import functools
import logging
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from .backends import (
    BACKENDS,
    Backend,
    DaskBackend,
    ProcessPoolBackend,
    SerialBackend,
    default_workers,
    make_backend,
)
from .records import RunRecord, RunResult, RunSpec
from .scenario import Scenario
from .store.files import utc_now
from .worker import execute, record_of, run_one

__all__ = [
    "BACKENDS",
    "Backend",
    "DaskBackend",
    "ProcessPoolBackend",
    "RunRecord",
    "RunResult",
    "RunSpec",
    "SerialBackend",
    "default_workers",
    "execute",
    "expand",
    "make_backend",
    "record_of",
    "run_many",
    "run_one",
    "run_scenario",
]

log = logging.getLogger(__name__)


def expand(scenario: Scenario) -> list[RunSpec]:
    """The runs of a scenario, in run-id order (a pure function).

    Without a sweep: one run per seed, all with the scenario's parameters (run ``i`` gets
    seed ``i``). With a sweep of P points and R replications: run ``p × R + r`` is replication
    ``r`` at point ``p`` and gets the seed of replication ``r`` — the same seed at every point
    (common random numbers), so differences between points are not sampling noise.

    Raises:
        sim.model.params.ParameterError: if a point's parameters fail a cross-parameter check.
    """
    if scenario.sweep is None:
        return [RunSpec(run_id=i, seed=seed, params=scenario.params, scenario=scenario.name,
                        point=0, replicate=i, outputs=scenario.outputs)
                for i, seed in enumerate(scenario.seeds)]
    from .sweep import point_params, point_values, sample_matrix  # the samplers: sweeps only

    matrix = sample_matrix(scenario.sweep, scenario.params, scenario.seed_root)
    n_rep = len(scenario.seeds)
    specs = []
    for point, values in enumerate(point_values(matrix)):
        params = point_params(scenario.params, values)
        for r, seed in enumerate(scenario.seeds):
            specs.append(RunSpec(run_id=point * n_rep + r, seed=seed, params=params,
                                 scenario=scenario.name, point=point, replicate=r,
                                 swept=values, outputs=scenario.outputs))
    return specs


def _failed_result(spec: RunSpec, exc: Exception) -> RunResult:
    now = utc_now("milliseconds")  # as a run's own times
    text = "".join(traceback.format_exception(exc))
    return RunResult(spec.run_id, spec.seed, None, None, None, now, now, 0.0,
                     f"the run's worker failed: {text}")


def _failed_record(spec: RunSpec, exc: Exception) -> RunRecord:
    return record_of(spec, _failed_result(spec, exc))  # a failed result encodes to no files


def _progress[R](results: Iterator[R], done: int, total: int, progress: bool) -> Iterator[R]:
    from tqdm import tqdm

    with tqdm(total=total, initial=done, disable=not progress, unit="run", desc="runs",
              dynamic_ncols=True) as bar:
        for result in results:
            bar.update(1)
            if getattr(result, "error", None) is not None:
                bar.write(f"run {result.run_id} (seed {result.seed}) failed")  # type: ignore
            yield result


def run_many(specs: Sequence[RunSpec], *, workers: int = 1, progress: bool = False,
             fn: Callable[[RunSpec], RunResult] = run_one,
             done: int = 0, total: int | None = None, backend: str | None = None,
             scheduler: str | None = None) -> Iterator[RunResult]:
    """Run specs and yield their results (tables in memory) as they complete.

    Args:
        specs: the runs.
        workers: worker processes (1: run in this process unless a backend is named).
        progress: show a tqdm progress bar on stderr.
        fn: the function run per spec (must be picklable for several workers).
        done: runs already complete (the bar starts there when resuming).
        total: the bar's total (default ``done + len(specs)``).
        backend: ``serial``, ``processes`` or ``dask`` (see :func:`make_backend`).
        scheduler: a running dask scheduler's address.

    Yields:
        One :class:`RunResult` per spec, in completion order.
    """
    total = done + len(specs) if total is None else total
    with make_backend(min(workers, max(1, len(specs))), backend, scheduler) as runner:
        yield from _progress(runner.map(fn, specs, _failed_result), done, total, progress)


def _write_overview(path: Path) -> None:
    """Draw ``overview.png`` into a finished folder; a missing plot never fails a run."""
    try:
        from ..plots.overview import write_overview  # matplotlib: only when asked for
    except Exception as exc:  # the plot is a courtesy, not a result
        log.warning("could not draw the overview: %s", exc)
        return
    write_overview(path)


def run_scenario(scenario: Scenario, *, out: str | Path = "results",
                 resume: str | Path | None = None, workers: int | None = None,
                 backend: str | None = None, scheduler: str | None = None,
                 progress: bool = False, plot: bool = True,
                 command: Iterable[str] | None = None,
                 fn: Callable[[RunSpec], RunResult] = run_one,
                 worker_writes: bool = True) -> Path:
    """Run every run of a scenario (a sweep's too) into a results folder (see ``store``).

    Failing runs are recorded (error and parameters in the manifest) and the others go on;
    the folder is then ``incomplete`` and ``resume`` retries them.

    Args:
        scenario: the loaded scenario.
        out: the results root; the folder is ``<out>/<scenario name>/<id>/``.
        resume: an earlier folder of the same command to complete instead of a new one.
        workers: worker processes (default: the scenario's ``run.workers``, else one per CPU,
            at most one per run).
        backend: ``serial``, ``processes`` or ``dask`` (default: ``dask`` with a scheduler,
            else serial for one worker and processes for more).
        scheduler: address of a running dask scheduler (``tcp://HOST:PORT``).
        progress: show a progress bar.
        plot: write ``overview.png`` (enforcement per sector, phases shaded) of run 0.
        command: the command line, recorded in the manifest.
        fn: the function that runs one spec (picklable; for experiments and tests).
        worker_writes: let workers that can reach the folder write their runs themselves
            (False: every run is sent back to this process and written here).

    Returns:
        The results folder.

    Raises:
        sim.experiment.store.StoreError: if ``resume`` is not a results folder of this scenario.
        KeyboardInterrupt: when interrupted; the folder keeps its finished runs and can be
            resumed.
    """
    # at the call: the store brings pandas and pyarrow, which `regcycle --help` does not need
    from ..analysis.results import write_summary
    from .store import ResultsFolder

    specs = expand(scenario)
    if resume is not None:
        folder = ResultsFolder.open(resume)
    else:
        folder = ResultsFolder.create(out, scenario.name)
    pending = folder.begin(scenario, specs, command=command)
    n_workers = min(workers or scenario.workers or default_workers(len(pending)),
                    max(1, len(pending)))
    chosen = make_backend(n_workers, backend, scheduler)
    log.info("%s: %d runs (%d to do) on %s into %s", scenario.name, len(specs), len(pending),
             type(chosen).__name__, folder.path)
    task = functools.partial(execute, sink=folder.sink if worker_writes else None, fn=fn)
    try:
        if pending:
            with chosen as runner:
                for record in _progress(runner.map(task, pending, _failed_record),
                                        len(specs) - len(pending), len(specs), progress):
                    folder.record(record)
    except BaseException:
        folder.mark_interrupted()
        raise
    folder.finish(specs, remake_summary=write_summary)
    if plot:
        _write_overview(folder.path)
    return folder.path
