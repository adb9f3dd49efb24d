"""The ``[calibrate]`` and ``[posterior]`` tables: what a calibration infers, and what it found.

``[calibrate]`` chooses the parameters ``regcycle calibrate`` infers (ABC-SMC with pyabc,
:mod:`sim.calibration`) and their uniform priors, and the sampler's settings::

    [calibrate]
    record = "../data/record.toml"      # default of --record, relative to this file
    population = 300                     # particles per generation
    generations = 10                     # most generations
    min_acceptance = 0.02                # stop when the acceptance rate falls below
    min_epsilon = 0.0                    # stop when epsilon falls below
    replications = 1                     # simulations per particle (distances averaged)
    seed = 12345                         # root of the simulations' seeds
    [calibrate.parameters]               # dotted key -> uniform prior
    "leadership.theta_alarm" = { range = [0.3, 3.0] }
    "leadership.theta_pain" = {}         # {}: the parameter's whole allowed range

``[posterior]`` holds equally weighted draws of the calibrated parameters (written by
``regcycle calibrate --write-scenario``)::

    [posterior]
    source = "results/history/20261130-120000/calibration.db"   # provenance only
    parameters = ["leadership.theta_alarm", "leadership.theta_pain"]
    draws = [[1.1, 0.55], [0.9, 0.7]]    # one row a draw, in the order of parameters

Replication ``r`` of a scenario with a ``[posterior]`` runs draw ``r mod n_draws`` with the seed
of replication ``r`` (:func:`sim.experiment.runner.expand`): every scenario that extends a
calibrated one inherits its seeds and its draws, so runs ``r`` of two such scenarios share both
(common random numbers over parameter uncertainty). A value set for a drawn parameter in a file
that comes later in the ``extends`` chain than the ``[posterior]`` table (or with ``--set``)
fixes that parameter in every run: its column of the draws is dropped (:meth:`PosteriorDraws.fix`),
so a policy overlay that sets a calibrated parameter does what it says. A ``[posterior]`` cannot
be combined with a ``[sweep]`` (each gives every run its own parameters).

Both tables are checked like ``[sweep]`` (:mod:`sim.experiment.sweep.checks`): parameters must
exist, be numbers and be sweepable, and every range and draw must lie within the parameter's
metadata range (:mod:`sim.model.params`). Priors are continuous: an integer parameter takes
any numbers in its range as bounds and as draws, and a draw is rounded, as the calibration
rounds a particle when it simulates it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ...model.params import Params, field_for, fmt_number
from ..problems import COMMAND_LINE, MAX_SEED, MISSING, Checker
from ..sweep.checks import sweep_field

__all__ = [
    "CALIBRATE_KEYS",
    "POSTERIOR_KEYS",
    "PRIOR_KEYS",
    "CalibrateSpec",
    "PosteriorDraws",
    "check_calibrate",
    "check_posterior",
    "flatten_priors",
]

CALIBRATE_KEYS: tuple[str, ...] = ("record", "population", "generations", "min_acceptance",
                                   "min_epsilon", "replications", "seed", "parameters")
"""The keys of a ``[calibrate]`` table."""

PRIOR_KEYS: tuple[str, ...] = ("range",)
"""The keys of one calibrated parameter (``{ range = [low, high] }``, or ``{}``)."""

POSTERIOR_KEYS: tuple[str, ...] = ("source", "parameters", "draws")
"""The keys of a ``[posterior]`` table."""

MAX_POPULATION = 1_000_000
MAX_GENERATIONS = 10_000
MAX_CALIBRATION_REPLICATIONS = 1000
MAX_DRAWS = 100_000
MAX_LISTED = 20
"""Most problems listed for the values of one table (the rest are counted in one more)."""


@dataclass(frozen=True, slots=True)
class CalibrateSpec:
    """A validated ``[calibrate]`` table.

    Attributes:
        parameters: ``(dotted key, low, high)`` per calibrated parameter: a uniform prior on
            ``[low, high]`` (the table's ``range``, or the parameter's metadata range).
        record: the record to calibrate to (an absolute path; None: give ``--record``).
        population: particles per generation.
        generations: most generations.
        min_acceptance: stop when a generation's acceptance rate falls below this.
        min_epsilon: stop when epsilon falls below this.
        replications: simulations per particle (their distances are averaged).
        seed: root of the simulations' seeds (and of the sampler in reproducible mode).
    """

    parameters: tuple[tuple[str, float, float], ...]
    record: str | None = None
    population: int = 300
    generations: int = 10
    min_acceptance: float = 0.02
    min_epsilon: float = 0.0
    replications: int = 1
    seed: int = 0

    @property
    def keys(self) -> tuple[str, ...]:
        """The calibrated parameters' dotted keys, in table order."""
        return tuple(k for k, _, _ in self.parameters)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (ranges as ``[low, high]``)."""
        out = dataclasses.asdict(self)
        out["parameters"] = {k: [lo, hi] for k, lo, hi in self.parameters}
        return out


@dataclass(frozen=True, slots=True)
class PosteriorDraws:
    """A validated ``[posterior]`` table: equally weighted draws of some parameters.

    Attributes:
        keys: the drawn parameters' dotted keys (the table's ``parameters``, less ``fixed``).
        draws: one row a draw, one value a key (ints for integer parameters, else floats).
        source: where the draws came from (provenance only).
        fixed: drawn parameters that a later file or ``--set`` fixed (their columns dropped).
    """

    keys: tuple[str, ...]
    draws: tuple[tuple[float | int, ...], ...]
    source: str | None = None
    fixed: tuple[str, ...] = ()

    @property
    def n_draws(self) -> int:
        """How many draws."""
        return len(self.draws)

    @property
    def matrix(self) -> np.ndarray:
        """The draws as a float array of shape ``(n_draws, len(keys))``."""
        return np.asarray(self.draws, dtype=float).reshape(len(self.draws), len(self.keys))

    def draw_of(self, replicate: int) -> int:
        """The draw replication ``replicate`` runs: ``replicate mod n_draws``."""
        return replicate % len(self.draws)

    def values(self, replicate: int) -> tuple[tuple[str, float | int], ...]:
        """Replication ``replicate``'s parameter values as ``((key, value), ...)``."""
        return tuple(zip(self.keys, self.draws[self.draw_of(replicate)], strict=True))

    def fix(self, keys: Iterable[str]) -> PosteriorDraws | None:
        """These draws without the columns of ``keys`` (None when no column is left)."""
        fixed = set(keys)
        drop = [k for k in self.keys if k in fixed]
        if not drop:
            return self
        keep = [i for i, k in enumerate(self.keys) if k not in drop]
        if not keep:
            return None
        return PosteriorDraws(keys=tuple(self.keys[i] for i in keep),
                              draws=tuple(tuple(row[i] for i in keep) for row in self.draws),
                              source=self.source, fixed=(*self.fixed, *drop))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (for the manifest): keys, number of draws, source."""
        return {"parameters": list(self.keys), "n_draws": self.n_draws, "source": self.source,
                "fixed": list(self.fixed)}


# --------------------------------------------------------------------------------------------
# Which parameters a calibration or a posterior may name
# --------------------------------------------------------------------------------------------


def _is_number(f: dataclasses.Field) -> bool:
    return f.type in ("int", "float", int, float)


def _numeric_field(c: Checker, ckey: str, key: str, value: Any,
                   what: str) -> dataclasses.Field | None:
    """The field of a calibrated or drawn parameter, or None after reporting why it cannot be.

    The parameter must be one a sweep could vary (:func:`sim.experiment.sweep.checks.
    sweep_field` reports an unknown or structural one) and a number with a range.

    Args:
        c: collects the problems.
        ckey: the key problems are reported under.
        key: the parameter's dotted key.
        value: the value shown in problems.
        what: ``"a prior"`` or ``"draws"``, for messages.
    """
    f = sweep_field(c, ckey, key, value)
    if f is None:
        return None
    # every sweepable parameter is a number with a range today; a later one may not be
    if not _is_number(f) or not f.metadata.get("range"):  # pragma: no cover
        c.add(ckey, value, "a numeric sweepable parameter", f"not a number with an allowed "
              f"range: it cannot take {what}")
        return None
    return f


def _number_in_range(c: Checker, key: str, f: dataclasses.Field, value: Any) -> bool:
    """A finite number (any, for an integer parameter: it is rounded) in the metadata range."""
    lo, hi = f.metadata["range"]
    allowed = f"a number in [{fmt_number(lo)}, {fmt_number(hi)}]"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        c.add(key, value, allowed, "wrong type")
        return False
    if not math.isfinite(value) or not lo <= value <= hi:
        c.add(key, value, allowed, "out of range")
        return False
    return True


def _as_value(f: dataclasses.Field, value: float) -> float | int:
    """A prior's or a draw's value as the parameter holds it: rounded for integers."""
    if f.type in ("int", int):
        return round(value)
    return float(value)


def with_values(base: Params, values: Mapping[str, float]) -> Params:
    """``base`` with parameters set to drawn values: what a particle or a draw runs with.

    Priors are continuous, so integer parameters are rounded (as draws are at load).
    """
    return base.override({k: _as_value(field_for(k), v) for k, v in values.items()})


# --------------------------------------------------------------------------------------------
# [calibrate]
# --------------------------------------------------------------------------------------------


def flatten_priors(table: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """``{"leadership": {"theta_alarm": {}}}`` and ``{"leadership.theta_alarm": {}}`` → pairs.

    A table is a prior (a leaf) when it is empty, holds ``range`` or its key names a
    parameter; other tables are groups of dotted keys. So ``{ rnage = [...] }`` under a
    parameter is that parameter's prior with an unknown key, not a parameter ``...rnage``.
    """
    out: list[tuple[str, Any]] = []
    for k, v in table.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and v and not set(v) & set(PRIOR_KEYS) \
                and not _names_parameter(key):
            out += flatten_priors(v, key + ".")
        else:
            out.append((key, v))
    return out


def _names_parameter(key: str) -> bool:
    try:
        field_for(key)
    except KeyError:
        return False
    return True


def check_calibrate(c: Checker, table: Any) -> CalibrateSpec | None:
    """Check a merged ``[calibrate]`` table; return its spec, or None (absent, or problems).

    ``record`` is resolved against the folder of the file that set it (the working directory
    for ``--set``) into an absolute path; the file need not exist yet.
    """
    if table is MISSING or not c.table("calibrate", table):
        return None
    before = len(c.problems)
    for k, v in table.items():
        if k not in CALIBRATE_KEYS:
            c.unknown(f"calibrate.{k}", k, v, CALIBRATE_KEYS)
    options: dict[str, Any] = {}
    if "record" in table:
        record = _record_path(c, table["record"])
        if record is not None:
            options["record"] = record
    integers = {"population": (2, MAX_POPULATION), "generations": (1, MAX_GENERATIONS),
                "replications": (1, MAX_CALIBRATION_REPLICATIONS), "seed": (0, MAX_SEED)}
    for k, (lo, hi) in integers.items():
        if k in table and c.integer(f"calibrate.{k}", table[k], lo, hi):
            options[k] = table[k]
    numbers = {"min_acceptance": (0.0, 1.0), "min_epsilon": (0.0, math.inf)}
    for k, (lo, hi) in numbers.items():
        if k in table and c.number(f"calibrate.{k}", table[k], lo, hi):
            options[k] = float(table[k])
    priors = _priors(c, table.get("parameters", MISSING))
    if len(c.problems) > before or priors is None:
        return None
    return CalibrateSpec(parameters=priors, **options)


def _record_path(c: Checker, value: Any) -> str | None:
    allowed = "a path to a record file (TOML), relative to the scenario file"
    if not c.string("calibrate.record", value, allowed):
        return None
    if not value.strip():
        c.add("calibrate.record", value, allowed, "empty")
        return None
    source = c.source("calibrate.record")
    base = Path.cwd() if source == COMMAND_LINE else Path(source).resolve().parent
    return str((base / value).resolve())


def _priors(c: Checker, params: Any) -> tuple[tuple[str, float, float], ...] | None:
    """``[calibrate.parameters]``: one uniform prior per parameter, or None after problems."""
    allowed = "a table of dotted keys, each { range = [low, high] } or {} (the whole range)"
    if params is MISSING:
        c.add("calibrate.parameters", params, allowed, "missing")
        return None
    if not c.table("calibrate.parameters", params):
        return None
    leaves = flatten_priors(params)
    if not leaves:
        c.add("calibrate.parameters", params, allowed, "empty: calibrate at least one parameter")
        return None
    out = []
    ok = True
    for key, spec in leaves:
        prior = _prior(c, key, spec)
        ok = ok and prior is not None
        if prior is not None:
            out.append(prior)
    return tuple(out) if ok else None


def _prior(c: Checker, key: str, spec: Any) -> tuple[str, float, float] | None:
    """One calibrated parameter's uniform prior ``(key, low, high)``, or None after problems."""
    ckey = f"calibrate.parameters.{key}"
    f = _numeric_field(c, ckey, key, spec, "a prior")
    if f is None:
        return None
    if not isinstance(spec, dict):
        c.add(ckey, spec, "{ range = [low, high] } or {} (the whole allowed range)",
              "wrong type")
        return None
    for k in spec:
        if k not in PRIOR_KEYS:
            c.unknown(f"{ckey}.{k}", k, spec[k], PRIOR_KEYS)
            return None
    lo, hi = f.metadata["range"]
    if "range" not in spec:
        return key, float(lo), float(hi)
    bounds = spec["range"]
    rkey = f"{ckey}.range"
    allowed = (f"[low, high] with low < high, both in [{fmt_number(lo)}, {fmt_number(hi)}] "
               "(the parameter's allowed range)")
    if not isinstance(bounds, list) or len(bounds) != 2:
        c.add(rkey, bounds, allowed, "wrong type")
        return None
    # any numbers, for an integer parameter too: the prior is continuous, a draw is rounded
    if not all([_number_in_range(c, f"{rkey}[{i}]", f, v) for i, v in enumerate(bounds)]):
        return None
    if not bounds[0] < bounds[1]:
        c.add(rkey, bounds, allowed, "empty prior: low is not below high")
        return None
    return key, float(bounds[0]), float(bounds[1])


