"""A bootstrap replicate's clone weights, made from what does not change between replicates.

A replicate is the same releases with multiplicities: its clones, their information days and
data masks are the point estimate's; only the start model (and the month-g model) change. What
weights.py computes from the information days alone — the months completed by each day, the
part of the next month before it, the share of a month before a relapse became known, the
months before the end of month g — is made once per support (`NeverDays`, `WithinDays`), and a
replicate computes its weights for its sampled releases only (~63 %: the others weigh 0).
The same operations as `weights.never_weights` / `weights.within_weights_from`, row by row:
the same numbers (tests/emulation/test_trial_reuse.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from workbench.emulation import weights
from workbench.emulation.grid import Grid, K
from workbench.emulation.start_model import BLOCK, StartModel, follow_stop


@dataclass(frozen=True)
class NeverDays:
    """The "never start" clones' information days as `weights.never_pieces` uses them."""

    stop: np.ndarray  # (n,) last month a start is possible
    f: np.ndarray  # (n, K) int8: months completed by each information day
    frac: np.ndarray | None  # (n, K) the part of month f + 1 before it (None: whole months)
    seen: np.ndarray  # (n,) a relapse became known (and partial months are used)
    col: np.ndarray  # (n,) the month it became known in - 1
    share: np.ndarray  # (n,) the share of that month before it became known

    @classmethod
    def of(cls, grid: Grid, design) -> NeverDays:
        f, frac = weights.months_completed(np.asarray(design.info))
        partial = weights.PARTIAL_MONTHS
        seen, m, share = weights.relapse_month_share(grid.detected)
        return cls(follow_stop(grid), f.astype(np.int8), frac if partial else None,
                   seen & partial, m - 1, share)  # fmt: skip

    def weights(self, grid: Grid, model: StartModel, rows: np.ndarray) -> np.ndarray:
        """`weights.never_weights(grid, model, info)[rows]` (`rows`: release indices)."""
        # X beta as `never_weights` computes it (a block of releases at a time: the same sums)
        xb = np.concatenate(
            [grid.X[lo : lo + BLOCK] @ model.beta for lo in range(0, grid.n, BLOCK)]
        )
        cols = model.months - 1
        eta = model.alpha[None, :] + xb[rows][:, None]
        if grid.employed is not None:
            eta = eta + model.gamma * grid.employed[rows][:, cols]
        p = np.zeros((rows.size, K))
        p[:, cols] = expit(eta)  # `StartModel.probabilities_of`
        pe = np.where(np.arange(1, K + 1)[None, :] <= self.stop[rows][:, None], p, 0.0)
        at = np.flatnonzero(self.seen[rows])
        pe[at, self.col[rows][at]] *= self.share[rows][at]
        frac = None if self.frac is None else self.frac[rows]
        k = weights.not_started_by(pe, self.f[rows].astype(np.intp), frac)
        return np.cumprod(1.0 - model.hazard0)[None, :] / np.maximum(k, 1e-300)


@dataclass(frozen=True)
class WithinDays:
    """The "start within g" clone-months with data, split by whether their data came by the
    end of month g (weight 1) or after it (the clone's weight after month g)."""

    one: np.ndarray  # (n, K)
    after: np.ndarray  # (n, K)

    @classmethod
    def of(cls, design, grace: int) -> WithinDays:
        by_g = np.asarray(design.info) <= weights.grace_end(grace)
        return cls(design.data & by_g, design.data & ~by_g)

    def weights(self, grid: Grid, grace: int, p_i: np.ndarray, at_risk: np.ndarray,
                rows: np.ndarray) -> np.ndarray:  # fmt: skip
        """`np.where(data, weights.within_weights_from(p_i, ...), 0)[rows]`."""
        early = weights.within_weights_early(p_i[rows], grid.start_month[rows], grace,
                                             self.one[rows], at_risk[rows])  # fmt: skip
        return np.where(self.one[rows] | self.after[rows], early, 0.0)
