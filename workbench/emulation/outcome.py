"""The outcome under one strategy: weighted self-consistency (EM) for discrete-time
cause-specific monthly hazards of relapse and death, from interval-censored relapses.

Model: h_r(m), h_d(m) the probabilities of relapse / death in month m given neither before;
S(m) = prod_{j<=m} (1 - h_r(j) - h_d(j)); P(relapse in m) = S(m-1) h_r(m). Each clone's data
(grid.py) allow a set of outcomes: kind 0 none through month l (then unknown); kind 1 a relapse
in one of months l+1..b; kind 2 a relapse in l+1..b or the death in month b.

- E-step: a clone's outcome is distributed over the months its data allow, in proportion to
  S(j-1) h_r(j); for a death seen in month b with no relapse seen, between "no relapse before
  the death" (S(b-1)) and "a relapse in month j, then the death" (S(j-1) h_r(j) times the
  chance of surviving to month b: death assumed independent of relapse, as in the simulator);
  expected relapses, deaths and months at risk.
- M-step: h_c(m) = sum_i w_i(m) E[events_c,i(m)] / sum_i w_i(m) E[at risk_i(m)], w_i(m) the
  clone's inverse-probability-of-censoring weight in month m.

The E-step depends only on (kind, l, b), so clones are grouped by it and each group carries its
summed weights per month: an iteration costs (groups x months), not (clones x months). On
right-censored data on the grid (every relapse's month known) there is nothing to distribute and
the fixed point is the weighted Aalen–Johansen estimator (checked against R's survfit).
Iterations stop when no hazard moves by more than `tol`; SQUAREM (Varadhan & Roland 2008)
accelerates them, and an EM still creeping after `FINISH_AFTER` iterations (a flat ridge) is
finished by Newton's method on the fixed-point equations (`newton_finish`). batch_em.py runs the
EM of a chunk of bootstrap replicates at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from workbench.data import codes
from workbench.emulation.grid import CENSORED, DEATH, HORIZON, K

D = codes.DAYS_PER_MONTH


@dataclass(frozen=True)
class Groups:
    """Clones grouped by (kind, l, b), flattened for the E-step: one entry per interval group
    and month a relapse is allowed in (l, b]; everything surely at risk (months 1..l) is
    summed once into `fixed_risk`."""

    month: np.ndarray  # (P,) month index 0..K-1 of each (group, month) pair
    pair_weight: np.ndarray  # (P,) the group's summed weight in that month
    seg: np.ndarray  # (P,) interval-group index of each pair
    starts: np.ndarray  # (G,) first pair of each group
    dead: np.ndarray  # (G,) a death was seen (kind 2)
    b: np.ndarray  # (G,) month of the relapse or death seen
    death_weight: np.ndarray  # (G,) summed weight in month b (deaths)
    fixed_risk: np.ndarray  # (K,) weighted months surely at risk
    fixed_death: np.ndarray  # (K,) weighted deaths surely before any relapse (l = b)


@dataclass(frozen=True)
class Grouping:
    """The grouping of clones by (kind, l, b): everything `group` computes that does not
    depend on the weights (a bootstrap replicate's clones are the point estimate's; only their
    weights change)."""

    onehot: sparse.csr_matrix  # (groups, n) clone -> group
    fixed: np.ndarray  # (groups, K) months surely at risk (m <= l)
    sure: np.ndarray  # (groups,) a death seen with no relapse possible before it
    sure_b: np.ndarray  # (sure groups,) its month
    keep: np.ndarray  # (groups,) groups with an interval to share (kind != 0, b > l)
    seg: np.ndarray
    col: np.ndarray
    starts: np.ndarray
    dead: np.ndarray
    b: np.ndarray

    def apply(self, weights) -> Groups:
        """The `Groups` of these clones with (n, K) `weights`."""
        return self._summed(np.asarray(self.onehot @ weights))

    def apply_rows(self, rows: np.ndarray, weights: np.ndarray) -> Groups:
        """`apply` of (n, K) weights that are 0 outside the clones `rows` (sorted), given as
        their (rows, K) `weights`: the same sums in the same order (a clone's weight is added
        to its group's in clone order either way)."""
        csc = self.__dict__.get("_csc")
        if csc is None:
            csc = self.__dict__["_csc"] = self.onehot.tocsc()
        return self._summed(np.asarray(csc[:, rows] @ weights))

    def _summed(self, summed: np.ndarray) -> Groups:
        fixed_risk = (summed * self.fixed).sum(axis=0)
        sb = self.sure_b
        fixed_death = np.bincount(sb - 1, summed[self.sure, sb - 1], minlength=K)
        summed = summed[self.keep]
        g_b = self.b
        death_weight = np.where(self.dead, summed[np.arange(g_b.size), g_b - 1], 0.0)
        return Groups(self.col, summed[self.seg, self.col], self.seg, self.starts, self.dead,
                      g_b, death_weight, fixed_risk, fixed_death.astype(float))  # fmt: skip


def grouping(kind, l, b) -> Grouping:  # noqa: E741
    """Group clones by (kind, l, b) (see `group`)."""
    key = (kind.astype(np.int64) * (K + 2) + l) * (K + 2) + b
    uniq, inv = np.unique(key, return_inverse=True)
    n = key.size
    onehot = sparse.csr_matrix((np.ones(n), (inv, np.arange(n))), shape=(uniq.size, n))
    g_b = uniq % (K + 2)
    g_l = (uniq // (K + 2)) % (K + 2)
    g_kind = uniq // (K + 2) ** 2
    m = np.arange(1, K + 1)[None, :]
    fixed = m <= g_l[:, None]
    sure = (g_kind == DEATH) & (g_b <= g_l)  # relapse-free up to the death: nothing to share
    keep = (g_kind != CENSORED) & (g_b > g_l)
    sure_b = g_b[sure]
    g_kind, g_l, g_b = g_kind[keep], g_l[keep], g_b[keep]
    inside = (m > g_l[:, None]) & (m <= g_b[:, None])
    seg, col = np.nonzero(inside)
    starts = np.searchsorted(seg, np.arange(g_b.size))
    return Grouping(onehot, fixed, sure, sure_b, keep, seg, col, starts, g_kind == DEATH, g_b)


def group(kind, l, b, weights) -> Groups:  # noqa: E741
    """Group clones by (kind, l, b) and sum their (n, K) `weights` per group and month."""
    return grouping(kind, l, b).apply(weights)


def _em_step(h: np.ndarray, g: Groups, with_risk: bool = False):
    """One EM step: the M-step's hazards (2K,) from hazards `h` (and the expected weighted
    months at risk (K,) when `with_risk`)."""
    x = _plan(g)
    hr, hd = h[:K], h[K:]
    s_prev, sd_prev = np.empty(K), np.empty(K)
    s_prev[0] = sd_prev[0] = 1.0
    s_prev[1:] = np.cumprod(1.0 - hr - hd)[:-1]
    sd_prev[1:] = np.cumprod(1.0 - hd)[:-1]
    fr = s_prev[g.month] * hr[g.month]
    # a death seen in month b: either no relapse before it (S(b-1) h_d(b)) or a relapse in
    # month j, then survival and death in month b (S(j-1) h_r(j) prod_{j<=k<b}(1 - h_d(k))
    # h_d(b): death independent of relapse); the common h_d(b) cancels
    i = x.dead_pairs
    fr[i] = fr[i] * sd_prev[x.dead_b1] / np.maximum(sd_prev[x.dead_month], 1e-300)
    fd = np.zeros(g.b.size)
    fd[x.dead_groups] = s_prev[x.dead_group_b1]
    csum = np.cumsum(fr)
    seg_total = np.add.reduceat(fr, g.starts) if fr.size else np.zeros(0)
    total = seg_total + fd
    empty = total <= 1e-250
    if empty.any():  # hazards 0 where these data need an event: spread evenly
        fr = np.where(empty[g.seg], 1.0, fr)
        fd = np.where(empty & g.dead, 1.0, fd)
        csum = np.cumsum(fr)
        seg_total = np.add.reduceat(fr, g.starts)
        total = seg_total + fd
    before = csum[g.starts] - fr[g.starts]  # cumulative sum before each group
    suffix = seg_total[g.seg] - (csum - fr - before[g.seg])  # mass from this month on
    scale = 1.0 / total
    wp = g.pair_weight * scale[g.seg]
    risk = g.fixed_risk + np.bincount(g.month, wp * (suffix + fd[g.seg]), minlength=K)
    nr = np.bincount(g.month, wp * fr, minlength=K)
    nd = g.fixed_death + np.bincount(x.b1, g.death_weight * fd * scale, minlength=K)
    pos = risk > 0
    safe = np.where(pos, risk, 1.0)
    out = np.concatenate([np.where(pos, nr / safe, 0.0), np.where(pos, nd / safe, 0.0)])
    return (out, risk) if with_risk else out


@dataclass(frozen=True)
class _Plan:
    """Index arrays of one `Groups` the E-step uses at every iteration."""

    dead_pairs: np.ndarray  # pairs of groups with a death seen
    dead_b1: np.ndarray  # their month of death - 1
    dead_month: np.ndarray  # their month
    dead_groups: np.ndarray  # groups with a death seen
    dead_group_b1: np.ndarray  # their month of death - 1
    b1: np.ndarray  # every group's month b - 1


def _plan(g: Groups) -> _Plan:
    """`g`'s `_Plan`, made once per Groups (kept on it)."""
    plan = g.__dict__.get("_plan")
    if plan is None:
        pairs = np.flatnonzero(g.dead[g.seg])
        groups = np.flatnonzero(g.dead)
        plan = _Plan(pairs, g.b[g.seg[pairs]] - 1, g.month[pairs], groups, g.b[groups] - 1,
                     g.b - 1)  # fmt: skip
        g.__dict__["_plan"] = plan
    return plan


def _map_jacobian(g: Groups, h: np.ndarray, f: np.ndarray, free: np.ndarray) -> np.ndarray:
    """dF/dh[:, free] of the EM map F at h (f = F(h)) by forward differences."""
    jac = np.empty((2 * K, free.size))
    for j, k in enumerate(free):
        eps = 1e-7 * max(h[k], 1e-4)
        hp = h.copy()
        hp[k] += eps
        jac[:, j] = (_em_step(hp, g) - f) / eps
    return jac


def score_jacobian(g: Groups, h: np.ndarray, free: np.ndarray) -> np.ndarray:
    """dU/dh[free] at a fixed point h of the EM map F, U(h) = R(h) (F(h) - h) the weighted
    estimating equations (R the expected weighted months at risk): there dU/dh =
    diag(R) (dF/dh - I); dF/dh by forward differences."""
    f, risk = _em_step(h, g, with_risk=True)
    r2 = np.concatenate([risk, risk])
    jac = _map_jacobian(g, h, f, free)
    jac[free, np.arange(free.size)] -= 1.0
    return r2[:, None] * jac


# SQUAREM iterations after which Newton's method finishes the fixed point (`newton_finish`): where
# months trade hazard with almost no change of the fit (a flat ridge) the EM creeps, e.g.
# financial aid's "start within 6 months" arm at 23,000 releases did not converge in 50,000
# iterations (and its numbers depended on where the cap stopped it); the other arms converge
# well before.
FINISH_AFTER = 500


def newton_finish(h: np.ndarray, g: Groups, tol: float, steps: int = 30) -> np.ndarray | None:
    """Newton's method for F(h) = h from `h` (F the EM map, `_em_step`) over the hazards the EM
    can move (a relapse hazard at 0 stays 0): steps solving (I - dF/dh) d = F(h) - h, dF/dh by
    central differences, projected onto valid hazards. Returns the hazards once a Newton step
    moves none by more than `tol` (a Newton step, unlike an EM step on a flat ridge, measures
    the distance to the fixed point); None when Newton fails."""
    for _ in range(steps):
        f = _em_step(h, g)
        if not np.all(np.isfinite(f)):
            return None
        free = np.flatnonzero((h > 0) | (f > 0))
        jac = np.empty((free.size, free.size))
        for j, k in enumerate(free):
            eps = 1e-6 * max(h[k], 1e-4)
            up, down = h.copy(), h.copy()
            up[k] += eps
            down[k] -= min(eps, h[k])
            jac[:, j] = (_em_step(up, g) - _em_step(down, g))[free] / (up[k] - down[k])
        step = np.linalg.lstsq(np.eye(free.size) - jac, (f - h)[free], rcond=None)[0]
        new = h.copy()
        new[free] += step
        new = _project(new)
        if not np.all(np.isfinite(new)):
            return None
        if np.max(np.abs(new - h)) < tol:
            return new
        h = new
    return None


def _project(h: np.ndarray) -> np.ndarray:
    h = np.clip(h, 0.0, 1.0)
    total = h[:K] + h[K:]
    over = total > 1.0
    if over.any():
        h[:K][over] /= total[over]
        h[K:][over] /= total[over]
    return h


def fit_hazards(
    g: Groups, init: np.ndarray | None = None, tol: float = 1e-10, max_iter: int = 50000
) -> tuple[np.ndarray, int]:
    """Fixed point of the weighted EM (SQUAREM-accelerated): hazards (2K,) and iterations.
    Converged when no hazard moves by more than `tol` in an iteration."""
    if init is None:
        h = np.concatenate([np.full(K, 0.05), np.full(K, 0.001)])
    else:
        h = init.copy()
    for it in range(1, max_iter + 1):
        h1 = _em_step(h, g)
        h2 = _em_step(h1, g)
        r, v = h1 - h, h2 - 2 * h1 + h
        nr, nv = np.sqrt(r.dot(r)), np.sqrt(v.dot(v))  # np.linalg.norm's own computation
        if nv > 0 and nr > 0:
            alpha = -max(1.0, nr / nv)
            hn = _em_step(_project(h - 2 * alpha * r + alpha**2 * v), g)  # and a stabilising step
        else:
            hn = h2
        if np.max(np.abs(hn - h)) < tol:
            return hn, it
        h = hn
        if it % FINISH_AFTER == 0 and (done := newton_finish(h, g, tol)) is not None:
            return done, it
    return h, max_iter


def curves(h: np.ndarray) -> dict[str, np.ndarray]:
    """Cumulative incidence of relapse and death and event-free survival at months 0..HORIZON,
    and the restricted mean event-free (relapse-free, alive) time to HORIZON months in days
    (linear between month ends: events spread evenly within a month)."""
    hr, hd = h[:K], h[K:]
    surv = np.concatenate([[1.0], np.cumprod(1.0 - hr - hd)])
    s_prev = surv[:-1]
    cif_r = np.concatenate([[0.0], np.cumsum(s_prev * hr)])
    cif_d = np.concatenate([[0.0], np.cumsum(s_prev * hd)])
    s = surv[: HORIZON + 1]
    rmst = float(D * np.sum((s[:-1] + s[1:]) / 2.0))
    return {
        "relapse": cif_r[: HORIZON + 1],
        "death": cif_d[: HORIZON + 1],
        "survival": s,
        "rmst_days": rmst,
    }
