"""The sandwich variance's influence functions (variance.py) in blocks of releases: nothing of
size (releases x 2K) or (releases x P) is held, only a block of `weights.BLOCK` releases at a
time — at 2.3 M releases one (n, 2K) array is 1.4 GB.

Per strategy, once: the positive hazards `free`, `coef` = grad(theta)' (-dU/dh)^{-1} (39, free),
the clones' (kind, l, b) groups and their posteriors (the residuals of a release are its
group's), and with estimated weights dU/dtheta (nuisance.score_derivative, kept on the arm's
Nuisance: the "never" arm's is shared by the grace periods) folded into `dcoef` = (dU/dtheta)'
coef' (P, 39). Per block: IF = (w * resid)[:, free] @ coef' + psi @ dcoef — the same
quantity as variance.arm_influence, associated differently (rounding only) — and the sums of
squares of the contrasts sandwich_se reports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from workbench.emulation.grid import CENSORED, DEATH, K
from workbench.emulation.nuisance import blocks, score_derivative
from workbench.emulation.outcome import curves, group, score_jacobian
from workbench.emulation.weights import carries_data


class Rows:
    """An (n, ...) array made a block of releases at a time: `rows_of[rows]`."""

    def __init__(self, make: Callable[[slice], np.ndarray]) -> None:
        self.make = make

    def __getitem__(self, rows) -> np.ndarray:
        return self.make(rows)


@dataclass(frozen=True)
class ArmInfluence:
    """What one strategy's influence rows need (see the module doc)."""

    free: np.ndarray
    coef: np.ndarray  # (39, free)
    weights: Rows  # (b, K) w: the capped weights where the clones carry data, else 0
    resid: Rows  # (b, 2K)
    psi: Callable[[slice], np.ndarray] | None = None
    dcoef: np.ndarray | None = None  # (P, 39)

    def rows(self, rows: slice) -> np.ndarray:
        """(b, 39) influence of the releases `rows` on [relapse risk 0..36, death risk at 36,
        RMST]."""
        w = self.weights[rows]
        u = (np.concatenate([w, w], axis=1) * self.resid[rows])[:, self.free]
        out = u @ self.coef.T
        if self.psi is not None:
            out += self.psi(rows) @ self.dcoef
        return out


def summaries(h: np.ndarray) -> np.ndarray:
    """[relapse risk at months 0..36, death risk at 36, RMST] of hazards h."""
    c = curves(h)
    return np.concatenate([c["relapse"], [c["death"][-1], c["rmst_days"]]])


def _posteriors(gk, gl, gb, h):
    """Per group (G, K): expected relapses, deaths and months at risk per unit weight (the
    E-step of outcome.py for each (kind, l, b) group)."""
    hr, hd = h[:K], h[K:]
    s_prev = np.concatenate([[1.0], np.cumprod(1.0 - hr - hd)[:-1]])
    sd_prev = np.concatenate([[1.0], np.cumprod(1.0 - hd)[:-1]])
    m = np.arange(1, K + 1)[None, :]
    interval = (gk != CENSORED) & (gb > gl)
    mask = interval[:, None] & (m > gl[:, None]) & (m <= gb[:, None])
    fr = mask * (s_prev * hr)[None, :]
    dead = gk == DEATH
    di = dead & interval
    fr[di] *= sd_prev[gb[di] - 1][:, None] / np.maximum(sd_prev[None, :], 1e-300)
    at_b = m == gb[:, None]
    fd = (di[:, None] & at_b) * s_prev[None, :]
    total = fr.sum(axis=1) + fd.sum(axis=1)
    scale = np.where(interval & (total > 0), 1.0 / np.where(total > 0, total, 1.0), 0.0)
    er, ed = fr * scale[:, None], fd * scale[:, None]
    ed = ed + ((dead & ~interval)[:, None] & at_b)  # a death surely before any relapse
    inside = np.cumsum((er + ed)[:, ::-1], axis=1)[:, ::-1] * mask
    risk = (m <= gl[:, None]) + inside
    return er, ed, risk


def residual_rows(kind, l, b, h) -> Rows:  # noqa: E741
    """(n, 2K) E[events] - h E[at risk] per unit weight of each clone, by blocks."""
    key = (kind.astype(np.int64) * (K + 2) + l) * (K + 2) + b
    uniq, inv = np.unique(key, return_inverse=True)
    er, ed, risk = _posteriors(uniq // (K + 2) ** 2, (uniq // (K + 2)) % (K + 2), uniq % (K + 2), h)
    rel = np.concatenate([er - h[:K] * risk, ed - h[K:] * risk], axis=1)  # (G, 2K)
    return Rows(lambda rows: rel[inv[rows]])


def arm_influence(arm, estimated_weights: bool = True) -> ArmInfluence:
    """The pieces of one fitted strategy's (arms.Arm) influence rows."""
    c = arm.clones
    data = carries_data(c.kind, c.l, c.b)
    h = arm.hazards
    free = np.flatnonzero(h > 0)
    w_full = arm.weights.weights * data  # the EM's weights (one (n, K) array, for a moment)
    jac = score_jacobian(group(c.kind, c.l, c.b, w_full), h, free)
    del w_full
    theta = summaries(h)
    grad = np.empty((theta.size, free.size))
    for j, k in enumerate(free):
        eps = 1e-7 * max(h[k], 1e-4)
        hp = h.copy()
        hp[k] += eps
        grad[:, j] = (summaries(hp) - theta) / eps
    a = -jac[free]
    try:
        coef = np.linalg.solve(a.T, grad.T).T  # grad @ inv(a)
    except np.linalg.LinAlgError:
        coef = grad @ np.linalg.pinv(a)
    weights = Rows(lambda rows: arm.weights.rows(rows) * data[rows])
    resid = residual_rows(c.kind, c.l, c.b, h)
    if not estimated_weights or arm.nuisance is None:
        return ArmInfluence(free, coef, weights, resid)
    nu = arm.nuisance()
    positive = Rows(lambda rows: weights[rows] > 0)
    d = score_derivative(nu, arm.weights.cap, positive, resid, key=("influence", id(arm)))
    return ArmInfluence(free, coef, weights, resid, nu.psi_rows, d[free].T @ coef.T)


def sandwich_se(point, horizons, estimated_weights: bool = True) -> dict:
    """variance.sandwich_se's standard errors, the influence rows made block by block."""
    s_arm = arm_influence(point.start, estimated_weights)
    n_arm = arm_influence(point.never, estimated_weights)
    h = list(horizons)
    rs = curves(point.start.hazards)["relapse"][h]
    rn = curves(point.never.hazards)["relapse"][h]
    sums = {k: 0.0 for k in ("relapse_start", "relapse_never", "rd", "log_rr", "rmst")}
    for rows in blocks(point.start.clones.kind.size):
        s, nv = s_arm.rows(rows), n_arm.rows(rows)
        sums["relapse_start"] = sums["relapse_start"] + np.sum(s[:, :37] ** 2, axis=0)
        sums["relapse_never"] = sums["relapse_never"] + np.sum(nv[:, :37] ** 2, axis=0)
        sums["rd"] = sums["rd"] + np.sum((s[:, h] - nv[:, h]) ** 2, axis=0)
        sums["log_rr"] = sums["log_rr"] + np.sum((s[:, h] / rs - nv[:, h] / rn) ** 2, axis=0)
        sums["rmst"] = sums["rmst"] + np.sum((s[:, -1] - nv[:, -1]) ** 2)
    out = {k: np.sqrt(v) for k, v in sums.items()}
    out["rmst"] = float(out["rmst"])
    return out
