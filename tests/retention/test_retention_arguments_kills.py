"""Arguments passed down (issue #24, session 7, helper mut4; written blind to seed 29): every
retention estimator's case weights act as repeated rows, and a bootstrap seed reproduces its CI
while another seed changes it."""

import numpy as np
import pandas as pd
import pytest

from workbench.retention.competing import AalenJohansen
from workbench.retention.competing_ic import CompetingRisksNPMLE
from workbench.retention.km import KaplanMeier
from workbench.retention.turnbull import TurnbullFitter

TIMES = np.array([100.0, 200.0, 365.0, 500.0, 730.0])


def _exact(n=60, seed=3):
    rng = np.random.default_rng(seed)
    t = np.round(rng.exponential(400.0, n))
    e = rng.integers(0, 3, n)  # 0 censored, 1 relapse, 2 death
    k = rng.integers(1, 4, n)
    return t + 1.0, e, k


def _intervals(n=80, seed=5):
    rng = np.random.default_rng(seed)
    t = rng.exponential(500.0, n)
    visits = 182.625 * np.arange(1, 7)
    j = (visits[None, :] < t[:, None]).sum(axis=1)
    upper = np.where(j < visits.size, visits[np.minimum(j, 5)], np.nan)
    lower = np.where(j > 0, visits[np.maximum(j - 1, 0)], 0.0)
    return lower, upper, rng.integers(1, 4, n)


def test_kaplan_meier_weights_are_repeated_rows():
    t, e, k = _exact()
    d = (e == 1).astype(int)
    w = KaplanMeier().fit(t, d, weights=k.astype(float)).survival_at(TIMES)
    r = KaplanMeier().fit(np.repeat(t, k), np.repeat(d, k)).survival_at(TIMES)
    u = KaplanMeier().fit(t, d).survival_at(TIMES)
    # the same product-limit arithmetic on the same risk sets: float rounding only
    np.testing.assert_allclose(w["survival"], r["survival"], rtol=1e-12)
    np.testing.assert_allclose(w["n_risk"], r["n_risk"], rtol=1e-12)
    assert np.max(np.abs(w["survival"] - u["survival"])) > 1e-3


def test_aalen_johansen_weights_are_repeated_rows():
    t, e, k = _exact()
    w = AalenJohansen().fit(t, e, weights=k.astype(float))
    r = AalenJohansen().fit(np.repeat(t, k), np.repeat(e, k))
    u = AalenJohansen().fit(t, e)
    for cause in ("relapse", "death"):
        a, b = w.cif_at(TIMES, cause)["estimate"], r.cif_at(TIMES, cause)["estimate"]
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)  # same arithmetic
    diff = w.cif_at(TIMES)["estimate"] - u.cif_at(TIMES)["estimate"]
    assert np.max(np.abs(diff)) > 1e-3


def test_turnbull_weights_are_repeated_rows():
    lo, up, k = _intervals()
    w = TurnbullFitter(n_bootstrap=0).fit(lo, up, weights=k.astype(float))
    r = TurnbullFitter(n_bootstrap=0).fit(np.repeat(lo, k), np.repeat(up, k))
    u = TurnbullFitter(n_bootstrap=0).fit(lo, up)
    # the same likelihood; both EM runs stop at tol 1e-10 on the masses
    np.testing.assert_allclose(w.survival_at(TIMES), r.survival_at(TIMES), atol=1e-7)
    assert w.weighted_ and not r.weighted_
    assert np.max(np.abs(w.survival_at(TIMES) - u.survival_at(TIMES))) > 1e-3


def test_competing_npmle_weights_are_repeated_rows():
    lo, up, k = _intervals()
    rng = np.random.default_rng(9)
    death = np.where(np.isnan(up) & (rng.random(lo.size) < 0.5), lo + 30.0, np.nan)
    w = CompetingRisksNPMLE(n_bootstrap=0).fit(lo, up, death, weights=k.astype(float))
    r = CompetingRisksNPMLE(n_bootstrap=0).fit(
        np.repeat(lo, k), np.repeat(up, k), np.repeat(death, k)
    )
    u = CompetingRisksNPMLE(n_bootstrap=0).fit(lo, up, death)
    for cause in ("relapse", "death"):
        a, b = w.cif_at(TIMES, cause)["estimate"], r.cif_at(TIMES, cause)["estimate"]
        np.testing.assert_allclose(a, b, atol=1e-7)  # same likelihood, EM tol 1e-10
    diff = w.cif_at(TIMES)["estimate"] - u.cif_at(TIMES)["estimate"]
    assert np.nanmax(np.abs(diff)) > 1e-3


def test_turnbull_seed_reproduces_and_another_seed_differs():
    lo, up, _ = _intervals()

    def band(seed):
        fit = TurnbullFitter(n_bootstrap=30, seed=seed).fit(lo, up)
        return fit.confidence_band(TIMES)[["lower", "upper"]].to_numpy()

    np.testing.assert_array_equal(band(1), band(1))
    assert np.max(np.abs(band(1) - band(2))) > 1e-4  # 30 other resamples move the band


