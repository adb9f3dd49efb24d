"""Results folders: atomic per-run writes, resume, manifest, and loading into pandas.

The module to import for results folders: it re-exports the names of the modules that do the
work, one responsibility each. Each imports only modules listed before it (and the model;
the sweep's samplers when a folder holds a sweep):

* :mod:`sim.experiment.records`: :class:`~sim.experiment.records.RunSpec` and the other plain
  records the runner and the store exchange;
* :mod:`sim.experiment.store.layout`: the folder's files (one folder per invocation of
  ``regcycle run``, ``results/<scenario>/<id>/``: ``manifest.json``; the ``runs``, ``series``,
  ``events``, ``panel``, ``summary`` and ``sweep`` Parquet tables; ``overview.png``) and
  :class:`StoreError`;
* :mod:`sim.experiment.store.files`: atomic files (temporary name, then rename);
* :mod:`sim.experiment.store.tables`: schema dtypes and the Parquet encoding (zstd; floats in the
  byte-stream-split encoding, lossless), written whole or streamed a bounded number of rows at
  a time;
* :mod:`sim.experiment.store.parts`: one finished run, ``parts/run-NNNNNN/``, written by its worker
  when it can reach the folder (:class:`PartSink`), else by the coordinator; or a batch of
  runs made by one worker, stored together as a chunk (``parts/chunk-*/``, one file per table)
  with a link ``run-NNNNNN`` per run;
* :mod:`sim.experiment.store.manifest`: provenance, and what the folder stores (``run.series``,
  ``run.events``);
* :mod:`sim.experiment.worker`: one run made, its cycle metrics computed from the full tables
  (:mod:`sim.analysis.summary`, at the call) before they are trimmed to the selection, so the
  summary does not depend on it, and its part encoded;
* :mod:`sim.experiment.store.folder`: :class:`ResultsFolder`, the life of a folder: begin (or
  resume: runs whose part exists are skipped, their hash checked), record each run, finish
  (the parts streamed in run order into the tables, the manifest marked ``complete``);
* :mod:`sim.experiment.store.reading`: :func:`load_results` and the other readers;
  :func:`require_stored` names what a folder's selection left out that an analysis needs.

None of them imports the runner, the plots or :mod:`sim.analysis.results`: ``summary.parquet``
is remade from the tables by :mod:`sim.analysis.results` and ``overview.png`` drawn by
:mod:`sim.plots.overview`, both reading and writing folders through this module.
"""

from __future__ import annotations

from .folder import ResultsFolder
from .layout import (
    EVENTS,
    FORMAT_VERSION,
    ID_COLUMNS,
    MANIFEST,
    OVERVIEW,
    PANEL,
    PARTS,
    RUN_COLUMNS,
    RUN_JSON,
    RUNS,
    SERIES,
    SINK_TOKEN,
    SUMMARY,
    SWEEP,
    StoreError,
)
from .manifest import folder_sectors, stored_outputs
from .parts import PartSink, encode_part, run_meta, spec_hash, write_part
from .reading import (
    Results,
    latest_results,
    load_results,
    load_run_series,
    load_series,
    read_manifest,
    require_stored,
    stored_series_columns,
)
from .tables import normalize, runs_table, select_outputs, write_table

__all__ = [
    "EVENTS",
    "FORMAT_VERSION",
    "ID_COLUMNS",
    "MANIFEST",
    "OVERVIEW",
    "PANEL",
    "PARTS",
    "RUNS",
    "RUN_COLUMNS",
    "RUN_JSON",
    "SERIES",
    "SINK_TOKEN",
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
    "load_run_series",
    "load_series",
    "normalize",
    "read_manifest",
    "require_stored",
    "run_meta",
    "runs_table",
    "select_outputs",
    "spec_hash",
    "stored_outputs",
    "stored_series_columns",
    "write_part",
    "write_table",
]
