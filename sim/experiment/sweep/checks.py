"""Checking a scenario's ``[sweep]`` table into a :class:`~.spec.SweepSpec`.

The scenario loader merges the files of an ``extends`` chain and the command-line overrides,
then hands the merged ``[sweep]`` table to :func:`check_sweep`. Like every scenario check, it
reports each problem to a :class:`~sim.experiment.problems.Checker` (which names the file that
set the key) and carries on, so one load lists every problem of the table.

Swept values are checked against the parameter metadata (:mod:`sim.model.params`) like any
other value, and parameters declared ``sweepable = False`` (structural choices) cannot be swept.
"""

from __future__ import annotations

import dataclasses
import importlib.util
from collections.abc import Mapping
from typing import Any

from ...model.params import coerce_value, field_for, iter_specs
from ..problems import MAX_SEED, MISSING, Checker, closest, one_of
from .spec import Axis, Design, SweepSpec

__all__ = ["AXIS_KEYS", "DESIGNS", "SWEEP_KEYS", "check_sweep", "flatten_sweep"]

SWEEP_KEYS: tuple[str, ...] = ("design", "parameters", "points", "samples", "levels",
                               "second_order", "sample_seed")
"""The keys of a ``[sweep]`` table."""

AXIS_KEYS: tuple[str, ...] = ("values", "range", "levels")
"""The keys of one swept parameter (``{ range = [low, high] }`` ...)."""

DESIGNS: tuple[str, ...] = tuple(d.value for d in Design)
"""The names of the designs, as written in ``sweep.design``."""

MAX_SAMPLES = 1_000_000
MAX_LEVELS = 1000

Points = tuple[tuple[tuple[str, Any], ...], ...]


def check_sweep(c: Checker, table: Any) -> SweepSpec | None:
    """Check a merged ``[sweep]`` table; return its spec, or None (no sweep, or problems).

    Args:
        c: collects the problems.
        table: the ``sweep`` value of the merged scenario (:data:`MISSING`: no sweep).
    """
    if table is MISSING or not c.table("sweep", table):
        return None
    before = len(c.problems)
    for k, v in table.items():
        if k not in SWEEP_KEYS:
            c.unknown(f"sweep.{k}", k, v, SWEEP_KEYS)
    design = _design(c, table)
    axes: tuple[Axis, ...] = ()
    points: Points | None = ()
    if design is Design.POINTS:
        points = _points_table(c, table)
    else:
        # an unknown design still gets its axes checked, so one load reports them too
        axes = _axes(c, design, table)
    options = _options(c, design, table)
    if design in (Design.SOBOL, Design.MORRIS) and importlib.util.find_spec("SALib") is None:
        c.add("sweep.design", table["design"], "a design whose sampler is installed",
              "needs SALib: pip install 'regcycle[sweep]'")
    if design is None or len(c.problems) > before or points is None:
        return None
    return SweepSpec(design=design, axes=axes, points=points, **options)


def flatten_sweep(table: Mapping[str, Any], prefix: str = "",
                  leaf_tables: bool = True) -> list[tuple[str, Any]]:
    """``{"leadership": {"theta_alarm": x}}`` and ``{"leadership.theta_alarm": x}`` → pairs.

    With ``leaf_tables``, a table holding an axis key (``values``, ``range``, ``levels``) is a
    leaf (an axis); otherwise only non-tables are leaves (a point's values).
    """
    out: list[tuple[str, Any]] = []
    for k, v in table.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and v and not (leaf_tables and set(v) & set(AXIS_KEYS)):
            out += flatten_sweep(v, key + ".", leaf_tables)
        else:
            out.append((key, v))
    return out


# --------------------------------------------------------------------------------------------
# The design and what it sweeps
# --------------------------------------------------------------------------------------------


