"""The recorder: counts, levels that repeat, and records that stay a recorder's own."""

import copy

import numpy as np
import pytest

from vicinity_sim.recorder import Recorder


def recorder(days=4):
    dates = np.arange(np.datetime64("2024-01-01"), np.datetime64("2024-01-01") + days)
    return Recorder(["fires", "share", "weekly"], days, dates, frozenset({"share"}))


def test_missing_counts_are_zero_and_missing_levels_repeat():
    rec = recorder()
    rec.collect(0, {"fires": 2, "share": 0.5, "weekly": 7})
    rec.collect(1, {"fires": 1})  # a day the weekly process and the level's did not run
    rec.collect(2, {"share": 0.25, "fires": 0})  # another order of the same names
    assert rec.column("fires").tolist() == [2.0, 1.0, 0.0]
    assert rec.column("share").tolist() == [0.5, 0.5, 0.25]
    assert rec.column("weekly").tolist() == [7.0, 0.0, 0.0]
    assert rec.recorded == 3
    frame = rec.get_model_vars_dataframe()
    assert frame["share"].tolist() == [0.5, 0.5, 0.25]


def test_a_level_never_recorded_is_nan_and_unknown_metrics_are_refused():
    rec = recorder()
    rec.collect(0, {"fires": 1})
    assert np.isnan(rec.column("share")[0])
    with pytest.raises(KeyError, match="undeclared"):
        rec.collect(1, {"undeclared": 1.0})


def test_a_copied_recorder_records_into_its_own_table():
    rec = recorder()
    rec.collect(0, {"fires": 1, "share": 0.5})
    twin = copy.deepcopy(rec)
    twin.collect(1, {"fires": 5})
    rec.collect(1, {"fires": 3})
    assert twin.column("fires").tolist() == [1.0, 5.0]
    assert rec.column("fires").tolist() == [1.0, 3.0]
    assert twin.columns()["share"].tolist() == [0.5, 0.5]
