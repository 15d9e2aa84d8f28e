"""Retention numbers and words a user sees, each pinned where a mutation (issue #24,
bench/mutation.py) changed it unseen: the milestone months allowed, the Aalen-Johansen checks,
milestones and standard errors (against numerical derivatives), delayed entry's numbers at risk
(counted by hand), the competing-risks NPMLE's curve label, the RMST row of a horizon past the
follow-up, the JSON keys and the text table's notes."""

import numpy as np
import pandas as pd
import pytest

from workbench.exceptions import ParameterError
from workbench.retention.competing import AalenJohansen, best_available_times
from workbench.retention.km import KaplanMeier, risk_table
from workbench.retention.summary import check_months, rmst_row

MESSAGE = "milestones {} must be positive numbers of months, e.g. 12,24,36"


def test_check_months_accepts_up_to_100_years():
    assert check_months([12, "24", 1200]) == (12.0, 24.0, 1200.0)
    assert check_months((0.5,)) == (0.5,)


@pytest.mark.parametrize("bad", [[1200.5], [0], [-6], [float("nan")], [float("inf")], []])
def test_check_months_refuses_with_the_values_given(bad):
    with pytest.raises(ParameterError) as err:
        check_months(bad)
    assert str(err.value) == MESSAGE.format(list(bad))


def test_best_available_times_names_the_row_without_a_time():
    cohort = pd.DataFrame({"lower_day": [10.0, 20.0, 30.0], "upper_day": [np.inf, np.nan, 40.0],
                           "event": ["censored", "relapse", "relapse"],
                           "death_day": [np.nan] * 3})  # fmt: skip
    with pytest.raises(ParameterError) as err:
        best_available_times(cohort)
    assert str(err.value) == (
        "cohort row 1: no usable time for a relapse row (upper_day, death_day or lower_day is "
        "missing)"
    )


T = np.array([1, 2, 2, 3, 4, 5, 6, 6, 7, 7.0])
S = np.array([1, 2, 0, 1, 1, 0, 2, 1, 1, 2])  # the last time: both left have an event


@pytest.mark.parametrize("alpha", [0.0, 1.0, 1.5])
def test_aalen_johansen_alpha_strictly_between_0_and_1(alpha):
    with pytest.raises(ParameterError) as err:
        AalenJohansen(alpha=alpha).fit(T, S)
    assert str(err.value) == f"alpha {alpha} must lie strictly between 0 and 1"


def test_aalen_johansen_milestones_of_each_cause():
    aj = AalenJohansen().fit(T * 30.4375, S, label="g")  # times in days: month k = day 30.4k
    for cause in ("relapse", "death"):
        m = aj.milestones([2.5, 6.5], cause=cause)
        assert list(m["cause"]) == [cause, cause] and list(m["group"]) == ["g", "g"]
        at = aj.cif_at(m["day"], cause)
        np.testing.assert_array_equal(m["estimate"], at["estimate"])
    np.testing.assert_allclose(aj.milestones([2.5])["estimate"], [0.1], rtol=1e-12)
    np.testing.assert_allclose(aj.milestones([2.5], cause="death")["estimate"], [0.1], rtol=1e-12)


def test_aalen_johansen_standard_errors_are_the_infinitesimal_jackknife():
    """R's robust (IJ) variance is sum_i (dF/dw_i)^2 at w = 1: computed here by central
    differences of the weighted fit, including the last time, where everyone left has an event
    (h = 1e-6: truncation error ~h^2, rounding ~1e-10, so atol 1e-7)."""
    base = AalenJohansen().fit(T, S).table_
    cols = ["cif_relapse", "cif_death", "event_free"]
    grads = []
    for i in range(T.size):
        up, down = np.ones(T.size), np.ones(T.size)
        up[i], down[i] = 1 + 1e-6, 1 - 1e-6
        a = AalenJohansen().fit(T, S, weights=up).table_[cols].to_numpy()
        b = AalenJohansen().fit(T, S, weights=down).table_[cols].to_numpy()
        grads.append((a - b) / 2e-6)
    se = np.sqrt((np.array(grads) ** 2).sum(axis=0))
    ours = base[["se_relapse", "se_death", "se_event_free"]].to_numpy()
    np.testing.assert_allclose(ours, se, atol=1e-7)
    assert base["event_free"].iloc[-1] == 0 and base["se_relapse"].iloc[-1] > 0.17


