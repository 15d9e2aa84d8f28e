"""Cumulative incidence of relapse with death as a competing event (Aalen–Johansen).

Deterministic with tied times (statistics.md trap 2: lifelines' AalenJohansenFitter jitters ties
at random and was far off R when events tie at the end of tracking). Equal to R's multi-state
`survfit(Surv(time, factor(status, 0:2, c("censor", "relapse", "death"))) ~ 1)`: the estimates,
the standard errors (R's infinitesimal jackknife, which it uses by default for multi-state curves)
and R's default log-scale confidence limits.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from workbench._base import check_is_fitted
from workbench.data.codes import DAYS_PER_MONTH, MILESTONE_MONTHS
from workbench.exceptions import ParameterError
from workbench.i18n import Text
from workbench.retention.km import influence_paths, validate_survival_data

CAUSES = ("relapse", "death")
STATUS_CODES = {"censored": 0, "relapse": 1, "death": 2}
BEST_TIMES_CONVENTION = (
    "Best available times: a relapse at R, the first visit or record that showed it (the exact "
    "day when a register gives one); a death at the death day; everyone else censored at L, "
    "the last day known relapse-free. Relapse times are therefore up to one visit interval late."
)


def best_available_times(cohort: pd.DataFrame) -> pd.DataFrame:
    """Time (days) and status (0 censored, 1 relapse, 2 death) per cohort row.

    Convention (also used by `workbench.risk.CoxModel`): relapse at upper_day R (the first
    evidence; equal to the exact day when one is known), death at death_day, censoring at
    lower_day L (last day known relapse-free). See BEST_TIMES_CONVENTION."""
    need = ("lower_day", "upper_day", "event", "death_day")
    missing = [c for c in need if c not in cohort.columns]
    if missing:
        raise ParameterError(
            f"the cohort table lacks column(s) {', '.join(missing)}; build it with "
            "workbench.cohort.build_cohort"
        )
    event = cohort["event"].astype(str)
    bad = ~event.isin(list(STATUS_CODES))
    if bad.any():
        raise ParameterError(
            f"cohort event {event[bad].iloc[0]!r} is not one of relapse, death, censored"
        )
    time = np.where(
        event == "relapse",
        cohort["upper_day"].to_numpy(float),
        np.where(
            event == "death",
            cohort["death_day"].to_numpy(float),
            cohort["lower_day"].to_numpy(float),
        ),
    )
    if np.any(~np.isfinite(time)):
        row = int(np.flatnonzero(~np.isfinite(time))[0])
        raise ParameterError(
            f"cohort row {row}: no usable time for a {event.iloc[row]} row (upper_day, "
            "death_day or lower_day is missing)"
        )
    return pd.DataFrame(
        {"time": time, "status": event.map(STATUS_CODES).to_numpy(int)}, index=cohort.index
    )


class AalenJohansen:
    """Cumulative incidence of relapse and of death (competing) with IJ standard errors."""

    method = "Aalen-Johansen"  # the milestones' label; `method_text`: the same in catalog words
    method_text = (Text("method_aalen_johansen"),)

    def __init__(self, alpha: float = 0.05, causes: tuple[str, ...] = CAUSES) -> None:
        self.alpha = alpha
        self.causes = causes

    def fit(self, time, status, weights=None, label: str | None = None) -> AalenJohansen:
        """`status`: 0 censored, 1 = first cause (relapse), 2 = second cause (death), ..."""
        if not 0 < self.alpha < 1:
            raise ParameterError(f"alpha {self.alpha} must lie strictly between 0 and 1")
        k = len(self.causes)
        t, e, w = validate_survival_data(time, status, weights, n_causes=k)
        res = influence_paths(t, e, w, n_causes=k)
        z = stats.norm.ppf(1 - self.alpha / 2)
        cols = {
            "time": res["time"],
            "n_risk": res["n_risk"],
            **{f"n_{c}": res["events"][:, i] for i, c in enumerate(self.causes)},
            "n_censor": res["n_censor"],
            "event_free": res["surv"],
            "se_event_free": np.sqrt(res["var_surv"]),
        }
        for i, c in enumerate(self.causes):
            p, se = res["cif"][:, i], np.sqrt(res["var_cif"][:, i])
            lower, upper = _log_ci(p, se, z)
            cols.update({f"cif_{c}": p, f"se_{c}": se, f"lower_{c}": lower, f"upper_{c}": upper})
        self.table_ = pd.DataFrame(cols)
        self.label_ = label if label is not None else "all"
        self.max_time_ = float(t.max())
        return self

    def _cause(self, cause: str) -> str:
        if cause not in self.causes:
            raise ParameterError(f"cause {cause!r} is not one of {', '.join(self.causes)}")
        return cause

    def cif_at(self, times, cause: str = "relapse") -> pd.DataFrame:
        """Cumulative incidence of `cause` at `times` (days) with CI; NaN beyond the data
        (unless nobody is left event-free there)."""
        check_is_fitted(self, "table_")
        c = self._cause(cause)
        q = np.atleast_1d(np.asarray(times, dtype=float))
        tab = self.table_
        idx = np.searchsorted(tab["time"].to_numpy(), q, side="right") - 1
        out = {"time": q}
        for col, start in (
            (f"cif_{c}", 0.0),
            (f"se_{c}", 0.0),
            (f"lower_{c}", 0.0),
            (f"upper_{c}", 0.0),
        ):
            vals = tab[col].to_numpy()
            out[col.replace(f"_{c}", "")] = np.where(idx >= 0, vals[np.clip(idx, 0, None)], start)
        frame = pd.DataFrame(out).rename(columns={"cif": "estimate"})
        # Beyond the last time the curve is unknown, unless everyone had an event by then (no
        # one left at risk, event-free share 0): then every incidence is final and stays flat.
        if tab["event_free"].iloc[-1] > 0:
            frame.loc[q > self.max_time_ + 1e-8, ["estimate", "se", "lower", "upper"]] = np.nan
        return frame

    def milestones(self, months=MILESTONE_MONTHS, cause: str = "relapse") -> pd.DataFrame:
        """Cumulative incidence of `cause` at milestone months."""
        return milestone_frame(self, months, cause, self.method)

    def curve(self, cause: str = "relapse") -> pd.DataFrame:
        """Generic curve rows (time, estimate, lower, upper, n_risk, label) from day 0."""
        check_is_fitted(self, "table_")
        c = self._cause(cause)
        tab = self.table_
        rest = pd.DataFrame(
            {
                "time": tab["time"],
                "estimate": tab[f"cif_{c}"],
                "lower": tab[f"lower_{c}"],
                "upper": tab[f"upper_{c}"],
                "n_risk": tab["n_risk"],
            }
        )
        first = pd.DataFrame(
            {
                "time": [0.0],
                "estimate": [0.0],
                "lower": [0.0],
                "upper": [0.0],
                "n_risk": [tab["n_risk"].iloc[0]],
            }
        )
        out = pd.concat([first, rest[rest["time"] > 0]], ignore_index=True)
        out["label"] = f"{self.label_}: {c}" if self.label_ != "all" else c
        out["cause"] = c
        return out

    def summary(self) -> pd.DataFrame:
        """The full table at every distinct time."""
        check_is_fitted(self, "table_")
        return self.table_.assign(label=self.label_)

    def plot(self, ax=None):
        """Cumulative incidence curves of every cause (`workbench.plots.cif_plot`; in another
        language: `cif_plot(pd.concat([fit.curve(c) for c in fit.causes]), lang=...)`)."""
        from workbench.plots import cif_plot

        check_is_fitted(self, "table_")
        return cif_plot(pd.concat([self.curve(c) for c in self.causes], ignore_index=True), ax=ax)


def _log_ci(p, se, z):
    """R's default (conf.type='log') limits for a state probability, capped at 1 (0 where p = 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = np.where(p > 0, p * np.exp(-z * se / p), 0.0)
        upper = np.where(p > 0, np.minimum(1.0, p * np.exp(z * se / p)), 0.0)
    return lower, upper


def milestone_frame(estimator, months, cause: str, method: str) -> pd.DataFrame:
    """Cumulative incidence of `cause` at milestone months from a fitted estimator's `cif_at`
    (the columns every competing-risks estimator's `milestones` returns)."""
    months = np.atleast_1d(np.asarray(months, dtype=float))
    res = estimator.cif_at(months * DAYS_PER_MONTH, cause)
    return pd.DataFrame(
        {
            "group": estimator.label_,
            "cause": cause,
            "months": months,
            "day": res["time"],
            "estimate": res["estimate"],
            "lower": res["lower"],
            "upper": res["upper"],
            "method": method,
        }
    )
