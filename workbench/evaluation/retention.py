"""The report's retention estimate: milestones, curve, median and RMST of one cohort
(Kaplan–Meier for exact times, else the Turnbull NPMLE), as plain tables for `ReportResults`."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from workbench.data import codes
from workbench.evaluation.results import RestrictedMean, as_float
from workbench.exceptions import EstimationError
from workbench.i18n import Text
from workbench.params.report import ReportParams
from workbench.retention import summary as rs

CURVE_STEP_DAYS = 7.0


def fit_retention(
    frame: pd.DataFrame,
    params: ReportParams,
    exact: bool,
    entry: str | None = None,
    unit: float = 1.0,
    scheduler: Any = None,
) -> dict[str, Any]:
    """Retention milestones, curve, median and RMST: Kaplan–Meier for exact times (with
    delayed entry from the `entry` column), else the Turnbull NPMLE. Milestones follow the
    rules of `workbench.retention.summary` (`unit`: days per recording unit)."""
    months = np.asarray(params.milestones, dtype=float)
    lower = frame["lower_day"].to_numpy(float)
    upper = frame["upper_day"].to_numpy(float)
    relapse = frame["event"].astype(str).eq("relapse").to_numpy()
    upper = np.where(relapse, upper, np.nan)
    tau = codes.TRACKING_DAYS
    if exact:
        from workbench.retention.km import KaplanMeier

        late = None if entry is None else frame[entry].to_numpy(float)
        fitter = KaplanMeier().fit(np.where(relapse, upper, lower), relapse.astype(int), entry=late)
        method = "Kaplan-Meier (exact times)"
        method_text = (Text("method_km_exact"),)
        curve = fitter.curve()[["time", "estimate", "lower", "upper"]]
        tau = min(tau, float(np.nanmax(np.where(relapse, upper, lower))))
    else:
        from workbench.retention.turnbull import TurnbullFitter

        if entry is not None:
            raise EstimationError(
                "delayed entry with interval-censored times is not supported by the NPMLE yet"
            )
        fitter = TurnbullFitter(
            n_bootstrap=params.n_bootstrap, seed=params.seed, n_jobs=params.n_jobs,
            scheduler=scheduler,
        ).fit(lower, upper)  # fmt: skip
        method = f"Turnbull NPMLE, bootstrap {params.n_bootstrap}"
        method_text = (Text("method_turnbull_bootstrap", {"n": params.n_bootstrap}),)
        grid = np.arange(0.0, codes.TRACKING_DAYS + CURVE_STEP_DAYS, CURVE_STEP_DAYS)
        curve = _band(fitter, grid)
    milestones = _milestones(fitter, months, frame, unit, method)
    rmst = fitter.rmst(tau)
    return {
        "milestones": milestones,
        "curve": curve.reset_index(drop=True),
        "median": as_float(getattr(fitter, "median_", None)),
        "rmst": _restricted_mean(rmst, tau),
        "survival": survival_callable(fitter),
        "method": method,
        "method_text": method_text,
    }


def _restricted_mean(rmst: Any, tau: float) -> RestrictedMean:
    ci = getattr(rmst, "ci", None) or (getattr(rmst, "lower", None), getattr(rmst, "upper", None))
    return RestrictedMean(
        tau_days=float(tau),
        estimate=as_float(getattr(rmst, "estimate", None)),
        lower=as_float(ci[0]),
        upper=as_float(ci[1]),
    )


def _col(frame: pd.DataFrame, *names: str) -> np.ndarray:
    for name in names:
        if name in frame.columns:
            return frame[name].to_numpy(float)
    raise EstimationError(f"retention table has none of the columns {names}")


def _milestones(
    fitter: Any, months: np.ndarray, frame: pd.DataFrame, unit: float, method: str
) -> pd.DataFrame:
    """The report's milestone rows by the CLI's rules (`retention.summary.milestone_rows`): a
    milestone just past follow-up is read at the last follow-up day (`day`), one further out is
    NaN (`day` NaN, `note` the reason), one inside a non-identified NPMLE interval has
    `identified` False. `followup_end_day` is the last follow-up day the rules used."""
    last = rs.followup_end(frame)
    rows = rs.milestone_rows(fitter, months, last, unit, "all", len(frame))
    notes = []
    for r in rows:
        if r["day"] is None:
            notes.append(r["reason"])
        elif r["identified"] is False:  # without the NPMLE bounds (they are not protected)
            other = (r["note"] or "").split("; not identified")[0]
            flag = f"not identified at day {r['day']:g} (inside an interval of the NPMLE)"
            notes.append(f"{other}; {flag}" if other else flag)
        else:
            notes.append(r["note"] or "")
    return pd.DataFrame(
        {
            "months": months,
            "estimate": [float(r["estimate"]) for r in rows],
            "lower": [float(r["lower"]) for r in rows],
            "upper": [float(r["upper"]) for r in rows],
            "method": method,
            "day": [np.nan if r["day"] is None else float(r["day"]) for r in rows],
            "identified": [r["identified"] is not False for r in rows],
            "note": notes,
            "followup_end_day": last,
        }
    )


def _band(fitter: Any, grid: np.ndarray) -> pd.DataFrame:
    band = fitter.confidence_band(grid)
    return pd.DataFrame(
        {
            "time": grid,
            "estimate": _col(band, "estimate", "survival"),
            "lower": _col(band, "lower"),
            "upper": _col(band, "upper"),
        }
    )


def survival_callable(fitter: Any):
    def survival(days: np.ndarray) -> np.ndarray:
        res = fitter.survival_at(np.asarray(days, dtype=float))
        if isinstance(res, pd.DataFrame):
            return _col(res, "estimate", "survival")
        return np.asarray(res, dtype=float)

    return survival
