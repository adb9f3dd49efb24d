"""regcycle: an agent-based model of Zhang's regulatory pendulum (import package ``sim``).

The public API: :class:`Params` and :class:`RegulatoryModel` (the model), :func:`load_scenario`
(scenario files), :func:`run_scenario` (replications to a results folder) and
:func:`load_results` (a results folder into pandas frames).
"""

from .model.params import ParameterError, Params
from .model.states import EventKind, Phase

__version__ = "0.1.0"

__all__ = [
    "EventKind",
    "ParameterError",
    "Params",
    "Phase",
    "RegulatoryModel",
    "__version__",
    "load_results",
    "load_scenario",
    "run_scenario",
]

_LAZY = {
    "RegulatoryModel": ("sim.model", "RegulatoryModel"),
    "load_scenario": ("sim.experiment.scenario", "load_scenario"),
    "run_scenario": ("sim.experiment.runner", "run_scenario"),
    "load_results": ("sim.experiment.store", "load_results"),
}


def __getattr__(name: str):
    # Mesa, pandas and the runner load on first use so that `import sim` stays light.
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
