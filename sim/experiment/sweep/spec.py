"""The sweep specification: a :class:`Design` and its axes, as validated from ``[sweep]``.

Plain frozen data: :mod:`.checks` builds a :class:`SweepSpec` from a scenario's ``[sweep]``
table, :mod:`.sampling` draws its points, and the results folder's manifest stores
:meth:`SweepSpec.to_dict`.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Axis", "Design", "SweepSpec"]


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
