"""Primary time-varying PH model for interval-censored relapse (stats.pwe, effects.primary)."""

import numpy as np
import pandas as pd
import pytest
from scipy import optimize
from support import toy_cohort

from workbench.effects.primary import TimeVaryingEffects, relapse_free_at_starts
from workbench.exceptions import DataError, ParameterError
from workbench.stats.pwe import PiecewiseExponentialPH


def _loglik_loop(theta, lower, upper, x, starts, cuts):
    """Plain per-person log-likelihood by integrating the hazard on a fine day grid."""
    K = len(cuts) - 1
    lam, beta, gam = np.exp(theta[:K]), theta[K], theta[K + 1]

    def cumhaz(t, i):
        if t <= 0:
            return 0.0
        edges = np.unique(np.concatenate([cuts[:-1], [t], [starts[i]] if starts[i] < t else []]))
        edges = edges[edges <= t]
        total = 0.0
        for a, b in zip(edges[:-1], edges[1:], strict=True):
            k = np.searchsorted(cuts, a, side="right") - 1
            total += lam[k] * (b - a) * np.exp(beta * x[i] + gam * (a >= starts[i]))
        return total

    ll = 0.0
    for i in range(lower.size):
        if np.isnan(upper[i]):
            ll -= cumhaz(lower[i], i)
        else:
            ll += np.log(np.exp(-cumhaz(lower[i], i)) - np.exp(-cumhaz(upper[i], i)))
    return ll


def test_interval_censored_fit_equals_direct_maximisation():
    rng = np.random.default_rng(7)
    n = 60
    x = rng.normal(size=n)
    lower = rng.choice([0.0, 100.0, 200.0], n)
    upper = np.where(rng.random(n) < 0.6, lower + 100.0, np.nan)
    starts = np.where(rng.random(n) < 0.5, rng.uniform(0, 300, n), np.inf)
    cuts = np.array([0.0, 150.0, 400.0])
    S = pd.DataFrame({"e": np.where(np.isinf(starts), np.nan, starts)})
    m = PiecewiseExponentialPH(cuts, smooth=0.0).fit(lower, upper, pd.DataFrame({"x": x}), S)
    res = optimize.minimize(
        lambda th: -_loglik_loop(th, lower, upper, x, starts, cuts),
        np.array([-5.0, -5.0, 0.0, 0.0]),
        method="Nelder-Mead",
        options={"xatol": 1e-9, "fatol": 1e-12, "maxiter": 20000, "maxfev": 40000},
    )
    np.testing.assert_allclose(m.params_.to_numpy(), res.x, atol=1e-4)
    np.testing.assert_allclose(m.log_likelihood_, -res.fun, rtol=1e-9)


def test_exact_times_single_piece_is_person_time_rate_ratio():
    # exposure switches on at day 10 for persons 0-2; events exact (L == R)
    t = np.array([5.0, 20.0, 30.0, 8.0, 40.0, 50.0])
    upper = np.array([5.0, 20.0, np.nan, 8.0, 40.0, np.nan])
    starts = pd.DataFrame({"e": [10.0, 10.0, 10.0, np.nan, np.nan, np.nan]})
    m = PiecewiseExponentialPH((0, 1000), smooth=0.0).fit(t, upper, None, starts)
    # unexposed person-time: 5 + 10 + 10 + 8 + 40 + 50 = 123 with 3 events (t=5, 8, 40);
    # exposed: 10 + 20 = 30 with 1 event (t=20)
    np.testing.assert_allclose(m.baseline_hazard_.iloc[0], 3 / 123, rtol=1e-8)
    np.testing.assert_allclose(np.exp(m.params_["e"]), (1 / 30) / (3 / 123), rtol=1e-8)
    # information: d/lambda^2 on the log scale = d; var(log HR) = 1/1 + 1/3
    np.testing.assert_allclose(m.summary().loc["e", "se"], np.sqrt(1 + 1 / 3), rtol=1e-6)


def test_left_truncation_counts_time_from_entry_only():
    t = np.array([50.0, 60.0, 70.0, 90.0])
    upper = np.array([50.0, np.nan, 70.0, np.nan])
    m = PiecewiseExponentialPH((0, 1000), smooth=0.0).fit(t, upper, entry=np.full(4, 40.0))
    np.testing.assert_allclose(m.baseline_hazard_.iloc[0], 2 / (10 + 20 + 30 + 50), rtol=1e-8)


