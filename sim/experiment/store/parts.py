"""Parts: one finished run of a results folder, written by its worker or by the coordinator.

While runs are going on, each finished run is a directory ``parts/run-NNNNNN/`` written under
a temporary name and renamed into place, so a run is either fully present or absent whatever
kills the process. ``run.json`` (:func:`run_meta`) is written last and carries the hash of
what determines the run's output (:func:`spec_hash`): resuming a folder checks it. The part is
written by the worker that made the run when it can reach the folder (:class:`PartSink`
checks a token the coordinator leaves in ``parts/``), otherwise the worker sends the encoded
files back (:func:`encode_part`) and the coordinator writes them (:func:`write_part`).

Runs a worker made one after another (a batch, :class:`sim.experiment.records.RunBatch`) are
stored together: :func:`encode_chunk` encodes their tables once, concatenated, and
:func:`write_chunk` writes them as ``parts/chunk-NNNNNN-xxxxxxxx/`` (the tables and
``runs.json``, each run's ``run.json`` with its rows in each table), then makes each run
visible as ``parts/run-NNNNNN``, a link to the chunk. A run is done once its link exists:
a chunk whose links were never made (the process was killed in between) is ignored, and its
runs are made again on resume.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import shutil
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .files import canonical, fsync_dir
from .layout import CHUNK_JSON, RUN_JSON, SINK_TOKEN, part_dir
from .tables import normalize, parquet_bytes

if TYPE_CHECKING:
    import pandas as pd

    from ..records import RunSpec

__all__ = [
    "CHUNK_PREFIX",
    "PartSink",
    "encode_chunk",
    "encode_part",
    "fingerprint",
    "run_meta",
    "spec_hash",
    "write_chunk",
    "write_part",
]

CHUNK_PREFIX = "chunk-"
"""Name of a chunk's directory in ``parts/``: ``chunk-<first run id>-<random>``."""

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=4096)
def _spec_hash(spec: RunSpec) -> str:
    payload: dict[str, Any] = {"run_id": spec.run_id, "seed": spec.seed,
                               "params": spec.params.to_flat_dict()}
    if not spec.outputs.is_default:
        payload["outputs"] = spec.outputs.to_dict()
    return hashlib.sha256(canonical(payload).encode()).hexdigest()


def spec_hash(spec: RunSpec) -> str:
    """A hash of what determines a run's stored output: id, seed, every parameter, selection.

    The selection (``run.series``, ``run.events``) enters only when it is not the default, so
    folders made before it existed keep their hashes. (Cached: the coordinator hashes every
    run when it begins a folder, the worker again when it stores the run.)
    """
    try:
        return _spec_hash(spec)
    except TypeError:  # a spec that cannot be hashed (parameters of a test double)
        return _spec_hash.__wrapped__(spec)


def fingerprint(specs: Sequence[RunSpec]) -> str:
    """A hash of every run of a folder (the manifest's ``fingerprint``; resume compares it)."""
    h = hashlib.sha256()
    for spec in specs:
        h.update(spec_hash(spec).encode())
    return h.hexdigest()


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
            frame = normalize(frame, name)
        files[f"{name}.parquet"] = parquet_bytes(frame)
    files[RUN_JSON] = (json.dumps(meta, indent=2) + "\n").encode()
    return files


def write_part(parts: str | Path, run_id: int, files: dict[str, bytes]) -> bool:
    """Write one run's files as ``parts/run-NNNNNN/``, atomically (temporary name, rename).

    ``run.json`` is written last, so a directory holding it is complete. (A directory, not a
    file: ``files.atomic_file`` does not apply, the rename is of the whole.)

    Returns:
        True if written, False if the run was already stored (the first copy is kept).
    """
    parts = Path(parts)
    final = part_dir(parts, run_id)
    tmp = parts / f".tmp-{final.name}-{uuid.uuid4().hex[:8]}"
    try:
        _write_dir(tmp, files, RUN_JSON)
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
    fsync_dir(parts)
    return True


