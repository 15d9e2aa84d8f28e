"""The piecewise-exponential model's data: each person's follow-up cut into segments at the
baseline pieces, the exposure starts, entry, L and R (`split_time`), and the segment design
(`Design`) that gives the log-likelihood, score and Hessian without building it densely.

The model and its conventions are described in `workbench.stats.pwe`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from workbench.exceptions import DataError, ParameterError

CENSORED, INTERVAL, EXACT = 0, 1, 2
_BLOCK = 200_000  # people per block when cutting time (bounds the temporary memory)
SCORE_BLOCK = 8  # score columns built at a time (bounds the temporary memory)


@dataclass(frozen=True)
class Segments:
    person: np.ndarray  # person index of each segment (sorted)
    piece: np.ndarray  # baseline piece of each segment
    dt: np.ndarray  # length
    zcode: np.ndarray  # row of `patterns`: the segment's exposure status
    patterns: np.ndarray  # distinct exposure statuses (n_patterns x J, 0/1)
    part1: np.ndarray  # True: segment lies in (L, R] (interval-censored persons)
    last: np.ndarray  # index of each person's last segment
    kind: np.ndarray  # CENSORED / INTERVAL / EXACT per person

    @property
    def z(self) -> np.ndarray:
        """Exposure status per segment (segments x J); dense, for checks only."""
        return self.patterns[self.zcode]


def _compact(codes: np.ndarray, bound: int) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes in [0, bound) -> (sorted distinct codes, index of each into them)."""
    if bound <= 4 * codes.size + 4096:
        present = np.flatnonzero(np.bincount(codes, minlength=bound))
        lookup = np.zeros(bound, np.intp)
        lookup[present] = np.arange(present.size)
        return present, lookup[codes]
    present, index = np.unique(codes, return_inverse=True)
    return present, index.ravel()


def _cut_block(lower, end, starts, entry, inner):
    n = lower.shape[0]
    pts = [np.broadcast_to(inner, (n, inner.size)), starts, lower[:, None], end[:, None]]
    b = np.concatenate(pts, axis=1)
    b = np.where(np.isnan(b), end[:, None], b)
    b = np.clip(b, entry[:, None], end[:, None])
    b = np.sort(np.concatenate([entry[:, None], b], axis=1), axis=1)
    a0, a1 = b[:, :-1], b[:, 1:]
    keep = a1 > a0
    person = np.broadcast_to(np.arange(n)[:, None], a0.shape)[keep]
    return person, a0[keep], a1[keep]


def split_time(lower, upper, starts, entry, cuts) -> Segments:
    """Cut each person's follow-up at pieces, exposure starts, entry, L and R (vectorised)."""
    n = lower.shape[0]
    upper = np.where(np.isfinite(upper), upper, np.nan)
    kind = np.where(np.isnan(upper), CENSORED, np.where(upper > lower, INTERVAL, EXACT))
    end = np.where(kind == CENSORED, lower, upper)
    starts = np.asarray(starts, float).reshape(n, -1)
    J = starts.shape[1]
    if J > 62:
        raise ParameterError(f"{J} exposures in one model; at most 62 are supported.")
    inner = np.asarray(cuts[1:-1], float)
    blocks = [
        _cut_block(lower[i : i + _BLOCK], end[i : i + _BLOCK], starts[i : i + _BLOCK],
                   entry[i : i + _BLOCK], inner)
        for i in range(0, n, _BLOCK)
    ]  # fmt: skip
    person = np.concatenate([p + i * _BLOCK for i, (p, _, _) in enumerate(blocks)])
    a = np.concatenate([b[1] for b in blocks])
    stop = np.concatenate([b[2] for b in blocks])
    del blocks
    piece = np.clip(np.searchsorted(np.asarray(cuts, float), a, side="right") - 1, 0, len(cuts) - 2)
    bits = np.zeros(a.size, np.int64)
    for j in range(J):
        bits |= (a >= starts[person, j]).astype(np.int64) << j
    codes, zcode = _compact(bits, 2**J) if J <= 20 else _compact(bits, 2**62)
    patterns = ((codes[:, None] >> np.arange(J)) & 1).astype(float)
    part1 = (kind[person] == INTERVAL) & (a >= lower[person])
    counts = np.bincount(person, minlength=n)
    if np.any(counts == 0):
        raise DataError("a person has no time at risk after entry; check lower/upper/entry days.")
    last = np.cumsum(counts) - 1
    return Segments(person, piece, stop - a, zcode, patterns, part1, last, kind)


