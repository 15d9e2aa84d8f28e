"""The weighted EM of outcome.py for a chunk of bootstrap replicates at once: the same clones'
(kind, l, b) groups under B weightings, the EM run on (B, pairs) arrays, each row stopping on its
own exactly where `outcome.fit_hazards` would (the same operations in the same order per row),
so a replicate's hazards do not depend on which other replicates share its chunk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.emulation import outcome
from workbench.emulation.grid import K
from workbench.emulation.outcome import Groups, newton_finish


def fit_hazards_batch(
    groups: list[Groups], init: np.ndarray, tol: float = 1e-10, max_iter: int = 50000
) -> tuple[np.ndarray, np.ndarray]:
    """`fit_hazards` for several weightings of the same clones at once (a chunk of bootstrap
    replicates: the same (kind, l, b) groups, other weights): hazards (B, 2K) and iterations
    (B,). Each row runs exactly `outcome.fit_hazards`' iterations from `init` (2K,) and stops on its
    own; the rows share numpy's per-call overhead (one call per step for the whole chunk, not
    per replicate). Reductions are per row and in the same order as `_em_step`'s (bincount on
    row-offset bins, cumulative sums along the row), so a row's numbers do not depend on which
    other rows share its chunk."""
    b_rows = len(groups)
    out, iters = np.empty((b_rows, 2 * K)), np.full(b_rows, max_iter)
    if not b_rows:
        return out, iters
    g = _Batch.of(groups)
    h = np.tile(np.asarray(init, float), (b_rows, 1))
    rows = np.arange(b_rows)
    for it in range(1, max_iter + 1):
        h1 = g.step(h)
        h2 = g.step(h1)
        r, v = h1 - h, h2 - 2 * h1 + h
        nr, nv = _norms(r), _norms(v)
        ok = (nv > 0) & (nr > 0)
        alpha = -np.maximum(1.0, np.where(ok, nr, 1.0) / np.where(ok, nv, 1.0))[:, None]
        alpha2 = np.array([a**2 for a in alpha.ravel().tolist()])[:, None]  # C pow, as a scalar's
        jump = _project_rows(h - 2 * alpha * r + alpha2 * v)
        hn = np.where(ok[:, None], g.step(np.where(ok[:, None], jump, h2)), h2)
        done = np.max(np.abs(hn - h), axis=1) < tol
        if done.any():
            out[rows[done]], iters[rows[done]] = hn[done], it
            rows, hn = rows[~done], hn[~done]
            if not rows.size:
                return out, iters
            g = g.subset(~done)
        h = hn
        if it % outcome.FINISH_AFTER == 0:  # each row's own Newton finish, as `fit_hazards`'
            finished = [newton_finish(h[j], groups[r], tol) for j, r in enumerate(rows)]
            done = np.array([x is not None for x in finished])
            if done.any():
                out[rows[done]] = [x for x in finished if x is not None]
                iters[rows[done]] = it
                rows, h = rows[~done], h[~done]
                if not rows.size:
                    return out, iters
                g = g.subset(~done)
    out[rows] = h
    return out, iters


def _norms(x: np.ndarray) -> np.ndarray:
    """Euclidean norm of each row, computed as `np.linalg.norm` computes one vector's."""
    return np.array([np.sqrt(row.dot(row)) for row in x])


def _project_rows(h: np.ndarray) -> np.ndarray:
    h = np.clip(h, 0.0, 1.0)
    total = h[:, :K] + h[:, K:]
    over = total > 1.0
    if over.any():
        t = np.where(over, total, 1.0)
        h[:, :K] = np.where(over, h[:, :K] / t, h[:, :K])
        h[:, K:] = np.where(over, h[:, K:] / t, h[:, K:])
    return h


@dataclass(frozen=True)
class _Batch:
    """B weightings of one set of groups: the shared index arrays of a `Groups` and its weight
    arrays stacked by row."""

    g: Groups  # the first row's (its index arrays are every row's)
    pair_weight: np.ndarray  # (B, P)
    death_weight: np.ndarray  # (B, G)
    fixed_risk: np.ndarray  # (B, K)
    fixed_death: np.ndarray  # (B, K)

    @classmethod
    def of(cls, groups: list[Groups]) -> _Batch:
        stack = lambda name: np.stack([getattr(x, name) for x in groups])  # noqa: E731
        names = ("pair_weight", "death_weight", "fixed_risk", "fixed_death")
        return cls(groups[0], *(stack(name) for name in names))

    def subset(self, keep: np.ndarray) -> _Batch:
        return _Batch(self.g, self.pair_weight[keep], self.death_weight[keep],
                      self.fixed_risk[keep], self.fixed_death[keep])  # fmt: skip

    def _bins(self, idx: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Per row, np.bincount(idx, values[row], minlength=K) (same order of additions)."""
        b_rows = values.shape[0]
        flat = (np.arange(b_rows)[:, None] * K + idx[None, :]).ravel()
        return np.bincount(flat, values.ravel(), minlength=b_rows * K).reshape(b_rows, K)

    def step(self, h: np.ndarray) -> np.ndarray:
        """`_em_step` for each row of `h` (B, 2K)."""
        g = self.g
        hr, hd = h[:, :K], h[:, K:]
        ones = np.ones((h.shape[0], 1))
        s_prev = np.concatenate([ones, np.cumprod(1.0 - hr - hd, axis=1)[:, :-1]], axis=1)
        sd_prev = np.concatenate([ones, np.cumprod(1.0 - hd, axis=1)[:, :-1]], axis=1)
        fr = s_prev[:, g.month] * hr[:, g.month]
        dead_pair = g.dead[g.seg]
        died = fr * sd_prev[:, g.b[g.seg] - 1] / np.maximum(sd_prev[:, g.month], 1e-300)
        fr = np.where(dead_pair, died, fr)
        fd = np.where(g.dead, s_prev[:, g.b - 1], 0.0)
        csum = np.cumsum(fr, axis=1)
        seg_total = np.add.reduceat(fr, g.starts, axis=1) if fr.shape[1] else fd * 0.0
        total = seg_total + fd
        empty = total <= 1e-250
        if empty.any():  # hazards 0 where these data need an event: spread evenly
            fr = np.where(empty[:, g.seg], 1.0, fr)
            fd = np.where(empty & g.dead, 1.0, fd)
            csum = np.cumsum(fr, axis=1)
            seg_total = np.add.reduceat(fr, g.starts, axis=1)
            total = seg_total + fd
        before = csum[:, g.starts] - fr[:, g.starts]
        suffix = seg_total[:, g.seg] - (csum - fr - before[:, g.seg])
        scale = 1.0 / total
        wp = self.pair_weight * scale[:, g.seg]
        risk = self.fixed_risk + self._bins(g.month, wp * (suffix + fd[:, g.seg]))
        nr = self._bins(g.month, wp * fr)
        nd = self.fixed_death + self._bins(g.b - 1, self.death_weight * fd * scale)
        safe = np.where(risk > 0, risk, 1.0)
        pos = risk > 0
        return np.concatenate([np.where(pos, nr / safe, 0.0), np.where(pos, nd / safe, 0.0)],
                              axis=1)  # fmt: skip
