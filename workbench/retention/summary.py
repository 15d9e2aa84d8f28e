"""Retention told honestly: milestones, medians and RMST per group, with what could not be said.

`retention_summary(data, by=..., months=..., horizon=...)` is the API behind `workbench
retention` (and for notebooks and the report). It returns a `RetentionSummary` whose tables carry
every number with its reason when it cannot be given:

- **Milestones in months on coarse data.** A milestone of m months is day m x 365.25/12. Data
  recorded in weeks or months rarely have a time exactly there, and a 12-month milestone on
  52-week data (day 365.25) lies 1.25 days past the last follow-up time (day 364). Rule: a
  milestone that lies after the group's last follow-up time but within one recording unit of
  it (7 days for weeks, 365.25/12 days for months, 1 day for days) is evaluated at the last
  follow-up time, and the row says so (`day` is the day used). Further out it is `null` with
  the reason "follow-up ends at day D".
- **Interval-censored data (Turnbull NPMLE).** Inside an innermost interval that carries mass the
  NPMLE does not say where the drop happens: retention there is only known to lie between the
  value after the drop and the value before it. Such a milestone is flagged `identified: false`
  with those bounds (`range_low`, `range_high`); the estimate is the lower envelope (the curve
  dropping at the interval's left end), as in every other table of the workbench. The median
  inside an innermost interval is reported the same way (`range_low`/`range_high` in days).
  The RMST places each interval's mass at its midpoint (R's interval2 curve and `rmean`).
- **Horizon.** The RMST horizon used is stated in every row and note: by default the shortest
  group's last follow-up time, at most 36 months; a horizon past a group's follow-up (by more
  than one recording unit) gives `null` with the reason.
- **Competing events** (a spec's `competing` values, or death in a contract dataset) are
  censoring in the retention curve (the probability of no event of interest if the competing
  event could be removed); with exact times the cumulative incidence of each event
  (Aalen-Johansen, equal to R's multi-state survfit) is given beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.data.codes import DAYS_PER_MONTH, TRACKING_DAYS
from workbench.exceptions import ParameterError
from workbench.retention.km import KaplanMeier
from workbench.retention.turnbull import TurnbullFitter

UNIT_DAYS = {"days": 1.0, "weeks": 7.0, "months": DAYS_PER_MONTH, "years": 365.25}
_EPS = 1e-9


@dataclass(frozen=True)
class RetentionSummary:
    """Milestones, medians, RMST (and cumulative incidence) per group, with notes."""

    milestones: pd.DataFrame
    medians: pd.DataFrame
    rmst: pd.DataFrame
    curves: pd.DataFrame
    horizon_days: float
    cumulative_incidence: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The `--json` object: milestones, medians, rmst, notes (+ curves, cumulative
        incidence); every null number has a reason."""
        from workbench import jsonout

        out = {
            "milestones": jsonout.records(self.milestones, reason="not estimable"),
            "medians": jsonout.records(self.medians, reason="not estimable"),
            "rmst": jsonout.records(self.rmst, reason="not estimable"),
            "notes": list(self.notes),
            "horizon_days": self.horizon_days,
            "curves": jsonout.records(self.curves, reason="not applicable"),
        }
        if not self.cumulative_incidence.empty:
            out["cumulative_incidence"] = jsonout.records(
                self.cumulative_incidence, reason="not estimable"
            )
        return out


def unit_days(data) -> float:
    """Days per recording unit of `data` (a spec's time_unit; 1 for contract datasets)."""
    return UNIT_DAYS.get(str(getattr(data, "time_unit", "days")), 1.0)


def followup_end(frame: pd.DataFrame) -> float:
    """The last follow-up day: the largest known time (lower end, finite upper end)."""
    upper = frame["upper_day"].to_numpy(float)
    times = np.r_[frame["lower_day"].to_numpy(float), upper[np.isfinite(upper)]]
    return float(np.nanmax(times)) if times.size else 0.0


def milestone_day(months: float, last_day: float, unit: float) -> tuple[float | None, str]:
    """(day to evaluate, note) for a milestone: the documented rule of the module doc."""
    day = months * DAYS_PER_MONTH
    if day <= last_day + _EPS:
        return day, ""
    if day <= last_day + unit + _EPS:
        return last_day, (
            f"{months:g} months (day {day:g}) evaluated at day {last_day:g}, the last follow-up "
            f"time, {day - last_day:g} days earlier (within one recording unit of {unit:g} days)"
        )
    return None, f"follow-up ends at day {last_day:g}"


def _innermost_at(fit: TurnbullFitter, day: float) -> int | None:
    """Index of the innermost interval with mass strictly containing `day`, if any."""
    inn, p = fit.innermost_, fit.masses_
    inside = (inn.left < day) & (day < inn.right) & ~inn.point & (p > _EPS)
    hits = np.flatnonzero(inside)
    return int(hits[0]) if hits.size else None


