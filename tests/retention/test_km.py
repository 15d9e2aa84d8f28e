"""Kaplan–Meier, milestones, median and RMST: against R survfit and hand-checkable fixtures."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.data.codes import DAYS_PER_MONTH
from workbench.exceptions import NotFittedError, ParameterError
from workbench.retention.km import KaplanMeier, by_group, first_below_half

REF = Path(__file__).parents[1] / "reference"


@pytest.fixture(scope="module")
def ref_input():
    return pd.read_csv(REF / "km_input.csv")


def _fits(data):
    walt = pd.read_csv(REF / "km_waltons_input.csv")
    return {
        ("plain", "all"): KaplanMeier().fit(data.time, data.status),
        ("weighted", "all"): KaplanMeier().fit(data.time, data.status, weights=data.w),
        ("intweights", "all"): KaplanMeier().fit(data.time, data.status, weights=data.wi),
        **{
            ("bygroup", k): f for k, f in by_group(KaplanMeier, data, "g", "time", "status").items()
        },
        **{
            ("waltons", k): f
            for k, f in KaplanMeier.stratified(walt, "group", time="T", event="E").items()
        },
    }


def test_km_curves_against_R(ref_input):
    ref = pd.read_csv(REF / "km_curves.csv")
    fits = _fits(ref_input)
    assert {(f, g) for f, g in ref[["fit", "group"]].itertuples(index=False)} == set(fits)
    for (name, group), fit in fits.items():
        r = ref[(ref.fit == name) & (ref.group == group)].reset_index(drop=True)
        ours = fit.table_
        np.testing.assert_allclose(ours["time"], r["time"], rtol=0, atol=1e-12)
        for col in ("n_risk", "n_event", "n_censor"):
            np.testing.assert_allclose(ours[col], r[col], rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(ours["survival"], r["surv"], rtol=0, atol=1e-10)
        # R's survfit std.err is the standard error of log S (NaN/Inf where S = 0)
        # R's survfit std.err is the standard error of log S under Greenwood, but of S itself
        # under the robust (IJ) variance it uses for non-integer weights.
        se = ours["std_err"] if name == "weighted" else ours["se_log"]
        ok = r["surv"] > 0
        np.testing.assert_allclose(se[ok], r["std_err"][ok], rtol=1e-8, atol=1e-12)
        ok = r["lower"].notna()
        np.testing.assert_allclose(ours["lower"][ok], r["lower"][ok], rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(ours["upper"][ok], r["upper"][ok], rtol=1e-8, atol=1e-12)
        assert ours["lower"][~ok].isna().all()


def test_km_median_rmst_against_R(ref_input):
    ref = pd.read_csv(REF / "km_table.csv")
    fits = _fits(ref_input)
    for row in ref.itertuples(index=False):
        fit = fits[(row.fit, row.group)]
        assert fit.median_ == pytest.approx(row.median, abs=1e-12)
        np.testing.assert_allclose(fit.median_ci_, (row.median_lower, row.median_upper), atol=1e-12)
        r = fit.rmst(row.tau)
        assert r.estimate == pytest.approx(row.rmean, rel=1e-10)
        assert r.se == pytest.approx(row.se_rmean, rel=1e-8)
        assert r.lower == pytest.approx(row.rmean - 1.959963984540054 * row.se_rmean, rel=1e-8)


def test_km_hand_computed():
    # times 1,2,2,3,4 ; events 1,1,0,1,0  ->  S(1)=4/5, S(2)=4/5*3/4=0.6, S(3)=0.6*1/2=0.3
    km = KaplanMeier().fit([1, 2, 2, 3, 4], [1, 1, 0, 1, 0])
    res = km.survival_at([0, 1, 1.5, 2, 3, 4, 5])
    np.testing.assert_allclose(res["survival"][:6], [1, 0.8, 0.8, 0.6, 0.3, 0.3], atol=1e-12)
    assert np.isnan(res["survival"][6])  # beyond the last observed time
    np.testing.assert_allclose(res["n_risk"], [5, 5, 4, 4, 2, 1, 0], atol=0)
    # Greenwood: var log S(2) = 1/(5*4) + 1/(4*3)
    se = km.table_.set_index("time").loc[2, "se_log"]
    assert se == pytest.approx(np.sqrt(1 / 20 + 1 / 12), rel=1e-12)
    # RMST to 3.5: 1*1 + 1*0.8 + 1*0.6 + 0.5*0.3
    r = km.rmst(3.5)
    assert r.estimate == pytest.approx(2.55, rel=1e-12)
    assert r.ci == (r.lower, r.upper)
    assert r.summary()["estimate"].iloc[0] == pytest.approx(2.55, rel=1e-12)
    assert km.rmst(10).notes[0].startswith("tau 10 is beyond the last observed time 4")
    assert km.median_ == pytest.approx(3.0)


def test_median_exactly_half_takes_midpoint():
    assert first_below_half([0.9, 0.5, 0.5, 0.2], [1, 2, 3, 5]) == pytest.approx(3.5)
    assert np.isnan(first_below_half([0.9, 0.7], [1, 2]))


def test_integer_weights_equal_replicated_rows():
    rng = np.random.default_rng(3)
    t = rng.integers(1, 10, 40).astype(float)
    e = rng.integers(0, 2, 40)
    w = rng.integers(1, 4, 40)
    a = KaplanMeier().fit(t, e, weights=w).table_
    b = KaplanMeier().fit(np.repeat(t, w), np.repeat(e, w)).table_
    np.testing.assert_allclose(
        a[["survival", "se_log", "lower"]], b[["survival", "se_log", "lower"]], atol=1e-12
    )


def test_milestones_in_months():
    days = np.array([100.0, 200.0, 400.0, 800.0, 1095.75])
    km = KaplanMeier().fit(days, [1, 0, 1, 1, 0], label="x")
    m = km.milestones([12, 24, 36])
    np.testing.assert_allclose(m["day"], np.array([12, 24, 36]) * DAYS_PER_MONTH)
    np.testing.assert_allclose(m["estimate"], [0.8, 0.8 * 2 / 3, 0.8 * 2 / 3 * 0.5], atol=1e-12)
    assert list(m["group"]) == ["x"] * 3
    curve = km.curve()
    assert curve["time"].iloc[0] == 0 and curve["estimate"].iloc[0] == 1


def test_km_errors():
    with pytest.raises(ParameterError, match="time -1.0 is not a finite number >= 0"):
        KaplanMeier().fit([-1, 2], [1, 0])
    with pytest.raises(ParameterError, match="event 2 is not one of 0, 1"):
        KaplanMeier().fit([1, 2], [2, 0])
    with pytest.raises(ParameterError, match="weights must be finite and > 0"):
        KaplanMeier().fit([1, 2], [1, 0], weights=[0, 1])
    with pytest.raises(ParameterError, match="variance 'x' is not one of auto, greenwood, ij"):
        KaplanMeier(variance="x").fit([1, 2], [1, 0])
    with pytest.raises(NotFittedError, match="not fitted yet"):
        KaplanMeier().rmst(10)
    with pytest.raises(ParameterError, match="column 'nope' is not in the table"):
        by_group(KaplanMeier, pd.DataFrame({"time": [1], "event": [1]}), "nope")
    with pytest.raises(ParameterError, match="time and event must be 1-d and of the same length"):
        KaplanMeier().fit([1, 2, 3], [1, 0])
    with pytest.raises(ParameterError, match="entry must have the same length as time"):
        KaplanMeier().fit([1, 2], [1, 0], entry=[0.0])


def test_ci_coverage_on_known_exponential_truth():
    # 400 replicates of n=150 exponential relapse times (rate 1/400 per day) with uniform censoring:
    # the log-log CI for S(365.25) and the RMST CI to 730.5 days should cover the truth ~95%.
    rng = np.random.default_rng(20170101)
    rate, t0, tau = 1 / 400, 365.25, 730.5
    s_true = np.exp(-rate * t0)
    rmst_true = (1 - np.exp(-rate * tau)) / rate
    hit_s = hit_r = 0
    reps = 400
    for _ in range(reps):
        t = rng.exponential(1 / rate, 150)
        c = rng.uniform(200, 1500, 150)
        km = KaplanMeier().fit(np.minimum(t, c), (t <= c).astype(int))
        s = km.survival_at(t0)
        hit_s += bool(s["lower"].iloc[0] <= s_true <= s["upper"].iloc[0])
        r = km.rmst(tau)
        hit_r += bool(r.lower <= rmst_true <= r.upper)
    # binomial sd of the coverage over 400 replicates is ~0.011; allow about 3 sd
    assert 0.915 <= hit_s / reps <= 0.985
    assert 0.915 <= hit_r / reps <= 0.985
