"""Risk-model numbers and words a user sees, each pinned where a mutation (issue #24,
bench/mutation.py) changed it unseen: the stratified weighted robust SEs against R, the text of
`workbench risk` (missing values, a PH test that could not run) and the interval-censored AFT
beside the Cox model (the spec's reference level, the AIC table, the chosen model's line)."""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.cohort.contract import load_cohort
from workbench.risk.aft import ICParametric
from workbench.risk.cox import CoxModel
from workbench.risk.table import render_text, risk_model

ROOT = Path(__file__).parents[2]
REF = ROOT / "tests" / "reference"


def test_stratified_delayed_entry_weighted_clustered_cox_equals_R():
    """Three strata on the data of cox_entry.R (tests/reference/cox_strata.R): coefficients, model
    and robust SEs (each stratum's own weights in its score residuals) and the log-likelihood
    equal R's coxph to 1e-6 (optimiser tolerance, as the unstratified test)."""
    data = pd.read_csv(REF / "cox_entry_input.csv").assign(s=lambda d: d["id"] % 3)
    ref = pd.read_csv(REF / "cox_strata_output.csv")
    model = CoxModel(["x1", "x2"], strata=["s"], cluster="id")
    tab = model.fit(data, "time", "event", weights_col="w", entry_col="entry").summary()
    for col in ("coef", "se", "robust_se"):
        np.testing.assert_allclose(tab[col], ref[col], rtol=1e-6, err_msg=col)
    assert model.log_likelihood_ == pytest.approx(ref["loglik"][0], rel=1e-9)


def _result(**changes):
    term = {"term": "x", "label": "age", "coef": 0.12345, "se": 0.01, "robust_se": None,
            "hr": 1.1314, "lower": np.nan, "upper": 1.3, "p": 0.04}  # fmt: skip
    out = {"model": "Cox proportional hazards (Efron ties)", "n": 50, "events": 20, "strata": [],
           "n_strata": 1, "terms": [term], "ph_test": None,
           "ph_test_reason": "no events after day 30", "advice": [], "notes": ["a note"]}  # fmt: skip
    return {**out, **changes}


def test_risk_text_shows_a_missing_value_as_a_dash_and_why_no_ph_test():
    lines = render_text(_result()).splitlines()
    assert lines[0] == "Cox proportional hazards (Efron ties): n = 50, events = 20"
    assert lines[1] == "(se: model-based; robust_se: sandwich; CI and p use robust_se)"
    assert lines[3].split() == ["age", "0.1235", "0.01", "-", "1.131", "-", "1.3", "0.04"]
    assert lines[4:] == ["", "Proportional-hazards test: no events after day 30", "Note: a note"]


@pytest.fixture(scope="module")
def diabetes_female_reference(tmp_path_factory):
    """lifelines' diabetes table (interval-censored, years) with the spec naming female as the
    reference level; the workbench's default would be male, the most frequent."""
    folder = tmp_path_factory.mktemp("diabetes")
    src = ROOT / "data" / "corpus" / "diabetes"
    (folder / "diabetes.csv").write_bytes((src / "diabetes.csv").read_bytes())
    spec = (src / "spec.yaml").read_text()
    assert "covariates: [gender]\n" in spec
    spec = spec.replace(
        "covariates: [gender]\n", "covariates: [gender]\nreference: {gender: female}\n"
    )
    (folder / "spec.yaml").write_text(spec)
    return load_cohort(folder / "spec.yaml")


@pytest.fixture(scope="module")
def diabetes_risk(diabetes_female_reference):
    """`workbench risk`'s result on it (a Cox model and three AFT fits: fitted once)."""
    return risk_model(diabetes_female_reference)


