"""EMA Workbench adapter: regcycle as an EMA ``Model`` (extra: ``pip install regcycle[ema]``).

The uncertainties and levers are generated from the parameter metadata of :mod:`sim.model.params`
(every sweepable number, with its declared range unless narrowed), the outcomes are the cycle
metrics of :func:`sim.analysis.summary.summarize_run` and chosen monthly series. EMA's samplers,
evaluators, PRIM scenario discovery and feature scoring then work on regcycle::

    from ema_workbench import SequentialEvaluator, Samplers
    from ema_workbench.analysis import prim
    from sim.experiment.ema import ema_model

    model = ema_model(uncertainties=["public.scandal_rate", "public.amplification"],
                      levers=["leadership.theta_alarm"],
                      ranges={"public.scandal_rate": (0.1, 1.0)}, replications=4, seed=1)
    with SequentialEvaluator(model) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=200, policies=4)
    box = prim.Prim(experiments, outcomes["n_crackdowns"] >= 5, threshold=0.8).find_box()

EMA requires Python identifiers as names: a dotted key ``leadership.theta_alarm`` is the EMA
parameter ``leadership__theta_alarm`` (:func:`ema_name`), whose ``variable_name`` is the dotted
key the model receives; sector metrics ``n_crackdowns.ai`` become ``n_crackdowns__ai``.

Seeds follow the runner's rule: replication ``r`` of every experiment gets child ``r`` of
``SeedSequence(seed)`` (:func:`sim.experiment.scenario.derive_seeds`), the same at every experiment
(common random numbers). With one replication the model is an EMA ``Model`` with the seed as a
constant; with more, a ``ReplicatorModel`` whose scalar outcomes are aggregated over the
replications (``aggregate``, default the mean ignoring NaN) and whose series are averaged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..model.params import Params, field_for, iter_specs
from .scenario import Scenario, derive_seeds

if TYPE_CHECKING:
    from ema_workbench import Model, ReplicatorModel

__all__ = ["LEVER_GROUPS", "RegcycleFunction", "default_levers", "default_uncertainties",
           "ema_model", "ema_name"]

LEVER_GROUPS: tuple[str, ...] = ("leadership", "agencies")
"""Parameter groups whose sweepable numbers are levers by default (the state's choices); the
others (local governments, firms, the public, sectors) are uncertainties."""


def ema_name(key: str) -> str:
    """The EMA name (a Python identifier) of a dotted key: ``a.b`` → ``a__b``."""
    return key.replace(".", "__")


def _sweepable(params: Params) -> list[str]:
    return [k for k, f, _ in iter_specs(params)
            if f.metadata.get("sweepable") and f.type in ("int", "float", int, float)]


def default_levers(params: Params | None = None) -> list[str]:
    """Sweepable numbers of :data:`LEVER_GROUPS`."""
    return [k for k in _sweepable(params or Params()) if k.split(".")[0] in LEVER_GROUPS]


def default_uncertainties(params: Params | None = None) -> list[str]:
    """Sweepable numbers outside :data:`LEVER_GROUPS`."""
    return [k for k in _sweepable(params or Params()) if k.split(".")[0] not in LEVER_GROUPS]


def _series_mean(runs: Sequence[np.ndarray]) -> np.ndarray:
    """Mean over replications of equally long series."""
    return np.mean(np.stack(runs), axis=0)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


class RegcycleFunction:
    """The callable EMA runs: parameters by dotted key and a seed in, outcomes out (picklable).

    Args:
        base: the parameters the sampled values override.
        metrics: cycle metrics to return (keys of :func:`sim.analysis.summary.summarize_run`).
        series: series columns to return, each as a float array over months.
    """

    def __init__(self, base: Params, metrics: Sequence[str], series: Sequence[str]):
        self.base = base
        self.metrics = tuple(metrics)
        self.series = tuple(series)

    def __call__(self, seed: int, **values: Any) -> dict[str, Any]:
        """Run the model once and return ``{dotted name: outcome}``."""
        from ..analysis.summary import summarize_run
        from ..model import RegulatoryModel
        from .store import normalize

        params = self.base.override({k: _plain(v) for k, v in values.items()})
        model = RegulatoryModel(params, rng=int(seed)).run()
        frame = normalize(model.series(), "series")
        summary = summarize_run(frame, normalize(model.events(), "events"))
        out: dict[str, Any] = {m: float(summary[m]) for m in self.metrics}
        out |= {s: frame[s].to_numpy(dtype=float) for s in self.series}
        return out


def _bounds(key: str, base: Params, ranges: Mapping[str, tuple[float, float]]
            ) -> tuple[float, float]:
    f = field_for(key, base)
    if not f.metadata.get("sweepable") or f.type not in ("int", "float", int, float):
        raise ValueError(f"{key} is not a sweepable number")
    lo, hi = f.metadata["range"]
    if key in ranges:
        rlo, rhi = ranges[key]
        if not lo <= rlo < rhi <= hi:
            raise ValueError(f"{key}: range ({rlo}, {rhi}) must lie within the declared "
                             f"[{lo}, {hi}] with low < high")
        lo, hi = rlo, rhi
    return lo, hi


def ema_model(base: Params | Scenario | None = None, *,
              uncertainties: Sequence[str] | None = None,
              levers: Sequence[str] | None = None,
              ranges: Mapping[str, tuple[float, float]] | None = None,
              metrics: Sequence[str] | None = None,
              series: Sequence[str] = ("valuation_index",),
              replications: int | None = None, seed: int | None = None,
              aggregate: Callable[[Sequence[float]], float] = np.nanmean,
              name: str = "regcycle") -> Model | ReplicatorModel:
    """Build an EMA Workbench model of regcycle.

    Args:
        base: the parameters (or a scenario, whose parameters, root seed and replications are
            the defaults) that sampled values override (default: :class:`Params` defaults).
        uncertainties: dotted keys of the uncertainties (default :func:`default_uncertainties`).
        levers: dotted keys of the levers (default :func:`default_levers`); a key may not be
            both.
        ranges: narrower bounds by dotted key (within the declared range).
        metrics: cycle metrics as scalar outcomes (default: every key of
            :data:`sim.analysis.summary.RUN_METRICS`).
        series: series columns as time-series outcomes.
        replications: runs per experiment (default 1, or the scenario's).
        seed: root seed of the replications (default 0, or the scenario's root).
        aggregate: how a replicated model reduces a scalar outcome over replications.
        name: the EMA model's name (a Python identifier).

    Returns:
        An ``ema_workbench.Model`` (one replication) or ``ReplicatorModel``.

    Raises:
        ValueError: for an unknown or non-sweepable key, a range outside the declared one, a
            key given as both uncertainty and lever, or an unknown metric or series.
    """
    from ema_workbench import (
        Constant,
        IntegerParameter,
        Model,
        RealParameter,
        ReplicatorModel,
        ScalarOutcome,
        TimeSeriesOutcome,
    )

    from ..analysis.summary import RUN_METRICS, SECTOR_RUN_METRICS
    from ..model.schema import series_columns

    if isinstance(base, Scenario):
        seed = base.seed_root if seed is None else seed
        replications = base.replications if replications is None else replications
        params = base.params
    else:
        params = base or Params()
    seed = 0 if seed is None else seed
    replications = 1 if replications is None else replications
    if replications < 1:
        raise ValueError("replications must be at least 1")
    ranges = dict(ranges or {})
    unc = list(default_uncertainties(params) if uncertainties is None else uncertainties)
    lev = list(default_levers(params) if levers is None else levers)
    both = sorted(set(unc) & set(lev))
    if both:
        raise ValueError(f"keys given as both uncertainties and levers: {both}")
    unknown_ranges = sorted(set(ranges) - set(unc) - set(lev))
    if unknown_ranges:
        raise ValueError(f"ranges for keys that are not sampled: {unknown_ranges}")
    sector_metrics = [f"{m}.{s}" for m in SECTOR_RUN_METRICS for s in params.sector_names]
    metric_keys = list(RUN_METRICS) if metrics is None else list(metrics)
    bad = [m for m in metric_keys if m not in RUN_METRICS and m not in sector_metrics]
    if bad:
        raise ValueError(f"unknown metrics {bad}; see sim.analysis.summary.RUN_METRICS")
    columns = series_columns(params.sector_names)
    bad = [s for s in series if s not in columns]
    if bad:
        raise ValueError(f"unknown series {bad}; see sim.model.schema.series_columns")

    def parameter(key: str) -> Any:
        lo, hi = _bounds(key, params, ranges)
        cls = IntegerParameter if field_for(key, params).type in ("int", int) else RealParameter
        return cls(ema_name(key), lo, hi, variable_name=key)

    function = RegcycleFunction(params, metric_keys, series)
    seeds = derive_seeds(seed, replications)
    if replications == 1:
        model = Model(name, function=function)
        model.constants = [Constant("seed", seeds[0])]
        model.outcomes = [ScalarOutcome(ema_name(m), variable_name=m) for m in metric_keys] + \
            [TimeSeriesOutcome(ema_name(s), variable_name=s) for s in series]
    else:
        model = ReplicatorModel(name, function=function)
        model.replications = [{"seed": s} for s in seeds]
        model.outcomes = [ScalarOutcome(ema_name(m), variable_name=m, function=aggregate)
                          for m in metric_keys] + \
            [TimeSeriesOutcome(ema_name(s), variable_name=s, function=_series_mean)
             for s in series]
    model.uncertainties = [parameter(k) for k in unc]
    model.levers = [parameter(k) for k in lev]
    return model
