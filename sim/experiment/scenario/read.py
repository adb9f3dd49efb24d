"""Reading scenario files: the ``extends`` chain, merging its layers, ``--set`` assignments.

A load reads the file and its ``extends`` ancestors (:func:`read_chain`), adds the command-line
overrides as a last layer (:func:`nest`), and merges the layers key by key (:func:`merge`),
remembering which file set each key so that every problem names the file to fix. Also here:
finding a scenario by name (:func:`find_scenario`) and listing a folder's
(:func:`list_scenarios`). Nothing is validated here beyond what reading needs.
"""

from __future__ import annotations

import copy
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..problems import COMMAND_LINE, ScenarioError, ScenarioProblem
from ..sweep.checks import flatten_sweep
from .calibrate import flatten_priors

__all__ = [
    "Layer",
    "find_scenario",
    "flatten_sweep_parameters",
    "list_scenarios",
    "merge",
    "nest",
    "parse_assignment",
    "read_chain",
]


@dataclass(slots=True)
class Layer:
    """One layer of a scenario: a file of the ``extends`` chain, or the command line.

    Attributes:
        source: the file's path as reached, or :data:`~sim.experiment.problems.COMMAND_LINE`.
        data: the parsed TOML (the overrides nested into tables, for the command line).
        text: the file's text (empty for the command line); hashed into the scenario's hash.
    """

    source: str
    data: dict[str, Any]
    text: str = ""


def _read(path: Path, problems: list[ScenarioProblem],
          referrer: tuple[str, str] | None) -> Layer | None:
    """Read and parse one file, or report why not (under ``referrer``'s ``extends`` if any)."""
    source = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if referrer is None:
            problems.append(ScenarioProblem(source, "", None, "", "no such scenario file"))
        else:
            problems.append(ScenarioProblem(referrer[0], "scenario.extends", referrer[1],
                                            "a path to a scenario file, relative to this file",
                                            f"{source} does not exist"))
        return None
    except IsADirectoryError:
        problems.append(ScenarioProblem(source, "", None, "", "is a folder, not a scenario file"))
        return None
    except OSError as exc:
        problems.append(ScenarioProblem(source, "", None, "", f"cannot be read ({exc.strerror})"))
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(ScenarioProblem(source, "", None, "", "is not UTF-8 text"))
        return None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problems.append(ScenarioProblem(source, "", None, "", f"is not valid TOML: {exc}"))
        return None
    return Layer(source, data, text)


def read_chain(path: Path, problems: list[ScenarioProblem]) -> list[Layer]:
    """Read a file and its ``extends`` ancestors; return them base first.

    A file that cannot be read, or an ``extends`` that loops back, ends the chain there with a
    problem added to ``problems``; when ``path`` itself cannot be read, no layers are returned.
    """
    layers: list[Layer] = []
    seen: list[Path] = []
    current = path
    referrer: tuple[str, str] | None = None
    while True:
        resolved = current.resolve()
        if resolved in seen:
            chain = " → ".join([*(layer.source for layer in layers), str(current)])
            assert referrer is not None
            problems.append(ScenarioProblem(referrer[0], "scenario.extends", referrer[1],
                                            "a chain of files without a loop",
                                            f"extends loops: {chain}"))
            break
        layer = _read(current, problems, referrer)
        if layer is None:
            break
        layers.append(layer)
        seen.append(resolved)
        table = layer.data.get("scenario")
        if not isinstance(table, dict) or "extends" not in table:
            break
        ext = table["extends"]
        if not isinstance(ext, str) or not ext.strip():
            # reported by the [scenario] check
            break
        target = Path(os.path.normpath(current.parent / ext))
        if not target.exists() and not target.suffix:
            target = target.with_suffix(".toml")
        referrer = (layer.source, ext)
        current = target
    return list(reversed(layers))


# --------------------------------------------------------------------------------------------
# Merging layers (with the origin of every key, for messages)
# --------------------------------------------------------------------------------------------


def _mark(origin: dict[str, str], key: str, value: Any, source: str) -> None:
    origin[key] = source
    if isinstance(value, dict):
        for k, v in value.items():
            _mark(origin, f"{key}.{k}", v, source)


def _forget(origin: dict[str, str], key: str) -> None:
    for k in [k for k in origin if k == key or k.startswith(key + ".")]:
        del origin[k]


def _merge_into(dst: dict[str, Any], src: Mapping[str, Any], origin: dict[str, str],
                source: str, prefix: str = "") -> None:
    for k, v in src.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and isinstance(dst.get(k), dict):
            _merge_into(dst[k], v, origin, source, key + ".")
        else:
            _forget(origin, key)
            dst[k] = copy.deepcopy(v)
            _mark(origin, key, v, source)


