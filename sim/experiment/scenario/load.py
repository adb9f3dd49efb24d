"""Loading a scenario: read the chain, merge, validate, and resolve into a :class:`Scenario`.

:func:`load_scenario` runs the steps of the package in order (:mod:`.read`, :mod:`.validate`)
and raises one :class:`~sim.experiment.problems.ScenarioError` listing every problem of every
file and of the command-line overrides, or returns the resolved scenario.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ...model.params import ExogenousParams, ParameterError, Params
from ..problems import COMMAND_LINE, Checker, ScenarioError, ScenarioProblem
from .calibrate import PosteriorDraws
from .read import Layer, flatten_sweep_parameters, merge, nest, read_chain
from .resolved import Scenario, SourceFile, derive_seeds
from .validate import MAX_REPLICATIONS, Resolved, check_scenario_table, validate

__all__ = ["load_scenario", "validate_files"]

MAX_RUNS = 10_000_000
"""Most runs a scenario may ask for (sweep points × replications)."""


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None, *,
                  replications: int | None = None) -> Scenario:
    """Load, merge and validate a scenario file into a :class:`Scenario`.

    Args:
        path: the scenario file.
        overrides: values applied after the file, by dotted key as in the file
            (``"leadership.theta_alarm"``, ``"sectors.ai.alignment"``, ``"run.months"``);
            validated like the file, and named :data:`COMMAND_LINE` in problems.
        replications: run this many replications instead of the file's: derived from the root
            seed, or the first ones of an explicit ``seeds`` list.

    Returns:
        The resolved scenario.

    Raises:
        ScenarioError: listing every problem in the chain of files and the overrides.
    """
    path = Path(path)
    problems: list[ScenarioProblem] = []
    layers = read_chain(path, problems)
    overrides = dict(overrides or {})
    name, description = _check_headers(layers, overrides, problems)
    if not layers or layers[-1].source != str(path):
        # the file itself could not be read: nothing more to check
        raise ScenarioError(problems)
    layers_all = [*layers, Layer(COMMAND_LINE, nest(overrides))] if overrides else list(layers)
    for layer in layers_all:
        problems.extend(flatten_sweep_parameters(layer))
    merged, origin = merge(layers_all)
    resolved, more = validate(merged, origin, str(path))
    problems.extend(more)
    # The steps below need a valid scenario to work from; each adds its problems, if any.
    seeds, root = _seeds(resolved, replications, problems) if not problems else ((), None)
    if replications is not None and replications < 1:
        problems.append(ScenarioProblem(COMMAND_LINE, "--seeds", replications,
                                        f"an integer in [1, {MAX_REPLICATIONS}]",
                                        "out of range"))
    if not problems:
        _check_size(resolved, len(seeds), origin.get("sweep", str(path)), problems)
    params = _params(resolved, Checker(origin, str(path)), problems) if not problems else None
    if problems:
        raise ScenarioError(problems)
    assert name is not None and description is not None and params is not None
    return Scenario(
        name=name,
        description=description,
        path=str(path),
        params=params,
        seeds=seeds,
        seed_root=root,
        workers=resolved.workers,
        sources=tuple(SourceFile(layer.source, layer.text) for layer in layers),
        overrides=overrides,
        sweep=resolved.sweep,
        outputs=resolved.outputs,
        calibrate=resolved.calibrate,
        posterior=_posterior(resolved, origin, [layer.source for layer in layers_all]),
    )


def validate_files(paths: Iterable[str | Path]) -> dict[str, list[ScenarioProblem]]:
    """Validate scenario files; return the problems per file (an empty list: valid)."""
    report: dict[str, list[ScenarioProblem]] = {}
    for p in paths:
        try:
            load_scenario(p)
        except ScenarioError as exc:
            report[str(p)] = exc.problems
        else:
            report[str(p)] = []
    return report


def _check_headers(layers: Sequence[Layer], overrides: Mapping[str, Any],
                   problems: list[ScenarioProblem]) -> tuple[str | None, str | None]:
    """Check every file's own ``[scenario]``; return the top file's name and description.

    ``[scenario]`` is not merged (every file names and describes itself), so it is checked
    per file, and the command line may not set it.
    """
    name = description = None
    for layer in layers:
        name, description, found = check_scenario_table(layer)
        problems.extend(found)
    for k, v in overrides.items():
        if k == "scenario" or k.startswith("scenario."):
            problems.append(ScenarioProblem(COMMAND_LINE, k, v, "a parameter or run setting",
                                            "the [scenario] table cannot be overridden"))
    return name, description


def _seeds(resolved: Resolved, replications: int | None,
           problems: list[ScenarioProblem]) -> tuple[tuple[int, ...], int | None]:
    """The per-run seeds and their root (None for an explicit list), ``--seeds`` applied."""
    if resolved.seeds is None:
        root = resolved.seed_root
        n = replications if replications is not None else resolved.replications
        return derive_seeds(root, n), root
    seeds = resolved.seeds
    if replications is not None:
        if replications > len(seeds):
            problems.append(ScenarioProblem(
                COMMAND_LINE, "--seeds", replications,
                f"at most {len(seeds)} (the seeds listed in run.seeds)",
                "more runs than listed seeds"))
        seeds = seeds[:replications]
    return seeds, None


def _check_size(resolved: Resolved, replications: int, source: str,
                problems: list[ScenarioProblem]) -> None:
    """Refuse a sweep of more than :data:`MAX_RUNS` runs."""
    if resolved.sweep is None:
        return
    n_points = resolved.sweep.n_points
    if n_points * replications > MAX_RUNS:
        problems.append(ScenarioProblem(
            source, "sweep", "a table", f"at most {MAX_RUNS} runs (points × replications)",
            f"{n_points} points × {replications} replications is too many runs"))


def _posterior(resolved: Resolved, origin: Mapping[str, str],
               order: Sequence[str]) -> PosteriorDraws | None:
    """The ``[posterior]`` draws, less the parameters a later layer fixed.

    A value set for a drawn parameter in a file after the one that set the draws (an overlay
    of the calibrated scenario: a policy) or on the command line wins over the draws in every
    run; set in the same file or before, the draws win.
    """
    post = resolved.posterior
    if post is None:
        return None
    where = origin.get("posterior.draws", origin.get("posterior", ""))
    rank = {source: i for i, source in enumerate(order)}
    after = rank.get(where, -1)
    return post.fix(k for k in post.keys if rank.get(origin.get(k, ""), -1) > after)


def _params(resolved: Resolved, checker: Checker, problems: list[ScenarioProblem]) -> Params:
    """The scenario's parameters: the defaults with the accepted values applied.

    The model checks them again as a whole (:class:`Params`); what it refuses that the checks
    did not anticipate is reported under the file that set the key.
    """
    try:
        params = Params().override(resolved.overrides)
        return dataclasses.replace(params, exogenous=ExogenousParams(
            events=tuple(resolved.events),
            foreign_climate=resolved.series.get("foreign_climate", ()),
            macro_shock=resolved.series.get("macro_shock", ()),
        ))
    except ParameterError as exc:
        for p in exc.problems:
            checker.adopt(p)
        problems.extend(checker.problems)
        return Params()
