"""Inverse-probability-of-censoring weights of the clones: a pooled logistic model of starting
the support, fitted once per support on the (uncloned) person-months at risk of starting.

The start model (a pooled logistic model of starting the support, fitted once per support on
the uncloned person-months at risk of starting) is in start_model.py.

**The weights.** With p_i(m) the fitted probability and K_i(t) = prod_{j<=t} (1 - p_i(j)), a
clone's cumulative weight through month t is

- "never start" (censored in the month it starts): 1 / K_i(t) while not started, 0 after;
  multiplied by K0(m) for month m (the same product of the marginal start hazards), a
  constant per month that cancels in the month's hazard (stabilised weights);
- "start within g months" (natural starts in months 1..g-1; whoever is still eligible and has
  not started starts in month g; a clone not started by the end of month g without a detected
  relapse deviates): 1 before month g; from month g on 1 after a start before month g,
  1 / p_i(g) after a start in month g, 0 without a start (not stabilised: a month's
  numerator must be the same for every clone, and clones seen before the end of month g
  weigh 1).

A clone-month's weight is the cumulative weight on the day its data on that month were
obtained (grid.info_day: the next relapse-free contact, or the visit that saw the relapse):
with relapse known only at visits, what a clone says about month m is known only if it still
followed its strategy when that visit came, so that is the probability to invert. (Weighting
month m by the weight at m would let starters, whose later visits are kept, speak for months
the censored non-starters' visits never reported.)

Weights are not truncated (`TRUNCATION_QUANTILE` = 1; `truncate_weights` can cap them at a
quantile of the clone-months that carry data and a correction, and the sequential trials cap
theirs at the 99th percentile): capping the heaviest weights gives back the unlikely compliers'
share to the typical ones and biased the strategies' contrast (see the constant). The largest
weight and the effective sample size per month are reported (diagnostics.py). Loss to
follow-up, transfer and the cut-off are not modelled: the outcome estimator treats them as
independent right-censoring (as Kaplan–Meier does, per arm).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit

from workbench.emulation.grid import CENSORED, DEATH, RELAPSE, D, Grid, K, month_of
from workbench.emulation.start_model import (
    BLOCK,
    StartModel,
    StartRows,
    at_risk_of_starting,
    fit_pooled_logistic,
    fit_start_model,
    follow_stop,
    follow_stop_rows,
    score_info,
    start_stop,
)

# The clone-censor-weight rule: weights are NOT truncated (quantile 1). Truncating at the 99th
# percentile leaned every strategy towards its typical compliers: in the study
# (workbench/studies/target_trial.py) it moved the null support's 24-month RD by -0.007
# (150 cohorts of 4,000, the same cohorts with and without it; -0.006 at 20,000 releases),
# at the 99.9th by -0.001.
TRUNCATION_QUANTILE = 1.0


class ArmWeights:
    """(n, K) weights of one strategy's clones (0 once censored), before and after truncation.
    Either held (`raw`, `weights`, `truncated`) or remade on demand by `make(rows)` (the raw
    weights of releases `rows`, the clone-months without data at 0): a fitted "start within g" arm keeps no (n, K)
    array (`on_demand`), its weights are one np.where from its (n,) month-g probabilities."""

    def __init__(self, raw=None, weights=None, cap: float = np.inf, truncated=None, make=None,
                 n: int = 0):  # fmt: skip
        self._raw, self._weights, self._truncated, self._make = raw, weights, truncated, make
        self.cap, self.n = cap, n
        self.memo: dict = {}  # what is computed once from these weights (diagnostics.py)

    @property
    def raw(self) -> np.ndarray:
        if self._raw is not None:
            return self._raw
        out = np.empty((self.n, K))
        for lo in range(0, self.n, BLOCK):  # a block at a time: no (n, K) temporaries
            out[lo : lo + BLOCK] = self._make(slice(lo, lo + BLOCK))
        return out

    @property
    def weights(self) -> np.ndarray:
        if self._weights is not None:
            return self._weights
        raw = self.raw
        return np.minimum(raw, self.cap) if (raw > self.cap).any() else raw

    @property
    def truncated(self) -> np.ndarray:
        if self._truncated is not None:
            return self._truncated
        raw = self.raw
        return (raw > self.cap) & (raw != 1.0)  # raw is 0 where there are no data

    def rows(self, rows) -> np.ndarray:
        """`weights[rows]` (a block of releases), without making the whole array when the
        weights are remade on demand (`make(rows)`)."""
        if self._weights is not None:
            return self._weights[rows]
        if self._raw is not None:
            return np.minimum(self._raw[rows], self.cap)
        return np.minimum(self._make(rows), self.cap)  # as `weights`, elementwise

    def on_demand(self, make, n: int) -> ArmWeights:
        """The same weights remade by `make(rows)` instead of held (unit multiplicities only: the
        truncation flags are recomputed without them)."""
        return ArmWeights(cap=self.cap, make=make, n=n)


PARTIAL_MONTHS = True


def never_weights(grid: Grid, model: StartModel, info: np.ndarray) -> np.ndarray:
    """(n, K) weights of the "never start" clone-months whose data came on day `info`:
    K0(m) / K_i(info), K_i(t) the probability of not having started by day t (the clone had
    not started: its data end at its start). Within a month the start day is taken as uniform:
    K_i(t) = prod_{j<=f} (1 - p_i(j)) * (1 - p_i(f+1) (t - f D) / D), f = months completed by
    t; in the month a relapse became known, a start was possible only before that day (the
    month's p_i scaled by the share of the month before it). The numerator depends on the month
    only, so it cancels in each month's hazard (stabilised weights). Computed in blocks of
    releases (the same numbers, a fraction of the memory)."""
    out = np.empty((grid.n, K))
    stop = follow_stop(grid)
    for lo in range(0, grid.n, BLOCK):
        rows = slice(lo, min(lo + BLOCK, grid.n))
        out[rows] = never_weights_rows(grid, model, info[rows], rows, stop[rows])
    return out


def never_weights_rows(grid: Grid, model: StartModel, info, rows: slice, stop=None) -> np.ndarray:
    """`never_weights` of the releases `rows` (info: their (b, K) days; stop: their
    `_follow_stop`, computed when None)."""
    if stop is None:
        stop = follow_stop_rows(grid, rows)
    k = _not_started(grid, model, info, rows, stop)
    return np.cumprod(1.0 - model.hazard0)[None, :] / np.maximum(k, 1e-300)


def _not_started(grid: Grid, model: StartModel, info, rows: slice, stop) -> np.ndarray:
    """K_i(info) of `never_weights` for the releases `rows` (info: their (b, K) days)."""
    return never_pieces(grid, model, info, rows, stop)["k"]


def never_pieces(grid: Grid, model: StartModel, info, rows: slice, stop) -> dict:
    """What `never_weights` computes for the releases `rows`: p (b, K) the start probabilities
    where a start is possible (0 elsewhere), pe the same times the share of the month before a
    relapse became known, f (b, K) the months completed by each info day, frac the part of
    month f + 1 before it (0 without PARTIAL_MONTHS) and k = K_i(info)."""
    p = model.probabilities_of(grid.X[rows], None if grid.employed is None else grid.employed[rows])
    p = np.where(np.arange(1, K + 1)[None, :] <= stop[:, None], p, 0.0)  # no start after a
    f, frac = months_completed(info)  # relapse became known or follow-up ended
    pe = p.copy()
    if PARTIAL_MONTHS:
        seen, m, share = relapse_month_share(grid.detected[rows])
        at = np.flatnonzero(seen)
        pe[at, m[at] - 1] *= share[at]
    else:
        frac = np.zeros(f.shape)
    k = not_started_by(pe, f, frac if PARTIAL_MONTHS else None)
    return {"p": p, "pe": pe, "f": f, "frac": frac, "k": k}


def months_completed(info) -> tuple[np.ndarray, np.ndarray]:
    """f: the months completed by each information day (0 where there is none) and frac: the
    part of month f + 1 before it."""
    day = np.where(np.isfinite(info), info, 0.0)
    f = np.clip(np.floor(day / D + 1e-9), 0, K).astype(int)
    return f, np.clip(day / D - f, 0.0, 1.0)


def relapse_month_share(detected) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each release's day a relapse became known (NaN: none): whether it did, the month it
    did in and the share of that month before that day (a start was possible only then)."""
    seen = np.isfinite(detected)
    m = month_of(np.where(seen, detected, D))
    return seen, m, np.clip(np.where(seen, detected, 0.0) / D - (m - 1), 0.0, 1.0)


def not_started_by(pe, f, frac) -> np.ndarray:
    """K_i at the information days: the product of (1 - pe) over the f months completed, times
    1 - pe(f + 1) frac for the part of the next month (`frac` None: whole months only)."""
    n = pe.shape[0]
    k_i = np.concatenate([np.ones((n, 1)), np.cumprod(1.0 - pe, axis=1)], axis=1)
    k = np.take_along_axis(k_i, f, axis=1)
    if frac is not None:  # the part of month f + 1 before the data came
        p_next = np.take_along_axis(np.concatenate([pe, np.zeros((n, 1))], axis=1), f, axis=1)
        k = k * (1.0 - p_next * frac)
    return k


def grace_end(grace: int) -> float:
    """The day month `grace` ends (with a margin for rounding): data that came by then are
    before any deviation from "start within `grace` months"."""
    return grace * D + 1e-9


def within_weights_from(p_i, grid: Grid, grace: int, info, at_risk) -> np.ndarray:
    """`within_weights` given each clone's probability `p_i` of starting in month `grace`;
    `info`: the info days (an array) or grid.InfoDays (then `info.by`: no (n, K) days)."""
    day = grace_end(grace)
    early = info.by(day)[slice(None)] if hasattr(info, "by") else np.asarray(info) <= day
    return within_weights_early(p_i, grid.start_month, grace, early, at_risk)


def within_weights_early(p_i, start_month, grace: int, early, at_risk) -> np.ndarray:
    """`within_weights_from` given `early` (b, K), the clone-months whose data came by the end
    of month `grace` (weight 1), and the releases' `start_month`."""
    started = np.where(start_month == grace, 1.0 / np.maximum(p_i, 1e-300), 0.0)
    after = np.where(at_risk, started, 1.0)
    return np.where(early, 1.0, after[:, None])


def within_weights(
    grid: Grid, model: StartModel, grace: int, info: np.ndarray, at_risk: np.ndarray, freq=None
) -> np.ndarray:
    """(n, K) weights of the "start within `grace` months" clone-months whose data came on day
    `info`: 1 up to the end of month g; after it, for a clone `at_risk` of deviating (not
    started before month g, still followed and no relapse known at its end) 1 / p_i(g) if it
    started in month g, else 0 (deviated); 1 for every other clone. Not stabilised: in a month,
    clones whose data came before the end of month g weigh 1, so any numerator must be 1."""
    p_i = month_start_probability(grid, grace, at_risk, model, freq)[0]
    return within_weights_from(p_i, grid, grace, info, at_risk)


def month_offset(grid: Grid, grace: int, model: StartModel) -> np.ndarray:
    """(n,) the start model's covariate part in month `grace`: X beta + gamma E(grace)."""
    off = grid.X @ model.beta
    if grid.employed is not None:
        off = off + model.gamma * grid.employed[:, grace - 1]
    return off


def month_start_probability(grid: Grid, grace: int, at_risk: np.ndarray, model: StartModel,
                            freq: np.ndarray | None = None, init: np.ndarray | None = None):  # fmt: skip
    """(n,) probability of starting in month `grace` among the clones `at_risk` of deviating
    (not started before, still followed with no relapse known at the end of the month): the
    pooled start model's slopes (baseline covariates, employment; fitted on every month's
    starts) with the month's own intercept, fitted among those still at risk at the month's
    end (the pooled model conditions only on the month's beginning; people whose relapse
    becomes known during the month cannot start after it, so its month term would understate
    the chance among those still eligible at the end). One free parameter: a separate logistic
    model of month g alone (~70 starts at 4,000 releases for job placement, 17 coefficients)
    overfitted and made the weights needlessly variable (the 24-month RD's SD 0.098 against
    0.081 with the shared slopes, same cohorts). Returns the probabilities and the
    coefficients [intercept, beta, gamma] (gamma only with employment). `init`: coefficients
    whose intercept Newton starts from (a bootstrap replicate: the full-data fit's)."""
    freq = np.ones(grid.n) if freq is None else np.asarray(freq, float)
    off = month_offset(grid, grace, model)
    a = np.where(at_risk, freq, 0.0)
    y = (grid.start_month == grace).astype(float)
    alpha = float(np.log(max(np.sum(a * y), 0.5) / max(np.sum(a * (1.0 - y)), 1.0)))
    alpha -= float(np.average(off, weights=a)) if a.sum() > 0 else 0.0
    if init is not None:
        alpha = float(init[0])
    for _ in range(100):  # Newton for the intercept alone (a concave likelihood)
        mu = expit(alpha + off)
        info = np.sum(a * mu * (1.0 - mu))
        step = np.sum(a * (y - mu)) / info if info > 0 else 0.0
        alpha += step
        if abs(step) < 1e-12:
            break
    tail = [model.gamma] if grid.employed is not None else []
    return expit(alpha + off), np.concatenate([[alpha], model.beta, tail])


def carries_data(kind: np.ndarray, l: np.ndarray, b: np.ndarray) -> np.ndarray:  # noqa: E741
    """(n, K) months in which a clone is (possibly) at risk in its data."""
    m = np.arange(1, K + 1)
    last = np.where(kind == CENSORED, l, b)
    return m[None, :] <= last[:, None]


def truncate_weights(raw: np.ndarray, data: np.ndarray, freq=None, quantile=0.99) -> ArmWeights:
    """Cap the weights at their `quantile` (1: not truncated; the cap is then the largest
    weight) over the clone-months with data whose weight carries a correction (> 0 and not
    exactly 1)."""
    use = data & (raw > 0) & (raw != 1.0)
    if freq is not None:
        use = use & (np.asarray(freq)[:, None] > 0)
    if quantile >= 1:  # the largest weight, block by block (no copy of the values)
        cap = _largest(raw, use)
    else:
        values = raw[use]
        cap = float(np.quantile(values, quantile)) if values.size else np.inf
    truncated = use & (raw > cap)
    # no copy when the cap binds nowhere (the rule's quantile 1: the cap is the largest weight)
    weights = np.minimum(raw, cap) if (raw > cap).any() else raw
    return ArmWeights(raw=raw, weights=weights, cap=cap, truncated=truncated)


def _largest(raw: np.ndarray, use: np.ndarray) -> float:
    """max(raw[use]) (inf when nothing is used), a block of releases at a time."""
    top = None
    for lo in range(0, raw.shape[0], BLOCK):
        values = raw[lo : lo + BLOCK][use[lo : lo + BLOCK]]
        if values.size:
            top = values.max() if top is None else np.maximum(top, values.max())
    return np.inf if top is None else float(top)


def weight_summary(arm: ArmWeights, data: np.ndarray, months: int) -> pd.DataFrame:
    """Per month 1..`months`: mean, 99th percentile, max, effective sample size, n truncated of
    the weights of clones with data in that month. Months are read `MONTHS_AT_ONCE` at a time
    into contiguous rows (a column of an (n, K) array touches all of its memory): the same
    values in the same order, so the same numbers."""
    rows = []
    raw_all = arm.raw  # once: a "start within g" arm remakes it at every access
    for m0 in range(0, months, MONTHS_AT_ONCE):
        got = slice(m0, min(m0 + MONTHS_AT_ONCE, months))
        raw_c, use_c, w_c, t_c = _month_rows(arm, raw_all, data, got)
        for j in range(raw_c.shape[0]):
            col = raw_c[j]
            w_col = col if w_c is None else w_c[j]
            use = use_c[j] & (w_col > 0)
            w, raw = w_col[use], col[use]
            ess = float(w.sum() ** 2 / np.sum(w**2)) if w.size else 0.0
            truncated = t_c[j] if t_c is not None else (col > arm.cap) & (col != 1.0)
            rows.append(
                {
                    "month": m0 + j + 1,
                    "mean": float(raw.mean()) if w.size else np.nan,
                    "p99": float(np.quantile(raw, 0.99)) if w.size else np.nan,
                    "max": float(raw.max()) if w.size else np.nan,
                    "ess": ess,
                    "n_truncated": int(truncated.sum()),
                }
            )
    return pd.DataFrame(rows)


MONTHS_AT_ONCE = 4


def _month_rows(arm: ArmWeights, raw_all: np.ndarray, data: np.ndarray, months: slice):
    """Months `months` of the raw weights, the data mask, the (truncated) weights (None: the
    raw ones) and the truncation flags (None: from the raw weights), one contiguous row each."""

    def rows(a):
        return np.ascontiguousarray(a[:, months].T)

    if arm._weights is None:
        w_c = np.minimum(rows(raw_all), arm.cap)
    else:
        w_c = None if arm._weights is raw_all else rows(arm._weights)
    t_c = None if arm._truncated is None else rows(arm._truncated)
    return rows(raw_all), rows(data), w_c, t_c


__all__ = [
    "BLOCK",
    "StartRows",
    "at_risk_of_starting",
    "fit_pooled_logistic",
    "score_info",
    "start_stop",
    "CENSORED",
    "DEATH",
    "RELAPSE",
    "ArmWeights",
    "StartModel",
    "carries_data",
    "fit_start_model",
    "never_weights",
    "never_pieces",
    "months_completed",
    "relapse_month_share",
    "not_started_by",
    "never_weights_rows",
    "truncate_weights",
    "weight_summary",
    "within_weights",
    "within_weights_early",
    "grace_end",
]
