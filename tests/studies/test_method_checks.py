"""method_checks: naive vs interval estimators by hand, summaries by hand, and the study's
verdicts on seeded simulated cohorts (the NPMLE near the truth, the visit-date KM biased up)."""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib
import numpy as np
import pandas as pd
import pytest

from workbench.data import codes
from workbench.exceptions import ParameterError
from workbench.studies import method_checks

matplotlib.use("Agg")
M = codes.DAYS_PER_MONTH


def _cohort(rows):
    frame = pd.DataFrame(rows, columns=["lower_day", "upper_day", "event", "death_day"])
    frame["release_id"] = [f"r{i}" for i in range(len(frame))]
    return frame


# two relapses seen at visits, two censored: hand-computable under every estimator
HAND = _cohort(
    [
        (0.0, 100.0, "relapse", np.nan),
        (0.0, 200.0, "relapse", np.nan),
        (300.0, np.nan, "censored", np.nan),
        (400.0, np.nan, "censored", np.nan),
    ]
)


def test_naive_km_by_hand():
    months = [150 / M, 250 / M]  # days 150 and 250
    visit = method_checks.naive_retention(HAND, months, "upper")
    # relapses dated at the visits (100, 200): S(150) = 3/4, S(250) = 2/4
    np.testing.assert_allclose(visit["estimate"], [0.75, 0.5], rtol=1e-12)
    mid = method_checks.naive_retention(HAND, months, "midpoint")
    # at the midpoints (50, 100): both before day 150
    np.testing.assert_allclose(mid["estimate"], [0.5, 0.5], rtol=1e-12)
    assert visit["lower"].notna().all()


def test_interval_retention_by_hand():
    # the NPMLE puts mass 1/4 on (0, 100] and 1/4 on (0, 200] ∩ ... = (0, 100]: both intervals
    # share the innermost interval (0, 100], so S = 1/2 from day 100 on
    out = method_checks.interval_retention(HAND, [150 / M, 250 / M], n_bootstrap=0, seed=1)
    np.testing.assert_allclose(out["estimate"], [0.5, 0.5], rtol=1e-8)
    assert out["lower"].isna().all() and out["upper"].isna().all()


def test_compare_methods_with_truth():
    out = method_checks.compare_retention_methods(
        HAND, [150 / M], n_bootstrap=0, truth=lambda d: np.full(np.shape(d), 0.6)
    )
    assert list(out["estimator"]) == list(method_checks.ESTIMATORS)
    np.testing.assert_allclose(out["estimate"], [0.5, 0.75, 0.5], rtol=1e-8)
    np.testing.assert_allclose(out["error"], [-0.1, 0.15, -0.1], rtol=1e-8)


def test_retention_summary_by_hand():
    table = pd.DataFrame(
        {
            "estimator": ["A", "A", "A", "B"],
            "months": [12.0, 12.0, 12.0, 12.0],
            "estimate": [0.5, 0.6, 0.7, 0.9],
            "truth": [0.6, 0.6, 0.6, 0.6],
            "covered": [True, True, False, np.nan],
        }
    )
    s = method_checks.retention_summary(table).set_index("estimator")
    np.testing.assert_allclose(s.loc["A", "bias"], 0.0, atol=1e-12)
    np.testing.assert_allclose(s.loc["A", "rmse"], np.sqrt((0.01 + 0 + 0.01) / 3), rtol=1e-12)
    np.testing.assert_allclose(s.loc["A", "coverage"], 2 / 3, rtol=1e-12)
    np.testing.assert_allclose(s.loc["A", "mc_se_bias"], 0.1 / np.sqrt(3), rtol=1e-12)
    np.testing.assert_allclose(s.loc["B", "bias"], 0.3, rtol=1e-12)
    assert np.isnan(s.loc["B", "coverage"])


def test_replicate_seeds_are_reproducible_and_distinct():
    a = method_checks.replicate_seeds(5, 42)
    assert a == method_checks.replicate_seeds(5, 42)
    assert len(set(a)) == 5 and a != method_checks.replicate_seeds(5, 43)
    # the first seeds do not depend on how many replicates follow (studies can be extended)
    assert method_checks.replicate_seeds(3, 42) == a[:3]
    with pytest.raises(ParameterError, match="n_reps 0 is below its minimum 1"):
        method_checks.replicate_seeds(0, 42)