def test_delayed_entry_numbers_at_risk_counted_by_hand():
    time = np.array([5.0, 8.0, 8.0, 12.0, 15.0, 20.0])
    event = np.array([1, 1, 0, 1, 0, 1])
    entry = np.array([0.0, 6.0, 0.0, 8.0, 3.0, 12.0])
    w = np.array([1.0, 2.0, 1.0, 1.5, 1.0, 0.5])
    tab = risk_table(time, event, w, entry=entry)
    # at risk at t: entry < t <= time (R's Surv(entry, time, event))
    by_hand = [w[(entry < s) & (s <= time)].sum() for s in tab["time"]]
    np.testing.assert_allclose(tab["n_risk"], by_hand, rtol=0, atol=1e-12)
    np.testing.assert_allclose(by_hand, [3.0, 4.0, 2.5, 1.5, 0.5])
    km = KaplanMeier().fit(time, event, entry=entry)
    np.testing.assert_allclose(km.table_["n_risk"], [3, 3, 2, 2, 1])
    np.testing.assert_allclose(km.table_["survival"], np.cumprod([2 / 3, 2 / 3, 1 / 2, 1, 0]))


def test_competing_npmle_curve_label_without_a_group():
    from workbench.retention.competing_ic import CompetingRisksNPMLE

    fit = CompetingRisksNPMLE(n_bootstrap=0).fit([0, 1, 2, 3], [2, 3, 4, 5])
    assert set(fit.curve()["label"]) == {"relapse"}
    assert set(fit.curve("death")["label"]) == {"death"}


def test_compare_with_visit_dates_is_the_npmle_beside_aalen_johansen_and_the_truth():
    from workbench.retention.competing_ic import compare_with_visit_dates, fit_cohort

    cohort = pd.DataFrame({
        "release_id": ["a", "b", "c", "d", "e", "f"],
        "lower_day": [100.0, 200.0, 50.0, 400.0, 300.0, 20.0],
        "upper_day": [180.0, np.inf, 120.0, np.inf, 390.0, np.inf],
        "event": ["relapse", "censored", "relapse", "death", "relapse", "censored"],
        "death_day": [np.nan, np.nan, np.nan, 450.0, np.nan, np.nan],
    })  # fmt: skip
    fit = fit_cohort(cohort, n_bootstrap=0)
    truth = pd.DataFrame({"release_id": list("fedcba"),
                          "relapse_day": [900.0, 350.0, 500.0, 60.0, 999.0, 150.0],
                          "death_day": [np.inf, np.inf, 450.0, np.inf, np.inf, np.inf]})  # fmt: skip
    out = compare_with_visit_dates(cohort, [6, 12], fit, truth)
    bt = best_available_times(cohort)
    aj = AalenJohansen().fit(bt["time"], bt["status"])
    days = np.array([6, 12]) * 30.4375
    np.testing.assert_array_equal(out["months"], [6.0, 12.0])
    np.testing.assert_allclose(out["NPMLE (intervals)"], fit.cif_at(days)["estimate"])
    np.testing.assert_allclose(
        out["Aalen-Johansen, visit dates (comparison)"], aj.cif_at(days)["estimate"]
    )
    # by day 182.6: a (150) and c (60) relapsed; by day 365.25 also e (350), not d (died first)
    np.testing.assert_allclose(out["truth"], [2 / 6, 3 / 6])


