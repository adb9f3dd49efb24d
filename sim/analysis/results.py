"""Summary tables of results folders (reads and writes through :mod:`sim.experiment.store`).

``summary.parquet`` in a results folder holds one row per run: ``run_id``, ``seed``,
``scenario``, then every metric of :func:`sim.analysis.summary.summarize_run`. It is derived
data: :func:`load_summary` recomputes it when it is missing or older than the series. The
workers compute it from the full tables before trimming them to what the scenario stores
(``run.series``, ``run.events``); remaking it from a folder that did not store the columns and
event kinds the metrics read (:data:`~sim.analysis.summary.SUMMARY_COLUMNS`,
:data:`~sim.analysis.summary.SUMMARY_QUANTITIES`, :data:`~sim.analysis.summary.SUMMARY_EVENTS`)
fails with a :class:`sim.experiment.store.StoreError` naming them.

This module depends on the store, never the reverse: the runner hands :func:`write_summary` to
:meth:`sim.experiment.store.ResultsFolder.finish` for a folder whose workers could not compute
a run's metrics. The table is written by the store's own Parquet writer
(:func:`sim.experiment.store.write_table`: atomic, in the folder's encoding).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from ..experiment.store import RUNS, SERIES, SUMMARY, load_results, require_stored, write_table
from .summary import SUMMARY_COLUMNS, SUMMARY_EVENTS, SUMMARY_QUANTITIES, summarize_runs

__all__ = ["SUMMARY", "load_summary", "summarize_folder", "write_summary"]

log = logging.getLogger(__name__)


def summarize_folder(path: str | Path) -> pd.DataFrame:
    """Compute the per-run summary table of a results folder.

    Args:
        path: a results folder (``results/<scenario>/<id>``).

    Returns:
        One row per run: ``run_id``, ``seed``, ``scenario``, then the metrics.

    Raises:
        sim.experiment.store.StoreError: if the folder is not finished, or did not store the series
            columns and event kinds the metrics read (its scenario's ``run.series`` or
            ``run.events`` left them out).
    """
    require_stored(path, "remaking the cycle metrics (summary.parquet) from the tables",
                   columns=SUMMARY_COLUMNS, quantities=SUMMARY_QUANTITIES,
                   events=SUMMARY_EVENTS)
    res = load_results(path, params=False)
    table = summarize_runs(res.series, res.events)
    if "scenario" not in table.columns:
        table.insert(2 if "seed" in table.columns else 1, "scenario", res.scenario)
    return table


def write_summary(path: str | Path, *, strict: bool = False) -> Path | None:
    """Compute and write ``summary.parquet`` into a results folder (atomically).

    Args:
        path: the results folder.
        strict: raise on failure; otherwise log a warning and return None (a summary can
            always be remade with ``regcycle summarize``, so it never fails a run).

    Returns:
        The file written, or None on failure when not strict.
    """
    path = Path(path)
    try:
        return write_table(summarize_folder(path), path / SUMMARY)
    except Exception as exc:
        if strict:
            raise
        log.warning("could not write %s in %s: %s", SUMMARY, path, exc)
        return None


def load_summary(path: str | Path, *, params: bool = True, refresh: bool = False
                 ) -> pd.DataFrame:
    """The per-run summary table of a results folder, computed if need be.

    Args:
        path: the results folder.
        params: join the runs table's parameter columns (dotted keys), e.g. for sweep
            heatmaps.
        refresh: recompute even when a current ``summary.parquet`` exists.

    Returns:
        One row per run.

    Raises:
        sim.experiment.store.StoreError: when the table must be remade and the folder cannot give it
            (unfinished, or its ``run.series``/``run.events`` left out what the metrics read).
    """
    path = Path(path)
    file = path / SUMMARY
    stale = not file.is_file() or (
        (path / SERIES).is_file() and file.stat().st_mtime < (path / SERIES).stat().st_mtime)
    if refresh or stale:
        table = summarize_folder(path)  # a folder that cannot give the metrics says why
        try:
            table = pd.read_parquet(write_table(table, file))  # as stored, as when current
        except Exception as exc:  # a read-only folder: the table in memory will do
            log.warning("could not write %s in %s: %s", SUMMARY, path, exc)
    else:
        table = pd.read_parquet(file)
    if params and (path / RUNS).is_file():
        runs = pd.read_parquet(path / RUNS)
        extra = [c for c in runs.columns if c not in table.columns and c != "status"]
        if extra:
            table = table.merge(runs[["run_id", *extra]], on="run_id", how="left")
    return table