@pytest.mark.slow
def test_study_npmle_near_truth_naive_visit_km_biased_up():
    """On 3 cohorts of 3,000: at 12 months the visit-date KM overestimates retention by about
    0.06 (relapses dated up to 6 months late); the NPMLE's bias is within 0.025."""
    table = method_checks.retention_study(
        n_reps=3, n=3000, seed=5, months=(12, 36), n_bootstrap=0, truth_n=40_000
    )
    assert len(table) == 3 * 3 * 2
    npmle = table["estimator"].eq(method_checks.TURNBULL)
    assert table.loc[npmle, "covered"].isna().all()  # no bootstrap, no interval
    assert table.loc[~npmle, "covered"].notna().all()  # Greenwood intervals
    s = method_checks.retention_summary(table).set_index(["estimator", "months"])
    # measured NPMLE bias 0.007 at 12 and 36 months, Monte-Carlo SE of the bias over 3
    # replicates 0.008 and 0.007: 0.025 is ~3 MC SE, at both milestones; the visit-date KM's
    # measured 0.068 is 11 MC SE above 0
    for months in (12.0, 36.0):
        assert abs(s.loc[(method_checks.TURNBULL, months), "bias"]) < 0.025
    assert s.loc[(method_checks.NAIVE_VISIT, 12.0), "bias"] > 0.035
    # truth is the simulator's population curve, equal for every estimator
    assert s.loc[(method_checks.TURNBULL, 12.0), "truth"] == pytest.approx(
        s.loc[(method_checks.NAIVE_VISIT, 12.0), "truth"], abs=1e-15
    )
    assert 0.3 < s.loc[(method_checks.TURNBULL, 36.0), "truth"] < 0.7


@pytest.mark.slow
def test_run_method_checks_combines_both_studies():
    import matplotlib.pyplot as plt

    checks = method_checks.run_method_checks(n_reps=2, n=500, seed=3, n_bootstrap=3)
    s = checks.summary()
    assert set(s["quantity"]) == {"retention S(t)", "log hazard ratio"}
    ret = s[s["quantity"].eq("retention S(t)")]
    assert len(ret) == 3 * 3  # 3 estimators x 3 milestones
    hr = s[s["quantity"].eq("log hazard ratio")]
    from workbench.simulate import simulate

    true_hr = simulate(n=50, seed=1).truth["hazard_ratios"]  # the configured effects
    truth = {c: np.log(v) for c, v in true_hr.items()}
    assert set(hr["target"]) == set(truth)
    for _, row in hr.iterrows():
        assert row["truth"] == pytest.approx(truth[row["target"]], abs=1e-12)
    # the two studies analysed the same cohorts (same replicate seeds)
    assert sorted(checks.retention["seed"].unique()) == sorted(checks.effects["seed"].unique())
    assert (
        checks.retention.loc[checks.retention["estimator"].eq(method_checks.TURNBULL), "covered"]
        .notna()
        .all()
    )
    from workbench.reporting.figures import layout_problems
    from workbench.studies import method_check_figures as figures

    for ax in (
        figures.plot_retention_check(checks.retention),
        figures.plot_effect_check(checks.effects),
        figures.plot_coverage(checks),
    ):
        assert ax.get_title() and ax.get_xlabel() and ax.get_legend() is not None
        texts = [t.get_text() for t in ax.get_legend().get_texts()]
        assert any("true" in t or "truth" in t or "nominal" in t for t in texts)
        assert layout_problems(ax.figure) == []
    plt.close("all")


def test_coverage_band_is_binomial_within_0_1_and_absent_for_few_replicates():
    from scipy import stats

    from workbench.studies import method_check_figures as figures

    assert figures.coverage_band(2) is None and figures.coverage_band(19) is None
    # 50 replicates: 44/50 to 50/50 hold 95 % of honest studies (the old normal band, 0.89 to
    # 1.01, was clipped at 1); exact binomial quantiles, so exact equality up to float division
    low, high = figures.coverage_band(50)
    assert (low, high) == pytest.approx((0.88, 1.0), abs=1e-12)
    assert stats.binom.cdf(44 - 1, 50, 0.95) <= 0.025 <= stats.binom.cdf(44, 50, 0.95)
    assert figures.coverage_band(200) == pytest.approx((0.92, 0.98), abs=1e-12)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_coverage_plot_draws_no_band_below_the_minimum_and_says_so(lang):
    import matplotlib.pyplot as plt
    from matplotlib.patches import Polygon, Rectangle

    from workbench.i18n import t
    from workbench.studies import method_check_figures as figures

    summary = pd.DataFrame({"estimator": [method_checks.TURNBULL], "quantity": ["S(t)"],
                            "target": ["12 months"], "coverage": [0.5]})  # fmt: skip
    few = SimpleNamespace(summary=lambda: summary, n_reps=2)
    ax = figures.plot_coverage(few, lang=lang)
    spans = [p for p in ax.patches if isinstance(p, Polygon | Rectangle) and p.get_alpha() == 0.2]
    assert spans == []  # no grey band
    assert ax.get_title() == t("nb_coverage_check_title_few", lang, n=2, min=20)
    many = SimpleNamespace(summary=lambda: summary, n_reps=50)
    ax = figures.plot_coverage(many, lang=lang)
    band = [p for p in ax.patches if p.get_alpha() == 0.2]
    assert len(band) == 1
    xs = band[0].get_xy()[:, 0] if isinstance(band[0], Polygon) else [band[0].get_x()]
    assert min(xs) == pytest.approx(0.88, abs=1e-12) and max(xs) <= 1.0
    assert ax.get_title() == t("nb_coverage_check_title", lang)
    plt.close("all")
