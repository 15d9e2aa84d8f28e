"""TargetTrial and grace_sensitivity: the result object's shape, refusals, determinism."""

import numpy as np
import pandas as pd
import pytest

from workbench.cohort.contract import as_cohort
from workbench.emulation import TargetTrial, grace_sensitivity
from workbench.exceptions import ParameterError, StatisticalWarning
from workbench.i18n import Text


@pytest.fixture(scope="module")
def cohort(small_sim):
    return as_cohort(small_sim.dataset)


@pytest.fixture(scope="module")
def fitted(cohort):
    return TargetTrial("employment_311", grace_months=6, n_bootstrap=4, seed=3).fit(cohort)


def test_result_tables(fitted, cohort):
    tt = fitted
    n = len(cohort.table)
    assert tt.not_estimable_ is None
    flow = tt.flow_
    assert list(flow.index) == ["start", "never"]
    assert (flow["eligible"] == n).all() and (flow["cloned"] == n).all()
    parts = flow[["censored_deviation", "censored_other", "relapses", "deaths"]].sum(axis=1)
    assert (parts == n).all()  # every clone ends exactly one way
    curves = tt.curves_
    assert set(curves["strategy"]) == {"start", "never"}
    for _, c in curves.groupby("strategy"):
        risk = c["relapse_risk"].to_numpy()
        assert risk[0] == 0 and np.all(np.diff(risk) >= -1e-12) and risk[-1] < 1
    h = tt.horizons_
    assert list(h["month"]) == [12, 24, 36]
    np.testing.assert_allclose(h["rd"], h["risk_start"] - h["risk_never"], atol=1e-12)
    np.testing.assert_allclose(h["rr"], h["risk_start"] / h["risk_never"], atol=1e-12)
    assert (h["rd_lower"] <= h["rd_upper"]).all()
    assert tt.rmst_diff_lower_ <= tt.rmst_diff_upper_
    w = tt.weights_
    assert set(w["strategy"]) == {"start", "never"} and w["month"].max() == 36
    assert (w["ess"] >= 0).all() and tt.truncation_["quantile"] == 1.0  # not truncated
    assert (w["n_truncated"] == 0).all()
    for strategy, arm in (("start", tt.emulation_.start), ("never", tt.emulation_.never)):
        assert tt.truncation_["cap"][strategy] == arm.weights.raw.max()  # the cap binds nowhere
    assert all(isinstance(x, StatisticalWarning) and x.code for x in tt.warnings_)


def test_protocol_renders_in_both_languages(fitted):
    keys = ["eligibility", "strategies", "time_zero", "assignment", "outcome", "follow_up",
            "contrast", "analysis"]  # fmt: skip
    assert list(fitted.protocol_) == keys
    for text in fitted.protocol_.values():
        assert isinstance(text, Text)
        assert text.render("en") and text.render("zh") != text.render("en")


def test_to_json_is_the_issue_block(fitted):
    out = fitted.to_json()
    assert set(out) == {"grace_months", "horizons", "rmst_diff_days", "rmst_diff_lower",
                        "rmst_diff_upper"}  # fmt: skip
    assert out["grace_months"] == 6
    assert [h["month"] for h in out["horizons"]] == [12, 24, 36]
    assert set(out["horizons"][0]) == {"month", "risk_start", "risk_never", "rd", "rd_lower",
                                       "rd_upper"}  # fmt: skip


def test_same_seed_same_numbers(fitted, cohort):
    again = TargetTrial("employment_311", grace_months=6, n_bootstrap=4, seed=3).fit(cohort)
    pd.testing.assert_frame_equal(fitted.horizons_, again.horizons_)


def test_outcomes_refused(cohort):
    for code in ("award_gold", "1"):
        with pytest.raises(ParameterError, match="outcome"):
            TargetTrial(code).fit(cohort)


def test_bad_parameters(cohort):
    with pytest.raises(ParameterError, match="grace_months"):
        TargetTrial("job_placement", grace_months=0).fit(cohort)
    with pytest.raises(ParameterError, match="horizons"):
        TargetTrial("job_placement", horizons=(48,)).fit(cohort)


def test_spec_cohort_without_start_dates_is_not_estimable(cohort):
    spec_like = cohort.__class__(table=cohort.table, kind="spec", exposure="baseline")
    tt = TargetTrial("job_placement", n_bootstrap=2).fit(spec_like)
    assert tt.not_estimable_.reason == "tt_no_start_dates"
    assert tt.to_json()["not_estimable"] == "tt_no_start_dates"
    assert tt.curves_.empty and tt.horizons_.empty


def test_grace_sensitivity_columns(cohort):
    out = grace_sensitivity(cohort, "employment_311", graces=(3, 6), n_bootstrap=2, seed=1)
    assert list(out.columns) == ["grace_months", "month", "rd", "rd_lower", "rd_upper"]
    assert sorted(out["grace_months"].unique()) == [3, 6]


def test_sandwich_ci_brackets_the_estimate(cohort):
    from workbench.emulation.variance import quantile

    tt = TargetTrial("employment_311", ci="sandwich").fit(cohort)
    h = tt.horizons_
    assert (h["rd_lower"] < h["rd"]).all() and (h["rd"] < h["rd_upper"]).all()
    half = (h["rd_upper"] - h["rd_lower"]) / 2
    q = quantile(tt.se_["df"]["rd"])  # Student's t with the SE's degrees of freedom
    assert (q > 1.959963984540054).all() and (q < 2.6).all()  # finite df, not a tiny one
    np.testing.assert_allclose(half, q * tt.se_["rd"], rtol=1e-12)
    assert tt.rmst_diff_lower_ < tt.rmst_diff_days_ < tt.rmst_diff_upper_


def test_sandwich_takes_the_weights_as_known_unless_asked(cohort):
    # The report's words ("weights taken as known") and the simulation study's validated CI are
    # the weights-known sandwich; weights_known=False adds the start models' estimation.
    from workbench.emulation.variance import sandwich_se

    known = TargetTrial("employment_311", ci="sandwich").fit(cohort)
    est = TargetTrial("employment_311", ci="sandwich", weights_known=False).fit(cohort)
    ref_known = sandwich_se(known.emulation_, known.horizons, estimated_weights=False)
    ref_est = sandwich_se(est.emulation_, est.horizons, estimated_weights=True)
    np.testing.assert_allclose(known.se_["rd"], ref_known["rd"], rtol=1e-12)
    np.testing.assert_allclose(est.se_["rd"], ref_est["rd"], rtol=1e-12)
    assert np.abs(known.se_["rd"] / est.se_["rd"] - 1).max() > 1e-6  # the two differ
    np.testing.assert_allclose(known.horizons_["rd"], est.horizons_["rd"], atol=1e-12)


def test_a_grace_month_nobody_starts_in_is_not_estimable(cohort):
    # precise support starts only in months 1-3 of the simulator: "start in month 12" never
    tt = TargetTrial("precise_support", grace_months=12, ci="sandwich").fit(cohort)
    assert tt.not_estimable_.reason == "tt_no_start_in_grace_month"
