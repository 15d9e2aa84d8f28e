"""Cox (Efron, clustered robust SEs, PH advice) and interval-censored AFT models against R."""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lifelines.datasets import load_rossi

from workbench.exceptions import (
    EstimationError,
    NotFittedError,
    ParameterError,
    StatisticalWarning,
)
from workbench.risk.aft import ICParametric
from workbench.risk.cox import CoxModel
from workbench.risk.design import design_matrix
from workbench.risk.efron import efron_score_residuals
from workbench.risk.labels import advice_in, ph_advice, summary_in, term_labels

REF = Path(__file__).parents[1] / "reference"
ROSSI = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]
PUBLISHED = [-0.3794222, -0.0574377, 0.3138998, -0.1497957, -0.4337039, -0.0848711, 0.0914971]


@pytest.fixture(scope="module")
def rossi_fit():
    return CoxModel(ROSSI, cluster=None).fit(load_rossi(), "week", "arrest")


def test_rossi_published_values(rossi_fit):
    np.testing.assert_allclose(rossi_fit.params_.to_numpy(), PUBLISHED, atol=1e-6)
    lr = rossi_fit.lr_test_
    assert lr.statistic == pytest.approx(33.27, abs=5e-3)
    assert lr.df == 7


def test_cox_rossi_against_R(rossi_fit):
    ref = pd.read_csv(REF / "cox_output.csv").query("fit == 'rossi'")
    np.testing.assert_allclose(rossi_fit.params_.to_numpy(), ref["coef"], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(rossi_fit.model_se_.to_numpy(), ref["se"], rtol=1e-6)
    # robust=True without clusters: the per-row sandwich with Efron ties (trap 4)
    np.testing.assert_allclose(rossi_fit.se_.to_numpy(), ref["robust_se"], rtol=1e-6)
    fit = pd.read_csv(REF / "cox_fit.csv").set_index("fit")
    assert rossi_fit.log_likelihood_ == pytest.approx(fit.loc["rossi", "loglik"], abs=1e-6)
    lr = rossi_fit.lr_test_
    assert lr.statistic == pytest.approx(fit.loc["rossi", "lr"], rel=1e-7)
    assert lr.df == fit.loc["rossi", "df"]


@pytest.mark.parametrize("name,weights", [("cluster", None), ("cluster_weighted", "w")])
def test_cox_cluster_robust_against_R(name, weights):
    data = pd.read_csv(REF / "cox_cluster_input.csv")
    ref = pd.read_csv(REF / "cox_output.csv").query("fit == @name")
    m = CoxModel(["primary_drug", "age"], reference={"primary_drug": "methamphetamine"})
    m.fit(data, "time", "status", weights_col=weights)
    assert m.clustered_
    assert list(m.params_.index) == ["primary_drug[heroin]", "primary_drug[ketamine]", "age"]
    np.testing.assert_allclose(m.params_.to_numpy(), ref["coef"], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(m.model_se_.to_numpy(), ref["se"], rtol=1e-6)
    np.testing.assert_allclose(m.se_.to_numpy(), ref["robust_se"], rtol=1e-6)
    fit = pd.read_csv(REF / "cox_fit.csv").set_index("fit").loc[name]
    assert m.log_likelihood_ == pytest.approx(fit["loglik"], abs=1e-6)  # weighted: sum w log L
    assert m.lr_test_.statistic == pytest.approx(fit["lr"], rel=1e-7)
    assert m.lr_test_.df == fit["df"]
    tab = m.summary()
    np.testing.assert_allclose(tab["hr"], np.exp(ref["coef"]), rtol=1e-6)
    np.testing.assert_allclose(
        tab["upper"], np.exp(ref["coef"] + 1.959963984540054 * ref["robust_se"]), rtol=1e-6
    )
    assert tab["label"].iloc[0] == "primary drug: heroin (vs methamphetamine)"
    zh = summary_in(m, "zh")
    assert zh["label"].iloc[0] == "主要滥用毒品: 海洛因（对照：甲基苯丙胺（冰毒））"
    pd.testing.assert_frame_equal(zh.drop(columns="label"), tab.drop(columns="label"))


def test_score_residuals_sum_to_zero_at_the_estimate(rossi_fit):
    rossi = load_rossi()
    res = efron_score_residuals(
        rossi[ROSSI], rossi["week"], rossi["arrest"], rossi_fit.params_.to_numpy()
    )
    # coefficients are converged to ~1e-9 and the information for age is ~2,000 per unit
    np.testing.assert_allclose(res.sum(axis=0), 0, atol=1e-4)


def test_score_residuals_hand_computed_tie():
    # two tied events at t=1 among three rows, x = (1, 0, 0), beta = 0: Efron steps
    # k=0: den 3, xbar 1/3; k=1: den 3 - 1/2*2 = 2, xbar (1 - 1/2*1)/2 = 1/4
    res = efron_score_residuals(np.array([[1.0], [0.0], [0.0]]), [1, 1, 2], [1, 1, 0], np.zeros(1))
    x_c = np.array([2 / 3, -1 / 3, -1 / 3])
    xbar_c = np.array([1 / 3, 1 / 4]) - 1 / 3  # centred
    h = np.array([1 / 3, 1 / 2])
    f = np.array([0.0, 0.5])
    dead = x_c[:2] - xbar_c.mean() - ((1 - f) * h * (x_c[:2, None] - xbar_c)).sum(axis=1)
    alive = -(h * (x_c[2] - xbar_c)).sum()
    np.testing.assert_allclose(res[:, 0], [*dead, alive], atol=1e-12)


def test_cox_on_cohort_uses_best_available_times():
    rng = np.random.default_rng(7)
    n = 300
    drug = rng.choice(["heroin", "methamphetamine"], n)
    t = rng.exponential(600 / np.where(drug == "heroin", 1.0, 2.0))
    seen = t < 1095.75
    grid = np.ceil(t / 182.625) * 182.625
    cohort = pd.DataFrame(
        {
            "person_id": [f"p{i // 2}" for i in range(n)],
            "primary_drug": drug,
            "lower_day": np.where(seen, grid - 182.625, 1095.75),
            "upper_day": np.where(seen, grid, np.nan),
            "event": np.where(seen, "relapse", "censored"),
            "death_day": np.nan,
        }
    )
    m = CoxModel(["primary_drug"], reference={"primary_drug": "heroin"}).fit(cohort)
    manual = CoxModel(["primary_drug"], reference={"primary_drug": "heroin"})
    manual.fit(
        cohort.assign(time=np.where(seen, grid, 1095.75), status=seen.astype(int)), "time", "status"
    )
    np.testing.assert_allclose(m.params_, manual.params_, rtol=1e-10)
    assert m.n_events_ == int(seen.sum())
    assert 1.4 < m.summary()["hr"].iloc[0] < 3.0  # true HR 2 on visit-grid times


@pytest.mark.parametrize("name", ["rossi", "cluster", "cluster_weighted"])
def test_cox_zph_against_R(name):
    ref = pd.read_csv(REF / "cox_zph.csv").query("fit == @name")
    if name == "rossi":
        m = CoxModel(ROSSI, cluster=None).fit(load_rossi(), "week", "arrest")
    else:
        data = pd.read_csv(REF / "cox_cluster_input.csv")
        m = CoxModel(["primary_drug", "age"], reference={"primary_drug": "methamphetamine"})
        m.fit(data, "time", "status", weights_col="w" if name == "cluster_weighted" else None)
    ph = m.ph_test()
    assert list(ph["variable"]) == list(ref["term"])
    np.testing.assert_allclose(ph["chisq"], ref["chisq"], rtol=1e-6)
    np.testing.assert_allclose(ph["df"], ref["df"], atol=0)
    np.testing.assert_allclose(ph["p"], ref["p"], rtol=1e-5)
    if name == "rossi":  # R flags age (p=0.015) and wexp (p=0.040)
        advice = m.advice()
        assert len(advice) == 2
        assert advice[0].startswith(
            "The effect of age (years) appears to change over time (p=0.0145)"
        )
        assert advice_in(m, "zh")[0].startswith("年龄（岁）的作用似乎随时间变化（p=0.0145）")


def test_ph_advice_sentences():
    tab = pd.DataFrame({"label": ["age (years)", "fin"], "p": [0.003, 0.4]})
    en = ph_advice(tab)
    assert en == [
        "The effect of age (years) appears to change over time (p=0.003); read its hazard ratio "
        "as an average over follow-up."
    ]
    zh = ph_advice(tab, lang="zh")
    assert zh[0].startswith("age (years)的作用似乎随时间变化（p=0.003）")
    assert "没有发现" in ph_advice(tab.assign(p=0.5), lang="zh")[0]


def test_ph_test_flags_a_time_varying_effect():
    rng = np.random.default_rng(1)
    n = 600
    x = rng.integers(0, 2, n)
    # x multiplies the hazard by 4 before day 100 and by 0.25 after: strongly non-proportional
    t0 = rng.exponential(100 / np.where(x == 1, 4, 1))
    t = np.where(t0 < 100, t0, 100 + rng.exponential(100 / np.where(x == 1, 0.25, 1)))
    data = pd.DataFrame(
        {
            "x": x.astype(float),
            "z": rng.normal(size=n),
            "t": np.minimum(t, 500),
            "e": (t < 500).astype(int),
        }
    )
    m = CoxModel(["x", "z"], cluster=None).fit(data, "t", "e")
    ph = m.ph_test()
    assert ph.loc[0, "p"] < 1e-6
    assert ph.loc[1, "p"] > 1e-3  # z has a constant (null) effect
    assert m.advice()[0].startswith("The effect of x appears to change over time")


def test_design_matrix_and_errors():
    frame = pd.DataFrame(
        {"sex": ["male", "male", "female"], "age": [20, 30, 40], "award_gold": [1, 0, 0]}
    )
    d = design_matrix(frame, ["sex", "age"])
    assert list(d.X.columns) == ["sex[female]", "age"]
    np.testing.assert_allclose(d.X["sex[female]"], [0, 0, 1])
    assert term_labels(d.terms, "zh") == ["性别: 女（对照：男）", "年龄（岁）"]
    with pytest.raises(ParameterError, match="award_gold is an outcome"):
        design_matrix(frame, ["award_gold"])
    with pytest.raises(
        ParameterError, match="reference level 'x' of sex is not one of female, male"
    ):
        design_matrix(frame, ["sex"], reference={"sex": "x"})
    with pytest.raises(ParameterError, match=r"covariate\(s\) nope not in the table"):
        design_matrix(frame, ["nope"])
    with pytest.raises(EstimationError, match="covariate sex has a single level"):
        design_matrix(frame.iloc[:2], ["sex"])
    with pytest.raises(NotFittedError, match="this CoxModel is not fitted yet"):
        CoxModel(["sex"]).summary()
    with pytest.raises(ParameterError, match="give both duration_col and event_col"):
        CoxModel(["sex"]).fit(frame, duration_col="age")


def test_few_events_warn():
    data = pd.DataFrame(
        {"x": [0.0, 1, 0, 1, 0, 1], "t": [1, 2, 3, 4, 5, 6], "e": [1, 0, 1, 1, 0, 0]}
    )
    with pytest.warns(StatisticalWarning, match="only 3 relapses for 1 terms") as caught:
        CoxModel(["x"], cluster=None).fit(data, "t", "e")
    warning = caught[0].message
    assert (warning.code, warning.fields) == ("few_events", {"events": 3, "terms": 1})


@pytest.fixture(scope="module")
def aft_sim():
    data = pd.read_csv(REF / "aft_input.csv")
    return ICParametric(
        ["primary_drug", "motivation_score"], reference={"primary_drug": "heroin"}
    ).fit(data)


def test_aft_interval_censored_against_R(aft_sim):
    ref = pd.read_csv(REF / "aft_output.csv").query("fit == 'sim'")
    for dist in ("weibull", "loglogistic", "lognormal"):
        r = ref.query("dist == @dist").set_index("term")
        p = aft_sim.params(dist)
        loc = p.index.get_level_values(0)[0]
        ours = [
            p.loc[(loc, "Intercept"), "coef"],
            p.loc[(loc, "x0"), "coef"],
            p.loc[(loc, "x1"), "coef"],
        ]
        np.testing.assert_allclose(
            ours, r["value"].iloc[:3], atol=1e-4, err_msg=dist
        )  # optimiser tolerance
        shape = p["coef"].iloc[
            -1
        ]  # lifelines: log rho / log beta = -log(scale); log-normal: log sigma
        log_scale = shape if dist == "lognormal" else -shape
        assert log_scale == pytest.approx(r.loc["log_scale", "value"], abs=1e-4)
        assert aft_sim.fits_[dist].log_likelihood == pytest.approx(r["loglik"].iloc[0], abs=1e-6)
        # every R standard error: the two slopes, the intercept and log(scale) (the sign flip of
        # Weibull/log-logistic's log rho leaves its SE alone). Measured agreement 2e-5 relative;
        # 1e-4 is the optimiser tolerance of the coefficients above (1e-4 absolute is < 0.001 SE)
        se = p["se(coef)"]
        ours_se = [
            se.loc[(loc, "Intercept")],
            se.loc[(loc, "x0")],
            se.loc[(loc, "x1")],
            se.iloc[-1],
        ]
        np.testing.assert_allclose(ours_se, r["se"], rtol=1e-4, err_msg=dist)
    assert aft_sim.best_ == "weibull"  # R's log-likelihoods give Weibull the lowest AIC too
    assert aft_sim.notes_ == ()  # every model converged with the tight settings
    cmp = aft_sim.compare()
    assert list(cmp["distribution"]) == ["weibull", "lognormal", "loglogistic"]
    tab = aft_sim.summary()
    assert list(tab.columns[:5]) == ["term", "label", "coef", "se", "time_ratio"]
    r = ref.query("dist == 'weibull'").set_index("term")
    assert tab["time_ratio"].iloc[1] == pytest.approx(
        np.exp(r.loc["motivation_score", "value"]), rel=1e-4
    )


def test_aft_diabetes_against_R_and_published():
    data = pd.read_csv(REF / "aft_diabetes_input.csv")
    m = ICParametric(["gender"], distributions=["weibull"], reference={"gender": "female"})
    m.fit(data, "left", "right")
    ref = pd.read_csv(REF / "aft_output.csv").query("fit == 'diabetes'").set_index("term")
    coef = m.summary()["coef"].iloc[0]
    assert coef == pytest.approx(0.04576, abs=5e-6)  # published
    assert coef == pytest.approx(ref.loc["gendermale", "value"], abs=1e-4)
    assert m.fits_["weibull"].log_likelihood == pytest.approx(-2027.196, abs=1e-3)
    assert m.fits_["weibull"].log_likelihood == pytest.approx(ref["loglik"].iloc[0], abs=1e-6)
    p = m.params("weibull")
    np.testing.assert_allclose(
        [p["coef"].iloc[1], -p["coef"].iloc[2]],  # intercept, log(scale) = -log rho
        ref.loc[["(Intercept)", "log_scale"], "value"],
        atol=1e-4,  # optimiser tolerance, < 0.01 SE
    )
    np.testing.assert_allclose(
        p["se(coef)"].iloc[[1, 0, 2]],
        ref.loc[["(Intercept)", "gendermale", "log_scale"], "se"],
        rtol=1e-4,
    )


def test_aft_errors():
    data = pd.DataFrame({"lower_day": [0, 5.0], "upper_day": [3.0, 4.0], "x": [0.0, 1.0]})
    with pytest.raises(ParameterError, match="interval bounds must satisfy 0 <= lower <= upper"):
        ICParametric(["x"]).fit(data)
    with pytest.raises(ParameterError, match="distribution 'gamma' is not one of weibull"):
        ICParametric(["x"], distributions=["gamma"]).fit(data)


def test_no_stray_warnings_from_lifelines():
    data = pd.read_csv(REF / "cox_cluster_input.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = CoxModel(["primary_drug", "age"]).fit(data, "time", "status", weights_col="w")
        assert len(m.ph_test()) == 3


def test_cox_robust_se_fast_on_continuous_times():
    # 10,000 rows with distinct times: the vectorised Efron residuals need no per-time loop
    rng = np.random.default_rng(12)
    n = 10_000
    x = rng.normal(size=n)
    t = rng.exponential(1 / np.exp(0.5 * x))
    data = pd.DataFrame(
        {
            "x": x,
            "t": np.minimum(t, 2.0),
            "e": (t < 2.0).astype(int),
            "person_id": rng.integers(0, 8_000, n),
        }
    )
    m = CoxModel(["x"]).fit(data, "t", "e")
    assert m.params_["x"] == pytest.approx(0.5, abs=0.05)
    # a correct model with clusters unrelated to x and t: sandwich close to the model-based SE
    assert m.se_["x"] == pytest.approx(m.model_se_["x"], rel=0.15)


def test_delayed_entry_weighted_clustered_cox_equals_R():
    """Delayed entry (Surv(entry, time, event)) with tied days, weights and clusters: the
    coefficients, the model SEs, the robust (sandwich) SEs — whose risk sets drop the rows not
    yet entered (risk.efron._entered_later) — and the log-likelihood equal R's coxph
    (tests/reference/cox_entry.R) to 1e-6 (optimiser tolerance)."""
    ref_dir = Path(__file__).parents[1] / "reference"
    data = pd.read_csv(ref_dir / "cox_entry_input.csv")
    ref = pd.read_csv(ref_dir / "cox_entry_output.csv")
    assert (data["entry"] > 0).mean() > 0.3  # delayed entry on a good share of rows
    model = CoxModel(["x1", "x2"], cluster="id")
    tab = model.fit(data, "time", "event", weights_col="w", entry_col="entry").summary()
    for col in ("coef", "se", "robust_se"):
        np.testing.assert_allclose(tab[col], ref[col], rtol=1e-6, err_msg=col)
    assert model.log_likelihood_ == pytest.approx(ref["loglik"][0], rel=1e-9)


def test_design_matrix_refusals_say_what_to_do_word_for_word():
    frame = pd.DataFrame({"sex": ["male", None, "female"], "age": [20, 30, 40]})
    with pytest.raises(ParameterError) as err:
        design_matrix(frame, ["sex", "age"])
    assert str(err.value) == "covariate sex has 1 missing value(s); impute or drop those rows"
    with pytest.raises(ParameterError) as err:
        design_matrix(frame, ["age"], reference={"sex": "male"})
    assert str(err.value) == "reference given for sex, which is not a covariate"
    with pytest.raises(ParameterError) as err:
        design_matrix(frame, ["nope"])
    assert str(err.value) == "covariate(s) nope not in the table; available: sex, age"
    # the most common level is the default reference (female twice here)
    frame = pd.DataFrame({"sex": ["female", "male", "female"], "age": [20, 30, 40]})
    assert list(design_matrix(frame, ["sex"]).X.columns) == ["sex[male]"]
