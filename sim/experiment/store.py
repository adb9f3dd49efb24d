"""Results folders: atomic per-run writes, resume, manifest, and loading into pandas.

One folder per invocation of ``regcycle run``, ``results/<scenario>/<id>/``::

    manifest.json     provenance and status (scenario text and hash, resolved parameters, seeds,
                      what is stored, versions, git revision, platform, times, status of every
                      run)
    runs.parquet      one row per run: run_id, seed, scenario, status, every resolved parameter
    series.parquet    one row per run and month: run_id, seed, then sim.model.schema.series_columns
                      (only those the scenario's run.series selects, month and date always)
    events.parquet    the event logs: run_id, seed, then sim.model.schema.EVENT_COLUMNS (only the
                      rows of the kinds run.events selects)
    panel.parquet     the firm panels (only when run.firm_panel_every > 0)
    summary.parquet   cycle metrics per run (sim.analysis.summary.summarize_run)
    sweep.parquet     a sweep's sample matrix: one row per point, one column per swept parameter
    overview.png      enforcement per sector with phases shaded, run 0

While runs are going on, each finished run is a directory ``parts/run-NNNNNN/`` written under a
temporary name and renamed into place, so a run is either fully present or absent whatever
kills the process. The part is written by the worker that made the run when it can reach the
folder (:class:`PartSink` checks a token the coordinator leaves in ``parts/``), otherwise the
worker sends the encoded files back and the coordinator writes them; either way the
coordinator never holds more than one run's tables. When every run is done the parts are
streamed, in run order and a bounded number of rows at a time, into the tables above (each
written to a temporary name, then renamed), the manifest is marked ``complete`` and the parts
are removed. Resuming a folder skips runs whose part exists and checks that it was made with
the same parameters and seed.

What is stored: by default every series column and every event. A scenario's ``run.series``
and ``run.events`` (a :class:`sim.model.schema.OutputSelection`, recorded in the manifest under
``outputs``) keep only some series columns and event kinds, to make a large sweep's folder small.
The worker computes the run's cycle metrics (its ``summary.parquet`` row) from the full tables
first and trims them afterwards (:func:`select_outputs`), so the summary does not depend on the
selection. Readers cope with the missing columns: :func:`load_results` returns what is there;
analyses that need more (remaking ``summary.parquet`` from the tables, ``regcycle plot``) fail
with a message naming the missing columns and the key (:func:`require_stored`);
``overview.png`` is skipped with a logged note. Resuming a folder with another selection is
refused.

Tables are Parquet with zstd compression; float columns use the byte-stream-split encoding
(lossless: the floats read back are bit for bit those the model produced).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import importlib.metadata
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..model.schema import (
    EVENT_COLUMNS,
    PANEL_COLUMNS,
    SECTOR_QUANTITIES,
    SERIES_AGGREGATES,
    Column,
    OutputSelection,
    compact_columns,
    sector_column,
    sectors_in,
    series_columns,
    split_column,
)

if TYPE_CHECKING:
    from .runner import RunRecord, RunResult, RunSpec
    from .scenario import Scenario

__all__ = [
    "EVENTS",
    "MANIFEST",
    "OVERVIEW",
    "PANEL",
    "RUNS",
    "SERIES",
    "SUMMARY",
    "SWEEP",
    "PartSink",
    "Results",
    "ResultsFolder",
    "StoreError",
    "encode_part",
    "folder_sectors",
    "latest_results",
    "load_results",
    "load_series",
    "normalize",
    "require_stored",
    "run_meta",
    "runs_table",
    "select_outputs",
    "spec_hash",
    "stored_outputs",
    "write_part",
]

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
RUNS = "runs.parquet"
SERIES = "series.parquet"
EVENTS = "events.parquet"
PANEL = "panel.parquet"
SUMMARY = "summary.parquet"
SWEEP = "sweep.parquet"
OVERVIEW = "overview.png"
PARTS = "parts"
RUN_JSON = "run.json"
SINK_TOKEN = ".sink-token"
ID_COLUMNS = ("run_id", "seed")
RUN_COLUMNS = ("run_id", "seed", "scenario", "status", "point", "replicate")
"""The leading columns of ``runs.parquet``; the parameters follow."""
ROW_GROUP_ROWS = 16_384
"""Rows gathered into one Parquet row group: bounds the coordinator's memory when gathering."""
ROW_GROUP_PARTS = 256
"""Parts gathered into one row group at most (each read table has its own schema and metadata:
many one-row summary parts would otherwise add up)."""
RUNS_CHUNK = 256
"""Runs per chunk when writing ``runs.parquet``."""
ZSTD_LEVEL = 3
DEPENDENCIES = ("mesa", "numpy", "scipy", "pandas", "pyarrow", "matplotlib", "tqdm", "networkx")


