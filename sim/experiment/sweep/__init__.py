"""Sweeps: which parameter points a sweep runs, and the checks of the ``[sweep]`` table.

A sweep scenario adds a ``[sweep]`` table that names a :class:`Design` and the swept
parameters. The scenario loader (:mod:`sim.experiment.scenario`) reads the file and hands the
table to :mod:`.checks`, which validates it into a :class:`SweepSpec` (:mod:`.spec`).
:mod:`.sampling` turns the spec into a *sample matrix*: one row per parameter point, one column
per swept parameter, holding the values the runs will use. :func:`sim.experiment.runner.expand`
then crosses the points with the scenario's replications.

Designs (the sampling is done by ``scipy.stats.qmc`` and SALib, never by hand):

========================  =====================================================================
``grid``                  full factorial over each axis's ``values`` (or ``levels`` evenly
                          spaced values over its ``range``); the first axis varies slowest
``latin_hypercube``       ``samples`` points, ``scipy.stats.qmc.LatinHypercube``
``sobol``                 Saltelli's scheme for Sobol indices, ``SALib.sample.sobol``:
                          ``samples`` (a power of 2) × (D + 2) points, × (2D + 2) with
                          ``second_order``; analyse with ``SALib.analyze.sobol``
``morris``                ``samples`` trajectories of D + 1 points on a ``levels``-level grid,
                          ``SALib.sample.morris``; analyse with ``SALib.analyze.morris``
``points``                an explicit list of points (``[[sweep.points]]``); a key a point
                          leaves out keeps the scenario's value
========================  =====================================================================

Sampled designs draw on the unit hypercube and map each coordinate ``u`` to its axis: a float
parameter gets ``low + u (high − low)``; an integer parameter is uniform over
``low..high`` (``floor(low + u (high − low + 1))``, capped at ``high``). The sampler's seed is
``sample_seed`` when given, else child :data:`SAMPLER_SPAWN_KEY` of
``SeedSequence(run.seed)``: it never coincides with a replication's seed, and changing the
number of replications (``--seeds``) never changes the points.
"""

from __future__ import annotations

from .sampling import (
    SAMPLER_SPAWN_KEY,
    point_params,
    point_values,
    salib_problem,
    sample_matrix,
    sampler_seed,
)
from .spec import Axis, Design, SweepSpec

__all__ = [
    "SAMPLER_SPAWN_KEY",
    "Axis",
    "Design",
    "SweepSpec",
    "point_params",
    "point_values",
    "salib_problem",
    "sample_matrix",
    "sampler_seed",
]
