"""The known-truth simulator: determinism, calibration, exact relapse times, records, knobs."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pandas as pd
import pytest
import yaml
from lifelines import CoxTimeVaryingFitter
from support import no_effects_config

from workbench.cli.simulate import run_simulate
from workbench.data import codes
from workbench.data.io import load_dataset
from workbench.exceptions import ParameterError
from workbench.simulate import (
    default_config,
    simulate,
    true_survival,
    write_simulation,
)
from workbench.simulate.hazard import cumulative_hazard, invert_cumulative_hazard

DPM = codes.DAYS_PER_MONTH
INTERVENTIONS = list(codes.INTERVENTIONS)


@pytest.fixture(scope="module")
def default_sim():
    return simulate()


def _days(sim, frame, col):
    released = sim.dataset.releases.set_index("release_id")["release_date"]
    return (frame[col] - frame["release_id"].map(released)).dt.days.to_numpy(dtype=float)


# --- the hazard inversion, by hand -------------------------------------------------------------


def test_inversion_matches_hand_computed_cumulative_hazard():
    # rate 0.1 on [0, 10), 0.2 after; exposure from day 5 doubles it:
    # Lambda(t) = 0.1 t (t<5); 0.5 + 0.2 (t-5) (5<=t<10); 1.5 + 0.4 (t-10) (t>=10)
    e = np.array([0.3, 1.0, 2.3, 0.3])
    lp = np.array([0.0, 0.0, 0.0, np.log(2.0)])
    starts = np.array([[5.0], [5.0], [5.0], [np.nan]])
    t = invert_cumulative_hazard(e, lp, [0.0, 10.0], [0.1, 0.2], starts, [np.log(2.0)])
    np.testing.assert_allclose(t, [3.0, 7.5, 12.0, 1.5], rtol=1e-12)
    cum = cumulative_hazard(
        [3.0, 7.5, 12.0], lp[:3], [0.0, 10.0], [0.1, 0.2], starts[:3], [np.log(2)]
    )
    np.testing.assert_allclose(cum, np.tile([0.3, 1.0, 2.3], (3, 1)), rtol=1e-12)


def test_inversion_with_start_on_a_break_and_two_starts():
    # exposures at 10 (x2, same day as the break) and 12 (x0.5): rate 0.1 -> 0.4 -> 0.2
    starts = np.array([[10.0, 12.0]])
    gam = np.log([2.0, 0.5])
    t = invert_cumulative_hazard([1.0 + 0.8 + 0.5], [0.0], [0.0, 10.0], [0.1, 0.2], starts, gam)
    np.testing.assert_allclose(t, [14.5], rtol=1e-12)


def test_inversion_is_the_inverse_of_the_cumulative_hazard():
    rng = np.random.default_rng(2024)
    n = 500
    breaks = np.array([0.0, 3.0, 10.0, 40.0, 200.0])
    rates = rng.uniform(0.001, 0.2, size=5)
    starts = np.where(rng.random((n, 4)) < 0.6, np.floor(rng.uniform(0, 300, (n, 4))), np.nan)
    gammas = rng.normal(0, 0.7, size=4)
    lp = rng.normal(0, 0.5, size=n)
    e = rng.standard_exponential(n) * 3
    t = invert_cumulative_hazard(e, lp, breaks, rates, starts, gammas)
    back = np.array(
        [
            cumulative_hazard([t[i]], lp[i : i + 1], breaks, rates, starts[i : i + 1], gammas)[0, 0]
            for i in range(n)
        ]
    )
    np.testing.assert_allclose(back, e, rtol=1e-10)
    # and the cumulative hazard is the integral of the hazard (midpoint rule on a fine grid)
    grid = np.linspace(0, 400, 40_001)
    mid = (grid[1:] + grid[:-1]) / 2
    i = int(np.argmax(np.isfinite(starts).sum(axis=1)))
    k = np.searchsorted(breaks, mid, side="right") - 1
    on = np.nan_to_num(starts[i], nan=np.inf)[None, :] <= mid[:, None]
    hazard = rates[k] * np.exp(lp[i] + on @ gammas)
    integral = np.sum(hazard * np.diff(grid))
    cum = cumulative_hazard([400.0], lp[i : i + 1], breaks, rates, starts[i : i + 1], gammas)
    assert cum[0, 0] == pytest.approx(integral, rel=1e-3)  # exact up to the grid cells at switches


# --- sizes, determinism, files ---------------------------------------------------------------


def test_default_cohort_size_places_and_people(default_sim):
    rel = default_sim.dataset.releases
    assert len(rel) == 23_000
    assert rel["release_id"].is_unique
    assert set(rel["prefecture"]) == set(codes.PREFECTURES)
    assert set(rel["facility"]) <= set(codes.FACILITIES)
    assert (rel.loc[rel["sex"] == "female", "facility"] == "women").all()
    assert (rel.loc[rel["sex"] == "male", "facility"] != "women").all()
    assert (rel["sex"] == "male").mean() == pytest.approx(0.85, abs=0.01)
    age = rel["release_date"].dt.year - rel["birth_year"]
    assert age.between(17, 64).all()
    assert age.mean() == pytest.approx(36.0, abs=0.5)
    drugs = rel["primary_drug"].value_counts(normalize=True)
    assert drugs["methamphetamine"] + drugs["ketamine"] == pytest.approx(0.61, abs=0.02)
    assert drugs["heroin"] == pytest.approx(0.30, abs=0.015)
    assert rel["employed_before"].mean() == pytest.approx(0.40 * (0.7 + 0.3 * 0.8), abs=0.015)
    assert rel["motivation_score"].between(0, 10).all()
    assert rel["release_date"].min() >= pd.Timestamp("2017-01-01")
    assert rel["release_date"].max() <= pd.Timestamp("2021-12-31")
    assert rel["release_date"].dt.year.nunique() == 5
    # some people are released twice; their sex and birth year agree across releases
    per_person = rel.groupby("person_id").agg(n=("release_id", "size"), sexes=("sex", "nunique"))
    assert (per_person["n"] > 1).sum() > 300
    assert (per_person["sexes"] == 1).all()


def test_same_seed_gives_byte_identical_files(tmp_path):
    paths = []
    for name in ("a", "b"):
        write_simulation(simulate(n=1500, seed=11), tmp_path / name)
        paths.append(tmp_path / name)
    files = sorted(p.relative_to(paths[0]) for p in paths[0].rglob("*") if p.is_file())
    assert [str(f) for f in files] == [
        "dataset.yaml",
        "events.csv",
        "interventions.csv",
        "releases.csv",
        "truth/truth.json",
        "truth/truth_table.csv",
        "visits.csv",
    ]
    for f in files:
        assert (paths[0] / f).read_bytes() == (paths[1] / f).read_bytes(), f
    write_simulation(simulate(n=1500, seed=12), tmp_path / "c")
    assert (tmp_path / "c" / "visits.csv").read_bytes() != (paths[0] / "visits.csv").read_bytes()


def test_files_are_identical_across_processes(tmp_path):
    # another interpreter with another string-hash seed writes the same bytes
    import os
    import subprocess
    import sys

    code = (
        "import sys; from workbench.simulate import simulate, write_simulation; "
        "write_simulation(simulate(n=800, seed=5), sys.argv[1])"
    )
    for name, hashseed in (("p1", "1"), ("p2", "2")):
        env = {**os.environ, "PYTHONHASHSEED": hashseed}
        subprocess.run([sys.executable, "-c", code, str(tmp_path / name)], check=True, env=env)
    for f in ("releases.csv", "visits.csv", "truth/truth.json", "truth/truth_table.csv"):
        assert (tmp_path / "p1" / f).read_bytes() == (tmp_path / "p2" / f).read_bytes(), f


def test_written_files_follow_the_contract(small_sim, tmp_path):
    out = write_simulation(small_sim, tmp_path / "sim")
    meta = yaml.safe_load((out / "dataset.yaml").read_text(encoding="utf-8"))
    assert set(meta) == {"name", "cutoff", "description", "status"}
    assert meta["cutoff"] == "2022-12-31"
    assert meta["status"] == "simulated"  # reports on these data say so on every page
    assert load_dataset(out).status == "simulated"  # and the loader carries it
    visits = pd.read_csv(out / "visits.csv")
    assert list(visits.columns) == ["release_id", "visit_date", "scheduled_month", "result"]
    assert set(visits["result"]) == set(codes.VISIT_RESULTS)
    assert visits["visit_date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert len(visits) == len(small_sim.dataset.visits)
    assert set(pd.read_csv(out / "events.csv")["event"]) == set(codes.EVENTS)
    table = pd.read_csv(out / "truth" / "truth_table.csv", float_precision="round_trip")
    np.testing.assert_allclose(table["relapse_day"], small_sim.truth_table["relapse_day"], rtol=0)
    assert [f"start_{c}" for c in INTERVENTIONS] == list(table.columns[-6:])


def test_truth_json_keys_and_values(small_sim, tmp_path):
    out = write_simulation(small_sim, tmp_path / "sim")
    truth = json.loads((out / "truth" / "truth.json").read_text(encoding="utf-8"))
    assert {
        "hazard_ratios",
        "retention",
        "retention_without_support",
        "retention_by_drug",
        "retention_by_prefecture",
        "seed",
        "n",
        "notes",
    } <= set(truth)
    assert truth["seed"] == 7
    assert truth["n"] == 3000
    assert truth["hazard_ratios"] == pytest.approx(
        {k: v["hazard_ratio"] for k, v in default_config()["interventions"].items()}
    )
    assert truth["hazard_ratios"]["precise_support"] == 1.0
    assert set(truth["retention"]) == {"12", "24", "36"}
    t = small_sim.truth_table
    for m in ("12", "24", "36"):
        expected = np.mean(t["relapse_day"] > int(m) * DPM)
        assert truth["retention"][m] == pytest.approx(expected, abs=1e-12)
    # support lowers relapse: retention with support is above retention without
    assert truth["retention"]["12"] > truth["retention_without_support"]["12"]


# --- calibration and the truth itself --------------------------------------------------------


def test_retention_without_support_in_published_ranges(default_sim):
    r0 = default_sim.truth["retention_without_support"]
    assert 0.40 <= r0["12"] <= 0.60
    assert 0.25 <= r0["36"] <= 0.45
    by = default_sim.truth["retention_without_support_by_drug"]
    assert by["heroin"]["12"] < r0["12"] < by["methamphetamine"]["12"]
    # regions differ: the lowest-risk prefecture keeps people abstinent longer than the highest
    pref = default_sim.truth["retention_by_prefecture"]
    assert set(pref) == set(codes.PREFECTURES)
    assert pref["zhangjiajie"]["12"] > pref["huaihua"]["12"] + 0.05


def test_empirical_relapse_distribution_matches_configured_baseline():
    # No covariate, place or support effect: S(t) must be exp(-Lambda0(t)) exactly.
    cfg = default_config()
    flat = {
        **no_effects_config(),
        "employment": {"enabled": False},  # employment is a covariate effect too
    }
    n = 20_000
    sim = simulate(flat, seed=3, n=n)
    np.testing.assert_allclose(sim.truth_table["risk_score"], 0.0, atol=1e-12)
    months = np.array(cfg["relapse"]["baseline_breaks_months"], dtype=float)
    rates = np.array(cfg["relapse"]["baseline_rates_per_month"])
    grid = np.array([0.5, 1, 2, 3, 6, 9, 12, 18, 24, 30, 36, 48])
    # Lambda0 in months, piecewise linear between the breaks
    cum_at_breaks = np.concatenate([[0], np.cumsum(rates[:-1] * np.diff(months))])
    k = np.searchsorted(months, grid, side="right") - 1
    expected = np.exp(-(cum_at_breaks[k] + rates[k] * (grid - months[k])))
    observed = np.array([np.mean(sim.truth_table["relapse_day"] > g * DPM) for g in grid])
    tol = 4 * np.sqrt(expected * (1 - expected) / n)  # 4 binomial standard errors
    np.testing.assert_allclose(observed, expected, rtol=0, atol=tol.max())
    # true_survival gives the same curve without Monte Carlo noise here (no heterogeneity)
    np.testing.assert_allclose(
        true_survival(grid * DPM, flat, n=2000), expected, rtol=1e-10, atol=0
    )


def test_true_survival_agrees_with_the_simulated_truth(default_sim):
    days = np.array([12, 24, 36]) * DPM
    n = 23_000
    for support, key in ((True, "retention"), (False, "retention_without_support")):
        s = true_survival(days, support=support, n=50_000, seed=5)
        observed = np.array([default_sim.truth[key][m] for m in ("12", "24", "36")])
        # binomial error of the simulated share plus the Monte Carlo error of the average
        tol = 4 * np.sqrt(s * (1 - s) / n) + 4 * 0.3 / np.sqrt(50_000)
        np.testing.assert_allclose(observed, s, rtol=0, atol=tol.max())
    assert np.all(np.diff(true_survival(np.linspace(0, 1500, 31), n=5000)) < 0)


@pytest.mark.slow
def test_time_varying_cox_on_true_times_recovers_the_hazard_ratios():
    cfg = {
        "interventions": {"job_placement": {"hazard_ratio": 0.5, "assign": {"intercept": -0.5}}},
        "employment": {"enabled": False},  # else employment(t) is a hidden time-varying term
    }
    sim = simulate(cfg, seed=21, n=3000)
    t = sim.truth_table
    horizon = codes.TRACKING_DAYS
    stop_all = np.minimum(t["relapse_day"].to_numpy(), horizon)
    event_all = (t["relapse_day"].to_numpy() <= horizon).astype(int)
    starts = t[[f"start_{c}" for c in INTERVENTIONS]].to_numpy()
    rows = []
    for i in range(len(t)):  # episodes split at each start (test-side reshaping, small n)
        cuts = np.unique(np.concatenate([[0.0], starts[i][starts[i] < stop_all[i]], [stop_all[i]]]))
        for a, b in zip(cuts[:-1], cuts[1:], strict=True):
            exposed = (starts[i] <= a).astype(int)
            rows.append(
                [i, a, b, int(event_all[i] and b == stop_all[i]), t["risk_score"][i], *exposed]
            )
    long = pd.DataFrame(rows, columns=["id", "start", "stop", "event", "risk", *INTERVENTIONS])
    fit = CoxTimeVaryingFitter().fit(
        long, id_col="id", start_col="start", stop_col="stop", event_col="event"
    )
    truth = np.log([sim.truth["hazard_ratios"][c] for c in INTERVENTIONS])
    z = (fit.params_[INTERVENTIONS].to_numpy() - truth) / fit.standard_errors_[INTERVENTIONS]
    assert np.all(np.abs(z) < 4), z  # each log-HR within 4 standard errors of the truth
    assert fit.params_["job_placement"] == pytest.approx(np.log(0.5), abs=0.25)
    assert fit.params_["risk"] == pytest.approx(1.0, abs=4 * fit.standard_errors_["risk"])


def test_deaths_per_100_person_years_in_range(default_sim):
    assert 1.0 <= default_sim.truth["deaths_per_100py"] <= 2.2
    t = default_sim.truth_table
    heroin = (default_sim.dataset.releases["primary_drug"] == "heroin").to_numpy()
    d = t["death_day"].to_numpy()
    rate = [
        np.sum(d[m] <= 1095.75) / (np.minimum(d[m], 1095.75).sum() / 365.25)
        for m in (heroin, ~heroin)
    ]
    assert rate[0] > rate[1]


# --- the records --------------------------------------------------------------------------


def test_visits_are_jittered_and_nothing_is_after_cutoff_or_tracking(small_sim):
    ds = small_sim.dataset
    v = ds.visits
    day = _days(small_sim, v, "visit_date")
    sched = v["scheduled_month"].notna().to_numpy()
    offset = day[sched] - np.round(v["scheduled_month"].to_numpy()[sched] * DPM)
    missed = (v["result"] == "missed").to_numpy()[sched]
    assert np.abs(offset).max() <= 21
    assert offset[~missed].std() > 10
    assert offset[missed].std() > 10  # a missed visit carries the day it was scheduled for
    assert set(v.loc[sched, "scheduled_month"]) == {6.0, 12.0, 18.0, 24.0, 30.0, 36.0}
    assert 0.08 < missed.mean() < 0.2
    assert (~sched).sum() > 100  # unscheduled contacts exist
    assert day.min() >= 1
    assert day.max() <= codes.TRACKING_DAYS + 22
    assert not v.duplicated(["release_id", "visit_date"]).any()
    for frame, col in (
        (v, "visit_date"),
        (ds.events, "event_date"),
        (ds.interventions, "start_date"),
        (ds.interventions, "end_date"),
    ):
        assert (frame[col].dropna() <= ds.cutoff).all()
    assert _days(small_sim, ds.events, "event_date").max() <= codes.TRACKING_DAYS + 1


def _first_evidence(sim):
    v = sim.dataset.visits
    ev = sim.dataset.events
    pos = v[v["result"].isin(["positive", "detained"])].assign(
        day=lambda f: _days(sim, f, "visit_date")
    )
    rel = ev[ev["event"] == "relapse"].assign(day=lambda f: _days(sim, f, "event_date"))
    return pd.concat([pos, rel]).groupby("release_id")["day"].min()


def test_records_bracket_the_true_relapse_day(small_sim):
    t = small_sim.truth_table.set_index("release_id")["relapse_day"]
    first = _first_evidence(small_sim)
    assert len(first) > 1000
    assert (t[first.index] <= first).all()  # evidence never precedes the relapse
    v = small_sim.dataset.visits
    neg = v[v["result"] == "negative"].assign(day=lambda f: _days(small_sim, f, "visit_date"))
    before = neg["day"] < neg["release_id"].map(first).fillna(np.inf)
    assert (neg.loc[before, "day"] < neg.loc[before, "release_id"].map(t)).all()
    # police records give the day: event day d = ceil(true day)
    ev = small_sim.dataset.events
    rel = ev[ev["event"] == "relapse"]
    np.testing.assert_array_equal(
        _days(small_sim, rel, "event_date"), np.ceil(rel["release_id"].map(t).to_numpy())
    )
    share = len(rel) / len(first)
    assert 0.05 < share < 0.2
    # after a first positive, later visits may be negative again
    later = neg[neg["day"] > neg["release_id"].map(first)]
    assert len(later) > 20


def test_deaths_and_transfers_are_recorded_at_the_next_visit(small_sim):
    t = small_sim.truth_table.set_index("release_id")
    v = small_sim.dataset.visits
    for result, col in (("died", "death_day"), ("transferred", "transfer_day")):
        rows = v[v["result"] == result]
        assert len(rows) > 20
        day = _days(small_sim, rows, "visit_date")
        true = rows["release_id"].map(t[col]).to_numpy()
        assert np.all(day > true)
        assert np.all(day - true < 6 * DPM + 43)
        assert not rows["release_id"].duplicated().any()
        last = v.groupby("release_id")["visit_date"].max()
        assert (rows["visit_date"].to_numpy() == last[rows["release_id"]].to_numpy()).all()
    ev = small_sim.dataset.events
    deaths = ev[ev["event"] == "death"]
    np.testing.assert_array_equal(
        _days(small_sim, deaths, "event_date"),
        np.ceil(deaths["release_id"].map(t["death_day"]).to_numpy()),
    )
    assert set(deaths["source"]) == {"hospital", "civil_registry"}


def test_support_goes_only_to_people_tracked_and_relapse_free(small_sim):
    iv = small_sim.dataset.interventions
    t = small_sim.truth_table.set_index("release_id")
    day = _days(small_sim, iv, "start_date")
    ends = np.minimum.reduce(
        [t[c].to_numpy() for c in ("relapse_day", "death_day", "transfer_day", "lost_day")]
    )
    ends = pd.Series(ends, index=t.index)
    assert np.all(day < iv["release_id"].map(ends).to_numpy())
    assert set(iv["intervention"]) == set(INTERVENTIONS)
    assert not iv.duplicated(["release_id", "intervention"]).any()
    # the data's start days agree with the truth table's
    truth_start = [
        t.loc[r, f"start_{c}"] for r, c in zip(iv["release_id"], iv["intervention"], strict=True)
    ]
    np.testing.assert_array_equal(day, truth_start)
    aid = iv[iv["intervention"] == "financial_aid"]["amount"]
    assert aid.notna().all() and aid.max() <= 60_000
    assert iv.loc[iv["intervention"] == "job_placement", "amount"].isna().all()


def test_support_assignment_is_confounded(default_sim):
    rel = default_sim.dataset.releases.set_index("release_id")
    exposed = rel.index.isin(default_sim.dataset.interventions["release_id"])
    assert (
        rel.loc[exposed, "motivation_score"].mean()
        > rel.loc[~exposed, "motivation_score"].mean() + 0.3
    )
    assert (
        rel.loc[exposed, "employed_before"].mean()
        > rel.loc[~exposed, "employed_before"].mean() + 0.05
    )
    # the same covariates lower the true relapse risk
    risk = default_sim.truth_table.set_index("release_id")["risk_score"]
    assert risk[exposed].mean() < risk[~exposed].mean() - 0.05


# --- knobs -------------------------------------------------------------------------------


def _first_visit_after_relapse(sim):
    v = sim.dataset.visits
    t = sim.truth_table.set_index("release_id")["relapse_day"]
    v = v.assign(day=_days(sim, v, "visit_date"))
    att = v[v["result"].isin(["negative", "positive"]) & (v["day"] >= v["release_id"].map(t))]
    return att.groupby("release_id").head(1)


def test_sensitivity_knob_hides_relapses():
    full = _first_visit_after_relapse(simulate(n=3000, seed=5))
    assert (full["result"] == "positive").all()
    half = _first_visit_after_relapse(
        simulate({"knobs": {"test_sensitivity": 0.5}}, n=3000, seed=5)
    )
    share = (half["result"] == "positive").mean()
    assert share == pytest.approx(0.5, abs=4 * np.sqrt(0.25 / len(half)))


def test_informative_ltfu_knob_makes_relapsed_people_stop_coming():
    def missed_after_relapse(sim):
        v = sim.dataset.visits
        t = sim.truth_table.set_index("release_id")["relapse_day"]
        after = _days(sim, v, "visit_date") > v["release_id"].map(t).to_numpy()
        return (v.loc[after, "result"] == "missed").mean()

    base = missed_after_relapse(simulate(n=3000, seed=5))
    informative = missed_after_relapse(
        simulate({"knobs": {"informative_ltfu_per_year": 3.0}}, n=3000, seed=5)
    )
    assert informative > base + 0.2


# --- configuration and CLI -------------------------------------------------------------------


def test_yaml_defaults_cover_every_intervention_and_prefecture():
    cfg = default_config()
    assert set(cfg["interventions"]) == set(codes.INTERVENTIONS)
    assert set(cfg["prefectures"]) == set(codes.PREFECTURES)
    assert cfg["n"] == 23_000
    spread = [v["log_hr"] for v in cfg["prefectures"].values()]
    assert max(spread) == pytest.approx(0.3) and min(spread) == pytest.approx(-0.3)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"relapse": {"foo": 1}}, r"unknown key 'relapse\.foo' \(valid: .*baseline_breaks_months"),
        (
            {"interventions": {"job_placement": {"hazard_ratio": -1}}},
            r"hazard_ratio = -1 is outside",
        ),
        ({"interventions": {"yoga": {}}}, r"unknown key 'interventions\.yoga'"),
        ({"cutoff": "2016-01-01"}, r"release_start <= release_end <= cutoff"),
        ({"cutoff": "2022-02-30"}, r"cutoff '2022-02-30' is not a date"),
        ({"n": 0}, r"n = 0 must be a whole number >= 1"),
        ({"interventions": {"job_placement": None}}, r"interventions\.job_placement must be a map"),
        ({"interventions": {"financial_aid": {"amount": {"median": 5}}}}, r"exactly median, sigma"),
        ({"relapse": {"baseline_rates_per_month": [0.1]}}, r"lists of the same length"),
        ({"relapse": {"baseline_breaks_months": [1, 2, 3, 4, 5, 6, 7]}}, r"must start at 0"),
        (
            {"visits": {"missed_share": 1.5}},
            r"visits\.missed_share = 1\.5 is outside \[0\.0, 1\.0\]",
        ),
        (
            {"covariates": {"drug_shares": {"heroin": -0.1}}},
            r"drug_shares\.heroin = -0\.1 is outside",
        ),
    ],
)
def test_bad_configs_are_refused_with_our_message(config, message):
    with pytest.raises(ParameterError, match=message):
        simulate(config)


def test_bad_seed_is_refused():
    with pytest.raises(ParameterError, match=r"seed -1 must be a whole number >= 0"):
        simulate(seed=-1, n=10)


def test_amount_and_end_date_can_be_switched_off_or_on():
    cfg = {
        "interventions": {
            "vocational_training": {"amount": None, "end_days": None},
            "job_placement": {
                "amount": {"median": 500, "sigma": 0.0, "max": 400},
                "end_days": [7, 7],
            },
        }
    }
    iv = simulate(cfg, n=2000, seed=4).dataset.interventions
    voc = iv[iv["intervention"] == "vocational_training"]
    assert voc["amount"].isna().all() and voc["end_date"].isna().all()
    job = iv[iv["intervention"] == "job_placement"]
    assert len(job) > 20
    np.testing.assert_array_equal(job["amount"], 400.0)  # the median, capped at max
    weeks = (job["end_date"] - job["start_date"]).dt.days.dropna()
    assert len(weeks) > 0 and (weeks == 7).all()


def test_config_from_yaml_file(tmp_path):
    path = tmp_path / "sim.yaml"
    path.write_text("n: 200\nknobs: {test_sensitivity: 0.9}\n", encoding="utf-8")
    sim = simulate(path, seed=1)
    assert len(sim.dataset.releases) == 200
    assert sim.config["knobs"]["test_sensitivity"] == 0.9
    assert sim.config["visits"]["missed_share"] == default_config()["visits"]["missed_share"]


def test_run_simulate_writes_and_if_missing_skips_only_the_same_simulation(tmp_path, capsys):
    out = tmp_path / "data"

    def run(seed):
        ns = argparse.Namespace(out=str(out), config=None, seed=seed, n=300, if_missing=True,
                                strategies_n=0)  # fmt: skip
        assert run_simulate(ns) == 0
        return capsys.readouterr().out

    assert "300 releases" in run(3)
    before = (out / "releases.csv").read_bytes()
    assert run(3).strip() == f"{out} already holds this simulation; not simulating again."
    assert (out / "releases.csv").read_bytes() == before
    # other settings (or data of an older simulator, without a fingerprint): simulated again
    said = run(4)
    assert said.startswith(f"{out} holds data from an older simulator or other settings;")
    assert json.loads((out / "truth" / "truth.json").read_text())["seed"] == 4
    (out / "truth" / "fingerprint.txt").unlink()
    assert "older simulator" in run(4) and (out / "truth" / "fingerprint.txt").is_file()


def test_repeat_releases_come_a_year_after_the_first():
    rel = simulate(n=3000, seed=2).dataset.releases
    first = rel.groupby("person_id")["release_date"].transform("min")
    gap = (rel["release_date"] - first).dt.days
    repeats = gap > 0
    assert repeats.sum() > 30
    assert gap[repeats].min() >= 365
    assert (rel.groupby("person_id")["birth_year"].nunique() == 1).all()


def test_the_cohort_builder_brackets_the_true_relapse_day(small_sim):
    from workbench.cohort import build_cohort

    cohort = build_cohort(small_sim.dataset).merge(
        small_sim.truth_table[["release_id", "relapse_day"]], on="release_id"
    )
    rel = cohort[cohort["event"] == "relapse"]
    assert len(rel) > 1000
    true, lower, upper = rel["relapse_day"], rel["lower_day"], rel["upper_day"]
    exact = lower == upper
    inside = (true > lower) & (true <= upper)
    same_day = exact & (true > upper - 1) & (true <= upper)  # exact date d: true day in (d-1, d]
    assert (inside | same_day).all()
    assert exact.sum() > 50


def test_written_dataset_loads_back_unchanged(small_sim, tmp_path):
    from workbench.data.io import load_dataset

    ds = load_dataset(write_simulation(small_sim, tmp_path / "sim"))
    assert ds.repairs == ()
    assert ds.cutoff == small_sim.dataset.cutoff
    for table in ("releases", "visits", "interventions", "events"):
        pd.testing.assert_frame_equal(
            getattr(ds, table).reset_index(drop=True),
            getattr(small_sim.dataset, table).reset_index(drop=True),
            check_dtype=False,
            check_like=True,
        )


def test_cli_simulate_and_its_errors(tmp_path, capsys):
    from workbench.cli import main

    out = tmp_path / "cli"
    assert main(["simulate", "--out", str(out), "--n", "250", "--seed", "9",
                 "--strategies-n", "2000"]) == 0  # fmt: skip
    truth = json.loads((out / "truth" / "truth.json").read_text())
    assert truth["n"] == 250 and truth["strategies_monte_carlo"]["n"] == 2000
    strategies = pd.read_csv(out / "truth" / "strategies.csv")
    assert list(strategies.columns) == [
        "intervention", "strategy", "month", "relapse_risk", "death_risk", "rmst_days"
    ]  # fmt: skip
    capsys.readouterr()
    args = ["simulate", "--out", str(out), "--n", "250", "--seed", "9", "--if-missing"]
    assert main(args) == 0
    assert "already holds this simulation" in capsys.readouterr().out
    missing = tmp_path / "nope.yaml"
    assert main(["simulate", "--out", str(tmp_path / "x"), "--config", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("workbench simulate: simulation config ")
    assert "cannot be read" in err and len(err.strip().splitlines()) == 1
    bad = tmp_path / "bad.yaml"
    bad.write_text("knobs: {test_sensitivity: 2}\n", encoding="utf-8")
    assert main(["simulate", "--out", str(tmp_path / "y"), "--config", str(bad)]) == 2
    assert "knobs.test_sensitivity = 2 is outside [0.0, 1.0]" in capsys.readouterr().err
    assert not (tmp_path / "y").exists()
