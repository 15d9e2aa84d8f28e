"""The piecewise-exponential design's derivatives (workbench.stats.pwe_design) against the segment
formulas they were rearranged from (session 9, issue 23: the same sums, people summed within
cells first), the pieces-only block, the per-person scores, and the large-model path (subsample
start, then the pieces' pass) against a plain fit."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.support import toy_cohort
from workbench.stats import pwe
from workbench.stats.pwe import PiecewiseExponentialPH


def _fitted(n=400, seed=5):
    cohort, starts = toy_cohort(n, seed)
    x = cohort[["motivation_score"]].assign(group=np.arange(n) % 3 == 0).astype(float)
    fit = PiecewiseExponentialPH().fit(
        cohort["lower_day"], cohort["upper_day"], x, starts.reset_index(drop=True)
    )
    return fit.refitter().design, fit.params_.to_numpy()


def _hessian_by_segments(d, vals, w):
    """The Hessian as written before session 9: a dense (people x u) matrix c_u."""
    _, e_cell, e_x, A, D = vals
    g1, k0, k1 = d._coefficients(vals, w)
    cell_c = d._cell_sums(e_cell, k0, k1)
    r = w * (g1 * D - A)
    B = e_cell[:, None] * d.ucell
    P1 = d.M1 @ B
    c_u = k0[:, None] * (d.M0 @ B)
    c_u[d.iv] += k1[:, None] * P1
    v1 = e_x[d.iv, None] * P1
    a = (w * -(g1 + g1**2))[d.iv]
    uu = d.ucell.T @ (cell_c[:, None] * d.ucell) + v1.T @ (a[:, None] * v1)
    ux = c_u.T @ d.x + (v1 * (a * D[d.iv])[:, None]).T @ d.x_iv
    q = r.copy()
    q[d.iv] += a * D[d.iv] ** 2
    return d._assemble(uu, ux, d.x.T @ (q[:, None] * d.x))


def test_hessian_equals_the_segment_formula_and_the_pieces_block_is_its_part():
    d, theta = _fitted()
    w = np.random.default_rng(1).integers(0, 3, d.n).astype(float)  # case weights, some 0
    vals = d.values(theta + 0.05)  # away from the optimum: every term matters
    grad, H = d.derivatives(vals, w)
    old = _hessian_by_segments(d, vals, w)
    # the same terms summed in another order: equal up to rounding (1e-12 of the largest entry)
    np.testing.assert_allclose(H, old, rtol=0, atol=1e-12 * np.abs(old).max())
    g_u, H_u = d.derivatives_u(vals, w)
    np.testing.assert_array_equal(g_u, grad[d.u_index])  # the same code path: bit for bit
    np.testing.assert_array_equal(H_u, H[np.ix_(d.u_index, d.u_index)])
    assert d.derivatives_u(vals, w, hess=False)[1] is None


def test_scores_sum_to_the_score_and_equal_the_masked_version():
    d, theta = _fitted()
    S = d.scores(theta + 0.05)
    grad, _ = d.derivatives(d.values(theta + 0.05), np.ones(d.n), hess=False)
    # a sum of the per-person scores in another order: rounding only (1e-10 of their scale)
    np.testing.assert_allclose(S.sum(axis=0), grad, rtol=0, atol=1e-10 * np.abs(S).sum())
    np.testing.assert_array_equal(S, _scores_before(d, theta + 0.05))  # the same sums


def _scores_before(d, theta):
    """The per-person scores as written before session 9 (boolean masks, fancy columns)."""
    vals = d.values(theta)
    e_cell, A, D = vals[1], vals[3], vals[4]
    g1, k0, k1 = d._coefficients(vals, np.ones(d.n))
    B = e_cell[:, None] * d.ucell
    S = np.empty((d.n, d.width))
    su = k0[:, None] * (d.M0 @ B)
    su[d.iv] += k1[:, None] * (d.M1 @ B)
    su[d.ex] += d.ucell[d.cell_ex]
    S[:, d.u_index] = su
    S[:, d.K : d.K + d.p] = (g1 * D - A + d.ex)[:, None] * d.x
    return S


def test_large_model_path_gives_the_plain_fit(monkeypatch):
    """Subsample start and pieces' pass (a model 'larger' than _SUBSAMPLE people) reach the
    optimum of the plain fit: the same estimates to 1e-8 (Newton's tolerance is 1e-10 on the
    step) with fewer whole-design Newton iterations."""
    cohort, _ = toy_cohort(900, 21)
    x = cohort[["motivation_score"]]
    plain = PiecewiseExponentialPH(pwe.DEFAULT_CUTS).fit(
        cohort["lower_day"], cohort["upper_day"], x
    )
    calls = []
    real = pwe._piece_pass
    monkeypatch.setattr(pwe, "_SUBSAMPLE", 100)
    monkeypatch.setattr(pwe, "_piece_pass", lambda *a: calls.append(1) or real(*a))
    large = PiecewiseExponentialPH(pwe.DEFAULT_CUTS).fit(
        cohort["lower_day"], cohort["upper_day"], x
    )
    assert calls == [1]
    assert large.n_iter_ < plain.n_iter_
    np.testing.assert_allclose(large.params_, plain.params_, rtol=0, atol=1e-8)
    np.testing.assert_allclose(large.variance_matrix_, plain.variance_matrix_, rtol=1e-8)
    assert isinstance(large.params_, pd.Series)


def test_score_sums_equal_the_weighted_rows_summed_by_bincount():
    """The clustered sandwich's scores, built a block of columns at a time and summed by one
    sparse product, equal the rows x params matrix weighted and summed per column (bit for
    bit: the same products added in the same order), with rows that contribute nothing."""
    cohort, starts = toy_cohort(300, 8)
    censored = ~np.isfinite(cohort["upper_day"].to_numpy(float))
    half = censored & (np.arange(300) % 2 == 0)  # entering when censored: nothing to add
    entry = np.where(half, cohort["lower_day"].to_numpy(float), 0.0)
    fit = PiecewiseExponentialPH().fit(
        cohort["lower_day"], cohort["upper_day"], cohort[["motivation_score"]],
        starts.reset_index(drop=True), entry=entry,
    )  # fmt: skip
    assert not fit.refitter().active.all()
    groups = np.arange(300) // 3
    w = np.random.default_rng(2).uniform(0.5, 2.0, 300)
    S = fit.score_residuals() * w[:, None]
    expected = np.vstack([np.bincount(groups, S[:, k]) for k in range(S.shape[1])]).T
    np.testing.assert_array_equal(fit.score_sums(groups, w), expected)
    np.testing.assert_array_equal(fit.score_sums(), fit.score_residuals())
