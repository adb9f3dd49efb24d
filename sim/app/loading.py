"""Loading a scenario named on the command line (shared by the subcommands' modules).

Kept apart from :mod:`sim.app.cli` so that subcommand modules, which ``cli`` imports, can load
scenarios without importing ``cli`` back (an import cycle).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..experiment.problems import COMMAND_LINE
from ..experiment.scenario import (
    Scenario,
    ScenarioError,
    ScenarioProblem,
    attach_posterior,
    find_scenario,
    load_scenario,
    parse_assignment,
)

__all__ = ["command_line_overrides", "default_scenarios_dir", "load_from_command_line"]


def default_scenarios_dir() -> Path:
    """``./scenarios`` if it exists, else the scenarios shipped beside the package."""
    local = Path("scenarios")
    if local.is_dir():
        return local
    return Path(__file__).resolve().parents[2] / "scenarios"


def command_line_overrides(sets: Sequence[str]) -> dict[str, object]:
    """``--set KEY=VALUE`` assignments as dotted-key overrides (the last of a key wins)."""
    overrides: dict[str, object] = {}
    for text in sets:
        key, value = parse_assignment(text)
        overrides[key] = value
    return overrides


def load_from_command_line(arg: str, sets: Sequence[str], months: int | None = None,
                           replications: int | None = None,
                           posterior: str | None = None) -> Scenario:
    """The scenario ``arg`` (a path or a name in ./scenarios) with ``--set`` overrides applied.

    With ``posterior`` (a scenario with a ``[posterior]`` table, e.g. written by ``regcycle
    calibrate --write-scenario``), the scenario runs over its draws
    (:func:`sim.experiment.scenario.attach_posterior`).

    Raises:
        sim.experiment.scenario.ScenarioError: on any problem (the CLI prints it, exit 2).
    """
    overrides = command_line_overrides(sets)
    if months is not None:
        overrides["run.months"] = months
    path = find_scenario(arg, [default_scenarios_dir()])
    scenario = load_scenario(path, overrides, replications=replications)
    if posterior is None:
        return scenario
    source = load_scenario(find_scenario(posterior, [default_scenarios_dir()]))
    if source.posterior is None:
        raise ScenarioError([ScenarioProblem(
            COMMAND_LINE, "--posterior", posterior, "a scenario with a [posterior] table "
            "(regcycle calibrate --write-scenario)", "has no [posterior] table")])
    if scenario.sweep is not None:
        raise ScenarioError([ScenarioProblem(
            COMMAND_LINE, "--posterior", posterior, "a scenario without a [sweep]",
            f"{scenario.name} has a [sweep]: a run over posterior draws is one point")])
    return attach_posterior(scenario, source.posterior)