def test_weights_equal_replicated_rows():
    cohort, starts = toy_cohort(300, 3)
    X = cohort[["motivation_score"]]
    S = starts.reset_index(drop=True)
    lo, up = cohort["lower_day"].to_numpy(), cohort["upper_day"].to_numpy()
    w = np.random.default_rng(1).integers(1, 4, lo.size)
    mw = PiecewiseExponentialPH().fit(lo, up, X, S, weights=w)
    rep = np.repeat(np.arange(lo.size), w)
    mr = PiecewiseExponentialPH().fit(lo[rep], up[rep], X.iloc[rep], S.iloc[rep])
    np.testing.assert_allclose(mw.params_.to_numpy(), mr.params_.to_numpy(), rtol=0, atol=1e-8)
    np.testing.assert_allclose(mw.log_likelihood_, mr.log_likelihood_, rtol=1e-12)


def test_recovers_time_varying_hazard_ratios():
    cohort, starts = toy_cohort(4000, 11)
    # toy supports start whatever the relapse status, so a start is no relapse-free contact
    est = TimeVaryingEffects(n_bootstrap=0, lag="none", starts_imply_relapse_free=False).fit(
        cohort, starts
    )
    sm = est.summary().set_index("code")
    # SE of log HR is about 0.065 here; 0.2 is three SEs
    np.testing.assert_allclose(np.log(sm.loc["job_placement", "hr"]), -0.5, atol=0.2)
    np.testing.assert_allclose(np.log(sm.loc["peer_education", "hr"]), 0.0, atol=0.2)
    beta = est.model_.params_["motivation_score"]
    # robust SE of this coefficient 0.021 (measured 0.481, 0.9 SE off): 0.065 is 3 SE
    np.testing.assert_allclose(beta, 0.5, atol=0.065)


def test_bootstrap_percentile_interval_contains_estimate():
    # (the same draws on processes and on Dask: tests/stats/test_bootstrap_parallel.py)
    cohort, starts = toy_cohort(400, 5)
    one = TimeVaryingEffects(n_bootstrap=6, seed=3, lag="none").fit(cohort, starts)
    assert one.boot_.notna().all().all()
    lo, hi = one.estimates()[0].ci
    assert lo < one.estimates()[0].hazard_ratio < hi


def test_too_few_exposed_is_not_estimable():
    cohort, starts = toy_cohort(300, 2)
    starts["financial_aid"] = np.nan
    starts.iloc[:3, 2] = 10.0
    est = TimeVaryingEffects(n_bootstrap=0, lag="none").fit(cohort, starts)
    row = est.summary().set_index("code").loc["financial_aid"]
    assert np.isnan(row["hr"])
    assert "too few exposed" in row["notes"]
    assert est.n_exposed_["financial_aid"] == 3


def test_outcome_codes_are_refused_as_exposures():
    cohort, starts = toy_cohort(50, 1)
    starts["award_gold"] = 300.0
    with pytest.raises(ParameterError, match="award_gold.*is an outcome.*cannot be a support"):
        TimeVaryingEffects(n_bootstrap=0, lag="none").fit(cohort, starts)


def test_support_start_moves_last_relapse_free_day():
    lower = np.array([180.0, 180.0, 0.0, 365.0])
    upper = np.array([365.0, np.nan, 180.0, 365.0])
    starts = np.array([[200.0, 250.0], [400.0, np.nan], [180.0, np.nan], [300.0, np.nan]])
    np.testing.assert_array_equal(
        relapse_free_at_starts(lower, upper, starts), [250.0, 400.0, 0.0, 365.0]
    )


def test_bad_intervals_are_data_errors():
    with pytest.raises(DataError, match="upper_day 5.0 is before lower_day 10.0"):
        PiecewiseExponentialPH().fit([10.0], [5.0])


def _central(f, theta, eps=1e-6):
    return np.stack(
        [(f(theta + eps * e) - f(theta - eps * e)) / (2 * eps) for e in np.eye(theta.size)],
        axis=-1,
    )


