"""Weights that balance, or weighted results withheld (issue 20): overlap weights balance the
propensity model's covariates exactly; with |SMD| >= 0.1 after weighting nothing weighted is
reported (effects table, report section, metrics); NNT only when its CI excludes 0."""

import dataclasses
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from workbench.data import codes
from workbench.effects import landmark
from workbench.effects.landmark import WeightedEffect, number_needed_to_treat
from workbench.effects.propensity import BALANCE_THRESHOLD, PropensityWeights, max_abs_smd
from workbench.exceptions import StatisticalWarning
from workbench.i18n import TEXT


def _confounded(seed: int, n: int = 600) -> pd.DataFrame:
    """Strong confounding (propensity logit 3x + 1.5z): ATE weights, even truncated at the 1st
    and 99th percentiles, leave |SMD| of x about 0.5-0.6; exact event times."""
    rng = np.random.default_rng(seed)
    x, z = rng.normal(size=n), rng.binomial(1, 0.4, n)
    a = (rng.random(n) < 1 / (1 + np.exp(-(3 * x + 1.5 * z - 1)))).astype(int)
    t, c = rng.exponential(300 / np.exp(0.5 * x - 0.4 * a)), rng.uniform(100, 700, n)
    time = np.round(np.minimum(t, c), 1)
    upper = np.where(t <= c, time, np.nan)
    return pd.DataFrame(
        {"job_placement": a, "x": x, "z": z, "lower_day": time, "upper_day": upper}
    ).assign(last_day=time)


def _fit(frame, estimand, n_bootstrap=20):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)  # positivity: expected here
        we = WeightedEffect(
            "job_placement",
            landmark_day=None,
            estimand=estimand,
            confounders=["x", "z"],
            n_bootstrap=n_bootstrap,
            seed=1,
            horizon_day=600,
        )
        return we.fit(frame)


def test_overlap_weights_balance_every_model_covariate_exactly():
    rng = np.random.default_rng(11)
    n = 2000
    X = pd.DataFrame(
        {
            "age": rng.normal(35, 8, n),
            "employed": rng.binomial(1, 0.3, n),
            "region_b": rng.binomial(1, 0.3, n),
            "prior": rng.poisson(1.5, n),
        }
    )
    logit = 0.08 * (X["age"] - 35) + 1.5 * X["employed"] - X["region_b"] + 0.6 * X["prior"] - 1
    a = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        overlap = PropensityWeights("overlap").fit(X, a)
        ate = PropensityWeights("ATE").fit(X, a)
    assert overlap.model_.converged_
    bal = overlap.balance()
    assert bal["smd_before"].abs().max() > 0.3  # confounded before weighting
    assert bal["smd_after"].abs().max() < 1e-6
    assert bal[f"|smd_after| < {BALANCE_THRESHOLD:g}"].all()
    assert overlap.balanced() and overlap.summary().loc[0, "balance"] == "achieved"
    # the same data under truncated ATE weights: balance only approximate
    assert max_abs_smd(ate.balance()) > 1e-3


def test_balance_means_are_of_the_data_as_recorded_for_a_centred_design():
    """The landmark comparison's propensity model sees centred columns (effects.design.encode);
    its balance table still reports each group's mean of the data as recorded (a 0/1 column:
    the share), to float precision, and the same SMDs as the uncentred design."""
    from workbench.effects.design import encode

    frame = _confounded(3)
    a = frame["job_placement"].to_numpy()
    centred, raw = encode(frame, ["x", "z"]), encode(frame, ["x", "z"], center=False)
    assert abs(centred["z"].mean()) < 1e-12  # the model's column is centred
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        bal = PropensityWeights("overlap").fit(centred, a).balance()
        plain = PropensityWeights("overlap").fit(raw, a).balance()
    exposed = a == 1
    for col in ("x", "z"):
        assert bal.loc[col, "mean_treated"] == pytest.approx(
            frame.loc[exposed, col].mean(), abs=1e-12
        )
        assert bal.loc[col, "mean_untreated"] == pytest.approx(
            frame.loc[~exposed, col].mean(), abs=1e-12
        )
    assert 0 < bal.loc["z", "mean_treated"] < 1  # a share, not a centred value near 0
    pd.testing.assert_frame_equal(bal, plain, atol=1e-8)  # SMDs do not depend on the centre


def test_unbalanced_weighted_comparison_is_marked_and_has_no_nnt():
    frame = _confounded(0)
    res = _fit(frame, "ATE").result_
    assert res.max_abs_smd >= 0.5 and not res.balance_achieved
    assert np.isnan(res.nnt)
    assert any(n.startswith("Balance not achieved") for n in res.notes)
    assert res.summary().loc[0, "balance"] == "not achieved"
    ok = _fit(frame, "overlap")
    assert ok.max_abs_smd_ < 1e-6 and ok.result_.balance_achieved
    assert any("overlap population, ATO" in n for n in ok.result_.notes)
    ci = ok.result_.risk_difference_ci
    assert ci[1] < 0  # this risk difference's CI excludes 0: the NNT is given
    np.testing.assert_allclose(ok.result_.nnt, 1 / abs(ok.result_.risk_difference))


