"""Problems in scenario input, the error that carries them, and the checker that collects them.

The scenario loader (:mod:`sim.experiment.scenario`) and the sweep checks
(:mod:`sim.experiment.sweep.checks`) both report through a :class:`Checker`, so this module sits
below both: it imports neither, and neither has to import the other to share it. Import
:class:`ScenarioError` and :class:`ScenarioProblem` from :mod:`sim.experiment.scenario`, their
public home; the rest of this module is for the checks.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..model.params import Problem, check_value

__all__ = [
    "COMMAND_LINE",
    "MAX_SEED",
    "MISSING",
    "Checker",
    "ScenarioError",
    "ScenarioProblem",
    "closest",
    "one_of",
]

COMMAND_LINE = "command line"
"""The source named in problems with values given on the command line (``--set`` etc.)."""

MAX_SEED = 2**63 - 1
"""Largest seed a scenario may give (``run.seed``, ``run.seeds``, ``sweep.sample_seed``)."""

MISSING: Any = object()
"""Stands for a required key that is absent (shown as ``(missing)`` in problems)."""


def _show(value: Any) -> str:
    """A value as a problem shows it: TOML spelling for booleans, short, tables not expanded."""
    if value is MISSING:
        return "(missing)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, (dt.date, dt.time)):  # TOML dates and times (datetime is a date)
        return f"{value.isoformat()} (a TOML date, not a string)"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


@dataclass(frozen=True, slots=True)
class ScenarioProblem:
    """One thing wrong in a scenario file or a command-line override.

    Attributes:
        source: the file (as given, or as reached through ``extends``) or :data:`COMMAND_LINE`.
        key: the dotted key (``leadership.theta_alarm``, ``events[2].kind``); empty for problems
            with the whole file (missing, not TOML).
        value: the value found (:data:`MISSING` when a required key is absent).
        allowed: what is allowed.
        message: what is wrong.
    """

    source: str
    key: str
    value: Any
    allowed: str
    message: str

    def __str__(self) -> str:
        if not self.key:
            return f"{self.source}: {self.message}"
        text = f"{self.source}: {self.key} = {_show(self.value)}: {self.message}"
        return f"{text}; allowed: {self.allowed}" if self.allowed else text


class ScenarioError(ValueError):
    """A scenario could not be loaded; carries every problem found (:class:`ScenarioProblem`)."""

    def __init__(self, problems: Sequence[ScenarioProblem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice most like ``word`` (for "did you mean ...?"), or None if none is close."""
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def one_of(choices: Iterable[str]) -> str:
    """``"one of a, b, c"``: the allowed text for a closed set of names."""
    return "one of " + ", ".join(choices)


class Checker:
    """Collects problems, naming for each the file that set the key.

    Every check reports what it finds and returns whether the value passed, so callers can
    carry on checking the rest of a file and still know which values they may use.

    Args:
        origin: dotted key → the source (file or :data:`COMMAND_LINE`) that last set it.
        default_source: the source named for keys no layer set (the file being loaded).
    """

    def __init__(self, origin: Mapping[str, str], default_source: str):
        self.origin = origin
        self.default_source = default_source
        self.problems: list[ScenarioProblem] = []

    def source(self, key: str) -> str:
        """The source that set ``key``, or the nearest enclosing table that was set."""
        k = key
        while k:
            if k in self.origin:
                return self.origin[k]
            cut = max(k.rfind("."), k.rfind("["))
            k = k[:cut] if cut > 0 else ""
        return self.default_source

    def add(self, key: str, value: Any, allowed: str, message: str,
            source: str | None = None) -> None:
        """Report one problem (under the source that set ``key`` unless ``source`` is given)."""
        self.problems.append(ScenarioProblem(source or self.source(key), key, value, allowed,
                                             message))

    def unknown(self, key: str, name: str, value: Any, valid: Sequence[str],
                what: str = "unknown key") -> None:
        """Report an unknown name, suggesting the closest valid one."""
        guess = closest(name, valid)
        message = f"{what}, did you mean {guess!r}?" if guess else what
        self.add(key, value, one_of(valid), message)

    def adopt(self, problem: Problem, choices: Iterable[str] = ()) -> None:
        """Report a problem found by :mod:`sim.model.params`, in the scenario's terms.

        An unknown name (``unknown choice``, ``unknown kind`` ...) gets a suggestion from
        ``choices``; a problem without a message says ``not allowed``.
        """
        message = problem.message or "not allowed"
        if message.startswith("unknown") and isinstance(problem.value, str):
            guess = closest(problem.value, choices)
            if guess:
                message = f"{message}, did you mean {guess!r}?"
        self.add(problem.key, problem.value, problem.allowed, message)

    def table(self, key: str, value: Any) -> bool:
        """Check that ``value`` is a TOML table."""
        if isinstance(value, dict):
            return True
        self.add(key, value, "a table", "wrong type")
        return False

    def integer(self, key: str, value: Any, lo: int, hi: int) -> bool:
        """Check that ``value`` is an integer (not a boolean) in ``[lo, hi]``."""
        allowed = f"an integer in [{lo}, {hi}]"
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(key, value, allowed, "wrong type")
            return False
        if not lo <= value <= hi:
            self.add(key, value, allowed, "out of range")
            return False
        return True

    def number(self, key: str, value: Any, lo: float, hi: float) -> bool:
        """Check that ``value`` is a finite number (not a boolean) in ``[lo, hi]``."""
        allowed = f"a number in [{lo:g}, {hi:g}]"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.add(key, value, allowed, "wrong type")
            return False
        if not math.isfinite(value) or not lo <= value <= hi:
            self.add(key, value, allowed, "out of range")
            return False
        return True

    def string(self, key: str, value: Any, allowed: str = "a string") -> bool:
        """Check that ``value`` is a string."""
        if isinstance(value, str):
            return True
        self.add(key, value, allowed, "wrong type")
        return False

    def param(self, f: dataclasses.Field, value: Any, key: str) -> bool:
        """Check a parameter value against its field's metadata (:func:`check_value`)."""
        problems = check_value(f, value, key)
        for p in problems:
            self.adopt(p, f.metadata.get("choices") or ())
        return not problems
