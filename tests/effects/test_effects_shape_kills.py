"""What the support-effect functions hand to a reader, checked as a whole (issue #24, session 7;
bench/mutation.py seed 27's survivors): the columns each documented table has (names from the
docstrings, not from a run), the verdict rule at its boundary, the E-value table's words in both
languages from the catalog, the plotted heights of the overlap figure (the histogram computed
here) and the love plot's order, the balance flag at its threshold, and the logistic model's
case weights (equal to repeating rows)."""

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from workbench.effects import presentation as pr
from workbench.effects.comparison import WeightedComparison
from workbench.effects.findings import reconcile, support_verdicts
from workbench.effects.naive import naive_effects
from workbench.effects.propensity import NewtonLogistic, PropensityWeights, balance_table
from workbench.i18n import listing, t


def test_naive_effects_has_the_documented_columns_and_a_hazard_ratio_inside_its_ci():
    rng = np.random.default_rng(3)
    n = 200
    ids = np.arange(n)
    start = np.where(rng.uniform(size=n) < 0.4, rng.uniform(0, 300, n), np.inf)
    hazard = np.where(np.isfinite(start), 0.002, 0.004)
    t_rel = rng.exponential(1 / hazard)
    cohort = pd.DataFrame({"release_id": ids, "upper_day": np.where(t_rel < 700, t_rel, np.nan),
                           "last_day": np.minimum(t_rel, 700.0)})  # fmt: skip
    starts = pd.DataFrame({"job": start}, index=ids)
    out = naive_effects(cohort, starts, min_exposed=5)
    # docstring: "code, n_exposed, hr, hr_lower, hr_upper, method"
    assert list(out.columns) == ["code", "n_exposed", "hr", "hr_lower", "hr_upper", "method"]
    row = out.iloc[0]
    assert row["code"] == "job" and row["hr_lower"] < row["hr"] < row["hr_upper"]


def test_weighted_comparison_summary_row_names_its_support():
    wc = WeightedComparison("job", 40, 60, 0.8, (0.6, 1.1), (0.6, 1.1), -0.05, (-0.1, 0.0),
                            np.nan, 12.0, (1.0, 23.0), 365.0, 730.0, 180.0, "m",
                            pd.DataFrame())  # fmt: skip
    row = wc.summary().iloc[0]
    assert row["code"] == "job" and row["n_exposed"] == 40 and row["n_unexposed"] == 60
    assert (row["hr"], row["hr_lower"], row["hr_upper"]) == (0.8, 0.6, 1.1)
    assert (row["rmst_diff_days"], row["rmst_diff_lower"], row["rmst_diff_upper"]) == (12, 1, 23)


def test_a_hazard_ratio_ci_that_reaches_1_is_not_a_help():
    # rule: "helps" needs the HR's CI below 1 (strictly) and the days' CI above 0
    touching = reconcile(0.8, 0.6, 1.0, 20.0, 5.0, 35.0, 500, 10)
    assert touching[0] != "helps"
    assert touching == reconcile(0.8, 0.6, 1.0001, 20.0, 5.0, 35.0, 500, 10)
    assert reconcile(0.8, 0.6, 0.9999, 20.0, 5.0, 35.0, 500, 10) == ("helps", "fairly_sure")


