"""Exact-time Kaplan–Meier retention curves, milestones, median and RMST, matching R `survfit`.

Variance: Greenwood (R's default for unweighted or integer-weighted data) or the infinitesimal
jackknife (R's default when weights are not whole numbers, `survfit(..., robust=TRUE)`).
Confidence intervals are log-log, as `survfit(..., conf.type="log-log")`. The RMST standard error
is the Greenwood-type one R prints in `summary(survfit(...), rmean=tau)$table` (statistics.md
trap 9: lifelines returns the variance of min(T, tau) instead).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from workbench._base import check_is_fitted
from workbench.data.codes import DAYS_PER_MONTH, MILESTONE_MONTHS
from workbench.exceptions import EstimationError, ParameterError
from workbench.i18n import Text
from workbench.retention.rmst import RMST

_TOL = np.sqrt(np.finfo(float).eps)
VARIANCES = ("auto", "greenwood", "ij")
RMST_METHOD = "Kaplan-Meier, Greenwood-type SE (R summary(survfit, rmean=tau))"


def validate_survival_data(time, event, weights=None, n_causes: int = 1):
    """Checked float arrays (time >= 0, event codes 0..n_causes, weights > 0)."""
    t = np.asarray(time, dtype=float)
    e = np.asarray(event)
    if e.dtype == bool:
        e = e.astype(int)
    e = np.asarray(e, dtype=float)
    if t.ndim != 1 or t.shape != e.shape:
        raise ParameterError("time and event must be 1-d and of the same length")
    if t.size == 0:
        raise EstimationError("no rows to estimate from; check the filters")
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        bad = t[~(np.isfinite(t) & (t >= 0))][0]
        raise ParameterError(f"time {bad} is not a finite number >= 0 (days since release)")
    codes = np.arange(n_causes + 1)
    if not np.all(np.isin(e, codes)):
        bad = e[~np.isin(e, codes)][0]
        raise ParameterError(f"event {bad:g} is not one of {', '.join(map(str, codes))}")
    if weights is None:
        w = np.ones_like(t)
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != t.shape:
            raise ParameterError("weights must have the same length as time")
        if not np.all(np.isfinite(w)) or np.any(w <= 0):
            raise ParameterError("weights must be finite and > 0")
    return t, e.astype(int), w


def risk_table(t, e, w, n_causes: int = 1, entry=None) -> dict[str, np.ndarray]:
    """Weighted numbers at risk, events per cause and censored at each distinct time.

    With `entry` (delayed entry, left truncation) a row is at risk at t when entry < t <= time,
    as R's `Surv(entry, time, event)`."""
    times, inv = np.unique(t, return_inverse=True)
    k = times.size
    events = np.zeros((k, n_causes))
    for c in range(1, n_causes + 1):
        events[:, c - 1] = np.bincount(inv, weights=w * (e == c), minlength=k)
    censor = np.bincount(inv, weights=w * (e == 0), minlength=k)
    total = np.bincount(inv, weights=w, minlength=k)
    at_risk = np.cumsum(total[::-1])[::-1]
    if entry is not None:  # minus the rows that have not entered yet (entry >= t)
        order = np.argsort(entry, kind="stable")
        ent, cw = np.asarray(entry, float)[order], np.r_[0.0, np.cumsum(w[order])]
        at_risk = at_risk - (cw[-1] - cw[np.searchsorted(ent, times, side="left")])
    return {"time": times, "n_risk": at_risk, "events": events, "n_censor": censor, "inv": inv}


