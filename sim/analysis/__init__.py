"""Pure cycle analysis over output series and event logs (no model needed).

* :mod:`.episodes`: phase runs per sector (:func:`episodes`);
* :mod:`.metrics`: per-crackdown measures (:func:`crackdowns`) and run-level building blocks;
* :mod:`.summary`: one dict of scalar metrics per run (:func:`summarize_run`), aggregation
  across runs per scenario (:func:`aggregate`), ensemble quantiles and scenario comparison.
"""

from .episodes import episodes, phase_runs, sector_episodes
from .frames import sectors_of
from .metrics import crackdowns, synchrony
from .summary import (
    EPISODE_METRICS,
    RUN_METRICS,
    SECTOR_RUN_METRICS,
    aggregate,
    bootstrap_median_difference,
    compare,
    describe_metrics,
    ensemble_quantiles,
    summarize_run,
    summarize_runs,
    sweep_table,
)

__all__ = [
    "EPISODE_METRICS",
    "RUN_METRICS",
    "SECTOR_RUN_METRICS",
    "aggregate",
    "bootstrap_median_difference",
    "compare",
    "crackdowns",
    "describe_metrics",
    "ensemble_quantiles",
    "episodes",
    "phase_runs",
    "sector_episodes",
    "sectors_of",
    "summarize_run",
    "summarize_runs",
    "sweep_table",
    "synchrony",
]
