"""What the analysis notebooks of ``notebooks/`` call: ``from sim.app import notebooks as nb``.

The notebooks hold no model logic: they read a *size* from the environment, run scenario files
through :func:`sim.experiment.runner.run_scenario` into a results root, and hand the folders to
:mod:`sim.analysis` and :mod:`sim.plots`. One switch makes the same notebook a smoke test in CI
and a full experiment on a desk:

* ``REGCYCLE_NOTEBOOK_SIZE``: ``full`` (default; 20 seeds, 360 months, sweeps of hundreds of
  points) or ``quick`` (three seeds, 180 months from 2008-01 — to the end of 2022: past the
  first crackdowns, which v2 puts mostly in 2016–2024, and the counterfactual's 2022 events —,
  tiny sweeps: well under a minute a notebook);
* ``REGCYCLE_NOTEBOOK_RESULTS``: the results root (default ``<repo>/results/notebooks``, which
  git ignores; a temporary folder when the package is not run from a checkout);
* ``REGCYCLE_NOTEBOOK_WORKERS``: worker processes (default: the size's);
* ``REGCYCLE_NOTEBOOK_REUSE``: ``1`` to take, instead of a new folder, the newest folder of the
  results root made for exactly the same runs (same scenario, parameters, seeds and months:
  the store's fingerprint), resuming it if it is unfinished. Re-executing a notebook after
  editing its prose or plots then takes seconds. Off by default: nothing checks that the model
  code is the same as when the folder was made.
* ``REGCYCLE_NOTEBOOK_POSTERIOR``: a scenario with a ``[posterior]`` table (``regcycle
  calibrate --write-scenario``): every scenario run without a sweep then runs over its draws
  (replication r: seed r, draw r mod n), so notebook 02's hypotheses are compared over
  parameter uncertainty with common random numbers, not only over seeds.

Every notebook run uses the **held-out seeds** 1000, 1001, … (:data:`FIRST_SEED`; a sweep point
runs the first of them): the model's defaults were tuned on seeds 0–99, and the stylized-fact
and ablation tests of ``tests/model`` use seeds 1000–1039, so the notebooks' first 20 seeds are
the tests' first 20.

Example:
    >>> size = notebook_size({"REGCYCLE_NOTEBOOK_SIZE": "quick"})
    >>> size.name, size.seeds
    ('quick', 3)

The helpers live in four modules, all re-exported here: :mod:`~sim.app.notebooks.running`
(sizes, scenario files, seeds, results folders, running), :mod:`~sim.app.notebooks.tables`
(scenario changes, one run's frames, crackdown exits and information channels: notebook 01),
:mod:`~sim.app.notebooks.predictions` (the hypotheses, the statistics the theory predicts on,
the predictions and their verdicts: notebook 02) and :mod:`~sim.app.notebooks.calibration`
(the calibration and recovery study run or reused, the record as a table, the predictive runs:
notebook 04; ``REGCYCLE_CALIBRATION_FOLDER`` and ``REGCYCLE_RECOVERY_FOLDER`` name finished
folders to read).
"""

from .calibration import (
    CALIBRATION_SIZES,
    CALIBRATION_VARIABLE,
    COUNTERFACTUAL_STATISTICS,
    PREDICTIVE_SEED,
    RECORD_EPISODES,
    RECOVERY_VARIABLE,
    CalibrationSize,
    calibration_folder,
    calibration_size,
    calibration_timing,
    record_table,
    recovery_records,
    recovery_results,
)
from .calibration_predictions import (
    counterfactual_files,
    counterfactual_given_timing,
    crackdown_timing,
    forecast_comparison,
    posterior_correlations,
    predictive_check,
    predictive_runs,
)
from .predictions import (
    HYPOTHESES,
    PREDICTION_COLUMNS,
    PREDICTIONS,
    THEORY_METRICS,
    Prediction,
    onset_revelations,
    prediction_table,
    sector_means,
    theory_summary,
    verdict,
)
from .running import (
    FIRST_SEED,
    POSTERIOR_VARIABLE,
    RESULTS_VARIABLE,
    REUSE_VARIABLE,
    SIZE_VARIABLE,
    SIZES,
    WORKERS_VARIABLE,
    NotebookSize,
    check_complete,
    held_out_seeds,
    matching_folder,
    notebook_size,
    repo_root,
    results_root,
    reuse_requested,
    run,
    run_all,
    scenario_file,
)
from .tables import (
    CHANNEL_COLUMNS,
    EXIT_COLUMNS,
    channel_table,
    describe_scenarios,
    ensemble_exit_pain,
    ensemble_runs,
    exit_pain,
    run_tables,
)

__all__ = [
    "CALIBRATION_SIZES",
    "CALIBRATION_VARIABLE",
    "CHANNEL_COLUMNS",
    "COUNTERFACTUAL_STATISTICS",
    "EXIT_COLUMNS",
    "FIRST_SEED",
    "HYPOTHESES",
    "POSTERIOR_VARIABLE",
    "PREDICTIONS",
    "PREDICTION_COLUMNS",
    "PREDICTIVE_SEED",
    "RECORD_EPISODES",
    "RECOVERY_VARIABLE",
    "RESULTS_VARIABLE",
    "REUSE_VARIABLE",
    "SIZES",
    "SIZE_VARIABLE",
    "THEORY_METRICS",
    "WORKERS_VARIABLE",
    "CalibrationSize",
    "NotebookSize",
    "Prediction",
    "calibration_folder",
    "calibration_size",
    "calibration_timing",
    "channel_table",
    "check_complete",
    "counterfactual_files",
    "counterfactual_given_timing",
    "crackdown_timing",
    "describe_scenarios",
    "ensemble_exit_pain",
    "ensemble_runs",
    "exit_pain",
    "forecast_comparison",
    "held_out_seeds",
    "matching_folder",
    "notebook_size",
    "onset_revelations",
    "posterior_correlations",
    "prediction_table",
    "predictive_check",
    "predictive_runs",
    "record_table",
    "recovery_records",
    "recovery_results",
    "repo_root",
    "results_root",
    "reuse_requested",
    "run",
    "run_all",
    "run_tables",
    "scenario_file",
    "sector_means",
    "theory_summary",
    "verdict",
]
