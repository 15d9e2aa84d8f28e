"""Competing-risks NPMLE for interval-censored relapse with exact death: against R (exact data),
the Turnbull NPMLE (no deaths), the Kuhn-Tucker conditions and the simulator's truth."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.data.codes import DAYS_PER_MONTH
from workbench.exceptions import DataError, NotFittedError, ParameterError
from workbench.retention.competing import AalenJohansen
from workbench.retention.competing_ic import (
    METHOD,
    CompetingRisksNPMLE,
    competing_intervals,
    fit_cohort,
)
from workbench.retention.turnbull import TurnbullFitter

REF = Path(__file__).parents[1] / "reference"


def _exact(data: pd.DataFrame):
    t, s = data["time"].to_numpy(float), data["status"].to_numpy(int)
    return t, np.where(s == 1, t, np.nan), np.where(s == 2, t, np.nan)


@pytest.mark.parametrize("name", ["plain", "weighted"])
def test_exact_relapse_dates_give_aalen_johansen_equal_to_R(name):
    data = pd.read_csv(REF / "aalen_johansen_input.csv")
    ref = pd.read_csv(REF / "aalen_johansen_output.csv").query("fit == @name")
    w = data["w"].to_numpy() if name == "weighted" else None
    fit = CompetingRisksNPMLE(n_bootstrap=0).fit(*_exact(data), weights=w)
    assert fit.kt_violation_ <= 1e-8
    for cause in ("relapse", "death"):
        est = fit.cif_at(ref["time"], cause)["estimate"]
        np.testing.assert_allclose(est, ref[f"cif_{cause}"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(
        fit.event_free_at(ref["time"]), ref["event_free"], rtol=1e-9, atol=1e-12
    )
    # and equal to our Aalen-Johansen between the event times too
    aj = AalenJohansen().fit(data["time"], data["status"], weights=w)
    grid = np.linspace(0, 1100, 57)
    np.testing.assert_allclose(
        fit.cif_at(grid)["estimate"], aj.cif_at(grid)["estimate"], atol=1e-12
    )


def test_without_deaths_relapse_incidence_is_one_minus_turnbull():
    data = pd.read_csv(REF / "turnbull_grid.csv")
    lo, up = data.iloc[:, 0].to_numpy(float), data.iloc[:, 1].to_numpy(float)
    fit = CompetingRisksNPMLE(n_bootstrap=0).fit(lo, up)
    tb = TurnbullFitter(n_bootstrap=0).fit(lo, up)
    grid = np.linspace(0, np.nanmax(up[np.isfinite(up)]), 97)
    np.testing.assert_allclose(fit.cif_at(grid)["estimate"], 1 - tb.survival_at(grid), atol=1e-7)
    assert fit.loglik_ == pytest.approx(tb.loglik_, abs=1e-8)
    np.testing.assert_allclose(fit.cif_at(grid, "death")["estimate"], 0.0, atol=0)


def test_hand_example_interval_relapse_and_exact_deaths():
    # Relapses in (0, 2] and (1, 3]; a death at day 1.5; one relapse-free to day 4 (censored).
    # Relapse cells: (1, 2] (the two intervals' overlap) and (4, inf); death cells {1.5},
    # (4, inf). The NPMLE: 2/4 relapse on (1, 2], 1/4 death at 1.5, 1/4 event-free after 4.
    fit = CompetingRisksNPMLE(n_bootstrap=0).fit(
        [0, 1, 1, 4], [2, 3, np.nan, np.nan], [np.nan, np.nan, 1.5, np.nan]
    )
    np.testing.assert_allclose(fit.cif_at([1, 1.01, 4])["estimate"], [0, 0.5, 0.5], atol=1e-9)
    np.testing.assert_allclose(
        fit.cif_at([1.49, 1.5, 4], "death")["estimate"], [0, 0.25, 0.25], atol=1e-9
    )
    assert fit.loglik_ == pytest.approx(2 * np.log(0.5 / 2 * 2) + 2 * np.log(0.25), abs=1e-9)
    assert np.isnan(fit.cif_at(5)["estimate"].iloc[0])  # after the last day observed


def test_alive_after_lower_moves_death_censoring_only():
    # One release relapse-free to day 2, another dead on day 5. Alone, the first could also have
    # died on day 5 (as Kaplan-Meier: death incidence 1 at day 5). Known alive to day 10 (a
    # transfer), it cannot: death incidence 1/2 at day 5, its mass after day 10.
    base = CompetingRisksNPMLE(n_bootstrap=0).fit([2, 5], [np.nan, np.nan], [np.nan, 5])
    later = CompetingRisksNPMLE(n_bootstrap=0).fit(
        [2, 5], [np.nan, np.nan], [np.nan, 5], alive=[10, 5]
    )
    assert base.cif_at(5, "death")["estimate"].iloc[0] == pytest.approx(1.0)
    assert later.cif_at(5, "death")["estimate"].iloc[0] == pytest.approx(0.5)
    assert later.cif_at(5, "relapse")["estimate"].iloc[0] == pytest.approx(0.0)
    assert later.max_time_ == 10


def test_bootstrap_is_seeded_and_close_to_the_IJ_standard_error():
    data = pd.read_csv(REF / "aalen_johansen_input.csv")
    a = CompetingRisksNPMLE(n_bootstrap=60, seed=3).fit(*_exact(data))
    b = CompetingRisksNPMLE(n_bootstrap=60, seed=3).fit(*_exact(data))
    t = [365.25, 730.5]
    pd.testing.assert_frame_equal(a.cif_at(t), b.cif_at(t))
    res = a.cif_at(t)
    assert np.all(res["lower"] < res["estimate"]) and np.all(res["estimate"] < res["upper"])
    se_ij = AalenJohansen().fit(data["time"], data["status"]).cif_at(t)["se"]
    np.testing.assert_allclose(res["se"], se_ij, rtol=0.3)  # 60 replicates: sd of se ~ 9 %


def test_kuhn_tucker_holds_on_simulated_cohort_and_competing_word():
    from workbench.cohort import build_cohort
    from workbench.simulate import NO_FEEDBACK, simulate

    cohort = build_cohort(simulate(NO_FEEDBACK, seed=7, n=1500).dataset)
    fit = fit_cohort(cohort, n_bootstrap=0)
    assert fit.kt_violation_ <= 1e-8
    assert fit.n_relapses_ == int((cohort["event"] == "relapse").sum())
    months = fit.milestones([12, 24, 36])
    assert list(months["method"].unique()) == [METHOD]
    assert np.all(np.diff(months["estimate"]) >= 0)
    spec_like = cohort.assign(event=cohort["event"].replace({"death": "competing"}))
    again = fit_cohort(spec_like, n_bootstrap=0)
    np.testing.assert_allclose(
        again.cif_at([365.25], "death")["estimate"], fit.cif_at([365.25], "death")["estimate"]
    )


def test_errors():
    with pytest.raises(DataError, match="row 1: upper is before lower"):
        CompetingRisksNPMLE().fit([0, 5], [3, 4])
    with pytest.raises(DataError, match="row 0: the death day is before lower"):
        CompetingRisksNPMLE().fit([5], [np.nan], [3])
    with pytest.raises(NotFittedError, match="not fitted yet"):
        CompetingRisksNPMLE().cif_at(1)
    with pytest.raises(ParameterError, match="cause 'x' is not one of relapse, death"):
        CompetingRisksNPMLE(n_bootstrap=0).fit([0, 1], [2, np.nan]).cif_at(1, "x")
    with pytest.raises(ParameterError, match="lacks column"):
        competing_intervals(pd.DataFrame({"lower_day": [1.0]}))


# --------------------------------------------------------------------- against the truth
MONTHS = np.array([12.0, 24.0, 36.0])


def _replicate(seed: int, n: int):
    from workbench.cohort import build_cohort
    from workbench.retention.competing import best_available_times
    from workbench.simulate import NO_FEEDBACK, simulate

    sim = simulate(NO_FEEDBACK, seed=seed, n=n)
    cohort = build_cohort(sim.dataset)
    days = MONTHS * DAYS_PER_MONTH
    table = sim.truth_table.set_index("release_id").loc[cohort["release_id"]]
    r, d = table["relapse_day"].to_numpy(), table["death_day"].to_numpy()
    truth = np.array([np.mean((r <= t) & (r < d)) for t in days])
    # what the data identify: a relapse unseen between the last negative visit and a recorded
    # death is recorded as a death (0.2 % of releases; bench/README.md)
    seen = ~cohort["event"].eq("death").to_numpy()
    identified = np.array([np.mean((r <= t) & (r < d) & seen) for t in days])
    npmle = fit_cohort(cohort, n_bootstrap=0).cif_at(days)["estimate"].to_numpy()
    bt = best_available_times(cohort)
    aj = AalenJohansen().fit(bt["time"], bt["status"]).cif_at(days)["estimate"].to_numpy()
    return truth, identified, npmle, aj


def test_npmle_is_unbiased_and_visit_dated_aalen_johansen_is_not():
    # 12 seeded cohorts of 3,000 releases (bench/ic_truth.py cif runs 200; bench/README.md).
    # Errors are paired with each cohort's own true incidence (true relapse and death days).
    rows = [_replicate(seed, 3000) for seed in range(9100, 9112)]
    truth, identified, npmle, aj = (np.array(x) for x in zip(*rows, strict=True))

    def bias(est, target):
        err = est - target
        return err.mean(axis=0), err.std(axis=0, ddof=1) / np.sqrt(len(rows))

    b, mc = bias(npmle, identified)  # unbiased within Monte-Carlo error (3 MC SE)
    assert np.all(np.abs(b) <= 3 * mc), (b, mc)
    b, mc = bias(npmle, truth)  # the unseen relapses before death: about -0.002
    assert np.all(np.abs(b) < 0.006), b
    # relapse dated at the visit that saw it: incidence too low at 12 and 24 months
    b, mc = bias(aj, truth)
    assert b[0] < -0.03 and b[0] < -5 * mc[0], (b, mc)
    assert b[1] < -3 * mc[1], (b, mc)


def test_not_converged_caveat_and_method_label_are_catalog_data():
    from workbench.exceptions import StatisticalWarning
    from workbench.i18n import Text, join
    from workbench.retention.competing_ic import METHOD, METHOD_TEXT

    rng = np.random.default_rng(7)
    lower = np.floor(rng.uniform(0, 300, 400))
    upper = np.where(rng.random(400) < 0.5, lower + 90, np.nan)
    death = np.where(np.isnan(upper) & (rng.random(400) < 0.3), lower + 10, np.nan)
    with pytest.warns(StatisticalWarning, match="competing-risks NPMLE stopped") as rec:
        CompetingRisksNPMLE(n_bootstrap=0, max_iter=5, tol=1e-2).fit(lower, upper, death)
    caveat = rec[0].message
    assert caveat.code == "competing_npmle_not_converged"
    assert set(caveat.fields) == {"n_iter", "kt"}
    assert "competing-risks NPMLE" in Text(f"caveat_{caveat.code}", caveat.fields).render("en")
    assert join(METHOD_TEXT, "en") == METHOD == CompetingRisksNPMLE.method
    assert join(METHOD_TEXT, "zh") == "竞争风险非参数最大似然估计（复吸区间删失，死亡日期确切）"
