"""The data of the NPMLE for interval-censored times and the cells its masses live on.

Without truncation (`check_intervals`, `aggregate`, `innermost`): (L, R] pairs (R = inf:
right-censored at L; L == R: an exact time, the point {R}), identical pairs aggregated, and the
innermost intervals of Peto and Turnbull found by sorting the interval ends; each pair covers a
contiguous run [lo, hi] of innermost intervals.

With left truncation (`check_truncated`, `patterns`, `regions`): (e, L, R] triples with entry
e <= L, identical triples aggregated, and the support regions of `workbench.stats.npmle`'s
truncated entry point; each pattern covers a run [lo, hi] and its entry set (e, inf) the regions
from b on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.exceptions import DataError, EstimationError, ParameterError


def check_intervals(lower, upper, weights=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate (L, R] arrays; return float L, R (inf for open) and weights."""
    lo = np.asarray(lower, dtype=float).ravel()
    up = np.asarray(upper, dtype=float).ravel()
    if lo.shape != up.shape:
        raise DataError(
            f"lower has {lo.size} values but upper has {up.size}; pass one (L, R] pair per release."
        )
    if lo.size == 0:
        raise EstimationError("no releases to estimate from; pass at least one (L, R] pair.")
    up = np.where(np.isnan(up), np.inf, up)
    bad = np.flatnonzero(~np.isfinite(lo))
    if bad.size:
        raise DataError(
            f"row {bad[0]:,}: lower {lo[bad[0]]} is not a finite day (expected the last "
            "relapse-free day, 0 when none); fix the row or drop it.",
            row=int(bad[0]),
            column="lower",
            value=lo[bad[0]],
        )
    bad = np.flatnonzero((up < lo) | (lo < 0))
    if bad.size:
        i = bad[0]
        raise DataError(
            f"row {i:,}: interval ({lo[i]}, {up[i]}] is not a valid (L, R] with 0 <= L <= R; "
            "fix the row or drop it.",
            row=int(i),
            column="upper",
            value=up[i],
        )
    if weights is None:
        w = np.ones_like(lo)
    else:
        w = np.asarray(weights, dtype=float).ravel()
        if w.shape != lo.shape or not np.all(np.isfinite(w)) or np.any(w < 0):
            raise ParameterError(
                f"weights must be {lo.size} finite values >= 0 (one per release); got "
                f"{w.size} values with min {np.nanmin(w) if w.size else 'n/a'}."
            )
        if w.sum() <= 0:
            raise ParameterError("weights sum to 0; at least one release needs a positive weight.")
    return lo, up, w


