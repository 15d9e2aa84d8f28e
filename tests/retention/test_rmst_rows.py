"""rmst_row for the NPMLE: estimate, bootstrap SE and percentile CI from the fitter itself, and
retention_summary passes its bootstrap size on (method label and CI width)."""

import numpy as np
import pytest
from support import visit_data

from workbench.retention.summary import rmst_row
from workbench.retention.table import retention_summary
from workbench.retention.turnbull import TurnbullFitter


def test_turnbull_rmst_row_is_the_fitters_estimate_se_and_interval():
    L, R, _ = visit_data(np.random.default_rng(3), 400)
    fit = TurnbullFitter(n_bootstrap=30, seed=2).fit(L, R)
    row = rmst_row(fit, 365.0, 1000.0, 1.0, "all")
    r = fit.rmst(365.0)
    assert set(row) == {"group", "horizon_days", "estimate", "se", "lower", "upper"}
    assert (row["group"], row["horizon_days"], row["estimate"]) == ("all", 365.0, r.estimate)
    assert (row["lower"], row["upper"]) == tuple(r.ci)
    assert row["se"] == pytest.approx(np.std(fit.rmst_replicates(365.0), ddof=1), rel=1e-12)
    late = rmst_row(fit, 2000.0, 1000.0, 1.0, "all")
    assert late["reason"] == "follow-up ends at day 1000, before the horizon (day 2000)"
    assert np.isnan(late["estimate"])
    single = rmst_row(TurnbullFitter(n_bootstrap=0).fit(L, R), 365.0, 1000.0, 1.0, "all")
    assert single["reason"] == "no bootstrap replicates (SE and CI need --bootstrap > 1)"


def test_retention_summary_uses_the_bootstrap_size_it_is_given(small_sim):
    few = retention_summary(small_sim.dataset, months=(12,), n_bootstrap=5, seed=1)
    assert few.milestones["method"].iloc[0] == "Turnbull NPMLE, percentile bootstrap (5 replicates)"
    assert few.curves["method"].iloc[0] == few.milestones["method"].iloc[0]
