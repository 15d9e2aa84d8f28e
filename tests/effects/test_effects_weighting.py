"""Propensity weights, balance, weighted Cox/KM against R, E-values, findings, Rossi spec."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.effects.evalue import evalue_hr, evalue_rr, hr_to_rr
from workbench.effects.findings import findings, sentence, verdict
from workbench.effects.propensity import PropensityWeights, balance_table, effective_sample_size
from workbench.effects.weighted_estimate import weighted_cox, weighted_km
from workbench.exceptions import ParameterError, StatisticalWarning

REF = Path(__file__).parents[1] / "reference"


def _fixture():
    # x = 0: 2 of 4 treated (e = 0.5); x = 1: 3 of 4 treated (e = 0.75)
    X = pd.DataFrame({"x": [0, 0, 0, 0, 1, 1, 1, 1]})
    a = np.array([1, 1, 0, 0, 1, 1, 1, 0])
    return X, a


def test_saturated_logistic_gives_group_shares_and_exact_weights():
    X, a = _fixture()
    pw = PropensityWeights("ATE", stabilize=False, truncate=None).fit(X, a)
    np.testing.assert_allclose(pw.propensity_, [0.5] * 4 + [0.75] * 4, atol=1e-6)
    np.testing.assert_allclose(pw.weights_, [2, 2, 2, 2, 4 / 3, 4 / 3, 4 / 3, 4], rtol=1e-5)
    st = PropensityWeights("ATE", truncate=None).fit(X, a)  # P(A=1) = 5/8
    np.testing.assert_allclose(
        st.weights_,
        np.array([2, 2, 2, 2, 4 / 3, 4 / 3, 4 / 3, 4]) * [5, 5, 3, 3, 5, 5, 5, 3] / 8,
        rtol=1e-5,
    )
    att = PropensityWeights("ATT", stabilize=False, truncate=None).fit(X, a)
    np.testing.assert_allclose(att.weights_, [1, 1, 1, 1, 1, 1, 1, 3], rtol=1e-5)
    ov = PropensityWeights("overlap").fit(X, a)
    np.testing.assert_allclose(ov.weights_, [0.5] * 4 + [0.25, 0.25, 0.25, 0.75], rtol=1e-5)
    # ATE weights balance x exactly: weighted mean of x is 0.5 in both arms
    bal = pw.balance()
    np.testing.assert_allclose(bal.loc["x", "smd_after"], 0.0, atol=1e-5)
    # unweighted: mean 3/5 vs 1/3, variances 0.24 and 2/9
    np.testing.assert_allclose(
        bal.loc["x", "smd_before"], (0.6 - 1 / 3) / np.sqrt((0.24 + 2 / 9) / 2), rtol=1e-9
    )


def test_truncation_and_effective_sample_size():
    w = np.array([1.0, 1.0, 2.0, 4.0])
    np.testing.assert_allclose(effective_sample_size(w), 64 / 22, rtol=1e-12)
    X, a = _fixture()
    pw = PropensityWeights("ATE", stabilize=False, truncate=None, max_weight=3.0).fit(X, a)
    np.testing.assert_allclose(pw.weights_.max(), 3.0)
    assert pw.n_truncated_ == 1


def test_positivity_warning():
    rng = np.random.default_rng(1)
    x = rng.normal(size=400)
    a = (rng.random(400) < 1 / (1 + np.exp(-4 * x))).astype(int)
    with pytest.warns(StatisticalWarning, match="positivity: .* propensity below 0.01"):
        PropensityWeights().fit(pd.DataFrame({"x": x}), a)


def test_unknown_estimand_is_refused():
    X, a = _fixture()
    with pytest.raises(ParameterError, match="estimand 'ATX' is not one of: ATE, ATT, overlap"):
        PropensityWeights("ATX").fit(X, a)


def test_balance_table_variance_ratio():
    X = pd.DataFrame({"x": [0.0, 2.0, 0.0, 1.0]})
    bal = balance_table(X, [1, 1, 0, 0], [1, 1, 1, 1])
    np.testing.assert_allclose(bal.loc["x", "var_ratio_before"], 1.0 / 0.25)


def test_weighted_cox_robust_against_R():
    d = pd.read_csv(REF / "effects_weighted_data.csv")
    ref = pd.read_csv(REF / "effects_weighted_cox.csv").set_index("term")
    from lifelines import CoxPHFitter

    opts = {"precision": 1e-12}
    cph = CoxPHFitter().fit(d, "time", "event", weights_col="w", robust=True, fit_options=opts)
    np.testing.assert_allclose(cph.params_[["a", "x"]], ref["coef"], rtol=1e-6)
    np.testing.assert_allclose(cph.standard_errors_[["a", "x"]], ref["robust_se"], rtol=1e-6)
    # R's naive SE (inverse weighted information) is lifelines' SE without robust=True
    with pytest.warns(Warning, match="weights are not integers"):
        naive = CoxPHFitter().fit(d, "time", "event", weights_col="w", fit_options=opts)
    np.testing.assert_allclose(naive.standard_errors_[["a", "x"]], ref["naive_se"], rtol=1e-6)
    # and the exposure-only model's (untied and tied: Efron information)
    one = pd.read_csv(REF / "effects_weighted_cox_a.csv").set_index("data")
    for name, data in (
        ("untied", d),
        ("tied", pd.read_csv(REF / "effects_weighted_ties_data.csv")),
    ):
        with pytest.warns(Warning, match="weights are not integers"):
            naive = CoxPHFitter().fit(
                data.drop(columns="x"), "time", "event", weights_col="w", fit_options=opts
            )
        np.testing.assert_allclose(
            naive.standard_errors_["a"], one.loc[name, "naive_se"], rtol=1e-6
        )


@pytest.mark.parametrize(
    ("name", "data"), [("untied", "effects_weighted_data"), ("tied", "effects_weighted_ties_data")]
)
def test_landmark_cox_against_R_robust(name, data):
    # `weighted_cox`, the exposure-only weighted Cox model of the landmark comparison, against
    # coxph(Surv(time, event) ~ a, weights = w, robust = TRUE): coefficient and robust CI to
    # 1e-6, also with 95 tied event times (Efron), where lifelines' own sandwich (no Efron
    # correction in it, statistics.md trap 4) is 2.8e-4 off R
    d = pd.read_csv(REF / f"{data}.csv")
    ref = pd.read_csv(REF / "effects_weighted_cox_a.csv").set_index("data").loc[name]
    upper = np.where(d["event"] == 1, d["time"], np.nan)
    log_hr, ci = weighted_cox(d["time"].to_numpy(), upper, d["a"].to_numpy(), d["w"].to_numpy())
    np.testing.assert_allclose(log_hr, ref["coef"], rtol=1e-6)
    z = 1.959963984540054
    want = np.exp(ref["coef"] + np.array([-z, z]) * ref["robust_se"])
    np.testing.assert_allclose(ci, want, rtol=1e-6)
    assert (ref["n_tied_times"] > 50) == (name == "tied")


def test_overlap_weighted_comparison_against_R_on_rossi():
    # WeightedEffect itself (baseline arm, overlap weights from its own logistic model, then
    # `weighted_cox`) against tests/reference/effects_rossi_overlap.R: glm propensity, overlap
    # weights, coxph(Surv(week, arrest) ~ fin, weights = w, robust = TRUE). Dropping the weights
    # moves the log HR by 0.02 (0.1 SE), dropping the robust SE widens the CI by 40 %: both fail.
    from workbench.data.spec import load_spec
    from workbench.effects.landmark import WeightedEffect

    spec = load_spec(Path(__file__).parents[2] / "params" / "examples" / "rossi.yaml")
    frame = spec.frame  # lower_day = week, upper_day = week if arrested else missing
    ref = pd.read_csv(REF / "effects_rossi_overlap.csv").iloc[0]
    we = WeightedEffect(
        "fin", landmark_day=None, confounders=list(spec.covariates), n_bootstrap=0, min_group=1
    ).fit(frame)
    e = we.weights_model_.propensity_
    np.testing.assert_allclose([e[0], e[-1]], [ref["e_first"], ref["e_last"]], rtol=1e-7)
    np.testing.assert_allclose(we.weights_model_.weights_.sum(), ref["sum_w"], rtol=1e-7)
    res = we.result_
    np.testing.assert_allclose(np.log(res.hazard_ratio), ref["coef"], rtol=1e-6)
    z = 1.959963984540054
    want = np.exp(ref["coef"] + np.array([-z, z]) * ref["robust_se"])
    np.testing.assert_allclose(res.hr_ci_model, want, rtol=1e-6)
    # R's naive SE (weights taken as case counts) is not the one printed: 41 % wider here
    assert ref["naive_se"] > 1.3 * ref["robust_se"]


def test_weighted_km_against_R():
    d = pd.read_csv(REF / "effects_weighted_data.csv")
    ref = pd.read_csv(REF / "effects_weighted_km.csv")
    for arm, r in ref.groupby("arm"):
        m = d["a"] == arm
        s = weighted_km(d.loc[m, "time"], d.loc[m, "event"] == 1, d.loc[m, "w"], r["time"])
        np.testing.assert_allclose(s, r["surv"], rtol=1e-10)


def test_evalues_vanderweele_ding():
    # VanderWeele & Ding (2017): RR 3.9 -> E-value 7.26; lower limit 1.8 -> 3.0
    np.testing.assert_allclose(evalue_rr(3.9), 3.9 + np.sqrt(3.9 * 2.9), rtol=1e-12)
    np.testing.assert_allclose(evalue_rr(3.9), 7.26, atol=5e-3)
    np.testing.assert_allclose(evalue_rr(1.8), 3.0, atol=1e-2)
    np.testing.assert_allclose(evalue_rr(0.5), evalue_rr(2.0), rtol=1e-12)
    # common outcome: sqrt transform; HR 0.5 -> RR (1-0.5^0.7071)/(1-0.5^1.4142)
    np.testing.assert_allclose(hr_to_rr(0.5, rare=False), 0.38746 / 0.62476, atol=1e-4)
    e = evalue_hr(0.7, 0.6, 0.82, rare=True)
    np.testing.assert_allclose(e["evalue_ci"], evalue_rr(1 / 0.82), rtol=1e-12)
    assert evalue_hr(0.9, 0.7, 1.1, rare=True)["evalue_ci"] == 1.0


def test_findings_sentences():
    assert verdict(0.62, 0.50, 0.77, 300) == "helps"
    assert verdict(1.3, 1.1, 1.6, 300) == "may harm"
    assert verdict(0.9, 0.7, 1.1, 300) == "no clear effect"
    assert verdict(0.5, 0.2, 0.9, 5) == "not estimable"
    # judged as printed: an upper limit of 0.996 reads "1.00", which reaches 1
    assert verdict(0.8, 0.64, 0.996, 300) == "no clear effect"
    assert verdict(1.2, 1.004, 1.4, 300) == "no clear effect"
    zh = sentence("job_placement", 0.62, 0.50, 0.77, 300, lang="zh")
    assert (
        zh == "就业安置基地安置就业：接受者的复吸风险降低38%（风险比0.62，95%置信区间0.50–0.77）。"
    )
    en = sentence("financial_aid", 0.9, 0.7, 1.1, 300, lang="en")
    assert (
        en
        == "financial aid: no clear effect (hazard ratio 0.90, 95% confidence interval 0.70–1.10)."
    )
    t = pd.DataFrame(
        {
            "code": ["peer_education"],
            "n_exposed": [4],
            "hr": [np.nan],
            "hr_lower": [np.nan],
            "hr_upper": [np.nan],
        }
    )
    assert findings(t).loc[0, "zh"] == "同伴教育：接受帮扶人数少于10人，不予估计。"


def test_rossi_spec_adjusted_cox_matches_published_and_iptw_beside_it():
    import dataclasses

    from workbench.data.spec import load_spec
    from workbench.effects.table import adjusted_spec_model, effects_table

    spec = load_spec(Path(__file__).parents[2] / "params" / "examples" / "rossi.yaml")
    hr, ci, method, _ = adjusted_spec_model(spec.frame, ["fin"], list(spec.covariates))
    np.testing.assert_allclose(np.log(hr[0]), -0.3794222, atol=1e-6)
    assert method.startswith("Cox PH (Efron ties)")
    observational = dataclasses.replace(spec, design="observational")
    table = effects_table(observational, n_bootstrap=10, seed=1)
    row = table.iloc[0]
    np.testing.assert_allclose(row["hr"], np.exp(-0.3794222), rtol=1e-6)
    assert row["n_exposed"] == 216
    # the overlap-weighted HR beside it, as printed (3 decimals), is R's (test below)
    ref = pd.read_csv(REF / "effects_rossi_overlap.csv").iloc[0]
    assert f"overlap-weighted HR {np.exp(ref['coef']):.3f} (" in row["method"]
    assert row["balance"] == "achieved" and row["max_abs_smd"] < 1e-6
    np.testing.assert_allclose(row["horizon_days"], 52 * 7)


def test_love_and_overlap_plots_draw_every_covariate_and_person():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(3)
    X = pd.DataFrame({"x": rng.normal(size=300), "y": rng.random(300)})
    a = (rng.random(300) < 1 / (1 + np.exp(-X["x"]))).astype(int)
    pw = PropensityWeights().fit(X, a)
    fig, (ax1, ax2) = plt.subplots(1, 2)
    assert pw.plot_love(ax=ax1) is ax1
    ordered = pw.balance().sort_values("smd_before", key=np.abs)
    assert [t.get_text() for t in ax1.get_yticklabels()] == list(ordered.index)
    weighted = ax1.collections[1].get_offsets()[:, 0]
    np.testing.assert_allclose(weighted, np.abs(ordered["smd_after"]), rtol=1e-12)
    assert pw.plot_overlap(ax=ax2) is ax2
    heights = sum(p.get_height() for p in ax2.patches)
    np.testing.assert_allclose(heights, 300)
    plt.close(fig)


def test_evalue_table_switches_to_sqrt_transform_for_common_outcomes():
    from workbench.effects.evalue import evalue_table

    t = pd.DataFrame({"hr": [0.7, np.nan], "hr_lower": [0.6, np.nan], "hr_upper": [0.82, np.nan]})
    rare = evalue_table(t, outcome_risk=0.05)
    common = evalue_table(t, outcome_risk=0.5)
    np.testing.assert_allclose(rare.loc[0, "evalue"], evalue_rr(0.7), rtol=1e-12)
    np.testing.assert_allclose(common.loc[0, "evalue"], evalue_rr(hr_to_rr(0.7, False)))
    assert common.loc[0, "approximation"] == "common outcome: sqrt(HR) transform"
    assert np.isnan(rare.loc[1, "evalue"])


def test_collinear_confounder_columns_are_dropped():
    from workbench.effects.design import encode

    frame = pd.DataFrame(
        {
            "sex": ["male", "female", "male", "female", "male"],
            "facility": ["a", "women", "b", "women", "a"],
            "age": [30.0, 40.0, 35.0, 50.0, 45.0],
        }
    )
    X = encode(frame, ["sex", "facility", "age"])
    # facility[women] is the same column as sex[male] reversed: one of them goes
    assert list(X.columns) == ["sex[male]", "facility[b]", "age"]
    np.testing.assert_allclose(X["age"], frame["age"] - 40.0)


def test_newton_logistic_equals_sklearn_and_warm_starts():
    rng = np.random.default_rng(21)
    X = pd.DataFrame(
        {"m": rng.normal(5, 2, 2000), "e": rng.integers(0, 2, 2000), "f": rng.random(2000)}
    )
    lin = -1.0 + 0.3 * (X["m"] - 5) + 0.6 * X["e"] - 0.4 * X["f"]
    a = (rng.random(2000) < 1 / (1 + np.exp(-lin))).astype(int)
    newton = PropensityWeights("ATE").fit(X, a)
    reference = PropensityWeights("ATE", model="sklearn-logistic").fit(X, a)
    np.testing.assert_allclose(newton.propensity_, reference.propensity_, atol=1e-6)
    np.testing.assert_allclose(newton.weights_, reference.weights_, rtol=1e-5)
    warm = PropensityWeights("ATE").fit(X, a, init=newton.model_.params_)
    assert warm.model_.n_iter_ == 1  # already at the optimum: one Newton step confirms it
    np.testing.assert_allclose(warm.propensity_, newton.propensity_, atol=1e-12)


def test_evalues_against_published_worked_values():
    # tipr's documented examples (rare outcome, the estimate taken as a risk ratio)
    np.testing.assert_allclose(evalue_rr(0.9), 1.462475, atol=5e-7)
    np.testing.assert_allclose(evalue_rr(1.3), 1.9245, atol=5e-5)
    # EValue's evalues.HR(0.56, 0.46, 0.69, rare = FALSE): RR = (1 - 0.5^sqrt(HR)) /
    # (1 - 0.5^sqrt(1/HR)) = 0.40471 / 0.60395 = 0.67010 (worked by hand), E-value 2.3495
    e = evalue_hr(0.56, 0.46, 0.69, rare=False)
    np.testing.assert_allclose(e["rr"], 0.67010, atol=5e-5)
    np.testing.assert_allclose(e["evalue"], 2.3495, atol=5e-4)
    rr_hi = hr_to_rr(0.69, rare=False)
    np.testing.assert_allclose(e["evalue_ci"], 1 / rr_hi + np.sqrt(1 / rr_hi * (1 / rr_hi - 1)))
    # a CI that misses 1 on the far side from the estimate still uses the limit nearer 1
    np.testing.assert_allclose(
        evalue_hr(0.98, 1.01, 1.3, rare=True)["evalue_ci"], evalue_rr(1.01), rtol=1e-12
    )
    assert np.isnan(evalue_hr(0.7, np.nan, np.nan, rare=True)["evalue_ci"])


def test_findings_carry_the_evalue_clause_only_for_clear_effects():
    t = pd.DataFrame(
        {
            "code": ["job_placement", "financial_aid"],
            "n_exposed": [300, 300],
            "hr": [0.62, 0.9],
            "hr_lower": [0.50, 0.7],
            "hr_upper": [0.77, 1.1],
            "evalue": [2.14, 1.3],
        }
    )
    f = findings(t)
    assert f.loc[0, "en"] == (
        "job placement at an employment base: relapse risk lower by 38% among those who received "
        "it (hazard ratio 0.62, 95% confidence interval 0.50–0.77); an unmeasured confounder "
        "would need a risk ratio of at least 2.1 with both the support and relapse to explain it "
        "away (E-value)."
    )
    assert f.loc[0, "zh"].endswith("都有至少2.1倍的关联才能完全解释这一结果（E值）。")
    assert "E-value" not in f.loc[1, "en"] and "E值" not in f.loc[1, "zh"]


def test_interval_censored_spec_model_gives_wald_cis_without_warnings():
    from workbench.effects.table import adjusted_spec_model

    rng = np.random.default_rng(5)
    n = 400
    a = rng.integers(0, 2, n)
    x = rng.normal(size=n)
    t = rng.exponential(300 * np.exp(0.5 * a - 0.3 * x))
    lower = np.floor(t / 90) * 90
    upper = np.where(lower + 90 <= 720, lower + 90, np.nan)
    lower = np.minimum(lower, 720.0)
    frame = pd.DataFrame({"lower_day": lower, "upper_day": upper, "a": a, "x": x})
    hr, ci, method, fit = adjusted_spec_model(frame, ["a"], ["x"])
    assert method.startswith("piecewise-exponential PH")
    se = np.sqrt(fit.variance_matrix_.loc["a", "a"])
    np.testing.assert_allclose(ci[0], np.exp(np.log(hr[0]) + np.array([-1, 1]) * 1.959964 * se))
    np.testing.assert_allclose(np.log(hr[0]), -0.5, atol=0.25)  # truth -0.5; SE ~0.1


def test_spec_cox_with_weights_and_clusters_against_R():
    # the spec tables' adjusted Cox model (effects.fitting.cox_fit: weights and cluster from the
    # cohort) against tests/reference/cox.R's coxph(..., cluster = person_id, weights = w): the
    # arms are the drug dummies; HRs and robust (clustered) CIs to 1e-6, and the label says so.
    # Dropping the cluster gives per-row sandwich SEs 2-5 % off R's: it fails.
    from types import SimpleNamespace

    from workbench.effects.fitting import cox_fit
    from workbench.effects.methods import english

    d = pd.read_csv(REF / "cox_cluster_input.csv")
    table = d.assign(
        lower_day=d["time"].astype(float),
        upper_day=np.where(d["status"] == 1, d["time"], np.nan),
        heroin=(d["primary_drug"] == "heroin").astype(int),
        ketamine=(d["primary_drug"] == "ketamine").astype(int),
    )
    cohort = SimpleNamespace(
        table=table, strata=[], weights="w", entry=None, cluster="person_id", reference={}
    )
    hr, ci, method, _ = cox_fit(cohort, ["heroin", "ketamine"], ["age"])
    ref = pd.read_csv(REF / "cox_output.csv").query("fit == 'cluster_weighted'").set_index("term")
    ref = ref.loc[["primary_drugheroin", "primary_drugketamine"]]
    np.testing.assert_allclose(np.log(hr), ref["coef"], rtol=1e-6)
    z = 1.959963984540054
    half = z * ref["robust_se"].to_numpy()
    want = np.exp(ref["coef"].to_numpy()[:, None] + np.c_[-half, half])
    np.testing.assert_allclose(ci, want, rtol=1e-6)
    assert (
        english([method]) == "Cox PH (Efron ties), weighted by w, robust SE clustered on person_id"
    )


def test_spec_cox_stratified_weighted_clustered_equals_the_risk_cox_model():
    # the same model with strata too: the spec tables' Cox (effects.fitting) and risk.CoxModel
    # (whose clustered, weighted sandwich equals R's, tests/risk/test_risk.py) must agree; the
    # label names the strata
    from types import SimpleNamespace

    from workbench.effects.fitting import cox_fit
    from workbench.effects.methods import english
    from workbench.risk.cox import CoxModel

    d = pd.read_csv(REF / "cox_cluster_input.csv")
    d["older"] = (d["age"] > 35).astype(int)
    table = d.assign(
        lower_day=d["time"].astype(float),
        upper_day=np.where(d["status"] == 1, d["time"], np.nan),
        heroin=(d["primary_drug"] == "heroin").astype(int),
        ketamine=(d["primary_drug"] == "ketamine").astype(int),
    )
    cohort = SimpleNamespace(
        table=table, strata=["older"], weights="w", entry=None, cluster="person_id", reference={}
    )
    hr, ci, method, _ = cox_fit(cohort, ["heroin", "ketamine"], ["age"])
    m = CoxModel(
        ["primary_drug", "age"], reference={"primary_drug": "methamphetamine"}, strata=["older"]
    ).fit(d, "time", "status", weights_col="w")
    np.testing.assert_allclose(np.log(hr), m.params_.to_numpy()[:2], rtol=1e-6)
    se = m.se_.to_numpy()[:2]
    np.testing.assert_allclose(np.log(ci[:, 1]) - np.log(hr), 1.959963984540054 * se, rtol=1e-6)
    assert english([method]) == (
        "Cox PH (Efron ties), stratified by older, weighted by w, robust SE clustered on person_id"
    )


def test_bootstrap_replicate_curves_are_capped_and_unchanged_when_they_converge(monkeypatch):
    """A replicate (warm-started from the full-data fit) gives its NPMLE curves at most
    REPLICATE_MAX_ITER Newton iterations (issue 22: a resample whose maximum is not attained
    ran 20,000, ~8 s, whatever the scope); the full-data fit keeps the fit's own limit; a
    converging replicate's numbers are the same either way (to 1e-12: the same iterations)."""
    from workbench.effects import weighted_estimate as we

    rng = np.random.default_rng(4)
    n = 300
    a = (rng.random(n) < 0.4).astype(int)
    t = rng.exponential(np.where(a == 1, 700.0, 500.0))
    visits = np.ceil(t / 180.0) * 180.0
    lower = np.where(t < 900, visits - 180.0, 900.0)
    upper = np.where(t < 900, visits, np.nan)
    entries = (np.zeros(n), np.zeros(n))
    w = np.ones(n)
    grid = np.arange(0.0, 901.0, 30.0)
    calls = []
    real = we.fit_truncated
    monkeypatch.setattr(
        we,
        "fit_truncated",
        lambda *args, **kw: calls.append(kw.get("max_iter")) or real(*args, **kw),
    )
    _, _, state = we.estimate(lower, upper, entries, a, w, [0.0, 180.0, 360.0], grid, 365.0)
    assert calls == [None, None]  # the full-data curves: the fit's own limit
    idx = rng.integers(0, n, n)
    args = (lower[idx], upper[idx], entries, a[idx], w, [0.0, 180.0, 360.0], grid, 365.0)
    capped = we.estimate(*args, warm=state)[0]
    assert calls[2:] == [we.REPLICATE_MAX_ITER] * 2
    monkeypatch.setattr(we, "REPLICATE_MAX_ITER", 20_000)
    np.testing.assert_allclose(we.estimate(*args, warm=state)[0], capped, rtol=0, atol=1e-12)
