"""Sweep designs: which parameter points a sweep runs (pure functions, no I/O).

A sweep scenario adds a ``[sweep]`` table (parsed and validated by :mod:`sim.experiment.scenario`)
that
names a :class:`Design` and the swept parameters. This module turns the validated
:class:`SweepSpec` into a *sample matrix*: one row per parameter point, one column per swept
parameter, holding the values the runs will use. :func:`sim.experiment.runner.expand` then crosses
the
points with the scenario's replications.

Designs (the sampling is done by ``scipy.stats.qmc`` and SALib, never by hand):

========================  =====================================================================
``grid``                  full factorial over each axis's ``values`` (or ``levels`` evenly
                          spaced values over its ``range``); the first axis varies slowest
``latin_hypercube``       ``samples`` points, ``scipy.stats.qmc.LatinHypercube``
``sobol``                 Saltelli's scheme for Sobol indices, ``SALib.sample.sobol``:
                          ``samples`` (a power of 2) × (D + 2) points, × (2D + 2) with
                          ``second_order``; analyse with ``SALib.analyze.sobol``
``morris``                ``samples`` trajectories of D + 1 points on a ``levels``-level grid,
                          ``SALib.sample.morris``; analyse with ``SALib.analyze.morris``
``points``                an explicit list of points (``[[sweep.points]]``); a key a point
                          leaves out keeps the scenario's value
========================  =====================================================================

Sampled designs draw on the unit hypercube and map each coordinate ``u`` to its axis: a float
parameter gets ``low + u (high − low)``; an integer parameter is uniform over
``low..high`` (``floor(low + u (high − low + 1))``, capped at ``high``). The sampler's seed is
``sample_seed`` when given, else child :data:`SAMPLER_SPAWN_KEY` of
``SeedSequence(run.seed)``: it never coincides with a replication's seed, and changing the
number of replications (``--seeds``) never changes the points.
"""

from __future__ import annotations

import enum
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..model.params import Params, field_for

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "SAMPLER_SPAWN_KEY",
    "Axis",
    "Design",
    "SweepSpec",
    "point_params",
    "point_values",
    "salib_problem",
    "sample_matrix",
    "sampler_seed",
]

SAMPLER_SPAWN_KEY = 2**32 - 1
"""Spawn key of the sampler's child of ``SeedSequence(run.seed)`` (replications use 0, 1, ...)."""


class Design(enum.Enum):
    """How the points of a sweep are chosen."""

    GRID = "grid"
    LATIN_HYPERCUBE = "latin_hypercube"
    SOBOL = "sobol"
    MORRIS = "morris"
    POINTS = "points"

    @property
    def sampled(self) -> bool:
        """Whether the design draws ``samples`` points over ranges (LHS, Sobol, Morris)."""
        return self in (Design.LATIN_HYPERCUBE, Design.SOBOL, Design.MORRIS)


@dataclass(frozen=True, slots=True)
class Axis:
    """One swept parameter.

    Attributes:
        key: the dotted parameter key (``leadership.theta_alarm``).
        values: explicit values (grid), in order; None for a range.
        low: lower end of the range (inclusive); None with explicit values.
        high: upper end of the range (inclusive).
        levels: for a grid over a range, how many evenly spaced values.
        integer: whether the parameter is an integer.
    """

    key: str
    values: tuple[Any, ...] | None = None
    low: float | None = None
    high: float | None = None
    levels: int | None = None
    integer: bool = False

    def grid_values(self) -> tuple[Any, ...]:
        """The values of this axis in a grid."""
        if self.values is not None:
            return self.values
        assert self.low is not None and self.high is not None and self.levels is not None
        raw = np.linspace(self.low, self.high, self.levels)
        if self.integer:
            return tuple(dict.fromkeys(round(float(x)) for x in raw))
        return tuple(float(x) for x in raw)

    def from_unit(self, u: np.ndarray) -> list[Any]:
        """Map coordinates in ``[0, 1]`` onto this axis's range (see the module docstring)."""
        assert self.low is not None and self.high is not None
        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        if self.integer:
            lo, hi = int(self.low), int(self.high)
            x = np.floor(lo + u * (hi - lo + 1))
            return [int(v) for v in np.minimum(x, hi)]
        x = self.low + u * (self.high - self.low)
        return [float(v) for v in np.clip(x, self.low, self.high)]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (for the manifest)."""
        out: dict[str, Any] = {"key": self.key, "integer": self.integer}
        if self.values is not None:
            out["values"] = list(self.values)
        else:
            out["range"] = [self.low, self.high]
            if self.levels is not None:
                out["levels"] = self.levels
        return out


@dataclass(frozen=True, slots=True)
class SweepSpec:
    """A validated ``[sweep]`` table.

    Attributes:
        design: the design.
        axes: the swept parameters (all designs but ``points``).
        points: for ``points``: each point as ``((key, value), ...)``.
        samples: LHS points, Sobol base samples, or Morris trajectories.
        levels: Morris grid levels.
        second_order: Sobol: also sample for second-order indices.
        sample_seed: the sampler's seed (None: derived from the scenario's root seed).
    """

    design: Design
    axes: tuple[Axis, ...] = ()
    points: tuple[tuple[tuple[str, Any], ...], ...] = ()
    samples: int | None = None
    levels: int = 4
    second_order: bool = False
    sample_seed: int | None = None

    @property
    def keys(self) -> tuple[str, ...]:
        """The swept parameters, in column order of the sample matrix."""
        if self.design is Design.POINTS:
            return tuple(dict.fromkeys(k for point in self.points for k, _ in point))
        return tuple(a.key for a in self.axes)

    @property
    def n_points(self) -> int:
        """How many parameter points the design has (without sampling)."""
        d = len(self.axes)
        match self.design:
            case Design.POINTS:
                return len(self.points)
            case Design.GRID:
                return math.prod(len(a.grid_values()) for a in self.axes)
            case Design.LATIN_HYPERCUBE:
                return int(self.samples or 0)
            case Design.SOBOL:
                return int(self.samples or 0) * ((2 * d + 2) if self.second_order else (d + 2))
            case Design.MORRIS:
                return int(self.samples or 0) * (d + 1)
        raise AssertionError(self.design)  # pragma: no cover

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (for the manifest)."""
        out: dict[str, Any] = {"design": self.design.value, "keys": list(self.keys)}
        if self.design is Design.POINTS:
            out["points"] = [dict(p) for p in self.points]
        else:
            out["parameters"] = [a.to_dict() for a in self.axes]
        if self.design.sampled:
            out["samples"] = self.samples
        if self.design is Design.MORRIS:
            out["levels"] = self.levels
        if self.design is Design.SOBOL:
            out["second_order"] = self.second_order
        out["sample_seed"] = self.sample_seed
        out["n_points"] = self.n_points
        return out