def test_competing_npmle_seed_reproduces_and_another_seed_differs():
    lo, up, _ = _intervals()
    rng = np.random.default_rng(9)
    death = np.where(np.isnan(up) & (rng.random(lo.size) < 0.5), lo + 30.0, np.nan)

    def ci(seed):
        fit = CompetingRisksNPMLE(n_bootstrap=20, seed=seed).fit(lo, up, death)
        return fit.cif_at(TIMES)[["se", "lower", "upper"]].to_numpy()

    np.testing.assert_array_equal(ci(1), ci(1))
    assert np.nanmax(np.abs(ci(1) - ci(2))) > 1e-4


@pytest.mark.parametrize("module", ["turnbull", "competing_ic"])
def test_n_jobs_and_scheduler_reach_the_replicates_and_do_not_change_them(module, monkeypatch):
    """A stand-in for `run_replicates` records where the replicates were sent and runs them
    here; the CI equals the one computed sequentially (each replicate has its own seed)."""
    import importlib

    mod = importlib.import_module(f"workbench.retention.{module}")
    real, calls = mod.run_replicates, []

    def stand_in(fn, seeds, n_jobs=1, scheduler=None, *args, **kwargs):
        calls.append((n_jobs, scheduler))
        return real(fn, seeds, 1, None, *args, **kwargs)

    lo, up, _ = _intervals()

    def ci(**where):
        if module == "turnbull":
            fit = TurnbullFitter(n_bootstrap=8, seed=3, **where).fit(lo, up)
            return fit.confidence_band(TIMES)[["lower", "upper"]].to_numpy()
        fit = CompetingRisksNPMLE(n_bootstrap=8, seed=3, **where).fit(lo, up)
        return fit.cif_at(TIMES)[["lower", "upper"]].to_numpy()

    sequential = ci()
    monkeypatch.setattr(mod, "run_replicates", stand_in)
    elsewhere = ci(n_jobs=3, scheduler="tcp://cluster:8786")
    assert calls == [(3, "tcp://cluster:8786")]
    np.testing.assert_array_equal(elsewhere, sequential)


def _frame(lower, upper):
    relapse = np.isfinite(upper)
    return pd.DataFrame(
        {
            "lower_day": lower,
            "upper_day": upper,
            "event": np.where(relapse, "relapse", "censored"),
        }
    )


def test_fit_retention_passes_weights_seed_and_where_to_the_npmle(monkeypatch):
    """`fit_retention` on visit intervals: its weights act as repeated rows, its seed makes the
    band, and n_jobs/scheduler reach the replicates (a stand-in records them)."""
    from workbench.retention import turnbull
    from workbench.retention.table import fit_retention

    lo, up, k = _intervals()
    frame = _frame(lo, up)
    weighted = fit_retention(frame, weights=k.astype(float), n_bootstrap=0)
    repeated = fit_retention(frame.loc[frame.index.repeat(k)], n_bootstrap=0)
    assert isinstance(weighted, TurnbullFitter)
    np.testing.assert_allclose(
        weighted.survival_at(TIMES), repeated.survival_at(TIMES), atol=1e-7
    )  # same likelihood; EM tol 1e-10
    real, calls = turnbull.run_replicates, []

    def stand_in(fn, seeds, n_jobs=1, scheduler=None, *args, **kwargs):
        calls.append((n_jobs, scheduler))
        return real(fn, seeds, 1, None, *args, **kwargs)

    def band(seed, **where):
        fit = fit_retention(frame, n_bootstrap=8, seed=seed, **where)
        return fit.confidence_band(TIMES)[["lower", "upper"]].to_numpy()

    here = band(3)
    monkeypatch.setattr(turnbull, "run_replicates", stand_in)
    np.testing.assert_array_equal(band(3, n_jobs=2, scheduler="tcp://c:1"), here)
    assert calls == [(2, "tcp://c:1")]
    assert np.max(np.abs(band(4) - here)) > 1e-4


def test_fit_retention_weights_reach_kaplan_meier_on_exact_days():
    from workbench.retention.table import fit_retention

    t, e, k = _exact()
    upper = np.where(e == 1, t, np.nan)
    frame = _frame(t, upper)
    weighted = fit_retention(frame, weights=k.astype(float))
    repeated = fit_retention(frame.loc[frame.index.repeat(k)])
    assert isinstance(weighted, KaplanMeier)
    np.testing.assert_allclose(
        weighted.survival_at(TIMES)["survival"], repeated.survival_at(TIMES)["survival"],
        rtol=1e-12,
    )  # fmt: skip
    plain = fit_retention(frame).survival_at(TIMES)["survival"]
    assert np.max(np.abs(weighted.survival_at(TIMES)["survival"] - plain)) > 1e-3


def test_by_group_gives_each_group_its_own_weights():
    from workbench.retention.km import by_group

    t, e, k = _exact()
    frame = pd.DataFrame({"time": t, "event": (e == 1).astype(int), "w": k, "g": t % 2})
    fits = by_group(KaplanMeier, frame, "g", weights="w")
    for key, g in frame.groupby("g"):
        alone = KaplanMeier().fit(np.repeat(g["time"], g["w"]), np.repeat(g["event"], g["w"]))
        np.testing.assert_allclose(
            fits[str(key)].survival_at(TIMES)["survival"], alone.survival_at(TIMES)["survival"],
            rtol=1e-12,
        )  # fmt: skip
