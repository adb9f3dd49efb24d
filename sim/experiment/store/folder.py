"""Writing a results folder: create or resume it, take note of each run, gather the tables.

The life of a folder (:class:`ResultsFolder`): :meth:`~ResultsFolder.create` a new one or
:meth:`~ResultsFolder.open` one to resume; :meth:`~ResultsFolder.begin` writes (or checks) the
manifest and returns the runs still to do; each finished run is a part
(:mod:`sim.experiment.store.parts`) that :meth:`~ResultsFolder.record` takes note of; when every run
is done :meth:`~ResultsFolder.finish` streams the parts, in run order and a bounded number of
rows at a time, into the folder's tables (:mod:`sim.experiment.store.tables`), marks the manifest
``complete`` and removes the parts. Resuming a folder skips runs whose part exists and checks
that it was made with the same parameters, seed and selection.

This module writes. A run's cycle metrics are computed where the run is made and encoded there
(:func:`sim.experiment.worker.record_of`): the folder only stores records, and imports nothing
of the runner or its workers. Remaking them from the tables is left to the function
:meth:`~ResultsFolder.finish` is given (:func:`sim.analysis.results.write_summary`), and
``overview.png`` is drawn by :mod:`sim.plots.overview`, which reads the finished folder.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...model.schema import series_columns
from .files import atomic_write_bytes, atomic_write_json, utc_now
from .layout import (
    EVENTS,
    ID_COLUMNS,
    MANIFEST,
    PANEL,
    PARTS,
    RUN_JSON,
    RUNS,
    SERIES,
    SINK_TOKEN,
    SUMMARY,
    SWEEP,
    StoreError,
    part_dir,
)
from .manifest import check_same_outputs, new_manifest
from .parts import (
    PartSink,
    fingerprint,
    read_chunk_metas,
    run_meta,
    spec_hash,
    write_chunk,
    write_part,
)
from .tables import PartRows, gather_parts, write_runs, write_table

if TYPE_CHECKING:
    from ..records import BatchRecord, RunRecord, RunSpec
    from ..scenario import Scenario

__all__ = ["ResultsFolder"]

log = logging.getLogger(__name__)


class ResultsFolder:
    """A results folder being written (see :mod:`sim.experiment.store.layout` for its files).

    Use :meth:`create` for a new folder or :meth:`open` to resume one, then :meth:`begin`,
    :meth:`record` per run, and :meth:`finish`.
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
        return part_dir(self.parts, run_id)

    def _failed_marker(self, run_id: int) -> Path:
        return self.parts / f"run-{run_id:06d}.failed.json"

    def done_runs(self) -> dict[int, dict[str, Any]]:
        """Finished runs present as parts: run id → the part's ``run.json``."""
        out: dict[int, dict[str, Any]] = {}
        if not self.parts.is_dir():
            return out
        chunks: dict[str, dict[int, dict[str, Any]]] = {}
        for part in self.parts.glob("run-*"):
            if not part.is_dir():
                continue
            try:
                if part.is_symlink():  # a run stored in a chunk (parts.write_chunk)
                    chunk = os.readlink(part)
                    if chunk not in chunks:
                        chunks[chunk] = read_chunk_metas(self.parts / chunk)
                    meta = chunks[chunk][int(part.name[4:])]
                else:
                    meta = json.loads((part / RUN_JSON).read_text())
                out[int(meta["run_id"])] = meta
            except (OSError, ValueError, KeyError) as exc:
                raise StoreError(f"{part}: unreadable run ({exc})") from exc
        return out

    def _sources(self, done: dict[int, dict[str, Any]], name: str
                 ) -> list[Path | PartRows | None]:
        """Where each done run's rows of one table are, in run order (see ``gather_parts``)."""
        out: list[Path | PartRows | None] = []
        for run_id in sorted(done):
            meta = done[run_id]
            chunk = meta.get("chunk")
            if chunk is None:
                out.append(self._part(run_id))
                continue
            rows = meta.get("rows", {}).get(name.removesuffix(".parquet"))
            out.append(None if rows is None
                       else PartRows(self.parts / chunk / name, (int(rows[0]), int(rows[1]))))
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
        runs_hash = fingerprint(specs)
        invocation = {"started": utc_now(), "command": list(command or []), "cwd": os.getcwd(),
                      "pid": os.getpid()}
        manifest_path = self.path / MANIFEST
        for leftover in self.path.glob(".tmp-*"):  # files whose writing was killed
            leftover.unlink(missing_ok=True)
        if manifest_path.is_file():
            try:
                old = json.loads(manifest_path.read_text())
            except ValueError as exc:
                raise StoreError(f"{manifest_path}: unreadable manifest ({exc})") from exc
            check_same_outputs(self.path, old, scenario.outputs)
            if old.get("fingerprint") != runs_hash:
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
                atomic_write_json(manifest_path, self.manifest)
                return []
        else:
            self.manifest = new_manifest(self.path.name, scenario, specs, runs_hash)
            self.manifest["invocations"] = [invocation]
        if scenario.sweep is not None and not (self.path / SWEEP).is_file():
            from ..sweep import sample_matrix  # lazily: the samplers, only for a sweep

            matrix = sample_matrix(scenario.sweep, scenario.params, scenario.seed_root)
            write_table(matrix.reset_index(), self.path / SWEEP)
        self.parts.mkdir(exist_ok=True)
        for leftover in self.parts.glob(".tmp-*"):
            shutil.rmtree(leftover, ignore_errors=True) if leftover.is_dir() \
                else leftover.unlink(missing_ok=True)
        token = uuid.uuid4().hex
        atomic_write_bytes(self.parts / SINK_TOKEN, token.encode())
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
        atomic_write_json(manifest_path, self.manifest)
        return [s for s in specs if s.run_id not in done]

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
        """Take note of one finished run (from :func:`sim.experiment.worker.execute`).

        A run its worker already stored needs nothing more; the files of one sent back are
        written here; a failed run leaves a ``.failed.json`` marker with its error and
        parameters, and is listed as failed in the manifest when the folder is finished.
        """
        spec = self._specs[record.run_id]
        if not record.ok:
            self._failed[record.run_id] = {
                **run_meta(spec, record.started, record.finished, record.seconds),
                "params": dict(spec.swept), "error": record.error}
            atomic_write_json(self._failed_marker(record.run_id), self._failed[record.run_id])
            log.error("run %d (seed %d) failed:\n%s", record.run_id, record.seed, record.error)
            return
        if not record.stored:
            assert record.files is not None
            write_part(self.parts, record.run_id, record.files)
        self._failed.pop(record.run_id, None)
        self._failed_marker(record.run_id).unlink(missing_ok=True)

    def record_batch(self, batch: BatchRecord) -> None:
        """Take note of a batch's runs (from :func:`sim.experiment.worker.execute_batch`).

        The chunk of a batch sent back is written here first (:func:`write_chunk`); then each
        run is taken note of as by :meth:`record`.
        """
        if batch.files is not None:
            write_chunk(self.parts, batch.files)
            for record in batch.records:
                record.stored = record.ok
        for record in batch.records:
            self.record(record)

    def mark_interrupted(self) -> None:
        """Record in the manifest that this invocation stopped early (best effort)."""
        if not self.manifest:
            return
        try:
            self.manifest["status"] = "interrupted"
            self.manifest["runs"] = self._run_rows(self.done_runs())
            atomic_write_json(self.path / MANIFEST, self.manifest)
        except (OSError, StoreError):  # pragma: no cover - best effort while stopping
            pass

    def finish(self, specs: Sequence[RunSpec],
               remake_summary: Callable[[Path], object] | None = None) -> dict[str, Any]:
        """Gather the parts into the folder's tables and complete the manifest.

        The parts are streamed in run order (memory stays bounded however many runs there
        are). When every run is done the folder is marked ``complete`` and the parts are
        removed; otherwise it is ``incomplete`` (failed runs listed in the manifest, with their
        errors and swept parameters) and the parts stay for a later ``--resume``.

        Args:
            specs: every run of the folder.
            remake_summary: called with the folder's path, once its tables are written, when a
                part lacks its row of ``summary.parquet`` (its worker could not compute the
                cycle metrics): :func:`sim.analysis.results.write_summary`, which computes them
                from the tables. Given by the caller so that storing does not depend on
                analysing; without it, such a folder's summary is left to be remade when read
                (:func:`sim.analysis.results.load_summary`).

        Returns:
            The manifest.
        """
        manifest_path = self.path / MANIFEST
        if self._complete:
            self.manifest["invocations"][-1]["finished"] = utc_now()
            atomic_write_json(manifest_path, self.manifest)
            return self.manifest
        done = self.done_runs()
        status = {s.run_id: ("done" if s.run_id in done else
                             "failed" if s.run_id in self._failed else "pending") for s in specs}
        has_panel = bool(specs and specs[0].params.run.firm_panel_every)
        stored = None
        if specs:  # the columns of an empty series table (no run done)
            outputs = specs[0].outputs
            stored = [*ID_COLUMNS,
                      *outputs.series_columns(series_columns(specs[0].params.sector_names))]
        gather_parts(self._sources(done, SERIES), SERIES, self.path / SERIES, "series", stored)
        gather_parts(self._sources(done, EVENTS), EVENTS, self.path / EVENTS, "events")
        if has_panel:
            gather_parts(self._sources(done, PANEL), PANEL, self.path / PANEL, "panel")
        write_runs(specs, status, self.path / RUNS)
        summaries = self._sources(done, SUMMARY)
        if summaries and all(p is not None and (p.file if isinstance(p, PartRows)
                                                else p / SUMMARY).is_file() for p in summaries):
            gather_parts(summaries, SUMMARY, self.path / SUMMARY, "summary")
        elif remake_summary is not None:  # computed in the workers; remade if a part lacks it
            remake_summary(self.path)
        else:
            log.warning("%s: a run has no cycle metrics; %s is remade when read "
                        "(sim.analysis.results.load_summary, regcycle summarize)",
                        self.path, SUMMARY)
        complete = len(done) == len(specs)
        self.manifest["status"] = "complete" if complete else "incomplete"
        self.manifest["finished"] = utc_now()
        self.manifest["runs"] = self._run_rows(done)
        self.manifest["invocations"][-1]["finished"] = self.manifest["finished"]
        atomic_write_json(manifest_path, self.manifest)
        if complete:
            shutil.rmtree(self.parts, ignore_errors=True)
        return self.manifest