def sampler_seed(spec: SweepSpec, root: int | None) -> int:
    """The integer seed of the design's sampler.

    Args:
        spec: the sweep.
        root: the scenario's root seed (None for an explicit seed list: 0 is used).

    Returns:
        ``spec.sample_seed`` if set, else child :data:`SAMPLER_SPAWN_KEY` of
        ``SeedSequence(root)`` reduced to 63 bits.
    """
    if spec.sample_seed is not None:
        return spec.sample_seed
    seq = np.random.SeedSequence(root or 0, spawn_key=(SAMPLER_SPAWN_KEY,))
    return int(seq.generate_state(1, dtype=np.uint64)[0]) >> 1


def salib_problem(spec: SweepSpec) -> dict[str, Any]:
    """The SALib problem of a sampled design (names are the dotted keys, bounds the ranges).

    Use it with the sample matrix and one outcome per point, e.g.
    ``SALib.analyze.morris.analyze(problem, X, Y)``.
    """
    if not spec.design.sampled:
        raise ValueError(f"a {spec.design.value} design has no SALib problem")
    return {"num_vars": len(spec.axes), "names": [a.key for a in spec.axes],
            "bounds": [[a.low, a.high] for a in spec.axes]}


def _unit_problem(spec: SweepSpec) -> dict[str, Any]:
    return {"num_vars": len(spec.axes), "names": [a.key for a in spec.axes],
            "bounds": [[0.0, 1.0]] * len(spec.axes)}


def _unit_sample(spec: SweepSpec, seed: int) -> np.ndarray:
    """Draw the design on the unit hypercube: shape ``(n_points, D)``."""
    assert spec.samples is not None
    d = len(spec.axes)
    match spec.design:
        case Design.LATIN_HYPERCUBE:
            from scipy.stats import qmc

            engine = qmc.LatinHypercube(d=d, rng=np.random.default_rng(seed))
            return engine.random(spec.samples)
        case Design.SOBOL:
            from SALib.sample import sobol

            return sobol.sample(_unit_problem(spec), spec.samples,
                                calc_second_order=spec.second_order, scramble=True, seed=seed)
        case Design.MORRIS:
            from SALib.sample import morris

            return morris.sample(_unit_problem(spec), spec.samples, num_levels=spec.levels,
                                 seed=seed)
    raise AssertionError(spec.design)  # pragma: no cover


def sample_matrix(spec: SweepSpec, base: Params, root: int | None) -> pd.DataFrame:
    """The values of every swept parameter at every point.

    A pure function of its arguments: the same spec, base and root give the same matrix.

    Args:
        spec: the sweep.
        base: the scenario's parameters (fill the keys a ``points`` entry leaves out).
        root: the scenario's root seed (seeds the sampler, see :func:`sampler_seed`).

    Returns:
        One row per point (index ``point``, 0-based), one column per key of ``spec.keys``;
        integer parameters as ``int64``, float parameters as ``float64``.
    """
    import pandas as pd

    keys = spec.keys
    rows: list[list[Any]]
    match spec.design:
        case Design.POINTS:
            rows = [[dict(p).get(k, base.get(k)) for k in keys] for p in spec.points]
        case Design.GRID:
            rows = [list(combo) for combo in
                    itertools.product(*(a.grid_values() for a in spec.axes))]
        case _:
            unit = _unit_sample(spec, sampler_seed(spec, root))
            columns = [a.from_unit(unit[:, j]) for j, a in enumerate(spec.axes)]
            rows = [list(r) for r in zip(*columns, strict=True)]
    frame = pd.DataFrame(rows, columns=list(keys))
    for k in keys:
        ftype = field_for(k, base).type
        if ftype in ("int", int):
            frame[k] = frame[k].astype("int64")
        elif ftype in ("float", float):
            frame[k] = frame[k].astype("float64")
    frame.index = pd.RangeIndex(len(frame), name="point")
    return frame


def _python(value: Any) -> Any:
    """Numpy scalars → Python scalars (parameter checks want ``int``, not ``np.int64``)."""
    return value.item() if hasattr(value, "item") else value


def point_values(matrix: pd.DataFrame) -> list[tuple[tuple[str, Any], ...]]:
    """Each row of a sample matrix as ``((key, value), ...)`` with Python scalars."""
    keys = list(matrix.columns)
    return [tuple((k, _python(v)) for k, v in zip(keys, row, strict=True))
            for row in matrix.itertuples(index=False, name=None)]


def point_params(base: Params, values: Sequence[tuple[str, Any]] | Mapping[str, Any]
                 ) -> Params:
    """The parameters of one point: the base with the swept values replaced (validated)."""
    return base.override(dict(values))
