"""Shared test configuration."""

import os

# Headless plotting: set before any test imports matplotlib.pyplot.
os.environ.setdefault("MPLBACKEND", "Agg")
