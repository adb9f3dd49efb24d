"""The experiment side of regcycle.

The experiment side: scenario files, sweeps, the runner and its backends, the results store
and the EMA Workbench adapter. Everything here drives :mod:`sim.model`; nothing in the model
imports it.
"""
