"""Run replications: one in-process, many over local worker processes.

The pieces, each small and replaceable:

* :func:`expand` turns a :class:`~sim.scenario.Scenario` into an ordered list of
  :class:`RunSpec` (a pure function: run ids and seeds are fixed before anything runs, so the
  order in which results arrive never matters);
* :func:`run_one` runs one spec to completion and returns a :class:`RunResult` (the only
  function workers call);
* backends (:class:`SerialBackend`, :class:`ProcessPoolBackend`) expose
  ``map(run_one, specs) -> Iterator[RunResult]``;
* :func:`run_scenario` ties them to a results folder (:mod:`sim.store`) with a progress bar and
  resume.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import logging
import multiprocessing
import os
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Protocol

import pandas as pd

from .params import Params
from .scenario import Scenario

__all__ = [
    "Backend",
    "ProcessPoolBackend",
    "RunResult",
    "RunSpec",
    "SerialBackend",
    "expand",
    "make_backend",
    "run_many",
    "run_one",
    "run_scenario",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RunSpec:
    """Everything one replication needs; picklable.

    Attributes:
        run_id: position of the run in its scenario (0-based), assigned before dispatch.
        seed: the run's seed, passed as ``RegulatoryModel(params, rng=seed)``.
        params: the run's parameters.
        scenario: the scenario's name (for tables and messages).
    """

    run_id: int
    seed: int
    params: Params
    scenario: str = ""


@dataclass(slots=True)
class RunResult:
    """The outputs of one replication, with ``run_id`` and ``seed`` columns first in each table.

    Attributes:
        run_id: the spec's run id.
        seed: the spec's seed.
        series: one row per month (:func:`sim.schema.series_columns`); None if the run failed.
        events: the event log (:data:`sim.schema.EVENT_COLUMNS`); None if the run failed.
        panel: the firm panel (:data:`sim.schema.PANEL_COLUMNS`), or None when not asked for.
        started: start time (ISO 8601, UTC).
        finished: end time (ISO 8601, UTC).
        seconds: wall-clock duration.
        error: the traceback text if the run raised, else None.
    """

    run_id: int
    seed: int
    series: pd.DataFrame | None
    events: pd.DataFrame | None
    panel: pd.DataFrame | None
    started: str
    finished: str
    seconds: float
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the run completed."""
        return self.error is None


def expand(scenario: Scenario) -> list[RunSpec]:
    """The runs of a scenario, in run-id order: one per seed, all with the scenario's params."""
    return [RunSpec(run_id=i, seed=seed, params=scenario.params, scenario=scenario.name)
            for i, seed in enumerate(scenario.seeds)]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def _tag(frame: pd.DataFrame, spec: RunSpec) -> pd.DataFrame:
    frame = frame.reset_index(drop=True)
    frame.insert(0, "seed", pd.Series([spec.seed] * len(frame), dtype="int64"))
    frame.insert(0, "run_id", pd.Series([spec.run_id] * len(frame), dtype="int64"))
    return frame


def run_one(spec: RunSpec) -> RunResult:
    """Run one replication to completion.

    Exceptions raised by the model are caught and returned as ``RunResult.error`` so that one
    failing run does not stop the others.

    Args:
        spec: what to run.

    Returns:
        The run's tables (``run_id`` and ``seed`` columns first) and timings.
    """
    from .model import RegulatoryModel  # imported here: workers pay for Mesa, not the CLI

    started, t0 = _now(), time.perf_counter()
    try:
        model = RegulatoryModel(spec.params, rng=spec.seed)
        model.run()
        series = _tag(model.series(), spec)
        events = _tag(model.events(), spec)
        panel = _tag(model.firm_panel(), spec) if spec.params.run.firm_panel_every else None
    except Exception:  # reported per run: the other runs go on
        return RunResult(spec.run_id, spec.seed, None, None, None, started, _now(),
                         time.perf_counter() - t0, traceback.format_exc())
    return RunResult(spec.run_id, spec.seed, series, events, panel, started, _now(),
                     time.perf_counter() - t0)


# --------------------------------------------------------------------------------------------
# Backends
# --------------------------------------------------------------------------------------------


class Backend(Protocol):
    """Runs a function over specs; results may arrive in any order."""

    def map(self, fn: Callable[[RunSpec], RunResult],
            specs: Sequence[RunSpec]) -> Iterator[RunResult]:
        """Yield ``fn(spec)`` for every spec."""
        ...

    def __enter__(self) -> Backend: ...

    def __exit__(self, *exc: object) -> None: ...


class SerialBackend:
    """Runs specs one after another in this process, in order."""

    def __enter__(self) -> SerialBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def map(self, fn: Callable[[RunSpec], RunResult],
            specs: Sequence[RunSpec]) -> Iterator[RunResult]:
        """Yield ``fn(spec)`` for each spec in order."""
        for spec in specs:
            yield fn(spec)