# --------------------------------------------------------------------------------------------
# [posterior]
# --------------------------------------------------------------------------------------------


def check_posterior(c: Checker, table: Any) -> PosteriorDraws | None:
    """Check a merged ``[posterior]`` table; return its draws, or None (absent, or problems)."""
    if table is MISSING or not c.table("posterior", table):
        return None
    before = len(c.problems)
    for k, v in table.items():
        if k not in POSTERIOR_KEYS:
            c.unknown(f"posterior.{k}", k, v, POSTERIOR_KEYS)
    source = table.get("source")
    if "source" in table and not c.string("posterior.source", source,
                                          "a string (where the draws came from)"):
        source = None
    fields = _drawn_fields(c, table.get("parameters", MISSING))
    draws = _draws(c, table.get("draws", MISSING), fields)
    if len(c.problems) > before or fields is None or draws is None:
        return None
    return PosteriorDraws(keys=tuple(fields), draws=draws, source=source)


def _drawn_fields(c: Checker, params: Any) -> dict[str, dataclasses.Field] | None:
    """``posterior.parameters``: distinct known numeric parameters, or None after problems."""
    allowed = "a non-empty list of distinct dotted parameter keys"
    if params is MISSING:
        c.add("posterior.parameters", params, allowed, "missing")
        return None
    if not isinstance(params, list) or not params:
        c.add("posterior.parameters", params, allowed,
              "empty" if isinstance(params, list) else "wrong type")
        return None
    out: dict[str, dataclasses.Field] = {}
    ok = True
    for i, key in enumerate(params):
        ckey = f"posterior.parameters[{i}]"
        if not c.string(ckey, key, allowed):
            ok = False
            continue
        f = _numeric_field(c, ckey, key, key, "draws")
        if f is None:
            ok = False
        elif key in out:
            c.add(ckey, key, allowed, "given twice")
            ok = False
        else:
            out[key] = f
    return out if ok else None