class Design:
    """The segment design [piece one-hot | person covariates | exposures], never built densely.

    A segment's hazard is exp(u'theta_u) exp(x'beta) dt: its piece and exposure columns (u)
    depend only on its cell (piece x exposure pattern), its covariates (x) only on its person.
    So A_i and D_i (cumulative hazard outside and inside (L, R]) are exp(x_i'beta) times a
    sparse (people x cells) matrix of summed lengths, M0 or M1, applied to exp(u'theta_u): no
    pass over segments after the design is built. `values` / `derivatives` give the
    log-likelihood, the score and the Hessian for case weights w.
    """

    def __init__(self, seg: Segments, x: np.ndarray, K: int):
        self.x, self.K = x, K
        self.n, self.p, self.J = x.shape[0], x.shape[1], seg.patterns.shape[1]
        self.width = K + self.p + self.J
        P = seg.patterns.shape[0]
        cells, cell = _compact(seg.piece * P + seg.zcode, K * P)
        self.ucell = np.hstack([np.eye(K)[cells // P], seg.patterns[cells % P]])
        self.iv, self.ex = seg.kind == INTERVAL, seg.kind == EXACT
        shape = (self.n, cells.size)
        out = ~seg.part1
        self.M0 = sparse.csr_matrix((seg.dt[out], (seg.person[out], cell[out])), shape=shape)
        ivpos = np.cumsum(self.iv) - 1
        part1 = seg.part1
        rows = ivpos[seg.person[part1]]
        self.M1 = sparse.csr_matrix(
            (seg.dt[part1], (rows, cell[part1])), shape=(int(self.iv.sum()), cells.size)
        )
        self.x_iv, self.x_ex = x[self.iv], x[self.ex]
        self.cell_ex = cell[seg.last[self.ex]]
        self.u_index = np.r_[0:K, K + self.p : self.width]

    def subset(self, keep: np.ndarray) -> Design:
        """The design of the people where `keep` is True."""
        sub = object.__new__(Design)
        sub.__dict__.update(self.__dict__)
        sub.n = int(keep.sum())
        sub.x, sub.iv, sub.ex = self.x[keep], self.iv[keep], self.ex[keep]
        sub.M0, sub.M1 = self.M0[keep], self.M1[keep[self.iv]]
        sub.x_iv, sub.x_ex = sub.x[sub.iv], sub.x[sub.ex]
        sub.cell_ex = self.cell_ex[keep[self.ex]]
        return sub

    def values(self, theta):
        """(per-person log-likelihood, exp(cell eta), exp(x'beta), A, D): the cheap part."""
        K, p = self.K, self.p
        eta_cell = self.ucell @ theta[self.u_index]
        xb = self.x @ theta[K : K + p]
        e_cell, e_x = np.exp(eta_cell), np.exp(xb)
        A = e_x * (self.M0 @ e_cell)
        D = np.zeros(self.n)
        D[self.iv] = np.maximum(e_x[self.iv] * (self.M1 @ e_cell), 1e-300)
        ll_i = -A
        ll_i[self.iv] += np.log(-np.expm1(-D[self.iv]))
        ll_i[self.ex] += eta_cell[self.cell_ex] + self.x_ex @ theta[K : K + p]
        return ll_i, e_cell, e_x, A, D

    def _coefficients(self, vals, w):
        """g1 = dlog(1 - exp(-D))/dD, and the per-person factors k0, k1 with c_s = k h_s."""
        _, _, e_x, A, D = vals
        g1 = np.zeros(self.n)
        g1[self.iv] = 1.0 / np.expm1(D[self.iv])
        return g1, -w * e_x, (w * g1 * e_x)[self.iv]

    def _cell_sums(self, e_cell, k0, k1):
        """Sum over each cell's segments of c_s = k_person * exp(eta_s) dt_s."""
        return e_cell * (self.M0.T @ k0 + self.M1.T @ k1)

    def derivatives(self, vals, w, hess=True):
        """Score and Hessian of sum_i w_i ll_i at the point `vals` came from."""
        _, e_cell, e_x, A, D = vals
        g1, k0, k1 = self._coefficients(vals, w)
        cell_c = self._cell_sums(e_cell, k0, k1)
        r = w * (g1 * D - A)  # sum of c_s over each person's segments
        grad = np.empty(self.width)
        grad[self.u_index] = self._grad_u(cell_c, w)
        grad[self.K : self.K + self.p] = self.x.T @ np.where(self.ex, r + w, r)
        if not hess:
            return grad, None
        uu, P1, a = self._hess_u(e_cell, e_x, g1, w, cell_c)
        d_iv = D[self.iv]
        # sum_i k0_i (M0 B)_i x_i' = B' (M0' (k0 x)): people summed within cells first
        ux = (e_cell[:, None] * self.ucell).T @ (self.M0.T @ (k0[:, None] * self.x))
        ux += P1.T @ ((k1 + e_x[self.iv] * a * d_iv)[:, None] * self.x_iv)
        q = r.copy()
        q[self.iv] += a * d_iv**2
        return grad, self._assemble(uu, ux, self.x.T @ (q[:, None] * self.x))

    def derivatives_u(self, vals, w, hess=True):
        """Score and Hessian of the piece and exposure parameters alone (`u_index` order), the
        covariates' coefficients held: a fraction of the cost of `derivatives`."""
        _, e_cell, e_x, _, _ = vals
        g1, k0, k1 = self._coefficients(vals, w)
        cell_c = self._cell_sums(e_cell, k0, k1)
        grad = self._grad_u(cell_c, w)
        return grad, (self._hess_u(e_cell, e_x, g1, w, cell_c)[0] if hess else None)

    def _grad_u(self, cell_c, w):
        cell_g = cell_c + np.bincount(self.cell_ex, w[self.ex], self.ucell.shape[0])
        return self.ucell.T @ cell_g

    def _hess_u(self, e_cell, e_x, g1, w, cell_c):
        """The (u, u) block of the Hessian, and P1 and a, which the (u, x) block reuses."""
        P1 = self.M1 @ (e_cell[:, None] * self.ucell)  # per interval person: sum over (L, R]
        v1 = e_x[self.iv, None] * P1  # dD/dtheta_u
        a = (w * -(g1 + g1**2))[self.iv]
        uu = self.ucell.T @ (cell_c[:, None] * self.ucell) + v1.T @ (a[:, None] * v1)
        return uu, P1, a

    def _assemble(self, uu, ux, xx):
        H = np.empty((self.width, self.width))
        ui, xi = self.u_index, slice(self.K, self.K + self.p)
        H[np.ix_(ui, ui)] = uu
        H[np.ix_(ui, np.arange(self.K, self.K + self.p))] = ux
        H[xi, ui] = ux.T
        H[xi, xi] = xx
        return H

    def scores(self, theta, member=None, block: int = SCORE_BLOCK) -> np.ndarray:
        """Per-person score vectors (people x parameters, unweighted); with `member` (sparse,
        groups x people) the products member @ scores, e.g. weighted sums within clusters,
        built `block` columns at a time: the people x parameters matrix is never held (about
        1 GB at 2.3 M releases). Each entry is the same sum either way."""
        vals = self.values(theta)
        e_cell, A, D = vals[1], vals[3], vals[4]
        g1, k0, k1 = self._coefficients(vals, np.ones(self.n))
        B = e_cell[:, None] * self.ucell
        iv, ex = np.flatnonzero(self.iv), np.flatnonzero(self.ex)
        u_ex = self.ucell[self.cell_ex]
        S = np.empty((self.n if member is None else member.shape[0], self.width))
        for j in range(0, B.shape[1], block):  # pieces and exposures (columns u_index)
            cols = slice(j, j + block)
            part = self.M0 @ B[:, cols]
            part *= k0[:, None]
            part[iv] += k1[:, None] * (self.M1 @ B[:, cols])
            part[ex] += u_ex[:, cols]
            S[:, self.u_index[cols]] = part if member is None else member @ part
        gx = (g1 * D - A + self.ex)[:, None]
        for j in range(0, self.p, block):  # covariates
            part = gx * self.x[:, j : j + block]
            S[:, self.K + j : self.K + j + part.shape[1]] = (
                part if member is None else member @ part
            )
        return S

    def score_outer(self, theta, w):
        """sum_i w_i^2 s_i s_i' of the per-person scores s_i (the sandwich's meat)."""
        S = self.scores(theta)
        return S.T @ ((w**2)[:, None] * S)
