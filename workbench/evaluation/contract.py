"""The analyses behind a report, on one `AnalysisCohort` (visit records or a spec table alike)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from workbench.cohort.contract import AnalysisCohort, as_cohort
from workbench.data import codes
from workbench.evaluation import models
from workbench.evaluation.protect import protect
from workbench.evaluation.results import (
    Note,
    ReportResults,
    as_float,
    frame_or_none,
    guarded,
    months_to_days,
    record_warnings,
)
from workbench.exceptions import EstimationError, ParameterError
from workbench.i18n import Text
from workbench.params.report import ReportParams
from workbench.privacy import disclosure
from workbench.retention import competing_ic
from workbench.retention import summary as rs

CURVE_STEP_DAYS = 7.0


def scope_masks(table: pd.DataFrame, params: ReportParams) -> dict[str, pd.Series]:
    """Each restriction of the report's scope (prefecture, facility, release period) as the
    rows it keeps."""
    masks = {}
    for key, column in (("prefecture", "prefecture"), ("facility", "facility")):
        value = getattr(params, key)
        if value:
            masks[key] = _scope_column(table, column, key).astype(str).eq(value)
    if params.release_start:
        masks["release_start"] = _scope_column(
            table, "release_date", "release_start"
        ) >= pd.Timestamp(params.release_start)
    if params.release_end:
        masks["release_end"] = _scope_column(table, "release_date", "release_end") <= pd.Timestamp(
            params.release_end
        )
    return masks


def scope_cohort(cohort: AnalysisCohort, params: ReportParams) -> AnalysisCohort:
    """The cohort in the report's scope (prefecture, facility, release period)."""
    table = cohort.table
    keep = pd.Series(True, index=table.index)
    for mask in scope_masks(table, params).values():
        keep &= mask
    return cohort.restrict(keep.to_numpy())


def check_scope_rules(full: pd.DataFrame, scoped: pd.DataFrame, params: ReportParams) -> None:
    """The scope rules against differencing (workbench/privacy/disclosure.py) on the unscoped and the
    scoped cohort tables, for a scope large enough to show anything; an internal report is
    exempt."""
    if params.internal_use or len(scoped) < params.suppression_threshold:
        return
    masks = scope_masks(full, params)
    if "release_date" in full.columns:
        months = pd.to_datetime(full["release_date"]).dt.to_period("M")
    else:  # a spec table without release dates: no period, so no edge months
        months = pd.Series(pd.Period("2000-01", "M"), index=full.index)
    disclosure.check_scope(
        months,
        masks,
        params.suppression_threshold,
        edges=[e for e in ("release_start", "release_end") if e in masks],
    )


def record_keys(table: pd.DataFrame) -> pd.Series:
    """What keys the scope's record set (workbench/disclosure.scope_key): release ids, or a
    hash of each row for a spec table without ids."""
    if "release_id" in table.columns:
        return table["release_id"]
    return pd.util.hash_pandas_object(table, index=False)


def _scope_column(table: pd.DataFrame, column: str, key: str) -> pd.Series:
    if column not in table.columns:
        raise ParameterError(
            f"{key} limits the report to part of the data, but the data have no {column} column; "
            f"remove {key} from the parameters"
        )
    return table[column]


def _counts(cohort: pd.DataFrame, n_visits: int | None) -> dict[str, Any]:
    reasons = cohort.loc[cohort["event"].eq("censored"), "censor_reason"].value_counts()
    return {
        "n_releases": int(len(cohort)),
        "n_visits": None if n_visits is None else int(n_visits),
        "n_relapses": int(cohort["event"].eq("relapse").sum()),
        "n_deaths": int(cohort["event"].eq("death").sum()),
        "n_censored": {str(k): int(v) for k, v in reasons.items()},
    }


