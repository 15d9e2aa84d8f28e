"""The sandwich variance's influence functions (variance.py) in blocks of releases: nothing of
size (releases x 2K) or (releases x P) is held, only a block of `weights.BLOCK` releases at a
time — at 2.3 M releases one (n, 2K) array is 1.4 GB.

Per strategy, once: the positive hazards `free`, `coef` = grad(theta)' (-dU/dh)^{-1} (39, free),
the clones' (kind, l, b) groups and their posteriors (the residuals of a release are its
group's), and with estimated weights dU/dtheta (nuisance.score_derivative, kept on the arm's
Nuisance: the "never" arm's is shared by the grace periods) folded into `dcoef` = (dU/dtheta)'
coef' (P, 39). Per block: IF = (w * resid)[:, free] @ coef' + psi @ dcoef — the same
quantity as variance.arm_influence, associated differently (rounding only) — and the sums
of squares and fourth powers of the contrasts sandwich_se reports.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from workbench.emulation.grid import CENSORED, DEATH, K
from workbench.emulation.nuisance import blocks, score_derivative
from workbench.emulation.outcome import Groups, curves, grouping, score_jacobian
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
        u = np.concatenate([w, w], axis=1) * self.resid[rows]
        out = u[:, self.free] @ self.coef.T
        if self.psi is not None:
            out += self.psi(rows) @ self.dcoef
        return out


def summaries(h: np.ndarray) -> np.ndarray:
    """[relapse risk at months 0..36, death risk at 36, RMST] of hazards h."""
    c = curves(h)
    return np.concatenate([c["relapse"], [c["death"][-1], c["rmst_days"]]])


def posteriors(gk, gl, gb, h):
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


def residual_rows(kind, l, b, h) -> tuple[Rows, Rows]:  # noqa: E741
    """(n, 2K) E[events] - h E[at risk] per unit weight of each clone and (n, K) its expected
    months at risk, by blocks (a clone's are its (kind, l, b) group's)."""
    key = (kind.astype(np.int64) * (K + 2) + l) * (K + 2) + b
    uniq, inv = np.unique(key, return_inverse=True)
    er, ed, risk = posteriors(uniq // (K + 2) ** 2, (uniq // (K + 2)) % (K + 2), uniq % (K + 2), h)
    rel = np.concatenate([er - h[:K] * risk, ed - h[K:] * risk], axis=1)  # (G, 2K)
    return Rows(lambda rows: rel[inv[rows]]), Rows(lambda rows: risk[inv[rows]])


def grouped(kind, l, b, weights: Rows) -> Groups:  # noqa: E741
    """outcome.group(kind, l, b, w) with w = `weights[rows]` made a block of releases at a time
    (no (n, K) array): each group's sums are added in release order (np.add.at), as the sparse
    product in `group` adds them, so they are the same numbers to the last bit (the Jacobian's
    forward differences would magnify a rounding difference ~1e7-fold)."""
    g = grouping(kind, l, b)
    of = g.onehot.tocsc().indices  # each clone's group (one entry per clone)
    summed = np.zeros((g.onehot.shape[0], K))
    for rows in blocks(kind.size):
        np.add.at(summed, of[rows], weights[rows])
    # the identity product gives back `summed` exactly: group's steps after the sums
    return dataclasses.replace(g, onehot=sparse.identity(summed.shape[0], format="csr")).apply(
        summed
    )


def arm_influence(arm, estimated_weights: bool = True) -> ArmInfluence:
    """The pieces of one fitted strategy's (arms.Arm) influence rows; with estimated weights
    kept on the arm's Nuisance (the "never" arm serves the grace periods' sandwiches too)."""
    if not estimated_weights or arm.nuisance is None:
        return _arm_influence(arm, None)
    nu = arm.nuisance()
    if "arm_influence" not in nu.memo:
        nu.memo["arm_influence"] = _arm_influence(arm, nu)
    return nu.memo["arm_influence"]


def influence_coefficients(jac: np.ndarray, h: np.ndarray, free: np.ndarray) -> np.ndarray:
    """d summaries / d score: the summaries' forward-difference gradient in the free hazards
    times the inverse of minus the score's Jacobian there (a pseudo-inverse when singular)."""
    theta = summaries(h)
    grad = np.empty((theta.size, free.size))
    for j, k in enumerate(free):
        eps = 1e-7 * max(h[k], 1e-4)
        hp = h.copy()
        hp[k] += eps
        grad[:, j] = (summaries(hp) - theta) / eps
    a = -jac[free]  # (free, free)
    try:
        return np.linalg.solve(a.T, grad.T).T  # grad @ inv(a)
    except np.linalg.LinAlgError:
        return grad @ np.linalg.pinv(a)