def merge(layers: Sequence[Layer]) -> tuple[dict[str, Any], dict[str, str]]:
    """Merge layers, base first; return the merged tables and the source of every dotted key.

    Tables merge key by key, a later layer winning; other values replace. ``[scenario]`` is
    never merged (every file names itself), and ``seeds`` in a layer drops the inherited
    ``replications``/``seed`` and the reverse, since the two ways of giving seeds exclude
    each other.
    """
    merged: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for layer in layers:
        data = {k: v for k, v in layer.data.items() if k != "scenario"}
        run = data.get("run")
        old_run = merged.get("run")
        if isinstance(run, dict) and isinstance(old_run, dict):
            # an explicit seed list and replications/seed exclude each other across files
            if "seeds" in run:
                for k in ("replications", "seed"):
                    if k in old_run:
                        del old_run[k]
                        _forget(origin, f"run.{k}")
            if "replications" in run or "seed" in run:
                if "seeds" in old_run:
                    del old_run["seeds"]
                    _forget(origin, "run.seeds")
        _merge_into(merged, data, origin, layer.source)
    return merged, origin


def nest(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``{"a.b.c": 1}`` → ``{"a": {"b": {"c": 1}}}`` (keys as on the command line)."""
    out: dict[str, Any] = {}
    for key, value in overrides.items():
        parts = key.split(".")
        node = out
        for part in parts[:-1]:
            nxt = node.get(part)
            if not isinstance(nxt, dict):
                nxt = node[part] = {}
            node = nxt
        node[parts[-1]] = value
    return out


def parse_assignment(text: str) -> tuple[str, Any]:
    """Parse a command-line ``KEY=VALUE`` (``--set``).

    The value is read as a TOML value (``0.5``, ``true``, ``"rules"``, ``[[120, 0.5]]``); anything
    that is not TOML is taken as a bare string, so ``leadership.mode=rules`` works unquoted.
    Nothing is evaluated.

    Raises:
        ScenarioError: when ``text`` has no ``=`` or an empty key.
    """
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key or any(not part for part in key.split(".")):
        raise ScenarioError([ScenarioProblem(COMMAND_LINE, "--set", text,
                                             "group.name=value, e.g. leadership.theta_alarm=0.6",
                                             "not an assignment")])
    raw = raw.strip()
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return key, value


def flatten_sweep_parameters(layer: Layer) -> list[ScenarioProblem]:
    """Write a layer's ``[sweep.parameters]`` and ``[calibrate.parameters]`` with dotted keys.

    So that layers merge by key: ``"leadership.theta_alarm" = ...`` and
    ``[sweep.parameters.leadership] theta_alarm = ...`` (or a ``--set
    sweep.parameters.leadership.theta_alarm=...``) name the same axis, and a later layer's axis
    (or prior) replaces an earlier one's. Returns the keys one layer gives twice.
    """
    problems: list[ScenarioProblem] = []
    for table, flatten in (("sweep", flatten_sweep), ("calibrate", flatten_priors)):
        outer = layer.data.get(table)
        params = outer.get("parameters") if isinstance(outer, dict) else None
        if not isinstance(params, dict):
            continue
        flat: dict[str, Any] = {}
        for key, spec in flatten(params):
            if key in flat:
                problems.append(ScenarioProblem(layer.source, f"{table}.parameters.{key}", spec,
                                                "each parameter once", "given twice"))
            else:
                flat[key] = spec
        layer.data = {**layer.data, table: {**outer, "parameters": flat}}
    return problems


# --------------------------------------------------------------------------------------------
# Finding scenario files
# --------------------------------------------------------------------------------------------


def find_scenario(name_or_path: str | Path, search: Sequence[Path] = ()) -> Path:
    """Resolve a scenario argument: an existing path, or a bare name in a scenarios folder.

    Args:
        name_or_path: ``scenarios/baseline.toml``, or ``baseline``, or a name in a subfolder
            of a scenarios folder (``ablations/no_revelation``).
        search: folders to look for ``<name>.toml`` in when the path does not exist.

    Returns:
        The path to load (possibly non-existent, so that loading reports it).
    """
    path = Path(name_or_path)
    if path.exists() or path.suffix:
        return path
    for folder in search:
        candidate = Path(folder) / path.parent / f"{path.name}.toml"
        if candidate.is_file():
            return candidate
    return path


def list_scenarios(folder: str | Path) -> list[tuple[Path, str | None, str | None]]:
    """List the scenario files of a folder and of its subfolders, with names and descriptions.

    The folder's own files come first, then those of each subfolder one level down (such as
    ``scenarios/ablations/``), subfolders in name order. Files that cannot be read give
    ``None`` for name and description.

    Returns:
        ``(path, name, description)`` per ``*.toml`` file, sorted by file name within a folder.
    """
    out: list[tuple[Path, str | None, str | None]] = []
    folder = Path(folder)
    paths = sorted(folder.glob("*.toml")) + sorted(folder.glob("*/*.toml"),
                                                   key=lambda p: (p.parent.name, p.name))
    for path in paths:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            out.append((path, None, None))
            continue
        table = data.get("scenario")
        table = table if isinstance(table, dict) else {}
        name = table.get("name")
        desc = table.get("description")
        out.append((path, name if isinstance(name, str) else None,
                    desc if isinstance(desc, str) else None))
    return out