def _design(c: Checker, table: Mapping[str, Any]) -> Design | None:
    """``sweep.design``, or None after reporting it missing or unknown."""
    raw = table.get("design", MISSING)
    if raw is MISSING:
        c.add("sweep.design", raw, one_of(DESIGNS), "missing")
        return None
    if not c.string("sweep.design", raw, one_of(DESIGNS)):
        return None
    if raw not in DESIGNS:
        c.unknown("sweep.design", raw, raw, DESIGNS, "unknown design")
        return None
    return Design(raw)


def _axes(c: Checker, design: Design | None, table: Mapping[str, Any]) -> tuple[Axis, ...]:
    """The valid axes of ``[sweep.parameters]`` (every design but ``points``)."""
    if "points" in table:
        c.add("sweep.points", table["points"], "sweep.parameters",
              "only the points design takes [[sweep.points]]")
    params = table.get("parameters", MISSING)
    if params is MISSING:
        c.add("sweep.parameters", params, "a table of swept parameters", "missing")
        return ()
    if not c.table("sweep.parameters", params):
        return ()
    leaves = flatten_sweep(params)
    if not leaves:
        c.add("sweep.parameters", params, "at least one swept parameter", "empty")
    axes = [_axis(c, design, key, spec) for key, spec in leaves]
    return tuple(a for a in axes if a is not None)


def _points_table(c: Checker, table: Mapping[str, Any]) -> Points | None:
    """The points of a ``points`` design (``[[sweep.points]]``), or None after problems."""
    if "parameters" in table:
        c.add("sweep.parameters", table["parameters"], "[[sweep.points]] tables",
              "not used by the points design: list the points in [[sweep.points]]")
    return _points(c, table.get("points", MISSING))


def _sweepable_keys() -> list[str]:
    return [k for k, f, _ in iter_specs() if f.metadata.get("sweepable")]


def sweep_field(c: Checker, ckey: str, key: str, value: Any) -> dataclasses.Field | None:
    """The field of a swept key, or None after reporting an unknown or fixed parameter."""
    try:
        f = field_for(key)
    except KeyError:
        guess = closest(key, _sweepable_keys())
        message = "unknown parameter" + (f", did you mean {guess!r}?" if guess else "")
        c.add(ckey, value, "a sweepable parameter: group.name or sectors.<sector>.<name> "
              "(regcycle show lists them)", message)
        return None
    if not f.metadata.get("sweepable", False):
        c.add(ckey, value, "a sweepable parameter", "not sweepable (a structural choice): "
              "write one scenario per value instead")
        return None
    return f


def _points(c: Checker, points: Any) -> Points | None:
    """Check ``[[sweep.points]]``: each point a table of swept parameters and their values."""
    allowed = "an array of tables ([[sweep.points]]), each setting swept parameters"
    if not isinstance(points, list) or not points:
        c.add("sweep.points", points, allowed, "empty" if isinstance(points, list)
              else "wrong type")
        return None
    out = []
    ok = True
    for i, point in enumerate(points):
        base = f"sweep.points[{i}]"
        if not isinstance(point, dict) or not point:
            c.add(base, point, "a table of dotted key = value", "empty"
                  if isinstance(point, dict) else "wrong type")
            ok = False
            continue
        values = []
        for key, value in flatten_sweep(point, leaf_tables=False):
            f = sweep_field(c, f"{base}.{key}", key, value)
            if f is None or not c.param(f, value, f"{base}.{key}"):
                ok = False
                continue
            values.append((key, coerce_value(f, value)))
        out.append(tuple(values))
    return tuple(out) if ok else None


# --------------------------------------------------------------------------------------------
# One swept parameter: values, or a range
# --------------------------------------------------------------------------------------------