def milestone_rows(fit, months, last_day: float, unit: float, group: str, n: int) -> list[dict]:
    """One row per milestone: months, day used, estimate, CI, identifiability, reason."""
    rows = []
    for m in months:
        day, note = milestone_day(float(m), last_day, unit)
        if day is None and _npmle_at_zero(fit, last_day):  # known: nobody is left event-free
            day, note = float(m) * DAYS_PER_MONTH, ""
        row = {"group": group, "months": float(m), "day": day, "n": n}
        if day is None:
            rows.append({**row, **dict.fromkeys(_VALUES, np.nan), "identified": None})
            rows[-1]["reason"] = note
            continue
        if isinstance(fit, KaplanMeier):
            at = fit.survival_at([day]).iloc[0]
            est, lo, hi = at["survival"], at["lower"], at["upper"]
            low = high = est
        else:
            band = fit.confidence_band([day]).iloc[0]
            est, lo, hi = band["estimate"], band["lower"], band["upper"]
            k = _innermost_at(fit, day)
            low, high = est, (est if k is None else float(fit.survival_at(fit.innermost_.left[k])))
        identified = bool(high - low <= _EPS)
        if not identified:
            flag = f"not identified at day {day:g}: the NPMLE puts retention between {low:.3f} and {high:.3f}"
            note = f"{note}; {flag}" if note else flag
        rows.append(
            {
                **row,
                "estimate": est,
                "lower": lo,
                "upper": hi,
                "identified": identified,
                "range_low": low,
                "range_high": high,
                "note": note or None,
            }
        )
    return rows


def _npmle_at_zero(fit, last_day: float) -> bool:
    """True when the NPMLE has put all its mass by `last_day` (retention is 0 from there on)."""
    return not isinstance(fit, KaplanMeier) and float(fit.survival_at(last_day)) <= _EPS


_VALUES = ("estimate", "lower", "upper", "range_low", "range_high")


def median_row(fit, last_day: float, group: str) -> dict:
    """Median days without the event with its CI (KM: R's rule; NPMLE: bootstrap percentiles)."""
    not_reached = f"retention stays above 50% to the end of follow-up (day {last_day:g})"
    if isinstance(fit, KaplanMeier):
        days, (lo, hi) = fit.median_, fit.median_ci_
        row = {"group": group, "days": days, "lower": lo, "upper": hi, "identified": True}
        row["range_low"] = row["range_high"] = days
    else:
        left, right = fit.median_interval_
        days = fit.median_ if np.isfinite(fit.median_) else np.nan
        lo, hi = _bootstrap_median_ci(fit)
        identified = bool(np.isfinite(right) and right - left <= _EPS)
        row = {"group": group, "days": days, "lower": lo, "upper": hi, "identified": identified}
        row["range_low"], row["range_high"] = (left, right) if np.isfinite(right) else (np.nan,) * 2
    if np.isnan(row["days"]):
        row["reason"] = not_reached
    elif np.isnan(row["lower"]) or np.isnan(row["upper"]):
        row["reason"] = "a confidence limit is not reached within follow-up"
    return row


def _bootstrap_median_ci(fit: TurnbullFitter) -> tuple[float, float]:
    meds = []
    for drop_at, p in fit.replicates():
        k = np.searchsorted(np.cumsum(p), 0.5 - 1e-12, side="left")
        meds.append(drop_at[k] if k < p.size else np.inf)
    if not meds:
        return np.nan, np.nan
    big = np.finfo(float).max / 4  # "not reached" sorts last without inf arithmetic
    values = np.minimum(np.asarray(meds, float), big)
    lo, hi = np.quantile(values, [fit.alpha / 2, 1 - fit.alpha / 2], method="inverted_cdf")
    return (float(lo) if lo < big else np.nan, float(hi) if hi < big else np.nan)


def rmst_row(fit, horizon: float, last_day: float, unit: float, group: str) -> dict:
    """RMST to `horizon` days with SE and CI, or null with the reason."""
    row = {"group": group, "horizon_days": horizon}
    if horizon > last_day + unit + _EPS:
        return {
            **row,
            **dict.fromkeys(("estimate", "se", "lower", "upper"), np.nan),
            "reason": f"follow-up ends at day {last_day:g}, before the horizon (day {horizon:g})",
        }
    if isinstance(fit, KaplanMeier):
        r = fit.rmst(horizon)
        return {**row, "estimate": r.estimate, "se": r.se, "lower": r.lower, "upper": r.upper}
    r = fit.rmst(horizon)
    reps = [r_ for r_ in _rmst_replicates(fit, horizon)]
    se = float(np.std(reps, ddof=1)) if len(reps) > 1 else np.nan
    out = {**row, "estimate": r.estimate, "se": se, "lower": r.ci[0], "upper": r.ci[1]}
    if np.isnan(se):
        out["reason"] = "no bootstrap replicates (SE and CI need --bootstrap > 1)"
    return out


def _rmst_replicates(fit: TurnbullFitter, horizon: float) -> list[float]:
    return fit.rmst_replicates(horizon)


def default_horizon(last_days: list[float]) -> float:
    """The shortest group's last follow-up day, at most 36 months."""
    return float(min([TRACKING_DAYS, *last_days]))


def check_months(months) -> tuple[float, ...]:
    values = tuple(float(m) for m in months)
    if not values or any(not np.isfinite(v) or v <= 0 or v > 1200 for v in values):
        raise ParameterError(
            f"milestones {list(months)} must be positive numbers of months, e.g. 12,24,36"
        )
    return values
