"""A results folder's manifest: provenance, and what the folder stores.

``manifest.json`` records the scenario (text and hash), the resolved parameters, the seeds,
what is stored (``outputs``: the scenario's ``run.series`` and ``run.events``, a
:class:`~sim.model.schema.OutputSelection`), the versions of regcycle and its dependencies, the
git revision, the platform, times, and the status of every run. :func:`new_manifest` makes it;
:func:`stored_outputs` and :func:`folder_sectors` read what analyses need from it; resuming a
folder with another selection is refused (:func:`check_same_outputs`).
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...model.params import Params
from ...model.schema import OutputSelection, sectors_in, series_columns
from .files import utc_now
from .layout import (
    EVENTS,
    FORMAT_VERSION,
    OVERVIEW,
    PANEL,
    RUNS,
    SERIES,
    SUMMARY,
    SWEEP,
    StoreError,
)

if TYPE_CHECKING:
    from ..records import RunSpec
    from ..scenario import Scenario

__all__ = [
    "DEPENDENCIES",
    "check_same_outputs",
    "folder_sectors",
    "new_manifest",
    "show_selection",
    "stored_outputs",
]

DEPENDENCIES = ("mesa", "numpy", "scipy", "pandas", "pyarrow", "matplotlib", "tqdm", "networkx")
"""The packages whose versions the manifest records (with Python's and regcycle's)."""


# --------------------------------------------------------------------------------------------
# Provenance
# --------------------------------------------------------------------------------------------


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


def new_manifest(folder_id: str, scenario: Scenario, specs: Sequence[RunSpec],
                 fingerprint: str) -> dict[str, Any]:
    """The manifest of a new folder (status ``running``; runs and invocations added later).

    Args:
        folder_id: the folder's name (``<YYYYmmdd-HHMMSS>[-k]``).
        scenario: the scenario run.
        specs: its runs (:func:`sim.experiment.runner.expand`).
        fingerprint: :func:`sim.experiment.store.parts.fingerprint` of the runs.
    """
    params = scenario.params
    seeds: dict[str, Any] = {"root": scenario.seed_root, "replications": len(scenario.seeds),
                             "per_run": [s.seed for s in specs]}
    manifest: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "tool": "regcycle",
        "id": folder_id,
        "status": "running",
        "started": utc_now(),
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
        # lazily: the sweep module brings the samplers, which a plain scenario never needs
        from ..sweep import salib_problem, sampler_seed

        sweep = scenario.sweep
        seeds["per_replication"] = list(scenario.seeds)
        manifest["sweep"] = {**sweep.to_dict(), "replications": len(scenario.seeds),
                             "runs": len(specs)}
        if sweep.design.sampled:
            manifest["sweep"]["sampler_seed"] = sampler_seed(sweep, scenario.seed_root)
            manifest["sweep"]["salib_problem"] = salib_problem(sweep)
        manifest["files"]["sweep"] = SWEEP
    posterior = getattr(scenario, "posterior", None)
    if posterior is not None:
        # which draw each run used (its values are in runs.parquet and the summary's parameters)
        manifest["posterior"] = {**posterior.to_dict(),
                                 "draw_per_run": [posterior.draw_of(s.replicate) for s in specs]}
    return manifest


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


def show_selection(outputs: OutputSelection) -> str:
    """A selection as the scenario keys that give it, for messages."""
    def one(names: tuple[str, ...] | None) -> str:
        return "(everything)" if names is None else json.dumps(list(names))

    return f"run.series = {one(outputs.series)}, run.events = {one(outputs.events)}"


def check_same_outputs(path: Path, manifest: dict[str, Any], outputs: OutputSelection) -> None:
    """Refuse to resume a folder with another selection (its runs would differ in columns).

    Raises:
        StoreError: naming both selections.
    """
    old = stored_outputs(manifest)
    if old != outputs:
        raise StoreError(f"{path}: was made with {show_selection(old)}; this command asks for "
                         f"{show_selection(outputs)}. --resume needs the same selection (the "
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
        out = list(Params().sector_names)
    return out
