"""Run replications and sweeps: in-process, over local worker processes, or on a dask cluster.

The pieces, each small and replaceable:

* :func:`expand` turns a :class:`~sim.experiment.scenario.Scenario` into an ordered list of
  :class:`RunSpec` (a pure function: run ids and seeds are fixed before anything runs, so the
  order in which results arrive never matters). A sweep's points come from
  :func:`sim.experiment.sweep.sample_matrix`; run ``point × R + r`` gets the seed of
  replication ``r`` at every point (common random numbers); a ``[posterior]``'s replication
  ``r`` runs draw ``r mod n_draws``;
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
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .backends import (
    BACKENDS,
    Backend,
    DaskBackend,
    ProcessPoolBackend,
    SerialBackend,
    default_workers,
    make_backend,
)
from .records import BatchRecord, RunBatch, RunRecord, RunResult, RunSpec
from .scenario import Scenario
from .worker import execute, execute_batch, failed_result, record_of, run_one

__all__ = [
    "BACKENDS",
    "Backend",
    "BatchRecord",
    "Batches",
    "DaskBackend",
    "ProcessPoolBackend",
    "RunBatch",
    "RunRecord",
    "RunResult",
    "RunSpec",
    "SerialBackend",
    "default_workers",
    "execute",
    "execute_batch",
    "expand",
    "make_backend",
    "record_of",
    "run_many",
    "run_one",
    "run_scenario",
]

if TYPE_CHECKING:
    from ..model.params import Params

log = logging.getLogger(__name__)


def expand(scenario: Scenario) -> list[RunSpec]:
    """The runs of a scenario, in run-id order (a pure function).

    Without a sweep: one run per seed, all with the scenario's parameters (run ``i`` gets
    seed ``i``). With a ``[posterior]`` of D draws: run ``r`` is replication ``r`` at draw
    ``r mod D`` (its values in ``swept``), so scenarios extending one calibrated scenario pair
    their runs over seed and draw alike. With a sweep of P points and R replications: run
    ``p × R + r`` is replication ``r`` at point ``p`` and gets the seed of replication ``r`` —
    the same seed at every point (common random numbers), so differences between points are
    not sampling noise.

    Raises:
        sim.model.params.ParameterError: if a point's parameters fail a cross-parameter check.
    """
    if scenario.posterior is not None:
        return _posterior_runs(scenario)
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


def _posterior_runs(scenario: Scenario) -> list[RunSpec]:
    """One run per replication, replication ``r`` at posterior draw ``r mod n_draws``."""
    from .sweep import point_params

    post = scenario.posterior
    assert post is not None
    params: dict[int, Params] = {}  # a draw's parameters, made once however often it is run
    specs = []
    for r, seed in enumerate(scenario.seeds):
        values = post.values(r)
        draw = post.draw_of(r)
        if draw not in params:
            params[draw] = point_params(scenario.params, values)
        specs.append(RunSpec(run_id=r, seed=seed, params=params[draw],
                             scenario=scenario.name, point=0, replicate=r, swept=values,
                             outputs=scenario.outputs))
    return specs


def _failed_result(spec: RunSpec, exc: Exception) -> RunResult:
    return failed_result(spec, exc)


def _failed_record(spec: RunSpec, exc: Exception) -> RunRecord:
    return record_of(spec, _failed_result(spec, exc))  # a failed result encodes to no files


def _failed_batch(batch: RunBatch, exc: Exception) -> BatchRecord:
    """Every run of a batch whose worker failed (died, or raised outside the runs)."""
    return BatchRecord([_failed_record(spec, exc) for spec in batch.specs])


BATCH_SECONDS = 1.0
"""About how long a batch of runs keeps a worker busy (runs, cycle metrics, storing)."""
MAX_BATCH = 50
"""The most runs in a batch."""


class Batches:
    """The pending runs in batches, each sized to keep a worker busy about ``seconds``.

    Storing a run costs a few milliseconds whatever the run (encoding its tables, writing and
    gathering its files, the round trip to a worker): runs of a few hundredths of a second are
    sent and stored together, so that this cost is paid per batch (one chunk of the folder). The
    size follows the time per run measured so far (the first batches hold one run each): runs
    of half a second or more are sent one by one, as before batching. A batch is never more
    than an even share of what is left among the workers, so none waits at the end. The folder
    written is the same whatever the batches (``tables.gather_parts``); a run is stored when its
    batch ends, so a killed sweep loses at most about ``seconds`` of each worker's runs.

    Args:
        specs: the runs to do, in order.
        workers: the workers sharing them.
        seconds: the time a batch should take (default :data:`BATCH_SECONDS`).
        largest: the most runs in a batch (default :data:`MAX_BATCH`; 1: every run alone).
    """

    def __init__(self, specs: Sequence[RunSpec], workers: int, *,
                 seconds: float | None = None, largest: int | None = None):
        self.specs = specs
        self.workers = max(1, workers)
        self.seconds = BATCH_SECONDS if seconds is None else seconds
        self.largest = max(1, MAX_BATCH if largest is None else largest)
        self.per_run: float | None = None
        self._next = 0

    def observe(self, batch: BatchRecord) -> None:
        """Take a finished batch's time per run into account (a moving average)."""
        if batch.records and batch.seconds > 0:
            per_run = batch.seconds / len(batch.records)
            self.per_run = per_run if self.per_run is None else \
                0.5 * self.per_run + 0.5 * per_run

    def size(self) -> int:
        """The size of the next batch."""
        left = len(self.specs) - self._next
        if self.per_run is None:
            return 1
        size = int(self.seconds / max(self.per_run, 1e-6))
        return max(1, min(size, self.largest, -(-left // (2 * self.workers))))

    def __iter__(self) -> Iterator[RunBatch]:
        while self._next < len(self.specs):
            size = self.size()
            yield RunBatch(tuple(self.specs[self._next: self._next + size]))
            self._next += size


def _progress[R](results: Iterator[R], done: int, total: int, progress: bool) -> Iterator[R]:
    from tqdm import tqdm

    with tqdm(total=total, initial=done, disable=not progress, unit="run", desc="runs",
              dynamic_ncols=True) as bar:
        for result in results:
            runs = getattr(result, "records", None) or [result]  # a batch's runs, or one run
            bar.update(len(runs))
            for run in runs:
                if getattr(run, "error", None) is not None:
                    bar.write(f"run {run.run_id} (seed {run.seed}) failed")  # type: ignore
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
    task = functools.partial(execute_batch, sink=folder.sink if worker_writes else None, fn=fn)
    try:
        if pending:
            with chosen as runner:
                batches = Batches(pending, getattr(runner, "workers", n_workers))
                for batch in _progress(runner.map(task, batches, _failed_batch),
                                       len(specs) - len(pending), len(specs), progress):
                    folder.record_batch(batch)
                    batches.observe(batch)
    except BaseException:
        folder.mark_interrupted()
        raise
    folder.finish(specs, remake_summary=write_summary)
    if plot:
        _write_overview(folder.path)
    return folder.path
