"""Aalen–Johansen cumulative incidence: against R's multi-state survfit, ties, hand checks."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.exceptions import NotFittedError, ParameterError
from workbench.retention.competing import AalenJohansen, best_available_times
from workbench.retention.km import KaplanMeier, by_group

REF = Path(__file__).parents[1] / "reference"


@pytest.mark.parametrize("name", ["plain", "weighted"])
def test_aalen_johansen_against_R(name):
    data = pd.read_csv(REF / "aalen_johansen_input.csv")
    ref = pd.read_csv(REF / "aalen_johansen_output.csv").query("fit == @name").reset_index()
    w = data["w"] if name == "weighted" else None
    tab = AalenJohansen().fit(data["time"], data["status"], weights=w).table_
    np.testing.assert_allclose(tab["time"], ref["time"], atol=1e-12)
    if name == "plain":  # R reports unweighted counts for weighted multi-state fits
        for ours, theirs in (
            ("n_risk", "n_risk"),
            ("n_relapse", "n_relapse"),
            ("n_death", "n_death"),
        ):
            np.testing.assert_allclose(tab[ours], ref[theirs], atol=1e-12)
    cols = [
        ("event_free", "event_free"),
        ("cif_relapse", "cif_relapse"),
        ("cif_death", "cif_death"),
        ("se_event_free", "se_event_free"),
        ("se_relapse", "se_relapse"),
        ("se_death", "se_death"),
        ("lower_relapse", "lower_relapse"),
        ("upper_relapse", "upper_relapse"),
    ]
    for ours, theirs in cols:
        np.testing.assert_allclose(tab[ours], ref[theirs], rtol=1e-9, atol=1e-12, err_msg=ours)
    # the last time carries 34 relapses, 18 deaths and 67 censorings: the whole tie is used
    assert tab["cif_relapse"].iloc[-1] == pytest.approx(ref["cif_relapse"].iloc[-1], abs=1e-12)


def test_hand_computed_with_ties_at_last_time():
    # 5 people: relapse at 1; death at 2; at 3 a relapse, a death and a censoring tie.
    t = [1, 2, 3, 3, 3]
    s = [1, 2, 1, 2, 0]
    aj = AalenJohansen().fit(t, s)
    tab = aj.table_
    # S(1)=4/5, S(2)=3/5, S(3)=3/5*(1-2/3)=1/5; CIF_rel(3)=1/5 + 3/5*1/3 = 2/5
    np.testing.assert_allclose(tab["event_free"], [0.8, 0.6, 0.2], atol=1e-12)
    np.testing.assert_allclose(tab["cif_relapse"], [0.2, 0.2, 0.4], atol=1e-12)
    np.testing.assert_allclose(tab["cif_death"], [0.0, 0.2, 0.4], atol=1e-12)
    np.testing.assert_allclose(
        tab["event_free"] + tab["cif_relapse"] + tab["cif_death"], 1, atol=1e-12
    )
    res = aj.cif_at([0.5, 2.5, 3, 4])
    np.testing.assert_allclose(res["estimate"][:3], [0, 0.2, 0.4], atol=1e-12)
    assert np.isnan(res["estimate"][3])


def test_without_competing_events_cif_is_one_minus_km():
    rng = np.random.default_rng(11)
    t = rng.integers(1, 30, 200).astype(float)
    e = rng.integers(0, 2, 200)
    aj = AalenJohansen().fit(t, e).table_
    km = KaplanMeier(variance="ij").fit(t, e).table_
    np.testing.assert_allclose(aj["cif_relapse"], 1 - km["survival"], atol=1e-12)
    np.testing.assert_allclose(aj["se_relapse"], km["std_err"], rtol=1e-10)


def test_deterministic_under_row_order():
    rng = np.random.default_rng(5)
    t = rng.choice([182.625, 365.25, 1095.75], 300)
    s = rng.integers(0, 3, 300)
    a = AalenJohansen().fit(t, s).table_
    perm = rng.permutation(300)
    b = AalenJohansen().fit(t[perm], s[perm]).table_
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)


def test_best_available_times_convention():
    cohort = pd.DataFrame(
        {
            "lower_day": [182.6, 0.0, 365.25, 400.0, 500.0],
            "upper_day": [365.25, 10.0, np.nan, np.nan, 500.0],
            "event": ["relapse", "relapse", "death", "censored", "relapse"],
            "death_day": [np.nan, np.nan, 420.0, np.nan, np.nan],
        }
    )
    out = best_available_times(cohort)
    np.testing.assert_allclose(out["time"], [365.25, 10.0, 420.0, 400.0, 500.0])
    assert list(out["status"]) == [1, 1, 2, 0, 1]
    with pytest.raises(ParameterError, match="lacks column"):
        best_available_times(cohort.drop(columns="death_day"))
    with pytest.raises(ParameterError, match="cohort event 'x' is not one of"):
        best_available_times(cohort.assign(event="x"))


def test_errors():
    with pytest.raises(ParameterError, match="event 3 is not one of 0, 1, 2"):
        AalenJohansen().fit([1, 2], [3, 0])
    with pytest.raises(NotFittedError, match="not fitted yet"):
        AalenJohansen().cif_at(1)
    with pytest.raises(ParameterError, match="cause 'x' is not one of relapse, death"):
        AalenJohansen().fit([1, 2], [1, 2]).cif_at(1, cause="x")


def test_ij_ci_coverage_on_known_competing_exponentials():
    # relapse rate a, death rate b: CIF_relapse(t) = a/(a+b) * (1 - exp(-(a+b) t))
    rng = np.random.default_rng(20170102)
    a, b, t0 = 1 / 500, 1 / 2000, 365.25
    truth = a / (a + b) * (1 - np.exp(-(a + b) * t0))
    reps, hits = 300, 0
    for _ in range(reps):
        t = rng.exponential(1 / (a + b), 200)
        cause = np.where(rng.random(200) < a / (a + b), 1, 2)
        c = rng.uniform(100, 1200, 200)
        status = np.where(t <= c, cause, 0)
        res = AalenJohansen().fit(np.minimum(t, c), status).cif_at(t0)
        hits += bool(res["lower"].iloc[0] <= truth <= res["upper"].iloc[0])
    # binomial sd of the coverage over 300 replicates is ~0.013; allow about 3 sd
    assert 0.91 <= hits / reps <= 0.99


def test_ij_variance_equals_numerical_jackknife():
    # Oracle independent of the closed form: differentiate the estimates numerically in each
    # row's weight; variance = sum_i (w_i * d estimate / d w_i)^2. Ties throughout, and at the
    # last time everyone at risk has an event (hazard 1).
    rng = np.random.default_rng(9)
    t = np.r_[rng.integers(1, 8, 40), [9, 9, 9]].astype(float)
    s = np.r_[rng.integers(0, 3, 40), [1, 2, 1]]
    w = rng.uniform(0.5, 2.0, t.size)
    base = AalenJohansen().fit(t, s, weights=w).table_
    cols = ["event_free", "cif_relapse", "cif_death"]
    eps = 1e-6
    grads = []
    for i in range(t.size):
        w2 = w.copy()
        w2[i] += eps
        grads.append((AalenJohansen().fit(t, s, weights=w2).table_[cols] - base[cols]) / eps)
    var = sum((w[i] * g) ** 2 for i, g in enumerate(grads))
    se = np.sqrt(var)
    np.testing.assert_allclose(base["se_event_free"], se["event_free"], rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(base["se_relapse"], se["cif_relapse"], rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(base["se_death"], se["cif_death"], rtol=1e-4, atol=1e-7)
    assert base["event_free"].iloc[-1] == 0


def test_large_continuous_times_are_fast_enough_to_fit():
    rng = np.random.default_rng(4)
    t = rng.exponential(400, 50_000)
    s = rng.integers(0, 3, 50_000)
    tab = AalenJohansen().fit(t, s, weights=rng.uniform(0.5, 2, 50_000)).table_
    assert len(tab) == 50_000
    assert np.all(np.diff(tab["cif_relapse"]) >= -1e-15)


def test_on_simulated_cohort_naive_km_overstates_relapse_incidence():
    from workbench.cohort import build_cohort
    from workbench.simulate import NO_FEEDBACK, simulate

    cohort = build_cohort(simulate(NO_FEEDBACK, seed=20170101, n=3000).dataset)
    bt = best_available_times(cohort)
    assert set(bt["status"]) == {0, 1, 2}
    aj = AalenJohansen().fit(bt["time"], bt["status"])
    km = KaplanMeier().fit(bt["time"], (bt["status"] == 1).astype(int))  # deaths as censored
    days = np.array([365.25, 730.5, 1095.75])
    cif = aj.cif_at(days)["estimate"].to_numpy()
    naive = 1 - km.survival_at(days)["survival"].to_numpy()
    # 1 - KM treats the dead as if they could still relapse: it is never below the CIF
    assert np.all(naive >= cif - 1e-12)
    assert naive[-1] - cif[-1] > 1e-3
    tab = aj.table_
    np.testing.assert_allclose(
        tab["event_free"] + tab["cif_relapse"] + tab["cif_death"], 1, atol=1e-12
    )


def test_by_group_works_for_aalen_johansen():
    frame = pd.DataFrame(
        {"time": [1, 2, 3, 1, 2, 3], "status": [1, 2, 0, 1, 1, 0], "g": list("aaabbb")}
    )
    fits = by_group(AalenJohansen, frame, "g", event="status")
    np.testing.assert_allclose(fits["a"].table_["cif_relapse"], [1 / 3, 1 / 3, 1 / 3], atol=1e-12)
    np.testing.assert_allclose(fits["b"].table_["cif_relapse"], [1 / 3, 2 / 3, 2 / 3], atol=1e-12)
    assert fits["b"].label_ == "b"
