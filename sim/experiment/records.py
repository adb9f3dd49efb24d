"""Plain records passed between the runner, its workers and the results store.

:class:`RunSpec` (what to run), :class:`RunResult` (a run's tables in memory) and
:class:`RunRecord` (what the coordinator hears of a run stored for a results folder). They are
declared here, apart from the code that makes and consumes them, so that the runner and the
store can both use them without importing each other. This module imports no other module of
the experiment side; its one project import is the declaration of
:class:`~sim.model.schema.OutputSelection`, the default of :attr:`RunSpec.outputs`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..model.schema import OutputSelection

if TYPE_CHECKING:
    import pandas as pd

    from ..model.params import Params

__all__ = ["BatchRecord", "RunBatch", "RunRecord", "RunResult", "RunSpec"]


@dataclass(frozen=True, slots=True)
class RunSpec:
    """Everything one replication needs; picklable.

    Attributes:
        run_id: position of the run in its scenario (0-based), assigned before dispatch.
        seed: the run's seed, passed as ``RegulatoryModel(params, rng=seed)``.
        params: the run's parameters.
        scenario: the scenario's name (for tables and messages).
        point: the parameter point (0 without a sweep).
        replicate: the replication index; runs with the same replicate share their seed.
        swept: the point's swept values as ``((key, value), ...)`` (empty without a sweep).
        outputs: what a results folder stores of the run (the scenario's ``run.series`` and
            ``run.events``); :func:`sim.experiment.runner.run_one` always returns everything.
    """

    run_id: int
    seed: int
    params: Params
    scenario: str = ""
    point: int = 0
    replicate: int = 0
    swept: tuple[tuple[str, Any], ...] = ()
    outputs: OutputSelection = field(default_factory=OutputSelection)


@dataclass(slots=True)
class RunResult:
    """The outputs of one replication, with ``run_id`` and ``seed`` columns first in each table.

    Attributes:
        run_id: the spec's run id.
        seed: the spec's seed.
        series: one row per month (:func:`sim.model.schema.series_columns`); None if the run failed.
        events: the event log (:data:`sim.model.schema.EVENT_COLUMNS`); None if the run failed.
        panel: the firm panel (:data:`sim.model.schema.PANEL_COLUMNS`), or None when not asked for.
        started: start time (ISO 8601, UTC).
        finished: end time (ISO 8601, UTC).
        seconds: wall-clock duration.
        error: the traceback text if the run raised, else None.
        metrics: more per-run metrics, set by the function that made the run (e.g. the
            regime classes of ``regcycle regimes``); the worker adds them to the run's row of
            ``summary.parquet``.
    """

    run_id: int
    seed: int
    series: pd.DataFrame | None
    events: pd.DataFrame | None
    panel: pd.DataFrame | None
    started: str
    finished: str
    seconds: float
    error: str | None = None
    metrics: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        """Whether the run completed."""
        return self.error is None


@dataclass(slots=True)
class RunRecord:
    """What the coordinator hears of one run of a results folder (small unless sent back).

    Attributes:
        run_id: the spec's run id.
        seed: the spec's seed.
        started: start time (ISO 8601, UTC).
        finished: end time.
        seconds: wall-clock duration of the run.
        error: the traceback text if the run failed, else None.
        stored: whether the worker wrote the run's part into the folder itself.
        files: the part's encoded files when the worker could not write them, else None.
    """

    run_id: int
    seed: int
    started: str
    finished: str
    seconds: float
    error: str | None = None
    stored: bool = False
    files: dict[str, bytes] | None = None

    @property
    def ok(self) -> bool:
        """Whether the run completed."""
        return self.error is None


@dataclass(frozen=True, slots=True)
class RunBatch:
    """Runs a worker makes one after another and stores together (one chunk of the folder).

    Attributes:
        specs: the runs, in run-id order.
    """

    specs: tuple[RunSpec, ...]

    @property
    def run_id(self) -> int:
        """The first run's id (names the batch's task)."""
        return self.specs[0].run_id


@dataclass(slots=True)
class BatchRecord:
    """What the coordinator hears of a batch: one record per run, and the batch's files.

    Attributes:
        records: one :class:`RunRecord` per run of the batch, in order.
        files: the encoded chunk (``sim.experiment.store.parts.encode_chunk``) when the worker
            could not write it into the folder, else None.
        seconds: the worker's wall-clock time for the whole batch (runs, metrics, storing).
    """

    records: list[RunRecord]
    files: dict[str, bytes] | None = None
    seconds: float = 0.0