def influence_paths(t, e, w, n_causes: int = 1) -> dict[str, np.ndarray]:
    """Aalen–Johansen estimates (overall survival and cumulative incidence per cause) at each
    distinct time, with infinitesimal-jackknife variances (R's robust variance for survfit).

    The influence of a row on S(t_j) and CIF_c(t_j) has a closed form that depends on j only
    through running sums, so all variances come from cumulative sums in O(n + times)."""
    tab = risk_table(t, e, w, n_causes)
    n, ev = tab["n_risk"], tab["events"]
    k = tab["inv"]  # index of each row's own time
    lam = ev / n[:, None]
    a = lam.sum(axis=1)
    full = a >= 1 - 1e-12
    surv = np.cumprod(np.where(full, 0.0, 1 - a))
    s_before = np.r_[1.0, surv[:-1]]
    cif = np.cumsum(s_before[:, None] * lam, axis=0)
    # dS_j/dw_g = -S_j [E_g 1{k_g <= j} - H_min(j, k_g)]; a time where everyone at risk has an
    # event contributes nothing (its hazard is 1 whatever the weights)
    with np.errstate(divide="ignore", invalid="ignore"):
        h_step = np.where(full, 0.0, a / (n * (1 - a)))
        e_step = np.where(full, 0.0, 1 / (n * (1 - a)))
    H = np.cumsum(h_step)
    cw2 = w**2
    T = n.size
    d_g = H[k] - np.where(e > 0, e_step[k], 0.0)
    after = _reverse_cumsum_after(np.bincount(k, weights=cw2, minlength=T))
    var_s = surv**2 * (H**2 * after + np.cumsum(np.bincount(k, weights=cw2 * d_g**2, minlength=T)))
    var_c = np.empty((T, n_causes))
    h_before = np.r_[0.0, H[:-1]]
    for c in range(n_causes):
        inc = s_before * lam[:, c]
        A = np.cumsum(inc * h_before - inc / n)
        F = cif[:, c]
        b_g = A[k] + s_before[k] * (e == c + 1) / n[k] - d_g * F[k]
        cum = [
            np.cumsum(np.bincount(k, weights=cw2 * v, minlength=T))
            for v in (b_g**2, b_g * d_g, d_g**2)
        ]
        var_c[:, c] = A**2 * after + cum[0] + 2 * F * cum[1] + F**2 * cum[2]
    return {
        **tab,
        "surv": surv,
        "cif": cif,
        "var_surv": np.maximum(var_s, 0),
        "var_cif": np.maximum(var_c, 0),
    }


def _checked_entry(entry, t: np.ndarray) -> np.ndarray | None:
    """Entry days as floats (None when absent or all zero); 0 <= entry < time required."""
    if entry is None:
        return None
    ent = np.asarray(entry, dtype=float)
    if ent.shape != t.shape:
        raise ParameterError("entry must have the same length as time")
    bad = ~np.isfinite(ent) | (ent < 0) | (ent >= t)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ParameterError(
            f"row {i}: entry {ent[i]:g} is not a number in [0, time {t[i]:g}) (delayed entry must "
            "come before the end of follow-up)"
        )
    return None if not ent.any() else ent


def _reverse_cumsum_after(x: np.ndarray) -> np.ndarray:
    """Sum of x over indices strictly greater than each index."""
    total = np.cumsum(x[::-1])[::-1]
    return np.r_[total[1:], 0.0]


