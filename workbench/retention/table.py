"""Retention tables: the right estimator for the data, per group, and `workbench retention`.

Interval-censored data (relapse seen only at visits) go to the Turnbull NPMLE; data whose
relapse times are all exact go to Kaplan–Meier (with delayed entry when the data have an entry
day). `retention_summary` gives milestones, medians and RMST per group with the rules of
`workbench.retention.summary` (coarse time units, follow-up end, non-identified NPMLE regions,
the horizon used); `render_text` gives the tables `workbench retention` (`workbench.cli.retention`) prints.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from workbench._base import DEFAULT_SEED
from workbench.cohort.contract import as_cohort
from workbench.data.codes import DAYS_PER_MONTH, MILESTONE_MONTHS, label
from workbench.exceptions import EstimationError, ParameterError
from workbench.i18n import Text, join
from workbench.retention import summary as rs
from workbench.retention.competing import AalenJohansen
from workbench.retention.km import KaplanMeier
from workbench.retention.turnbull import TurnbullFitter

ENTRY_COLUMN = "entry_day"  # delayed entry (days) in a spec's analysis frame


def analysis_frame(data) -> pd.DataFrame:
    """One row per release (or person) with lower_day, upper_day and event: the table of the
    one cohort contract (`workbench.cohort.contract.as_cohort`), whatever `data` is."""
    return as_cohort(data).table


def is_exact(frame: pd.DataFrame) -> bool:
    """True when every seen relapse has an exact day (L == R): Kaplan–Meier applies."""
    relapse = frame["event"].eq("relapse")
    return bool(np.allclose(frame.loc[relapse, "lower_day"], frame.loc[relapse, "upper_day"]))


def entry_days(frame: pd.DataFrame) -> np.ndarray | None:
    """Delayed-entry days of the rows (None when the table has none)."""
    if ENTRY_COLUMN not in frame.columns:
        return None
    entry = frame[ENTRY_COLUMN].to_numpy(float)
    entry = np.where(np.isnan(entry), 0.0, entry)
    return entry if entry.any() else None


def fit_retention(
    frame: pd.DataFrame,
    *,
    weights: Sequence[float] | None = None,
    label_: str | None = None,
    n_bootstrap: int = 200,
    seed: int = DEFAULT_SEED,
    n_jobs: int = 1,
    scheduler=None,
):
    """The retention curve for `frame`: Kaplan–Meier if relapse times are exact, else NPMLE.
    Rows with any other event (competing, death) are censored at their last known day."""
    relapse = frame["event"].eq("relapse").to_numpy()
    lower = frame["lower_day"].to_numpy(float)
    entry = entry_days(frame)
    if is_exact(frame):
        time = np.where(relapse, frame["upper_day"].to_numpy(float), lower)
        return KaplanMeier().fit(
            time, relapse.astype(int), weights=weights, label=label_, entry=entry
        )
    if entry is not None:
        raise EstimationError(
            "delayed entry with interval-censored times is not supported (the Turnbull NPMLE "
            "here assumes everyone is followed from day 0); drop the entry column to analyse "
            "from day 0"
        )
    upper = np.where(relapse, frame["upper_day"].to_numpy(float), np.inf)
    fitter = TurnbullFitter(n_bootstrap=n_bootstrap, seed=seed, n_jobs=n_jobs, scheduler=scheduler)
    return fitter.fit(lower, upper, weights=weights, label=label_)


def _groups(frame: pd.DataFrame, by: str | None) -> list[tuple[str, pd.DataFrame]]:
    if by is not None and by not in frame.columns:
        raise ParameterError(
            f"--by {by!r} is not a column of the analysis table; choose one of: "
            f"{', '.join(sorted(map(str, frame.columns)))}."
        )
    if by is None:
        return [("all", frame)]
    return [(_text(k), g) for k, g in frame.groupby(by, sort=True, observed=True)]


def _text(value) -> str:
    """A group value as text (1.0 -> '1')."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def method_parts(fit, n_bootstrap: int) -> tuple[Text, ...]:
    """The estimator's label as catalog parts (`i18n.join(parts, lang, ", ")`; in English the
    `method` column's words)."""
    if isinstance(fit, KaplanMeier):
        parts = (Text("method_kaplan_meier"), Text("method_loglog_ci"))
        return (*parts, Text("method_delayed_entry")) if fit_has_entry(fit) else parts
    return (Text("method_turnbull_percentile_bootstrap", {"n": n_bootstrap}),)


def _method(fit, n_bootstrap: int) -> str:
    return join(method_parts(fit, n_bootstrap), "en", ", ")


def fit_has_entry(fit) -> bool:
    return bool(getattr(fit, "entry_used_", False))