def _axis(c: Checker, design: Design | None, key: str, spec: Any) -> Axis | None:
    """One entry of ``[sweep.parameters]`` as an axis, or None after reporting its problems.

    ``spec`` is ``{ values = [...] }``, ``{ range = [low, high] }`` (with ``levels`` in a
    grid) or a bare list of values. Without a valid design only the key and the shape of the
    entry can be checked.
    """
    ckey = f"sweep.parameters.{key}"
    f = sweep_field(c, ckey, key, spec)
    if f is None:
        return None
    bare = isinstance(spec, list)  # a bare list is the axis's values
    table = _axis_table(c, ckey, {"values": spec} if bare else spec)
    if table is None or design is None:
        return None
    if "values" in table:
        if design.sampled:
            c.add(ckey, table["values"], "{ range = [low, high] }",
                  f"a {design.value} design samples ranges, not lists of values")
            return None
        values = _sweep_values(c, ckey if bare else f"{ckey}.values", f, table["values"])
        return Axis(key, values=values, integer=_is_int(f)) if values is not None else None
    return _range_axis(c, design, key, f, table)


def _axis_table(c: Checker, ckey: str, spec: Any) -> dict[str, Any] | None:
    """An axis's table if its keys make sense together, or None after reporting why not."""
    if not isinstance(spec, dict) or not spec:
        c.add(ckey, spec, "{ values = [...] } or { range = [low, high] }",
              "empty" if isinstance(spec, dict) else "wrong type")
        return None
    for k in spec:
        if k not in AXIS_KEYS:
            c.unknown(f"{ckey}.{k}", k, spec[k], AXIS_KEYS)
            return None
    if "values" in spec and ("range" in spec or "levels" in spec):
        c.add(ckey, spec, "either values, or a range (with levels in a grid)",
              "values given together with a range")
        return None
    return spec


def _range_axis(c: Checker, design: Design, key: str, f: dataclasses.Field,
                table: Mapping[str, Any]) -> Axis | None:
    """An axis over ``range`` (``levels`` evenly spaced values of it in a grid)."""
    ckey = f"sweep.parameters.{key}"
    if "range" not in table:
        c.add(f"{ckey}.range", MISSING, "[low, high]", "missing")
        return None
    bounds = _sweep_range(c, f"{ckey}.range", f, table["range"])
    levels_ok, levels = _grid_levels(c, design, ckey, table)
    if not levels_ok or bounds is None:
        return None
    axis = Axis(key, low=bounds[0], high=bounds[1], levels=levels, integer=_is_int(f))
    if levels is not None and axis.integer and len(axis.grid_values()) != levels:
        c.add(f"{ckey}.levels", levels, f"at most {int(bounds[1] - bounds[0]) + 1} "
              "(integers in the range)", "more levels than integers in the range")
        return None
    return axis


def _grid_levels(c: Checker, design: Design, ckey: str,
                 table: Mapping[str, Any]) -> tuple[bool, int | None]:
    """Whether a range axis's ``levels`` are right for the design, and the levels (grid only)."""
    if design is Design.GRID:
        if "levels" not in table:
            c.add(f"{ckey}.levels", MISSING, f"an integer in [2, {MAX_LEVELS}]",
                  "missing: a grid over a range needs levels (or give values)")
            return False, None
        if not c.integer(f"{ckey}.levels", table["levels"], 2, MAX_LEVELS):
            return False, None
        return True, table["levels"]
    if "levels" in table:
        c.add(f"{ckey}.levels", table["levels"], "levels only in a grid (Morris: sweep.levels)",
              "not used by this design")
        return False, None
    return True, None


def _sweep_values(c: Checker, ckey: str, f: dataclasses.Field,
                  values: Any) -> tuple[Any, ...] | None:
    """Distinct allowed values of the parameter, or None after reporting a problem."""
    if not isinstance(values, list) or not values:
        c.add(ckey, values, "a non-empty list of values",
              "empty" if isinstance(values, list) else "wrong type")
        return None
    ok = all([c.param(f, v, f"{ckey}[{i}]") for i, v in enumerate(values)])  # report every one
    if not ok:
        return None
    if len({repr(v) for v in values}) != len(values):
        c.add(ckey, values, "distinct values", "repeated values")
        return None
    return tuple(coerce_value(f, v) for v in values)


