"""Words and numbers of the support effects a user sees, each pinned where a mutation (issue #24,
bench/mutation.py) changed it unseen: the verdict when only the hazard ratio says harm, a fit's
warnings, a single-arm sentence, notebook 03's balance sentence, figure titles and axes, the
love plot's legend, and a JSON row's default reason."""

import warnings
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from workbench.effects import presentation as pr
from workbench.effects.findings import reconcile
from workbench.effects.fitting import _quiet_fit, arm_problem
from workbench.effects.propensity import PropensityWeights
from workbench.effects.table import records
from workbench.exceptions import EstimationError, StatisticalWarning
from workbench.i18n import t


@pytest.mark.parametrize(
    ("numbers", "expected"),
    [
        # the hazard ratio's CI above 1, the days' CI includes 0: harm, not sure
        ((1.5, 1.2, 1.9, -10.0, -30.0, 5.0), ("may_harm", "not_sure")),
        # the days' CI below 0, the hazard ratio's includes 1: harm, not sure
        ((1.1, 0.9, 1.3, -20.0, -40.0, -2.0), ("may_harm", "not_sure")),
        # both: harm, fairly sure
        ((1.5, 1.2, 1.9, -20.0, -40.0, -2.0), ("may_harm", "fairly_sure")),
    ],
)
def test_either_measure_alone_says_may_harm(numbers, expected):
    assert reconcile(*numbers, 500, 10) == expected


def test_quiet_fit_silences_only_numeric_runtime_warnings():
    def noisy():
        warnings.warn("overflow in exp", RuntimeWarning, stacklevel=1)
        warnings.warn("positivity: few unexposed", StatisticalWarning, stacklevel=1)
        return 3

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert _quiet_fit(noisy) == 3
    # the caveat reaches the user (it becomes a note); the numeric noise does not
    assert [type(w.message) for w in seen] == [StatisticalWarning]


def test_quiet_fit_turns_a_convergence_warning_into_one_sentence():
    from lifelines.exceptions import ConvergenceWarning

    def diverge():
        warnings.warn("Newton-Raphson failed to converge", ConvergenceWarning, stacklevel=1)
        return 1

    with pytest.raises(EstimationError) as err:
        _quiet_fit(diverge)
    assert str(err.value).startswith(
        "the model did not converge (Newton-Raphson failed to converge); a covariate or arm"
    )

    def hint():  # lifelines' low-variance hint is not a failed fit
        warnings.warn("Column x have very low variance", ConvergenceWarning, stacklevel=1)
        return 2

    assert _quiet_fit(hint) == 2


@pytest.mark.parametrize(("value", "who"), [(1, "everyone is"), (0, "nobody is")])
def test_a_single_arm_is_named_for_what_it_is(value, who):
    table = pd.DataFrame({"arm": [value] * 4, "event": ["relapse", "censored"] * 2})
    assert arm_problem(table, "arm") == (
        f"{who} in arm arm (a single group), so there is nothing to compare"
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("achieved", "key"), [(True, "nb_balance_achieved"),
                                               (False, "nb_balance_not_achieved")])  # fmt: skip
def test_landmark_statement_says_whether_balance_was_achieved(lang, achieved, key):
    result = SimpleNamespace(estimable=True, balance_achieved=achieved, max_abs_smd=0.0123)
    sentence = pr.landmark_statement(SimpleNamespace(result_=result), lang)
    assert sentence == t(key, lang, smd=0.0123)
    if lang == "en" and achieved:
        assert "(largest 0.012)" in sentence


