"""The Solara page: Mesa's SolaraViz around :class:`~sim.app.dashboard.model.DashboardModel`.

Serve it with ``regcycle dashboard [SCENARIO]`` (or ``solara run sim.app.dashboard.app``). The
sidebar is SolaraViz's: step, play/pause and reset, the play interval, and one control per
parameter of :data:`sim.app.dashboard.controls.MAIN_PARAMETERS` plus the seed; reset rebuilds the
model from the scenario with the controls' values. The main area has four cells: enforcement
and signal per sector with their phases, alarm against threshold, valuation and pain, and the
status with the latest events.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import solara
from mesa.visualization import SolaraViz

from .controls import model_params
from .figures import SPECS, LiveFigure
from .model import DashboardModel
from .source import scenario_from_env
from .status import status_html

PLAY_INTERVAL_MS = 500
"""Pause between months while playing: longer than a redraw of the page.

SolaraViz's play loop steps the model in a thread and forces a re-render after every month. If
months come faster than the page redraws (four figures, ~0.2 s, more on a busy machine), every
render pass is overtaken by the next month and reacton stops the page with "Too many renders
triggered" (seen once in a clean-clone test run with 50 ms). The Play Interval slider lowers it.
"""

PAGE_CSS = """
.v-input__slider .v-input__slot { flex-wrap: wrap; }
.v-input__slider .v-input__slot > .v-label {
    flex: 0 0 100%; max-width: 100%; white-space: normal; height: auto; line-height: 1.25;
    font-size: 13px; margin: 0 0 34px 0;
}
.v-input__slider .v-slider__thumb-label-container { display: block !important; }
.v-input__slider .v-slider__thumb-label { font-size: 11px; }
"""
"""Page styles: slider labels on their own line (they are long), slider values always shown."""


def figure_component(name: str) -> Callable[[DashboardModel], Any]:
    """A SolaraViz component drawing the figure ``name`` of ``figures.SPECS``.

    The PNG is redrawn when the model or its month changes, through a
    :class:`~sim.app.dashboard.figures.LiveFigure` kept per model; the time taken is stored in
    ``model.render_times[name]``.
    """
    spec = SPECS[name]

    def component(model: DashboardModel) -> Any:
        live = solara.use_memo(lambda: LiveFigure(spec), [id(model)])

        def draw() -> bytes:
            with model.lock:  # not while a month is being simulated (play runs in a thread)
                t0 = time.perf_counter()
                data = live.png(model)
                model.render_times[name] = time.perf_counter() - t0
            return data

        data = solara.use_memo(draw, [id(model), model.steps])
        image = solara.Image(data, classes=["regcycle-plot", f"regcycle-plot-{name}"])
        return image.key(f"{name}-{id(model)}")

    component.__name__ = f"{name.capitalize()}Figure"
    return component


def status_component(model: DashboardModel) -> Any:
    """A SolaraViz component: month, sector phases, changed parameters and latest events.

    It also carries the page's styles (:data:`PAGE_CSS`).
    """
    with solara.Column(gap="0px", style="height: 100%;") as cell:
        solara.Style(PAGE_CSS)
        with model.lock:
            text = status_html(model)
        solara.HTML(unsafe_innerHTML=text, classes=["regcycle-status"],
                    style="height: 100%; overflow-y: auto; padding: 4px 8px;")
    return cell


COMPONENTS: list[tuple[Callable[[DashboardModel], Any], int]] = [
    *[(figure_component(name), 0) for name in SPECS],
    (status_component, 0),
]
"""The main area's cells, all on page 0 (SolaraViz lays them out two per row)."""


@solara.component
def Page() -> Any:
    """The page: one model per browser session, built from the scenario in the environment."""
    scenario = solara.use_memo(scenario_from_env, [])
    seed = scenario.seeds[0] if scenario.seeds else None
    model = solara.use_memo(lambda: DashboardModel(rng=seed, base=scenario.params), [])
    params = {**model_params(scenario.params, seed), "base": scenario.params}
    return SolaraViz(model, components=COMPONENTS, model_params=params,
                     play_interval=PLAY_INTERVAL_MS, name=f"regcycle · {scenario.name}")


__all__ = ["COMPONENTS", "Page", "figure_component", "status_component"]
