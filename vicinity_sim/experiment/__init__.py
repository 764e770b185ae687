"""Experiments: arms with common random numbers, sweeps, sensitivity, calibration, executors,
resumable Parquet results and reports."""

from vicinity_sim.experiment.runner import Experiment, Results, load_results, run_experiment
from vicinity_sim.experiment.spec import ExperimentSpec, load_experiment

__all__ = ["Experiment", "ExperimentSpec", "Results", "load_experiment", "load_results",
           "run_experiment"]  # fmt: skip