def test_nnt_only_when_the_risk_difference_ci_excludes_zero():
    # the example: NNT 16.6 was printed with a risk-difference CI of -0.14 to 0.04
    assert np.isnan(number_needed_to_treat(-0.06, (-0.14, 0.04)))
    np.testing.assert_allclose(number_needed_to_treat(-0.1, (-0.15, -0.05)), 10.0)
    np.testing.assert_allclose(number_needed_to_treat(0.2, (0.1, 0.3)), 5.0)
    assert np.isnan(number_needed_to_treat(-0.1, (-0.15, -0.05), balanced=False))
    assert np.isnan(number_needed_to_treat(-0.1, (np.nan, np.nan)))


def test_weighted_estimates_are_never_reported_with_smd_over_threshold(monkeypatch):
    """Through the effects table, the report section and metrics.json: a comparison whose
    weights leave |SMD| >= 0.1 shows no weighted number and says why in a plain sentence."""
    from workbench.effects.methods import verbatim
    from workbench.effects.table import WITHHELD, _with_rmst
    from workbench.reporting import model_sections
    from workbench.reporting.metrics import INTERVENTION_KEYS

    res = _fit(_confounded(1), "ATE", n_bootstrap=10).result_
    assert res.max_abs_smd >= BALANCE_THRESHOLD
    row = _with_rmst({"code": "job_placement", "n_exposed": 300}, res, 600.0, [verbatim("m")])
    assert row["balance"] == "not achieved" and row["method"].endswith(WITHHELD)
    assert all(np.isnan(row[k]) for k in ("rmst_diff_days", "rmst_diff_lower", "rmst_diff_upper"))
    balanced = _fit(_confounded(1), "overlap").result_
    good = _with_rmst({"code": "financial_aid", "n_exposed": 300}, balanced, 600.0, [verbatim("m")])
    assert good["balance"] == "achieved" and np.isfinite(good["rmst_diff_days"])
    eff = (
        pd.DataFrame([row, good])
        .drop(columns="method_text")
        .assign(hr=0.8, hr_lower=0.6, hr_upper=1.1)
    )
    results = SimpleNamespace(effects=eff, findings=None)
    for lang in ("en", "zh"):
        params = SimpleNamespace(lang=lang, suppression_threshold=10, landmark_day=180)
        shown, _ = model_sections.effects_table(results, params)
        rmst = shown.iloc[:, 4].tolist()  # the RMST difference column
        assert rmst[0] == "–" and rmst[1] != "–"
        html = model_sections.effects(results, params).html
        note = TEXT["balance_note"][lang]
        assert note.format(codes.label("intervention", "job_placement", lang)) in html
        assert note.format(codes.label("intervention", "financial_aid", lang)) not in html
    # metrics.json takes the table's numbers: the withheld row has none
    assert all(k in eff or k == "horizon_days" for k in INTERVENTION_KEYS)
    assert eff.loc[0, ["rmst_diff_days", "rmst_diff_lower", "rmst_diff_upper"]].isna().all()


def test_effects_table_withholds_every_weighted_number_when_balance_fails(monkeypatch):
    """The whole effects_table path (spec data): force every comparison to count as unbalanced;
    no RMST difference and no weighted hazard ratio may remain."""
    from workbench.data.spec import load_spec
    from workbench.effects.table import WITHHELD, effects_table

    spec = load_spec(Path(__file__).parents[2] / "params" / "examples" / "rossi.yaml")
    spec = dataclasses.replace(spec, design="observational")  # weighted, not the trial's path
    monkeypatch.setattr(landmark, "BALANCE_THRESHOLD", 0.0)  # nothing is ever below 0
    table = effects_table(spec, n_bootstrap=4, seed=1)
    assert (table["balance"] == "not achieved").all()
    assert table[["rmst_diff_days", "rmst_diff_lower", "rmst_diff_upper"]].isna().all().all()
    assert table["method"].str.endswith(WITHHELD).all()
    assert not table["method"].str.contains("weighted HR").any()
    assert np.isfinite(table["hr"]).all()  # the covariate-adjusted model is not weighted


def test_love_plot_shows_the_threshold():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frame = _confounded(2)
    we = _fit(frame, "ATE", n_bootstrap=0)
    fig, ax = plt.subplots()
    we.weights_model_.plot_love(ax=ax)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "balance target |SMD| < 0.1" in labels
    assert [ln.get_xdata()[0] for ln in ax.get_lines()] == [pytest.approx(0.1)]
    plt.close(fig)
