"""ABC-SMC calibration of a scenario's parameters to the dated record, with pyabc.

What is inferred: the parameters a scenario's ``[calibrate]`` table names, each with a uniform
prior over its range (the parameter's metadata range unless the table narrows it). What is
matched: the record's *fitting* observations (:mod:`sim.calibration.record`), each a summary
statistic of one simulated history (:mod:`sim.calibration.statistics`). pyabc's ABC-SMC does the
inference (Toni et al. 2009; Klinger, Rickert & Hasenauer 2018); nothing here samples by hand.

Choices, and why (the pitfalls of the pilot in issue #13):

* **One simulation per particle** by default. With ``replications = R > 1`` each particle runs R
  seeds and the distance is the root-mean-square of the R per-seed distances: the record is one
  realisation, so distances are averaged, never statistics (an averaged history would be a
  history no seed produces).
* **Seeds are a hash of the parameter values and the replicate**
  (:func:`simulation_seed`), never a prior dimension and never pyabc's RNG: pyabc's parallel
  samplers reseed numpy in every worker, so any seed drawn there would depend on the worker.
  Every simulation can be replayed alone from its parameters and replicate.
* **Adaptive distance with standard-deviation scaling** (``AdaptivePNormDistance``, p = 2,
  ``scale_function = standard_deviation``, ``max_scale_weight_ratio``): pyabc's default
  scaling (MAD) gives a statistic whose spread is near zero in the population (an indicator that
  is almost always 0) an infinite weight, or drops it; capping the ratio of weights keeps every
  statistic in the distance.
* **Local transition** (``LocalTransition``, k = ¼ of the population): the default multivariate
  normal collapsed the effective sample size in the pilot (10 of 150).
* Statistics are returned as plain Python floats.

Reproducibility: a simulation is a pure function of its parameters and replicate. A
*population* is reproducible only with the single-core sampler and a fixed seed
(``backend="serial"``): pyabc's multicore and dask samplers keep whichever particles finish
first, so which particles make a generation depends on timing. The tests use the serial mode.

Importing pyabc sets ``OMP_NUM_THREADS=1`` when it is unset; this module imports pyabc only
inside the functions that need it, so importing :mod:`sim` does not change the environment.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
import logging
import math
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..experiment.scenario.calibrate import with_values
from ..model.params import Params
from .posterior import (  # re-exported: the folder's files are read there
    POSTERIOR,
    posterior,
    posterior_draws,
    prior_draws,
    safe_name,
    write_posterior,
)
from .record import Record
from .statistics import simulate

__all__ = [
    "BACKENDS",
    "DATABASE",
    "POSTERIOR",
    "SETTINGS",
    "CalibrationResult",
    "CalibrationSettings",
    "SimulationModel",
    "calibrate",
    "generations_done",
    "load_settings",
    "posterior",
    "posterior_draws",
    "prior_draws",
    "safe_name",
    "simulation_seed",
]

DATABASE = "calibration.db"
"""pyabc's SQLite history, in the calibration's folder."""
SETTINGS = "calibration.json"
"""What was asked for: parameters and priors, statistics and observed values, sampler."""
BACKENDS = ("serial", "processes", "dask")
"""``serial``: pyabc's single-core sampler, reproducible from the seed; ``processes``: its
multicore evaluation-parallel sampler; ``dask``: its dask sampler on a local cluster or the
cluster at ``scheduler``."""

MAX_SCALE_WEIGHT_RATIO = 100.0
"""The largest ratio between two statistics' weights in the adaptive distance."""


