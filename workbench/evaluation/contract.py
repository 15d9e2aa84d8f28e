"""The analyses behind a report, on one `AnalysisCohort` (visit records or a spec table alike)."""

from __future__ import annotations

import contextlib
from collections.abc import Collection
from typing import Any

import numpy as np
import pandas as pd

from workbench import console
from workbench.cohort.contract import AnalysisCohort, as_cohort
from workbench.evaluation import models, trends
from workbench.evaluation import section_processes as sections
from workbench.evaluation.protect import protect
from workbench.evaluation.results import (
    Counts,
    Note,
    ReportResults,
    RiskFactors,
    frame_or_none,
    guarded,
    months_to_days,
    record_warnings,
)
from workbench.evaluation.retention import fit_retention, survival_callable
from workbench.evaluation.scope import (  # noqa: F401 (the scope's rules, used from here too)
    check_scope_rules,
    record_keys,
    scope_cohort,
    scope_masks,
)
from workbench.evaluation.target_trial import run_target_trials
from workbench.exceptions import EstimationError
from workbench.params.report import ReportParams
from workbench.retention import competing_ic
from workbench.retention import summary as rs


def cohort_counts(cohort: pd.DataFrame, n_visits: int | None) -> Counts:
    """The cohort's raw counts (people, visits, relapses, deaths, censored by reason)."""
    reasons = cohort.loc[cohort["event"].eq("censored"), "censor_reason"].value_counts()
    return Counts(
        n_releases=int(len(cohort)),
        n_visits=None if n_visits is None else int(n_visits),
        n_relapses=int(cohort["event"].eq("relapse").sum()),
        n_deaths=int(cohort["event"].eq("death").sum()),
        n_censored={str(k): int(v) for k, v in reasons.items()},
    )


def analyse_cohort(
    data: Any, params: ReportParams, scheduler: Any = None, only: Collection[str] | None = None
) -> ReportResults:
    """Every analysis of a report on one cohort (built here once from a dataset or a spec):
    retention, coverage, tiers and regions (with a visit schedule), risk factors, effects and
    competing risks; sections the data cannot give are marked missing with a reason code.
    `only`: just these sections (e.g. a province benchmark's), the others left None; each
    section computed as in the full analysis (same seeds), so the numbers are the same."""
    notes: list[Note] = []
    missing: dict[str, str] = {}
    k = params.suppression_threshold
    with record_warnings(notes), console.stage("cohort"):
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
        if section in missing or (only is not None and section not in only):
            return None  # known in advance: these data cannot give this section (or not asked)
        with console.stage(section):  # timed into the report's provenance, shown on its console
            return guarded(missing, section, func, *args, **kwargs)

    with record_warnings(notes):
        fit = step(
            "retention", fit_retention, table, params, cohort.exact, cohort.entry,
            rs.unit_days(cohort), scheduler=scheduler,
        ) or {}  # fmt: skip
        coverage = step("coverage", prefecture_coverage, table)
        tiers = step("tiers", _tiers, table, fit.get("survival"))
    console.offer(cohort=cohort, retention=fit, tiers=tiers)  # the report draws figures ahead
    # the other sections: independent ones on both cores when that helps (section_processes)
    got = sections.run(
        _plan(cohort, fit, params, scheduler), missing, notes, only,
        beside=sections.usable(params, scheduler), size=len(table),
    )  # fmt: skip
    regions, ranking, centres = got["regions"], got["ranking"], got["facilities"]
    risk, effects, trials = got["risk"], got["effects"] or {}, got["target_trial"]
    cif = got.get("competing")
    trend, check, model_check = got["trend"], got["projection_check"], got["model_check"]
    raw = ReportResults(
        **results_header(cohort, params),
        coverage=frame_or_none(coverage),
        milestones=fit.get("milestones"),
        curve=fit.get("curve"),
        median_day=fit.get("median"),
        rmst=fit.get("rmst"),
        tiers=frame_or_none(tiers),
        regions=None if regions is None else frame_or_none(regions[0]),
        funnel=None if regions is None else regions[1],
        ranking=ranking,
        facility_regions=centres,
        endings=endings_shares(table) if cohort.has_visits else None,
        risk=risk,
        effects=frame_or_none(effects.get("table")),
        findings=frame_or_none(effects.get("findings")),
        cif=frame_or_none(cif),
        arm_curves=frame_or_none(effects.get("curves")),
        trend=trend,
        projection_check=check,
        model_check=model_check,
        repairs=cohort.repairs,
        missing=missing,
        notes=tuple(notes),
        method_text=_method_text(fit, cif, risk, effects),
        target_trials=trials or None,
    )
    return protect(raw, record_keys(table), k, _arm_sizes(table, raw.arm_curves))


def _plan(cohort: AnalysisCohort, fit: dict, params: ReportParams, scheduler: Any) -> list:
    """The sections after the retention fit, in the order one process computes them
    (`section_processes.Section`; the movable ones may go to a second process)."""
    table, S = cohort.table, sections.Section
    competing = cohort.has_visits or table["event"].eq("death").any()
    return [
        S("regions", _regions, (table, fit, params)),
        # the ranking beside the funnel: none where the regional comparison is not made
        S("ranking", ranking_tables, (table, params), movable=True,
          when=lambda values, missing: values.get("regions") is not None),
        S("facilities", facility_comparison, (table, fit, params), gated=False, guard=False,
          staged=False),
        S("risk", models.risk_factors, (cohort,), movable=True),
        S("effects", models.support_effects, (cohort, params, scheduler)),
        # the target trials lead the effects section (#18), for the effects table's supports
        S("target_trial", run_target_trials, spread=True,
          when=lambda values, missing: "effects" not in missing,
          late=lambda values: (cohort, params, scheduler, _shown_supports(values["effects"]))),
        *([S("competing", models.competing_risks, (cohort, params.milestones), movable=True,
             kwargs=dict(n_bootstrap=params.n_bootstrap, seed=params.seed, n_jobs=params.n_jobs,
                         scheduler=scheduler))] if competing else []),
        S("trend", trends.trend_results, (cohort, params, scheduler), movable=True),
        S("projection_check", trends.projection_check, (cohort, params, scheduler), movable=True),
        S("model_check", trends.model_check, (cohort, params), movable=True),
    ]  # fmt: skip


