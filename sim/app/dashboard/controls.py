"""The dashboard's sliders and selectors, built from the parameter metadata.

The parameters that get a control are listed once, by dotted key, in :data:`MAIN_PARAMETERS`.
Everything else about a control comes from the field's metadata in :mod:`sim.model.params`: the
label
(symbol, one-line doc and unit), the bounds (``range``), the options (``choices``) and the kind
of input (the field's type). SolaraViz passes control values back to the model class as keyword
arguments, so each dotted key has a flat name (``leadership.theta_alarm`` →
``leadership__theta_alarm``); :func:`overrides_from_flat` turns them back into dotted keys.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ...model.params import Params, field_for, fmt_number

MAIN_PARAMETERS: tuple[str, ...] = (
    "leadership.mode",
    "agencies.structure",
    "information.revelation",
    "leadership.theta_alarm",
    "leadership.theta_pain",
    "agencies.zeal",
    "information.feedback_speed",
    "information.censorship",
    "leadership.honeymoon",
    "leadership.climate_jump",
    "public.amplification",
    "local.protection_slope",
)
"""Parameters with a control on the page, in display order (the seed comes after them): the
policy hypotheses and main ablations of MODEL.md §5–§6 (mode, structure, revelation, feedback
speed, censorship, honeymoon, campaign climate, amplification, the fiscal link) and the two
thresholds and zeal."""

SEP = "__"
"""Separator of a flat control name (dots are not valid in Python keyword names)."""

SEED = "rng"
"""Name of the seed input: Mesa's own keyword for a model's random generator."""

SLIDER_STEPS = 100
"""Roughly how many steps a slider has between its bounds (rounded to a 1-2-5 step)."""


def flat_name(key: str) -> str:
    """The keyword-argument name of a dotted parameter key (``a.b`` → ``a__b``)."""
    if SEP in key:
        raise ValueError(f"parameter key {key!r} contains {SEP!r}")
    return key.replace(".", SEP)


def dotted_key(name: str) -> str:
    """The dotted parameter key of a flat control name (inverse of :func:`flat_name`)."""
    return name.replace(SEP, ".")


def nice_step(lo: float, hi: float, value: float, steps: int = SLIDER_STEPS) -> float:
    """A 1-2-5 slider step near ``(hi - lo) / steps`` on whose grid ``value`` lies.

    Sliders count their steps from the lower bound, so the step is made finer (1-2-5 steps
    down to 1e-6) until ``value - lo`` is a whole number of steps.
    """
    span = float(hi) - float(lo)
    if span <= 0:
        return 1.0
    top = math.floor(math.log10(span / steps))
    candidates = [m * 10.0 ** e for e in range(top + 1, -7, -1) for m in (5.0, 2.0, 1.0)]
    candidates = [c for c in candidates if c <= span / steps * 2.5 + 1e-12]
    for step in candidates:
        k = (float(value) - float(lo)) / step
        if abs(k - round(k)) < 1e-6:
            return float(f"{step:.6g}")
    return 1e-6


def label_for(key: str, params: Params | None = None) -> str:
    """A control's label: ``symbol — doc [unit]`` from the field's metadata."""
    meta = field_for(key, params).metadata
    unit = f" [{meta['unit']}]" if meta.get("unit") else ""
    return f"{meta['symbol']} — {meta['doc']}{unit}"


def control_for(key: str, params: Params) -> dict[str, Any]:
    """The SolaraViz input description of one parameter, starting at its value in ``params``.

    Args:
        key: dotted parameter key.
        params: the scenario's resolved parameters (the control's initial value).

    Returns:
        A Mesa user-parameter dict: ``{"type": "Select", "values": ...}`` for choices,
        ``Checkbox`` for booleans, ``SliderInt``/``SliderFloat`` with ``min``, ``max`` and
        ``step`` for numbers.

    Raises:
        KeyError: for an unknown key.
        ValueError: for a number without a declared range (a slider needs bounds).
    """
    f = field_for(key, params)
    meta = f.metadata
    value = params.get(key)
    label = label_for(key, params)
    ftype = f.type if isinstance(f.type, str) else f.type.__name__
    if meta.get("choices"):
        return {"type": "Select", "value": value, "values": list(meta["choices"]),
                "label": label}
    if ftype == "bool":
        return {"type": "Checkbox", "value": bool(value), "label": label}
    if not meta.get("range"):
        raise ValueError(f"{key} has no range: it cannot be a slider")
    lo, hi = meta["range"]
    if ftype == "int":
        return {"type": "SliderInt", "value": int(value), "min": int(lo), "max": int(hi),
                "step": 1, "label": label}
    return {"type": "SliderFloat", "value": float(value), "min": float(lo), "max": float(hi),
            "step": nice_step(lo, hi, value), "label": label}


def model_params(params: Params, seed: int | None,
                 keys: tuple[str, ...] = MAIN_PARAMETERS) -> dict[str, Any]:
    """The ``model_params`` of SolaraViz: one control per key, then the seed input.

    Args:
        params: the scenario's resolved parameters (initial values).
        seed: the initial seed (the scenario's first); None for fresh entropy.
        keys: dotted keys to give controls (default :data:`MAIN_PARAMETERS`).

    Returns:
        Flat control names mapped to Mesa user-parameter dicts.
    """
    out: dict[str, Any] = {flat_name(k): control_for(k, params) for k in keys}
    out[SEED] = {"type": "InputText", "value": "" if seed is None else str(seed),
                 "label": "seed (empty: a fresh one)"}
    return out


def parse_seed(value: Any) -> int | None:
    """The seed typed into the seed input: an integer, or None when empty.

    Raises:
        ValueError: for text that is not a non-negative integer.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"seed must be a non-negative integer, got {value!r}")
    if isinstance(value, int):
        seed = value
    else:
        text = str(value).strip().replace("_", "")
        if not text:
            return None
        try:
            seed = int(text)
        except ValueError:
            raise ValueError(f"seed must be a non-negative integer, got {value!r}") from None
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {value!r}")
    return seed


def overrides_from_flat(flat: Mapping[str, Any], params: Params) -> dict[str, Any]:
    """Dotted-key overrides from flat control values, typed as their fields declare.

    Sliders deliver floats such as ``0.6000000000000001`` and integers as floats; values are
    rounded to 10 significant digits and integer fields get integers.

    Args:
        flat: control values by flat name (the seed excluded).
        params: parameters the keys must exist in (for sector keys).

    Returns:
        ``{dotted_key: value}`` ready for :meth:`sim.model.params.Params.override`.
    """
    out: dict[str, Any] = {}
    for name, value in flat.items():
        key = dotted_key(name)
        f = field_for(key, params)
        ftype = f.type if isinstance(f.type, str) else f.type.__name__
        if ftype == "int" and isinstance(value, float) and value.is_integer():
            value = int(value)
        elif ftype == "float" and isinstance(value, (int, float)) \
                and not isinstance(value, bool):
            value = float(f"{float(value):.10g}")
        out[key] = value
    return out


def describe(key: str, value: Any, params: Params | None = None) -> str:
    """``symbol = value`` for a parameter (numbers written as :func:`fmt_number` does)."""
    symbol = field_for(key, params).metadata["symbol"]
    shown = fmt_number(value) if isinstance(value, (int, float)) \
        and not isinstance(value, bool) else str(value)
    return f"{symbol} = {shown}"


__all__ = [
    "MAIN_PARAMETERS",
    "SEED",
    "control_for",
    "describe",
    "dotted_key",
    "flat_name",
    "label_for",
    "model_params",
    "nice_step",
    "overrides_from_flat",
    "parse_seed",
]