def test_support_verdicts_columns_and_a_support_below_the_threshold():
    effects = pd.DataFrame({
        "code": ["a", "b"], "n_exposed": [50, 9], "hr": [0.7, 0.5], "hr_lower": [0.55, 0.3],
        "hr_upper": [0.9, 0.9], "rmst_diff_days": [20.0, 30.0], "rmst_diff_lower": [4.0, 2.0],
        "rmst_diff_upper": [36.0, 60.0],
    })  # fmt: skip
    v = support_verdicts(effects, threshold=10)
    # docstring: code, verdict, sure, days, days_lower, days_upper, risk, risk_lower, risk_upper
    assert list(v.columns) == ["code", "verdict", "sure", "days", "days_lower", "days_upper",
                               "risk", "risk_lower", "risk_upper"]  # fmt: skip
    a, b = v.iloc[0], v.iloc[1]  # the estimable first, then the one with too few exposed
    assert (a["code"], a["verdict"], a["sure"]) == ("a", "helps", "fairly_sure")
    assert [a["days"], a["days_lower"], a["days_upper"]] == [20.0, 4.0, 36.0]
    np.testing.assert_allclose([a["risk"], a["risk_lower"], a["risk_upper"]], [-0.3, -0.45, -0.1])
    assert (b["code"], b["verdict"], b["sure"]) == ("b", "not_estimable", "too_few")
    assert b[["days", "days_lower", "days_upper", "risk", "risk_lower", "risk_upper"]].isna().all()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_evalue_frame_words_from_the_catalog(lang):
    effects = pd.DataFrame({"code": ["a", "b"], "hr": [0.7, 1.3], "hr_lower": [0.5, 1.1],
                            "hr_upper": [0.9, 1.6], "n_exposed": [50, 60]})  # fmt: skip
    evalues = pd.DataFrame({"rr": [0.7, 1.2], "evalue": [2.2, 1.7], "evalue_ci": [1.5, 1.3],
                            "approximation": ["rare outcome: RR = HR", "common outcome"]})  # fmt: skip
    out = pr.evalue_frame(effects, evalues, lang)
    assert list(out.columns) == ["code", "hr", "hr_lower", "hr_upper", "rr", "evalue",
                                 "evalue_ci", "approximation"]  # fmt: skip
    assert list(out["approximation"]) == [t("nb_rr_rare", lang), t("nb_rr_common", lang)]
    assert list(out["evalue"]) == [2.2, 1.7]


def test_overlap_figure_plots_each_groups_own_density():
    rng = np.random.default_rng(5)
    p = np.r_[rng.beta(3, 2, 60), rng.beta(2, 3, 140)]
    a = np.r_[np.ones(60), np.zeros(140)]
    ax = pr.plot_overlap(SimpleNamespace(propensity_=p, treated_=a), "en", "title", bins=10)
    edges = np.linspace(0, 1, 11)
    exposed, unexposed = ax.containers[0], ax.containers[1]
    want1 = np.histogram(p[:60], edges, density=True)[0]
    want0 = np.histogram(p[60:], edges, density=True)[0]
    np.testing.assert_allclose([b.get_height() for b in exposed], want1, rtol=1e-12)
    np.testing.assert_allclose([b.get_height() for b in unexposed], -want0, rtol=1e-12)
    np.testing.assert_allclose([b.get_x() for b in exposed], edges[:-1])
    plt.close("all")


def _design():
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"age": rng.normal(35, 8, 300), "male": rng.integers(0, 2, 300),
                      "prior": rng.poisson(1.0, 300)})  # fmt: skip
    # prior admissions lower the chance of support: a negative SMD larger than the others in
    # size, so ordering by |SMD| differs from ordering by SMD
    p = 0.35 + 0.01 * (X["age"] - 35) + 0.15 * X["male"] - 0.15 * X["prior"].clip(0, 2)
    a = (rng.uniform(size=300) < p.clip(0.02, 0.98)).astype(int)
    return X, a


def test_love_plot_rows_ordered_by_unweighted_smd_and_a_dashed_target():
    X, a = _design()
    pw = PropensityWeights().fit(X, a)
    _, ax = plt.subplots()
    pw.plot_love(ax=ax)
    bal = pw.balance()
    before = ax.collections[0].get_offsets()
    order = np.argsort(np.abs(bal["smd_before"].to_numpy()), kind="stable")
    assert list(order) != list(np.argsort(bal["smd_before"].to_numpy(), kind="stable"))
    np.testing.assert_allclose(before[:, 0], np.abs(bal["smd_before"].to_numpy())[order])
    assert [tl.get_text() for tl in ax.get_yticklabels()] == list(bal.index[order])
    assert np.all(np.diff(before[:, 0]) >= 0)
    line = ax.lines[0]
    assert line.get_linestyle() == "--" and line.get_xdata()[0] == 0.1
    plt.close("all")


def test_balance_flag_is_strictly_below_the_threshold():
    X, a = _design()
    w = np.where(a == 1, 1.0, 0.5)
    bal = balance_table(X, a, w)
    at = float(abs(bal["smd_after"].iloc[0]))
    flag = balance_table(X, a, w, threshold=at).iloc[:, 4]
    assert not flag.iloc[0]  # |SMD| == threshold: not below it
    assert bool(balance_table(X, a, w, threshold=at * (1 + 1e-9)).iloc[0, 4])


