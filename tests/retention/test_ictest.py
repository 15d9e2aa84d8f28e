"""Generalized log-rank test for interval-censored data (interval::ictest, method pclt)."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.data.codes import DAYS_PER_MONTH
from workbench.exceptions import EstimationError, ParameterError
from workbench.retention.ictest import ictest, interval_scores

GRID = np.arange(1, 7) * 6 * DAYS_PER_MONTH


def grid_data(rng, n, scale=400.0, attend=0.85):
    """Exponential-ish relapse days seen at 6-monthly visits exactly on the schedule."""
    T = rng.weibull(0.8, n) * scale
    seen = rng.random((n, 6)) < attend
    cutoff = rng.uniform(300, 1400, n)
    L, R, done = np.zeros(n), np.full(n, np.inf), np.zeros(n, bool)
    for k, v in enumerate(GRID):
        ok = seen[:, k] & (v <= cutoff) & ~done
        pos, neg = ok & (T <= v), ok & (T > v)
        R[pos], L[neg] = v, v
        done |= pos
    return L, R


def test_scores_sum_to_zero_at_the_npmle():
    # sum_i c_i = W (S_0 g(S_0) - S_k g(S_k)) = 0 exactly when the Kuhn-Tucker conditions hold
    L, R = grid_data(np.random.default_rng(1), 500)
    for scores in ("logrank1", "logrank2"):
        c = interval_scores(L, R, scores)
        assert c.sum() == pytest.approx(0.0, abs=1e-7)


def test_scores_by_hand_on_right_censored_data():
    # exact relapses on days 1, 2, 3 and one censored at 2: KM S = 3/4, 1/2, 0 (at 1, 2, 3);
    # Finkelstein's score (S(L) log S(L) - S(R) log S(R)) / (S(L) - S(R)), 0 log 0 = 0
    L = np.array([1.0, 2.0, 3.0, 2.0])
    R = np.array([1.0, 2.0, 3.0, np.inf])
    c = interval_scores(L, R, "logrank2")
    s1, s2 = 0.75, 0.5
    expected = [
        (0.0 - s1 * np.log(s1)) / (1 - s1),
        (s1 * np.log(s1) - s2 * np.log(s2)) / (s1 - s2),
        np.log(s2),
        np.log(s2),  # censored at 2: (2, inf), so its score is S(2) log S(2) / S(2)
    ]
    np.testing.assert_allclose(c, expected, rtol=1e-9)


def test_close_to_log_rank_on_exact_times():
    from lifelines.statistics import logrank_test

    rng = np.random.default_rng(11)
    t = rng.exponential(10, 400) * np.where(np.arange(400) < 200, 1.0, 1.6)
    e = rng.random(400) < 0.8
    g = (np.arange(400) >= 200).astype(int)
    res = ictest(t, np.where(e, t, np.inf), g)
    lr = logrank_test(t[g == 0], t[g == 1], e[g == 0], e[g == 1])
    # permutation vs hypergeometric variance, Sun's vs Nelson-Aalen scores: close, not equal
    assert res.statistic == pytest.approx(lr.test_statistic, rel=0.1)  # loose: see above
    assert res.df == 1 and res.p_value < 0.05


def test_detects_a_real_difference_and_reports():
    rng = np.random.default_rng(2)
    L0, R0 = grid_data(rng, 300, scale=300)
    L1, R1 = grid_data(rng, 300, scale=900)
    g = np.r_[["a"] * 300, ["b"] * 300]
    res = ictest(np.r_[L0, L1], np.r_[R0, R1], g)
    assert res.p_value < 1e-4
    tab = res.summary()
    assert list(tab["group"]) == ["a", "b"]
    # group a relapses sooner: more score than expected
    assert res.score_sums[0] > res.expected[0]
    np.testing.assert_allclose(sum(res.score_sums), 0.0, atol=1e-6)
    assert "pclt" in res.method


def test_three_groups_have_two_df():
    rng = np.random.default_rng(4)
    L, R = grid_data(rng, 450)
    res = ictest(L, R, np.repeat(["x", "y", "z"], 150))
    assert res.df == 2
    assert 0.0 <= res.p_value <= 1.0


def test_bad_arguments():
    with pytest.raises(EstimationError, match="only one group"):
        ictest([0, 1], [1, 2], ["a", "a"])
    with pytest.raises(ParameterError, match="scores must be one of logrank1, logrank2"):
        interval_scores([0], [1], "wilcoxon")
    with pytest.raises(ParameterError, match="group has 1 values but there are 2"):
        ictest([0, 1], [1, 2], ["a"])


@pytest.mark.slow
def test_type_one_error_on_null_grid_data():
    rejections = 0
    reps = 240
    for s in range(reps):
        rng = np.random.default_rng(1000 + s)
        L, R = grid_data(rng, 300)
        g = np.repeat([0, 1], 150)
        rejections += ictest(L, R, g).p_value < 0.05
    assert 0.02 <= rejections / reps <= 0.08


def _independent_ictest(L, R, group, scores):
    """interval::ictest (pclt) from its formula, nothing shared with the package: Turnbull's
    innermost intervals (a left end directly followed by a right end, a right end sorting before
    a left end at the same day as (a, b] and (b, c] do not meet), the NPMLE by the
    self-consistency (EM) iteration, each release's score c_i = [S(L) g(S(L)) - S(R) g(S(R))] /
    [S(L) - S(R)] and the permutation statistic U^T V^- U with a generalized inverse of
    V = s^2 (diag(n) - n n^T / N) (Fay & Shaw 2010, section 2)."""
    ends = sorted([(v, 1) for v in np.unique(L)] + [(v, 0) for v in np.unique(R)])
    inner = np.array(
        [(a[0], b[0]) for a, b in zip(ends, ends[1:], strict=False) if a[1] == 1 and b[1] == 0]
    )
    q, p_end = inner[:, 0], inner[:, 1]
    alpha = (L[:, None] <= q[None, :]) & (p_end[None, :] <= R[:, None])
    mass = np.full(q.size, 1.0 / q.size)
    for _ in range(200_000):
        share = alpha * mass / (alpha * mass).sum(axis=1, keepdims=True)
        new = share.mean(axis=0)
        if np.max(np.abs(new - mass)) < 1e-15:
            break
        mass = new
    mass = new
    surv_before = np.cumsum(mass[::-1])[::-1]  # S just before interval j
    if scores == "logrank1":  # log S~ = minus the cumulative discrete hazard
        g = -np.r_[0.0, np.cumsum(np.where(surv_before > 0, mass / surv_before, 0.0))]
    else:
        with np.errstate(divide="ignore"):
            g = np.log(np.r_[surv_before, 0.0])
    s_all = np.r_[surv_before, 0.0]

    def s_g(x):
        k = np.searchsorted(q, x, side="left")  # intervals lying wholly before x
        s = s_all[k]
        return s, np.where(s > 0, s * np.where(np.isfinite(g[k]), g[k], 0.0), 0.0)

    (sl, tl), (sr, tr) = s_g(L), s_g(R)
    c = (tl - tr) / (sl - sr)
    labels, idx = np.unique(group, return_inverse=True)
    Z = np.eye(labels.size)[idx]
    n = Z.sum(axis=0)
    U = Z.T @ c - n * c.mean()
    V = np.var(c, ddof=1) * (np.diag(n) - np.outer(n, n) / c.size)
    return c, float(U @ np.linalg.pinv(V) @ U), labels.size - 1


@pytest.mark.parametrize("scores", ["logrank1", "logrank2"])
def test_statistic_and_p_value_against_an_independent_implementation(scores):
    # two groups with different retention and three groups (k - 1 = 2 df): scores to 1e-7
    # absolute, the statistic to 1e-6 relative (the EM NPMLE converges to ~1e-12), the p-value
    # against the chi-square tail computed by hand from that statistic; a statistic off by 1 %
    # (or a wrong df) fails
    rng = np.random.default_rng(8)
    L0, R0 = grid_data(rng, 150, scale=300)
    L1, R1 = grid_data(rng, 150, scale=600)
    L2, R2 = grid_data(rng, 150, scale=400)
    L, R = np.r_[L0, L1, L2], np.r_[R0, R1, R2]
    for group in (np.repeat(["a", "b", "c"], 150), np.repeat(["a", "b"], [150, 300])):
        c, stat, df = _independent_ictest(L, R, group, scores)
        np.testing.assert_allclose(interval_scores(L, R, scores), c, atol=1e-7)
        res = ictest(L, R, group, scores)
        assert res.df == df
        np.testing.assert_allclose(res.statistic, stat, rtol=1e-6)
        from scipy import stats

        np.testing.assert_allclose(res.p_value, stats.chi2.sf(stat, df), rtol=1e-6)
        assert res.p_value < 0.05  # the retention differs (scale 300 vs 600): power, not null


def test_all_scores_equal_gives_statistic_zero_and_p_one():
    # everyone censored on the same day: every score is the same, no variance to test with
    res = ictest([5.0, 5.0, 5.0, 5.0], [np.inf] * 4, ["a", "a", "b", "b"], "logrank2")
    assert (res.statistic, res.df, res.p_value) == (0.0, 1, 1.0)
    assert res.notes == ("all scores are equal: p = 1.",)
    assert res.method.startswith("generalized log-rank test (Finkelstein's scores)")