def _landmark(estimable: bool):
    result = SimpleNamespace(estimable=estimable, reason="too_few_in_arm", fields={"n": 4})

    def plot(ax, lang):
        if estimable:
            ax.plot([180.0, 365.25, 1095.75], [1.0, 0.8, 0.6])
        else:
            ax.text(0.5, 0.5, "English reason")

    return SimpleNamespace(intervention="job_placement", result_=result, plot=plot,
                           min_group=20, min_events=10)  # fmt: skip


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_landmark_figure_title_axis_and_withheld_sentence(lang):
    name = pr.support_name("job_placement", lang)
    ax = pr.landmark_figure(_landmark(True), lang, day=180)
    assert ax.get_title() == t("nb_landmark_title", lang, day=180, name=name)
    assert ax.get_ylabel() == t("nb_share_abstinent", lang)
    assert ax.get_xlabel() == t("plot_months", lang)
    ax = pr.landmark_figure(_landmark(False), lang, day=180)
    # the reason in the reader's language replaces the estimator's English
    assert ax.texts[0].get_text() == t("nb_withheld_too_few_in_arm", lang, min_group=20)
    plt.close("all")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_subgroup_forest_title_names_support_variable_and_p(lang):
    shown = pd.DataFrame({"group": ["male", "female"], "n": [1200, 300], "hr": [0.8, 0.9],
                          "hr_lower": [0.6, 0.5], "hr_upper": [1.0, 1.4],
                          "p_interaction": [0.0456, 0.0456]})  # fmt: skip
    ax = pr.subgroup_forest(shown, "job_placement", "sex", lang)
    assert ax.get_title() == t("nb_subgroup_title", lang, name=pr.support_name("job_placement", lang),
                               by=pr.variable_label("sex", lang), p="0.046")  # fmt: skip
    assert ax.get_xlabel() == t("nb_subgroup_x", lang)
    # no p: the title says why (not "p = –"): one subgroup only, or a test that failed
    name, by = pr.support_name("job_placement", lang), pr.variable_label("sex", lang)
    one = pr.subgroup_forest(shown.iloc[:1].assign(p_interaction=np.nan), "job_placement", "sex",
                             lang)  # fmt: skip
    assert one.get_title() == t("nb_subgroup_title_one", lang, name=name, by=by)
    untested = pr.subgroup_forest(shown.assign(p_interaction=np.nan), "job_placement", "sex", lang)
    assert untested.get_title() == t("nb_subgroup_title_untested", lang, name=name, by=by)
    assert "–" not in one.get_title() + untested.get_title()
    plt.close("all")


def test_overlap_plot_shows_the_whole_propensity_scale():
    p = np.array([0.2, 0.3, 0.4, 0.35])
    ax = pr.plot_overlap(SimpleNamespace(propensity_=p, treated_=np.array([1, 0, 1, 0])), "en",
                         "t", bins=10)  # fmt: skip
    assert ax.get_xlim() == (0.0, 1.0)  # 0 to 1 however narrow the scores
    plt.close("all")


def test_love_plot_legend_of_the_library_api():
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"age": rng.normal(35, 8, 300), "male": rng.integers(0, 2, 300)})
    a = (rng.uniform(size=300) < 0.3 + 0.005 * (X["age"] - 35)).astype(int)
    pw = PropensityWeights().fit(X, a)
    _, ax = plt.subplots()
    pw.plot_love(ax=ax)
    labels = [h.get_label() for h in ax.get_legend().legend_handles]
    assert labels == ["unweighted", "weighted", "balance target |SMD| < 0.1"]
    assert ax.get_xlabel() == "|standardised mean difference|"
    plt.close("all")


@pytest.mark.parametrize(
    ("design", "n_bootstrap", "reason"),
    [
        ("observational", 200, "not estimable from these data (too few people or events in a group)"),
        ("observational", 0, "no bootstrap replicates (--bootstrap 0), so no bootstrap interval"),
        ("randomised", 200,
         "randomised arms: no E-value (randomisation leaves no confounding to explain away)"),
    ],
)  # fmt: skip
def test_a_null_number_in_the_json_rows_says_why(design, n_bootstrap, reason):
    table = pd.DataFrame({"code": ["a", "b"], "hr": [0.8, np.nan],
                          "method": ["Cox", "not estimable: no events in arm b; Cox"]})  # fmt: skip
    rows = records(table, design, n_bootstrap)
    assert rows[1]["reason"] == "no events in arm b"  # the row's own reason wins
    rows = records(table.assign(method="Cox"), design, n_bootstrap)
    assert "reason" not in rows[0] and rows[1]["hr"] is None and rows[1]["reason"] == reason
    assert rows[1]["design"] == design