def test_logistic_case_weights_equal_repeated_rows():
    X, a = _design()
    k = np.random.default_rng(2).integers(1, 4, len(a))
    weighted = NewtonLogistic().fit(X, a, sample_weight=k)
    repeated = NewtonLogistic().fit(X.loc[X.index.repeat(k)], np.repeat(a.to_numpy(), k))
    # same maximum of the same likelihood; Newton converges to ~1e-10 (its tolerance)
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-7)
    assert weighted.intercept_ == pytest.approx(repeated.intercept_, rel=1e-7)
    plain = NewtonLogistic().fit(X, a)
    assert np.max(np.abs(plain.coef_ - weighted.coef_)) > 1e-3  # the weights matter here


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_notebook_love_plot_data_and_words(lang):
    X, a = _design()
    pw = PropensityWeights().fit(X, a)
    ax = pr.plot_love(pw, lang, "title")
    bal = pw.balance()
    order = np.argsort(np.abs(bal["smd_before"].to_numpy()), kind="stable")
    before, after = (c.get_offsets() for c in ax.collections[:2])
    np.testing.assert_allclose(before[:, 0], np.abs(bal["smd_before"].to_numpy())[order])
    np.testing.assert_allclose(after[:, 0], np.abs(bal["smd_after"].to_numpy())[order])
    np.testing.assert_array_equal(before[:, 1], np.arange(len(bal)))
    assert [tl.get_text() for tl in ax.get_yticklabels()] == [
        pr.covariate_word(c, lang) for c in bal.index[order]
    ]
    assert [ax.collections[0].get_label(), ax.collections[1].get_label()] == [
        t("nb_unweighted", lang), t("nb_weighted", lang)
    ]  # fmt: skip
    assert ax.lines[0].get_xdata()[0] == 0.1 and ax.lines[0].get_linestyle() == "--"
    assert ax.lines[0].get_label() == t("nb_balance_target", lang, x=0.1)
    assert ax.get_xlabel() == t("nb_abs_smd", lang) and ax.get_title() == "title"
    plt.close("all")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_subgroup_forest_labels_title_and_points(lang):
    from workbench.risk.labels import variable_label

    shown = pd.DataFrame({"group": ["female", "male"], "n": [1234, 56789], "hr": [0.7, 0.9],
                          "hr_lower": [0.5, 0.8], "hr_upper": [0.98, 1.01],
                          "p_interaction": [0.0456, 0.0456]})  # fmt: skip
    ax = pr.subgroup_forest(shown, "job_placement", "sex", lang)
    (points,) = [ln for ln in ax.lines if ln.get_marker() == "s"]
    np.testing.assert_allclose(points.get_xdata(), [0.7, 0.9])
    assert [tl.get_text() for tl in ax.get_yticklabels()] == ["female (1,234)", "male (56,789)"]
    assert ax.get_title() == t("nb_subgroup_title", lang, name=pr.support_name("job_placement", lang),
                               by=variable_label("sex", lang), p="0.046")  # fmt: skip
    assert ax.get_xlabel() == t("nb_subgroup_x", lang)
    untested = pr.subgroup_forest(shown.assign(p_interaction=np.nan), "job_placement", "sex", lang)
    assert untested.get_title() == t("nb_subgroup_title_untested", lang,  # why, not "p = –"
                                     name=pr.support_name("job_placement", lang),
                                     by=variable_label("sex", lang))  # fmt: skip
    plt.close("all")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_naive_notes_count_the_supports_and_name_the_null_ones(lang):
    side = pd.DataFrame({"code": ["job_placement", "peer_education", "financial_aid"],
                         "hr": [0.8, 1.0, 0.9], "naive_hr": [0.5, 0.7, 1.1]})  # fmt: skip
    names = listing((pr.support_name(c, lang) for c in ["job_placement", "peer_education"]), lang)
    notes = pr.naive_notes(side, lang, truth={"peer_education": 1.0, "job_placement": 0.8})
    assert notes == [
        t("nb_naive_lower_some", lang, k=3, m=2, names=names),
        t("nb_truth_null", lang, names=pr.support_name("peer_education", lang), naive="0.70",
          adjusted="1.00"),
    ]  # fmt: skip
    all_lower = pr.naive_notes(side.iloc[:2], lang)
    assert all_lower == [t("nb_naive_lower_all", lang, k=2)]
    none = pr.naive_notes(side.iloc[2:], lang)
    assert none == [t("nb_naive_lower_some", lang, k=1, m=0, names="–")]
