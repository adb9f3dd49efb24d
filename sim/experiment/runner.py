"""Run replications and sweeps: in-process, over local worker processes, or on a dask cluster.

The pieces, each small and replaceable:

* :func:`expand` turns a :class:`~sim.experiment.scenario.Scenario` into an ordered list of
  :class:`RunSpec` (a pure function: run ids and seeds are fixed before anything runs, so the
  order in which results arrive never matters). A sweep's points come from
  :func:`sim.experiment.sweep.sample_matrix`; run ``point × R + r`` gets the seed of
  replication ``r`` at every point (common random numbers);
* :func:`run_one` runs one spec to completion and returns a :class:`RunResult`;
* :func:`execute` is what workers call for a results folder: it runs a spec, computes its
  cycle metrics from the full tables, keeps the series columns and event kinds the scenario
  stores (``run.series``, ``run.events``) and writes its files into the folder if it can reach
  it, else returns them encoded (a :class:`RunRecord`);
* backends (:class:`SerialBackend`, :class:`ProcessPoolBackend`, :class:`DaskBackend`) expose
  ``map(fn, specs) -> Iterator`` and are context managers that stop their workers on exit;
  they keep a bounded number of runs in flight, so the coordinator's memory stays flat;
* :func:`run_scenario` ties them to a results folder (:mod:`sim.experiment.store`) with a
  progress bar and resume.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import datetime as dt
import functools
import logging
import multiprocessing
import os
import signal
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

from ..model.params import Params
from ..model.schema import OutputSelection
from .scenario import Scenario

if TYPE_CHECKING:
    import pandas as pd

    from .store import PartSink

__all__ = [
    "BACKENDS",
    "Backend",
    "DaskBackend",
    "ProcessPoolBackend",
    "RunRecord",
    "RunResult",
    "RunSpec",
    "SerialBackend",
    "execute",
    "expand",
    "make_backend",
    "record_of",
    "run_many",
    "run_one",
    "run_scenario",
]

log = logging.getLogger(__name__)

BACKENDS: tuple[str, ...] = ("serial", "processes", "dask")
"""Names of the backends (``regcycle run --backend``)."""

@dataclass(frozen=True, slots=True)
class RunSpec:
    """Everything one replication needs; picklable.

    Attributes:
        run_id: position of the run in its scenario (0-based), assigned before dispatch.
        seed: the run's seed, passed as ``RegulatoryModel(params, rng=seed)``.
        params: the run's parameters.
        scenario: the scenario's name (for tables and messages).
        point: the parameter point (0 without a sweep).
        replicate: the replication index; runs with the same replicate share their seed.
        swept: the point's swept values as ``((key, value), ...)`` (empty without a sweep).
        outputs: what a results folder stores of the run (the scenario's ``run.series`` and
            ``run.events``); :func:`run_one` always returns everything.
    """

    run_id: int
    seed: int
    params: Params
    scenario: str = ""
    point: int = 0
    replicate: int = 0
    swept: tuple[tuple[str, Any], ...] = ()
    outputs: OutputSelection = field(default_factory=OutputSelection)


@dataclass(slots=True)
class RunResult:
    """The outputs of one replication, with ``run_id`` and ``seed`` columns first in each table.

    Attributes:
        run_id: the spec's run id.
        seed: the spec's seed.
        series: one row per month (:func:`sim.model.schema.series_columns`); None if the run failed.
        events: the event log (:data:`sim.model.schema.EVENT_COLUMNS`); None if the run failed.
        panel: the firm panel (:data:`sim.model.schema.PANEL_COLUMNS`), or None when not asked for.
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


@dataclass(slots=True)
class RunRecord:
    """What the coordinator hears of one run of a results folder (small unless sent back).

    Attributes:
        run_id: the spec's run id.
        seed: the spec's seed.
        started: start time (ISO 8601, UTC).
        finished: end time.
        seconds: wall-clock duration of the run.
        error: the traceback text if the run failed, else None.
        stored: whether the worker wrote the run's part into the folder itself.
        files: the part's encoded files when the worker could not write them, else None.
    """

    run_id: int
    seed: int
    started: str
    finished: str
    seconds: float
    error: str | None = None
    stored: bool = False
    files: dict[str, bytes] | None = None

    @property
    def ok(self) -> bool:
        """Whether the run completed."""
        return self.error is None