def test_rmst_row_past_the_follow_up_has_every_column_and_the_reason():
    row = rmst_row(None, 2000.0, 1000.0, 1.0, "men")
    assert list(row) == ["group", "horizon_days", "estimate", "se", "lower", "upper", "reason"]
    assert all(np.isnan(row[k]) for k in ("estimate", "se", "lower", "upper"))
    assert row["reason"] == "follow-up ends at day 1000, before the horizon (day 2000)"


def test_group_test_refuses_a_fitter_of_other_data():
    from workbench.exceptions import EstimationError
    from workbench.retention.ictest import interval_scores
    from workbench.retention.turnbull import TurnbullFitter

    other = TurnbullFitter(n_bootstrap=0).fit([0.0, 10.0, 20.0], [10.0, 30.0, np.inf])
    with pytest.raises(EstimationError) as err:
        interval_scores([0.0, 5.0], [10.0, np.inf], fitter=other)
    assert str(err.value) == "fitter was not fitted on these (lower, upper] pairs."


def test_km_milestones_and_summary_columns():
    km = KaplanMeier().fit([30.0, 60.0, 400.0, 500.0], [1, 0, 1, 0], label="g")
    m = km.milestones([1, 12])
    assert list(m.columns) == ["group", "months", "day", "estimate", "lower", "upper", "n_risk",
                               "method"]  # fmt: skip
    assert set(m["method"]) == {km.method} and km.method.startswith("Kaplan-Meier")
    s = km.summary()
    assert "se_log" not in s.columns and set(s["label"]) == {"g"}
    assert list(s.columns[:2]) == ["time", "n_risk"]


def test_npmle_median_not_reached_is_null_with_the_reason():
    from workbench.retention.summary import median_row
    from workbench.retention.turnbull import TurnbullFitter

    fit = TurnbullFitter(n_bootstrap=0).fit([0.0, 100.0, 200.0, 300.0], [50.0] + [np.inf] * 3)
    assert np.isinf(fit.median_)  # retention stays at 0.75
    row = median_row(fit, 300.0, "all")
    assert np.isnan(row["days"])
    assert row["reason"] == "retention stays above 50% to the end of follow-up (day 300)"


def test_turnbull_plot_axis_words():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from workbench.retention.turnbull import TurnbullFitter

    fit = TurnbullFitter(n_bootstrap=0).fit([0.0, 100.0, 200.0], [50.0, np.inf, 250.0])
    _, ax = plt.subplots()
    fit.plot(ax=ax)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("days since release", "retention")
    fit.plot(ax=ax, xlabel="months", ylabel="share")
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("months", "share")
    plt.close("all")


def test_text_table_marks_notes_and_reasons_and_labels_groups():
    from workbench.data.codes import label
    from workbench.retention.table import _shown

    table = pd.DataFrame({"group": ["female", "male"], "estimate": [0.5, np.nan],
                          "note": ["evaluated at day 360", None],
                          "reason": [None, "follow-up ends at day 300"]})  # fmt: skip
    notes: list = []
    text = _shown(table, "sex", "zh", ["group", "estimate"], notes)
    assert notes == ["evaluated at day 360", "follow-up ends at day 300"]
    lines = text.splitlines()
    assert lines[1].split() == [label("sex", "female", "zh"), "0.500", "[1]"]
    assert lines[2].split() == [label("sex", "male", "zh"), "-", "[2]"]
    facility = pd.DataFrame({"group": ["xinkaipu"], "estimate": [0.5]})
    shown = _shown(facility, "facility", "en", ["group", "estimate"], [])
    assert "Xinkaipu centre (provincial)" in shown and "xinkaipu" not in shown