class StoreError(ValueError):
    """A results folder cannot be used as asked (not a results folder, different runs...)."""


# --------------------------------------------------------------------------------------------
# Small helpers: atomic files, hashes, provenance
# --------------------------------------------------------------------------------------------


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _tmp_name(path: Path) -> Path:
    return path.with_name(f".tmp-{path.name}-{uuid.uuid4().hex[:8]}")


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = _tmp_name(path)
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)


def _atomic_write_json(path: Path, obj: Any) -> None:
    _atomic_write_bytes(path, (json.dumps(obj, indent=2, default=_json_default) + "\n").encode())


def _parquet_options(schema: pa.Schema) -> dict[str, Any]:
    """Writer options: zstd; byte-stream-split for floats, dictionaries for the other columns."""
    floats = [f.name for f in schema if pa.types.is_floating(f.type)]
    others = [f.name for f in schema if not pa.types.is_floating(f.type)]
    return {"compression": "zstd", "compression_level": ZSTD_LEVEL,
            "use_dictionary": others or False, "use_byte_stream_split": floats or False}


def _to_arrow(frame: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(frame, preserve_index=False)


def _parquet_bytes(frame: pd.DataFrame) -> bytes:
    table = _to_arrow(frame)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, **_parquet_options(table.schema))
    return sink.getvalue().to_pybytes()


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    table = _to_arrow(frame)
    pq.write_table(table, path, **_parquet_options(table.schema))
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _atomic_write_parquet(frame: pd.DataFrame, path: Path) -> None:
    tmp = _tmp_name(path)
    try:
        _write_parquet(frame, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)


def _json_default(obj: Any) -> Any:
    if isinstance(obj, (tuple, set)):
        return list(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    if hasattr(obj, "item"):  # numpy scalars
        return obj.item()
    return str(obj)


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, default=_json_default, separators=(",", ":"))


def spec_hash(spec: RunSpec) -> str:
    """A hash of what determines a run's stored output: id, seed, every parameter, selection.

    The selection (``run.series``, ``run.events``) enters only when it is not the default, so
    folders made before it existed keep their hashes.
    """
    payload: dict[str, Any] = {"run_id": spec.run_id, "seed": spec.seed,
                               "params": spec.params.to_flat_dict()}
    if not spec.outputs.is_default:
        payload["outputs"] = spec.outputs.to_dict()
    return hashlib.sha256(_canonical(payload).encode()).hexdigest()


def _fingerprint(specs: Sequence[RunSpec]) -> str:
    h = hashlib.sha256()
    for spec in specs:
        h.update(spec_hash(spec).encode())
    return h.hexdigest()


def _versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in ("regcycle", *DEPENDENCIES):
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def _git() -> dict[str, Any] | None:
    """The git revision of the code that runs (not of the working directory), if any."""
    root = Path(__file__).resolve().parents[2]
    try:
        rev = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=10, check=True).stdout.strip()
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain",
                                 "--untracked-files=no"], capture_output=True, text=True,
                                timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return {"revision": rev, "dirty": bool(status.strip())}


def _platform() -> dict[str, Any]:
    return {
        "system": platform.system(),
        "release": platform.release(),
        "machine": platform.machine(),
        "platform": platform.platform(),
        "python_implementation": platform.python_implementation(),
        "cpu_count": os.cpu_count(),
        "executable": sys.executable,
    }


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------


def _schema(table: str, frame_columns: Iterable[str]) -> dict[str, str]:
    """Schema dtypes by column for one of the output tables."""
    if table == "series":
        dtypes = {c.name: c.dtype for c in SERIES_AGGREGATES}
        quantities = {q.name: q.dtype for q in SECTOR_QUANTITIES}
        for name in frame_columns:
            quantity, _, sector = name.partition(".")
            if sector and quantity in quantities:
                dtypes[name] = quantities[quantity]
        return dtypes
    columns: tuple[Column, ...] = EVENT_COLUMNS if table == "events" else PANEL_COLUMNS
    return {c.name: c.dtype for c in columns}


