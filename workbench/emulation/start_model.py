"""The start model of a target-trial emulation: a pooled logistic model of starting the
support, fitted once per support on the (uncloned) person-months at risk of starting; its
probabilities give the clones' weights (weights.py).

**The start model.** Rows: release i, month m = 1 .. min(start month, month its follow-up ends,
month its relapse was first known to staff) — a support can start after an undetected relapse,
not after a detected one — restricted to months in which someone started (in a month nobody
started the probability is 0, exactly). Outcome: the support started in month m. Design: one
indicator per such month (a free discrete-time baseline: no intercept), the cohort's baseline
covariates (centred; categories one-hot, first level dropped) and, when the visits record it,
current employment carried forward from the last contact before the month (`employed_before`
until the first record). Fitted by Newton–Raphson on the person-month arrays (frequency
weights: the bootstrap's multiplicities); equals R's
``glm(started ~ 0 + factor(month) + ..., family = binomial)`` on the long table
(tests/reference/emulation_glm.R).

**Memory.** The person-months are never held as (releases x months) arrays: releases are
sorted by how many month terms they are at risk in and taken in blocks of `BLOCK` (`StartRows`),
each a dense (block, width) array with few entries not at risk (57 % of the releases x month
terms are not at risk); the Newton steps sum each block's score and information. The sums are
the same as on the full arrays up to the order of addition (coefficients within ~1e-14).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from workbench.emulation.grid import Grid, K, month_of
from workbench.exceptions import EstimationError


@dataclass(frozen=True)
class StartModel:
    """A fitted pooled logistic start model (see the module doc)."""

    months: np.ndarray  # months with a month term (someone started in it)
    alpha: np.ndarray  # month terms
    beta: np.ndarray  # baseline covariates
    gamma: float  # current employment (0 when not in the model)
    hazard0: np.ndarray  # (K,) marginal start hazard per month (month terms alone)
    n_rows: int
    n_starts: float
    iterations: int

    def probabilities(self, grid: Grid) -> np.ndarray:
        """(n, K) probability of starting in each month (0 in months without a month term)."""
        return self.probabilities_of(grid.X, grid.employed)

    def probabilities_of(self, X: np.ndarray, employed: np.ndarray | None) -> np.ndarray:
        """`probabilities` of releases with baseline design X and (n, K) `employed`."""
        p = np.zeros((X.shape[0], K))
        cols = self.months - 1
        eta = self.alpha[None, :] + (X @ self.beta)[:, None]
        if employed is not None:
            eta = eta + self.gamma * employed[:, cols]
        p[:, cols] = expit(eta)
        return p

    @property
    def coefficients(self) -> np.ndarray:
        return np.concatenate([self.alpha, self.beta, [self.gamma]])


def at_risk_of_starting(grid: Grid, until_start: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(n, K) masks: month at risk of starting (under follow-up, not started before, no relapse
    detected before the month), and started in that month."""
    stop = start_stop(grid) if until_start else follow_stop(grid)
    m = np.arange(1, K + 1)
    risk = m[None, :] <= stop[:, None]
    started = m[None, :] == grid.start_month[:, None]
    return risk, started & risk


def start_stop(grid: Grid) -> np.ndarray:
    """(n,) the last month each release is at risk of starting (`at_risk_of_starting`'s
    months are 1..stop; 0: none)."""
    return np.minimum(follow_stop(grid), grid.start_month)


# releases per block of the start model's person-month arrays: its Newton holds ~10 arrays of
# (block, months) at a time instead of (releases, months) ones (68 MB each at 230,000 releases)
BLOCK = 8192
# person-month entries (releases x month terms) up to which a fit keeps its blocks' arrays
# between Newton steps (23,000 releases: <= 0.9 M, ~20 MB; a bootstrap replicate's start model
# takes 4-5 steps and remade them at each)
KEEP_BLOCKS = 2_000_000