# --------------------------------------------------------------------------------------------
# Expansion
# --------------------------------------------------------------------------------------------


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
    from .sweep import point_params, point_values, sample_matrix

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


# --------------------------------------------------------------------------------------------
# One run
# --------------------------------------------------------------------------------------------


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def _tag(frame: pd.DataFrame, spec: RunSpec) -> pd.DataFrame:
    import pandas as pd

    frame = frame.reset_index(drop=True)
    frame.insert(0, "seed", pd.Series([spec.seed] * len(frame), dtype="int64"))
    frame.insert(0, "run_id", pd.Series([spec.run_id] * len(frame), dtype="int64"))
    return frame


def run_one(spec: RunSpec, *, model: Callable[..., Any] | None = None) -> RunResult:
    """Run one replication to completion.

    Exceptions raised by the model are caught and returned as ``RunResult.error`` so that one
    failing run does not stop the others.

    Args:
        spec: what to run.
        model: the model class, called as ``model(params, rng=seed)`` (default
            :class:`sim.model.RegulatoryModel`; a subclass or a wrapper for experiments).

    Returns:
        The run's tables (``run_id`` and ``seed`` columns first) and timings.
    """
    if model is None:
        from ..model import RegulatoryModel as model  # workers pay for Mesa, not the CLI

    started, t0 = _now(), time.perf_counter()
    try:
        instance = model(spec.params, rng=spec.seed)
        instance.run()
        series = _tag(instance.series(), spec)
        events = _tag(instance.events(), spec)
        panel = _tag(instance.firm_panel(), spec) if spec.params.run.firm_panel_every else None
    except Exception:  # reported per run: the other runs go on
        return RunResult(spec.run_id, spec.seed, None, None, None, started, _now(),
                         time.perf_counter() - t0, traceback.format_exc())
    return RunResult(spec.run_id, spec.seed, series, events, panel, started, _now(),
                     time.perf_counter() - t0)


def _summary(spec: RunSpec, result: RunResult) -> pd.DataFrame | None:
    """The run's row of ``summary.parquet`` (as :func:`sim.analysis.results.summarize_folder`)."""
    from ..analysis.summary import summarize_runs
    from .store import normalize

    try:
        assert result.series is not None and result.events is not None
        table = summarize_runs(normalize(result.series, "series"),
                               normalize(result.events, "events"))
        table.insert(2, "scenario", spec.scenario)
        return table
    except Exception as exc:  # a summary is derived data: the folder remakes it
        log.warning("run %d: no cycle metrics (%s); summary.parquet will be remade",
                    spec.run_id, exc)
        return None


def record_of(spec: RunSpec, result: RunResult) -> RunRecord:
    """Encode a run's result as a record carrying its files (see :func:`execute`).

    The cycle metrics are computed from the full series and event log first; only then are the
    tables trimmed to what the spec's :class:`~sim.model.schema.OutputSelection` stores, so the
    summary row is the same whatever the selection.
    """
    from .store import encode_part, run_meta, select_outputs

    record = RunRecord(result.run_id, result.seed, result.started, result.finished,
                       result.seconds, result.error)
    if result.ok:
        meta = run_meta(spec, result.started, result.finished, result.seconds)
        summary = _summary(spec, result)
        series, events = select_outputs(spec.outputs, result.series, result.events)
        record.files = encode_part(meta, {"series": series, "events": events,
                                          "panel": result.panel, "summary": summary})
    return record


def execute(spec: RunSpec, sink: PartSink | None = None,
            fn: Callable[[RunSpec], RunResult] = run_one) -> RunRecord:
    """Run one spec for a results folder (what workers call).

    Args:
        spec: what to run.
        sink: the folder's parts, written here if this process can reach them (a worker on
            the coordinator's machine or on a shared file system); None: always send back.
        fn: the function that runs the spec.

    Returns:
        A record: small when the run was stored (or failed), carrying the encoded files when
        the coordinator must write them.
    """
    record = record_of(spec, fn(spec))
    if record.files is not None and sink is not None and sink.reachable():
        sink.write(spec.run_id, record.files)
        record.files, record.stored = None, True
    return record