def _shown_supports(effects: dict | None) -> list[str] | None:
    shown = (effects or {}).get("table")
    return None if shown is None else [str(c) for c in shown["code"]]


def ranking_tables(cohort: pd.DataFrame, params: ReportParams) -> dict[str, pd.DataFrame]:
    """The shrunken ranking of prefectures and of facilities (workbench.programme.ranking)."""
    from workbench.programme.ranking import rank_regions

    out = {}
    for by in ("prefecture", "facility"):
        if by in cohort.columns and cohort[by].astype(str).nunique() >= 2:
            with contextlib.suppress(EstimationError):  # too few regions large enough to rank
                out[by] = rank_regions(cohort, by, threshold=params.suppression_threshold,
                                       seed=params.seed)  # fmt: skip
    if "prefecture" not in out:
        raise EstimationError("one_region")
    return out


def _method_text(
    fit: dict, cif: pd.DataFrame | None, risk: RiskFactors | None, effects: dict
) -> dict:
    """The method labels of the report's tables as catalog parts (`ReportResults.method_text`):
    milestones, cif, risk_sensitivity, and effects:<code> for each support's row."""
    out = {}
    if "method_text" in fit:
        out["milestones"] = fit["method_text"]
    if cif is not None:
        out["cif"] = competing_ic.METHOD_TEXT
    if risk is not None and risk.sensitivity is not None:
        out["risk_sensitivity"] = risk.sensitivity.method_text
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


def results_header(cohort: AnalysisCohort, params: ReportParams) -> dict:
    """The fields every report has: source, hashes, cut-off, period, counts, design."""
    cutoff = cohort.cutoff
    return {
        "kind": cohort.kind,
        "source": str(cohort.source or params.data),
        "event_label": cohort.event_label,
        "sha256": dict(cohort.sha256),
        "cutoff": pd.Timestamp(cutoff).date().isoformat() if cutoff is not None else None,
        "period": _period(cohort.table, params),
        "counts": cohort_counts(cohort.table, cohort.n_visits),
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
        coverage = frame_or_none(guarded({}, "coverage", prefecture_coverage, cohort.table))
    return ReportResults(
        **results_header(cohort, params),
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


def prefecture_coverage(cohort: pd.DataFrame) -> pd.DataFrame:
    """Tracking coverage by prefecture (workbench.programme.coverage)."""
    from workbench.programme.coverage import coverage_table

    return coverage_table(cohort, by="prefecture")


def _tiers(cohort: pd.DataFrame, survival: Any) -> pd.DataFrame:
    from workbench.programme.tiers import staying_in_tracking, tier_counts

    # pending people may still leave tracking (death, transfer, loss): the projection the
    # backtest checks (workbench.programme.backtest) allows for it
    staying = staying_in_tracking(cohort) if survival is not None else None
    table = tier_counts(cohort, survival, by=None, staying=staying)
    return table.drop(columns="group")


def facility_comparison(
    cohort: pd.DataFrame, fit: dict[str, Any], params: ReportParams
) -> pd.DataFrame | None:
    """The province's centres compared like its prefectures (observed, expected, adjusted
    12-month retention, funnel limits): the standing of a facility report (its province
    benchmark). Only for the whole province with two or more centres; None when not estimable."""
    if params.prefecture or params.facility or "facility" not in cohort.columns:
        return None
    if cohort["facility"].astype(str).nunique() < 2 or "survival" not in fit:
        return None
    with console.stage("facilities"):
        try:
            return frame_or_none(_regions(cohort, fit, params, by="facility")[0])
        except EstimationError:
            return None


def _regions(cohort: pd.DataFrame, fit: dict[str, Any], params: ReportParams, by="prefecture"):
    from workbench.programme.regions import compare_regions, predicted_retention

    groups = cohort[by].astype(str)
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
        observed[code] = float(survival_callable(f)(day)[0])
    overall = float(fit["survival"](day)[0])
    expected = predicted_retention(cohort, months=12)
    comp = compare_regions(
        cohort.assign(**{by: groups}),
        pd.Series(observed, dtype=float),
        expected,
        overall,
        by=by,
        method="Turnbull per prefecture vs Cox-predicted (baseline covariates)",
    )
    return comp.summary(), comp.funnel()


def endings_shares(cohort: pd.DataFrame) -> pd.DataFrame:
    """How follow-up ended (relapse, death, each censoring reason): counts and shares."""
    ending = np.where(
        cohort["event"].eq("censored"), cohort["censor_reason"].astype(str), cohort["event"]
    )
    table = pd.Series(ending).value_counts().rename_axis("ending").reset_index(name="n")
    order = ["relapse", "death", "transferred", "lost", "end_of_tracking", "cutoff"]
    table["order"] = table["ending"].map({k: i for i, k in enumerate(order)}).fillna(99)
    table = table.sort_values(["order", "ending"]).drop(columns="order").reset_index(drop=True)
    table["share"] = table["n"] / table["n"].sum()
    return table
