"""Sampling a sweep: the design's points as a sample matrix, and the parameters of a point.

Pure functions, no I/O: the same spec, base parameters and root seed give the same matrix (the
designs are described in :mod:`sim.experiment.sweep`).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ...model.params import Params, field_for
from .spec import Design, SweepSpec

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "SAMPLER_SPAWN_KEY",
    "point_params",
    "point_values",
    "salib_problem",
    "sample_matrix",
    "sampler_seed",
]

SAMPLER_SPAWN_KEY = 2**32 - 1
"""Spawn key of the sampler's child of ``SeedSequence(run.seed)`` (replications use 0, 1, ...)."""


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