@dataclass(frozen=True)
class StartRows:
    """The start model's person-months at risk, by release: release `rows` (those with at least
    one month at risk in a month term and a positive multiplicity), sorted by `width`, the
    number of month terms they are at risk in (months 1..stop are at risk, so these are the
    first `width` month terms); `freq` their multiplicities. Blocks of releases of similar
    width make dense (block, width) arrays with few entries not at risk."""

    grid: Grid
    months: np.ndarray
    rows: np.ndarray
    width: np.ndarray
    freq: np.ndarray

    @classmethod
    def of(cls, grid: Grid, months: np.ndarray, freq: np.ndarray) -> StartRows:
        width = np.searchsorted(months, start_stop(grid), side="right")
        keep = np.flatnonzero((width > 0) & (freq > 0))
        order = keep[np.argsort(-width[keep], kind="stable")]
        return cls(grid, months, order, width[order], freq[order])

    def blocks(self):
        """(positions, A, Y, X, E) per block: positions into `rows`; A (b, w) the multiplicity
        where at risk (else 0), Y started, X the baseline design, E employment (or None). Made
        once per fit and kept for its Newton steps when they are small (`KEEP_BLOCKS`), else
        remade at each step (large cohorts: no (releases x months) arrays held)."""
        kept = self.__dict__.get("_kept")
        if kept is None:
            kept = self._blocks()
            if self.rows.size * self.months.size <= KEEP_BLOCKS:  # employment as float once
                kept = [(pos, A, Y, X, None if E is None else E.astype(float))
                        for pos, A, Y, X, E in kept]  # fmt: skip
                self.__dict__["_kept"] = kept
        yield from kept

    def _blocks(self):
        g = self.grid
        for lo in range(0, self.rows.size, BLOCK):
            pos = slice(lo, min(lo + BLOCK, self.rows.size))
            idx, w = self.rows[pos], int(self.width[lo])
            cols = self.months[:w] - 1
            at = np.arange(w)[None, :] < self.width[pos][:, None]
            A = at * self.freq[pos][:, None]
            Y = (g.start_month[idx][:, None] == self.months[None, :w]).astype(float)
            E = None if g.employed is None else g.employed[idx][:, cols]
            yield pos, A, Y, g.X[idx], E

    def score_info(self, theta: np.ndarray, loglik: bool = True):
        """`score_info` summed over the blocks (the same sums as on the full arrays)."""
        size = theta.size
        total, score, info = 0.0, np.zeros(size), np.zeros((size, size))
        for _, A, Y, X, E in self.blocks():
            idx = self.index(A.shape[1])
            ll, sc, inf = score_info(theta[idx], A, Y, X, E, loglik)
            total = ll if not loglik else total + ll
            score[idx] += sc
            info[np.ix_(idx, idx)] += inf
        return total, score, info

    def index(self, width: int) -> np.ndarray:
        """Coefficients of a block `width` month terms wide: its months, then the slopes."""
        q, p = self.months.size, self.grid.X.shape[1]
        tail = q + np.arange(p + int(self.grid.employed is not None))
        return np.concatenate([np.arange(width), tail])


def fit_start_model(
    grid: Grid,
    freq: np.ndarray | None = None,
    init: StartModel | None = None,
    tol: float = 1e-9,
) -> StartModel:
    """Newton–Raphson fit of the pooled logistic start model (frequency weights `freq`), on the
    person-months at risk in blocks of releases (`StartRows`)."""
    freq = np.ones(grid.n) if freq is None else np.asarray(freq, float)
    stop = start_stop(grid)
    started = grid.start_month <= stop  # started in a month at risk
    # weighted person-months at risk and starts per month (exact sums of the multiplicities)
    ends = np.bincount(stop, weights=freq, minlength=K + 1)  # stop = 0 .. K
    risk_m = np.cumsum(ends[::-1])[::-1][1:]  # months m = 1..K: releases with stop >= m
    starts_m = np.bincount(grid.start_month[started] - 1, weights=freq[started], minlength=K)[:K]
    months = np.flatnonzero(starts_m > 0) + 1
    if months.size == 0:
        raise EstimationError("nobody started the support: no start model")
    rows = StartRows.of(grid, months, freq)
    with_e = grid.employed is not None
    hazard0 = np.where(risk_m > 0, starts_m / np.maximum(risk_m, 1e-300), 0.0)
    theta = _initial(init, hazard0[months - 1], grid.X.shape[1], with_e, months)
    theta, it = _newton(theta, rows.score_info, tol)
    q = months.size
    p = grid.X.shape[1]
    return StartModel(
        months=months,
        alpha=theta[:q],
        beta=theta[q : q + p],
        gamma=float(theta[q + p]) if with_e else 0.0,
        hazard0=hazard0,
        n_rows=int(stop.sum()),
        n_starts=float(starts_m.sum()),
        iterations=it,
    )


