"""Atomic files: every file of a results folder is written under a temporary name, then renamed.

A reader (or a process resuming the folder) thus sees each file either whole or absent,
whatever kills the writer. :func:`atomic_file` is the one place that does it; the Parquet
tables (:mod:`sim.experiment.store.tables`), the manifest, the summary table remade by
:mod:`sim.analysis.results` and the overview plot (:mod:`sim.plots.overview`) all go through it.
Also here: the JSON encoding shared by the manifest and the run hashes. This module imports
nothing of the project.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = [
    "atomic_file",
    "atomic_write_bytes",
    "atomic_write_json",
    "canonical",
    "fsync_dir",
    "json_default",
    "tmp_name",
    "utc_now",
]


def utc_now(timespec: str = "seconds") -> str:
    """The current UTC time in ISO 8601 (``timespec`` as in :meth:`datetime.isoformat`)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec=timespec)


def fsync_dir(path: Path) -> None:
    """Flush a directory's entries to disk (a rename is durable only once its directory is)."""
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


def tmp_name(path: Path) -> Path:
    """A temporary name beside ``path``: ``.tmp-<name>-<random>`` (cleaned up on resume)."""
    return path.with_name(f".tmp-{path.name}-{uuid.uuid4().hex[:8]}")


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """Write ``path`` atomically: the body writes the temporary path yielded, then closes it.

    When the body returns, the temporary file is flushed to disk and renamed to ``path``;
    when it raises, the temporary file is removed and ``path`` is left as it was.
    """
    tmp = tmp_name(path)
    try:
        yield tmp
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(path.parent)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write bytes to ``path`` atomically."""
    with atomic_file(path) as tmp:
        tmp.write_bytes(data)


def json_default(obj: Any) -> Any:
    """JSON for what :mod:`json` does not know: tuples and sets, dataclasses, numpy scalars."""
    if isinstance(obj, (tuple, set)):
        return list(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    if hasattr(obj, "item"):  # numpy scalars
        return obj.item()
    return str(obj)


def atomic_write_json(path: Path, obj: Any) -> None:
    """Write ``obj`` as indented JSON to ``path`` atomically."""
    atomic_write_bytes(path, (json.dumps(obj, indent=2, default=json_default) + "\n").encode())


def canonical(obj: Any) -> str:
    """Compact JSON with sorted keys: the same text for equal values (hashes, table cells)."""
    return json.dumps(obj, sort_keys=True, default=json_default, separators=(",", ":"))
