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
accelerates them.
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
    """Clones grouped by (kind, l, b): masks of allowed months and summed weights."""

    kind: np.ndarray
    l: np.ndarray  # noqa: E741
    b: np.ndarray
    weight: np.ndarray  # (G, K) summed weights per month
    relapse_mask: np.ndarray  # (G, K) months a relapse is allowed
    death_mask: np.ndarray  # (G, K) month of the death (kind 2)
    known: np.ndarray  # (G, K) months surely at risk (kind 0: 1..l)


def group(kind, l, b, weights) -> Groups:  # noqa: E741
    """Group clones by (kind, l, b) and sum their (n, K) `weights` per group and month."""
    key = (kind.astype(np.int64) * (K + 2) + l) * (K + 2) + b
    uniq, inv = np.unique(key, return_inverse=True)
    n = key.size
    onehot = sparse.csr_matrix((np.ones(n), (inv, np.arange(n))), shape=(uniq.size, n))
    summed = np.asarray(onehot @ weights)
    g_b = uniq % (K + 2)
    g_l = (uniq // (K + 2)) % (K + 2)
    g_kind = uniq // (K + 2) ** 2
    m = np.arange(1, K + 1)[None, :]
    interval = g_kind[:, None] != CENSORED
    relapse_mask = interval & (m > g_l[:, None]) & (m <= g_b[:, None])
    death_mask = (g_kind[:, None] == DEATH) & (m == g_b[:, None])
    known = (~interval) & (m <= g_l[:, None])
    return Groups(g_kind, g_l, g_b, summed, relapse_mask, death_mask, known)


def _em_step(h: np.ndarray, g: Groups) -> np.ndarray:
    hr, hd = h[:K], h[K:]
    s_prev = np.concatenate([[1.0], np.cumprod(1.0 - hr - hd)[:-1]])
    sd_prev = np.concatenate([[1.0], np.cumprod(1.0 - hd)[:-1]])
    fr = g.relapse_mask * (s_prev * hr)[None, :]
    # a death seen in month b: either no relapse before it (S(b-1) h_d(b)) or a relapse in
    # month j, then survival and death in month b (S(j-1) h_r(j) prod_{j<=k<b}(1 - h_d(k))
    # h_d(b): death independent of relapse); the common h_d(b) cancels
    dead = g.kind == DEATH
    fr[dead] *= sd_prev[g.b[dead] - 1][:, None] / np.maximum(sd_prev[None, :], 1e-300)
    fd = g.death_mask * s_prev[None, :]
    total = fr.sum(axis=1) + fd.sum(axis=1)
    interval = g.kind != CENSORED
    empty = interval & (total <= 0)
    if empty.any():  # hazards 0 where these data need an event: spread evenly
        fr[empty] = g.relapse_mask[empty]
        fd[empty] = g.death_mask[empty]
        total = fr.sum(axis=1) + fd.sum(axis=1)
    scale = np.where(interval, 1.0 / np.where(total > 0, total, 1.0), 0.0)
    pr, pd_ = fr * scale[:, None], fd * scale[:, None]
    mass = pr + pd_
    at_risk = np.cumsum(mass[:, ::-1], axis=1)[:, ::-1] + g.known
    risk = (g.weight * at_risk).sum(axis=0)
    nr = (g.weight * pr).sum(axis=0)
    nd = (g.weight * pd_).sum(axis=0)
    ok = risk > 0
    out = np.zeros(2 * K)
    out[:K][ok] = nr[ok] / risk[ok]
    out[K:][ok] = nd[ok] / risk[ok]
    return out


def _project(h: np.ndarray) -> np.ndarray:
    h = np.clip(h, 0.0, 1.0)
    total = h[:K] + h[K:]
    over = total > 1.0
    if over.any():
        h[:K][over] /= total[over]
        h[K:][over] /= total[over]
    return h


def fit_hazards(
    g: Groups,
    init: np.ndarray | None = None,
    tol: float = 1e-10,
    max_iter: int = 20000,
    fixed: np.ndarray | None = None,
) -> tuple[np.ndarray, int]:
    """Fixed point of the weighted EM (SQUAREM-accelerated): hazards (2K,) and iterations.
    `fixed`: (2K,) hazards held at their value (NaN: estimated)."""
    if init is None:
        h = np.concatenate([np.full(K, 0.05), np.full(K, 0.001)])
    else:
        h = init.copy()
    hold = None if fixed is None else ~np.isnan(fixed)

    def step(x):
        y = _em_step(x, g)
        if hold is not None:
            y[hold] = fixed[hold]
        return y

    if hold is not None:
        h[hold] = fixed[hold]
    for it in range(1, max_iter + 1):
        h1 = step(h)
        h2 = step(h1)
        r, v = h1 - h, h2 - 2 * h1 + h
        nr, nv = np.linalg.norm(r), np.linalg.norm(v)
        if nv > 0 and nr > 0:
            alpha = -max(1.0, nr / nv)
            hn = step(_project(h - 2 * alpha * r + alpha**2 * v))  # and a stabilising EM step
        else:
            hn = h2
        if np.max(np.abs(hn - h)) < tol:
            return hn, it
        h = hn
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


def at_risk_posterior(kind, l, b, h: np.ndarray) -> np.ndarray:  # noqa: E741
    """(n, K) probability that each record is event-free at the start of each month, given its
    data and the hazards `h` (kind 0 after month l: S(m-1) / S(l))."""
    ones = np.ones((kind.size, K))
    g = group(kind, l, b, ones)
    hr, hd = h[:K], h[K:]
    surv = np.concatenate([[1.0], np.cumprod(1.0 - hr - hd)])
    s_prev = surv[:-1]
    fr = g.relapse_mask * (s_prev * hr)[None, :]
    fd = g.death_mask * s_prev[None, :]
    total = fr.sum(axis=1) + fd.sum(axis=1)
    interval = g.kind != CENSORED
    mass = (fr + fd) / np.where(total > 0, total, 1.0)[:, None]
    inside = np.cumsum(mass[:, ::-1], axis=1)[:, ::-1]
    m = np.arange(1, K + 1)[None, :]
    after = s_prev[None, :] / np.maximum(surv[g.l][:, None], 1e-300)
    censored = np.where(m <= g.l[:, None], 1.0, np.minimum(after, 1.0))
    post = np.where(interval[:, None], np.where(m <= g.l[:, None], 1.0, inside), censored)
    key = (kind.astype(np.int64) * (K + 2) + l) * (K + 2) + b
    return post[np.unique(key, return_inverse=True)[1]]
