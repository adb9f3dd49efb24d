"""Parts: one finished run of a results folder, written by its worker or by the coordinator.

While runs are going on, each finished run is a directory ``parts/run-NNNNNN/`` written under
a temporary name and renamed into place, so a run is either fully present or absent whatever
kills the process. ``run.json`` (:func:`run_meta`) is written last and carries the hash of
what determines the run's output (:func:`spec_hash`): resuming a folder checks it. The part is
written by the worker that made the run when it can reach the folder (:class:`PartSink`
checks a token the coordinator leaves in ``parts/``), otherwise the worker sends the encoded
files back (:func:`encode_part`) and the coordinator writes them (:func:`write_part`).
"""

from __future__ import annotations

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
from .layout import RUN_JSON, SINK_TOKEN, part_dir
from .tables import normalize, parquet_bytes

if TYPE_CHECKING:
    import pandas as pd

    from ..records import RunSpec

__all__ = ["PartSink", "encode_part", "fingerprint", "run_meta", "spec_hash", "write_part"]

log = logging.getLogger(__name__)


def spec_hash(spec: RunSpec) -> str:
    """A hash of what determines a run's stored output: id, seed, every parameter, selection.

    The selection (``run.series``, ``run.events``) enters only when it is not the default, so
    folders made before it existed keep their hashes.
    """
    payload: dict[str, Any] = {"run_id": spec.run_id, "seed": spec.seed,
                               "params": spec.params.to_flat_dict()}
    if not spec.outputs.is_default:
        payload["outputs"] = spec.outputs.to_dict()
    return hashlib.sha256(canonical(payload).encode()).hexdigest()


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
    tmp.mkdir(parents=True)
    try:
        for name in sorted(files, key=lambda n: n == RUN_JSON):
            with open(tmp / name, "wb") as fh:
                fh.write(files[name])
                fh.flush()
                os.fsync(fh.fileno())
        fsync_dir(tmp)
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
