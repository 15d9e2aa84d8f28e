"""Programme view: tiers, coverage and regional comparison on hand-checkable cohorts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.data.codes import DAYS_PER_MONTH
from workbench.programme.coverage import coverage_table
from workbench.programme.regions import compare_regions, predicted_retention
from workbench.programme.tiers import VISIT_TOLERANCE_DAYS, tier_counts

YEAR = 12 * DAYS_PER_MONTH
NAN = np.nan


def _cohort(rows):
    cols = ["release_year", "lower_day", "upper_day", "event", "censor_reason"]
    return pd.DataFrame(rows, columns=cols)


def test_observed_tier_counts_follow_the_visit_rule():
    cohort = _cohort(
        [
            (2017, 370.0, NAN, "censored", "end_of_tracking"),  # abstinent past 1 year
            (2017, YEAR - VISIT_TOLERANCE_DAYS, NAN, "censored", "lost"),  # early 12-month visit
            (2017, YEAR - VISIT_TOLERANCE_DAYS - 1, NAN, "censored", "lost"),  # too early
            (2018, 740.0, 900.0, "relapse", NAN),  # relapsed after 2 years: counts for 1 and 2
            (2018, 100.0, 200.0, "relapse", NAN),  # relapsed in the first year
            (2018, 1100.0, NAN, "censored", "end_of_tracking"),  # all three tiers
        ]
    )
    table = tier_counts(cohort, by=None).set_index("years")
    assert table.loc[1, "observed"] == 4
    assert table.loc[2, "observed"] == 2
    assert table.loc[3, "observed"] == 1
    assert table.loc[1, "target"] == 10_000
    assert table["projected"].isna().all()


def test_projected_tiers_add_conditional_probabilities_for_people_still_tracked():
    cohort = _cohort(
        [
            (2021, 200.0, NAN, "censored", "cutoff"),  # pending: S(365)/S(200)
            (2021, 100.0, NAN, "censored", "cutoff"),  # pending: S(365)/S(100)
            (2021, 100.0, NAN, "censored", "lost"),  # not projected: no longer followed
            (2021, 400.0, NAN, "censored", "cutoff"),  # already observed for year 1
        ]
    )

    def survival(t):  # exponential with rate 1/1000 per day
        return np.exp(-np.asarray(t, float) / 1000)

    table = tier_counts(cohort, survival, by=None, years=(1,)).iloc[0]
    expected = 1 + np.exp(-(YEAR - 200) / 1000) + np.exp(-(YEAR - 100) / 1000)
    assert table["observed"] == 1
    assert table["projected"] == pytest.approx(expected, rel=1e-12)


def test_tier_counts_by_release_year_sum_to_the_total():
    cohort = _cohort(
        [(2017 + i % 3, 400.0 + 300 * (i % 4), NAN, "censored", "cutoff") for i in range(24)]
    )
    table = tier_counts(cohort)
    by_year = table[table["group"] != "all"].groupby("years")["observed"].sum()
    total = table[table["group"] == "all"].set_index("years")["observed"]
    pd.testing.assert_series_equal(by_year, total, check_names=False)


def test_coverage_table_counts_visits_and_losses():
    cohort = pd.DataFrame(
        {
            "prefecture": ["changsha", "changsha", "loudi"],
            "n_scheduled": [6, 4, 2],
            "n_attended": [5, 2, 0],
            "censor_reason": ["end_of_tracking", "lost", "lost"],
            "event": ["censored", "censored", "censored"],
        }
    )
    table = coverage_table(cohort).set_index("prefecture")
    assert table.loc["changsha", "coverage"] == pytest.approx(7 / 10)
    assert table.loc["loudi", "coverage"] == pytest.approx(0.0)
    assert table.loc["all", "coverage"] == pytest.approx(7 / 12)
    assert table.loc["all", "lost"] == 2
    assert table.loc["changsha", "lost_share"] == pytest.approx(0.5)


def test_compare_regions_flags_a_region_outside_the_998_limits():
    rng = np.random.default_rng(1)
    regions = np.repeat(["a", "b", "c", "d"], 400)
    cohort = pd.DataFrame({"prefecture": regions})
    expected = pd.Series(rng.uniform(0.4, 0.6, len(cohort)), index=cohort.index)
    mean_expected = expected.groupby(cohort["prefecture"]).mean()
    observed = mean_expected.copy()
    observed["d"] = mean_expected["d"] + 0.15  # far above: 0.15 / sqrt(.25/400) = 6 SE
    overall = float(mean_expected.mean())
    result = compare_regions(cohort, observed, expected, overall)
    table = result.table.set_index("code")
    assert table.loc["d", "flag"] == "better"
    assert set(table.loc[["a", "b", "c"], "flag"]) == {""}
    se = np.sqrt(overall * (1 - overall) / 400)
    assert table.loc["a", "upper998"] == pytest.approx(overall + 3.090232 * se, rel=1e-6)
    funnel = result.funnel()
    assert (funnel["upper998"] >= funnel["upper95"]).all()


def test_predicted_retention_orders_people_by_their_risk():
    rng = np.random.default_rng(7)
    n = 2000
    motivation = rng.uniform(0, 10, n)
    t = rng.exponential(400 * np.exp(0.2 * (motivation - 5)))
    relapse = t < 1000
    cohort = pd.DataFrame(
        {
            "motivation_score": motivation,
            "lower_day": np.where(relapse, np.floor(t), 1000.0),
            "upper_day": np.where(relapse, np.floor(t) + 1, np.nan),
            "event": np.where(relapse, "relapse", "censored"),
        }
    )
    pred = predicted_retention(cohort, covariates=["motivation_score"])
    assert pred.between(0, 1).all()
    # more motivated people are predicted to stay abstinent more often
    assert np.corrcoef(motivation, pred)[0, 1] > 0.95
    # and on average the prediction matches the true S(12 months) of this design
    truth = np.mean(np.exp(-YEAR / (400 * np.exp(0.2 * (motivation - 5)))))
    # SE of a 12-month retention estimated from 2,000 people ~ sqrt(0.4 * 0.6 / 2000) = 0.011
    # (the model's prediction averages over the same people): 0.03 is 2.7 SE
    assert pred.mean() == pytest.approx(truth, abs=0.03)
