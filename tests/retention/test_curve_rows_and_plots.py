"""Curve rows (what the report and notebooks draw) of Kaplan-Meier, Aalen-Johansen and Turnbull,
and the axes their plot methods return."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from workbench.retention.competing import AalenJohansen
from workbench.retention.km import KaplanMeier
from workbench.retention.turnbull import TurnbullFitter

TIME = np.array([2.0, 3.0, 3.0, 5.0, 8.0, 9.0])
STATUS = np.array([1, 2, 0, 1, 2, 1])  # 1 relapse, 2 death, 0 censored


def test_kaplan_meier_curve_starts_at_day_0_with_a_clean_index():
    fit = KaplanMeier().fit(TIME, (STATUS == 1).astype(int), label="g")
    curve = fit.curve()
    assert list(curve.columns) == ["time", "estimate", "lower", "upper", "n_risk", "label"]
    assert curve.index.equals(pd.RangeIndex(len(curve)))
    assert curve.iloc[0][["time", "estimate", "lower", "upper"]].tolist() == [0.0, 1, 1, 1]
    np.testing.assert_allclose(
        curve["estimate"].iloc[1:], fit.table_["survival"][fit.table_["time"] > 0]
    )
    assert set(curve["label"]) == {"g"} and curve["n_risk"].iloc[0] == 6


def test_aalen_johansen_curve_of_each_cause_and_plot():
    fit = AalenJohansen().fit(TIME, STATUS)
    relapse, death = fit.curve("relapse"), fit.curve("death")
    for curve, cause in ((relapse, "relapse"), (death, "death")):
        assert list(curve.columns) == [
            "time",
            "estimate",
            "lower",
            "upper",
            "n_risk",
            "label",
            "cause",
        ]
        assert curve.iloc[0][["time", "estimate"]].tolist() == [0.0, 0.0]
        np.testing.assert_allclose(curve["estimate"].iloc[1:], fit.table_[f"cif_{cause}"])
        np.testing.assert_allclose(curve["upper"].iloc[1:], fit.table_[f"upper_{cause}"])
        assert set(curve["cause"]) == {cause} and set(curve["label"]) == {cause}
    # relapse by day 9: 1/6 at 2, then 1/6 * ... ; both causes and the event-free share sum to 1
    last = relapse["estimate"].iloc[-1] + death["estimate"].iloc[-1]
    assert last == pytest.approx(1.0)
    ax = fit.plot()
    assert len(ax.get_lines()) >= 2
    plt.close("all")


def test_turnbull_plot_is_a_probability_axis():
    fit = TurnbullFitter(n_bootstrap=0).fit([0, 2, 4, 1], [3, 5, np.nan, 2])
    ax = fit.plot()
    assert ax.get_ylim() == pytest.approx((0.0, 1.02))
    plt.close("all")
