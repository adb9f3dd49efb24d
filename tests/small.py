"""The small parameter set of fast tests, as a function for module-level use.

The ``small_params`` fixture (tests/conftest.py) is ``small_params()``. Tests that need the
parameters outside a fixture (module constants, default arguments, hypothesis strategies)
import this function: ``from small import small_params``. It lives here and not in conftest.py
because ``from conftest import ...`` is not reliable: tests/ has several conftest.py files,
all imported as the module ``conftest``, and pytest replaces that module when it enters each
folder.

A test that needs another size says so at the call site, e.g. ``small_params(months=12)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.model.params import Params

SMALL_FIRMS = 30
SMALL_PROVINCES = 5
SMALL_MONTHS = 24


def small_params(overrides: Mapping[str, Any] | None = None, /, *,
                 months: int | None = SMALL_MONTHS, firms: int = SMALL_FIRMS,
                 provinces: int = SMALL_PROVINCES) -> Params:
    """Default parameters with few firms and provinces and a short horizon.

    Builds in milliseconds: 30 firms, 5 provinces, 24 months unless told otherwise.
    ``months=None`` keeps the default horizon. ``overrides`` (dotted keys) are applied on top;
    the sizes are set by the keywords only.
    """
    sizes: dict[str, Any] = {"firms.n_firms": firms, "local.n_provinces": provinces}
    if months is not None:
        sizes["run.months"] = months
    overrides = dict(overrides or {})
    clash = sorted({"firms.n_firms", "local.n_provinces", "run.months"} & overrides.keys())
    if clash:
        raise ValueError(f"set {', '.join(clash)} with small_params' keywords, not overrides")
    return Params().override({**overrides, **sizes})