def _normalize(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Give every schema column its dtype; categories are the sorted values found."""
    dtypes = _schema(table, frame.columns)
    out = {}
    for name in frame.columns:
        col = frame[name]
        dtype = dtypes.get(name, "int64" if name in ID_COLUMNS else None)
        if dtype == "category":
            col = pd.Series(pd.Categorical(col.astype(object)), name=name, index=frame.index)
        elif dtype is not None and str(col.dtype) != dtype:
            col = col.astype(dtype)
        out[name] = col
    return pd.DataFrame(out, index=frame.index)


def _empty(table: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
    cols = list(columns) if columns is not None else \
        [*ID_COLUMNS, *(c.name for c in (EVENT_COLUMNS if table == "events" else PANEL_COLUMNS))]
    dtypes = _schema(table, cols)
    data = {}
    for c in cols:
        dtype = dtypes.get(c, "int64" if c in ID_COLUMNS else "float64")
        data[c] = pd.Series([], dtype="category" if dtype == "category" else dtype)
    return pd.DataFrame(data)


def normalize(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Give a ``series``, ``events`` or ``panel`` frame the schema's dtypes (as stored)."""
    return _normalize(frame, table)


def select_outputs(outputs: OutputSelection, series: pd.DataFrame | None,
                   events: pd.DataFrame | None) -> tuple[pd.DataFrame | None,
                                                         pd.DataFrame | None]:
    """Keep the series columns and event kinds a selection stores (the default keeps all).

    Args:
        outputs: the selection (``run.series``, ``run.events``).
        series: a run's series (``run_id``, ``seed``, schema columns), or None.
        events: its event log, or None.

    Returns:
        The series with only the selected columns (in their order; ``run_id``, ``seed``,
        ``month`` and ``date`` always) and the events of the selected kinds only.
    """
    if series is not None and outputs.series is not None:
        series = series[outputs.series_columns(series.columns)]
    if events is not None and outputs.events is not None:
        keep = events["kind"].astype(str).isin(outputs.events).to_numpy()
        events = events.loc[keep].reset_index(drop=True)
    return series, events


def _dictionary_values(parts: Sequence[Path], name: str) -> dict[str, pa.Array]:
    """The sorted union of each dictionary (category) column's values over every part.

    A reader joins the dictionaries of row groups in order of first appearance; written with
    one dictionary, the same everywhere, a file reads back with the same categories however
    its parts were grouped.
    """
    values: dict[str, set[str]] = {}
    for part in parts:
        file = part / name
        if not file.is_file():
            continue
        cols = [f.name for f in pq.read_schema(file) if pa.types.is_dictionary(f.type)]
        if not cols:
            continue
        data = pq.read_table(file, columns=cols)
        for c in cols:
            for chunk in data.column(c).chunks:
                values.setdefault(c, set()).update(
                    v for v in chunk.dictionary.to_pylist() if v is not None)
    return {c: pa.array(sorted(v), type=pa.string()) for c, v in values.items()}


def _recode(data: pa.Table, dictionaries: dict[str, pa.Array]) -> pa.Table:
    """Dictionary columns re-encoded on the given (complete) dictionaries."""
    for c, dictionary in dictionaries.items():
        if c not in data.column_names:
            continue
        plain = data.column(c).cast(pa.string()).combine_chunks()
        indices = pc.index_in(plain, value_set=dictionary).cast(pa.int32())
        coded = pa.DictionaryArray.from_arrays(indices, dictionary)
        data = data.set_column(data.column_names.index(c), c, coded)
    return data


def _gather_parts(parts: Sequence[Path], name: str, out: Path, table: str,
                  columns: Sequence[str] | None = None) -> None:
    """Stream one table of every part, in the order given, into one Parquet file (atomically).

    At most :data:`ROW_GROUP_ROWS` rows (plus one part) of at most :data:`ROW_GROUP_PARTS`
    parts are held in memory at a time, however many parts there are. A part without the file
    is skipped; with no rows at all, an empty table is written with the columns of an empty
    part, else ``columns`` (the columns stored), else the schema's.
    """
    tmp = _tmp_name(out)
    parts = list(parts)
    dictionaries = _dictionary_values(parts, name)
    writer: pq.ParquetWriter | None = None
    schema: pa.Schema | None = None
    first_empty: pa.Table | None = None
    buffer: list[pa.Table] = []
    rows = 0
    try:
        for part in parts:
            file = part / name
            if not file.is_file():
                continue
            data = pq.read_table(file)
            if data.num_rows == 0:  # its categories may have no type yet: never the schema
                first_empty = first_empty if first_empty is not None else data
                continue
            data = _recode(data, dictionaries)
            if writer is None:
                schema = data.schema
                writer = pq.ParquetWriter(tmp, schema, **_parquet_options(schema))
            elif not data.schema.equals(schema, check_metadata=False):
                data = data.cast(schema)
            buffer.append(data)
            rows += data.num_rows
            if rows >= ROW_GROUP_ROWS or len(buffer) >= ROW_GROUP_PARTS:
                writer.write_table(pa.concat_tables(buffer))
                buffer, rows = [], 0
        if writer is not None:
            if buffer:
                writer.write_table(pa.concat_tables(buffer))
            writer.close()
            writer = None
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
        else:
            if first_empty is not None:
                columns = first_empty.column_names
            _write_parquet(_normalize(_empty(table, columns), table), tmp)
        os.replace(tmp, out)
    finally:
        if writer is not None:
            writer.close()
        tmp.unlink(missing_ok=True)
    _fsync_dir(out.parent)


def runs_table(specs: Sequence[RunSpec], status: dict[int, str] | None = None) -> pd.DataFrame:
    """One row per run: :data:`RUN_COLUMNS`, then every resolved parameter.

    ``point`` is the run's parameter point (0 without a sweep) and ``replicate`` its
    replication index (runs with the same replicate share their seed). Scheduled events and
    exogenous series are stored as JSON text in their columns.
    """
    status = status or {}
    rows = []
    for spec in specs:
        row: dict[str, Any] = {"run_id": spec.run_id, "seed": spec.seed,
                               "scenario": spec.scenario,
                               "status": status.get(spec.run_id, "pending"),
                               "point": spec.point, "replicate": spec.replicate}
        for key, value in spec.params.to_flat_dict().items():
            row[key] = _canonical(value) if isinstance(value, (list, tuple, dict)) else value
        rows.append(row)
    frame = pd.DataFrame(rows)
    if len(frame):
        for name in ("run_id", "seed", "point", "replicate"):
            frame[name] = frame[name].astype("int64")
    return frame


def _write_runs(specs: Sequence[RunSpec], status: dict[int, str], out: Path) -> None:
    """Write ``runs.parquet`` :data:`RUNS_CHUNK` runs at a time (atomically)."""
    tmp = _tmp_name(out)
    writer: pq.ParquetWriter | None = None
    try:
        for start in range(0, max(len(specs), 1), RUNS_CHUNK):
            chunk = _to_arrow(runs_table(specs[start:start + RUNS_CHUNK], status))
            if writer is None:
                writer = pq.ParquetWriter(tmp, chunk.schema, **_parquet_options(chunk.schema))
            elif not chunk.schema.equals(writer.schema, check_metadata=False):
                chunk = chunk.cast(writer.schema)
            writer.write_table(chunk)
        assert writer is not None
        writer.close()
        writer = None
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    finally:
        if writer is not None:
            writer.close()
        tmp.unlink(missing_ok=True)
    _fsync_dir(out.parent)


# --------------------------------------------------------------------------------------------
# Parts: one finished run, written by a worker or by the coordinator
# --------------------------------------------------------------------------------------------


def run_meta(spec: RunSpec, started: str, finished: str, seconds: float) -> dict[str, Any]:
    """The ``run.json`` of a part: ids, seed, point, replicate, the spec's hash, times."""
    return {"run_id": spec.run_id, "seed": spec.seed, "point": spec.point,
            "replicate": spec.replicate, "spec_hash": spec_hash(spec), "started": started,
            "finished": finished, "seconds": round(seconds, 3)}


def encode_part(meta: dict[str, Any], tables: dict[str, pd.DataFrame | None]) -> dict[str, bytes]:
    """Encode one run's files: ``run.json`` and one Parquet file per table.

    Args:
        meta: the part's ``run.json`` (:func:`run_meta`).
        tables: ``series``, ``events``, ``panel`` (given their schema dtypes) and ``summary``;
            None values are left out.

    Returns:
        File name → bytes, ready for :func:`write_part` (or to be sent to the coordinator).
    """
    files: dict[str, bytes] = {}
    for name, frame in tables.items():
        if frame is None:
            continue
        if name != "summary":
            frame = _normalize(frame, name)
        files[f"{name}.parquet"] = _parquet_bytes(frame)
    files[RUN_JSON] = (json.dumps(meta, indent=2) + "\n").encode()
    return files


def write_part(parts: str | Path, run_id: int, files: dict[str, bytes]) -> bool:
    """Write one run's files as ``parts/run-NNNNNN/``, atomically (temporary name, rename).

    ``run.json`` is written last, so a directory holding it is complete.

    Returns:
        True if written, False if the run was already stored (the first copy is kept).
    """
    parts = Path(parts)
    final = parts / f"run-{run_id:06d}"
    tmp = parts / f".tmp-{final.name}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir(parents=True)
    try:
        for name in sorted(files, key=lambda n: n == RUN_JSON):
            with open(tmp / name, "wb") as fh:
                fh.write(files[name])
                fh.flush()
                os.fsync(fh.fileno())
        _fsync_dir(tmp)
        try:
            os.rename(tmp, final)
        except OSError:
            if not final.is_dir():
                raise
            log.warning("run %d was already stored; keeping the first copy", run_id)
            return False
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    _fsync_dir(parts)
    return True


@dataclass(frozen=True, slots=True)
class PartSink:
    """Where a worker writes its finished run, if it can reach the results folder.

    The coordinator leaves a random token in ``parts/``; a worker that reads the same token at
    the same path shares the folder (same machine, or a shared file system) and writes its
    part itself. Any other worker sends its files back.

    Attributes:
        parts: the folder's ``parts`` directory, as the coordinator sees it.
        token: the token of this invocation.
    """

    parts: str
    token: str

    def reachable(self) -> bool:
        """Whether this process sees the coordinator's folder."""
        try:
            return (Path(self.parts) / SINK_TOKEN).read_text() == self.token
        except OSError:
            return False

    def write(self, run_id: int, files: dict[str, bytes]) -> bool:
        """Write a part (see :func:`write_part`)."""
        return write_part(self.parts, run_id, files)


# --------------------------------------------------------------------------------------------
# What a folder stores (run.series, run.events)
# --------------------------------------------------------------------------------------------


def _outputs_entry(outputs: OutputSelection, sectors: Sequence[str]) -> dict[str, Any]:
    """The manifest's ``outputs``: the selection, and with one the series columns it keeps."""
    entry = outputs.to_dict()
    if outputs.series is not None:
        entry["series_columns"] = outputs.series_columns(series_columns(sectors))
    return entry


def stored_outputs(manifest: dict[str, Any]) -> OutputSelection:
    """The selection a folder was made with (its manifest's ``outputs``; absent: everything)."""
    return OutputSelection.from_dict(manifest.get("outputs"))


def _show_selection(outputs: OutputSelection) -> str:
    def one(names: tuple[str, ...] | None) -> str:
        return "(everything)" if names is None else json.dumps(list(names))

    return f"run.series = {one(outputs.series)}, run.events = {one(outputs.events)}"


def _check_same_outputs(path: Path, manifest: dict[str, Any], outputs: OutputSelection) -> None:
    """Refuse to resume a folder with another selection (its runs would differ in columns)."""
    old = stored_outputs(manifest)
    if old != outputs:
        raise StoreError(f"{path}: was made with {_show_selection(old)}; this command asks for "
                         f"{_show_selection(outputs)}. --resume needs the same selection (the "
                         "runs already stored would otherwise have other columns): use the "
                         "scenario and --set values the folder was made with, or start a new "
                         "folder")


def folder_sectors(manifest: dict[str, Any], columns: Iterable[str] = ()) -> list[str]:
    """The sectors of a folder's runs, in order.

    From the manifest's parameters (``sectors.<name>.<field>``); for a folder without them
    (made by hand), the sectors of the series ``columns`` (``<quantity>.<sector>``); else the
    default sectors.
    """
    out: list[str] = []
    for key in manifest.get("params", {}):
        parts = key.split(".")
        if parts[0] == "sectors" and len(parts) == 3 and parts[1] not in out:
            out.append(parts[1])
    if not out:
        out = sectors_in(columns)
    if not out:
        from ..model.params import Params

        out = list(Params().sector_names)
    return out


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
                     f"store (it was made with {_show_selection(stored_outputs(manifest))}); "
                     f"{' and '.join(fixes)} in the scenario (or leave {keys} out to store "
                     "everything) and run it again")