def milestone_table(
    frame: pd.DataFrame,
    *,
    by: str | None = None,
    months: Sequence[float] = MILESTONE_MONTHS,
    n_bootstrap: int = 200,
    seed: int = DEFAULT_SEED,
    n_jobs: int = 1,
    scheduler=None,
    unit_days: float = 1.0,
) -> pd.DataFrame:
    """Retention at each milestone per group: group, months, day (the day used), estimate,
    lower, upper, n, identified, range_low, range_high, note, reason, method (rules:
    `workbench.retention.summary`)."""
    rows, texts = [], {}
    for key, part in _groups(frame, by):
        fit = fit_retention(
            part,
            label_=key,
            n_bootstrap=n_bootstrap,
            seed=seed,
            n_jobs=n_jobs,
            scheduler=scheduler,
        )
        last = rs.followup_end(part)
        texts[key] = method_parts(fit, n_bootstrap)
        for row in rs.milestone_rows(fit, months, last, unit_days, key, int(len(part))):
            rows.append({**row, "method": _method(fit, n_bootstrap)})
    table = _ordered(pd.DataFrame(rows))
    table.attrs["method_text"] = texts  # group -> the method's catalog parts (notebooks)
    return table


def _ordered(table: pd.DataFrame) -> pd.DataFrame:
    cols = ["group", "months", "day", "estimate", "lower", "upper", "n", "identified"]
    cols += ["range_low", "range_high", "note", "reason", "method"]
    for c in ("note", "reason"):
        if c not in table.columns:
            table[c] = None
    table = table.astype({"note": object, "reason": object})
    table[["note", "reason"]] = table[["note", "reason"]].where(
        table[["note", "reason"]].notna(), None
    )
    return table[cols]


def retention_summary(
    data,
    *,
    by: str | None = None,
    months: Sequence[float] = MILESTONE_MONTHS,
    horizon: float | None = None,
    n_bootstrap: int = 200,
    seed: int = DEFAULT_SEED,
    n_jobs: int = 1,
    scheduler=None,
) -> rs.RetentionSummary:
    """Milestones, medians, RMST (and cumulative incidence with competing events) per group for
    a dataset, spec or `AnalysisCohort`, with the rules of `workbench.retention.summary`."""
    data = as_cohort(data)
    frame = data.table
    months = rs.check_months(months)
    unit = rs.unit_days(data)
    groups = _groups(frame, by)
    lasts = [rs.followup_end(part) for _, part in groups]
    tau = rs.default_horizon(lasts) if horizon is None else float(horizon)
    if not np.isfinite(tau) or tau <= 0:
        raise ParameterError(f"--horizon {horizon}: give a positive number of days")
    miles, meds, rmsts, curves = [], [], [], []
    for (key, part), last in zip(groups, lasts, strict=True):
        fit = fit_retention(
            part,
            label_=key,
            n_bootstrap=n_bootstrap,
            seed=seed,
            n_jobs=n_jobs,
            scheduler=scheduler,
        )
        method = _method(fit, n_bootstrap)
        miles += [
            {**r, "method": method}
            for r in rs.milestone_rows(fit, months, last, unit, key, len(part))
        ]
        meds.append(rs.median_row(fit, last, key))
        rmsts.append(rs.rmst_row(fit, tau, last, unit, key))
        curves.append(_curve_row(fit, part, key, last, method))
    notes = _notes(frame, data, tau, horizon, unit)
    cif = _cumulative_incidence(data, frame, groups, lasts, months, unit)
    return rs.RetentionSummary(
        milestones=_ordered(pd.DataFrame(miles)),
        medians=pd.DataFrame(meds),
        rmst=pd.DataFrame(rmsts),
        curves=pd.DataFrame(curves),
        horizon_days=tau,
        cumulative_incidence=cif,
        notes=tuple(notes),
    )


def _curve_row(fit, part: pd.DataFrame, key: str, last: float, method: str) -> dict:
    events = int(part["event"].eq("relapse").sum())
    row = {"group": key, "method": method, "n": int(len(part)), "events": events}
    row["followup_end_day"] = last
    row["log_likelihood"] = getattr(fit, "loglik_", None)
    return row


def _notes(frame, data, tau, horizon, unit) -> list[str]:
    label_ = getattr(data, "event_label", "relapse")
    how = (
        "given with --horizon"
        if horizon is not None
        else "the shortest group's follow-up, at most 36 months"
    )
    notes = [f"RMST horizon: day {tau:g} ({tau / DAYS_PER_MONTH:.1f} months; {how})."]
    if unit > 1:
        notes.append(
            f"Times are recorded in units of {unit:g} days; a milestone up to one unit past the "
            "last follow-up time is evaluated at that time."
        )
    other = ~frame["event"].isin(["relapse", "censored"])
    if other.any():
        notes.append(
            f"{int(other.sum())} row(s) with a competing event are censored in the {label_} "
            "curve (at their last known day without it); the cumulative incidence of each event "
            "is given with exact times."
        )
    if entry_days(frame) is not None:
        notes.append("Delayed entry: each row is at risk only after its entry day.")
    return notes