def _draws(c: Checker, draws: Any, fields: Mapping[str, dataclasses.Field] | None
           ) -> tuple[tuple[float | int, ...], ...] | None:
    """``posterior.draws``: one row a draw, each value in its parameter's range."""
    width = len(fields) if fields is not None else None
    allowed = ("a non-empty list of draws, each a list of one number per parameter"
               + (f" ({width})" if width is not None else ""))
    if draws is MISSING:
        c.add("posterior.draws", draws, allowed, "missing")
        return None
    if not isinstance(draws, list) or not draws:
        c.add("posterior.draws", draws, allowed,
              "empty" if isinstance(draws, list) else "wrong type")
        return None
    if len(draws) > MAX_DRAWS:
        c.add("posterior.draws", f"{len(draws)} draws", f"at most {MAX_DRAWS} draws", "too many")
        return None
    sub = Checker(c.origin, c.default_source)  # every bad value, listed up to MAX_LISTED
    rows = []
    for i, row in enumerate(draws):
        key = f"posterior.draws[{i}]"
        if not isinstance(row, list):
            sub.add(key, row, allowed, "wrong type")
            continue
        if width is not None and len(row) != width:
            sub.add(key, row, allowed, f"{len(row)} values for {width} parameters")
            continue
        if fields is None:
            continue
        good = [_number_in_range(sub, f"{key}[{j}]", f, v)
                for j, (f, v) in enumerate(zip(fields.values(), row, strict=True))]
        if all(good):
            rows.append(tuple(_as_value(f, v) for f, v in zip(fields.values(), row,
                                                              strict=True)))
    c.problems.extend(sub.problems[:MAX_LISTED])
    if len(sub.problems) > MAX_LISTED:
        more = len(sub.problems) - MAX_LISTED
        c.add("posterior.draws", f"{len(draws)} draws", allowed,
              f"and {more} more bad draw{'s' if more > 1 else ''}")
    if sub.problems or fields is None:
        return None
    return tuple(rows)



