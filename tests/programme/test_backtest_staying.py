"""The leaving-tracking curve's bootstrap (workbench.programme.backtest.staying_replicates),
whose spread the tier projections' interval now carries: it is the Kaplan–Meier curve of
`staying_in_tracking` and its spread matches Greenwood's standard error."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.programme.backtest import staying_replicates
from workbench.programme.tiers import leaving_data, staying_in_tracking
from workbench.retention.km import KaplanMeier


@pytest.fixture(scope="module")
def cohort():
    """3,000 made-up releases: leaving tracking at a constant rate (about 12 % a year), relapse
    or the cut-off censoring the rest; days on a weekly grid so that days are shared."""
    rng = np.random.default_rng(11)
    n = 3000
    leave = rng.exponential(365.25 / 0.13, n)
    relapse = rng.exponential(600.0, n)
    cutoff = rng.uniform(200, 2000, n)
    end = np.minimum.reduce([leave, relapse, cutoff])
    end = np.ceil(end / 7) * 7
    event = np.where(relapse <= np.minimum(leave, cutoff), "relapse", "censored")
    reason = np.where(leave <= np.minimum(relapse, cutoff), "lost", "cutoff")
    return pd.DataFrame(
        {
            "event": event,
            "censor_reason": np.where(event == "relapse", "", reason),
            "last_day": end,
            "lower_day": np.where(event == "relapse", np.maximum(end - 90, 0), end),
            "death_day": np.nan,
        }
    )


def test_replicates_scatter_around_the_curve_as_greenwood_says(cohort):
    reps = staying_replicates(cohort, 400, seed=5)
    days = np.array([180.0, 365.0, 730.0, 1095.0])
    values = np.array([g(days) for g in reps])
    point = staying_in_tracking(cohort)(days)
    time, left = leaving_data(cohort)
    greenwood = KaplanMeier().fit(time, left).survival_at(days)["std_err"].to_numpy()
    # 400 replicates: the mean's MC error is SD/20, so within 0.2 SE of the curve (4 MC SEs)
    np.testing.assert_array_less(np.abs(values.mean(axis=0) - point), 0.2 * greenwood)
    # the SD of 400 replicates has a relative MC error of about 3.5 %; the bootstrap and
    # Greenwood agree to a few % at this size: within 15 %
    np.testing.assert_allclose(values.std(axis=0, ddof=1), greenwood, rtol=0.15)


def test_replicates_are_seeded_and_differ_from_each_other(cohort):
    a = staying_replicates(cohort, 3, seed=1)
    b = staying_replicates(cohort, 3, seed=1)
    days = np.array([365.0, 730.0])
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x(days), y(days))
    assert not np.array_equal(a[0](days), a[1](days))
    assert np.all(a[0](np.array([-1.0])) == 1.0)  # before the first day: everyone still followed


def test_a_missed_final_visit_counts_as_leaving_before_its_window():
    """Tracking ends after 3 years: a relapse-free person whose last contact came before the
    final visit's window cannot reach the 3-year tier; one seen inside the window can."""
    from workbench.data.codes import TRACKING_DAYS
    from workbench.programme.tiers import VISIT_TOLERANCE_DAYS

    window = TRACKING_DAYS - VISIT_TOLERANCE_DAYS
    table = pd.DataFrame(
        {
            "event": ["censored", "censored", "censored", "relapse"],
            "censor_reason": ["end_of_tracking", "end_of_tracking", "cutoff", ""],
            "last_day": [915.0, 1090.0, 915.0, 915.0],
            "lower_day": [915.0, 1090.0, 915.0, 700.0],
            "death_day": np.nan,
        }
    )
    time, left = leaving_data(table)
    assert left.tolist() == [1, 0, 0, 0]
    assert time[0] == pytest.approx(window - 1.0) and time[1] == 1090.0 and time[3] == 700.0
