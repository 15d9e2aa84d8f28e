"""The projection check (workbench.programme.backtest) on the default simulated cohort: what the
data two years before the cut-off projected for the 12-month tier, against what happened."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.programme.backtest import backtest, cut_records
from workbench.simulate import simulate


@pytest.fixture(scope="module")
def default_backtest():
    sim = simulate()  # the default cohort: 23,000 releases, seed 20170101
    return sim, backtest(sim.dataset, n_bootstrap=50)


def test_twelve_month_tier_count_lies_within_its_projection_interval(default_backtest):
    _, check = default_backtest
    row = check.tiers.set_index("years").loc[1]
    # two years on, everyone released by the earlier cut-off has passed the 12-month visit
    assert row["complete"]
    assert row["lower"] <= row["actual"] <= row["upper"]
    # the interval is informative: narrower than 2 % of the count
    assert row["upper"] - row["lower"] < 0.02 * row["projected"]
    assert row["observed_then"] < row["projected"]


def test_backtest_uses_only_what_was_known_then(default_backtest):
    sim, check = default_backtest
    assert check.cutoff_then == "2020-12-31" and check.cutoff_now == "2022-12-31"
    released = pd.to_datetime(sim.dataset.releases["release_date"])
    assert check.n_releases == int((released <= pd.Timestamp("2020-12-31")).sum())
    early = cut_records(sim.dataset, "2020-12-31")
    assert early.cutoff == pd.Timestamp("2020-12-31")
    assert pd.to_datetime(early.releases["release_date"]).max() <= pd.Timestamp("2020-12-31")


def test_retention_then_and_now_agree_on_the_same_releases(default_backtest):
    _, check = default_backtest
    ret = check.retention
    assert ret["months"].tolist() == [12.0, 24.0, 36.0]
    # same releases, two more years of visits: the estimates move by less than their CI's
    # half-width (about 0.01 at 18,000 releases)
    gap = np.abs(ret["then"] - ret["now"]).to_numpy()
    assert np.all(gap < (ret["then_upper"] - ret["then_lower"]).to_numpy() / 2 + 0.005)


def test_two_and_three_year_tiers_lie_within_their_projection_intervals(default_backtest):
    """Before the leaving curve counted a missed final visit (tracking ends at 3 years, so a
    relapse-free person without a contact in the final visit's window cannot reach the 3-year
    tier), the 3-year projection from two years earlier was 6,304 against 5,928: outside its
    interval of +-116. Part of 'actual' is the full data's own projection for people whose
    k-year visit is still ahead (`complete` False), made the same way."""
    _, check = default_backtest
    for years in (2, 3):
        row = check.tiers.set_index("years").loc[years]
        assert row["lower"] <= row["actual"] <= row["upper"]
        # informative: narrower than 6 % of the count (3 years: +-139 of 5,782 at 100 replicates)
        assert row["upper"] - row["lower"] < 0.06 * row["projected"]
