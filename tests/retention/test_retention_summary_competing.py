"""retention_summary on a real table with a competing event (mgus2: plasma-cell malignancy,
death competing; months): milestones and cumulative incidence equal R (the corpus references,
tests/reference/corpus.R) in the fast tests, and the text table shows them whole."""

from pathlib import Path

import pandas as pd
import pytest

from workbench.cohort.contract import load_cohort
from workbench.retention.table import render_text, retention_summary

ROOT = Path(__file__).parents[2]
MONTHS = (12, 60, 120, 240, 500)  # 500: after the last follow-up


@pytest.fixture(scope="module")
def summary():
    cohort = load_cohort(ROOT / "data" / "corpus" / "mgus2" / "spec.yaml")
    return retention_summary(cohort, months=MONTHS, horizon=7305, n_bootstrap=0)


def _ref(section):
    r = pd.read_csv(ROOT / "tests" / "reference" / "corpus_R.csv")
    return r[(r["dataset"] == "mgus2") & (r["section"] == section)]


def test_cumulative_incidence_of_both_events_equals_R(summary):
    cif = summary.cumulative_incidence
    assert list(cif["cause"].unique()) == ["plasma-cell malignancy", "death"]
    got = {(("event", "competing")[r.cause == "death"], r.months): r for r in cif.itertuples()}
    ref = _ref("cif")
    assert len(ref) == 24
    for r in ref.itertuples():
        cause, months = r.key.split("@")
        assert getattr(got[(cause, float(months))], r.stat) == pytest.approx(r.value, abs=1e-6)
    # notes and reasons are text or None (JSON null), never NaN
    assert all(v is None or isinstance(v, str) for v in cif["note"])
    assert all(v is None or isinstance(v, str) for v in cif["reason"])
    late = cif[cif["months"] == 500]
    assert late["estimate"].isna().all() and late["note"].isna().all()
    assert list(late["reason"]) == ["follow-up ends at day 12905.5"] * 2
    assert cif.loc[cif["months"] < 500, "reason"].isna().all()
    # (the notes are asserted here too: mutmut maps the fixture's functions to this first test)
    assert (
        "Times are recorded in units of 30.4375 days; a milestone up to one unit past the last "
        "follow-up time is evaluated at that time."
    ) in summary.notes


def test_milestones_curves_and_text(summary):
    miles = summary.milestones.set_index("months")
    for r in _ref("milestone").itertuples():
        assert miles.loc[float(r.key), r.stat] == pytest.approx(r.value, abs=1e-6)
    (curve,) = summary.curves.to_dict("records")
    table = load_cohort(ROOT / "data" / "corpus" / "mgus2" / "spec.yaml").table
    assert curve["group"] == "all" and curve["n"] == len(table)
    assert curve["events"] == table["event"].eq("relapse").sum() == 112  # complete cases
    assert curve["method"].startswith("Kaplan-Meier")
    text = render_text(summary, None)
    assert "Cumulative incidence" in text and "plasma-cell malignancy" in text
    assert f"{miles.loc[12.0, 'estimate']:.3f}" in text
    assert any("competing event are censored" in n for n in summary.notes)
    lines = text.splitlines()
    cif_head = lines[lines.index("Cumulative incidence (Aalen-Johansen, 95% CI)") + 1]
    assert cif_head.split() == ["group", "cause", "months", "day", "estimate", "lower", "upper",
                                "see"]  # fmt: skip
    first = summary.cumulative_incidence.iloc[0]
    assert f"365.25    {first['estimate']:.3f} {first['lower']:.3f}" in text
    # the notes a row points to, numbered from 1 in order of first use
    assert "[1] follow-up ends at day 12905.5" in lines
    assert "[2] a confidence limit is not reached within follow-up" in lines
    assert (
        "Note: Times are recorded in units of 30.4375 days; a milestone up to one unit past the "
        "last follow-up time is evaluated at that time."
    ) in lines


def test_json_keys_and_rmst_rows(summary):
    out = summary.to_json()
    assert list(out) == ["milestones", "medians", "rmst", "notes", "horizon_days", "curves",
                         "cumulative_incidence"]  # fmt: skip
    (rmst,) = out["rmst"]
    assert rmst["horizon_days"] == 7305 and rmst["estimate"] == summary.rmst["estimate"].iloc[0]