def _exit_with_parent(parent: int, interval: float = 0.5) -> None:
    """Worker initializer: exit as soon as the parent process is gone.

    A parent killed with SIGKILL cannot shut its pool down, and idle workers would wait for
    work forever; a daemon thread notices the parent's death (the worker is re-parented) and
    ends the worker.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


class ProcessPoolBackend:
    """Runs specs over local worker processes started with the ``spawn`` method.

    Spawned workers import the package afresh, so no state leaks from the parent; the start
    method is chosen per pool, never globally. On leaving the context (normally or by an
    exception, e.g. Ctrl-C), pending runs are cancelled and the workers shut down; if the
    parent is killed outright, the workers exit by themselves.
    """

    def __init__(self, workers: int):
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers
        self._pool: cf.ProcessPoolExecutor | None = None

    def __enter__(self) -> ProcessPoolBackend:
        self._pool = cf.ProcessPoolExecutor(max_workers=self.workers,
                                            mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_exit_with_parent,
                                            initargs=(os.getpid(),))
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=exc_type is None, cancel_futures=True)
            self._pool = None

    def map(self, fn: Callable[[RunSpec], RunResult],
            specs: Sequence[RunSpec]) -> Iterator[RunResult]:
        """Yield ``fn(spec)`` for each spec as the runs complete."""
        if self._pool is None:
            raise RuntimeError("use ProcessPoolBackend as a context manager")
        futures = [self._pool.submit(fn, spec) for spec in specs]
        try:
            for fut in cf.as_completed(futures):
                yield fut.result()
        finally:
            for fut in futures:
                fut.cancel()


def make_backend(workers: int) -> SerialBackend | ProcessPoolBackend:
    """A serial backend for one worker, a process pool for more."""
    return SerialBackend() if workers <= 1 else ProcessPoolBackend(workers)


def default_workers(n_runs: int) -> int:
    """As many workers as CPUs, but no more than runs (at least 1)."""
    return max(1, min(os.cpu_count() or 1, n_runs))


def run_many(specs: Sequence[RunSpec], *, workers: int = 1, progress: bool = False,
             fn: Callable[[RunSpec], RunResult] = run_one,
             done: int = 0, total: int | None = None) -> Iterator[RunResult]:
    """Run specs and yield their results as they complete.

    Args:
        specs: the runs.
        workers: worker processes (1: run in this process).
        progress: show a tqdm progress bar on stderr.
        fn: the function run per spec (must be picklable for several workers).
        done: runs already complete (the bar starts there when resuming).
        total: the bar's total (default ``done + len(specs)``).

    Yields:
        One :class:`RunResult` per spec, in completion order.
    """
    from tqdm import tqdm

    total = done + len(specs) if total is None else total
    with make_backend(min(workers, max(1, len(specs)))) as backend, \
            tqdm(total=total, initial=done, disable=not progress, unit="run",
                 desc="runs", dynamic_ncols=True) as bar:
        for result in backend.map(fn, specs):
            bar.update(1)
            if result.error is not None:
                bar.write(f"run {result.run_id} (seed {result.seed}) failed")
            yield result


def run_scenario(scenario: Scenario, *, out: str | Path = "results",
                 resume: str | Path | None = None, workers: int | None = None,
                 progress: bool = False, plot: bool = True,
                 command: Iterable[str] | None = None) -> Path:
    """Run every replication of a scenario into a results folder (see :mod:`sim.store`).

    Args:
        scenario: the loaded scenario.
        out: the results root; the folder is ``<out>/<scenario name>/<id>/``.
        resume: an earlier folder of the same command to complete instead of a new one.
        workers: worker processes (default: the scenario's ``run.workers``, else one per CPU,
            at most one per run).
        progress: show a progress bar.
        plot: write ``overview.png`` (enforcement per sector, phases shaded) of run 0.
        command: the command line, recorded in the manifest.

    Returns:
        The results folder.

    Raises:
        sim.store.StoreError: if ``resume`` is not a results folder of this scenario.
        KeyboardInterrupt: when interrupted; the folder can be resumed.
    """
    from . import store

    specs = expand(scenario)
    if resume is not None:
        folder = store.ResultsFolder.open(resume)
    else:
        folder = store.ResultsFolder.create(out, scenario.name)
    pending = folder.begin(scenario, specs, command=command)
    n_workers = workers or scenario.workers or default_workers(len(pending))
    log.info("%s: %d runs (%d to do) with %d worker(s) into %s", scenario.name, len(specs),
             len(pending), min(n_workers, max(1, len(pending))), folder.path)
    try:
        for result in run_many(pending, workers=n_workers, progress=progress,
                               done=len(specs) - len(pending), total=len(specs)):
            folder.write_run(result)
    except BaseException:
        folder.mark_interrupted()
        raise
    folder.finish(specs)
    from .analysis.results import write_summary  # summary.parquet: per-run cycle metrics

    write_summary(folder.path)
    if plot:
        folder.write_overview()
    return folder.path
