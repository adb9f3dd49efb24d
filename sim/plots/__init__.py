"""Matplotlib plots of runs and ensembles: ``f(data, ax=None) -> Axes``, never ``show``."""

from .overview import plot_overview

__all__ = ["plot_overview"]