def _initial(init, h0, p, with_e, months=None) -> np.ndarray:
    if init is not None and np.array_equal(init.months, months):
        tail = [init.gamma] if with_e else []
        return np.concatenate([init.alpha, init.beta, tail])
    h0 = np.clip(h0, 1e-6, 1 - 1e-6)
    return np.concatenate([np.log(h0 / (1 - h0)), np.zeros(p + int(with_e))])


def score_info(theta, A, Y, X, E, loglik: bool = True):
    """Log-likelihood (None unless `loglik`), score and information of the pooled logistic
    model in block form."""
    q, p = A.shape[1], X.shape[1]
    eta = theta[None, :q] + (X @ theta[q : q + p])[:, None]
    if E is not None:
        eta = eta + theta[q + p] * E
    mu = expit(eta)
    ll = float(np.sum(A * (Y * eta - np.logaddexp(0.0, eta)))) if loglik else None
    r = A * (Y - mu)
    w = A * mu * (1.0 - mu)
    wr = w.sum(axis=1)
    blocks = [[np.diag(w.sum(axis=0)), w.T @ X], [X.T @ w, (X * wr[:, None]).T @ X]]
    score = [r.sum(axis=0), X.T @ r.sum(axis=1)]
    if E is not None:
        we = w * E
        blocks[0].append(we.sum(axis=0)[:, None])
        blocks[1].append((X.T @ we.sum(axis=1))[:, None])
        blocks.append([we.sum(axis=0)[None, :], (X.T @ we.sum(axis=1))[None, :],
                       np.array([[np.sum(we * E)]])])  # fmt: skip
        score.append(np.array([np.sum(r * E)]))
    return ll, np.concatenate(score), np.block(blocks)


def fit_pooled_logistic(A, Y, X, E=None, tol: float = 1e-10, init=None) -> np.ndarray:
    """Coefficients (month terms, X's, E's) of the pooled logistic model in block form: A (n, q)
    person-month weights (0 = not at risk), Y (n, q) 0/1 outcome, X (n, p) covariates per row,
    E (n, q) a time-varying covariate or None; `init`: coefficients to start Newton from."""
    if init is not None:
        theta = np.array(init, float)
        return _newton(theta, lambda t, ll=True: score_info(t, A, Y, X, E, ll), tol)[0]
    h = (A * Y).sum(axis=0) / np.maximum(A.sum(axis=0), 1e-300)
    theta = _initial(None, h, X.shape[1], E is not None)
    return _newton(theta, lambda t, ll=True: score_info(t, A, Y, X, E, ll), tol)[0]


# Newton steps moving no coefficient by more than this are taken whole without evaluating the
# log-likelihood: near the maximum of the (concave) log-likelihood such a step increases it, so
# the step-halving check would accept it (the check guards the first steps from a poor start).
# A bootstrap replicate's start model starts from the full-data fit: most of its steps are such.
SURE_STEP = 0.1


def _newton(theta, evaluate, tol, max_iter=100):
    """Newton–Raphson with step halving; `evaluate(theta, loglik)` -> (loglik or None when not
    `loglik`, score, information)."""
    loglik, score, info = evaluate(theta)
    for it in range(1, max_iter + 1):
        step = np.linalg.lstsq(info, score, rcond=None)[0]
        if np.max(np.abs(step)) < tol:  # the last step: accepted whole, as the check below
            return theta + step, it  # would (no need to evaluate the likelihood there)
        if np.max(np.abs(step)) <= SURE_STEP:  # taken whole, as the check below would
            theta = theta + step
            loglik, score, info = evaluate(theta, False)
            continue
        if loglik is None:  # after steps taken without it
            loglik = evaluate(theta)[0]
        for _ in range(30):  # step halving
            new = theta + step
            new_ll, new_score, new_info = evaluate(new)
            if new_ll >= loglik - 1e-10 * abs(loglik):
                break
            step = step / 2
        theta, loglik, score, info = new, new_ll, new_score, new_info
        if np.max(np.abs(step)) < tol:
            return theta, it
    return theta, max_iter


def follow_stop(grid: Grid) -> np.ndarray:
    """(n,) last month a start is possible (`at_risk_of_starting(until_start=False)`)."""
    return follow_stop_rows(grid, slice(None))


def follow_stop_rows(grid: Grid, rows: slice) -> np.ndarray:
    detected = grid.detected[rows]
    seen = np.where(np.isfinite(detected), month_of(np.minimum(detected, 1e9)), K)
    return np.minimum(month_of(grid.end[rows]), seen)
