"""The golden baseline: what it runs, how it is stored, how a new run is compared with it.

Two small seeded runs of the default model (60 firms, 180 months, held-out seeds 1000 and 1001,
never used for tuning) are reduced to their key outputs and kept in two committed files:

* ``golden.json`` (text, for readable diffs): per run and per sector the phase sequence as
  run-length pairs ``[phase, months]`` (and the global phase), every phase change with its cause,
  event counts by kind and by (kind, sector), total fines and fines by sector; the resolved
  parameters of the runs (used only to name changed parameters in a failure message);
* ``golden_series.npy``: the monthly float series, shape (seeds, columns, months), full float64
  precision; the column names are listed in ``golden.json``.

Why full precision in a binary file: 17,280 floats (48 series × 180 months × 2 seeds) written as
text at 12 significant digits take about 260 KB, over the 200 KB budget, and rounding to 12
digits moves a value by up to 5e-12 of itself, more than the comparison's rtol of 1e-12. The
``.npy`` keeps the exact bits in 138 KB (git stores it zlib-compressed); what a reviewer reads
in a diff (phases, phase changes, counts, fines) is in the text file. Floats are compared with
``numpy.testing.assert_allclose(rtol=1e-12, atol=0)``: last-bit differences of another numpy
build or libm pass, a changed model number (which moves the series by far more) fails, and a
value that is exactly 0 must stay exactly 0. Phases, events and counts are compared exactly.

``python tests/regression/update_golden.py`` rewrites both files (see that script).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.model import RegulatoryModel
from sim.model.params import Params

HERE = Path(__file__).resolve().parent
JSON_PATH = HERE / "golden.json"
SERIES_PATH = HERE / "golden_series.npy"
UPDATE_COMMAND = ".venv/bin/python tests/regression/update_golden.py"

OVERRIDES: dict[str, Any] = {"firms.n_firms": 60, "run.months": 180}
SEEDS: tuple[int, ...] = (1000, 1001)
"""Held-out seeds (tuning used 0–99); chosen before the golden files were first written."""

SECTOR_QUANTITIES = ("signal", "enforcement", "perceived_alarm", "perceived_pain", "valuation",
                     "revenue", "aggressiveness", "threshold", "pain_bound")
"""Per-sector series stored. ``threshold`` and ``pain_bound`` are the bounds the phase rules
compare perceived alarm and pain with: without them a parameter that acts only through such a
comparison (θ_P: 0.6 → 0.61 leaves seed 1000's other outputs identical to the bit) would be
caught only when it moves a crossing."""
AGGREGATES = ("valuation_index", "pain", "campaign_climate")
RTOL = 1e-12
NO_SECTOR = "(none)"
GLOBAL = "(all)"


def params() -> Params:
    """The golden runs' parameters: the defaults with :data:`OVERRIDES`."""
    return Params().override(OVERRIDES)


def series_columns(p: Params) -> list[str]:
    """The stored float columns: ``<quantity>.<sector>`` by quantity, then the aggregates."""
    sectors = [s.name for s in p.sectors]
    return [f"{q}.{s}" for q in SECTOR_QUANTITIES for s in sectors] + list(AGGREGATES)


@dataclass
class Run:
    """One seed's key outputs: ``record`` is its JSON entry, ``floats`` its (columns, months)."""

    record: dict[str, Any]
    floats: np.ndarray
    dates: list[str]


def run_length(values) -> list[list]:
    """``[[value, count], ...]`` of consecutive equal values."""
    out: list[list] = []
    for v in values:
        if out and out[-1][0] == v:
            out[-1][1] += 1
        else:
            out.append([v, 1])
    return out


def expand(pairs: list[list]) -> list:
    """The inverse of :func:`run_length`."""
    return [v for v, n in pairs for _ in range(n)]


def compute(seed: int, p: Params | None = None, engine: str = "compiled") -> Run:
    """Run the model on ``seed`` and reduce it to its key outputs."""
    p = params() if p is None else p
    model = RegulatoryModel(p, rng=seed, engine=engine).run()
    series, events = model.series(), model.events()
    sectors = [s.name for s in p.sectors]
    phases = {GLOBAL: run_length(series["phase"].astype(str).tolist())}
    phases |= {s: run_length(series[f"phase.{s}"].astype(str).tolist()) for s in sectors}
    kind = events["kind"].astype(str)
    sector = events["sector"].astype(str).replace("", NO_SECTOR)
    changes = events[kind == "phase_change"]
    by_kind_sector: dict[str, dict[str, int]] = {}
    for (k, s), n in pd.Series(1, index=events.index).groupby([kind, sector]).sum().items():
        by_kind_sector.setdefault(k, {})[s] = int(n)
    fines = events["fine"].groupby(sector).sum()
    record = {
        "seed": seed,
        "months": len(series),
        "phases": phases,
        "phase_changes": [[int(m), str(s), str(d), str(c)] for m, s, d, c in zip(
            changes["month"], changes["sector"], changes["detail"], changes["cause"],
            strict=True)],
        "events_by_kind": {k: int(n) for k, n in kind.value_counts().sort_index().items()},
        "events_by_kind_sector": by_kind_sector,
        "fines_total": float(events["fine"].sum()),
        "fines_by_sector": {s: float(v) for s, v in fines.items() if s != NO_SECTOR or v},
    }
    floats = series[series_columns(p)].to_numpy(dtype=np.float64).T.copy()
    dates = [f"{d:%Y-%m}" for d in series["date"]]
    return Run(record, floats, dates)


# ---------------------------------------------------------------------------- files
def _dump(obj: Any, indent: int = 0) -> str:
    """JSON with one line per leaf list (a run-length pair, a phase change) for readable diffs."""
    pad, inner = " " * indent, " " * (indent + 1)
    if isinstance(obj, dict) and obj:
        items = [f"{inner}{json.dumps(k)}: {_dump(v, indent + 1)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list) and any(isinstance(v, dict | list) for v in obj):
        items = [f"{inner}{_dump(v, indent + 1)}" for v in obj]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(obj)  # floats by repr: exact round trip


def save(runs: list[Run], p: Params) -> None:
    """Write ``golden.json`` and ``golden_series.npy``."""
    doc = {
        "about": "Golden regression baseline of tests/regression/test_golden.py. Made by "
                 f"`{UPDATE_COMMAND}`; update only on purpose, with the reason in the commit.",
        "overrides": OVERRIDES,
        "seeds": list(SEEDS),
        "series_file": SERIES_PATH.name,
        "series_columns": series_columns(p),
        "runs": [r.record for r in runs],
        "params": p.to_flat_dict(),
    }
    JSON_PATH.write_text(_dump(doc) + "\n", encoding="utf-8")
    np.save(SERIES_PATH, np.stack([r.floats for r in runs]), allow_pickle=False)


def load() -> tuple[dict[str, Any], np.ndarray]:
    """The stored document and float block; a clear error if either file is missing."""
    missing = [f.name for f in (JSON_PATH, SERIES_PATH) if not f.exists()]
    if missing:
        raise FileNotFoundError(f"golden file(s) {missing} missing in {HERE}: run "
                                f"`{UPDATE_COMMAND}` to create them")
    doc = json.loads(JSON_PATH.read_text(encoding="utf-8"))
    return doc, np.load(SERIES_PATH, allow_pickle=False)


# ---------------------------------------------------------------------------- comparison
def float_mismatch(actual: np.ndarray, desired: np.ndarray, rtol: float = RTOL) -> np.ndarray:
    """Where ``assert_allclose(actual, desired, rtol=rtol, atol=0)`` would fail, elementwise."""
    with np.errstate(invalid="ignore"):
        close = (actual == desired) | (np.abs(actual - desired) <= rtol * np.abs(desired))
    return ~(close | (np.isnan(actual) & np.isnan(desired)))


def differences(doc: dict, stored: np.ndarray, index: int, now: Run) -> list[str]:
    """Every difference of run ``index`` of the golden files from ``now``, the first first.

    Differences dated by a month come first, the earliest first (at one month: phases, then
    the float series in the stored column order); then counts and fines.
    """
    old = doc["runs"][index]
    new = now.record
    columns = doc["series_columns"]
    if old["months"] != new["months"] or stored.shape[1:] != (len(columns), old["months"]):
        return [f"the run has {new['months']} months, the golden file {old['months']} (series "
                f"stored with shape {stored.shape[1:]})"]
    computed = series_columns(params())
    if columns != computed:
        added = [c for c in computed if c not in columns]
        removed = [c for c in columns if c not in computed]
        return [f"the series columns differ from the stored ones: new {added}, gone {removed}"
                + ("" if added or removed else " (same columns, another order)")]
    dated: list[tuple[int, int, str]] = []
    where = "sector {s}, month {m} ({d})"
    for rank, s in enumerate(sorted(set(old["phases"]) | set(new["phases"]), key=_sector_order)):
        a, b = expand(old["phases"].get(s, [])), expand(new["phases"].get(s, []))
        bad = [m for m in range(max(len(a), len(b))) if a[m:m + 1] != b[m:m + 1]]
        if bad:
            m = bad[0]
            dated.append((m, rank, "quantity phase, " + where.format(
                s=s, m=m, d=now.dates[m]) + f": now {b[m] if m < len(b) else 'missing'}, "
                f"stored {a[m] if m < len(a) else 'missing'} (differs in {_months(len(bad))})"))
    mismatch = float_mismatch(now.floats, stored[index])
    for i, col in enumerate(columns):
        bad = np.flatnonzero(mismatch[i])
        if bad.size:
            m = int(bad[0])
            q, _, s = col.partition(".")
            x, y = float(now.floats[i, m]), float(stored[index, i, m])
            rel = abs(x - y) / abs(y) if y else float("inf")
            dated.append((m, 100 + i, f"quantity {q}, " + where.format(
                s=s or GLOBAL, m=m, d=now.dates[m]) + f": now {x!r}, stored {y!r} "
                f"(relative difference {rel:.3g}; differs in {_months(bad.size)})"))
    out = [text for _, _, text in sorted(dated)]
    if old["phase_changes"] != new["phase_changes"]:
        out.append(_first_list_difference("phase change [month, sector, to, cause]",
                                          old["phase_changes"], new["phase_changes"]))
    for k in sorted(set(old["events_by_kind"]) | set(new["events_by_kind"])):
        a, b = old["events_by_kind"].get(k, 0), new["events_by_kind"].get(k, 0)
        if a != b:
            by_old, by_new = old["events_by_kind_sector"].get(k, {}), new[
                "events_by_kind_sector"].get(k, {})
            sectors = [s for s in sorted(set(by_old) | set(by_new), key=_sector_order)
                       if by_old.get(s, 0) != by_new.get(s, 0)]
            detail = ", ".join(f"{s} {by_new.get(s, 0)} vs {by_old.get(s, 0)}" for s in sectors)
            out.append(f"event count of kind {k}: now {b}, stored {a} (by sector: {detail})")
    if old["events_by_kind_sector"] != new["events_by_kind_sector"] and not any(
            o.startswith("event count") for o in out):
        out.append(f"event counts by (kind, sector): now {new['events_by_kind_sector']}, stored "
                   f"{old['events_by_kind_sector']}")
    for key in ("fines_total", "fines_by_sector"):
        a, b = np.atleast_1d(_values(old[key])), np.atleast_1d(_values(new[key]))
        if a.shape != b.shape or float_mismatch(b, a).any():
            out.append(f"{key}: now {new[key]!r}, stored {old[key]!r}")
    return out


def _months(n: int) -> str:
    return f"{n} month" + ("" if n == 1 else "s")


def _values(x: Any) -> np.ndarray:
    return np.array(list(x.values()) if isinstance(x, dict) else x, dtype=np.float64)


def _sector_order(s: str) -> tuple[int, str]:
    order = [GLOBAL, *(x.name for x in params().sectors)]
    return (order.index(s), "") if s in order else (len(order), s)


def _first_list_difference(what: str, old: list, new: list) -> str:
    for i, (a, b) in enumerate(zip(old, new, strict=False)):
        if a != b:
            return f"{what} #{i + 1}: now {b}, stored {a}"
    return f"{what}: now {len(new)} of them, stored {len(old)}"


def changed_parameters(doc: dict, p: Params, limit: int = 10) -> list[str]:
    """Parameters whose resolved value differs from the one the golden files were made with."""
    old, new = doc.get("params", {}), json.loads(json.dumps(p.to_flat_dict()))
    keys = [k for k in sorted(set(old) | set(new)) if old.get(k, "absent") != new.get(k, "absent")]
    lines = [f"{k}: {old.get(k, 'absent')!r} -> {new.get(k, 'absent')!r}" for k in keys[:limit]]
    return lines + ([f"... and {len(keys) - limit} more"] if len(keys) > limit else [])


def report(doc: dict, seed: int, diffs: list[str], p: Params, limit: int = 8) -> str:
    """The failure message: the first difference, a few more, changed parameters, what to do."""
    lines = [f"golden run (seed {seed}, {OVERRIDES}) differs from tests/regression/golden.json.",
             f"First difference: {diffs[0]}"]
    if len(diffs) > 1:
        lines.append("Also:")
        lines += [f"  - {d}" for d in diffs[1:limit]]
        if len(diffs) > limit:
            lines.append(f"  - ... and {len(diffs) - limit} more")
    changed = changed_parameters(doc, p)
    if changed:
        lines.append("Parameters changed since the golden files were made:")
        lines += [f"  - {c}" for c in changed]
    lines.append(f"If the change is intended, update the golden files with `{UPDATE_COMMAND}` "
                 "and give the reason in the commit message; otherwise the model's numbers "
                 "changed by mistake.")
    return "\n".join(lines)
