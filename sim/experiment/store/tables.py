"""The tables of a results folder: schema dtypes, Parquet encoding, and streamed writing.

Tables are Parquet with zstd compression; float columns use the byte-stream-split encoding
(lossless: the floats read back are bit for bit those the model produced), the other columns
dictionaries. Every Parquet file of a folder is written here, atomically
(:mod:`sim.experiment.store.files`): whole frames by :func:`write_table`, large tables by
:func:`parquet_stream` a row group at a time (:func:`gather_parts`, :func:`write_runs`), so the
coordinator's memory stays bounded however many runs there are.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ...model.schema import (
    EVENT_COLUMNS,
    PANEL_COLUMNS,
    SECTOR_QUANTITIES,
    SERIES_AGGREGATES,
    Column,
    OutputSelection,
    split_column,
)
from .files import atomic_file, canonical
from .layout import ID_COLUMNS

if TYPE_CHECKING:
    from ..records import RunSpec

__all__ = [
    "ROW_GROUP_PARTS",
    "ROW_GROUP_ROWS",
    "RUNS_CHUNK",
    "ZSTD_LEVEL",
    "PartRows",
    "empty_table",
    "gather_parts",
    "normalize",
    "parquet_bytes",
    "parquet_stream",
    "runs_table",
    "select_outputs",
    "write_runs",
    "write_table",
]

ROW_GROUP_ROWS = 16_384
"""Rows gathered into one Parquet row group: bounds the coordinator's memory when gathering."""
ROW_GROUP_PARTS = 256
"""Parts gathered into one row group at most (each read table has its own schema and metadata:
many one-row summary parts would otherwise add up)."""
RUNS_CHUNK = 256
"""Runs per chunk when writing ``runs.parquet``."""
ZSTD_LEVEL = 3


# --------------------------------------------------------------------------------------------
# Schema dtypes
# --------------------------------------------------------------------------------------------


def _schema(table: str, frame_columns: Iterable[str]) -> dict[str, str]:
    """Schema dtypes by column for one of the output tables."""
    if table == "series":
        dtypes = {c.name: c.dtype for c in SERIES_AGGREGATES}
        quantities = {q.name: q.dtype for q in SECTOR_QUANTITIES}
        for name in frame_columns:
            quantity, sector = split_column(name)
            if sector and quantity in quantities:
                dtypes[name] = quantities[quantity]
        return dtypes
    columns: tuple[Column, ...] = EVENT_COLUMNS if table == "events" else PANEL_COLUMNS
    return {c.name: c.dtype for c in columns}


