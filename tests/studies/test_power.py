"""Planning a study (workbench.studies.power): Schoenfeld's events against R and the textbook
figure, the log-rank statistic against lifelines, and the formula's releases against the
project's simulator on a checked case."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.exceptions import ParameterError
from workbench.studies import power as pw

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "schoenfeld_events.csv"


def test_schoenfeld_events_match_r():
    """tests/reference/schoenfeld.R computes the same formula in plain R arithmetic."""
    ref = pd.read_csv(REFERENCE)
    ours = [pw.schoenfeld_events(r.hr, r.share, r.power, r.alpha) for r in ref.itertuples()]
    np.testing.assert_allclose(ours, ref["events"], rtol=1e-10)  # qnorm vs ndtri: ~1e-15


def test_schoenfeld_textbook_figure():
    """HR 2 (or 0.5), equal allocation, two-sided 5 %, 90 % power: 88 events."""
    for hr in (2.0, 0.5):
        assert int(np.ceil(pw.schoenfeld_events(hr, 0.5, 0.9))) == 88


def test_logrank_matches_lifelines():
    from lifelines.statistics import logrank_test

    rng = np.random.default_rng(3)
    time = rng.integers(1, 30, 400).astype(float)  # many ties
    event = rng.random(400) < 0.7
    group = rng.random(400) < 0.4
    z = pw.logrank_z(time, event, group)
    ref = logrank_test(time[group], time[~group], event[group], event[~group])
    assert z**2 == pytest.approx(ref.test_statistic, rel=1e-9)


CHECKED = pw.StudyDesign(uptake=0.5, hr=0.7, accrual_years=1, follow_up_years=1, loss_per_year=0.05)
REPLICATES = 300  # simulated studies: power SE about 2.3 points


def test_formula_agrees_with_the_simulator():
    """At the formula's releases for 80 % power the simulated studies reject 80 % of the time
    within simulation error, and their mean number of relapses is the formula's expected number.
    The checked case is what the formula assumes: exact relapse dates and a population whose
    people share one relapse hazard apart from the support (`homogeneous`; in the programme's
    varied population the unadjusted log-rank test loses 2-7 points of power:
    bench/ranking_study.py power)."""
    population = pw.homogeneous()
    base = pw.baseline_curve(pw.horizon_days(CHECKED), population=population)
    found = pw.formula(CHECKED, powers=(0.8,), base=base)
    n = found.releases[0.8]
    sim = pw.simulate_power(CHECKED, n, REPLICATES, found.hr, seed=11, visits=False,
                            population=population)  # fmt: skip
    se = np.sqrt(0.8 * 0.2 / REPLICATES)
    assert abs(sim.exact - 0.8) <= 2.576 * se  # a 99 % band around the nominal power
    # mean relapses: Monte Carlo SE about 0.3 % of the mean; 1.5 % also allows the formula's
    # weekly grid of cumulative hazards
    assert sim.events == pytest.approx(n * found.event_probability, rel=0.015)
    assert np.isnan(sim.visits)


def test_risk_difference_gives_the_hazard_ratio_of_that_retention():
    design = pw.StudyDesign(uptake=0.3, hr=None, risk_difference=0.05)
    base = pw.baseline_curve(pw.horizon_days(design), n=5000)
    hr = pw.hazard_ratio(design, base)
    day = 12 * pw.DAYS_PER_MONTH
    assert base.at(day, hr) == pytest.approx(base.at(day) + 0.05, abs=1e-9)
    assert hr < 1
    with pytest.raises(ParameterError, match="risk difference between"):
        pw.hazard_ratio(pw.StudyDesign(hr=None, risk_difference=0.9), base)


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"uptake": 1.2}, "uptake"),
        ({"hr": 1.0}, "hr"),
        ({"hr": 0.8, "risk_difference": 0.1}, "not both"),
        ({"loss_per_year": -0.1}, "loss_per_year"),
        ({"visit_months": 3}, "visit_months"),
    ],
)
def test_design_refuses_bad_input_with_a_clear_message(kwargs, word):
    with pytest.raises(ParameterError, match=word):
        pw.StudyDesign(**kwargs)