def loglog_ci(surv, se_log, alpha: float):
    """R's conf.type='log-log' limits from S and the standard error of log S."""
    z = stats.norm.ppf(1 - alpha / 2)
    s = np.asarray(surv, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = (s > 0) & (s < 1)
        ls = np.where(ok, np.log(s), np.nan)
        lower = np.exp(-np.exp(np.log(-ls) - z * se_log / ls))
        upper = np.exp(-np.exp(np.log(-ls) + z * se_log / ls))
    lower = np.where(s >= 1, 1.0, np.where(s <= 0, np.nan, lower))
    upper = np.where(s >= 1, 1.0, np.where(s <= 0, np.nan, upper))
    return lower, upper


def first_below_half(values, times) -> float:
    """R's median rule (survival:::survmean minmin): the first time the curve is at or below 0.5;
    where it sits exactly on 0.5, the midpoint to the next drop."""
    y = np.asarray(values, dtype=float)
    x = np.asarray(times, dtype=float)
    keep = ~np.isnan(y) & (y < 0.5 + _TOL)
    if not keep.any():
        return float("nan")
    x, y = x[keep], y[keep]
    if abs(y[0] - 0.5) < _TOL and np.any(y < y[0]):
        return float((x[0] + x[np.argmax(y < y[0])]) / 2)
    return float(x[0])


class KaplanMeier:
    """Kaplan–Meier estimator of retention (probability of no relapse yet) on exact times."""

    method = "Kaplan-Meier"  # the milestones' label; `method_text`: the same in catalog words
    method_text = (Text("method_kaplan_meier"),)

    def __init__(self, alpha: float = 0.05, variance: str = "auto") -> None:
        self.alpha = alpha
        self.variance = variance

    def fit(self, time, event, weights=None, label: str | None = None, entry=None) -> KaplanMeier:
        """Fit on days since release `time` and `event` (1 = relapse, 0 = censored); `entry`:
        delayed entry days (at risk only after it, R's `Surv(entry, time, event)`)."""
        if not 0 < self.alpha < 1:
            raise ParameterError(f"alpha {self.alpha} must lie strictly between 0 and 1")
        if self.variance not in VARIANCES:
            raise ParameterError(f"variance {self.variance!r} is not one of {', '.join(VARIANCES)}")
        t, e, w = validate_survival_data(time, event, weights)
        entry = _checked_entry(entry, t)
        method = self.variance
        if method == "auto":
            method = "ij" if np.any(w != np.floor(w)) else "greenwood"
        if entry is not None and method == "ij":
            raise ParameterError(
                "delayed entry with non-integer weights is not supported (the infinitesimal "
                "jackknife variance assumes everyone at risk from day 0); use whole weights"
            )
        tab = risk_table(t, e, w, entry=entry)
        n, d = tab["n_risk"], tab["events"][:, 0]
        surv = np.cumprod(np.where(d >= n * (1 - 1e-12), 0.0, 1 - d / n))
        if method == "greenwood":
            with np.errstate(divide="ignore", invalid="ignore"):
                h = np.where(n - d > 0, d / (n * (n - d)), 0.0)
            se_log = np.sqrt(np.cumsum(h))
        else:
            ij = influence_paths(t, e, w)
            with np.errstate(divide="ignore", invalid="ignore"):
                se_log = np.where(surv > 0, np.sqrt(ij["var_surv"]) / surv, np.nan)
        lower, upper = loglog_ci(surv, se_log, self.alpha)
        self.table_ = pd.DataFrame(
            {
                "time": tab["time"],
                "n_risk": n,
                "n_event": d,
                "n_censor": tab["n_censor"],
                "survival": surv,
                "std_err": se_log * surv,
                "se_log": se_log,
                "lower": lower,
                "upper": upper,
            }
        )
        self.label_ = label if label is not None else "all"
        self.entry_used_ = entry is not None
        self.variance_method_ = method
        self.n_ = float(w.sum())
        self.n_rows_ = int(t.size)
        self.max_time_ = float(t.max())
        self.median_ = first_below_half(surv, tab["time"])
        self.median_ci_ = (
            first_below_half(lower, tab["time"]),
            first_below_half(upper, tab["time"]),
        )
        return self

    def survival_at(self, times) -> pd.DataFrame:
        """Retention at each of `times` (days) with CI; NaN beyond the last observed time."""
        check_is_fitted(self, "table_")
        q = np.atleast_1d(np.asarray(times, dtype=float))
        tab = self.table_
        idx = np.searchsorted(tab["time"].to_numpy(), q, side="right") - 1
        out = {}
        for col in ("survival", "std_err", "lower", "upper", "n_risk"):
            vals = tab[col].to_numpy()
            start = 0.0 if col == "std_err" else 1.0
            out[col] = np.where(idx >= 0, vals[np.clip(idx, 0, None)], start)
        at_risk = tab["n_risk"].to_numpy()
        pos = np.searchsorted(tab["time"].to_numpy(), q, side="left")
        out["n_risk"] = np.where(
            pos < len(at_risk), at_risk[np.clip(pos, 0, len(at_risk) - 1)], 0.0
        )
        frame = pd.DataFrame({"time": q, **out})
        beyond = q > self.max_time_ + _TOL
        frame.loc[beyond, ["survival", "std_err", "lower", "upper"]] = np.nan
        return frame

    def milestones(self, months=MILESTONE_MONTHS) -> pd.DataFrame:
        """Retention at each milestone month (estimate, lower, upper, n at risk)."""
        months = np.atleast_1d(np.asarray(months, dtype=float))
        res = self.survival_at(months * DAYS_PER_MONTH)
        return pd.DataFrame(
            {
                "group": self.label_,
                "months": months,
                "day": res["time"],
                "estimate": res["survival"],
                "lower": res["lower"],
                "upper": res["upper"],
                "n_risk": res["n_risk"],
                "method": self.method,
            }
        )

    def rmst(self, tau: float) -> RMST:
        """Restricted mean time without relapse to `tau` days; SE as R's summary(rmean=tau)."""
        check_is_fitted(self, "table_")
        if not np.isfinite(tau) or tau <= 0:
            raise ParameterError(f"tau {tau} must be a positive number of days")
        tab = self.table_
        time, surv = tab["time"].to_numpy(), tab["survival"].to_numpy()
        n, d = tab["n_risk"].to_numpy(), tab["n_event"].to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            hh = np.where(n - d == 0, 0.0, d / (n * (n - d)))
        keep = time <= tau
        tt = np.r_[time[keep], tau]
        ss = np.r_[1.0, surv[keep]]
        rect = np.diff(np.r_[0.0, tt]) * ss
        after = np.cumsum(rect[1:][::-1])[::-1]  # area from each time to tau
        var = float(np.sum(after**2 * hh[keep]))
        est, se = float(rect.sum()), float(np.sqrt(var))
        z = stats.norm.ppf(1 - self.alpha / 2)
        notes = ()
        if tau > self.max_time_ + _TOL:
            notes = (
                f"tau {tau:g} is beyond the last observed time {self.max_time_:g}; the curve is carried forward.",
            )
        return RMST(
            tau=tau,
            estimate=est,
            lower=est - z * se,
            upper=est + z * se,
            method=RMST_METHOD,
            se=se,
            label=self.label_,
            notes=notes,
            method_text=(Text("method_km_rmst"),),
        )

    def curve(self) -> pd.DataFrame:
        """The curve as generic rows (time, estimate, lower, upper, n_risk, label) starting at day 0."""
        check_is_fitted(self, "table_")
        tab = self.table_
        first = pd.DataFrame(
            {
                "time": [0.0],
                "estimate": [1.0],
                "lower": [1.0],
                "upper": [1.0],
                "n_risk": [tab["n_risk"].iloc[0]],
            }
        )
        rest = tab.rename(columns={"survival": "estimate"})[
            ["time", "estimate", "lower", "upper", "n_risk"]
        ]
        out = pd.concat([first, rest[rest["time"] > 0]], ignore_index=True)
        out["label"] = self.label_
        return out

    def summary(self) -> pd.DataFrame:
        """The full table: time, n_risk, n_event, n_censor, survival, std_err, lower, upper."""
        check_is_fitted(self, "table_")
        return self.table_.drop(columns="se_log").assign(label=self.label_)

    def plot(self, ax=None, at_risk: bool = True):
        """Retention curve with CI band and number-at-risk table (`workbench.plots`; in another
        language: `plots.retention_curves(fit.curve(), lang=...)`)."""
        from workbench.plots import retention_curves

        check_is_fitted(self, "table_")
        return retention_curves(self.curve(), ax=ax, at_risk=at_risk)

    @classmethod
    def stratified(
        cls,
        frame: pd.DataFrame,
        by: str,
        time: str = "time",
        event: str = "event",
        weights: str | None = None,
        **kwargs: Any,
    ) -> dict[str, KaplanMeier]:
        """One fit per value of column `by` of `frame`, keyed by the group value as text."""
        return by_group(lambda: cls(**kwargs), frame, by, time=time, event=event, weights=weights)


def by_group(
    fitter_factory,
    frame: pd.DataFrame,
    by: str | None,
    time: str = "time",
    event: str = "event",
    weights: str | None = None,
) -> dict[str, Any]:
    """Fit `fitter_factory()` per value of column `by` (or once, 'all', when `by` is None)."""
    for col in [c for c in (time, event, weights, by) if c is not None]:
        if col not in frame.columns:
            raise ParameterError(
                f"column {col!r} is not in the table; available: {', '.join(map(str, frame.columns))}"
            )
    groups = (
        [("all", frame)]
        if by is None
        else [(str(k), g) for k, g in frame.groupby(by, sort=True, dropna=False)]
    )
    fits = {}
    for key, g in groups:
        w = None if weights is None else g[weights]
        fits[key] = fitter_factory().fit(g[time], g[event], weights=w, label=key)
    return fits
