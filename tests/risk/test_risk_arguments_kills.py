"""Arguments passed down in risk/ (issue #24, session 7, helper mut4; written blind to seed 29):
the interval-censored PH model's case weights act as repeated rows and its `smooth` reaches the
piecewise-exponential fit; a spec's weights column reaches `workbench risk`'s Cox model."""

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.risk.interval import IntervalCoxModel

ROOT = Path(__file__).parents[2]
REF = ROOT / "tests" / "reference"
TERMS = ["x1", "x2", "g"]


@pytest.fixture(scope="module")
def intervals():
    data = pd.read_csv(REF / "risk_ic_exact_input.csv")
    visits = 90.0 * np.arange(1, 40)
    k = np.searchsorted(visits, data["time"].to_numpy(float))
    seen = (data["status"] == 1).to_numpy() & (k < visits.size)
    lower = np.where(k > 0, visits[np.maximum(k - 1, 0)], 0.0)
    upper = np.where(seen, visits[np.minimum(k, visits.size - 1)], np.nan)
    rng = np.random.default_rng(2)
    return data.assign(lower=lower, upper=upper, w=rng.integers(1, 4, len(data)).astype(float))


def _coef(model):
    return model.summary().set_index("term")["coef"]


def test_interval_cox_weights_are_repeated_rows(intervals):
    def fit(data, weights_col=None):
        model = IntervalCoxModel(TERMS, reference={"g": "a"}, robust=False, cuts=[0.0, 365.0])
        return _coef(model.fit(data, "lower", "upper", weights_col=weights_col))

    weighted = fit(intervals, "w")
    repeated = fit(intervals.loc[intervals.index.repeat(intervals["w"].astype(int))])
    # the same penalised likelihood; the optimiser stops at a gradient of ~1e-8
    np.testing.assert_allclose(weighted, repeated, rtol=1e-5, atol=1e-7)
    assert np.max(np.abs(weighted - fit(intervals))) > 1e-3


def test_interval_cox_smooth_reaches_the_piecewise_fit(intervals):
    def loglik(smooth):
        model = IntervalCoxModel(
            TERMS, reference={"g": "a"}, robust=False, cuts="times", smooth=smooth
        )
        return model.fit(intervals, "lower", "upper").model_

    rough, smooth = loglik(0.0), loglik(50.0)
    assert rough.smooth == 0.0 and smooth.smooth == 50.0
    # a penalty on neighbouring log-hazards flattens the baseline: its steps are smaller
    steps = [np.abs(np.diff(np.log(m.baseline_hazard_.to_numpy()))).sum() for m in (rough, smooth)]
    assert steps[1] < 0.5 * steps[0]


@pytest.fixture(scope="module")
def lung():
    from workbench.cohort.contract import load_cohort

    return load_cohort(ROOT / "data" / "corpus" / "lung" / "spec.yaml")


def test_risk_model_fits_the_spec_weights_as_R(lung):
    """`workbench risk` on a spec with a weights column (1 + inst mod 3) equals R's
    coxph(weights = w, robust = TRUE) (tests/reference/lung_weights.R), not the unweighted fit."""
    from workbench.risk.table import risk_model

    w = 1.0 + pd.to_numeric(lung.table["inst"]) % 3
    weighted = dataclasses.replace(lung, table=lung.table.assign(w=w), weights="w")
    out = risk_model(weighted, strata=[])
    ref = pd.read_csv(REF / "lung_weights_R.csv").set_index("term")
    terms = {t["term"]: t for t in out["terms"]}
    for term in ["age", "sex[female]", "ph.ecog", "ph.karno", "wt.loss"]:
        # both Newton fits converge to ~1e-9 relative; R's CSV keeps 15 digits
        assert terms[term]["coef"] == pytest.approx(ref.loc[term, "coef"], rel=1e-6), term
        assert terms[term]["se"] == pytest.approx(ref.loc[term, "naive_se"], rel=1e-6), term
        assert terms[term]["robust_se"] == pytest.approx(ref.loc[term, "robust_se"], rel=1e-6)
    assert out["n"] == ref.loc["n", "coef"] == 212
    assert out["log_likelihood"] == pytest.approx(ref.loc["loglik", "coef"], rel=1e-9)
    plain = {t["term"]: t["coef"] for t in risk_model(lung, strata=[])["terms"]}
    assert max(abs(terms[k]["coef"] - plain[k]) for k in plain) > 1e-2


def test_a_non_positive_variance_is_refused_as_collinear_terms(intervals, monkeypatch):
    """Nearly collinear terms (x3 = x1 + 1e-10 noise) can leave the inverted information
    matrix with a variance <= 0 without numpy calling it singular (seen on this machine's BLAS);
    which of the two refusals comes depends on rounding, so the check is driven directly: a
    piecewise fit whose variance has a 0 on its diagonal."""
    from workbench.exceptions import EstimationError
    from workbench.risk import interval

    class ZeroVariance(interval.PiecewiseExponentialPH):
        def fit(self, *args, **kwargs):
            super().fit(*args, **kwargs)
            self.variance_matrix_.iloc[-1, -1] = 0.0
            return self

    monkeypatch.setattr(interval, "PiecewiseExponentialPH", ZeroVariance)
    model = IntervalCoxModel(TERMS, reference={"g": "a"}, robust=False, cuts=[0.0])
    with pytest.raises(EstimationError) as caught:
        model.fit(intervals, "lower", "upper")
    assert str(caught.value) == (
        "the terms are collinear (e.g. sex and a women-only facility); drop one"
    )
