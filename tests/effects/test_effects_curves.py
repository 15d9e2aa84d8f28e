"""Weighted, left-truncated NPMLE of retention curves (workbench.stats.npmle.fit_truncated)."""

import numpy as np
import pytest
from scipy import optimize

from workbench.exceptions import DataError
from workbench.retention.turnbull import TurnbullFitter
from workbench.stats.npmle import fit_truncated, survival_at


def _visit_data(rng, n, entry_after=None):
    """Relapse seen at 6-monthly visits (jittered); optional entry = first visit >= day."""
    t = rng.exponential(400, n)
    v = np.cumsum(rng.integers(160, 205, (n, 6)), axis=1).astype(float)
    lower = np.where(v < t[:, None], v, 0.0).max(axis=1)
    upper = np.where(v >= t[:, None], v, np.inf).min(axis=1)
    if entry_after is None:
        return np.zeros(n), lower, upper
    entry = np.where(v >= entry_after, v, np.inf).min(axis=1)
    keep = entry <= lower
    return entry[keep], lower[keep], upper[keep]


def test_untruncated_equals_turnbull_with_weights():
    rng = np.random.default_rng(11)
    e, lower, upper = _visit_data(rng, 1500)
    w = rng.uniform(0.2, 3.0, lower.size)
    grid = np.arange(0.0, 1300.0)
    fit = fit_truncated(e, lower, upper, w)
    ref = TurnbullFitter(n_bootstrap=0).fit(lower, upper, weights=w)
    np.testing.assert_allclose(survival_at(fit, grid), ref.survival_at(grid), atol=1e-6)
    np.testing.assert_allclose(fit["loglik"], ref.loglik_, rtol=1e-10)
    assert fit["violation"] <= 1e-9


def test_integer_weights_equal_replicated_rows():
    rng = np.random.default_rng(12)
    e, lower, upper = _visit_data(rng, 800, entry_after=180.0)
    k = rng.integers(1, 4, lower.size)
    grid = np.arange(0.0, 1300.0)
    weighted = survival_at(fit_truncated(e, lower, upper, k.astype(float)), grid)
    rows = np.repeat(np.arange(lower.size), k)
    replicated = survival_at(fit_truncated(e[rows], lower[rows], upper[rows]), grid)
    np.testing.assert_allclose(weighted, replicated, atol=1e-6)


def _product_limit(entry, time, event, w, t):
    """Left-truncated Kaplan-Meier by hand: at risk at u if entry < u <= time."""
    out = np.ones_like(t)
    for u in np.unique(time[event]):
        risk = np.sum(w[(entry < u) & (time >= u)])
        d = np.sum(w[event & (time == u)])
        out[t >= u] *= 1 - d / risk
    return out


def test_exact_times_with_delayed_entry_give_the_product_limit_estimator():
    rng = np.random.default_rng(13)
    n = 300
    entry = rng.integers(0, 30, n).astype(float)
    time = entry + rng.integers(1, 60, n).astype(float)  # whole days: many ties
    event = rng.random(n) < 0.7
    w = rng.uniform(0.5, 2.0, n)
    upper = np.where(event, time, np.inf)
    t = np.arange(0.0, 100.0)
    got = survival_at(fit_truncated(entry, time, upper, w), t)
    np.testing.assert_allclose(got, _product_limit(entry, time, event, w, t), atol=1e-6)


def test_small_truncated_case_against_direct_maximisation():
    # (entry, L, R]; whole days, so masses on the unit cells (k, k+1] span every distribution
    entry = np.array([0.0, 0.0, 2.0, 3.0, 3.0, 1.0, 4.0, 0.0, 1.0])
    lower = np.array([0.0, 2.0, 2.0, 5.0, 3.0, 1.0, 4.0, 8.0, 4.0])
    upper = np.array([3.0, 6.0, 4.0, np.inf, 7.0, 2.0, 8.0, np.inf, 5.0])
    w = np.array([1.0, 2.0, 1.0, 1.5, 1.0, 1.0, 0.5, 1.0, 1.0])
    fit = fit_truncated(entry, lower, upper, w, tol=1e-12)
    assert fit["violation"] <= 1e-12
    cells = np.arange(9.0)  # cell k = (k, k+1]; cell 8 stands for (8, inf)

    def negll(theta):
        p = np.exp(theta - theta.max())
        p /= p.sum()
        top = np.where(np.isinf(upper), np.inf, upper)
        inside = (cells[None, :] >= lower[:, None]) & (cells[None, :] + 1 <= top[:, None])
        after = cells[None, :] >= entry[:, None]
        return -np.sum(w * (np.log(inside @ p) - np.log(after @ p)))

    best = min(
        (
            optimize.minimize(negll, x0, method="BFGS", options={"gtol": 1e-11})
            for x0 in np.random.default_rng(14).normal(size=(5, cells.size))
        ),
        key=lambda r: r.fun,
    )
    p = np.exp(best.x - best.x.max())
    p /= p.sum()

    def negll_p(q):  # polish on the simplex itself (softmax cannot reach 0 exactly)
        q = np.clip(q, 0.0, None)
        return negll(np.log(np.maximum(q, 1e-300)))

    polished = optimize.minimize(
        negll_p,
        p,
        method="SLSQP",
        bounds=[(0.0, 1.0)] * cells.size,
        constraints={"type": "eq", "fun": lambda q: q.sum() - 1.0},
        options={"ftol": 1e-15, "maxiter": 1000},
    )
    p = np.clip(polished.x, 0.0, None) / np.clip(polished.x, 0.0, None).sum()
    np.testing.assert_allclose(fit["loglik"], -negll_p(p), atol=1e-9)
    t = np.arange(0.0, 9.0)
    direct = 1 - np.array([p[cells < u].sum() for u in t])
    np.testing.assert_allclose(survival_at(fit, t), direct, atol=1e-6)


def test_curve_recovers_the_simulated_truth_among_the_relapse_free_at_the_landmark():
    from workbench.cohort import build_cohort
    from workbench.effects.exposure import relapse_free_contacts
    from workbench.effects.landmark import landmark_frame
    from workbench.simulate import NO_FEEDBACK, simulate

    sim = simulate(NO_FEEDBACK, seed=31, n=6000)
    cohort = build_cohort(sim.dataset)
    starts = cohort.set_index("release_id")[[]]
    frame = landmark_frame(cohort, starts, relapse_free_contacts(sim.dataset), 180.0)
    fit = fit_truncated(frame["entry_day"], frame["lower_day"], frame["upper_day"])
    t = np.array([90.0, 180.0, 365.0, 545.0, 730.0])
    true_day = sim.truth_table.set_index("release_id")["relapse_day"]
    at_risk = true_day[true_day > 180.0]  # everyone relapse-free at the landmark, seen or not
    truth = np.array([np.mean(at_risk > 180.0 + u) for u in t])
    # ~3,000 people enter, the SE of S is ~0.01; tolerance 0.03 (3 SE)
    np.testing.assert_allclose(survival_at(fit, t), truth, atol=0.03)


def test_exact_relapse_on_the_entry_day_is_refused():
    with pytest.raises(DataError, match="exact relapse on the entry day 5"):
        fit_truncated([5.0], [5.0], [5.0])
    with pytest.raises(DataError, match="entry day 9 is after the last relapse-free day 5"):
        fit_truncated([9.0], [5.0], [np.inf])
