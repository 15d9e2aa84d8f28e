"""The report's emulated target trials (issue 18): one per support, computed once per scope.

`run_target_trials(cohort, params, scheduler)` fits `workbench.emulation.TargetTrial` (clone,
censor, weight) for each support with the report's seed and bootstrap size, and the grace-period
sensitivity (g = 3, 6, 12 months), and keeps plain tables (`TrialSummary`): they are cached with
the rest of `ReportResults`, so the Chinese and the English report of one scope compute once.
`protect_trials` then applies the disclosure rules (workbench/privacy/disclosure.py) once:
flow counts perturbed by the cell-key method, risks shifted by their implied count's noise, and
a support whose numbers rest on fewer than k people withheld ("too few people").
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.data import codes
from workbench.evaluation import trial_processes as forking
from workbench.evaluation.results import Note, as_float, record_warnings
from workbench.exceptions import WorkbenchError
from workbench.privacy import disclosure as dc

STRATEGIES = ("start", "never")
FLOW_COLUMNS = ("eligible", "cloned", "censored_deviation", "censored_other", "relapses", "deaths")
GRACE_MONTHS = 6
GRACES = (3, 6, 12)
HORIZONS = (12, 24, 36)
RMST_MONTHS = 36
# The grace-period sensitivity is a side table: its intervals are the estimator's model-based
# (influence-function) ones, not bootstrapped, which keeps the whole effects analysis in budget.
GRACE_CI = "sandwich"
TOO_FEW = "too_few"
# reasons a support's trial is withheld that mean "too few people" (the report says so)
FEW_PEOPLE = (TOO_FEW, "tt_too_few_starts")


@dataclass(frozen=True)
class TrialSummary:
    """One support's emulated target trial as plain tables (no fitted object).

    `protocol` maps a TARGET item (eligibility, strategies, …) to its words (`Text` or str);
    `flow` has one row per strategy (`STRATEGIES`) with the `FLOW_COLUMNS` counts; `curves`,
    `horizons`, `weights` and `grace` are the estimator's frames; `rmst` holds diff, lower,
    upper (days); `caveats` the warnings raised while fitting; `withheld` is None, `TOO_FEW`
    (disclosure control) or the reason the trial could not be emulated.
    """

    code: str
    grace_months: float = GRACE_MONTHS
    n_bootstrap: int = 0
    protocol: dict[str, Any] = field(default_factory=dict)
    flow: pd.DataFrame | None = None
    curves: pd.DataFrame | None = None
    horizons: pd.DataFrame | None = None
    rmst: dict[str, float | None] = field(default_factory=dict)
    weights: pd.DataFrame | None = None
    grace: pd.DataFrame | None = None
    caveats: tuple[Note, ...] = ()
    withheld: str | None = None

    @property
    def estimable(self) -> bool:
        return self.withheld is None and self.horizons is not None


def available() -> bool:
    """Whether the estimator (`workbench.emulation`) is installed with this workbench."""
    try:
        from workbench.emulation import TargetTrial  # noqa: F401
    except ImportError:
        return False
    return True


def trial_supports(cohort: Any, params: Any) -> list[str]:
    """The supports the report emulates a trial for: the cohort's, limited by `interventions`;
    none for randomised arms or baseline groups (their comparison is the trial's own)."""
    if getattr(cohort, "randomised", False) or getattr(cohort, "exposure", "") == "baseline":
        return []
    if not available():
        return []
    chosen = params.interventions
    found = cohort.interventions or tuple(codes.INTERVENTIONS)  # visit records: the glossary's
    received = getattr(cohort, "received", None)
    return [
        c for c in found
        if (chosen is None or c in chosen) and (received is None or c in received)
    ]  # fmt: skip


def run_target_trials(
    cohort: Any, params: Any, scheduler: Any = None, supports: list[str] | None = None
) -> dict[str, TrialSummary]:
    """Each support's target trial (`TrialSummary`, raw numbers): the cohort's supports
    (`trial_supports`), in the order of `supports` when given (the effects table's)."""
    from workbench.emulation.grid import shared_grid

    chosen = trial_supports(cohort, params)
    if supports is not None:  # the effects table's supports, in its order
        chosen = [c for c in supports if c in chosen]
    ahead: dict = {}  # the next support's point estimate, made while this one's replicates run
    # (with the sandwich CI nothing runs meanwhile: no point estimate ahead, whose arms would
    # only add to the memory of a large cohort)
    boot = ci_method(params.n_bootstrap) == "bootstrap"
    with shared_grid(cohort):  # the grid is built once for all supports
        if not boot and min(int(params.n_jobs), len(chosen)) >= 2 and forking.usable():
            # the sandwich CI runs nothing in parallel: the supports go to two processes
            return forking.fit_supports(cohort, chosen, params, fit_one)
        return {
            code: fit_one(cohort, code, params, scheduler, ahead=(nxt if boot else None, ahead))
            for code, nxt in zip(chosen, [*chosen[1:], None], strict=True)
        }


def command_trials(
    cohort: Any, n_bootstrap: int, seed: int, n_jobs: int = 1, scheduler: Any = None
) -> dict[str, TrialSummary]:
    """`workbench effects`: each support's trial without the grace-period sensitivity (raw
    numbers: the command is the analysts' tool; the report protects its own)."""
    from workbench.emulation.grid import shared_grid

    params = _Settings(n_bootstrap=n_bootstrap, seed=seed, n_jobs=n_jobs)
    with shared_grid(cohort):
        return {
            code: fit_one(cohort, code, params, scheduler, grace=False)
            for code in trial_supports(cohort, params)
        }


@dataclass(frozen=True)
class _Settings:
    n_bootstrap: int
    seed: int
    n_jobs: int = 1
    interventions: tuple[str, ...] | None = None


def ci_method(n_bootstrap: int) -> str:
    """The bootstrap of the whole procedure, or the model-based (sandwich) CI when the run asks
    for no bootstrap replicates (n_bootstrap 0 or 1, as for the other analyses)."""
    return "bootstrap" if n_bootstrap >= 2 else "sandwich"


def fit_one(
    cohort: Any, code: str, params: Any, scheduler: Any = None, grace: bool = True,
    ahead: tuple[str | None, dict] | None = None,
) -> TrialSummary:  # fmt: skip
    """One support's trial (and its grace-period sensitivity unless `grace` is False); an
    estimation problem becomes `withheld` with its message. `ahead` = (next support, store):
    while this trial's replicates run, the next support's point estimate is made into the
    store (with the warnings it raised), and this support's is taken from it when there."""
    from workbench.emulation import TargetTrial
    from workbench.emulation.trial import point_ahead

    notes: list[Note] = []
    others: list = []  # the other grace periods' rows, fitted while the replicates run
    nxt, store = ahead if ahead is not None else (None, {})

    def meanwhile(main: Any) -> None:
        others.append(_other_graces(cohort, code, params, main))
        if nxt is not None:
            store[nxt] = point_ahead(cohort, nxt, GRACE_MONTHS)

    point, caught = store.pop(code, (None, []))
    with record_warnings(notes):
        for w in caught:  # the warnings its point estimate raised, under its own support
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        try:
            tt = TargetTrial(
                code, grace_months=GRACE_MONTHS, horizons=HORIZONS,
                n_bootstrap=params.n_bootstrap, seed=params.seed, n_jobs=params.n_jobs,
                scheduler=scheduler, ci=ci_method(params.n_bootstrap),
            ).fit(cohort, meanwhile=meanwhile if grace else None, point=point)  # fmt: skip
        except (WorkbenchError, ValueError, np.linalg.LinAlgError) as err:
            return TrialSummary(code, n_bootstrap=params.n_bootstrap, withheld=str(err))
        made = getattr(tt, "not_estimable_", None) is None
        sensitivity = _grace(tt, others[0]) if grace and made and others else None
    notes += [_as_note(w) for w in getattr(tt, "warnings_", ()) or ()]
    return summarise(tt, code, params.n_bootstrap, sensitivity, notes)


def summarise(
    tt: Any, code: str, n_bootstrap: int, grace: pd.DataFrame | None = None, notes=()
) -> TrialSummary:
    """A fitted TargetTrial's plain tables (withheld with the estimator's reason code when it
    made no estimate, e.g. ``tt_too_few_starts``)."""
    gone = getattr(tt, "not_estimable_", None)
    if gone is not None:
        return TrialSummary(code, n_bootstrap=int(n_bootstrap), withheld=str(gone.reason))
    seen: list[Note] = []
    for note in notes:
        if note.message not in {n.message for n in seen}:
            seen.append(note)
    return TrialSummary(
        code=code,
        grace_months=float(getattr(tt, "grace_months", GRACE_MONTHS)),
        n_bootstrap=int(n_bootstrap),
        protocol=dict(getattr(tt, "protocol_", {}) or {}),
        flow=flow_frame(tt.flow_),
        curves=tt.curves_.reset_index(drop=True),
        horizons=tt.horizons_.reset_index(drop=True),
        rmst={
            "diff": as_float(tt.rmst_diff_days_),
            "lower": as_float(tt.rmst_diff_lower_),
            "upper": as_float(tt.rmst_diff_upper_),
        },
        weights=getattr(tt, "weights_", None),
        grace=grace,
        caveats=tuple(seen),
    )


def flow_frame(flow: pd.DataFrame) -> pd.DataFrame:
    """The flow with one row per strategy in `STRATEGIES` order and the `FLOW_COLUMNS`."""
    frame = flow.reset_index() if "strategy" not in flow.columns else flow.copy()
    frame["strategy"] = frame["strategy"].map(strategy_code)
    frame = frame.set_index("strategy").reindex(list(STRATEGIES)).reset_index()
    return frame[["strategy", *FLOW_COLUMNS]]


def strategy_code(value: object) -> str:
    """'start' or 'never' for the estimator's strategy label."""
    text = str(value).lower()
    return "never" if ("never" in text or "not" in text) else "start"


def _other_graces(cohort: Any, code: str, params: Any, main: Any) -> pd.DataFrame | None:
    """The risk difference under each grace period in `GRACES` but the main one (model-based
    CIs, `GRACE_CI`), reusing the main fit's grid, start model and "never" arm (`main`: the
    trial with its point estimate; `fit_one` runs this while its bootstrap replicates run);
    None when they cannot be estimated."""
    from workbench.emulation import grace_sensitivity

    others = tuple(g for g in GRACES if g != GRACE_MONTHS)
    try:
        return grace_sensitivity(
            cohort, code, graces=others, seed=params.seed, ci=GRACE_CI, base=main
        )
    except (WorkbenchError, ValueError, np.linalg.LinAlgError):
        return None


def _grace(main: Any, frame: pd.DataFrame | None) -> pd.DataFrame | None:
    """The grace-period sensitivity table: the other grace periods' rows (`_other_graces`)
    and the main grace period's, which are the main fit's (`main`, the fitted trial: its
    horizons), not refitted."""
    if frame is None:
        return None
    own = main.horizons_[["month", "rd", "rd_lower", "rd_upper"]].assign(grace_months=GRACE_MONTHS)
    frame = pd.concat([frame, own], ignore_index=True)
    return frame.sort_values(["grace_months", "month"]).reset_index(drop=True)


def _as_note(w: object) -> Note:
    message = w.message if hasattr(w, "message") else w
    return Note(str(message), getattr(message, "code", None),
                dict(getattr(message, "fields", None) or {}))  # fmt: skip


# --- disclosure control --------------------------------------------------------------------------


def protect_trials(
    trials: dict[str, TrialSummary] | None, key: bytes, k: int, n_releases: object = None
) -> dict[str, TrialSummary] | None:
    """The publishable trials: counts perturbed (those below k stay, the renderers print "<k"),
    risks and differences shifted by their implied count's noise, a support withheld when its
    numbers rest on fewer than k people (`too_few`). Everyone released is eligible for every
    support: when the number eligible is the scope's `n_releases`, it is published as that one
    cell ("data.n_releases"), never as a differently perturbed copy per support."""
    if trials is None:
        return None
    return {code: _protect_one(s, key, k, n_releases) for code, s in trials.items()}


def too_few(flow: pd.DataFrame | None, k: int) -> bool:
    """The rule: a support's trial is shown only when at least k people are eligible, at least
    k follow each strategy to the end (cloned minus deviated) and each strategy has at least k
    relapses and k people without relapse."""
    if flow is None or flow.empty:
        return True
    f = flow.set_index("strategy")
    followers = f["cloned"].astype(float) - f["censored_deviation"].astype(float)
    relapses = f["relapses"].astype(float)
    return bool(
        (f["eligible"].astype(float) < k).any()
        or (followers < k).any()
        or (relapses < k).any()
        or ((f["cloned"].astype(float) - relapses) < k).any()
    )


def _protect_one(s: TrialSummary, key: bytes, k: int, n_releases: object = None) -> TrialSummary:
    flow = _protect_flow(s, key, k, n_releases)
    if s.withheld is not None:
        return dataclasses.replace(s, flow=flow)
    if too_few(s.flow, k):
        return dataclasses.replace(s, flow=flow, curves=None, horizons=None, grace=None,
                                   rmst={}, weights=None, withheld=TOO_FEW)  # fmt: skip
    n = float(s.flow["eligible"].iloc[0])
    draw = {st: dc.noise(key, f"tt.{s.code}.{st}.risk") / n for st in STRATEGIES}
    return dataclasses.replace(
        s,
        flow=flow,
        curves=_protect_curves(s.curves, s.code, draw, n, key, k),
        horizons=_protect_horizons(s.horizons, draw, n, k),
        grace=_protect_grace(s.grace, s.code, n, key, s.grace_months, draw),
        rmst=_protect_rmst(s.rmst, s.code, n, key),
    )


def _protect_flow(s: TrialSummary, key: bytes, k: int, n_releases: object) -> pd.DataFrame | None:
    if s.flow is None:
        return None
    out = s.flow.copy().astype({c: object for c in FLOW_COLUMNS})
    everyone = n_releases is not None and float(s.flow["eligible"].iloc[0]) == float(n_releases)
    eligible = "data.n_releases" if everyone else f"tt.{s.code}.eligible"
    for i, r in s.flow.iterrows():
        for col in FLOW_COLUMNS:
            # one quantity, one cell: eligible (and cloned, when everyone eligible was cloned)
            same = col == "eligible" or (col == "cloned" and r["cloned"] == r["eligible"])
            cell = eligible if same else f"tt.{s.code}.{r['strategy']}.{col}"
            out.at[i, col] = dc.protect_count(r[col], key, cell, k)
    return out


def _protect_curves(
    curves: pd.DataFrame | None, code: str, draw: dict, n: float, key: bytes, k: int
) -> pd.DataFrame | None:
    """Each strategy's curve moved by one draw (the same as its horizon rows); points whose
    implied number relapsed (or not) is below k withheld, except month 0."""
    if curves is None:
        return None
    out = curves.copy()
    strategy = out["strategy"].map(strategy_code)
    out["strategy"] = strategy
    cols = ["relapse_risk", "lower", "upper"]
    shift = strategy.map(draw).to_numpy(float)[:, None]
    vals = np.round(np.clip(out[cols].to_numpy(float) + shift, 0, 1), dc.RATE_DECIMALS)
    risk = curves["relapse_risk"].to_numpy(float)
    ok = (n * risk >= k) & (n * (1 - risk) >= k)
    start = out["month"].to_numpy(float) == 0
    vals[~(ok | start)] = np.nan
    out[cols] = vals
    if "death_risk" in out:
        death = out["death_risk"].to_numpy(float)
        d_shift = np.array([dc.noise(key, f"tt.{code}.{st}.death") / n for st in strategy])
        moved = np.round(np.clip(death + d_shift, 0, 1), dc.RATE_DECIMALS)
        out["death_risk"] = np.where((n * death >= k) & (n * (1 - death) >= k) | start, moved,
                                     np.nan)  # fmt: skip
    return out


def _protect_horizons(h: pd.DataFrame | None, draw: dict, n: float, k: int) -> pd.DataFrame | None:
    if h is None:
        return None
    out = h.copy()
    d_start, d_never = draw["start"], draw["never"]
    for col, d in (("risk_start", d_start), ("risk_never", d_never)):
        out[col] = np.round(np.clip(h[col].astype(float) + d, 0, 1), dc.RATE_DECIMALS)
    for col in ("rd", "rd_lower", "rd_upper"):
        out[col] = np.round(h[col].astype(float) + d_start - d_never, dc.RATE_DECIMALS)
    if "rr" in h:
        ratio = out["risk_start"] / out["risk_never"] / (h["risk_start"] / h["risk_never"])
        for col in ("rr", "rr_lower", "rr_upper"):
            out[col] = np.round(h[col].astype(float) * ratio, dc.HR_DECIMALS)
    for col in ("risk_start", "risk_never"):
        raw = h[col].astype(float)
        small = (n * raw < k) | (n * (1 - raw) < k)
        out.loc[small, col] = np.nan
    return out


def _protect_grace(g: pd.DataFrame | None, code: str, n: float, key: bytes, main: float,
                   draw: dict) -> pd.DataFrame | None:  # fmt: skip
    """Own draws for the other grace periods; the main one's rows are the horizon table's and
    move with its draw, so both tables print one number (two draws of one value average out)."""
    if g is None:
        return None
    own, out = draw["start"] - draw["never"], g.copy()
    shift = np.array([own if float(x) == float(main) else dc.noise(key, f"tt.{code}.grace.{x:g}") / n
                      for x in g["grace_months"]])  # fmt: skip
    for col in ("rd", "rd_lower", "rd_upper"):
        out[col] = np.round(g[col].astype(float) + shift, dc.RATE_DECIMALS)
    return out


def _protect_rmst(rmst: dict, code: str, n: float, key: bytes) -> dict:
    """One person moves a restricted mean difference by at most the horizon / n days."""
    horizon = RMST_MONTHS * codes.DAYS_PER_MONTH
    shift = dc.noise(key, f"tt.{code}.rmst") * horizon / n
    return {
        name: None if value is None else round(value + shift, dc.DAYS_DECIMALS)
        for name, value in rmst.items()
    }