def test_interval_censored_aft_beside_the_cox_model(diabetes_female_reference, diabetes_risk):
    cohort = diabetes_female_reference
    out = diabetes_risk
    aft = out["aft"]
    # AIC by hand: 3 parameters (intercept, gender, log scale) in each distribution; the
    # smallest first and chosen
    rows = aft["compare"]
    assert {r["distribution"] for r in rows} == {"weibull", "loglogistic", "lognormal"}
    for r in rows:
        assert r["aic"] == pytest.approx(6 - 2 * r["log_likelihood"], rel=1e-12)
        assert r["delta_aic"] == pytest.approx(r["aic"] - rows[0]["aic"], abs=1e-9)
    assert aft["chosen"] == rows[0]["distribution"] and sorted(r["aic"] for r in rows) == [
        r["aic"] for r in rows
    ]
    (term,) = aft["terms"]
    assert (term["term"], term["label"]) == ("gender[male]", "gender: male (vs female)")
    # the Weibull fit, one of the three compared, is R's survreg (tests/reference/aft.R): its
    # gender coefficient in log time is the same in years and days
    weibull = ICParametric(["gender"], reference={"gender": "female"}, distributions=("weibull",))
    coef = weibull.fit(cohort.table).summary().set_index("term").loc["gender[male]", "coef"]
    r = pd.read_csv(REF / "aft_output.csv").query("fit == 'diabetes'").set_index("term")
    assert coef == pytest.approx(r.loc["gendermale", "value"], abs=1e-4)
    text = render_text(out)
    assert f"Interval-censored AFT model chosen by AIC: {aft['chosen']}" in text.splitlines()


def test_model_check_folds_keep_a_person_together_and_work_without_person_ids():
    from workbench.risk.validation import _folds

    table = pd.DataFrame({"person_id": ["p1", "p2", "p1", "p3", "p2", "p4"]})
    folds = _folds(table, 2, seed=3)
    assert folds[0] == folds[2] and folds[1] == folds[4]
    assert sorted(np.bincount(folds)) == [2, 4] or sorted(np.bincount(folds)) == [3, 3]
    # a table without person ids (a dataset spec's rows): one row, one person
    rows = pd.DataFrame({"x": range(6)}, index=[f"r{i}" for i in range(6)])
    np.testing.assert_array_equal(np.bincount(_folds(rows, 3, seed=3)), [2, 2, 2])


def test_fewer_than_10_events_per_term_is_a_caveat_with_its_numbers():
    from workbench.exceptions import StatisticalWarning

    rng = np.random.default_rng(5)
    n = 60
    frame = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n),
                          "time": rng.exponential(100, n).round() + 1})  # fmt: skip
    few = frame.assign(event=(np.arange(n) < 19).astype(int))  # 19 events for 2 terms
    with pytest.warns(StatisticalWarning) as seen:
        CoxModel(["x1", "x2"]).fit(few, "time", "event")
    (w,) = [w.message for w in seen if w.message.code == "few_events"]
    assert (w.fields["events"], w.fields["terms"]) == (19, 2)
    assert str(w) == (
        "only 19 relapses for 2 terms (fewer than 10 per term); the hazard ratios may be unstable"
    )
    enough = frame.assign(event=(np.arange(n) < 20).astype(int))  # 10 per term: no caveat
    with warnings.catch_warnings():
        warnings.simplefilter("error", StatisticalWarning)
        CoxModel(["x1", "x2"]).fit(enough, "time", "event")


def test_stratified_ph_test_equals_R():
    """cox.zph of a stratified weighted model (tests/reference/cox_strata.R, second part): risk
    sets within strata, g(t) from the KM of all rows. Coefficients to 1e-6 (optimiser
    tolerance); the chi-squares to 1e-5 relative (they move with the coefficients)."""
    data = pd.read_csv(REF / "cox_entry_input.csv").assign(s=lambda d: d["id"] % 3)
    ref = pd.read_csv(REF / "cox_strata_zph.csv").set_index("term")
    model = CoxModel(["x1", "x2"], strata=["s"]).fit(data, "time", "event", weights_col="w")
    np.testing.assert_allclose(model.params_, ref["coef"].iloc[:2], rtol=1e-6)
    ph = model.ph_test().set_index("variable")
    for term in ("x1", "x2", "GLOBAL"):
        assert ph.loc[term, "chisq"] == pytest.approx(ref.loc[term, "chisq"], rel=1e-5), term
        assert ph.loc[term, "df"] == ref.loc[term, "df"]
        assert ph.loc[term, "p"] == pytest.approx(ref.loc[term, "p"], rel=1e-5), term
    unstratified = CoxModel(["x1", "x2"]).fit(data, "time", "event", weights_col="w").ph_test()
    assert abs(unstratified["chisq"].iloc[0] - ref.loc["x1", "chisq"]) > 0.01  # strata matter