# --------------------------------------------------------------------------------------------
# Backends
# --------------------------------------------------------------------------------------------

class Backend(Protocol):
    """Runs a function over specs; results may arrive in any order."""

    def map[R](self, fn: Callable[[RunSpec], R], specs: Sequence[RunSpec],
            on_error: Callable[[RunSpec, Exception], R] | None = None) -> Iterator[R]:
        """Yield ``fn(spec)`` for every spec.

        ``on_error(spec, exc)`` turns an exception raised by ``fn`` or by the machinery (a
        worker that died) into a result; without it the exception propagates.
        """
        ...

    def __enter__(self) -> Backend: ...

    def __exit__(self, *exc: object) -> None: ...


class SerialBackend:
    """Runs specs one after another in this process, in order."""

    workers = 1

    def __enter__(self) -> SerialBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def map[R](self, fn: Callable[[RunSpec], R], specs: Sequence[RunSpec],
            on_error: Callable[[RunSpec, Exception], R] | None = None) -> Iterator[R]:
        """Yield ``fn(spec)`` for each spec in order."""
        for spec in specs:
            try:
                result = fn(spec)
            except Exception as exc:
                if on_error is None:
                    raise
                result = on_error(spec, exc)
            yield result


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


def _windowed[R](submit: Callable[[RunSpec], Any], specs: Sequence[RunSpec], window: int,
              wait_one: Callable[[set[Any]], Iterable[Any]],
              on_error: Callable[[RunSpec, Exception], R] | None,
              cancel: Callable[[Any], Any]) -> Iterator[R]:
    """Keep at most ``window`` runs in flight; yield results as they complete.

    A completed future is dropped as soon as its result is taken, so memory holds at most
    ``window`` results whatever the number of specs.
    """
    pending = iter(specs)
    flight: dict[Any, RunSpec] = {}

    def top_up() -> None:
        while len(flight) < window:
            spec = next(pending, None)
            if spec is None:
                return
            flight[submit(spec)] = spec

    try:
        top_up()
        while flight:
            for fut in wait_one(set(flight)):
                spec = flight.pop(fut)
                try:
                    result = fut.result()
                except Exception as exc:
                    if on_error is None:
                        raise
                    result = on_error(spec, exc)
                del fut
                top_up()
                yield result
    finally:
        for fut in flight:
            cancel(fut)


