"""Discrimination and calibration of the risk model (workbench.risk.validation): the concordance
and AUC against R's survival::concordance (tests/reference/validation.R), the fast pair counts
against the definitions by brute force, and the interval-censored estimates against the
simulator's true relapse days."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.risk.validation import RiskModelCheck, c_index, status_weights, weighted_auc

REF = Path(__file__).resolve().parents[1] / "reference"


def test_c_index_and_auc_equal_r_survival_concordance():
    data = pd.read_csv(REF / "validation_input.csv")
    ref = pd.read_csv(REF / "validation_output.csv")
    time = data["time"].to_numpy(float)
    upper = np.where(data["status"].eq(1), time, np.nan)
    for row in ref.itertuples():
        if row.quantity == "c_index":
            value, pairs = c_index(time, upper, data["x"].to_numpy(float), tau=float(row.t))
        else:
            y = (time <= row.t).astype(float)
            value = weighted_auc(data["x"].to_numpy(float), y)
            pairs = float(y.sum() * (1 - y).sum())
        # both are ratios of pair counts: equal up to floating-point rounding
        assert value == pytest.approx(row.value, abs=1e-12), row
        assert pairs == pytest.approx(row.comparable, abs=0), row


def _brute_c(lower, upper, m, tau):
    conc = pairs = 0.0
    exact = np.isfinite(upper) & (upper == lower)
    for i in np.flatnonzero(np.isfinite(upper) & (upper <= tau)):
        for j in range(lower.size):
            if upper[i] < lower[j] or (upper[i] == lower[j] and not exact[j]):
                pairs += 1
                conc += 1.0 if m[i] > m[j] else 0.5 if m[i] == m[j] else 0.0
    return conc / pairs, pairs


def test_fast_pair_counts_follow_their_definitions_on_interval_data():
    rng = np.random.default_rng(3)
    n = 250
    lower = rng.integers(0, 10, n).astype(float)
    upper = lower + rng.integers(0, 4, n)  # width 0: an exactly dated relapse
    upper[rng.random(n) < 0.3] = np.nan
    marker = rng.integers(0, 15, n).astype(float)  # many ties
    fast, pairs = c_index(lower, upper, marker, tau=8.0)
    slow, slow_pairs = _brute_c(lower, upper, marker, 8.0)
    assert pairs == slow_pairs
    assert fast == pytest.approx(slow, abs=1e-12)
    w = rng.random(n)
    num = den = 0.0
    for i in range(n):
        for j in range(n):
            if i != j:
                den += w[i] * (1 - w[j])
                num += (
                    w[i]
                    * (1 - w[j])
                    * (1.0 if marker[i] > marker[j] else 0.5 * (marker[i] == marker[j]))
                )
    assert weighted_auc(marker, w) == pytest.approx(num / den, abs=1e-12)


def test_status_weights_are_the_conditional_chance_of_relapse_by_t():
    def survival(days):
        return np.exp(-np.asarray(days, float) / 100.0)

    lower = np.array([0.0, 50.0, 120.0, 20.0, 80.0])
    upper = np.array([90.0, np.nan, np.nan, 40.0, 150.0])
    w = status_weights(lower, upper, 100.0, survival)
    s = survival
    expect = [1.0, (s(50) - s(100)) / s(50), 0.0, 1.0, (s(80) - s(100)) / (s(80) - s(150))]
    assert w == pytest.approx(expect, abs=1e-12)


@pytest.fixture(scope="module")
def checked(small_sim):
    from workbench.cohort.contract import as_cohort

    cohort = as_cohort(small_sim.dataset)
    check = RiskModelCheck(cohort.covariates, cutoff=cohort.cutoff, n_groups=5).fit(cohort.table)
    return small_sim, cohort, check


def test_interval_censored_auc_is_close_to_the_auc_of_the_true_relapse_days(checked):
    sim, cohort, check = checked
    truth = sim.truth_table.set_index("release_id").loc[cohort.table["release_id"]]
    res = check.result()
    for k, row in enumerate(res.auc.itertuples()):
        day = row.months * 365.25 / 12
        full = ((cohort.cutoff - cohort.table["release_date"]).dt.days >= day).to_numpy()
        y = (truth["relapse_day"].to_numpy() <= day)[full].astype(float)
        true_auc = weighted_auc(check.risk_[full, k], y)
        # the NPMLE weights of uncertain statuses ignore covariates, which pulls the estimate a
        # little towards 0.5 (about 0.01 at 23 k); 0.03 also covers 3,000 releases' noise
        assert row.auc == pytest.approx(true_auc, abs=0.03), row
        assert 0.55 < row.auc < 0.8  # the model discriminates, but modestly (the simulator's truth)


def test_calibration_groups_agree_with_the_predicted_risk(checked):
    _, _, check = checked
    cal = check.result().calibration
    assert len(cal) == 5 * 3
    # the model is correctly specified: each group's observed risk is within 0.08 of the mean
    # predicted (about 3 SE of a proportion of 600 people), and both rise across the groups
    assert np.all(np.abs(cal["observed"] - cal["predicted"]) < 0.08)
    for _, part in cal.groupby("months"):
        assert part["predicted"].is_monotonic_increasing
        assert part["observed"].iloc[-1] > part["observed"].iloc[0] + 0.2
