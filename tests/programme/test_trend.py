"""Direction of travel (workbench.programme.trend): cohort retention only where follow-up is
complete, and the trend test's detection power and false-alarm rate against the simulator.

Sizing (issue 19; the test budget is about a minute): each replicate is the full 23,000-release
default cohort (simulation 0.5 s, the IC PH fit 0.6 s on one core).
- Power at the stated trend, a relapse hazard falling 4 % per release year (log HR -0.04 per
  year, `STATED_TREND`; HR 0.85 from the first to the last year's releases): 8 seeded
  replicates. Every replicate must say "improving", and the power implied by their z statistics
  must be >= 0.8 with 95 % confidence: a Wald test's z is normal with unit variance, so power
  = Phi(|E z| - 1.96) (+ the negligible other tail), and the one-sided 95 % t lower bound of
  E|z| must reach 1.96 + 0.84. (8/8 detections alone bound the power only above 0.69; the z
  values carry more information.) bench/trend_power.py runs 200 replicates per trend.
- False alarms with no trend: 20 seeded replicates. At most 3 may say improving or worsening
  (if the false-alarm rate were 0.05, 4 or more happen with probability 0.016), and the sum of
  their z^2 must be below the chi-square(20) 99 % point: a z with variance above 1, i.e. a test
  that alarms more often than it says, would push it up.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from workbench.cohort.contract import as_cohort
from workbench.programme.trend import TrendTest, cohort_unit, retention_by_cohort, verdict
from workbench.simulate import simulate

STATED_TREND = -0.04
N = 23_000


def _z(seed: int, trend: float) -> tuple[float, str]:
    config = {"relapse": {"trend_log_hr_per_year": trend}} if trend else None
    cohort = as_cohort(simulate(config, seed=seed, n=N).dataset)
    result = TrendTest().fit(cohort.table).trend_
    return result.z, result.verdict


def test_verdict_rule_needs_p_below_alpha_and_takes_the_direction():
    assert verdict(0.97, 0.049) == "improving"
    assert verdict(1.03, 0.049) == "worsening"
    assert verdict(0.90, 0.05) == "no_clear_change"
    assert verdict(np.nan, 0.01) == "no_clear_change"


def test_cohort_retention_is_shown_only_where_everyone_was_followed(small_sim):
    cohort = as_cohort(small_sim.dataset)
    table = retention_by_cohort(cohort.table, cohort.cutoff, n_bootstrap=20)
    assert table.attrs["unit"] == "year"  # 600 releases a half-year: fewer than 1,000
    cut = pd.Timestamp(cohort.cutoff)
    for row in table.itertuples():
        complete = pd.Timestamp(row.last) + pd.DateOffset(months=int(row.months)) <= cut
        assert row.followed == complete, row
        assert np.isfinite(row.estimate) == complete, row
    truth = small_sim.truth["retention"]
    shown = table[table["followed"] & table["months"].isin([12, 24])]
    assert len(shown) == 5 + 4  # 12 months: 2017-2021; 24 months: 2017-2020
    for row in shown.itertuples():
        # no trend in the default simulation: every cohort of ~600 estimates the same retention
        # (SE about 0.02); 0.08 is 4 SE
        assert row.estimate == pytest.approx(truth[f"{row.months:g}"], abs=0.08), row
        assert row.lower <= row.estimate <= row.upper


def test_half_years_need_enough_releases_in_every_half():
    dates = pd.Series(
        pd.date_range("2017-01-01", "2018-12-31", periods=4400)
    )  # about 1,100 a half-year
    assert cohort_unit(dates) == "half"
    assert cohort_unit(dates, min_half=1200) == "year"


def test_trend_detection_power_at_the_stated_trend():
    z, said = zip(*(_z(seed, STATED_TREND) for seed in range(1, 9)), strict=True)
    assert set(said) == {"improving"}
    z = np.abs(np.asarray(z))
    bound = z.mean() - stats.t.ppf(0.95, z.size - 1) * z.std(ddof=1) / np.sqrt(z.size)
    assert stats.norm.cdf(bound - stats.norm.isf(0.025)) >= 0.8


def test_no_trend_raises_few_false_alarms():
    z, said = zip(*(_z(seed, 0.0) for seed in range(101, 121)), strict=True)
    alarms = sum(s != "no_clear_change" for s in said)
    assert alarms <= 3
    assert float(np.sum(np.square(z))) < stats.chi2.ppf(0.99, len(z))
