"""Counterfactual truth of the target-trial strategies (workbench.simulate.strategies, #18)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from support import no_effects_config

from workbench.data import codes
from workbench.simulate import NO_FEEDBACK, default_config, simulate, write_simulation
from workbench.simulate.strategies import COLUMNS, strategies_for, strategy_truth

DPM = codes.DAYS_PER_MONTH
N_TRUTH = 10_000  # Monte Carlo SE of a risk <= 0.005; differences share draws (far smaller)
N_FLAT = 10_000


@pytest.fixture(scope="module")
def truth_on():
    return strategy_truth(n=N_TRUTH, seed=3)


@pytest.fixture(scope="module")
def truth_off():
    return strategy_truth(NO_FEEDBACK, n=N_TRUTH, seed=3)


def _risk(table, code, strategy, month, col="relapse_risk"):
    rows = table[(table["intervention"] == code) & (table["strategy"] == strategy)]
    return float(rows.set_index("month").loc[month, col])


def test_rows_are_every_support_with_its_identifiable_strategies(truth_on):
    table, mc = truth_on
    assert tuple(table.columns) == COLUMNS
    cfg = default_config()
    want = {
        (code, name)
        for code, spec in cfg["interventions"].items()
        for name, _ in strategies_for(spec, cfg["counterfactual"]["grace_months"])
    }
    assert set(map(tuple, table[["intervention", "strategy"]].to_numpy())) == want
    # start windows [lo, hi]: within_<g>m only where lo < g <= hi
    assert ("job_placement", "within_3m") not in want and ("job_placement", "within_12m") in want
    assert ("precise_support", "within_6m") not in want
    assert (
        table.groupby(["intervention", "strategy"])["month"]
        .apply(list)
        .map(lambda m: m == list(range(1, 37)))
        .all()
    )
    assert mc["n"] == N_TRUTH


@pytest.mark.parametrize("which", ["truth_on", "truth_off"])
def test_risks_grow_with_month_and_stay_probabilities(which, request):
    table, _ = request.getfixturevalue(which)
    for _, g in table.groupby(["intervention", "strategy"]):
        for col in ("relapse_risk", "death_risk"):
            assert (np.diff(g[col].to_numpy()) >= 0).all()
        assert ((g["relapse_risk"] + g["death_risk"]) <= 1).all()
        assert g["rmst_days"].nunique() == 1 and 0 < g["rmst_days"].iloc[0] <= 36 * DPM


def test_null_support_has_the_same_risks_under_both_strategies(truth_on):
    # precise_support has HR 1 and does not move employment: with common random numbers the
    # same people have exactly the same relapse and death under both strategies
    table, mc = truth_on
    for month in (6, 12, 24, 36):
        for col in ("relapse_risk", "death_risk"):
            never = _risk(table, "precise_support", "never", month, col)
            start = _risk(table, "precise_support", "within_3m", month, col)
            assert abs(start - never) <= 1e-12
    assert mc["rd24_vs_never_se"]["precise_support:within_3m"] == 0.0


@pytest.mark.parametrize("which", ["truth_on", "truth_off"])
def test_helpful_support_lowers_the_risk_when_started(which, request):
    # job placement (HR 0.70, and more employment when the feedback is on): starting within 6
    # months lowers the 24-month relapse risk; the difference is beyond 4 Monte Carlo SEs
    table, mc = request.getfixturevalue(which)
    rd = _risk(table, "job_placement", "within_6m", 24) - _risk(table, "job_placement", "never", 24)
    se = mc["rd24_vs_never_se"]["job_placement:within_6m"]
    assert rd < -4 * se
    assert _risk(table, "job_placement", "within_6m", 36, "rmst_days") > _risk(
        table, "job_placement", "never", 36, "rmst_days"
    )


def _flat(feedback: bool) -> dict:
    """No covariate effects, no deaths to speak of, nobody offered peer education naturally."""
    cfg = default_config()
    flat = {
        **no_effects_config(),
        "deaths": {"rate_per_100py": dict.fromkeys(cfg["deaths"]["rate_per_100py"], 1e-9)},
    }
    flat["interventions"]["peer_education"] = {"hazard_ratio": 0.5, "assign": {"intercept": -20}}
    if feedback:
        flat["employment"] = {
            "log_hr": 0.0,
            "relapse_log_hr_shift": 0.0,
            "find_log_odds": {},
            "start_log_odds": {},
        }
    else:
        flat["employment"] = {"enabled": False}
    return flat


@pytest.mark.parametrize("feedback", [True, False])
def test_forced_start_matches_the_hazard_ratio_by_hand(feedback):
    # Nobody starts peer education naturally (window [0, 6]), so within_3m = everyone starts
    # in month 3 (days 61..91, uniform) and the hazard halves from then on. By hand:
    # never: 1 - exp(-L0(t)); within_3m: 1 - mean_s exp(-L0(s) - 0.5 (L0(t) - L0(s))).
    table, _ = strategy_truth(_flat(feedback), n=N_FLAT, seed=5)
    cfg = default_config()
    breaks = np.asarray(cfg["relapse"]["baseline_breaks_months"], float) * DPM
    rates = np.asarray(cfg["relapse"]["baseline_rates_per_month"], float) / DPM

    def cum(t):
        t = np.asarray(t, float)
        widths = np.clip(t[..., None] - breaks, 0, np.diff(breaks, append=np.inf))
        return widths @ rates

    s = np.arange(np.ceil(2 * DPM), np.ceil(3 * DPM))  # the days of month 3
    for month in (6, 12, 24):
        t = month * DPM
        never = 1 - np.exp(-cum(t))
        start = 1 - np.mean(np.exp(-cum(s) - 0.5 * (cum(t) - cum(s))))
        got_never = _risk(table, "peer_education", "never", month)
        got_start = _risk(table, "peer_education", "within_3m", month)
        # 4 binomial SEs at n = 10,000 (< 0.02)
        assert abs(got_never - never) < 4 * np.sqrt(never * (1 - never) / N_FLAT)
        assert abs(got_start - start) < 4 * np.sqrt(start * (1 - start) / N_FLAT)
        # the difference shares the draws: its error is far below the risks' own
        assert abs((got_start - got_never) - (start - never)) < 0.01


def test_write_simulation_writes_strategies_csv(tmp_path):
    sim = simulate(seed=2, n=300)
    write_simulation(sim, tmp_path, strategies_n=2_000)
    got = pd.read_csv(tmp_path / "truth" / "strategies.csv")
    assert tuple(got.columns) == COLUMNS
    assert len(got) == 36 * got.groupby(["intervention", "strategy"]).ngroups
    assert got.groupby("intervention")["strategy"].apply(lambda s: "never" in set(s)).all()
    write_simulation(sim, tmp_path / "plain")  # default: no strategies (seconds per 10,000)
    assert not (tmp_path / "plain" / "truth" / "strategies.csv").exists()


def test_secular_trend_changes_the_risk_score_by_release_year():
    sim = simulate({"relapse": {"trend_log_hr_per_year": -0.1}, **NO_FEEDBACK}, seed=4, n=400)
    plain = simulate(NO_FEEDBACK, seed=4, n=400)
    rel = sim.dataset.releases
    years = (rel["release_date"] - pd.Timestamp("2017-01-01")).dt.days.to_numpy() / 365.25
    shift = sim.truth_table["risk_score"] - plain.truth_table["risk_score"]
    np.testing.assert_allclose(shift, -0.1 * years, atol=1e-12)
    assert sim.truth["trend_log_hr_per_year"] == -0.1