def aggregate(lo: np.ndarray, up: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unique (L, R] pairs: return pair L, pair R and each release's pair index."""
    ul, il = np.unique(lo, return_inverse=True)
    ur, ir = np.unique(up, return_inverse=True)
    code = il.astype(np.int64) * ur.size + ir
    ucode, pair = np.unique(code, return_inverse=True)
    return ul[ucode // ur.size], ur[ucode % ur.size], pair.ravel()


@dataclass(frozen=True)
class Innermost:
    """Innermost intervals (left, right] and each pair's run [lo, hi] of them."""

    left: np.ndarray
    right: np.ndarray
    point: np.ndarray  # True where the innermost interval is an exact point {right}
    lo: np.ndarray
    hi: np.ndarray

    @property
    def position(self) -> np.ndarray:
        """Sorted position of each interval: its left end, or just below a point."""
        return np.where(self.point, np.nextafter(self.right, -np.inf), self.left)

    @property
    def drop_at(self) -> np.ndarray:
        """Sorted positions d_j with S(t) = 1 - sum_{d_j < t} p_j (our convention).

        Mass beyond the last finite end, on (left, inf), never drops: S stays at S(left).
        """
        return np.where(np.isinf(self.right), np.inf, self.position)

    @property
    def midpoint(self) -> np.ndarray:
        """Sorted midpoints (left + right) / 2 (an exact point: itself; (left, inf): inf).

        Where the restricted mean puts each interval's mass: the curve R's
        `survfit(Surv(L, R, type = "interval2"))` draws, and the same area as spreading the mass
        evenly over the interval (up to a horizon inside an interval).
        """
        mid = np.where(self.point, self.right, (self.left + self.right) / 2)
        return np.where(np.isinf(self.right), np.inf, mid)


def innermost(pl: np.ndarray, pr: np.ndarray) -> Innermost:
    """Innermost intervals of (L, R] pairs (exact pairs L == R are the point {R})."""
    exact = pl == pr
    # Order of ends at equal value: exact left (closed) < right end (closed) < open left end.
    vals = np.concatenate([pl, pr])
    kind = np.concatenate([np.where(exact, -1, 1), np.zeros(pr.size, dtype=int)])
    order = np.lexsort((kind, vals))
    sv, sk = vals[order], kind[order]
    new = np.r_[True, (sv[1:] != sv[:-1]) | (sk[1:] != sk[:-1])]
    rank_sorted = np.cumsum(new) - 1
    rank = np.empty_like(rank_sorted)
    rank[order] = rank_sorted
    uv, uk = sv[new], sk[new]
    is_left = uk != 0
    k = np.flatnonzero(is_left[:-1] & ~is_left[1:])
    lo = np.searchsorted(k, rank[: pl.size], side="left")
    hi = np.searchsorted(k + 1, rank[pl.size :], side="right") - 1
    return Innermost(uv[k], uv[k + 1], uk[k] == -1, lo, hi)


def check_truncated(entry, lower, upper, weights):
    """Validate (e, L, R] data with weights: float e, L, R (exact L == R read as (R - eps, R]),
    w, keeping rows with positive weight."""
    lo = np.asarray(lower, float).ravel()
    n = lo.size
    up = np.asarray(upper, float).ravel()
    e = np.zeros(n) if entry is None else np.asarray(entry, float).ravel()
    w = np.ones(n) if weights is None else np.asarray(weights, float).ravel()
    if not (up.size == e.size == w.size == n):
        raise DataError("entry, lower, upper and weights need one value per person each.")
    up = np.where(np.isnan(up), np.inf, up)
    if np.any(~np.isfinite(lo) | (up < lo)):
        i = int(np.flatnonzero(~np.isfinite(lo) | (up < lo))[0])
        raise DataError(f"row {i:,}: ({lo[i]:g}, {up[i]:g}] is not an interval with L <= R.")
    if np.any(~np.isfinite(e) | (e > lo)):
        i = int(np.flatnonzero(~np.isfinite(e) | (e > lo))[0])
        raise DataError(
            f"row {i:,}: entry day {e[i]:g} is after the last relapse-free day {lo[i]:g}; "
            "people enter when seen relapse-free."
        )
    if np.any((e == lo) & (lo == up)):
        i = int(np.flatnonzero((e == lo) & (lo == up))[0])
        raise DataError(f"row {i:,}: exact relapse on the entry day {e[i]:g}; enter before it.")
    if np.any(~np.isfinite(w) | (w < 0)):
        raise DataError("weights must be finite and >= 0.")
    lo = np.where(lo == up, np.nextafter(up, -np.inf), lo)  # exact: (R - eps, R]
    keep = w > 0
    if not keep.any():
        raise EstimationError("all weights are 0; nothing to estimate.")
    return e[keep], lo[keep], up[keep], w[keep]


def patterns(entry, lower, upper, weights=None):
    """Unique (e, L, R) patterns with summed weights: (e, L, R, w, index of each person)."""
    e, lo, up, w = check_truncated(entry, lower, upper, weights)
    ue, ie = np.unique(e, return_inverse=True)
    ul, il = np.unique(lo, return_inverse=True)
    uu, iu = np.unique(up, return_inverse=True)
    key = (ie.astype(np.int64) * ul.size + il) * uu.size + iu
    ukey, inverse = np.unique(key, return_inverse=True)
    inverse = inverse.ravel()
    pe = ue[ukey // (ul.size * uu.size)]
    pl = ul[(ukey // uu.size) % ul.size]
    pr = uu[ukey % uu.size]
    return pe, pl, pr, np.bincount(inverse, w, ukey.size), inverse


def regions(pe, pl, pr):
    """Support regions (left, right] and each pattern's runs: A = [lo, hi], B = [b, m)."""
    bounds = np.unique(np.concatenate([pl, pr, pe]))
    keep = np.isin(bounds[:-1], pl) & np.isin(bounds[1:], np.concatenate([pr, pe]))
    left, right = bounds[:-1][keep], bounds[1:][keep]
    lo = np.searchsorted(left, pl, side="left")
    hi = np.searchsorted(right, pr, side="right") - 1
    b = np.searchsorted(left, pe, side="left")
    return left, right, lo, hi, b