# --------------------------------------------------------------------------------------------
# Writing a folder
# --------------------------------------------------------------------------------------------


class ResultsFolder:
    """A results folder being written (see the module docstring for its layout).

    Use :meth:`create` for a new folder or :meth:`open` to resume one, then :meth:`begin`,
    :meth:`write_run` per result, and :meth:`finish`.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.manifest: dict[str, Any] = {}
        self._specs: dict[int, RunSpec] = {}
        self._failed: dict[int, dict[str, Any]] = {}
        self._complete = False
        self.sink: PartSink | None = None

    # ---- opening ----
    @classmethod
    def create(cls, root: str | Path, name: str) -> ResultsFolder:
        """Create ``<root>/<name>/<YYYYmmdd-HHMMSS>[-k]/`` (never reusing a folder)."""
        parent = Path(root) / name
        parent.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        for k in range(1, 1000):
            path = parent / (stamp if k == 1 else f"{stamp}-{k}")
            try:
                path.mkdir()
            except FileExistsError:
                continue
            return cls(path)
        raise StoreError(f"{parent}: cannot create a new results folder")  # pragma: no cover

    @classmethod
    def open(cls, path: str | Path) -> ResultsFolder:
        """Open an existing folder to resume it.

        Raises:
            StoreError: if the path is not a results folder.
        """
        path = Path(path)
        if not path.is_dir():
            raise StoreError(f"{path}: no such results folder")
        # an empty folder is one killed before its manifest was written
        if not (path / MANIFEST).is_file() and not (path / PARTS).is_dir() \
                and any(p for p in path.iterdir() if not p.name.startswith(".tmp-")):
            raise StoreError(f"{path}: not a results folder (no {MANIFEST})")
        return cls(path)

    # ---- parts ----
    @property
    def parts(self) -> Path:
        """Where finished runs wait to be gathered."""
        return self.path / PARTS

    def _part(self, run_id: int) -> Path:
        return self.parts / f"run-{run_id:06d}"

    def _failed_marker(self, run_id: int) -> Path:
        return self.parts / f"run-{run_id:06d}.failed.json"

    def done_runs(self) -> dict[int, dict[str, Any]]:
        """Finished runs present as parts: run id → the part's ``run.json``."""
        out: dict[int, dict[str, Any]] = {}
        if not self.parts.is_dir():
            return out
        for part in self.parts.glob("run-*"):
            if not part.is_dir():
                continue
            try:
                meta = json.loads((part / "run.json").read_text())
                out[int(meta["run_id"])] = meta
            except (OSError, ValueError, KeyError) as exc:
                raise StoreError(f"{part}: unreadable run ({exc})") from exc
        return out

    # ---- the life of a folder ----
    def begin(self, scenario: Scenario, specs: Sequence[RunSpec],
              command: Iterable[str] | None = None) -> list[RunSpec]:
        """Write (or, resuming, check and update) the manifest; return the runs still to do.

        Also writes a sweep's sample matrix (``sweep.parquet``) and the token through which
        workers recognise the folder (:attr:`sink`).

        Raises:
            StoreError: when resuming a folder made for other runs.
        """
        self._specs = {s.run_id: s for s in specs}
        fingerprint = _fingerprint(specs)
        invocation = {"started": _now(), "command": list(command or []), "cwd": os.getcwd(),
                      "pid": os.getpid()}
        manifest_path = self.path / MANIFEST
        for leftover in self.path.glob(".tmp-*"):  # files whose writing was killed
            leftover.unlink(missing_ok=True)
        if manifest_path.is_file():
            try:
                old = json.loads(manifest_path.read_text())
            except ValueError as exc:
                raise StoreError(f"{manifest_path}: unreadable manifest ({exc})") from exc
            _check_same_outputs(self.path, old, scenario.outputs)
            if old.get("fingerprint") != fingerprint:
                raise StoreError(
                    f"{self.path}: was made for other runs (scenario "
                    f"{old.get('scenario', {}).get('name')!r}, {len(old.get('runs', []))} runs);"
                    " --resume needs the same scenario, overrides, seeds and months")
            self.manifest = old
            self.manifest.setdefault("invocations", []).append(invocation)
            if old.get("status") == "complete":
                self._complete = True
                if self.parts.exists():  # killed while removing parts
                    shutil.rmtree(self.parts, ignore_errors=True)
                _atomic_write_json(manifest_path, self.manifest)
                return []
        else:
            self.manifest = self._new_manifest(scenario, specs, fingerprint)
            self.manifest["invocations"] = [invocation]
        if scenario.sweep is not None and not (self.path / SWEEP).is_file():
            from .sweep import sample_matrix

            matrix = sample_matrix(scenario.sweep, scenario.params, scenario.seed_root)
            _atomic_write_parquet(matrix.reset_index(), self.path / SWEEP)
        self.parts.mkdir(exist_ok=True)
        for leftover in self.parts.glob(".tmp-*"):
            shutil.rmtree(leftover, ignore_errors=True) if leftover.is_dir() \
                else leftover.unlink(missing_ok=True)
        token = uuid.uuid4().hex
        _atomic_write_bytes(self.parts / SINK_TOKEN, token.encode())
        self.sink = PartSink(str(self.parts.resolve()), token)
        done = self.done_runs()
        for run_id, meta in done.items():
            spec = self._specs.get(run_id)
            if spec is None or meta.get("spec_hash") != spec_hash(spec):
                raise StoreError(f"{self._part(run_id)}: made with other parameters, seed or "
                                 "stored outputs (run.series, run.events) than this command "
                                 "asks for")
        self.manifest["status"] = "running"
        self.manifest["runs"] = self._run_rows(done)
        _atomic_write_json(manifest_path, self.manifest)
        return [s for s in specs if s.run_id not in done]

    def _new_manifest(self, scenario: Scenario, specs: Sequence[RunSpec],
                      fingerprint: str) -> dict[str, Any]:
        params = scenario.params
        seeds: dict[str, Any] = {"root": scenario.seed_root, "replications": len(scenario.seeds),
                                 "per_run": [s.seed for s in specs]}
        manifest: dict[str, Any] = {
            "format_version": FORMAT_VERSION,
            "tool": "regcycle",
            "id": self.path.name,
            "status": "running",
            "started": _now(),
            "finished": None,
            "scenario": {
                "name": scenario.name,
                "description": scenario.description,
                "path": scenario.path,
                "hash": scenario.hash,
                "files": [{"path": s.path, "sha256": s.sha256, "text": s.text}
                          for s in scenario.sources],
                "overrides": dict(scenario.overrides),
            },
            "params": params.to_flat_dict(),
            "seeds": seeds,
            "outputs": _outputs_entry(scenario.outputs, params.sector_names),
            "fingerprint": fingerprint,
            "versions": _versions(),
            "git": _git(),
            "platform": _platform(),
            "files": {"runs": RUNS, "series": SERIES, "events": EVENTS,
                      "panel": PANEL if params.run.firm_panel_every else None,
                      "summary": SUMMARY, "overview": OVERVIEW},
        }
        if scenario.sweep is not None:
            from .sweep import salib_problem, sampler_seed

            sweep = scenario.sweep
            seeds["per_replication"] = list(scenario.seeds)
            manifest["sweep"] = {**sweep.to_dict(), "replications": len(scenario.seeds),
                                 "runs": len(specs)}
            if sweep.design.sampled:
                manifest["sweep"]["sampler_seed"] = sampler_seed(sweep, scenario.seed_root)
                manifest["sweep"]["salib_problem"] = salib_problem(sweep)
            manifest["files"]["sweep"] = SWEEP
        return manifest

    def _run_rows(self, done: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
        rows = []
        for run_id, spec in sorted(self._specs.items()):
            row: dict[str, Any] = {"run_id": run_id, "seed": spec.seed, "point": spec.point,
                                   "replicate": spec.replicate}
            if run_id in done:
                meta = done[run_id]
                row |= {"status": "done", "started": meta.get("started"),
                        "finished": meta.get("finished"), "seconds": meta.get("seconds")}
            elif run_id in self._failed:
                row |= {"status": "failed", **{k: self._failed[run_id].get(k) for k in
                                               ("started", "finished", "seconds", "error")}}
                if spec.swept:
                    row["params"] = dict(spec.swept)
            else:
                row["status"] = "pending"
            rows.append(row)
        return rows

    def record(self, record: RunRecord) -> None:
        """Take note of one finished run (from :func:`sim.experiment.runner.execute`).

        A run its worker already stored needs nothing more; the files of one sent back are
        written here; a failed run leaves a ``.failed.json`` marker with its error and
        parameters, and is listed as failed in the manifest when the folder is finished.
        """
        spec = self._specs[record.run_id]
        if not record.ok:
            self._failed[record.run_id] = {
                **run_meta(spec, record.started, record.finished, record.seconds),
                "params": dict(spec.swept), "error": record.error}
            _atomic_write_json(self._failed_marker(record.run_id), self._failed[record.run_id])
            log.error("run %d (seed %d) failed:\n%s", record.run_id, record.seed, record.error)
            return
        if not record.stored:
            assert record.files is not None
            write_part(self.parts, record.run_id, record.files)
        self._failed.pop(record.run_id, None)
        self._failed_marker(record.run_id).unlink(missing_ok=True)

    def write_run(self, result: RunResult) -> None:
        """Store one run's result atomically (a failed run leaves a ``.failed.json`` marker)."""
        from .runner import record_of

        self.record(record_of(self._specs[result.run_id], result))

    def mark_interrupted(self) -> None:
        """Record in the manifest that this invocation stopped early (best effort)."""
        if not self.manifest:
            return
        try:
            self.manifest["status"] = "interrupted"
            self.manifest["runs"] = self._run_rows(self.done_runs())
            _atomic_write_json(self.path / MANIFEST, self.manifest)
        except (OSError, StoreError):  # pragma: no cover - best effort while stopping
            pass

    def finish(self, specs: Sequence[RunSpec]) -> dict[str, Any]:
        """Gather the parts into the folder's tables and complete the manifest.

        The parts are streamed in run order (memory stays bounded however many runs there
        are). When every run is done the folder is marked ``complete`` and the parts are
        removed; otherwise it is ``incomplete`` (failed runs listed in the manifest, with their
        errors and swept parameters) and the parts stay for a later ``--resume``.

        Returns:
            The manifest.
        """
        manifest_path = self.path / MANIFEST
        if self._complete:
            self.manifest["invocations"][-1]["finished"] = _now()
            _atomic_write_json(manifest_path, self.manifest)
            return self.manifest
        done = self.done_runs()
        ids = sorted(done)
        parts = [self._part(run_id) for run_id in ids]
        status = {s.run_id: ("done" if s.run_id in done else
                             "failed" if s.run_id in self._failed else "pending") for s in specs}
        has_panel = bool(specs and specs[0].params.run.firm_panel_every)
        stored = None
        if specs:  # the columns of an empty series table (no run done)
            outputs = specs[0].outputs
            stored = [*ID_COLUMNS,
                      *outputs.series_columns(series_columns(specs[0].params.sector_names))]
        _gather_parts(parts, "series.parquet", self.path / SERIES, "series", stored)
        _gather_parts(parts, "events.parquet", self.path / EVENTS, "events")
        if has_panel:
            _gather_parts(parts, "panel.parquet", self.path / PANEL, "panel")
        _write_runs(specs, status, self.path / RUNS)
        if parts and all((p / SUMMARY).is_file() for p in parts):
            _gather_parts(parts, SUMMARY, self.path / SUMMARY, "summary")
        else:  # computed in the workers; remade from the tables if a part lacks it
            from ..analysis.results import write_summary

            write_summary(self.path)
        complete = len(done) == len(specs)
        self.manifest["status"] = "complete" if complete else "incomplete"
        self.manifest["finished"] = _now()
        self.manifest["runs"] = self._run_rows(done)
        self.manifest["invocations"][-1]["finished"] = self.manifest["finished"]
        _atomic_write_json(manifest_path, self.manifest)
        if complete:
            shutil.rmtree(self.parts, ignore_errors=True)
        return self.manifest

    def write_overview(self, run_id: int | None = None) -> Path | None:
        """Write ``overview.png``: enforcement per sector with phases shaded, for one run.

        Args:
            run_id: the run to draw (default: the first run present).

        Returns:
            The image's path, or None when there is nothing to draw or plotting failed
            (logged; a missing plot never fails a run).
        """
        path = self.path / SERIES
        if not path.is_file():
            return None
        try:
            from matplotlib.figure import Figure

            from ..plots import plot_overview

            columns = pq.read_schema(path).names
            sectors = [sector for quantity, sector in map(split_column, columns)
                       if quantity == "phase" and sector is not None
                       and sector_column("enforcement", sector) in columns]
            if not sectors:
                log.warning("no %s: it draws enforcement.<sector> and phase.<sector>, and this "
                            "folder stores no sector with both (add \"enforcement\" and "
                            "\"phase\" to run.series in the scenario to have it)", OVERVIEW)
                return None
            ids = pq.read_table(path, columns=["run_id"]).column("run_id")
            if len(ids) == 0:
                return None
            rid = int(pc.min(ids).as_py()) if run_id is None else run_id
            # only that run's rows are read: memory does not grow with the number of runs
            rows = pq.read_table(path, filters=[("run_id", "=", rid)]).to_pandas()
            series = _normalize(rows, "series")
            one = series.drop(columns=list(ID_COLUMNS)).reset_index(drop=True)
            seed = int(series["seed"].iloc[0])
            name = self.manifest.get("scenario", {}).get("name", self.path.parent.name)
            fig = Figure(figsize=(10, 4.5), layout="constrained")
            ax = fig.subplots()
            plot_overview(one, ax=ax, sectors=sectors, title=f"{name}: run {rid} (seed {seed})")
            out = self.path / OVERVIEW
            tmp = _tmp_name(out)
            try:
                fig.savefig(tmp, format="png", dpi=120)
                os.replace(tmp, out)
            finally:
                tmp.unlink(missing_ok=True)
            return out
        except Exception as exc:  # the plot is a courtesy, not a result
            log.warning("could not draw %s: %s", OVERVIEW, exc)
            return None


# --------------------------------------------------------------------------------------------
# Reading a folder
# --------------------------------------------------------------------------------------------


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
    # Parquet has no second-resolution timestamps: _normalize restores the schema's dtypes
    series = _normalize(pd.read_parquet(path / SERIES), "series")
    events = _normalize(pd.read_parquet(path / EVENTS), "events")
    panel = _normalize(pd.read_parquet(path / PANEL), "panel") if (path / PANEL).is_file() \
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