def test_text_tables_speak_the_readers_language_and_join_the_methods():
    from workbench.data.codes import label
    from workbench.retention.summary import RetentionSummary
    from workbench.retention.table import render_text

    groups = ["female", "male"]
    rs = RetentionSummary(
        milestones=pd.DataFrame({"group": groups, "months": [12.0] * 2, "day": [365.25] * 2,
                                 "estimate": [0.8, 0.7], "lower": [0.7, 0.6],
                                 "upper": [0.9, 0.8], "n": [40, 50]}),
        medians=pd.DataFrame({"group": groups, "days": [400.0, 300.0], "lower": [350.0, 250.0],
                              "upper": [450.0, 350.0], "identified": [True, True]}),
        rmst=pd.DataFrame({"group": groups, "horizon_days": [730.5] * 2,
                           "estimate": [500.0, 450.0], "se": [10.0, 12.0],
                           "lower": [480.0, 426.0], "upper": [520.0, 474.0]}),
        curves=pd.DataFrame({"method": ["Kaplan-Meier, log-log CI", "Turnbull NPMLE"]}),
        horizon_days=730.5,
    )  # fmt: skip
    text = render_text(rs, "sex", "zh")
    lines = text.splitlines()
    for title in ("Retention at milestones", "Median time without the event",
                  "Restricted mean time without the event"):  # fmt: skip
        start = next(i for i, ln in enumerate(lines) if ln.startswith(title))
        assert lines[start + 2].split()[0] == label("sex", "female", "zh"), title
        assert lines[start + 3].split()[0] == label("sex", "male", "zh"), title
    assert lines[-1] == "Method: Kaplan-Meier, log-log CI; Turnbull NPMLE"


def test_entry_and_cohort_refusals_word_for_word():
    from workbench.retention.competing_ic import competing_intervals

    with pytest.raises(ParameterError) as err:
        KaplanMeier().fit([5.0, 8.0], [1, 0], entry=[0.0, 8.0])
    assert str(err.value) == (
        "row 1: entry 8 is not a number in [0, time 8) (delayed entry must come before the end "
        "of follow-up)"
    )
    with pytest.raises(ParameterError) as err:
        competing_intervals(pd.DataFrame({"lower_day": [1.0], "event": ["relapse"]}))
    assert str(err.value).startswith("the cohort table lacks column(s) upper_day")
    assert str(err.value).endswith("; build it with workbench.cohort.build_cohort")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_km_rmst_method_in_catalog_words(lang):
    from workbench.i18n import join, t

    r = KaplanMeier().fit([30.0, 60.0, 400.0], [1, 0, 1]).rmst(365.0)
    assert join(r.method_text, lang) == t("method_km_rmst", lang)


def test_a_milestone_on_the_last_follow_up_day_is_read_there_without_a_note():
    from workbench.retention.summary import milestone_day

    assert milestone_day(12, 365.25, 7.0) == (365.25, "")
    day, note = milestone_day(12, 360.25, 7.0)
    assert day == 360.25 and note.startswith("12 months (day 365.25) evaluated at day 360.25")
    assert milestone_day(12, 350.0, 7.0) == (None, "follow-up ends at day 350")


def test_a_warm_start_that_does_not_reach_the_tolerance_falls_back_to_the_cold_fit():
    """tol = 0 cannot be reached, so the warm-started replicate fit takes its cold fallback
    (bounded by max_iter), which must equal the cold fit itself."""
    from workbench.retention.competing_ic import _check, _tuples, fit_records

    lower = [0.0, 10.0, 20.0, 5.0, 15.0, 30.0]
    upper = [10.0, np.nan, 40.0, np.nan, 25.0, np.nan]
    death = [np.nan, 30.0, np.nan, np.nan, np.nan, 50.0]
    records, pair = _tuples(*_check(lower, upper, death, None))
    w = np.bincount(pair, minlength=len(records)).astype(float)
    full = fit_records(records, w, 1e-10, 10_000)
    cold = fit_records(records, w, 0.0, 7)
    warm = fit_records(records, w, 0.0, 7, warm=full)
    np.testing.assert_array_equal(warm.masses, cold.masses)
    assert warm.masses.sum() == pytest.approx(1.0, abs=1e-12)
