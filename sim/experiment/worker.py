"""One run, as a worker makes it: run the model, compute its cycle metrics, encode its part.

* :func:`run_one` runs one spec to completion and returns a :class:`RunResult` (tables in
  memory);
* :func:`record_of` turns a result into what a results folder stores: its cycle metrics
  (``summary.parquet`` row) computed from the full tables, then the tables trimmed to the
  spec's selection (``run.series``, ``run.events``) and encoded;
* :func:`execute`, what workers call for a results folder, does both and writes the part
  itself when it can reach the folder (:class:`~sim.experiment.store.parts.PartSink`), else returns
  the files for the coordinator to write (a :class:`RunRecord`).

Everything here runs in worker processes: it imports the model and the analysis when first
called, so that importing it (the coordinator, the command line) stays light.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .records import BatchRecord, RunBatch, RunRecord, RunResult, RunSpec
from .store.files import utc_now
from .store.parts import PartSink, encode_chunk, encode_part, run_meta
from .store.tables import select_outputs

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["execute", "execute_batch", "failed_result", "record_of", "run_one"]

log = logging.getLogger(__name__)


def _now() -> str:
    """Run times to the millisecond (the folder's own times are to the second)."""
    return utc_now("milliseconds")


def _tag(frame: pd.DataFrame, spec: RunSpec) -> pd.DataFrame:
    import pandas as pd

    frame = frame.reset_index(drop=True)
    frame.insert(0, "seed", pd.Series([spec.seed] * len(frame), dtype="int64"))
    frame.insert(0, "run_id", pd.Series([spec.run_id] * len(frame), dtype="int64"))
    return frame


def run_one(spec: RunSpec, *, model: Callable[..., Any] | None = None) -> RunResult:
    """Run one replication to completion.

    Exceptions raised by the model are caught and returned as ``RunResult.error`` so that one
    failing run does not stop the others.

    Args:
        spec: what to run.
        model: the model class, called as ``model(params, rng=seed)`` (default
            :class:`sim.model.RegulatoryModel`; a subclass or a wrapper for experiments).

    Returns:
        The run's tables (``run_id`` and ``seed`` columns first) and timings.
    """
    if model is None:
        # at the call: workers pay for Mesa, not the CLI; a replaced class is honoured
        from ..model import RegulatoryModel as model

    started, t0 = _now(), time.perf_counter()
    try:
        instance = model(spec.params, rng=spec.seed)
        instance.run()
        series = _tag(instance.series(), spec)
        events = _tag(instance.events(), spec)
        panel = _tag(instance.firm_panel(), spec) if spec.params.run.firm_panel_every else None
    except Exception:  # reported per run: the other runs go on
        return RunResult(spec.run_id, spec.seed, None, None, None, started, _now(),
                         time.perf_counter() - t0, traceback.format_exc())
    return RunResult(spec.run_id, spec.seed, series, events, panel, started, _now(),
                     time.perf_counter() - t0)


def _summary(spec: RunSpec, result: RunResult) -> pd.DataFrame | None:
    """The run's row of ``summary.parquet`` (as :func:`sim.analysis.results.summarize_folder`)."""
    from ..analysis.summary import summarize_runs  # workers pay for the analysis, not the CLI

    try:
        assert result.series is not None and result.events is not None
        # the metrics read values, not dtypes: the tables as the model made them will do
        table = summarize_runs(result.series, result.events)
        table.insert(2, "scenario", spec.scenario)
        if result.metrics:  # the run function's own metrics, joined in one go
            import pandas as pd

            table = pd.concat([table, pd.DataFrame([result.metrics], index=table.index)],
                              axis=1)
        return table
    except Exception as exc:  # a summary is derived data: the folder remakes it
        log.warning("run %d: no cycle metrics (%s); summary.parquet will be remade",
                    spec.run_id, exc)
        return None


Entry = tuple[dict[str, Any], dict[str, "pd.DataFrame | None"]]
"""A finished run ready to encode: its ``run.json`` and its tables (see ``encode_chunk``)."""


def _prepare(spec: RunSpec, result: RunResult) -> tuple[RunRecord, Entry | None]:
    """A run's record, and what the folder stores of it (None if it failed).

    The cycle metrics are computed from the full series and event log first; only then are the
    tables trimmed to what the spec's :class:`~sim.model.schema.OutputSelection` stores, so the
    summary row is the same whatever the selection.
    """
    record = RunRecord(result.run_id, result.seed, result.started, result.finished,
                       result.seconds, result.error)
    if not result.ok:
        return record, None
    meta = run_meta(spec, result.started, result.finished, result.seconds)
    summary = _summary(spec, result)
    series, events = select_outputs(spec.outputs, result.series, result.events)
    return record, (meta, {"series": series, "events": events, "panel": result.panel,
                           "summary": summary})


def record_of(spec: RunSpec, result: RunResult) -> RunRecord:
    """Encode a run's result as a record carrying its files (see :func:`execute`)."""
    record, entry = _prepare(spec, result)
    if entry is not None:
        record.files = encode_part(*entry)
    return record


def failed_result(spec: RunSpec, exc: BaseException) -> RunResult:
    """The result of a run whose worker raised outside the model (recorded as failed)."""
    now = _now()  # as a run's own times
    text = "".join(traceback.format_exception(exc))
    return RunResult(spec.run_id, spec.seed, None, None, None, now, now, 0.0,
                     f"the run's worker failed: {text}")


def execute_batch(batch: RunBatch, sink: PartSink | None = None,
                  fn: Callable[[RunSpec], RunResult] = run_one) -> BatchRecord:
    """Run a batch of specs for a results folder and store them together (what workers call).

    The runs are made one after another; their tables are then encoded together, one file per
    table (:func:`~sim.experiment.store.parts.encode_chunk`), and written as one chunk when
    this process can reach the folder, else sent back. A run that raises is recorded as failed
    and the others go on. If the batch is interrupted (Ctrl-C in a serial run), the runs
    finished so far are stored before the interruption goes on.

    Args:
        batch: the runs.
        sink: the folder's parts (see :func:`execute`).
        fn: the function that runs a spec.

    Returns:
        A record per run, and the chunk's files when they could not be written here.
    """
    t0 = time.perf_counter()
    out = BatchRecord([])
    entries: list[Entry] = []
    try:
        for spec in batch.specs:
            try:
                result = fn(spec)
            except Exception as exc:  # reported per run: the other runs go on
                result = failed_result(spec, exc)
            record, entry = _prepare(spec, result)
            out.records.append(record)
            if entry is not None:
                entries.append(entry)
    finally:
        if entries:
            files = encode_chunk(entries)
            if sink is not None and sink.reachable():
                sink.write_chunk(files)
                for record in out.records:
                    record.stored = record.ok
            else:
                out.files = files
    out.seconds = time.perf_counter() - t0
    return out


def execute(spec: RunSpec, sink: PartSink | None = None,
            fn: Callable[[RunSpec], RunResult] = run_one) -> RunRecord:
    """Run one spec for a results folder (what workers call).

    Args:
        spec: what to run.
        sink: the folder's parts, written here if this process can reach them (a worker on
            the coordinator's machine or on a shared file system); None: always send back.
        fn: the function that runs the spec.

    Returns:
        A record: small when the run was stored (or failed), carrying the encoded files when
        the coordinator must write them.
    """
    record = record_of(spec, fn(spec))
    if record.files is not None and sink is not None and sink.reachable():
        sink.write(spec.run_id, record.files)
        record.files, record.stored = None, True
    return record
