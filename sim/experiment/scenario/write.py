"""Writing a resolved scenario back as a TOML scenario file (``regcycle show``).

:func:`to_toml` writes every parameter, not only those the chain set, so the text is the whole
scenario in one file (no ``extends``); loading it gives the same parameters, seeds, outputs and
sweep, and the ``[calibrate]`` and ``[posterior]`` tables (the record as an absolute path).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from ...model.params import Params, RunParams
from ..sweep import Design, SweepSpec
from .calibrate import CalibrateSpec, PosteriorDraws
from .resolved import Scenario
from .timeline import EXOGENOUS_KEYS
from .validate import PARAM_GROUPS

__all__ = ["to_toml"]


def to_toml(scenario: Scenario, *, mark_changes: bool = True) -> str:
    """The fully resolved scenario as a TOML scenario file (no ``extends``; loads back the same).

    Args:
        scenario: the scenario.
        mark_changes: add a ``# default: ...`` comment to every value that differs from the
            defaults.

    Returns:
        TOML text.
    """
    lines = [f"# resolved from: {' → '.join(s.path for s in scenario.sources) or '(code)'}"]
    if scenario.overrides:
        sets = ", ".join(f"{k}={_toml_value(v) if _is_toml(v) else v!r}"
                         for k, v in scenario.overrides.items())
        lines.append(f"# command-line overrides: {sets}")
    lines += ["", "[scenario]", f"name = {_toml_value(scenario.name)}",
              f"description = {_toml_value(scenario.description)}"]
    lines += _run_lines(scenario, mark_changes)
    lines += _param_lines(scenario.params, mark_changes)
    lines += _exogenous_lines(scenario.params)
    if scenario.sweep is not None:
        lines += _sweep_lines(scenario.sweep, scenario.n_points)
    if scenario.calibrate is not None:
        lines += _calibrate_lines(scenario.calibrate)
    if scenario.posterior is not None:
        lines += _posterior_lines(scenario.posterior, scenario.replications)
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    """A value in TOML (TypeError for what TOML cannot hold, such as None)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


def _is_toml(value: Any) -> bool:
    try:
        _toml_value(value)
    except TypeError:
        return False
    return True


def _assignment(name: str, value: Any, default: Any, mark_changes: bool) -> str:
    """``name = value``, with the default in a comment if marked and different."""
    text = f"{name} = {_toml_value(value)}"
    if mark_changes and value != default:
        text += f"  # default: {_toml_value(default)}"
    return text


def _run_lines(scenario: Scenario, mark_changes: bool) -> list[str]:
    """The ``[run]`` table: run parameters, seeds, workers and stored outputs."""
    run, default = scenario.params.run, RunParams()
    lines = ["", "[run]"]
    lines += [_assignment(f.name, getattr(run, f.name), getattr(default, f.name), mark_changes)
              for f in dataclasses.fields(RunParams)]
    if scenario.seed_root is not None:
        lines.append(f"replications = {scenario.replications}")
        lines.append(f"seed = {scenario.seed_root}")
        lines.append(f"# per-run seeds: {_toml_value(list(scenario.seeds))}")
    else:
        lines.append(f"seeds = {_toml_value(list(scenario.seeds))}")
    if scenario.workers is not None:
        lines.append(f"workers = {scenario.workers}")
    if scenario.outputs.series is not None:
        lines.append(f"series = {_toml_value(list(scenario.outputs.series))}")
    if scenario.outputs.events is not None:
        lines.append(f"events = {_toml_value(list(scenario.outputs.events))}")
    return lines


def _param_lines(p: Params, mark_changes: bool) -> list[str]:
    """Every parameter group's table, then one ``[sectors.<sector>]`` table per sector."""
    defaults = Params()
    lines: list[str] = []
    for group in PARAM_GROUPS:
        lines += ["", f"[{group}]"]
        obj, dobj = getattr(p, group), getattr(defaults, group)
        lines += [_assignment(f.name, getattr(obj, f.name), getattr(dobj, f.name), mark_changes)
                  for f in dataclasses.fields(obj)]
    for sector, dsector in zip(p.sectors, defaults.sectors, strict=True):
        lines += ["", f"[sectors.{sector.name}]"]
        lines += [_assignment(f.name, getattr(sector, f.name), getattr(dsector, f.name),
                              mark_changes)
                  for f in dataclasses.fields(sector) if f.name != "name"]
    return lines


