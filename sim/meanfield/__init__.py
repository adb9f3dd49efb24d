"""The reduced (mean-field) model of the regulatory pendulum (issue #15; docs/ODD.md).

A handful of state variables per sector, driven by the same :class:`sim.model.params.Params` as
the ABM, integrated as a fixed-step monthly map vectorised over grid cells:

* :mod:`~sim.meanfield.reduction`: the model's parameters → the reduced constants, and the
  closure constants fixed on tuning seeds (:data:`CLOSURE`);
* :mod:`~sim.meanfield.rules`: the ABM's rules on sector aggregates;
* :mod:`~sim.meanfield.hazards`: the ABM's random switches as hazards (median path);
* :mod:`~sim.meanfield.model`: the state, the monthly map, :func:`simulate`;
* :mod:`~sim.meanfield.grid`: maps over two parameters, classified by
  :mod:`sim.analysis.regimes`;
* :mod:`~sim.meanfield.closed_form`: lax and crackdown lengths in closed form;
* :mod:`~sim.meanfield.portrait`: nullclines and the relaxation cycle in the (alarm, pain)
  plane;
* :mod:`~sim.meanfield.agreement`: the reduced model against the ABM.
"""

from .model import RECORDED, State, Trajectory, initial_state, simulate, step
from .reduction import CLOSURE, Closure, Reduced, reduce

__all__ = ["CLOSURE", "RECORDED", "Closure", "Reduced", "State", "Trajectory", "initial_state",
           "reduce", "simulate", "step"]
