"""Cox model arithmetic with Efron ties: score residuals, the proportional-hazards test and the
sandwich variance, for risk sets that may be stratified and start late (delayed entry).

`efron_score_residuals` equals R's `residuals(coxph, type="score")`, `cox_zph` R's
`cox.zph(fit, transform="km")` (also with strata: risk sets within strata, score and information
summed, g from the KM of all rows, as R does), `sandwich_variance` R's robust variance (clustered
when asked). Used by `workbench.risk.cox.CoxModel` and the landmark comparison.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from workbench.retention.km import KaplanMeier


def efron_score_residuals(X, time, event, beta, weights=None, entry=None) -> np.ndarray:
    """Per-row score residuals of a Cox model with Efron ties (R's residuals(type='score')).

    The weighted sum over rows is the score vector; dfbeta = residuals @ inverse information.
    `entry`: delayed entry (a row is at risk at t when entry < t <= time)."""
    st = _efron_steps(X, time, event, beta, weights, second_moment=False, entry=entry)
    xc, r, J, p = st.xc, st.r, st.etimes.size, st.xc.shape[1]
    h, f, j = st.h, st.f, st.step_j
    H, G = np.bincount(j, weights=h, minlength=J), _bincount_cols(j, h[:, None] * st.xbar, J)
    Hf = np.bincount(j, weights=f * h, minlength=J)
    Gf = _bincount_cols(j, (f * h)[:, None] * st.xbar, J)
    xbar_mean = _bincount_cols(j, st.xbar, J) / np.bincount(j, minlength=J)[:, None]
    # every row in the risk set of t_j: -r_i sum_k h_k (x_i - xbar_k); tied events at t_j carry
    # weight (1 - k/d) in step k, and their own event term x_i - mean_k xbar_k
    m = np.searchsorted(st.etimes, st.t, side="right")  # event times <= T_i
    cH, cG = np.r_[0.0, np.cumsum(H)], np.vstack([np.zeros(p), np.cumsum(G, axis=0)])
    me = np.zeros_like(m) if entry is None else np.searchsorted(st.etimes, entry, side="right")
    resid = -r[:, None] * ((cH[m] - cH[me])[:, None] * xc - (cG[m] - cG[me]))
    ei, ej = st.ei, st.ej
    resid[ei] += xc[ei] - xbar_mean[ej] + r[ei, None] * (Hf[ej][:, None] * xc[ei] - Gf[ej])
    return resid


def _bincount_cols(idx: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    return np.column_stack(
        [np.bincount(idx, weights=values[:, c], minlength=size) for c in range(values.shape[1])]
    )


@dataclass(frozen=True)
class _EfronSteps:
    """Efron steps k = 0..d_j-1 of every event time t_j, one per event row (sorted by time)."""

    t: np.ndarray
    xc: np.ndarray  # centred covariates
    r: np.ndarray  # risk scores exp(xc beta)
    w: np.ndarray
    etimes: np.ndarray
    ei: np.ndarray  # event rows
    ej: np.ndarray  # their event-time index
    step_j: np.ndarray  # event-time index of each step
    f: np.ndarray  # k / d_j
    h: np.ndarray  # hazard increment wbar_j / den_jk
    xbar: np.ndarray  # Efron-weighted risk-set mean of x
    den: np.ndarray  # Efron denominator of each step
    s2: np.ndarray | None  # per event time: sum of w r x x' over the risk set (J x p x p)
    e2: np.ndarray | None  # ... and over its tied events


def _entered_later(entry, etimes, values):
    """Per event time t_j: the sum of `values` over rows not yet at risk (entry >= t_j)."""
    order = np.argsort(-entry, kind="stable")
    count = np.searchsorted(-entry[order], -etimes, side="right")
    cum = np.cumsum(np.r_[np.zeros((1,) + values.shape[1:]), values[order]], axis=0)
    return cum[count]


def _efron_steps(
    X, time, event, beta, weights, second_moment: bool = True, entry=None
) -> _EfronSteps:
    X = np.asarray(X, float)
    t, d = np.asarray(time, float), np.asarray(event, float)
    w = np.ones_like(t) if weights is None else np.asarray(weights, float)
    xc = X - X.mean(axis=0)
    r = np.exp(xc @ beta)
    wr = w * r
    order = np.argsort(-t, kind="stable")
    etimes = np.unique(t[d > 0])
    last = np.searchsorted(-t[order], -etimes, side="right") - 1  # risk set {T >= t_j}
    ei = np.flatnonzero(d > 0)
    ej = np.searchsorted(etimes, t[ei])
    J = etimes.size
    n_d = np.bincount(ej, minlength=J).astype(float)
    step_j = np.sort(ej, kind="stable")
    f = (np.arange(ei.size) - np.r_[0, np.cumsum(n_d)[:-1]].astype(int)[step_j]) / n_d[step_j]
    at_risk = np.cumsum(wr[order])[last]
    s1 = np.cumsum(wr[order, None] * xc[order], axis=0)[last]
    if entry is not None:
        entry = np.asarray(entry, float)
        at_risk = at_risk - _entered_later(entry, etimes, wr)
        s1 = s1 - _entered_later(entry, etimes, wr[:, None] * xc)
    den = at_risk[step_j] - f * np.bincount(ej, weights=wr[ei], minlength=J)[step_j]
    e1 = _bincount_cols(ej, wr[ei, None] * xc[ei], J)
    xbar = (s1[step_j] - f[:, None] * e1[step_j]) / den[:, None]
    h = (np.bincount(ej, weights=w[ei], minlength=J) / n_d)[step_j] / den
    s2 = e2 = None
    # the second moment is for cox_zph, which refuses delayed entry: `entry` only with
    # second_moment=False (the score residuals)
    if second_moment:  # never an n x p x p array (at 2.3 M releases that was 15+ GB)
        risk_block = np.searchsorted(etimes, t, side="right") - 1  # last event time <= T_i
        inside = risk_block >= 0  # rows at risk at some event time
        g = _group_outer(risk_block[inside], xc[inside], wr[inside], J)
        s2 = np.cumsum(g[::-1], axis=0)[::-1]  # risk set of t_j: rows with T >= t_j
        e2 = _group_outer(ej, xc[ei], wr[ei], J)
    return _EfronSteps(t, xc, r, w, etimes, ei, ej, step_j, f, h, xbar, den, s2, e2)


def _group_outer(idx: np.ndarray, x: np.ndarray, w: np.ndarray, size: int) -> np.ndarray:
    """Sum of w x x' over the rows of each group 0..size-1 (size x p x p), one group at a time."""
    out = np.zeros((size, x.shape[1], x.shape[1]))
    order = np.argsort(idx, kind="stable")
    idx, x, w = idx[order], x[order], w[order]
    bounds = np.searchsorted(idx, np.arange(size + 1))
    for grp in np.flatnonzero(np.diff(bounds)):
        lo, hi = bounds[grp], bounds[grp + 1]
        out[grp] = (x[lo:hi] * w[lo:hi, None]).T @ x[lo:hi]
    return out


def cox_zph(X, time, event, beta, weights=None, groups=None, strata=None) -> pd.DataFrame:
    """R's `cox.zph(fit, transform="km")` (survival >= 3): score tests of beta(t) = beta + theta g(t)
    with g = 1 - KM(t-) centred over events, per group of columns and GLOBAL, Efron ties.

    With `strata` (one code per row) risk sets are within strata and the score and information
    are summed over strata; g comes from the KM of all rows, as R does."""
    X = np.asarray(X, float)
    time, event = np.asarray(time, float), np.asarray(event, float)
    p = X.shape[1]
    km = KaplanMeier().fit(time, event.astype(int)).table_
    km_time, km_surv = km["time"].to_numpy(), np.r_[1.0, km["survival"].to_numpy()]

    def g_of(t):  # 1 - KM(t-)
        return 1 - km_surv[np.searchsorted(km_time, t, side="left")]

    centre = g_of(time[event > 0]).mean()
    codes_ = np.zeros(time.size, int) if strata is None else pd.factorize(np.asarray(strata))[0]
    u, imat = np.zeros(2 * p), np.zeros((2 * p, 2 * p))
    for k in np.unique(codes_):
        rows = codes_ == k
        if not event[rows].any():
            continue
        w = None if weights is None else np.asarray(weights, float)[rows]
        st = _efron_steps(X[rows], time[rows], event[rows], beta, w)
        u_k, imat_k = _zph_parts(st, g_of(st.etimes) - centre)
        u, imat = u + u_k, imat + imat_k
    groups = groups if groups is not None else {f"x{c}": [c] for c in range(p)}
    rows_out = []
    for name, cols in [*groups.items(), ("GLOBAL", list(range(p)))]:
        kk = np.r_[np.arange(p), p + np.asarray(cols)]
        stat = float(u[kk] @ np.linalg.solve(imat[np.ix_(kk, kk)], u[kk]))
        rows_out.append(
            {
                "term": name,
                "chisq": stat,
                "df": len(cols),
                "p": float(stats.chi2.sf(stat, len(cols))),
            }
        )
    return pd.DataFrame(rows_out)


def _zph_parts(st: _EfronSteps, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Score (zeros for beta, g-weighted for theta) and information of one stratum."""
    xc, ei, ej, j = st.xc, st.ei, st.ej, st.step_j
    p, J = xc.shape[1], st.etimes.size
    # per event time: score contribution s_j and information M_j (sum over its Efron steps)
    wbar_j = np.bincount(ej, weights=st.w[ei], minlength=J) / np.bincount(ej, minlength=J)
    wbar = wbar_j[j]
    # M_j = wbar_j sum_k (x2_jk - xbar_jk xbar_jk') with x2_jk = (s2_j - f_k e2_j) / den_jk
    inv_den = np.bincount(j, weights=1 / st.den, minlength=J)[:, None, None]
    f_den = np.bincount(j, weights=st.f / st.den, minlength=J)[:, None, None]
    xx = _group_outer(j, st.xbar, np.ones(j.size), J)
    M = wbar_j[:, None, None] * (st.s2 * inv_den - st.e2 * f_den - xx)
    s_j = _bincount_cols(ej, st.w[ei, None] * xc[ei], J) - _bincount_cols(
        j, wbar[:, None] * st.xbar, J
    )
    u = np.r_[np.zeros(p), g @ s_j]
    i_bb, i_bt, i_tt = M.sum(axis=0), np.tensordot(g, M, 1), np.tensordot(g**2, M, 1)
    return u, np.block([[i_bb, i_bt], [i_bt.T, i_tt]])


def stratified_residuals(X, time, event, beta, w, strata, entry) -> np.ndarray:
    """Efron score residuals with risk sets within strata (and after entry)."""
    X = np.asarray(X, float)
    if strata is None:
        return efron_score_residuals(X, time, event, beta, w, entry)
    resid = np.zeros_like(X)
    for k in np.unique(strata):
        rows = strata == k
        if event[rows].any():
            resid[rows] = efron_score_residuals(
                X[rows],
                time[rows],
                event[rows],
                beta,
                None if w is None else w[rows],
                None if entry is None else entry[rows],
            )
    return resid


def sandwich_variance(resid, information_inverse, weights=None, cluster=None) -> np.ndarray:
    """Robust variance D'D with D = weighted dfbeta residuals, summed within clusters."""
    D = np.asarray(resid) @ np.asarray(information_inverse)
    if weights is not None:
        D = D * np.asarray(weights, float)[:, None]
    if cluster is not None:
        codes_, _ = pd.factorize(pd.Series(cluster).astype(str))
        D = np.vstack([np.bincount(codes_, weights=D[:, k]) for k in range(D.shape[1])]).T
    return D.T @ D