def test_loglik_score_hessian_and_meat_against_dense_design_and_numerical_derivatives():
    from workbench.stats import pwe_design

    cohort, starts = toy_cohort(150, 9)
    rng = np.random.default_rng(2)
    x = np.column_stack([cohort["motivation_score"], rng.normal(size=150)])
    lower, upper = cohort["lower_day"].to_numpy(), cohort["upper_day"].to_numpy()
    cuts = np.array([0.0, 90.0, 365.0, np.inf])
    seg = pwe_design.split_time(lower, upper, starts.to_numpy(float), np.zeros(150), cuts)
    design = pwe_design.Design(seg, x, 3)
    theta = np.array([-5.0, -6.0, -7.0, 0.3, -0.1, -0.4, 0.2])
    w = rng.integers(1, 4, 150).astype(float)
    # the log-likelihood from the dense segment design, written out
    dense = np.hstack([np.eye(3)[seg.piece], x[seg.person], seg.z])
    eta = dense @ theta
    h = np.exp(eta) * seg.dt
    A = np.bincount(seg.person, h * ~seg.part1, 150)
    D = np.bincount(seg.person, h * seg.part1, 150)
    iv, ex = seg.kind == pwe_design.INTERVAL, seg.kind == pwe_design.EXACT
    ll = -A + np.where(iv, np.log(-np.expm1(-np.where(iv, D, 1.0))), 0.0)
    ll[ex] += eta[seg.last[ex]]
    vals = design.values(theta)
    np.testing.assert_allclose(vals[0], ll, rtol=1e-12)
    grad, H = design.derivatives(vals, w)
    np.testing.assert_allclose(grad, _central(lambda t: w @ design.values(t)[0], theta), rtol=1e-6)
    numeric = _central(lambda t: design.derivatives(design.values(t), w, hess=False)[0], theta)
    np.testing.assert_allclose(H, numeric, rtol=1e-6, atol=1e-6)
    scores = _central(lambda t: design.values(t)[0], theta)  # per person x parameter
    np.testing.assert_allclose(
        design.score_outer(theta, w), scores.T @ (w[:, None] ** 2 * scores), rtol=1e-6
    )


def _resampled_fit(lower, upper, X, S, counts):
    """The old bootstrap path: copy the rows, drop constant columns, fit."""
    rows = np.repeat(np.arange(lower.size), counts)
    Xb = X.iloc[rows].reset_index(drop=True)
    Xb = Xb.loc[:, np.ptp(Xb.to_numpy(), axis=0) > 0]
    m = PiecewiseExponentialPH().fit(lower[rows], upper[rows], Xb, S.iloc[rows])
    return m.params_


def test_refit_with_counts_equals_fit_on_copied_rows():
    cohort, starts = toy_cohort(400, 4)
    lower, upper = cohort["lower_day"].to_numpy(), cohort["upper_day"].to_numpy()
    rng = np.random.default_rng(8)
    X = pd.DataFrame({"x": cohort["motivation_score"], "rare": 0.0})
    X.loc[:4, "rare"] = 1.0
    S = starts.reset_index(drop=True)
    full = PiecewiseExponentialPH().fit(lower, upper, X, S)
    refit = full.refitter()
    counts = rng.multinomial(400, np.full(400, 1 / 400))
    counts[:5] = 0  # the rare category is absent: its column is dropped
    end = np.where(np.isfinite(upper), upper, lower)
    counts[end > 700] = 0  # nobody followed past day 700: the last pieces are dropped
    got = refit(counts)
    want = _resampled_fit(lower, upper, X, S, counts)
    assert np.isnan(got[full.params_.index.get_loc("rare")])
    assert len(want) == np.sum(np.isfinite(got)) < len(full.params_)
    np.testing.assert_allclose(got[np.isfinite(got)], want.to_numpy(), rtol=0, atol=1e-8)