def analyse_cohort(data: Any, params: ReportParams, scheduler: Any = None) -> ReportResults:
    """Every analysis of a report on one cohort (built here once from a dataset or a spec):
    retention, coverage, tiers and regions (with a visit schedule), risk factors, effects and
    competing risks; sections the data cannot give are marked missing with a reason code."""
    notes: list[Note] = []
    missing: dict[str, str] = {}
    k = params.suppression_threshold
    with record_warnings(notes):
        full = as_cohort(data)
        cohort = scope_cohort(full, params)
    table = cohort.table
    check_scope_rules(full.table, table, params)
    del full
    if len(table) == 0:
        raise EstimationError(
            "no release is in the report's scope (check prefecture, facility and release period)"
        )
    if len(table) < params.suppression_threshold:
        return protect(_too_few(cohort, params), record_keys(table), k)
    missing.update(not_estimable(table, cohort.received, exposures(cohort)))
    if not cohort.has_visits:
        missing.update(dict.fromkeys(("coverage", "tiers", "regions"), "spec_table"))

    def step(section: str, func, *args: Any, **kwargs: Any) -> Any:
        if section in missing:  # known in advance: these data cannot give this section
            return None
        return guarded(missing, section, func, *args, **kwargs)

    with record_warnings(notes):
        fit = step(
            "retention", _fit_retention, table, params, cohort.exact, cohort.entry,
            rs.unit_days(cohort), scheduler=scheduler,
        ) or {}  # fmt: skip
        coverage = step("coverage", _coverage, table)
        tiers = step("tiers", _tiers, table, fit.get("survival"))
        regions = step("regions", _regions, table, fit, params)
        risk = step("risk", models.risk_factors, cohort)
        effects = step("effects", models.support_effects, cohort, params, scheduler) or {}
        cif = None
        if cohort.has_visits or table["event"].eq("death").any():
            cif = step(
                "competing", models.competing_risks, cohort, params.milestones,
                n_bootstrap=params.n_bootstrap, seed=params.seed, n_jobs=params.n_jobs,
                scheduler=scheduler,
            )  # fmt: skip
    raw = ReportResults(
        **_header(cohort, params),
        coverage=frame_or_none(coverage),
        milestones=fit.get("milestones"),
        curve=fit.get("curve"),
        median_day=fit.get("median"),
        rmst=fit.get("rmst"),
        tiers=frame_or_none(tiers),
        regions=None if regions is None else frame_or_none(regions[0]),
        funnel=None if regions is None else regions[1],
        endings=_endings(table) if cohort.has_visits else None,
        risk=risk,
        effects=frame_or_none(effects.get("table")),
        findings=frame_or_none(effects.get("findings")),
        cif=frame_or_none(cif),
        arm_curves=frame_or_none(effects.get("curves")),
        repairs=cohort.repairs,
        missing=missing,
        notes=tuple(notes),
        method_text=_method_text(fit, cif, risk, effects),
    )
    return protect(raw, record_keys(table), k, _arm_sizes(table, raw.arm_curves))


def _method_text(fit: dict, cif: pd.DataFrame | None, risk: dict | None, effects: dict) -> dict:
    """The method labels of the report's tables as catalog parts (`ReportResults.method_text`):
    milestones, cif, risk_sensitivity, and effects:<code> for each support's row."""
    out = {}
    if "method_text" in fit:
        out["milestones"] = fit["method_text"]
    if cif is not None:
        out["cif"] = competing_ic.METHOD_TEXT
    if risk and risk.get("sensitivity"):
        out["risk_sensitivity"] = risk["sensitivity"]["method_text"]
    for code, parts in effects.get("method_text", {}).items():
        out[f"effects:{code}"] = parts
    return out


def _arm_sizes(table: pd.DataFrame, curves: pd.DataFrame | None) -> dict:
    """(arm, group) -> number of people, for the arm curves of a randomised cohort."""
    if curves is None:
        return {}
    return {
        (str(arm), str(group)): int((table[arm].astype(str) == str(group)).sum())
        for arm, group in curves[["arm", "group"]].drop_duplicates().itertuples(index=False)
    }


ESTIMATES = ("retention", "tiers", "regions", "risk", "effects", "competing")


def exposures(cohort: AnalysisCohort) -> bool:
    """Whether the cohort has anything to compare: baseline arm columns, or support records."""
    if cohort.exposure == "baseline":
        return bool(cohort.interventions)
    return bool(cohort.received)


def not_estimable(cohort: pd.DataFrame, received: Any, has_exposures: bool | None = None) -> dict:
    """Sections these data cannot give, with a reason code (text.REASONS), checked before fitting.

    no_follow_up: nobody was seen after release (every interval is (0, ∞)), so no curve is
    identified; no_relapse / all_relapse_first: nothing distinguishes who relapsed sooner;
    no_support: no intervention records (or no arm columns); one_region: a single prefecture.
    `received` is the set of supports started by the cut-off (see AnalysisCohort.received).
    """
    relapse = cohort["event"].eq("relapse")
    seen = relapse | cohort["lower_day"].gt(0) | cohort["last_day"].gt(0)
    if not seen.any():
        return dict.fromkeys(ESTIMATES, "no_follow_up")
    out: dict[str, str] = {}
    if not relapse.any():
        out.update(dict.fromkeys(("risk", "effects", "regions"), "no_relapse"))
    elif relapse.all() and not cohort["lower_day"].gt(0).any():
        out.update(dict.fromkeys(("risk", "effects", "regions"), "all_relapse_first"))
    if not (bool(received) if has_exposures is None else has_exposures):
        out.setdefault("effects", "no_support")
    if "prefecture" in cohort.columns and cohort["prefecture"].astype(str).nunique() < 2:
        out["regions"] = "one_region"
    return out


