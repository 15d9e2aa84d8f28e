"""The start models as nuisance parameters of the sandwich variance (variance.py): their
coefficients, each release's influence on them, and the clones' weights as a function of them.

A strategy's hazards solve U(h, theta) = 0, theta the coefficients of the logistic model its
weights come from (the pooled start model for "never"; for "within g" its slopes with month
g's own intercept). With
psi_i = I(theta)^{-1} s_i(theta) each release's influence on theta (s_i its score), the
hazards' influence is A^{-1} (u_i + dU/dtheta psi_i), A = -dU/dh; dU/dtheta by forward
differences of the (truncated, cap held fixed) weights.

Memory: everything per release is computed in blocks of releases (`weights.BLOCK`): the
influence `psi_rows(rows)` of a block, the weights `raw_rows(theta, rows)` of a block, and
dU/dtheta summed block by block — never an (n, P) or a (P x n, K) array. The "never" strategy
does not depend on the grace period: its arm makes its Nuisance once (arms.py), and dU/dtheta
is kept on it, so the grace-period sensitivity's fits reuse both.
"""

from __future__ import annotations

import dataclasses
import hashlib
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit

from workbench.emulation import derivatives
from workbench.emulation.grid import Grid, K
from workbench.emulation.weights import (
    BLOCK,
    StartModel,
    StartRows,
    never_weights_rows,
    start_stop,
    within_weights_from,
)


def blocks(n: int) -> list[slice]:
    """Consecutive blocks of `BLOCK` releases covering 0..n-1."""
    return [slice(lo, min(lo + BLOCK, n)) for lo in range(0, n, BLOCK)]


@dataclass(frozen=True, eq=False)
class Nuisance:
    """theta; each release's influence on it by blocks (`psi_rows(rows)`, (b, P)); the raw
    clone weights of a block as theta's function (`raw_rows(theta, rows)`, (b, K))."""

    theta: np.ndarray
    n: int
    psi_rows: Callable[[slice], np.ndarray]
    raw_rows: Callable[[np.ndarray, slice], np.ndarray]
    derivative: Callable | None = None  # (cap, data, resid) -> dU/dtheta, exact (derivatives.py)
    memo: dict = field(default_factory=dict, repr=False)

    @property
    def psi(self) -> np.ndarray:
        """(n, P) every release's influence on theta (the blocks stacked)."""
        return np.concatenate([self.psi_rows(r) for r in blocks(self.n)])

    def raw_of(self, t: np.ndarray) -> np.ndarray:
        """(n, K) raw weights at coefficients `t`."""
        return np.concatenate([self.raw_rows(t, r) for r in blocks(self.n)])


_PINV: dict[int, np.ndarray] = {}  # id(model) -> pinv of its information (unit multiplicities)


def _pooled_parts(grid: Grid, model: StartModel):
    """The pooled start model's coefficients (month terms, X, employment), each release's last
    month at risk of starting, and the pseudo-inverse of the information (once per model)."""
    q, p = model.months.size, grid.X.shape[1]
    theta = model.coefficients[: q + p + (grid.employed is not None)]
    key = id(model)
    if key not in _PINV:
        rows = StartRows.of(grid, model.months, np.ones(grid.n))
        _PINV[key] = np.linalg.pinv(rows.score_info(theta)[2])
        weakref.finalize(model, _PINV.pop, key, None)
    return theta, start_stop(grid), _PINV[key]


def _pooled_psi_rows(grid: Grid, model: StartModel, parts, rows: slice) -> np.ndarray:
    """(b, P) influence of the releases `rows` on the pooled start model's coefficients: their
    scores times the inverse information."""
    theta, stop, pinv = parts
    cols = model.months - 1
    q = cols.size
    s = grid.start_month[rows]
    A = (model.months[None, :] <= stop[rows][:, None]).astype(float)
    Y = (model.months[None, :] == s[:, None]) * A
    X = grid.X[rows]
    E = None if grid.employed is None else grid.employed[rows][:, cols]
    eta = theta[None, :q] + (X @ theta[q : q + X.shape[1]])[:, None]
    if E is not None:
        eta = eta + theta[q + X.shape[1]] * E
    r = A * (Y - expit(eta))
    parts_ = [r, X * r.sum(axis=1)[:, None]]
    if E is not None:
        parts_.append((r * E).sum(axis=1)[:, None])
    return np.concatenate(parts_, axis=1) @ pinv


