"""A randomised comparison with interval-censored outcomes (effects.trial), fast: the arms'
piecewise-exponential HR on the table's own time scale, the Turnbull RMST difference with its
bootstrap SEs, the method label and the arms' curves, each recomputed from its parts.

Data: diabetes (lifelines; onset of nephropathy in (left, right] years), gender taken as the
"arm" — not a randomised trial, only a real interval-censored table on a time scale of years."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from workbench.cohort.contract import load_cohort
from workbench.effects.fitting import data_cuts
from workbench.effects.trial import Z, arm_curves, trial_rows
from workbench.i18n import join
from workbench.retention.turnbull import TurnbullFitter
from workbench.stats.pwe import PiecewiseExponentialPH

DATA = Path(__file__).parents[2] / "data" / "corpus" / "diabetes" / "diabetes.csv"
SPEC = """name: diabetes-arms
description: diabetes with gender as arm (test)
table: diabetes.csv
id: id
lower: left
upper: right
time_unit: years
event_label: nephropathy
design: randomised
arms: [{column: gender, treated: [female], untreated: [male]}]
"""
HORIZON = 20 * 365.25


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ictrial")
    shutil.copy(DATA, folder / "diabetes.csv")
    (folder / "spec.yaml").write_text(SPEC)
    return load_cohort(folder / "spec.yaml")


def test_interval_censored_arms_hr_rmst_and_label(cohort):
    (row,) = trial_rows(cohort, ["gender"], [], HORIZON, n_bootstrap=40, seed=3)
    table = cohort.table
    female = table["gender"].to_numpy(int) == 1
    assert row["code"] == "gender" and row["n_exposed"] == female.sum() == 277
    # HR: the PWE model on the table's own pieces (deciles of the interval ends), Wald CI
    lower, upper = table["lower_day"].to_numpy(float), table["upper_day"].to_numpy(float)
    cuts = data_cuts(lower, upper)
    assert cuts[0] == 0 and 8 <= cuts.size <= 11 and cuts[1] > 365  # years, not days
    fit = PiecewiseExponentialPH(cuts).fit(lower, upper, table[["gender"]].astype(float))
    b = fit.params_["gender"]
    se = np.sqrt(fit.variance_matrix_.loc["gender", "gender"])
    np.testing.assert_allclose(
        [row["hr"], row["hr_lower"], row["hr_upper"]],
        np.exp([b, b - Z * se, b + Z * se]),
        rtol=1e-9,
    )
    # RMST: difference of the arms' Turnbull RMSTs; SEs from their percentile intervals
    est, half = {}, {}
    for arm, rows in ((1, female), (0, ~female)):
        up = np.where(table["event"].eq("relapse"), upper, np.inf)[rows]
        r = TurnbullFitter(n_bootstrap=40, seed=3).fit(lower[rows], up).rmst(HORIZON)
        est[arm], half[arm] = r.estimate, (r.ci[1] - r.ci[0]) / 2
    diff = est[1] - est[0]
    width = np.hypot(half[1], half[0])
    np.testing.assert_allclose(
        [row["rmst_diff_days"], row["rmst_diff_lower"], row["rmst_diff_upper"]],
        [diff, diff - width, diff + width],
        rtol=1e-12,
    )
    assert row["horizon_days"] == HORIZON
    assert row["method"] == (
        "HR: piecewise-exponential PH, unadjusted (randomised arms); "
        "RMST: difference of the arms' Turnbull RMST (bootstrap SEs)"
    )
    assert join(row["method_text"], "en") == row["method"]


def test_interval_censored_arm_curves(cohort):
    curves = arm_curves(cohort)
    assert list(curves.columns) == ["arm", "group", "time", "estimate", "lower", "upper"]
    assert set(curves["arm"]) == {"gender"} and sorted(set(curves["group"])) == [0, 1]
    for _group, part in curves.groupby("group"):
        assert len(part) == 200 and part["time"].iloc[0] == 0.0
        assert part["time"].iloc[-1] == np.nanmax(cohort.table["lower_day"])
        assert np.all(np.diff(part["estimate"]) <= 1e-12) and part["estimate"].iloc[0] == 1.0
        assert part[["lower", "upper"]].isna().all().all()  # no band without a bootstrap
