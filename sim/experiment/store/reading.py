"""Reading a results folder into pandas, and checking it stored what an analysis needs.

Readers cope with the columns a scenario's ``run.series`` and ``run.events`` left out:
:func:`load_results` returns what is there; analyses that need more (remaking
``summary.parquet`` from the tables, ``regcycle plot``) fail with a message naming the missing
columns and the key (:func:`require_stored`). :func:`load_run_series` reads one run's series
alone (memory does not grow with the number of runs), e.g. for ``overview.png``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ...model.schema import OutputSelection, compact_columns, sector_column, split_column
from .layout import (
    EVENTS,
    ID_COLUMNS,
    MANIFEST,
    PANEL,
    RUN_COLUMNS,
    RUNS,
    SERIES,
    SWEEP,
    StoreError,
)
from .manifest import folder_sectors, show_selection, stored_outputs
from .tables import normalize

__all__ = [
    "Results",
    "latest_results",
    "load_results",
    "load_run_series",
    "load_series",
    "read_manifest",
    "require_stored",
    "stored_series_columns",
]


@dataclass(slots=True)
class Results:
    """A results folder loaded into pandas.

    Attributes:
        path: the folder.
        manifest: ``manifest.json``.
        runs: one row per run (``run_id``, ``seed``, ``scenario``, ``status``, parameters).
        series: the monthly series of all runs (parameters joined when asked).
        events: the event logs of all runs (parameters joined when asked).
        panel: the firm panels, or None when the run did not record them.
    """

    path: Path
    manifest: dict[str, Any]
    runs: pd.DataFrame
    series: pd.DataFrame
    events: pd.DataFrame
    panel: pd.DataFrame | None

    @property
    def scenario(self) -> str:
        """The scenario's name."""
        return str(self.manifest.get("scenario", {}).get("name", ""))

    @property
    def outputs(self) -> OutputSelection:
        """What the folder stores (``run.series``, ``run.events``; default: everything)."""
        return stored_outputs(self.manifest)

    @property
    def param_columns(self) -> list[str]:
        """The parameter columns of :attr:`runs` (dotted keys)."""
        return [c for c in self.runs.columns if c not in RUN_COLUMNS]

    @property
    def sweep(self) -> pd.DataFrame | None:
        """A sweep's sample matrix (``point``, then one column per swept key), else None."""
        file = self.path / SWEEP
        return pd.read_parquet(file) if file.is_file() else None

    def run(self, run_id: int) -> pd.DataFrame:
        """One run's series with only the schema columns (what the plot functions take)."""
        one = self.series[self.series["run_id"] == run_id]
        if one.empty:
            raise KeyError(f"no run {run_id} in {self.path}")
        drop = [c for c in (*RUN_COLUMNS, *self.param_columns) if c in one.columns]
        return one.drop(columns=drop).reset_index(drop=True)


