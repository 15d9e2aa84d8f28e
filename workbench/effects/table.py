"""`effects_table`: one row per support or arm in the metrics.json shape (the `workbench effects`
command: workbench.cli.effects).

Built on one `AnalysisCohort` (workbench.cohort.contract), whatever file it came from:
- time-varying supports (visit records): hazard ratio from the primary time-varying model
  (bootstrap CI), RMST difference to the horizon (default 36 months) from the landmark (day 180)
  overlap-weighted comparison;
- observational baseline 0/1 arms (spec tables): covariate-adjusted Cox (exact/right-censored
  times; Efron ties; text covariates as dummies against their reference level; strata, weights,
  delayed entry, clusters) or the piecewise-exponential model (intervals), and the RMST
  difference from the overlap-weighted baseline comparison; its hazard ratio is beside it;
  weighted results are withheld (NaN, `balance` "not achieved", the method says so) when some
  covariate's |SMD| after weighting is 0.1 or more (`effects.landmark`);
- randomised arms (`design: randomised`): the trial's comparison (`effects.trial`), no
  propensity model and no landmark.
Then the E-values of the hazard ratio and of its CI limit nearer 1 (`evalue`, `evalue_ci`;
relapse is common, so the hazard ratio goes through the square-root conversion first). An arm
that cannot be compared (single group, no events in a group, diverging fit) keeps its row with
empty estimates and the reason in `method`; data with nothing to compare are refused in one line.
Each row's method label as catalog parts is in `table.attrs["method_text"]` (code -> tuple of
`i18n.Text`; `i18n.join(parts, lang)` renders it, and in English equals the `method` column).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from workbench._base import DEFAULT_SEED, NotEstimable
from workbench.data.codes import SUPPRESSION_THRESHOLD, TRACKING_DAYS
from workbench.effects.evalue import evalue_table
from workbench.effects.exposure import check_exposures
from workbench.effects.fitting import adjusted_fit, arm_problem
from workbench.effects.landmark import WeightedEffect
from workbench.effects.methods import adjusted, english, piece, verbatim
from workbench.effects.primary import TimeVaryingEffects
from workbench.effects.trial import check_design, trial_rows
from workbench.exceptions import EstimationError, ParameterError, StatisticalWarning

DELAYED_ENTRY = "RMST not estimable: delayed entry is not supported by the weighted comparison"
WITHHELD = english([piece("withheld")])  # "balance not achieved, RMST withheld"
# The estimates of a row (withheld together when a support's estimate is not shown).
ESTIMATE_COLUMNS = [
    "hr",
    "hr_lower",
    "hr_upper",
    "rmst_diff_days",
    "rmst_diff_lower",
    "rmst_diff_upper",
]
COLUMNS = [
    "code",
    "n_exposed",
    *ESTIMATE_COLUMNS,
    "horizon_days",
    "method",
    "evalue",
    "evalue_ci",
    "balance",
    "max_abs_smd",
]


def _weighted(
    code,
    frame,
    starts,
    contacts,
    landmark_day,
    horizon,
    n_bootstrap,
    seed,
    n_jobs,
    conf=None,
    k=None,
    scheduler=None,
    landmark=None,
):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        we = WeightedEffect(
            code,
            min_group=SUPPRESSION_THRESHOLD if k is None else k,
            landmark_day=landmark_day,
            horizon_day=horizon,
            confounders=conf,
            n_bootstrap=n_bootstrap,
            seed=seed,
            n_jobs=n_jobs,
            scheduler=scheduler,
        ).fit(frame, starts, contacts, landmark)
    _name_the_support(caught, code)
    return we.result_


SUPPORT_CAVEATS = ("positivity", "low_ess")  # re-raised as support_<code>, naming the support


def _name_the_support(caught: list, code: str) -> None:
    """Re-raise the caught warnings; a weighting caveat names its support (``intervention``), so
    the report says which comparison it qualifies, once per support."""
    for w in caught:
        msg = w.message
        if isinstance(msg, StatisticalWarning) and msg.code in SUPPORT_CAVEATS:
            msg = StatisticalWarning(
                f"{code}: {msg}", code=f"support_{msg.code}", intervention=code, **msg.fields
            )
        warnings.warn(msg, stacklevel=3)


def _time_varying_table(
    cohort, n_bootstrap, seed, n_jobs, landmark_day, horizon, k, scheduler=None
):
    """Supports that start after day 0 (visit records): primary time-varying model, landmark
    ATE-weighted RMST difference."""
    table = cohort.table
    _check_estimable(table)
    starts, contacts = cohort.starts, cohort.contacts
    primary = TimeVaryingEffects(
        n_bootstrap=n_bootstrap, seed=seed, n_jobs=n_jobs, min_exposed=k, scheduler=scheduler
    )
    primary.fit(table, starts, contacts)
    rows = []
    landmark = _UNMADE  # the landmark table, the same for every support: made once
    for est in primary.estimates():
        row = {"code": est.intervention, "n_exposed": est.n_exposed, "hr": est.hazard_ratio}
        row["hr_lower"], row["hr_upper"] = est.ci
        res = NotEstimable("no_hazard_ratio")
        if np.isfinite(est.hazard_ratio):
            if landmark is _UNMADE:  # (None when it cannot be made: each support says why)
                landmark = _landmark(table, starts, contacts, landmark_day)
            res = _weighted(
                est.intervention, table, starts, contacts, landmark_day, horizon, n_bootstrap, seed,
                n_jobs, k=k, scheduler=scheduler, landmark=landmark,
            )  # fmt: skip
        rows.append(_with_rmst(row, res, horizon, list(est.method_text)))
    return _with_evalues(_frame(rows), outcome_risk(table))


_UNMADE = object()


def _landmark(table, starts, contacts, day):
    """`landmark_frame` of every support (what each support's comparison builds with
    co_interventions), or None when it cannot be made (each comparison then says why)."""
    from workbench.effects.landmark import landmark_frame

    try:
        return landmark_frame(table, starts[check_exposures(starts.columns)], contacts, day)
    except EstimationError:
        return None


def _check_estimable(cohort: pd.DataFrame) -> None:
    """Refuse data in which no relapse time can be compared (before any model is fitted)."""
    relapse = cohort["event"].eq("relapse")
    if not (relapse | cohort["lower_day"].gt(0) | cohort["last_day"].gt(0)).any():
        raise EstimationError(
            "nobody was seen after release, so no support can be compared; check the visits table."
        )
    if not relapse.any():
        raise EstimationError("no relapse was observed, so support effects cannot be estimated.")
    if not cohort.loc[relapse, "lower_day"].gt(0).any() and relapse.all():
        raise EstimationError(
            "everyone had relapsed when first seen after release, so supports (which start "
            "after release) cannot be compared."
        )


def _with_rmst(row, res, horizon, method, event=""):
    """The weighted comparison's RMST difference, withheld (NaN, `balance` "not achieved")
    when weighting left some covariate with |SMD| >= 0.1. `method`: the hazard ratio's method
    label (catalog parts); the row gets `method` and `method_text`. `event` "_event": a spec's
    outcome, said as event-free days (not the programme's abstinent days)."""
    row.update(balance="", max_abs_smd=np.nan)
    if not res.estimable or not res.balance_achieved:
        row.update(rmst_diff_days=np.nan, rmst_diff_lower=np.nan, rmst_diff_upper=np.nan)
        row.update(horizon_days=horizon)
        if res.estimable:
            row.update(balance="not achieved", max_abs_smd=res.max_abs_smd)
            method = [*_hr_and_rmst(method, res, event), piece(f"withheld{event}")]
        return _with_method(row, method)
    row.update(balance="achieved", max_abs_smd=res.max_abs_smd)
    row["rmst_diff_days"] = res.rmst_difference
    row["rmst_diff_lower"], row["rmst_diff_upper"] = res.rmst_difference_ci
    row["horizon_days"] = res.horizon_day
    return _with_method(row, _hr_and_rmst(method, res, event))


def _hr_and_rmst(method: list, res, event: str = "") -> list:
    """ "HR: <hazard ratio's method>; RMST: <weighted comparison's method>" as catalog parts."""
    return [
        piece("hr_part", method=method[0]),
        *method[1:],
        piece(f"rmst_part{event}", method=res.method_text[0]),
    ]


def _with_method(row: dict, parts) -> dict:
    """The row's `method` (English) and `method_text` (catalog parts) from the same parts."""
    row.update(method=english(parts), method_text=tuple(parts))
    return row


def _frame(rows: list[dict]) -> pd.DataFrame:
    """The rows as a table, their `method_text` moved to `attrs["method_text"]` (by code)."""
    table = pd.DataFrame(rows)
    texts = dict(zip(table["code"], table.pop("method_text"), strict=True))
    table.attrs["method_text"] = texts
    return table


def outcome_risk(frame: pd.DataFrame) -> float:
    """Share of people with a relapse seen: decides rare (< 15 %) or common for E-values."""
    return float(np.mean(np.isfinite(frame["upper_day"].to_numpy(float))))


def _with_evalues(table: pd.DataFrame, risk: float) -> pd.DataFrame:
    """E-values (VanderWeele & Ding 2017) of each hazard ratio and of its CI limit nearer 1."""
    ev = evalue_table(table, risk)
    table["evalue"], table["evalue_ci"] = ev["evalue"], ev["evalue_ci"]
    table.attrs["evalue_approximation"] = str(ev["approximation"].iloc[0]) if len(ev) else ""
    return table[COLUMNS]


def adjusted_spec_model(frame: pd.DataFrame, interventions, covariates, reference=None):
    """Covariate-adjusted model with all interventions: Cox (exact times) or PWE (intervals);
    text covariates as labelled dummies against their reference level."""
    from workbench.cohort.contract import AnalysisCohort

    cohort = AnalysisCohort(
        table=frame, kind="spec", exposure="baseline", interventions=tuple(interventions),
        reference=dict(reference or {}),
    )  # fmt: skip
    hr, ci, method, fit = adjusted_fit(cohort, list(interventions), list(covariates))
    return hr, ci, english([adjusted(method)]), fit


def _baseline_table(cohort, n_bootstrap, seed, n_jobs, horizon, k, scheduler=None):
    """Observational baseline 0/1 arms: adjusted model, weighted RMST difference and HR."""
    frame = cohort.table
    arms = check_exposures(cohort.interventions)
    problems = {c: arm_problem(frame, c, cohort.event_label) for c in arms}
    fitted = [c for c in arms if problems[c] is None]
    covariates = list(cohort.covariates)
    if fitted:
        hr, ci, method, _ = adjusted_fit(cohort, fitted, covariates)
        method = adjusted(method)
    rows = []
    for code in arms:
        row = {"code": code, "n_exposed": int(frame[code].sum())}
        if code in fitted:
            j = fitted.index(code)
            row.update(hr=float(hr[j]), hr_lower=float(ci[j, 0]), hr_upper=float(ci[j, 1]))
            how = [method]
        else:
            row.update(hr=np.nan, hr_lower=np.nan, hr_upper=np.nan)
            how = [piece("not_estimable", problem=verbatim(problems[code]))]
        res = NotEstimable("single_group")
        if cohort.entry is not None:  # the weighted comparison starts everyone at day 0
            res = NotEstimable("delayed_entry")
            how.append(verbatim(DELAYED_ENTRY))
        elif frame[code].nunique() > 1:
            res = _weighted(
                code, frame, None, None, None, horizon, n_bootstrap, seed, n_jobs, covariates, k=k,
                scheduler=scheduler,
            )  # fmt: skip
        row = _with_rmst(row, res, horizon, how, event="_event")
        if res.estimable and res.balance_achieved and code in fitted:
            lo, hi = res.hr_ci
            ci = f" ({lo:.3f}-{hi:.3f})" if np.isfinite([lo, hi]).all() else ""
            value = f"{res.hazard_ratio:.3f}{ci}"
            weighted_hr = piece(f"weighted_hr_{res.estimand}", value=value)
            row = _with_method(row, [*row["method_text"], weighted_hr])
        rows.append(row)
    return _with_evalues(_frame(rows), outcome_risk(frame))


def _trial_table(cohort, n_bootstrap, seed, horizon, scheduler=None):
    """Randomised arms: the trial's comparison; no E-values (randomisation, not adjustment,
    removes confounding, so there is nothing for an unmeasured confounder to explain away)."""
    arms = check_exposures(cohort.interventions)
    rows = trial_rows(
        cohort, arms, list(cohort.covariates), horizon, n_bootstrap, seed, scheduler=scheduler
    )
    table = _frame(rows).assign(evalue=np.nan, evalue_ci=np.nan, balance="", max_abs_smd=np.nan)
    table.attrs["evalue_approximation"] = ""
    return table[COLUMNS]


def follow_up_end(table: pd.DataFrame) -> float:
    """The last day anyone was followed (event, competing event or censoring)."""
    end = np.where(table["upper_day"].notna(), table["upper_day"], table["lower_day"])
    if "death_day" in table.columns:
        end = np.where(table["death_day"].notna(), table["death_day"], end)
    return float(np.nanmax(end))


def choose_horizon(cohort, horizon: float | None) -> float:
    """The RMST horizon in days: `horizon` when given (it must lie within follow-up), else the
    tracking period (visit records) or the end of follow-up, whichever is earlier."""
    if cohort.exposure == "time_varying":
        end = TRACKING_DAYS if horizon is None else float(horizon)
        last = TRACKING_DAYS
    else:
        last = follow_up_end(cohort.table)
        end = min(TRACKING_DAYS, last) if horizon is None else float(horizon)
    if not np.isfinite(end) or end <= 0:
        raise ParameterError(f"horizon {horizon} days must be a positive number of days")
    if horizon is not None and float(horizon) > last:
        raise ParameterError(
            f"horizon {float(horizon):g} days is beyond follow-up (which ends at day {last:g}); "
            f"give --horizon {last:g} or less"
        )
    return float(end)


def effects_table(
    data,
    *,
    n_bootstrap=200,
    seed=DEFAULT_SEED,
    n_jobs=1,
    landmark_day=180.0,
    horizon=None,
    min_exposed=SUPPRESSION_THRESHOLD,
    scheduler=None,
):
    """One row per support or arm in the metrics.json `interventions` shape (module doc), from
    an `AnalysisCohort` (or anything `as_cohort` reads: a dataset or a spec). `min_exposed` is
    the report's suppression threshold: a support with fewer exposed, or a landmark arm with
    fewer people, gets no estimate. `scheduler`: where bootstrap replicates run (Dask; the
    numbers do not depend on it)."""
    from workbench.cohort.contract import as_cohort

    cohort = as_cohort(data)
    end = choose_horizon(cohort, horizon)
    if cohort.exposure == "time_varying":
        if cohort.randomised:
            check_design(cohort)
        return _time_varying_table(
            cohort, n_bootstrap, seed, n_jobs, landmark_day, end, min_exposed, scheduler
        )
    if not cohort.interventions:
        raise EstimationError(
            f"{cohort.name or 'the data'} lists no interventions (arms), so there is nothing to "
            "compare; add `interventions: [COLUMN]` (or `arms:`) to the spec"
        )
    single = [c for c in cohort.interventions if cohort.table[c].nunique() < 2]
    if len(single) == len(cohort.interventions):
        who = "everyone" if cohort.table[single[0]].iloc[0] == 1 else "nobody"
        raise EstimationError(
            f"{who} is in arm {single[0]} (a single group), so there is nothing to compare; "
            "an effect needs people with and without it"
        )
    if cohort.randomised:
        return _trial_table(cohort, n_bootstrap, seed, end, scheduler)
    return _baseline_table(cohort, n_bootstrap, seed, n_jobs, end, min_exposed, scheduler)


def arm_curves(cohort):
    """Each arm's event-free curve for a randomised cohort (see effects.trial.arm_curves)."""
    from workbench.effects.trial import arm_curves as curves

    return curves(cohort)


def records(table: pd.DataFrame, design: str, n_bootstrap: int = 200) -> list[dict]:
    """The rows as strict-JSON records with `design`; a row with a null number says why."""
    from workbench import jsonout

    out = table.assign(design=design)
    method = out["method"].astype(str)
    out["reason"] = method.str.extract(r"not estimable: ([^;]*)", expand=False).fillna("")
    default = "not estimable from these data (too few people or events in a group)"
    if n_bootstrap == 0:
        default = "no bootstrap replicates (--bootstrap 0), so no bootstrap interval"
    if design == "randomised":
        default = (
            "randomised arms: no E-value (randomisation leaves no confounding to explain away)"
        )
    return jsonout.records(out, reason=default)
