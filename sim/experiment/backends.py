"""Backends: run a function over run specs in this process, over local processes, or on dask.

Every backend exposes ``map(fn, specs, on_error) -> Iterator`` and is a context manager that
stops its workers on exit; results may arrive in any order. They keep a bounded number of runs
in flight (:func:`_windowed`), so the coordinator's memory stays flat however many runs there
are. :func:`make_backend` chooses one by name (:data:`BACKENDS`, ``regcycle run --backend``).
This module knows nothing of what a run does or where it is stored; it only warms the model's
compiled month before local workers start (:func:`sim.model.warmup.ensure_cache`), so that they
load numba's cache instead of compiling it side by side.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

from ..model.warmup import ensure_cache

if TYPE_CHECKING:
    from .records import RunSpec

__all__ = [
    "BACKENDS",
    "DASK_WORKER_CONFIG",
    "WORKER_ENV",
    "Backend",
    "DaskBackend",
    "ProcessPoolBackend",
    "SerialBackend",
    "default_workers",
    "make_backend",
]

BACKENDS: tuple[str, ...] = ("serial", "processes", "dask")
"""Names of the backends (``regcycle run --backend``)."""


class Backend(Protocol):
    """Runs a function over specs; results may arrive in any order."""

    def map[R](self, fn: Callable[[RunSpec], R], specs: Iterable[RunSpec],
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

    def map[R](self, fn: Callable[[RunSpec], R], specs: Iterable[RunSpec],
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


WORKER_ENV: dict[str, str] = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                              "OPENBLAS_NUM_THREADS": "1"}
"""Environment of local worker processes, unless already set: one thread each for OpenMP,
MKL and OpenBLAS (and pyarrow's pool, which follows ``OMP_NUM_THREADS``). The workers are as
many as the cores: threads of their own would only contend for them. (dask's nanny sets the
same by default: ``distributed.nanny.pre-spawn-environ``.)"""

DASK_WORKER_CONFIG: dict[str, Any] = {"distributed.worker.profile.enabled": False}
"""dask configuration of a local cluster's workers: no statistical profiler (a thread that
samples the worker's stack every 10 ms; regcycle never reads its profiles)."""


@contextlib.contextmanager
def _worker_environment(env: dict[str, str]) -> Iterator[None]:
    """Set environment variables not already set while worker processes are started."""
    added = {k: v for k, v in env.items() if k not in os.environ}
    os.environ.update(added)
    try:
        yield
    finally:
        for k in added:
            os.environ.pop(k, None)


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


def _windowed[R](submit: Callable[[RunSpec], Any], specs: Iterable[RunSpec], window: int,
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
        self._env: contextlib.AbstractContextManager[None] | None = None

    def __enter__(self) -> ProcessPoolBackend:
        # compile the month here first unless numba's cache holds it: the workers then load
        # the cache rather than compile it side by side (issue #12)
        ensure_cache()
        # workers are spawned as runs are submitted: the environment holds while in the context
        self._env = _worker_environment(WORKER_ENV)
        self._env.__enter__()
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
        if self._env is not None:
            self._env.__exit__(None, None, None)
            self._env = None

    def map[R](self, fn: Callable[[RunSpec], R], specs: Iterable[RunSpec],
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
        import dask
        from dask.distributed import Client, LocalCluster

        t0 = time.perf_counter()
        if not self.scheduler:
            ensure_cache()  # local workers share this machine's numba cache: fill it first
        try:
            if self.scheduler:
                self._client = Client(self.scheduler, timeout="30s")
            else:
                # loopback only; no dashboard (its health routes on a free loopback port). The
                # workers ignore Ctrl-C: the coordinator stops them (no traceback per worker).
                with _sigint_ignored(), dask.config.set(DASK_WORKER_CONFIG):
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

    def map[R](self, fn: Callable[[RunSpec], R], specs: Iterable[RunSpec],
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