def _header(cohort: AnalysisCohort, params: ReportParams) -> dict:
    """The fields every report has: source, hashes, cut-off, period, counts, design."""
    cutoff = cohort.cutoff
    return {
        "kind": cohort.kind,
        "source": str(cohort.source or params.data),
        "event_label": cohort.event_label,
        "sha256": dict(cohort.sha256),
        "cutoff": pd.Timestamp(cutoff).date().isoformat() if cutoff is not None else None,
        "period": _period(cohort.table, params),
        "counts": _counts(cohort.table, cohort.n_visits),
        "design": cohort.design,
        "start_label": dict(cohort.start_label),
        "competing_label": cohort.competing_label,
        "n_dropped": cohort.n_dropped,
        "dropped": dict(cohort.dropped),
    }


def _too_few(cohort: AnalysisCohort, params: ReportParams) -> ReportResults:
    """A scope with fewer people than the threshold: counts only, every estimate withheld."""
    coverage = None
    if cohort.has_visits:
        coverage = frame_or_none(guarded({}, "coverage", _coverage, cohort.table))
    return ReportResults(
        **_header(cohort, params),
        coverage=coverage,
        repairs=cohort.repairs,
        missing=dict.fromkeys(ESTIMATES, "too_few"),
    )


def _period(cohort: pd.DataFrame, params: ReportParams) -> tuple[str | None, str | None]:
    if "release_date" not in cohort.columns:
        return (None, None)
    first = params.release_start or cohort["release_date"].min().date()
    last = params.release_end or cohort["release_date"].max().date()
    return first.isoformat(), last.isoformat()


def _fit_retention(
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
        "rmst": _rmst_dict(rmst, tau),
        "survival": _survival_callable(fitter),
        "method": method,
        "method_text": method_text,
    }


def _rmst_dict(rmst: Any, tau: float) -> dict[str, Any]:
    ci = getattr(rmst, "ci", None) or (getattr(rmst, "lower", None), getattr(rmst, "upper", None))
    return {
        "tau_days": float(tau),
        "estimate": as_float(getattr(rmst, "estimate", None)),
        "lower": as_float(ci[0]),
        "upper": as_float(ci[1]),
    }


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


def _survival_callable(fitter: Any):
    def survival(days: np.ndarray) -> np.ndarray:
        res = fitter.survival_at(np.asarray(days, dtype=float))
        if isinstance(res, pd.DataFrame):
            return _col(res, "estimate", "survival")
        return np.asarray(res, dtype=float)

    return survival


def _coverage(cohort: pd.DataFrame) -> pd.DataFrame:
    from workbench.programme.coverage import coverage_table

    return coverage_table(cohort, by="prefecture")


def _tiers(cohort: pd.DataFrame, survival: Any) -> pd.DataFrame:
    from workbench.programme.tiers import tier_counts

    table = tier_counts(cohort, survival, by=None)
    return table.drop(columns="group")


def _regions(cohort: pd.DataFrame, fit: dict[str, Any], params: ReportParams):
    from workbench.programme.regions import compare_regions, predicted_retention

    groups = cohort["prefecture"].astype(str)
    if groups.nunique() < 2:
        raise EstimationError("one_region")
    if "survival" not in fit:
        raise EstimationError("needs the retention curve, which is not available")
    from workbench.retention.turnbull import TurnbullFitter

    day = months_to_days([12.0])
    observed = {}
    for code, frame in cohort.groupby(groups):
        if len(frame) < params.suppression_threshold:
            continue
        relapse = frame["event"].eq("relapse").to_numpy()
        f = TurnbullFitter(n_bootstrap=0, seed=params.seed).fit(
            frame["lower_day"].to_numpy(float),
            np.where(relapse, frame["upper_day"].to_numpy(float), np.nan),
        )
        observed[code] = float(_survival_callable(f)(day)[0])
    overall = float(fit["survival"](day)[0])
    expected = predicted_retention(cohort, months=12)
    comp = compare_regions(
        cohort.assign(prefecture=groups),
        pd.Series(observed, dtype=float),
        expected,
        overall,
        method="Turnbull per prefecture vs Cox-predicted (baseline covariates)",
    )
    return comp.summary(), comp.funnel()


def _endings(cohort: pd.DataFrame) -> pd.DataFrame:
    ending = np.where(
        cohort["event"].eq("censored"), cohort["censor_reason"].astype(str), cohort["event"]
    )
    table = pd.Series(ending).value_counts().rename_axis("ending").reset_index(name="n")
    order = ["relapse", "death", "transferred", "lost", "end_of_tracking", "cutoff"]
    table["order"] = table["ending"].map({k: i for i, k in enumerate(order)}).fillna(99)
    table = table.sort_values(["order", "ending"]).drop(columns="order").reset_index(drop=True)
    table["share"] = table["n"] / table["n"].sum()
    return table