def _arm_influence(arm, nu) -> ArmInfluence:
    c = arm.clones
    data = carries_data(c.kind, c.l, c.b)
    h = arm.hazards
    free = np.flatnonzero(h > 0)
    arm_weights = arm.weights  # not the arm: a Nuisance keeping this must not keep the arm
    # the EM's weights (0 where the clones carry no data), a block of releases at a time
    weights = Rows(lambda rows: arm_weights.rows(rows) * data[rows])
    jac = score_jacobian(grouped(c.kind, c.l, c.b, weights), h, free)
    coef = influence_coefficients(jac, h, free)
    resid, _ = residual_rows(c.kind, c.l, c.b, h)
    psi = dcoef = None
    if nu is not None:
        positive = Rows(lambda rows: weights[rows] > 0)
        d = score_derivative(nu, arm_weights.cap, positive, resid, key="influence")
        psi, dcoef = nu.psi_rows, d[free].T @ coef.T
    return ArmInfluence(free, coef, weights, resid, psi, dcoef)


def sandwich_se(point, horizons, estimated_weights: bool = True,
                small_sample: bool = True) -> dict:  # fmt: skip
    """variance.sandwich_se (see there), the influence rows made block by block: the sums of
    squares (and of fourth powers, for the degrees of freedom) accumulated per block."""
    s_arm = arm_influence(point.start, estimated_weights)
    n_arm = arm_influence(point.never, estimated_weights)
    h = list(horizons)
    rs = curves(point.start.hazards)["relapse"][h]
    rn = curves(point.never.hazards)["relapse"][h]
    n = point.start.clones.kind.size
    sq: dict = {}
    quad: dict = {}
    for rows in blocks(n):
        s, nv = s_arm.rows(rows), n_arm.rows(rows)
        parts = {
            "relapse_start": s[:, :37],
            "relapse_never": nv[:, :37],
            "rd": s[:, h] - nv[:, h],
            "log_rr": s[:, h] / rs - nv[:, h] / rn,
            "rmst": s[:, -1] - nv[:, -1],
        }
        for key, x in parts.items():
            x2 = x**2
            sq[key] = sq.get(key, 0.0) + x2.sum(axis=0)
            quad[key] = quad.get(key, 0.0) + (x2**2).sum(axis=0)
    out: dict = {key: np.sqrt(v) for key, v in sq.items()}
    out["rmst"] = float(out["rmst"])
    out["df"] = {key: (_df(sq[key], quad[key], n) if small_sample
                       else np.full(np.shape(out[key]), np.inf)) for key in sq}  # fmt: skip
    return out


def _df(v, quad, n: int):
    """variance.degrees_of_freedom from the sums of c^2 (v) and c^4 over the releases:
    sum_i (c_i^2 - V/n)^2 = sum_i c_i^4 - V^2 / n."""
    var = n / max(n - 1, 1) * np.maximum(quad - np.asarray(v) ** 2 / n, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(var > 0, 2.0 * np.asarray(v) ** 2 / np.where(var > 0, var, 1.0), np.inf)
