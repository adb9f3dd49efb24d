"""Matplotlib plots of runs and ensembles: ``f(data, ax=None) -> Axes``, never ``show``.

Colours come from :mod:`sim.plots.style` (Okabe–Ito; fixed phase colours); no function
changes ``matplotlib.rcParams``.
"""

from .ensemble import plot_comparison, plot_fan, plot_hypotheses, plot_sweep_heatmap
from .overview import plot_overview
from .panels import plot_panels, twin_of
from .portrait import plot_phase_portrait
from .timeline import plot_timeline

__all__ = [
    "plot_comparison",
    "plot_fan",
    "plot_hypotheses",
    "plot_overview",
    "plot_panels",
    "plot_phase_portrait",
    "plot_sweep_heatmap",
    "plot_timeline",
    "twin_of",
]