def _cif_inputs(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Time and status (0 censored, 1 event of interest, 2 competing) for exact data."""
    event = frame["event"].astype(str)
    status = np.where(event == "relapse", 1, np.where(event == "censored", 0, 2))
    upper = frame["upper_day"].to_numpy(float)
    lower = frame["lower_day"].to_numpy(float)
    time = np.where((status > 0) & np.isfinite(upper), upper, lower)
    if "death_day" in frame.columns:
        death = frame["death_day"].to_numpy(float)
        time = np.where((status == 2) & np.isfinite(death), death, time)
    return time, status


def _cif_values(aj: AalenJohansen, day: float, cause: str) -> dict:
    """Estimate and CI at `day`; with no such event yet the log-scale CI is undefined (as R)."""
    at = aj.cif_at([day], cause).iloc[0]
    out = {"estimate": at["estimate"], "lower": at["lower"], "upper": at["upper"]}
    if at["estimate"] == 0:
        out.update(lower=np.nan, upper=np.nan, reason=f"no {cause} by day {day:g}")
    return out


def _cumulative_incidence(data, frame, groups, lasts, months, unit) -> pd.DataFrame:
    """Aalen-Johansen cumulative incidence of each event at the milestones (exact data with
    competing events, no delayed entry); empty otherwise."""
    has_competing = (~frame["event"].isin(["relapse", "censored"])).any()
    if not has_competing or not is_exact(frame) or entry_days(frame) is not None:
        return pd.DataFrame()
    causes = (
        str(getattr(data, "event_label", "relapse")),
        str(getattr(data, "competing_label", None) or "competing event"),
    )
    rows = []
    for (key, part), last in zip(groups, lasts, strict=True):
        time, status = _cif_inputs(part)
        aj = AalenJohansen(causes=causes).fit(time, status, label=key)
        for m in months:
            day, note = rs.milestone_day(float(m), last, unit)
            for cause in causes:
                row = {"group": key, "cause": cause, "months": float(m), "day": day}
                if day is None:
                    rows.append(
                        {
                            **row,
                            "estimate": np.nan,
                            "lower": np.nan,
                            "upper": np.nan,
                            "reason": note,
                        }
                    )
                    continue
                rows.append({**row, **_cif_values(aj, day, cause), "note": note or None})
    out = pd.DataFrame(rows)
    for c in ("note", "reason"):
        out[c] = out[c].astype(object).where(out[c].notna(), None) if c in out else None
    return out


def _shown(table: pd.DataFrame, by: str | None, lang: str, cols: list[str], notes: list) -> str:
    """A table as text: numbers rounded, '-' for a missing value, notes and reasons as [k]."""
    shown = table[[c for c in cols if c in table.columns]].copy()
    if by in {"prefecture", "facility", "primary_drug", "sex", "education"}:
        shown["group"] = [label(by, g, lang) for g in shown["group"]]
    for col in shown.columns:
        if col in ("estimate", "lower", "upper", "se", "range_low", "range_high"):
            shown[col] = shown[col].map(lambda v: "-" if pd.isna(v) else f"{v:.3f}")
        elif col in ("day", "days"):
            shown[col] = shown[col].map(lambda v: "-" if pd.isna(v) else f"{v:g}")
    texts = [
        " ".join(str(v) for v in (r.get("note"), r.get("reason")) if isinstance(v, str) and v)
        for r in table.to_dict("records")
    ]
    marks = []
    for text in texts:
        if text and text not in notes:
            notes.append(text)
        marks.append(f"[{notes.index(text) + 1}]" if text else "")
    if any(marks):
        shown["see"] = marks
    return shown.to_string(index=False)


def _median_columns(medians: pd.DataFrame) -> list[str]:
    cols = ["group", "days", "lower", "upper"]
    if not medians["identified"].astype(bool).all():  # NPMLE median inside an interval
        cols += ["range_low", "range_high"]
    return cols


def render_text(result: rs.RetentionSummary, by: str | None, lang: str = "en") -> str:
    """The plain-text tables `workbench retention` prints, each header with what it shows."""
    notes: list[str] = []
    horizon = result.horizon_days
    parts = [
        "Retention at milestones (estimate and 95% CI; day = the day used)",
        _shown(
            result.milestones,
            by,
            lang,
            ["group", "months", "day", "estimate", "lower", "upper", "n"],
            notes,
        ),
        "",
        "Median time without the event (days, 95% CI)",
        _shown(
            result.medians,
            by,
            lang,
            _median_columns(result.medians),
            notes,
        ),
        "",
        f"Restricted mean time without the event to day {horizon:g} "
        f"({horizon / DAYS_PER_MONTH:.1f} months), days",
        _shown(
            result.rmst,
            by,
            lang,
            ["group", "horizon_days", "estimate", "se", "lower", "upper"],
            notes,
        ),
    ]
    if not result.cumulative_incidence.empty:
        parts += ["", "Cumulative incidence (Aalen-Johansen, 95% CI)"]
        cols = ["group", "cause", "months", "day", "estimate", "lower", "upper"]
        parts.append(_shown(result.cumulative_incidence, by, lang, cols, notes))
    parts += ["", "Method: " + "; ".join(dict.fromkeys(result.curves["method"]))]
    parts += [f"[{k}] {n}" for k, n in enumerate(notes, start=1)]
    parts += [f"Note: {n}" for n in result.notes]
    return "\n".join(parts)