def attach_posterior(scenario: Any, draws: PosteriorDraws) -> Any:
    """``scenario`` run over posterior ``draws`` (``regcycle run --posterior``, notebook 02).

    A policy hypothesis written as an overlay of the baseline runs over the draws of a
    calibrated scenario without being rewritten: replication r keeps the scenario's seed r and
    takes draw r mod n, so every hypothesis run this way over the same seeds pairs with every
    other run by (seed, draw) — common random numbers over parameter uncertainty. A drawn
    parameter that the scenario itself sets away from its default (a policy that changes a
    calibrated parameter) keeps the scenario's value in every run: its column is dropped, as
    for an overlay of the calibrated scenario.

    Args:
        scenario: a loaded :class:`~sim.experiment.scenario.Scenario` without a sweep.
        draws: the ``posterior`` of a calibrated scenario.

    Returns:
        the scenario with ``posterior`` set (and its hash changed accordingly).

    Raises:
        ValueError: the scenario has a ``[sweep]`` (one point per run is all a posterior allows).
    """
    if scenario.sweep is not None:
        raise ValueError(f"scenario {scenario.name!r} has a [sweep]: it cannot run over "
                         "posterior draws")
    defaults = Params()
    own = [k for k in draws.keys if scenario.params.get(k) != defaults.get(k)]
    return dataclasses.replace(scenario, posterior=draws.fix(own))