def _sweep_range(c: Checker, ckey: str, f: dataclasses.Field,
                 bounds: Any) -> tuple[float, float] | None:
    """``[low, high]``, both allowed values of the parameter, low below high."""
    allowed = "[low, high] with low < high, both allowed values of the parameter"
    if not isinstance(bounds, list) or len(bounds) != 2:
        c.add(ckey, bounds, allowed, "wrong type")
        return None
    if not all([c.param(f, v, f"{ckey}[{i}]") for i, v in enumerate(bounds)]):
        return None
    if not bounds[0] < bounds[1]:
        c.add(ckey, bounds, allowed, "low is not below high")
        return None
    return coerce_value(f, bounds[0]), coerce_value(f, bounds[1])


def _is_int(f: dataclasses.Field) -> bool:
    return f.type in ("int", int)


# --------------------------------------------------------------------------------------------
# The design's options
# --------------------------------------------------------------------------------------------


def _options(c: Checker, design: Design | None, table: Mapping[str, Any]) -> dict[str, Any]:
    """The design's options that are given and valid (:class:`SweepSpec` defaults the rest)."""
    found = {"samples": _samples(c, design, table), "levels": _morris_levels(c, design, table),
             "second_order": _second_order(c, design, table),
             "sample_seed": _sample_seed(c, design, table)}
    return {k: v for k, v in found.items() if v is not None}


def _unused(c: Checker, design: Design, key: str, value: Any, allowed: str) -> None:
    c.add(key, value, allowed, f"not used by the {design.value} design")


def _samples(c: Checker, design: Design | None, table: Mapping[str, Any]) -> int | None:
    """``sweep.samples``: required by sampled designs, refused by the others."""
    sampled = design is not None and design.sampled
    if "samples" not in table:
        if sampled:
            c.add("sweep.samples", MISSING, f"an integer in [1, {MAX_SAMPLES}]", "missing")
        return None
    samples = table["samples"]
    if design is not None and not sampled:
        _unused(c, design, "sweep.samples", samples, "no samples: the design fixes its points")
        return None
    if not c.integer("sweep.samples", samples, 1, MAX_SAMPLES):
        return None
    if design is Design.SOBOL and samples & (samples - 1):
        c.add("sweep.samples", samples, "a power of 2 (Sobol sequences balance there)",
              "not a power of 2")
    return samples


def _morris_levels(c: Checker, design: Design | None, table: Mapping[str, Any]) -> int | None:
    """``sweep.levels``: the Morris grid (a grid design's axes take their own levels)."""
    if "levels" not in table:
        return None
    levels = table["levels"]
    if design is not None and design is not Design.MORRIS:
        _unused(c, design, "sweep.levels", levels,
                "levels only for Morris (a grid axis takes its own levels)")
        return None
    return levels if c.integer("sweep.levels", levels, 2, MAX_LEVELS) else None


def _second_order(c: Checker, design: Design | None, table: Mapping[str, Any]) -> bool | None:
    """``sweep.second_order``: Sobol only."""
    if "second_order" not in table:
        return None
    value = table["second_order"]
    if design is not None and design is not Design.SOBOL:
        _unused(c, design, "sweep.second_order", value, "only for sobol")
        return None
    if not isinstance(value, bool):
        c.add("sweep.second_order", value, "true or false", "wrong type")
        return None
    return value


def _sample_seed(c: Checker, design: Design | None, table: Mapping[str, Any]) -> int | None:
    """``sweep.sample_seed``: sampled designs only."""
    if "sample_seed" not in table:
        return None
    seed = table["sample_seed"]
    if design is not None and not design.sampled:
        _unused(c, design, "sweep.sample_seed", seed, "only for sampled designs")
        return None
    return seed if c.integer("sweep.sample_seed", seed, 0, MAX_SEED) else None