def normalize(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Give a ``series``, ``events`` or ``panel`` frame the schema's dtypes (as stored).

    Categories are the sorted values found.
    """
    dtypes = _schema(table, frame.columns)
    changed = {}
    for name, col in frame.items():
        dtype = dtypes.get(name, "int64" if name in ID_COLUMNS else None)
        if dtype == "category":
            changed[name] = pd.Series(pd.Categorical(col.astype(object)), name=name,
                                      index=frame.index)
        elif dtype is not None and str(col.dtype) != dtype:
            changed[name] = col.astype(dtype)
    out = frame.copy(deep=False)  # the columns already right are shared, not copied
    for name, col in changed.items():
        out[name] = col
    return out


def empty_table(table: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A table with no rows: the given columns (default: the schema's), with their dtypes."""
    cols = list(columns) if columns is not None else \
        [*ID_COLUMNS, *(c.name for c in (EVENT_COLUMNS if table == "events" else PANEL_COLUMNS))]
    dtypes = _schema(table, cols)
    data = {}
    for c in cols:
        dtype = dtypes.get(c, "int64" if c in ID_COLUMNS else "float64")
        data[c] = pd.Series([], dtype="category" if dtype == "category" else dtype)
    return pd.DataFrame(data)


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


# --------------------------------------------------------------------------------------------
# Parquet encoding and atomic writing
# --------------------------------------------------------------------------------------------


def _parquet_options(schema: pa.Schema) -> dict[str, Any]:
    """Writer options: zstd; byte-stream-split for floats, dictionaries for the other columns."""
    floats = [f.name for f in schema if pa.types.is_floating(f.type)]
    others = [f.name for f in schema if not pa.types.is_floating(f.type)]
    return {"compression": "zstd", "compression_level": ZSTD_LEVEL,
            "use_dictionary": others or False, "use_byte_stream_split": floats or False}


def _to_arrow(frame: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(frame, preserve_index=False)


def parquet_bytes(frame: pd.DataFrame, *, interim: bool = False) -> bytes:
    """A frame encoded as a Parquet file in memory (a part's table, sent or written later).

    ``interim``: for a file read once and gathered into a table (a chunk's): lz4, and floats
    without the byte-stream split, which are about twice as fast to write and read back as
    the tables' zstd (the values are the same; the gathered tables are written as always).
    """
    table = _to_arrow(frame)
    sink = pa.BufferOutputStream()
    options = _parquet_options(table.schema)
    if interim:
        options |= {"compression": "lz4", "use_byte_stream_split": False}
        options.pop("compression_level")
    pq.write_table(table, sink, **options)
    return sink.getvalue().to_pybytes()


@contextlib.contextmanager
def parquet_stream(out: Path) -> Iterator[Callable[[pa.Table], None]]:
    """Write one Parquet file, atomically, from tables given in turn (one row group each).

    The body calls the function yielded with each table, at least once; the first table fixes
    the file's schema and later ones are cast to it (a part whose categories or nulls gave
    another but compatible type). The file appears at ``out`` when the body returns.
    """
    with atomic_file(out) as tmp:
        writer: pq.ParquetWriter | None = None

        def write(table: pa.Table) -> None:
            nonlocal writer
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema, **_parquet_options(table.schema))
            elif not table.schema.equals(writer.schema, check_metadata=False):
                table = table.cast(writer.schema)
            writer.write_table(table)

        try:
            yield write
        finally:  # closed before the file is flushed and renamed, or removed
            if writer is not None:
                writer.close()


def write_table(frame: pd.DataFrame, out: Path) -> Path:
    """Write a whole frame as one Parquet file, atomically (``sweep.parquet``, ``summary.parquet``).

    Returns:
        ``out``.
    """
    with parquet_stream(out) as write:
        write(_to_arrow(frame))
    return out


# --------------------------------------------------------------------------------------------
# Gathering parts into tables
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PartRows:
    """Where one run's rows of a table are: a whole file, or rows of a chunk's file.

    Attributes:
        file: the Parquet file.
        rows: ``(offset, count)`` of the run's rows in a chunk's file; None: the whole file.
    """

    file: Path
    rows: tuple[int, int] | None = None


class _Reader:
    """Reads the parts' files, keeping the last one (a chunk's file serves several runs).

    A chunk's file is read, and its dictionary columns re-encoded, once for all its runs.
    """

    def __init__(self, dictionaries: dict[str, pa.Array] | None = None, keep: int = 1):
        self.dictionaries = dictionaries or {}
        self.keep = keep
        self._cache: dict[Path, pa.Table] = {}

    def table(self, source: PartRows) -> pa.Table:
        """The source's rows, dictionary columns re-encoded on the complete dictionaries."""
        if source.rows is None:
            return self._read(source.file)
        data = self._cache.get(source.file)
        if data is None:
            data = self._read(source.file)
            if len(self._cache) >= self.keep:
                self._cache.pop(next(iter(self._cache)))
            self._cache[source.file] = data
        return data.slice(*source.rows)

    def _read(self, file: Path) -> pa.Table:
        data = pq.read_table(file)
        # an empty table's categories may have no type yet: left as read
        return _recode(data, self.dictionaries) if data.num_rows else data


def _sources(parts: Sequence[Path | PartRows | None], name: str) -> list[PartRows]:
    """The existing sources of one table: a run's part directory means its file ``name``."""
    out = []
    for part in parts:
        if part is None:
            continue
        source = part if isinstance(part, PartRows) else PartRows(part / name)
        if source.file.is_file():
            out.append(source)
    return out


def _dictionary_values(sources: Sequence[PartRows]) -> dict[str, pa.Array]:
    """The sorted union of each dictionary (category) column's values over every part.

    A reader joins the dictionaries of row groups in order of first appearance; written with
    one dictionary, the same everywhere, a file reads back with the same categories however
    its parts were grouped. A chunk's file counts the values of the rows gathered only.
    """
    values: dict[str, set[str]] = {}
    by_file: dict[Path, list[PartRows]] = {}
    for source in sources:
        by_file.setdefault(source.file, []).append(source)
    for file, slices in by_file.items():
        cols = [f.name for f in pq.read_schema(file) if pa.types.is_dictionary(f.type)]
        if not cols:
            continue
        data = pq.read_table(file, columns=cols)
        whole = slices[0].rows is None or sum(r.rows[1] for r in slices if r.rows) == \
            data.num_rows
        for c in cols:
            seen = values.setdefault(c, set())
            if whole:  # a file of its own, or a chunk gathered whole: its categories are used
                for chunk in data.column(c).chunks:
                    seen.update(v for v in chunk.dictionary.to_pylist() if v is not None)
                continue
            column = data.column(c).cast(pa.string())
            for r in slices:
                seen.update(v for v in pc.unique(column.slice(*r.rows)).to_pylist()
                            if v is not None)
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


def _own_metadata(data: pa.Table) -> pa.Table:
    """A run's rows taken from a chunk, with the pandas metadata of a file of its own.

    The metadata differs in one respect: a category column's number of categories (and the
    width of its codes), which for a run of its own counts that run's values only.
    """
    meta = data.schema.metadata or {}
    if b"pandas" not in meta:
        return data
    pandas_meta = json.loads(meta[b"pandas"])
    for column in pandas_meta.get("columns", []):
        if column.get("pandas_type") != "categorical" or column["name"] not in data.column_names:
            continue
        values = data.column(column["name"]).cast(pa.string())
        k = len(pc.unique(values.filter(pc.is_valid(values))))
        column["metadata"] = dict(column.get("metadata") or {}, num_categories=k)
        column["numpy_type"] = next(t for t, top in (("int8", 127), ("int16", 32767),
                                                     ("int32", 2**31 - 1), ("int64", None))
                                    if top is None or k < top)
    return data.replace_schema_metadata({**meta, b"pandas": json.dumps(pandas_meta).encode()})


def gather_parts(parts: Sequence[Path | PartRows | None], name: str, out: Path, table: str,
                 columns: Sequence[str] | None = None) -> None:
    """Stream one table of every part, in the order given, into one Parquet file (atomically).

    Each part is a run's part directory (its file ``name``), or where a run's rows of this
    table are (:class:`PartRows`: runs stored together in a chunk), or None (no such table).
    The file written is the same however the runs were grouped into parts. At most
    :data:`ROW_GROUP_ROWS` rows (plus one part) of at most :data:`ROW_GROUP_PARTS` parts are
    held in memory at a time, however many parts there are (and one chunk's file). A part
    without the file is skipped; with no rows at all, an empty table is written with the
    columns of an empty part, else ``columns`` (the columns stored), else the schema's.
    """
    sources = _sources(parts, name)
    reader = _Reader(_dictionary_values(sources))
    schema: pa.Schema | None = None
    first_empty: pa.Table | None = None
    buffer: list[pa.Table] = []
    rows = 0
    written = False
    with parquet_stream(out) as write:
        for source in sources:
            data = reader.table(source)
            if data.num_rows == 0:  # its categories may have no type yet: never the schema
                first_empty = first_empty if first_empty is not None else data
                continue
            if schema is None:
                if source.rows is not None:
                    data = _own_metadata(data)
                schema = data.schema
            elif not data.schema.equals(schema, check_metadata=False):
                data = data.cast(schema)  # before concatenating: the buffer shares one schema
            buffer.append(data)
            rows += data.num_rows
            if rows >= ROW_GROUP_ROWS or len(buffer) >= ROW_GROUP_PARTS:
                write(pa.concat_tables(buffer))
                buffer, rows, written = [], 0, True
        if buffer:
            write(pa.concat_tables(buffer))
        elif not written:
            if first_empty is not None:
                columns = first_empty.column_names
            write(_to_arrow(normalize(empty_table(table, columns), table)))


def runs_table(specs: Sequence[RunSpec], status: dict[int, str] | None = None) -> pd.DataFrame:
    """One row per run: ``layout.RUN_COLUMNS``, then every resolved parameter.

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
            row[key] = canonical(value) if isinstance(value, (list, tuple, dict)) else value
        rows.append(row)
    frame = pd.DataFrame(rows)
    if len(frame):
        for name in ("run_id", "seed", "point", "replicate"):
            frame[name] = frame[name].astype("int64")
    return frame


def write_runs(specs: Sequence[RunSpec], status: dict[int, str], out: Path) -> None:
    """Write ``runs.parquet`` :data:`RUNS_CHUNK` runs at a time (atomically)."""
    with parquet_stream(out) as write:
        for start in range(0, max(len(specs), 1), RUNS_CHUNK):
            write(_to_arrow(runs_table(specs[start:start + RUNS_CHUNK], status)))
