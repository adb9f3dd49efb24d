"""Argument types shared by the subcommands' parsers (bad values: one line, exit 2)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

__all__ = ["fraction", "int_in", "positive"]


def int_in(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse ``type`` accepting integers in ``[low, high]`` (no upper bound if None)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
        if high is None and value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        if high is not None and not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be in [{low}, {high}], got {value}")
        return value

    return parse


positive = int_in(1)
"""An integer of at least 1 (replications, months, workers, population...)."""


def fraction(text: str) -> float:
    """A number in [0, 1) (rates such as ``--min-acceptance``)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {value}")
    return value