def _exogenous_lines(p: Params) -> list[str]:
    """The ``[[events]]`` tables (months as indices) and the ``[exogenous]`` series."""
    lines: list[str] = []
    for ev in p.exogenous.events:
        lines += ["", "[[events]]", f"month = {ev.month}", f"kind = {_toml_value(ev.kind)}"]
        if ev.sector:
            lines.append(f"sector = {_toml_value(ev.sector)}")
        lines.append(f"magnitude = {_toml_value(ev.magnitude)}")
    series = {name: getattr(p.exogenous, name) for name in EXOGENOUS_KEYS}
    if any(series.values()):
        lines += ["", "[exogenous]"]
        for name, points in series.items():
            if points:
                lines.append(f"{name} = {_toml_value([list(pt) for pt in points])}")
    return lines


def _sweep_lines(sweep: SweepSpec, n_points: int) -> list[str]:
    """The ``[sweep]`` table, with ``[sweep.parameters]`` or the ``[[sweep.points]]``."""
    lines = ["", f"# {n_points} points × the replications above", "[sweep]",
             f"design = {_toml_value(sweep.design.value)}"]
    if sweep.design.sampled:
        lines.append(f"samples = {sweep.samples}")
    if sweep.design is Design.MORRIS:
        lines.append(f"levels = {sweep.levels}")
    if sweep.design is Design.SOBOL:
        lines.append(f"second_order = {_toml_value(sweep.second_order)}")
    if sweep.sample_seed is not None:
        lines.append(f"sample_seed = {sweep.sample_seed}")
    if sweep.design is Design.POINTS:
        for point in sweep.points:
            lines += ["", "[[sweep.points]]"]
            lines += [f"{_toml_value(k)} = {_toml_value(v)}" for k, v in point]
        return lines
    lines += ["", "[sweep.parameters]"]
    for axis in sweep.axes:
        if axis.values is not None:
            body = f"values = {_toml_value(list(axis.values))}"
        else:
            body = f"range = {_toml_value([axis.low, axis.high])}"
            if axis.levels is not None:
                body += f", levels = {axis.levels}"
        lines.append(f"{_toml_value(axis.key)} = {{ {body} }}")
    return lines


def _calibrate_lines(spec: CalibrateSpec) -> list[str]:
    """The ``[calibrate]`` table, every prior written as its range."""
    lines = ["", "# regcycle calibrate: the parameters inferred and their uniform priors",
             "[calibrate]"]
    if spec.record is not None:
        lines.append(f"record = {_toml_value(spec.record)}")
    lines += [f"{name} = {_toml_value(getattr(spec, name))}"
              for name in ("population", "generations", "min_acceptance", "min_epsilon",
                           "replications", "seed")]
    lines += ["", "[calibrate.parameters]"]
    lines += [f"{_toml_value(key)} = {{ range = {_toml_value([lo, hi])} }}"
              for key, lo, hi in spec.parameters]
    return lines


def _posterior_lines(post: PosteriorDraws, replications: int) -> list[str]:
    """The ``[posterior]`` table: one line a draw."""
    used = min(replications, post.n_draws)
    lines = ["", f"# {post.n_draws} posterior draws; replication r runs draw r mod "
                 f"{post.n_draws} ({used} of them in the {replications} replications above)"]
    if post.fixed:
        lines.append(f"# fixed by a later file or --set (draws dropped): {', '.join(post.fixed)}")
    lines.append("[posterior]")
    if post.source is not None:
        lines.append(f"source = {_toml_value(post.source)}")
    lines.append(f"parameters = {_toml_value(list(post.keys))}")
    lines.append("draws = [")
    lines += [f"    {_toml_value(list(row))}," for row in post.draws]
    lines.append("]")
    return lines
