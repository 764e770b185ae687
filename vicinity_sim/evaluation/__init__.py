"""The evaluator's lab: the estimators researchers apply to staggered programs, on simulated
village-level panels, beside the true effect the model knows.

* :mod:`~vicinity_sim.evaluation.panel`: balanced unit × period panels (from a city run's
  ``villages.parquet``);
* :mod:`~vicinity_sim.evaluation.estimators`: two-way fixed-effects difference-in-differences,
  event study, Callaway–Sant'Anna group-time ATTs and their aggregations;
* :mod:`~vicinity_sim.evaluation.truth`: the true effect from the paired run without the
  program, and each estimator's bias;
* :mod:`~vicinity_sim.evaluation.synthetic`: panels with known effects.
"""

from vicinity_sim.evaluation.estimators import (
    CallawaySantAnna,
    Estimate,
    EventStudy,
    callaway_santanna,
    event_study,
    group_time,
    twfe,
)
from vicinity_sim.evaluation.panel import NEVER, Panel, from_city, from_frame
from vicinity_sim.evaluation.truth import compare, compare_city, true_effects, without_program

__all__ = [
    "NEVER",
    "CallawaySantAnna",
    "Estimate",
    "EventStudy",
    "Panel",
    "callaway_santanna",
    "compare",
    "compare_city",
    "event_study",
    "from_city",
    "from_frame",
    "group_time",
    "true_effects",
    "twfe",
    "without_program",
]