def test_bootstrap_draws_equal_fits_on_resampled_rows():
    cohort, starts = toy_cohort(400, 5)
    est = TimeVaryingEffects(n_bootstrap=4, seed=3, lag="none").fit(cohort, starts)
    lower, upper = cohort["lower_day"].to_numpy(), cohort["upper_day"].to_numpy()
    lower = relapse_free_at_starts(lower, upper, starts.to_numpy(float))
    X, S = cohort[["motivation_score"]], starts.reset_index(drop=True)
    for b, child in enumerate(np.random.SeedSequence(3).spawn(4)):
        idx = np.random.default_rng(child).integers(0, 400, 400)
        want = _resampled_fit(lower, upper, X, S, np.bincount(idx, minlength=400))
        np.testing.assert_allclose(
            est.boot_.iloc[b].to_numpy(), want[list(S.columns)].to_numpy(), rtol=0, atol=1e-6
        )


def test_model_based_intervals_when_no_bootstrap():
    cohort, starts = toy_cohort(800, 12)
    est = TimeVaryingEffects(n_bootstrap=0, lag="none", starts_imply_relapse_free=False)
    est.fit(cohort, starts)
    row = est.summary().set_index("code").loc["job_placement"]
    se = est.model_.summary().loc["job_placement", "se"]
    np.testing.assert_allclose(
        np.log([row["hr_lower"], row["hr_upper"]]),
        np.log(row["hr"]) + np.array([-1, 1]) * 1.959963984540054 * se,
        rtol=1e-10,
    )
    assert row["method"].endswith("model-based CI")
    assert (row["hr_lower"], row["hr_upper"]) == (row["hr_lower_model"], row["hr_upper_model"])
    # robust (sandwich over releases) by default: differs from the inverse information
    naive = PiecewiseExponentialPH().fit(
        cohort["lower_day"], cohort["upper_day"], cohort[["motivation_score"]],
        starts.reset_index(drop=True),
    )  # fmt: skip
    assert not np.isclose(se, naive.summary().loc["job_placement", "se"], rtol=1e-3)


def test_trust_region_fallback_gives_the_same_fit(monkeypatch):
    from workbench.stats import newton as newton_module

    cohort, starts = toy_cohort(300, 6)
    args = (cohort["lower_day"], cohort["upper_day"], cohort[["motivation_score"]])
    newton = PiecewiseExponentialPH().fit(*args, starts.reset_index(drop=True))
    monkeypatch.setattr(newton_module, "maximise", lambda *a, **k: None)  # as if Newton stalled
    fallback = PiecewiseExponentialPH().fit(*args, starts.reset_index(drop=True))
    np.testing.assert_allclose(fallback.params_, newton.params_, rtol=0, atol=1e-6)
    np.testing.assert_allclose(fallback.log_likelihood_, newton.log_likelihood_, rtol=1e-10)


def test_subsample_start_values_give_the_same_fit(monkeypatch):
    from workbench.stats import pwe

    cohort, starts = toy_cohort(600, 14)
    args = (cohort["lower_day"], cohort["upper_day"], cohort[["motivation_score"]])
    cold = PiecewiseExponentialPH().fit(*args, starts.reset_index(drop=True))
    monkeypatch.setattr(pwe, "_SUBSAMPLE", 100)  # large-cohort path: start from every 6th
    warm = PiecewiseExponentialPH().fit(*args, starts.reset_index(drop=True))
    assert warm.n_iter_ < cold.n_iter_
    np.testing.assert_allclose(warm.params_, cold.params_, rtol=0, atol=1e-8)
    np.testing.assert_allclose(warm.variance_matrix_, cold.variance_matrix_, rtol=1e-8)


def test_summary_p_value_and_start_days_matched_by_release_id():
    """The p-value column is the model's Wald p; start days are matched to releases by id, so
    a start table in another row order gives the same fit."""
    cohort, starts = toy_cohort(800, 12)
    opts = dict(n_bootstrap=0, lag="none", starts_imply_relapse_free=False)
    est = TimeVaryingEffects(**opts).fit(cohort, starts)
    sm = est.summary().set_index("code")
    model = est.model_.summary().loc[list(sm.index)]
    np.testing.assert_allclose(sm["p"], model["p"], rtol=1e-12)
    np.testing.assert_allclose(sm["se_log_hr"], model["se"], rtol=1e-12)
    shuffled = starts.sample(frac=1.0, random_state=3)
    assert not shuffled.index.equals(starts.index)
    again = TimeVaryingEffects(**opts).fit(cohort, shuffled).summary().set_index("code")
    np.testing.assert_allclose(again["hr"], sm["hr"], rtol=1e-9)