class ProcessPoolBackend:
    """Runs specs over local worker processes started with the ``spawn`` method.

    Spawned workers import the package afresh, so no state leaks from the parent; the start
    method is chosen per pool, never globally. At most ``2 × workers`` runs are in flight. On
    leaving the context (normally or by an exception, e.g. Ctrl-C), pending runs are cancelled
    and the workers shut down; if the parent is killed outright, the workers exit by
    themselves.
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

    def map[R](self, fn: Callable[[RunSpec], R], specs: Sequence[RunSpec],
            on_error: Callable[[RunSpec, Exception], R] | None = None) -> Iterator[R]:
        """Yield ``fn(spec)`` for each spec as the runs complete."""
        pool = self._pool
        if pool is None:
            raise RuntimeError("use ProcessPoolBackend as a context manager")

        def wait_one(futures: set[cf.Future]) -> Iterable[cf.Future]:
            return cf.wait(futures, return_when=cf.FIRST_COMPLETED).done

        return _windowed(lambda spec: pool.submit(fn, spec), specs, 2 * self.workers,
                         wait_one, on_error, lambda fut: fut.cancel())


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore SIGINT while starting child processes, which inherit it (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class DaskBackend:
    """Runs specs on a dask distributed cluster: a local one, or a running one by address.

    Without ``scheduler``, entering the context starts a ``LocalCluster`` of ``workers``
    single-threaded worker processes listening on 127.0.0.1 only; with it, a client connects
    to that scheduler (``tcp://HOST:PORT``) — the path a university cluster, ``dask-jobqueue``
    or ``dask-mpi`` deployment takes; its workers need regcycle installed. At most
    ``2 × threads`` runs are in flight. Leaving the context cancels pending runs, closes the
    client and stops a cluster it started.

    Attributes:
        startup_seconds: time taken to start the cluster (or connect) on entering.
    """

    def __init__(self, workers: int | None = None, scheduler: str | None = None):
        if workers is not None and workers < 1:
            raise ValueError("workers must be at least 1")
        self.scheduler = scheduler
        self.workers = workers or os.cpu_count() or 1
        self.startup_seconds = 0.0
        self._client: Any = None
        self._cluster: Any = None
        self._token = uuid.uuid4().hex[:8]

    def __enter__(self) -> DaskBackend:
        from dask.distributed import Client, LocalCluster

        t0 = time.perf_counter()
        try:
            if self.scheduler:
                self._client = Client(self.scheduler, timeout="30s")
            else:
                # loopback only; no dashboard (its health routes on a free loopback port). The
                # workers ignore Ctrl-C: the coordinator stops them (no traceback per worker).
                with _sigint_ignored():
                    self._cluster = LocalCluster(
                        n_workers=self.workers, threads_per_worker=1, processes=True,
                        host="127.0.0.1", dashboard_address=None,
                        scheduler_kwargs={"dashboard": False,
                                          "dashboard_address": "127.0.0.1:0"},
                        silence_logs=logging.ERROR)
                self._client = Client(self._cluster)
            self.workers = max(1, sum(self._client.nthreads().values()))
        except BaseException:
            self._close()
            raise
        self.startup_seconds = time.perf_counter() - t0
        return self

    def __exit__(self, *exc: object) -> None:
        self._close()

    def _close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def map[R](self, fn: Callable[[RunSpec], R], specs: Sequence[RunSpec],
            on_error: Callable[[RunSpec, Exception], R] | None = None) -> Iterator[R]:
        """Yield ``fn(spec)`` for each spec as the runs complete."""
        client = self._client
        if client is None:
            raise RuntimeError("use DaskBackend as a context manager")
        from dask.distributed import wait

        def submit(spec: RunSpec) -> Any:
            return client.submit(fn, spec, pure=False,
                                 key=f"regcycle-{self._token}-run-{spec.run_id}")

        def wait_one(futures: set[Any]) -> Iterable[Any]:
            return wait(list(futures), return_when="FIRST_COMPLETED").done

        return _windowed(submit, specs, 2 * self.workers, wait_one, on_error,
                         lambda fut: fut.cancel())


def make_backend(workers: int = 1, kind: str | None = None, scheduler: str | None = None
                 ) -> SerialBackend | ProcessPoolBackend | DaskBackend:
    """Choose a backend.

    Args:
        workers: worker processes (local pool or local dask cluster).
        kind: ``serial``, ``processes`` or ``dask``; None: ``dask`` when a scheduler is given,
            else serial for one worker and a process pool for more.
        scheduler: the address of a running dask scheduler (implies ``dask``).

    Raises:
        ValueError: for an unknown kind, or a scheduler with another kind.
    """
    if kind is None:
        kind = "dask" if scheduler else ("serial" if workers <= 1 else "processes")
    if kind not in BACKENDS:
        raise ValueError(f"unknown backend {kind!r}; one of {', '.join(BACKENDS)}")
    if scheduler and kind != "dask":
        raise ValueError(f"a dask scheduler address needs the dask backend, not {kind!r}")
    if kind == "serial":
        return SerialBackend()
    if kind == "processes":
        return ProcessPoolBackend(workers)
    return DaskBackend(workers, scheduler)


def default_workers(n_runs: int) -> int:
    """As many workers as CPUs, but no more than runs (at least 1)."""
    return max(1, min(os.cpu_count() or 1, n_runs))


def _failed_result(spec: RunSpec, exc: Exception) -> RunResult:
    now = _now()
    text = "".join(traceback.format_exception(exc))
    return RunResult(spec.run_id, spec.seed, None, None, None, now, now, 0.0,
                     f"the run's worker failed: {text}")


def _failed_record(spec: RunSpec, exc: Exception) -> RunRecord:
    now = _now()
    text = "".join(traceback.format_exception(exc))
    return RunRecord(spec.run_id, spec.seed, now, now, 0.0, f"the run's worker failed: {text}")


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
    from . import store

    specs = expand(scenario)
    if resume is not None:
        folder = store.ResultsFolder.open(resume)
    else:
        folder = store.ResultsFolder.create(out, scenario.name)
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
    folder.finish(specs)
    if plot:
        folder.write_overview()
    return folder.path