def encode_chunk(entries: Sequence[tuple[dict[str, Any], dict[str, pd.DataFrame | None]]]
                 ) -> dict[str, bytes]:
    """Encode several runs' files together: one Parquet file per table, and ``runs.json``.

    One run is encoded as a part of its own (:func:`encode_part`). Several are concatenated
    table by table in the order given, each table encoded once (what a run costs to store then
    hardly depends on the number of columns); ``runs.json`` lists each run's ``run.json`` with
    the rows it holds in each table (``"rows": {"series": [offset, count], ...}``).
    :func:`sim.experiment.store.tables.gather_parts` reads each run's rows back as if it had
    its own part.

    Args:
        entries: per run, its ``run.json`` (:func:`run_meta`) and its tables as for
            :func:`encode_part`.

    Returns:
        File name → bytes, ready for :func:`write_chunk`.
    """
    import pandas as pd

    if len(entries) == 1:
        return encode_part(*entries[0])
    metas = [dict(meta, rows={}) for meta, _ in entries]
    files: dict[str, bytes] = {}
    names = list(dict.fromkeys(name for _, tables in entries for name in tables))
    for name in names:
        frames = []
        offset = 0
        for meta, (_, tables) in zip(metas, entries, strict=True):
            frame = tables.get(name)
            if frame is None:
                continue
            meta["rows"][name] = [offset, len(frame)]
            offset += len(frame)
            frames.append(frame)
        if not frames:
            continue
        frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        if name != "summary":
            frame = normalize(frame, name)
        files[f"{name}.parquet"] = parquet_bytes(frame, interim=True)
    files[CHUNK_JSON] = (json.dumps(metas, indent=1) + "\n").encode()
    return files


def _write_dir(tmp: Path, files: dict[str, bytes], last: str) -> None:
    """Write files into a new temporary directory, ``last`` last, each flushed to disk."""
    tmp.mkdir(parents=True)
    for name in sorted(files, key=lambda n: n == last):
        with open(tmp / name, "wb") as fh:
            fh.write(files[name])
            fh.flush()
            os.fsync(fh.fileno())
    fsync_dir(tmp)


def write_chunk(parts: str | Path, files: dict[str, bytes]) -> list[int]:
    """Write runs encoded by :func:`encode_chunk`; return the run ids stored.

    A single run is a part of its own (:func:`write_part`). A chunk is written as a directory
    under a temporary name and renamed into place (``chunk-<first run>-<random>/``), then each
    of its runs becomes visible as ``run-NNNNNN``, a symbolic link to the chunk (created
    atomically; the directory is flushed to disk once for all of them). A run already stored
    keeps its first copy. Where links cannot be made, each run gets a directory holding its
    ``run.json`` and the name of its chunk.
    """
    parts = Path(parts)
    if RUN_JSON in files:
        meta = json.loads(files[RUN_JSON])
        return [int(meta["run_id"])] if write_part(parts, int(meta["run_id"]), files) else []
    metas = json.loads(files[CHUNK_JSON])
    name = f"{CHUNK_PREFIX}{int(metas[0]['run_id']):06d}-{uuid.uuid4().hex[:8]}"
    tmp = parts / f".tmp-{name}"
    try:
        _write_dir(tmp, files, CHUNK_JSON)
        os.rename(tmp, parts / name)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    fsync_dir(parts)
    stored = []
    for meta in metas:
        run_id = int(meta["run_id"])
        final = part_dir(parts, run_id)
        try:
            os.symlink(name, final, target_is_directory=True)
        except FileExistsError:
            log.warning("run %d was already stored; keeping the first copy", run_id)
            continue
        except (OSError, NotImplementedError):  # no links here: a directory per run
            if not write_part(parts, run_id, {RUN_JSON: (json.dumps(
                    dict(meta, chunk=name), indent=2) + "\n").encode()}):
                continue
        stored.append(run_id)
    fsync_dir(parts)
    return stored


def read_chunk_metas(chunk: Path) -> dict[int, dict[str, Any]]:
    """A chunk's runs: run id → its ``run.json``, with ``chunk`` (the chunk's name) and ``rows``."""
    metas = json.loads((chunk / CHUNK_JSON).read_text())
    return {int(m["run_id"]): dict(m, chunk=chunk.name) for m in metas}


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

    def write_chunk(self, files: dict[str, bytes]) -> list[int]:
        """Write runs encoded together (see :func:`write_chunk`)."""
        return write_chunk(self.parts, files)