def _join(frame: pd.DataFrame, runs: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    if not columns:
        return frame
    clash = [c for c in columns if c in frame.columns]
    if clash:
        raise StoreError(f"parameter columns clash with table columns: {clash}")
    return frame.merge(runs[["run_id", *columns]], on="run_id", how="left", validate="m:1")


def read_manifest(path: str | Path) -> dict[str, Any]:
    """A folder's ``manifest.json`` (empty when there is none yet)."""
    file = Path(path) / MANIFEST
    return json.loads(file.read_text()) if file.is_file() else {}


def load_results(path: str | Path, *, params: bool | Sequence[str] = True) -> Results:
    """Load a results folder into pandas frames.

    Args:
        path: the folder (``results/<scenario>/<id>``).
        params: join parameters onto the series, events and panel: True for every parameter
            (and the scenario's name), False for none, or a list of dotted keys
            (``["leadership.mode", "agencies.zeal"]``).

    Returns:
        The folder's tables.

    Raises:
        StoreError: if the folder has no tables yet (never finished) or an unknown
            parameter is asked for.
    """
    path = Path(path)
    if not (path / MANIFEST).is_file():
        raise StoreError(f"{path}: not a results folder (no {MANIFEST})")
    manifest = json.loads((path / MANIFEST).read_text())
    if not (path / SERIES).is_file():
        raise StoreError(f"{path}: holds no finished tables yet (status "
                         f"{manifest.get('status')!r}); resume it with regcycle run --resume")
    runs = pd.read_parquet(path / RUNS)
    # Parquet has no second-resolution timestamps: normalize restores the schema's dtypes
    series = normalize(pd.read_parquet(path / SERIES), "series")
    events = normalize(pd.read_parquet(path / EVENTS), "events")
    panel = normalize(pd.read_parquet(path / PANEL), "panel") if (path / PANEL).is_file() \
        else None
    all_params = [c for c in runs.columns if c not in (*ID_COLUMNS, "status")]
    if params is True:
        columns = all_params
    elif params is False:
        columns = []
    else:
        columns = list(params)
        unknown = [c for c in columns if c not in all_params]
        if unknown:
            raise StoreError(f"unknown parameter columns {unknown}; the runs table has "
                             f"{', '.join(all_params)}")
    series = _join(series, runs, columns)
    events = _join(events, runs, columns)
    if panel is not None:
        panel = _join(panel, runs, columns)
    return Results(path, manifest, runs, series, events, panel)


def stored_series_columns(path: str | Path) -> list[str] | None:
    """The columns of a folder's ``series.parquet`` (read from its schema), or None without it."""
    file = Path(path) / SERIES
    return pq.read_schema(file).names if file.is_file() else None


def load_run_series(path: str | Path, run_id: int | None = None) -> pd.DataFrame | None:
    """One run's rows of a folder's series, read alone, with the schema's dtypes.

    Only that run's rows are read: memory does not grow with the number of runs.

    Args:
        path: the results folder.
        run_id: the run (default: the smallest run id present).

    Returns:
        The run's series (``run_id`` and ``seed`` columns first), or None when the folder has
        no series table or no rows.
    """
    file = Path(path) / SERIES
    if not file.is_file():
        return None
    ids = pq.read_table(file, columns=["run_id"]).column("run_id")
    if len(ids) == 0:
        return None
    rid = int(pc.min(ids).as_py()) if run_id is None else run_id
    return normalize(pq.read_table(file, filters=[("run_id", "=", rid)]).to_pandas(), "series")


def load_series(paths: Iterable[str | Path], *,
                params: bool | Sequence[str] = ("scenario",)) -> pd.DataFrame:
    """The series of several results folders in one frame, for comparing scenarios.

    Args:
        paths: results folders.
        params: parameters to join (as in :func:`load_results`; by default the scenario name).

    Returns:
        The concatenated series with a ``results`` column (the folder's id) in front.
    """
    frames = []
    for p in paths:
        res = load_results(p, params=params)
        frame = res.series
        frame.insert(0, "results", Path(p).name)
        frames.append(frame)
    if not frames:
        raise StoreError("no results folders given")
    return pd.concat(frames, ignore_index=True)


def latest_results(root: str | Path = "results", scenario: str | None = None, *,
                   complete: bool = True) -> Path:
    """The most recent results folder under ``root`` (optionally of one scenario).

    Args:
        root: the results root.
        scenario: a scenario name (default: any).
        complete: only folders whose manifest says ``complete``.

    Raises:
        StoreError: if there is none.
    """
    pattern = f"{scenario}/*/{MANIFEST}" if scenario else f"*/*/{MANIFEST}"
    found = []
    for m in Path(root).glob(pattern):
        try:
            manifest = json.loads(m.read_text())
        except (OSError, ValueError):
            continue
        if complete and manifest.get("status") != "complete":
            continue
        found.append((str(manifest.get("started", "")), m.parent.name, m.parent))
    if not found:
        what = f"scenario {scenario!r}" if scenario else "any scenario"
        raise StoreError(f"{root}: no {'complete ' if complete else ''}results of {what}")
    return max(found)[2]


def require_stored(path: str | Path, what: str, *, columns: Iterable[str] = (),
                   quantities: Iterable[str] = (), events: Iterable[str] = ()) -> None:
    """Check that a results folder stored what an analysis needs.

    A folder without its tables yet passes (:func:`load_results` reports it).

    Args:
        path: the results folder.
        what: the analysis, for the message (``"the cycle metrics"``).
        columns: series columns needed by name (``"valuation_index"``, ``"harm.ai"``).
        quantities: per-sector quantities needed for every sector (``"enforcement"``).
        events: event kinds needed (checked against the folder's ``run.events``).

    Raises:
        StoreError: naming the missing series columns and event kinds, and the scenario keys
            (``run.series``, ``run.events``) that left them out.
    """
    path = Path(path)
    if not (path / MANIFEST).is_file() or not (path / SERIES).is_file():
        return  # not a finished folder: load_results says so
    manifest = json.loads((path / MANIFEST).read_text())
    names = pq.read_schema(path / SERIES).names
    present = set(names)
    sectors = folder_sectors(manifest, names)
    needed = [*columns, *(sector_column(q, s) for q in quantities for s in sectors)]
    missing = [c for c in dict.fromkeys(needed) if c not in present]
    kinds = stored_outputs(manifest).events
    missing_kinds = [] if kinds is None else [k for k in dict.fromkeys(events) if k not in kinds]
    if not missing and not missing_kinds:
        return
    lacks, fixes = [], []
    if missing:
        lacks.append("series columns " + ", ".join(compact_columns(missing, sectors)))
        names = list(dict.fromkeys(split_column(c)[0] for c in missing))
        fixes.append(f"add {', '.join(json.dumps(n) for n in names)} to run.series")
    if missing_kinds:
        lacks.append("event kinds " + ", ".join(missing_kinds))
        fixes.append(f"add {', '.join(json.dumps(k) for k in missing_kinds)} to run.events")
    keys = " and ".join(k for k, m in (("run.series", missing), ("run.events", missing_kinds))
                        if m)
    raise StoreError(f"{path}: {what} needs {' and '.join(lacks)}, which this folder does not "
                     f"store (it was made with {show_selection(stored_outputs(manifest))}); "
                     f"{' and '.join(fixes)} in the scenario (or leave {keys} out to store "
                     "everything) and run it again")
