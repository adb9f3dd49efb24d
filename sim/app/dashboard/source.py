"""Which scenario the dashboard shows: found, loaded and validated like ``regcycle run``'s.

The command and the page run in different processes (``solara run`` imports the page), so the
command hands the scenario over in environment variables: :data:`ENV_SCENARIO` (a path or a
name in ``scenarios/``) and :data:`ENV_SET` (command-line overrides as a JSON object).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ...experiment.scenario import Scenario, find_scenario, load_scenario
from ...model.params import Params

ENV_SCENARIO = "REGCYCLE_DASHBOARD_SCENARIO"
"""Environment variable naming the scenario the page loads."""

ENV_SET = "REGCYCLE_DASHBOARD_SET"
"""Environment variable with parameter overrides, a JSON object by dotted key."""

DEFAULT_SCENARIO = "baseline"
"""The scenario shown when none is named."""


def scenario_dirs() -> list[Path]:
    """Folders searched for a scenario given by name: ./scenarios, then the repository's."""
    return [Path("scenarios"), Path(__file__).resolve().parents[3] / "scenarios"]


def defaults_scenario() -> Scenario:
    """A scenario of the parameter defaults (when no scenario file can be found)."""
    return Scenario(name="defaults", description="the defaults of sim.model.params", path=None,
                    params=Params(), seeds=(0,))


def load_dashboard_scenario(arg: str | None = None,
                            overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load the scenario to show.

    Args:
        arg: a scenario file, or a name in :func:`scenario_dirs`; None for the baseline (or
            the parameter defaults when no baseline file is found).
        overrides: dotted-key overrides, validated like ``--set`` of ``regcycle run``.

    Returns:
        The resolved scenario.

    Raises:
        sim.experiment.scenario.ScenarioError: listing every problem of the file and the overrides.
    """
    name = arg or DEFAULT_SCENARIO
    path = find_scenario(name, scenario_dirs())
    if arg is None and not path.is_file():
        return defaults_scenario()
    return load_scenario(path, dict(overrides or {}))


def scenario_from_env() -> Scenario:
    """The scenario named by :data:`ENV_SCENARIO` and :data:`ENV_SET` (see the module doc)."""
    overrides = json.loads(os.environ.get(ENV_SET) or "{}")
    return load_dashboard_scenario(os.environ.get(ENV_SCENARIO) or None, overrides)


__all__ = ["DEFAULT_SCENARIO", "ENV_SCENARIO", "ENV_SET", "defaults_scenario",
           "load_dashboard_scenario", "scenario_dirs", "scenario_from_env"]