def pooled(grid: Grid, model: StartModel, info_day: np.ndarray) -> Nuisance:
    """The pooled start model behind the "never start" weights."""
    parts = _pooled_parts(grid, model)
    q, p = model.months.size, grid.X.shape[1]
    with_e = grid.employed is not None

    def raw_rows(t, rows):
        m = dataclasses.replace(model, alpha=t[:q], beta=t[q : q + p],
                                gamma=float(t[q + p]) if with_e else 0.0)  # fmt: skip
        return never_weights_rows(grid, m, info_day[rows], rows)

    psi_rows = lambda rows: _pooled_psi_rows(grid, model, parts, rows)  # noqa: E731
    exact = lambda cap, data, resid: derivatives.never(grid, model, info_day, cap, data, resid)  # noqa: E731
    return Nuisance(parts[0], grid.n, psi_rows, raw_rows, exact)


def month(grid: Grid, grace: int, at_risk: np.ndarray, theta: np.ndarray, info_day,
          model: StartModel) -> Nuisance:  # fmt: skip
    """The month-g model behind the "start within g months" weights: theta = [the month's
    intercept, the pooled model's slopes]; the slopes' influence comes from the pooled model,
    the intercept's from its own score, which depends on the slopes too."""
    q, p = model.months.size, grid.X.shape[1]
    parts = _pooled_parts(grid, model)
    E = None if grid.employed is None else grid.employed[:, grace - 1]
    Z = grid.X if E is None else np.column_stack([grid.X, E])
    a = at_risk.astype(float)
    y = (grid.start_month == grace).astype(float)
    mu = expit(theta[0] + Z @ theta[1:])
    v = a * mu * (1.0 - mu)
    d_slopes = -(Z * v[:, None]).sum(axis=0)  # d(intercept score)/d(slopes)
    total = max(v.sum(), 1e-300)

    def psi_rows(rows):
        slopes = _pooled_psi_rows(grid, model, parts, rows)[:, q:]
        alpha = (a[rows] * (y[rows] - mu[rows]) + slopes @ d_slopes) / total
        return np.column_stack([alpha, slopes])

    def raw_rows(t, rows):
        eta = t[0] + grid.X[rows] @ t[1 : 1 + p] + (t[-1] * E[rows] if E is not None else 0.0)
        return within_weights_from(expit(eta), _rows_of(grid, rows), grace, info_day[rows],
                                   at_risk[rows])  # fmt: skip

    def exact(cap, data, resid):
        return derivatives.within(grid, grace, at_risk, theta, info_day, cap, data, resid)

    return Nuisance(theta, grid.n, psi_rows, raw_rows, exact)


@dataclass(frozen=True)
class _StartMonths:
    start_month: np.ndarray


def _rows_of(grid: Grid, rows: slice) -> _StartMonths:
    """What `within_weights_from` reads of the grid (the start months), for `rows`."""
    return _StartMonths(grid.start_month[rows])


def score_derivative(nu: Nuisance, cap: float, data, resid, key=None) -> np.ndarray:
    """dU/dtheta (2K, P): U = sum_i w_i * resid_i, resid (n, 2K) = E[events] - h E[at risk]
    per unit weight, w the truncated weights (cap held fixed); `data` (n, K) and `resid`:
    arrays, or anything giving a block of releases' rows by `[rows]`. Summed block by block;
    kept on `nu` under (cap, `key`) — without a key, under a digest of `data` and `resid` —
    so the "never" arm of another grace period gets the first result."""
    key = (float(cap), _digest(data), _digest(resid)) if key is None else (float(cap), key)
    if key not in nu.memo:
        make = forward_difference if nu.derivative is None else nu.derivative
        nu.memo[key] = make(cap, data, resid) if nu.derivative else make(nu, cap, data, resid)
    return nu.memo[key]


def forward_difference(nu: Nuisance, cap: float, data: np.ndarray, resid: np.ndarray):
    """`score_derivative` by forward differences of the weights (one pass over the releases
    per coefficient; the exact derivatives of derivatives.py are one pass in all)."""
    out = np.zeros((2 * K, nu.theta.size))
    steps = []
    for k in range(nu.theta.size):
        eps = 1e-6 * max(abs(nu.theta[k]), 1.0)
        t = nu.theta.copy()
        t[k] += eps
        steps.append((t, eps))
    for rows in blocks(nu.n):
        d, r = data[rows], resid[rows]
        base = np.minimum(nu.raw_rows(nu.theta, rows), cap) * d
        for k, (t, eps) in enumerate(steps):
            dw = (np.minimum(nu.raw_rows(t, rows), cap) * d - base) / eps
            out[:K, k] += (dw * r[:, :K]).sum(axis=0)
            out[K:, k] += (dw * r[:, K:]).sum(axis=0)
    return out


def _digest(a: np.ndarray) -> str:
    return hashlib.blake2b(np.ascontiguousarray(a).view(np.uint8), digest_size=16).hexdigest()
