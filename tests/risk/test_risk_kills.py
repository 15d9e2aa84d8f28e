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


def test_interval_censored_aft_beside_the_cox_model(diabetes_female_reference):
    cohort = diabetes_female_reference
    out = risk_model(cohort)
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
