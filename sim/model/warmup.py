"""Compile the model's month before it is needed (issue #12): :func:`warm_up`.

Kept apart from :mod:`sim.model.compiled` because it builds a model, and the model imports the
glue.
"""

from __future__ import annotations

import time

from . import compiled
from .model import RegulatoryModel
from .params import Params


def warm_up(*, quiet: bool = False) -> float:
    """Compile the kernels, or load them from numba's cache; returns the seconds it took.

    A fresh environment compiles (about 30 s, once; numba caches the result on disk beside
    ``sim/model/kernel.py`` in ``__pycache__``, or under ``$NUMBA_CACHE_DIR``); later
    processes load it in about a second. Call it before starting worker processes, so that
    they load a cache rather than compile side by side. Announces a compilation on stderr
    unless ``quiet`` (a run in a process that has not warmed up announces it too).
    """
    start = time.perf_counter()
    if quiet:
        compiled._announced = True
    small = Params().override({"firms.n_firms": 10, "run.months": 2})
    RegulatoryModel(small, rng=0).run()
    return time.perf_counter() - start


def ensure_cache() -> float:
    """Compile the month unless numba's cache already holds it; returns the seconds spent.

    What a coordinator calls before it starts worker processes: with a cache in place it
    loads nothing (the workers load it; the coordinator's memory stays that of pandas and the
    store), without one it compiles once (:func:`warm_up`) instead of letting every worker
    compile side by side.
    """
    if compiled._cache_present():
        return 0.0
    return warm_up()
