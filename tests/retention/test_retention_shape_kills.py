"""Retention, risk, cohort and disclosure details a user sees, checked where bench/mutation.py's
seed-27 sample changed them unseen (issue #24, session 7): the competing-risks inputs (a relapse
keeps its relapse day when a death follows), the cumulative-incidence rows' columns past the
follow-up, groups of a categorical column without its unused levels, the milestone table's
method parts per group, refusals word for word, a visit window opening on the last contact day,
the design matrix keeping the table's rows, the default noise of one count."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from workbench.exceptions import NotFittedError, ParameterError
from workbench.retention import table as rt
from workbench.retention.competing_ic import CompetingRisksNPMLE
from workbench.risk.design import design_matrix
from workbench.risk.interval import interval_outcome


def _competing_frame():
    return pd.DataFrame({
        "event": ["relapse", "death", "censored", "relapse", "death", "censored"],
        "lower_day": [100.0, 50.0, 400.0, 200.0, 80.0, 500.0],
        "upper_day": [100.0, np.nan, np.nan, 200.0, np.nan, np.nan],
        "death_day": [300.0, 60.0, np.nan, np.nan, 90.0, np.nan],
        "sex": ["f", "f", "f", "m", "m", "m"],
    })  # fmt: skip


def test_cif_inputs_a_relapse_keeps_its_day_when_a_death_follows():
    time, status = rt._cif_inputs(_competing_frame())
    # relapse at its day (not the later death), death at the death day, censored at lower_day
    np.testing.assert_array_equal(time, [100.0, 60.0, 400.0, 200.0, 90.0, 500.0])
    np.testing.assert_array_equal(status, [1, 2, 0, 1, 2, 0])


def test_cumulative_incidence_rows_past_the_follow_up_have_the_same_columns():
    frame = _competing_frame()
    groups = rt._groups(frame, None)
    data = SimpleNamespace(event_label="relapse", competing_label="death")
    out = rt._cumulative_incidence(data, frame, groups, [500.0], [6, 48], 1.0)
    assert sorted(out.columns) == sorted(["group", "cause", "months", "day", "estimate", "lower",
                                          "upper", "reason", "note"])  # fmt: skip
    past = out[out["months"] == 48]
    assert past["day"].isna().all() and past[["estimate", "lower", "upper"]].isna().all().all()
    assert past["reason"].notna().all()
    at6 = out[(out["months"] == 6) & (out["cause"] == "relapse")].iloc[0]
    # by hand: deaths at 60 and 90 (1 of 6, 1 of 5), the relapse at 100 (1 of 4): (4/6)(1/4)
    assert at6["estimate"] == pytest.approx(1 / 6, abs=1e-12)


def test_groups_of_a_categorical_column_skip_its_unused_levels():
    frame = _competing_frame().assign(
        sex=pd.Categorical(["f", "f", "f", "m", "m", "m"], categories=["f", "m", "x"])
    )
    assert [k for k, _ in rt._groups(frame, "sex")] == ["f", "m"]


def test_milestone_table_keeps_each_groups_method_parts():
    rng = np.random.default_rng(4)
    n = 80
    t = rng.exponential(400, n)
    frame = pd.DataFrame({"event": np.where(t < 600, "relapse", "censored"),
                          "lower_day": np.minimum(t, 600), "upper_day": np.where(t < 600, t, np.nan),
                          "sex": np.repeat(["f", "m"], n // 2)})  # fmt: skip
    table = rt.milestone_table(frame, by="sex", months=[6], n_bootstrap=0)
    assert set(table.attrs["method_text"]) == {"f", "m"}
    assert all(len(v) > 0 for v in table.attrs["method_text"].values())


def test_interval_outcome_names_the_relapse_row_without_upper_day():
    cohort = pd.DataFrame({"lower_day": [10.0, 20.0, 30.0], "upper_day": [np.nan, 40.0, np.nan],
                           "event": ["censored", "relapse", "relapse"]})  # fmt: skip
    with pytest.raises(ParameterError) as err:
        interval_outcome(cohort)
    assert str(err.value) == "cohort row 2: a relapse row without upper_day"


def test_an_unfitted_competing_npmle_refuses_to_plot():
    with pytest.raises(NotFittedError) as err:
        CompetingRisksNPMLE().plot()
    assert str(err.value) == "this CompetingRisksNPMLE is not fitted yet; call fit() first"


def test_a_visit_window_opening_on_the_last_contact_day_is_not_missed():
    from workbench.cohort.build import _n_missed_since
    from workbench.cohort.records import VISIT_WINDOW_DAYS
    from workbench.data.codes import DAYS_PER_MONTH, SCHEDULED_MONTHS

    opens = np.array(SCHEDULED_MONTHS, float) * DAYS_PER_MONTH - VISIT_WINDOW_DAYS
    due_end = np.full(3, 10_000.0)
    # last contact exactly when the 12-month window opens: 6 and 12 months not missed
    last = np.array([opens[1], opens[1] - 1e-6, opens[1] + 1e-6])
    np.testing.assert_array_equal(_n_missed_since(last, due_end), [4, 5, 4])


def test_design_matrix_keeps_the_tables_rows():
    frame = pd.DataFrame({"age": [30.0, 40.0, 50.0], "sex": ["f", "m", "f"]}, index=[7, 3, 9])
    X = design_matrix(frame, ["age", "sex"]).X
    assert list(X.index) == [7, 3, 9]
    np.testing.assert_array_equal(X["age"], [30.0, 40.0, 50.0])


def test_milestone_table_and_km_summary_have_their_documented_columns():
    from workbench.retention.km import KaplanMeier

    rng = np.random.default_rng(6)
    t = rng.exponential(400, 60)
    frame = pd.DataFrame({"event": np.where(t < 600, "relapse", "censored"),
                          "lower_day": np.minimum(t, 600), "upper_day": np.where(t < 600, t, np.nan)})  # fmt: skip
    table = rt.milestone_table(frame, months=[6, 12], n_bootstrap=0)
    # docstring: group, months, day (the day used), estimate, lower, upper, n, identified,
    # range_low, range_high, note, reason, method
    assert set(table.columns) == {"group", "months", "day", "estimate", "lower", "upper", "n",
                                  "identified", "range_low", "range_high", "note", "reason",
                                  "method"}  # fmt: skip
    assert list(table["months"]) == [6.0, 12.0] and (table["n"] == 60).all()
    km = KaplanMeier().fit(np.minimum(t, 600), (t < 600).astype(int), label="all")
    # docstring: time, n_risk, n_event, n_censor, survival, std_err, lower, upper (+ the label)
    assert list(km.summary().columns) == ["time", "n_risk", "n_event", "n_censor", "survival",
                                          "std_err", "lower", "upper", "label"]  # fmt: skip
