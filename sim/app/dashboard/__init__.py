"""The interactive dashboard: Mesa's SolaraViz page for the model (``regcycle dashboard``).

It needs the optional extra ``regcycle[dashboard]`` (Mesa's ``viz`` extra: Solara, Altair). The
modules split so that only :mod:`sim.app.dashboard.app` imports Solara:

- :mod:`~sim.app.dashboard.controls`: which parameters get sliders and selectors, built from the
  parameter metadata of :mod:`sim.model.params`;
- :mod:`~sim.app.dashboard.model`: :class:`~sim.app.dashboard.model.DashboardModel`, the adapter
  that
  SolaraViz re-instantiates with flat keyword arguments on reset;
- :mod:`~sim.app.dashboard.figures`: the plots (matplotlib);
- :mod:`~sim.app.dashboard.status`: the status panel and the event list (HTML);
- :mod:`~sim.app.dashboard.months`: month indices as calendar years and ``YYYY-MM`` labels;
- :mod:`~sim.app.dashboard.app`: the Solara page (``solara run sim.app.dashboard.app``);
- :mod:`~sim.app.dashboard.cli`: the ``regcycle dashboard`` subcommand.
"""

from __future__ import annotations

import importlib

INSTALL_HINT = "pip install 'regcycle[dashboard]'"
"""The command that installs what the dashboard needs."""

EXTRA_MODULES: tuple[str, ...] = ("solara", "altair", "mesa.visualization")
"""Modules the dashboard imports that plain regcycle does not install."""


def missing_extra() -> str | None:
    """Name the first module of the ``dashboard`` extra that cannot be imported, or None."""
    for name in EXTRA_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            return name
    return None


__all__ = ["EXTRA_MODULES", "INSTALL_HINT", "missing_extra"]
