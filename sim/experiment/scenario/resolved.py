"""What a scenario resolves to: :class:`Scenario`, its source files and its per-run seeds.

Plain data built by :func:`sim.experiment.scenario.load_scenario` (or in code), read by the
runner, the results store and :func:`sim.experiment.scenario.to_toml`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...model.params import Params
from ...model.schema import OutputSelection
from ..sweep import SweepSpec
from .calibrate import CalibrateSpec, PosteriorDraws

__all__ = [
    "DEFAULT_REPLICATIONS",
    "DEFAULT_SEED",
    "SCHEMA_VERSION",
    "Scenario",
    "SourceFile",
    "derive_seeds",
]

SCHEMA_VERSION = 1
"""The scenario file format version (optional top-level ``schema_version``)."""

DEFAULT_SEED = 0
"""Root seed when a scenario gives neither ``seed`` nor ``seeds``."""

DEFAULT_REPLICATIONS = 1
"""Replications when a scenario gives neither ``replications`` nor ``seeds``."""


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One file of an ``extends`` chain, as read."""

    path: str
    text: str

    @property
    def sha256(self) -> str:
        """SHA-256 of the file's text (UTF-8)."""
        return hashlib.sha256(self.text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Scenario:
    """A validated scenario: parameters, per-run seeds and provenance.

    Attributes:
        name: the scenario's name (``[scenario] name``); names the results folder.
        description: what the scenario tests (``[scenario] description``).
        path: the file loaded (None for a scenario built in code).
        params: the fully resolved parameters (defaults, then the chain, then overrides).
        seeds: one seed per run, in run order.
        seed_root: the root the seeds were derived from (None for an explicit ``seeds`` list).
        workers: the file's preferred number of worker processes (None: decide at run time).
        sources: the files of the ``extends`` chain, base first.
        overrides: command-line overrides applied last, by dotted key.
        sweep: the ``[sweep]`` table (None: one point, the scenario's parameters).
        outputs: the series columns and event kinds the results folder stores
            (``run.series`` and ``run.events``; default: everything).
        calibrate: the ``[calibrate]`` table: what ``regcycle calibrate`` infers (None: none).
        posterior: the ``[posterior]`` draws: replication ``r`` runs draw ``r mod n_draws``
            (None: every run has ``params``).
    """

    name: str
    description: str
    path: str | None
    params: Params
    seeds: tuple[int, ...]
    seed_root: int | None = None
    workers: int | None = None
    sources: tuple[SourceFile, ...] = ()
    overrides: Mapping[str, Any] = field(default_factory=dict)
    sweep: SweepSpec | None = None
    outputs: OutputSelection = field(default_factory=OutputSelection)
    calibrate: CalibrateSpec | None = None
    posterior: PosteriorDraws | None = None

    @property
    def replications(self) -> int:
        """Number of replications (runs per parameter point)."""
        return len(self.seeds)

    @property
    def n_points(self) -> int:
        """Number of parameter points (1 without a sweep)."""
        return self.sweep.n_points if self.sweep is not None else 1

    @property
    def n_runs(self) -> int:
        """Number of runs: points × replications."""
        return self.n_points * self.replications

    @property
    def hash(self) -> str:
        """SHA-256 over the chain's texts and the overrides: identifies what was asked for.

        The ``[calibrate]`` and ``[posterior]`` tables enter too when present (a scenario built
        in code has no texts), but for ``calibrate.record``, an absolute path that differs from
        checkout to checkout (the texts hold it as written).
        """
        h = hashlib.sha256()
        for src in self.sources:
            h.update(src.text.encode())
            h.update(b"\0")
        h.update(json.dumps(dict(self.overrides), sort_keys=True, default=str).encode())
        if self.calibrate is not None:
            spec = {k: v for k, v in self.calibrate.to_dict().items() if k != "record"}
            h.update(b"\0calibrate" + json.dumps(spec, sort_keys=True).encode())
        if self.posterior is not None:
            h.update(b"\0posterior" + json.dumps([self.posterior.keys, self.posterior.draws,
                                                   self.posterior.fixed]).encode())
        return h.hexdigest()


def derive_seeds(root: int, n: int) -> tuple[int, ...]:
    """Per-run seeds from a root: child ``i`` of ``numpy.random.SeedSequence(root)``.

    Run ``i`` gets ``SeedSequence(root, spawn_key=(i,))`` (the ``i``-th child of
    ``SeedSequence(root).spawn``), reduced to a 63-bit integer so it fits every table and can be
    passed back as ``RegulatoryModel(params, rng=seed)`` to replay the run alone. The seeds of
    ``n`` replications are a prefix of those of ``n + k``.

    Args:
        root: the root entropy (a non-negative integer).
        n: how many seeds.

    Returns:
        ``n`` integers in ``[0, 2**63)``.
    """
    out = []
    for i in range(n):
        state = np.random.SeedSequence(root, spawn_key=(i,)).generate_state(1, dtype=np.uint64)
        out.append(int(state[0]) >> 1)
    return tuple(out)
