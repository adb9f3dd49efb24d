"""Calibration to the dated record (issue #13): the record as data, the summary statistics.

:mod:`.record` reads and checks ``data/record.toml`` (each observed quantity, its range, its
set and the statistic it maps to); :mod:`.statistics` computes those statistics from a run.
:mod:`.abc` (ABC-SMC with pyabc) is imported on its own: it is not loaded here.
"""

from .record import (
    RECORD_SETS,
    Observation,
    Record,
    RecordError,
    Unmapped,
    check_against,
    load_record,
)
from .statistics import (
    CAMPAIGN_SECTORS,
    KINDS,
    STATISTICS,
    Statistic,
    StatisticError,
    simulate,
    statistics_of,
)

__all__ = [
    "CAMPAIGN_SECTORS",
    "KINDS",
    "RECORD_SETS",
    "STATISTICS",
    "Observation",
    "Record",
    "RecordError",
    "Statistic",
    "StatisticError",
    "Unmapped",
    "check_against",
    "load_record",
    "simulate",
    "statistics_of",
]