@pytest.mark.parametrize(
    ("numbers", "expected"),
    [
        ((0.64, 0.53, 0.85, 101, 51, 135), ("helps", "fairly_sure")),
        ((0.60, 0.50, 0.70, np.nan, np.nan, np.nan), ("unclear_one", "not_sure")),  # days withheld
        ((1.07, 1.00, 1.14, -12, -36, 7), ("unclear_harm_side", "not_sure")),
        ((0.95, 0.80, 1.10, 3, -20, 25), ("unclear", "not_sure")),
        ((0.92, 0.84, 1.01, -8, -22, 10), ("unclear_mixed", "not_sure")),
    ],
)
def test_every_verdict_word_of_the_rule(numbers, expected):
    assert reconcile(*numbers, 500, 10) == expected
    assert reconcile(*numbers, 5, 10) == ("not_estimable", "too_few")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_landmark_notes_say_the_largest_smd_when_balance_failed(lang):
    lm = SimpleNamespace(confounders_=["sex[male]"], estimand="overlap", max_abs_smd_=0.234,
                         result_=SimpleNamespace(balance_achieved=False), landmark_day=180,
                         entry_=180.0, curve_violation_=0.0, entry_window=0)  # fmt: skip
    notes = [
        t("nb_lm_weights_from", lang, names=pr.covariate_word("sex[male]", lang)),
        t("nb_lm_estimand_overlap", lang),
        t("nb_lm_unbalanced", lang, smd=0.234),
        t("nb_lm_entry", lang, day=180.0),
    ]
    assert pr.landmark_notes(lm, lang) == ("" if lang == "zh" else " ").join(notes)
    assert "0.23" in t("nb_lm_unbalanced", lang, smd=0.234)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_notebook_love_plot_legend_and_target_line(lang):
    bal = pd.DataFrame({"smd_before": [0.4, -0.1], "smd_after": [0.0, 0.01]},
                       index=pd.Index(["sex[male]", "exposed_peer_education"], name="covariate"))  # fmt: skip
    ax = pr.plot_love(SimpleNamespace(balance=lambda: bal), lang, "title")
    labels = [h.get_label() for h in ax.get_legend_handles_labels()[0]]
    assert labels == [t("nb_unweighted", lang), t("nb_weighted", lang),
                      t("nb_balance_target", lang, x=0.1)]  # fmt: skip
    (target,) = ax.get_lines()
    assert target.get_color() == "grey" and target.get_xdata()[0] == 0.1
    plt.close("all")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_subgroup_view_names_the_reference_level(lang):
    table = pd.DataFrame({"code": ["job_placement"] * 2, "group": ["male", "female"],
                          "reference": ["female", True], "hr": [0.8, 0.9]})  # fmt: skip
    shown, _ = pr.subgroup_view(table, "job_placement", "sex", lang)
    assert shown["reference"].tolist() == [pr.codes.label("sex", "female", lang), True]
    assert "REFERENCE" not in shown.columns


def test_no_support_started_leaves_the_last_relapse_free_day():
    from workbench.effects.primary import relapse_free_at_starts

    lower, upper = np.array([10.0, 20.0]), np.array([30.0, np.inf])
    out = relapse_free_at_starts(lower, upper, np.empty((2, 0)))
    np.testing.assert_array_equal(out, lower)
    out = relapse_free_at_starts(lower, upper, np.array([[25.0], [40.0]]))
    np.testing.assert_array_equal(out, [25.0, 40.0])


def test_balance_means_every_smd_strictly_below_the_target():
    at = pd.DataFrame({"smd_before": [0.3], "smd_after": [0.1]}, index=["x"])
    fake = SimpleNamespace(balance=lambda threshold=0.1: at)
    assert not PropensityWeights.balanced(fake, 0.1)  # "below 0.1", as the notebook says
    assert PropensityWeights.balanced(fake, 0.1000001)


def test_lag_to_contacts_matches_numeric_release_ids():
    from workbench.effects.exposure import lag_to_contacts

    starts = pd.DataFrame({"a": [10.0, 200.0]}, index=[101, 102])
    contacts = pd.DataFrame({"release_id": [101, 101, 102], "day": [180.0, 365.0, 370.0]})
    lagged = lag_to_contacts(starts, contacts)
    np.testing.assert_array_equal(lagged["a"].to_numpy(), [180.0, 370.0])


def test_independent_columns_leaves_the_callers_table_alone():
    from workbench.effects.design import independent_columns

    design = pd.DataFrame({"a": [1.0, 2.0, 3.0, 5.0], "b": [2.0, 4.0, 6.0, 10.0],
                           "c": [0.0, 1.0, 0.0, 1.0]})  # fmt: skip
    before = design.copy()
    assert independent_columns(design) == ["a", "c"]  # b = 2a
    pd.testing.assert_frame_equal(design, before)


def test_a_constant_covariate_is_balanced_with_smd_nan_and_no_warning():
    from workbench.effects.propensity import balance_table

    X = pd.DataFrame({"age": [20.0, 30.0, 40.0, 50.0], "urban": [1.0, 1.0, 1.0, 1.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 0/0 of a constant column must not warn
        bal = balance_table(X, [1, 0, 1, 0], np.ones(4))
    assert np.isnan(bal.loc["urban", "smd_before"]) and np.isnan(bal.loc["urban", "smd_after"])
    assert np.isnan(bal.loc["urban", "var_ratio_before"])
    assert bal.loc["urban", "|smd_after| < 0.1"] and bal.loc["urban", "mean_treated"] == 1.0