def test_interval_censored_cox_uses_the_first_evidence_of_relapse(
    diabetes_female_reference, diabetes_risk
):
    """risk_model's Cox model on interval-censored data (not visit records): relapse at the
    first day it was seen (upper_day), others censored at lower_day — the same fit by hand."""
    cohort = diabetes_female_reference
    f = cohort.table
    relapse = f["event"].eq("relapse")
    assert (f.loc[relapse, "upper_day"] > f.loc[relapse, "lower_day"]).any()  # intervals
    by_hand = CoxModel(["gender"], reference={"gender": "female"}).fit(
        f.assign(_t=np.where(relapse, f["upper_day"], f["lower_day"]), _e=relapse.astype(int)),
        "_t",
        "_e",
    )
    out = diabetes_risk
    assert out["log_likelihood"] == pytest.approx(by_hand.log_likelihood_, rel=1e-12)
    assert out["terms"][0]["coef"] == pytest.approx(by_hand.params_.iloc[0], rel=1e-9)
    assert out["events"] == int(relapse.sum())
    assert (
        "Event times are interval-censored: the Cox model uses the first evidence of the event; "
        "the AFT models below use the intervals themselves."
    ) in out["notes"]


def test_every_aft_fit_uses_slsqp_with_the_tight_tolerance():
    """The documented optimiser (risk.aft: lifelines' BFGS stopped short of the maximum on
    23,000 releases): SLSQP first, for every distribution."""
    model = ICParametric(["primary_drug"], reference={"primary_drug": "heroin"})
    model.fit(pd.read_csv(REF / "aft_input.csv"))
    assert {d: f.fitter._scipy_fit_method for d, f in model.fits_.items()} == dict.fromkeys(
        ("weibull", "loglogistic", "lognormal"), "SLSQP"
    )


def _released_table(n=400, seed=8):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    t = rng.exponential(500 * np.exp(-0.5 * x))
    visits = 182.625 * np.arange(1, 7)
    k = (visits[None, :] < t[:, None]).sum(axis=1)
    seen = k < visits.size
    upper = np.where(seen, visits[np.minimum(k, 5)], np.nan)
    lower = np.where(k > 0, visits[np.maximum(k - 1, 0)], 0.0)
    release = pd.Timestamp("2018-01-01") + pd.to_timedelta(rng.integers(0, 1000, n), unit="D")
    return pd.DataFrame({"x": x, "lower_day": lower, "upper_day": upper,
                         "event": np.where(seen, "relapse", "censored"),
                         "last_day": np.where(seen, upper, lower),
                         "release_date": release})  # fmt: skip


def test_model_check_counts_only_people_followed_to_each_horizon():
    from workbench.risk.validation import RiskModelCheck

    table = _released_table()
    cutoff = pd.Timestamp("2021-01-01")
    check = RiskModelCheck(["x"], months=(6, 24), folds=2, cutoff=cutoff).fit(table)
    days_out = (cutoff - table["release_date"]).dt.days
    expected = [int((days_out >= m * 365.25 / 12).sum()) for m in (6, 24)]
    assert expected[1] < expected[0] < len(table)  # the data cut removes people at 24 months
    assert list(check.auc_["n"]) == expected


def test_model_check_tables_have_their_documented_columns():
    """risk.validation.ModelCheck: auc (months, auc, n, cases) and calibration (months, group,
    n, predicted, observed, lower, upper)."""
    from workbench.risk.validation import RiskModelCheck

    check = RiskModelCheck(["x"], months=(6, 12), folds=2).fit(_released_table())
    assert list(check.auc_.columns) == ["months", "auc", "n", "cases"]
    assert list(check.calibration_.columns) == [
        "months", "group", "n", "predicted", "observed", "lower", "upper"
    ]  # fmt: skip
    assert 0.5 < check.auc_["auc"].iloc[0] < 1  # x carries real risk (HR e^0.5 per SD)


def test_model_based_standard_errors_without_robust_equal_R():
    """robust=False: the model-based (naive) SEs, R's sqrt(diag(fit$naive.var)) of the same
    stratified, weighted, delayed-entry fit (tests/reference/cox_strata.R), to 1e-6."""
    data = pd.read_csv(REF / "cox_entry_input.csv").assign(s=lambda d: d["id"] % 3)
    ref = pd.read_csv(REF / "cox_strata_output.csv")
    model = CoxModel(["x1", "x2"], strata=["s"], robust=False)
    tab = model.fit(data, "time", "event", weights_col="w", entry_col="entry").summary()
    np.testing.assert_allclose(tab["se"], ref["se"], rtol=1e-6)
