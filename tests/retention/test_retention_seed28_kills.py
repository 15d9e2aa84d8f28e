"""Written after bench/mutation.py's fresh seed-28 sample (issue #24, session 7) for its
non-equivalent survivors (they do not count towards that sample's score): the NPMLE summary's
columns, and the retention summary's bootstrap CIs reproducible from the seed."""

import numpy as np
import pandas as pd

from workbench.cohort.contract import AnalysisCohort
from workbench.data.codes import TRACKING_DAYS
from workbench.retention.table import retention_summary
from workbench.retention.turnbull import TurnbullFitter


def _intervals(n=200, seed=3):
    rng = np.random.default_rng(seed)
    t = rng.exponential(500, n)
    visits = 182.625 * np.arange(1, 7)
    k = (visits[None, :] < t[:, None]).sum(axis=1)
    seen = k < visits.size
    upper = np.where(seen, visits[np.minimum(k, 5)], np.nan)
    lower = np.where(k > 0, visits[np.maximum(k - 1, 0)], 0.0)
    return lower, upper, seen


def test_npmle_summary_rows_and_columns():
    lower, upper, seen = _intervals()
    fit = TurnbullFitter(n_bootstrap=0).fit(lower, np.where(seen, upper, np.inf))
    s = fit.summary()
    assert {"quantity", "estimate", "lower", "upper"} <= set(s.columns)
    med = s.set_index("quantity").loc["median (days)"]
    assert med["estimate"] == fit.median_ or (np.isinf(med["estimate"]) and np.isinf(fit.median_))
    rmst = s.set_index("quantity").loc["RMST 36 months (days)"]
    assert rmst["estimate"] == fit.rmst(TRACKING_DAYS).estimate


def test_retention_summary_ci_is_reproducible_from_the_seed():
    lower, upper, seen = _intervals()
    table = pd.DataFrame({"lower_day": lower, "upper_day": upper,
                          "event": np.where(seen, "relapse", "censored")})  # fmt: skip
    cohort = AnalysisCohort(table=table, kind="spec", exposure="baseline")
    a = retention_summary(cohort, months=[12], n_bootstrap=20, seed=5).milestones
    b = retention_summary(cohort, months=[12], n_bootstrap=20, seed=5).milestones
    c = retention_summary(cohort, months=[12], n_bootstrap=20, seed=6).milestones
    pd.testing.assert_frame_equal(a, b)
    assert (a["lower"].iloc[0], a["upper"].iloc[0]) != (c["lower"].iloc[0], c["upper"].iloc[0])
