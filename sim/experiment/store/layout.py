"""The layout of a results folder: its file names, its format constants and :class:`StoreError`.

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
    overview.png      enforcement per sector with phases shaded, run 0 (sim.plots.overview)
    parts/            while runs are going on: one directory per finished run (run-NNNNNN/), or,
                      for runs stored together by one worker, a chunk (chunk-NNNNNN-xxxxxxxx/:
                      the runs' tables in one file each, and runs.json) and one link per run
                      (run-NNNNNN -> the chunk)

Every name is declared here once; the modules that write and read folders
(:mod:`sim.experiment.store` and the modules it gathers) and the analyses that read them
(:mod:`sim.analysis.results`) take them from here. This module imports nothing of the project.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "CHUNK_JSON",
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
    "StoreError",
    "part_dir",
]

FORMAT_VERSION = 1
"""Version of the folder's layout, recorded in the manifest."""
MANIFEST = "manifest.json"
RUNS = "runs.parquet"
SERIES = "series.parquet"
EVENTS = "events.parquet"
PANEL = "panel.parquet"
SUMMARY = "summary.parquet"
"""File name of the per-run summary table (cycle metrics) in a results folder."""
SWEEP = "sweep.parquet"
OVERVIEW = "overview.png"
PARTS = "parts"
"""Directory of the finished runs until they are gathered into the tables."""
RUN_JSON = "run.json"
"""A part's metadata, written last: a part holding it is complete."""
CHUNK_JSON = "runs.json"
"""A chunk's metadata: one :data:`RUN_JSON` entry per run, with the rows of each table it holds."""
SINK_TOKEN = ".sink-token"
"""File in ``parts/`` through which a worker recognises the coordinator's folder."""
ID_COLUMNS = ("run_id", "seed")
"""The leading columns of every stored table."""
RUN_COLUMNS = ("run_id", "seed", "scenario", "status", "point", "replicate")
"""The leading columns of ``runs.parquet``; the parameters follow."""


class StoreError(ValueError):
    """A results folder cannot be used as asked (not a results folder, different runs...)."""


def part_dir(parts: Path, run_id: int) -> Path:
    """The directory of one finished run in ``parts/``: ``run-NNNNNN``."""
    return parts / f"run-{run_id:06d}"