@dataclass(frozen=True, slots=True)
class CalibrationSettings:
    """Everything a calibration was asked to do (written to :data:`SETTINGS`).

    Attributes:
        scenario: the scenario's name.
        parameters: ``(key, low, high)`` of each calibrated parameter: a uniform prior.
        statistics: the fitted statistics' names, in order.
        observed: the record's value of each statistic.
        end_month: the last month of the record (statistics are computed on months 0..end).
        population: particles per generation.
        generations: the most generations (a resumed run stops at this total).
        min_acceptance: stop when a generation's acceptance rate falls below this.
        min_epsilon: stop when the threshold ε falls below this.
        replications: simulations per particle (distances averaged).
        seed: root of every simulation's seed; with ``serial`` also the sampler's seed.
        record: the record file's path.
        record_sha256: the record file's hash (a resume checks it is unchanged).
        transition: ``local`` (LocalTransition) or ``mvn`` (MultivariateNormalTransition).
    """

    scenario: str
    parameters: tuple[tuple[str, float, float], ...]
    statistics: tuple[str, ...]
    observed: tuple[float, ...]
    end_month: int
    population: int = 300
    generations: int = 10
    min_acceptance: float = 0.02
    min_epsilon: float = 0.0
    replications: int = 1
    seed: int = 0
    record: str = ""
    record_sha256: str = ""
    transition: str = "local"

    @property
    def keys(self) -> tuple[str, ...]:
        """The calibrated parameters' dotted keys."""
        return tuple(k for k, _, _ in self.parameters)

    def to_json(self) -> str:
        """As JSON (tuples become lists)."""
        return json.dumps(dataclasses.asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> CalibrationSettings:
        """Read back :meth:`to_json`."""
        raw = json.loads(text)
        raw["parameters"] = tuple(tuple(p) for p in raw["parameters"])
        raw["statistics"] = tuple(raw["statistics"])
        raw["observed"] = tuple(raw["observed"])
        return cls(**raw)


def settings_for(scenario: Any, record: Record, *, population: int | None = None,
                 generations: int | None = None, min_acceptance: float | None = None,
                 min_epsilon: float | None = None, replications: int | None = None,
                 seed: int | None = None, transition: str = "local") -> CalibrationSettings:
    """The settings of a calibration of ``scenario`` (its ``[calibrate]`` table) to ``record``.

    Command-line values override the table's. The fitted statistics are those of the record's
    fitting set, in the record's order.
    """
    spec = scenario.calibrate
    if spec is None:
        raise ValueError(f"scenario {scenario.name!r} has no [calibrate] table")
    fitting = record.fitting
    text = Path(record.path).read_bytes() if record.path else b""
    return CalibrationSettings(
        scenario=scenario.name,
        parameters=tuple((k, float(lo), float(hi)) for k, lo, hi in spec.parameters),
        statistics=tuple(o.statistic for o in fitting),
        observed=tuple(float(o.value) for o in fitting),
        end_month=record.end_month,
        population=population if population is not None else spec.population,
        generations=generations if generations is not None else spec.generations,
        min_acceptance=min_acceptance if min_acceptance is not None else spec.min_acceptance,
        min_epsilon=min_epsilon if min_epsilon is not None else spec.min_epsilon,
        replications=replications if replications is not None else spec.replications,
        seed=seed if seed is not None else spec.seed,
        record=str(record.path or ""),
        record_sha256=hashlib.sha256(text).hexdigest(),
        transition=transition,
    )


def simulation_seed(root: int, values: Sequence[float], replicate: int) -> int:
    """The seed of one simulation: a hash of the root, the parameter values and the replicate.

    The values' exact IEEE-754 bits enter a :class:`numpy.random.SeedSequence`, so two particles
    with the same parameters and replicate replay the same history, on any worker, and any
    change of a value changes the seed.

    Returns:
        an integer in ``[0, 2**63)``, passed as ``RegulatoryModel(params, rng=seed)``.
    """
    bits = np.asarray(values, dtype=np.float64).view(np.uint64)
    words = [int(root) & 0xFFFFFFFFFFFFFFFF, int(replicate), *(int(b) for b in bits)]
    state = np.random.SeedSequence(words).generate_state(1, dtype=np.uint64)
    return int(state[0]) >> 1


class SimulationModel:
    """The model pyabc calls: parameters in, the fitted statistics out (plain floats).

    Picklable (a plain class holding the base parameters), so the dask sampler can ship it.

    Args:
        base: the scenario's parameters; the calibrated ones are replaced per particle.
        keys: the calibrated parameters' dotted keys.
        statistics: the statistics to return.
        end_month: the record's last month.
        root: the root of the simulations' seeds.
        replications: simulations per particle; with more than one, each statistic is returned
            once per replicate as ``"<name>@<r>"`` (see :func:`replicate_keys`).
    """

    def __init__(self, base: Params, keys: Sequence[str], statistics: Sequence[str],
                 end_month: int, root: int, replications: int = 1):
        self.base = base
        self.keys = tuple(keys)
        self.statistics = tuple(statistics)
        self.end_month = int(end_month)
        self.root = int(root)
        self.replications = int(replications)

    def params_of(self, values: Sequence[float]) -> Params:
        """The base parameters with the calibrated ones set to ``values``."""
        return with_values(self.base, dict(zip(self.keys, values, strict=True)))

    def run(self, values: Sequence[float], replicate: int) -> dict[str, float]:
        """One simulation's statistics at ``values``, replicate ``replicate``."""
        seed = simulation_seed(self.root, values, replicate)
        return simulate(self.params_of(values), seed, end_month=self.end_month,
                        names=self.statistics)

    def __call__(self, pars: dict[str, float]) -> dict[str, float]:
        """The call pyabc makes: a particle's parameters (safe names) → its statistics."""
        values = [float(pars[safe_name(k)]) for k in self.keys]
        if self.replications == 1:
            return {k: float(v) for k, v in self.run(values, 0).items()}
        out: dict[str, float] = {}
        for r in range(self.replications):
            for k, v in self.run(values, r).items():
                out[f"{k}@{r}"] = float(v)
        return out


def replicate_keys(observed: dict[str, float], replications: int) -> dict[str, float]:
    """The observed statistics repeated once per replicate (``"<name>@<r>"``).

    With p = 2, the distance over the repeated statistics is √R times the root-mean-square of
    the per-replicate distances: averaging distances, never statistics.
    """
    if replications == 1:
        return dict(observed)
    return {f"{k}@{r}": v for r in range(replications) for k, v in observed.items()}


def _prior(settings: CalibrationSettings) -> Any:
    import pyabc

    return pyabc.Distribution(**{safe_name(k): pyabc.RV("uniform", lo, hi - lo)
                                 for k, lo, hi in settings.parameters})


def _distance() -> Any:
    import pyabc
    from pyabc.distance.scale import standard_deviation

    return pyabc.AdaptivePNormDistance(p=2, scale_function=standard_deviation,
                                       max_scale_weight_ratio=MAX_SCALE_WEIGHT_RATIO)


def _transition(kind: str) -> Any:
    import pyabc

    if kind == "local":
        return pyabc.LocalTransition(k_fraction=0.25)
    if kind == "mvn":
        return pyabc.MultivariateNormalTransition()
    raise ValueError(f"unknown transition {kind!r}; allowed: 'local', 'mvn'")


def _nothing() -> None:
    """What a sampler without resources does when closed."""


def _sampler(backend: str, workers: int | None, scheduler: str | None,
             progress: bool) -> tuple[Any, Callable[[], None]]:
    """The pyabc sampler for a backend, and what to call when done (closing a dask cluster)."""
    import pyabc

    if backend == "serial":
        sampler = pyabc.SingleCoreSampler()
        return sampler, _nothing
    if backend == "processes":
        n = workers or os.cpu_count() or 1
        sampler = pyabc.MulticoreEvalParallelSampler(n_procs=n)
        sampler.show_progress = progress and sys.stderr.isatty()
        return sampler, _nothing
    if backend == "dask":
        from distributed import Client, LocalCluster

        if scheduler:
            client = Client(scheduler)
            cluster = None
        else:
            cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1,
                                   threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            client = Client(cluster)
        sampler = pyabc.sampler.DaskDistributedSampler(dask_client=client, batch_size=8)

        def close() -> None:
            client.close()
            if cluster is not None:
                cluster.close()

        return sampler, close
    raise ValueError(f"unknown backend {backend!r}; allowed: {', '.join(BACKENDS)}")


@dataclass(frozen=True, slots=True)
class CalibrationResult:
    """A finished (or stopped) calibration.

    Attributes:
        folder: the calibration's folder (:data:`DATABASE`, :data:`SETTINGS`, :data:`POSTERIOR`).
        generations: generations in the history.
        simulations: simulations run in all.
        seconds: wall time of this call.
        epsilons: the threshold of each generation.
        acceptance: each generation's acceptance rate.
    """

    folder: Path
    generations: int
    simulations: int
    seconds: float
    epsilons: tuple[float, ...]
    acceptance: tuple[float, ...]


class _Progress(logging.Handler):
    """pyabc's per-generation log lines, on stderr with the elapsed time."""

    def __init__(self, stream: Any, t0: float):
        super().__init__(logging.INFO)
        self.stream = stream
        self.t0 = t0

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if text.startswith(("t:", "Accepted", "Timing", "Stopping", "Calibration sample",
                            "Stop:")):
            self.stream.write(f"[calibrate {time.perf_counter() - self.t0:7.1f} s] {text}\n")
            self.stream.flush()


def generations_done(folder: str | Path) -> int:
    """Generations stored in a calibration folder's history (0 when none)."""
    db = Path(folder) / DATABASE
    if not db.is_file():
        return 0
    import pyabc

    history = pyabc.History(f"sqlite:///{db}", _id=1)
    return int(history.max_t) + 1 if history.max_t is not None and history.max_t >= 0 else 0


def load_settings(folder: str | Path) -> CalibrationSettings:
    """The settings written by :func:`calibrate` in ``folder``."""
    return CalibrationSettings.from_json((Path(folder) / SETTINGS).read_text())


def calibrate(settings: CalibrationSettings, base: Params, folder: str | Path, *,
              backend: str = "processes", workers: int | None = None,
              scheduler: str | None = None, resume: bool = False,
              progress: bool = True, max_seconds: float | None = None) -> CalibrationResult:
    """Run (or resume) ABC-SMC and write the history, the settings and the posterior.

    Args:
        settings: what to calibrate (:func:`settings_for`).
        base: the scenario's parameters.
        folder: the calibration's folder (created; must not hold another calibration unless
            ``resume``).
        backend: one of :data:`BACKENDS`.
        workers: processes for ``processes`` and a local ``dask`` cluster (default: all cores).
        scheduler: a running dask scheduler's address.
        resume: continue the history in ``folder`` up to ``settings.generations`` in all.
        progress: log each generation to stderr.
        max_seconds: stop after this wall time (pyabc's ``max_walltime``).

    Returns:
        a :class:`CalibrationResult`; the folder holds :data:`POSTERIOR` of the last generation.
    """
    import pyabc

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / DATABASE
    t0 = time.perf_counter()
    model = SimulationModel(base, settings.keys, settings.statistics, settings.end_month,
                            settings.seed, settings.replications)
    observed = replicate_keys(dict(zip(settings.statistics, settings.observed, strict=True)),
                              settings.replications)
    close: Callable[[], None] = _nothing
    if backend == "serial":  # the single-core sampler draws from numpy's global generator
        np.random.seed(settings.seed % 2**32)  # noqa: NPY002 (pyabc draws from it)
        random.seed(settings.seed)
    # pyabc's loggers ("ABC", "ABC.History", ...) print through their own handler and the
    # root's; during the run only ours prints, one line per generation step
    abc_log = logging.getLogger("ABC")
    saved = (list(abc_log.handlers), abc_log.level, abc_log.propagate)
    abc_log.handlers = [_Progress(sys.stderr, t0)] if progress else []
    abc_log.setLevel(logging.INFO if progress else logging.WARNING)
    abc_log.propagate = False
    try:
        sampler, close = _sampler(backend, workers, scheduler, progress)
        abc = pyabc.ABCSMC(model, _prior(settings), _distance(),
                           population_size=settings.population,
                           transitions=_transition(settings.transition), sampler=sampler)
        done = 0
        if resume:
            abc.load(f"sqlite:///{db}", 1)
            done = generations_done(folder)
        else:
            if db.exists():
                raise FileExistsError(f"{db} exists: resume it with --resume {folder}, "
                                      "or choose another --out")
            (folder / SETTINGS).write_text(settings.to_json())
            abc.new(f"sqlite:///{db}", observed)
        left = settings.generations - done
        if left > 0:
            walltime = _dt.timedelta(seconds=max_seconds) if max_seconds else None
            abc.run(minimum_epsilon=settings.min_epsilon, max_nr_populations=left,
                    min_acceptance_rate=settings.min_acceptance, max_walltime=walltime)
    finally:
        abc_log.handlers, level, abc_log.propagate = saved[0], saved[1], saved[2]
        abc_log.setLevel(level)
        close()
    history = pyabc.History(f"sqlite:///{db}", _id=1)
    write_posterior(history, settings, folder)
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    return CalibrationResult(folder=folder, generations=int(history.max_t) + 1,
                             simulations=int(history.total_nr_simulations),
                             seconds=time.perf_counter() - t0,
                             epsilons=tuple(float(e) for e in pops["epsilon"]),
                             acceptance=tuple(float(a) for a in _acceptance(history)))


def _acceptance(history: Any) -> list[float]:
    counts = history.get_nr_particles_per_population()
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    return [float(counts[t]) / float(s) if s else math.nan
            for t, s in zip(pops["t"], pops["samples"], strict=True)]


