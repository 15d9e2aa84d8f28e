"""Notebook 04's simulation study: does each estimator recover the simulator's truth?

Retention (this module): over seeded replicates, S(t) at the milestones from the interval-
censored NPMLE on (L, R] (`retention.TurnbullFitter`, bootstrap CI) against two naive exact-time
Kaplan-Meier analyses (relapse dated at the visit that found it, or at the interval midpoint),
each compared with the true population S(t) (`simulate.true_survival`).
Support effects: `workbench.studies.primary_effects` (primary time-varying model vs naive ever/never Cox)
on the very same simulated cohorts (same replicate seeds). Figures: `workbench.studies.method_check_figures`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from workbench._base import DEFAULT_SEED
from workbench.data import codes
from workbench.exceptions import ParameterError

TURNBULL = "Turnbull NPMLE on (L, R]"
NAIVE_VISIT = "naive KM, relapse at the visit date"
NAIVE_MIDPOINT = "naive KM, relapse at the interval midpoint"
ESTIMATORS = (TURNBULL, NAIVE_VISIT, NAIVE_MIDPOINT)
PRIMARY = "time-varying PH model (primary)"
NAIVE_EVER = "naive ever vs never Cox"
SHORT_NAMES = {
    TURNBULL: "NPMLE (L, R]",
    NAIVE_VISIT: "naive KM (visit date)",
    NAIVE_MIDPOINT: "naive KM (midpoint)",
    PRIMARY: "time-varying PH model",
    NAIVE_EVER: "naive ever vs never",
}
ESTIMATOR_COLOURS = {
    TURNBULL: "#4c72b0",
    NAIVE_VISIT: "#c44e52",
    NAIVE_MIDPOINT: "#dd8452",
    PRIMARY: "#4c72b0",
    NAIVE_EVER: "#c44e52",
}


def replicate_seeds(n_reps: int, seed: int) -> list[int]:
    """The replicate seeds, derived exactly as `workbench.studies.primary_effects.simulation_study` does."""
    if n_reps < 1:
        raise ParameterError(f"n_reps {n_reps} is below its minimum 1")
    children = np.random.SeedSequence(seed).spawn(n_reps)
    return [int(c.generate_state(1)[0]) for c in children]


def naive_retention(cohort: pd.DataFrame, months=codes.MILESTONE_MONTHS, time: str = "upper"):
    """Kaplan-Meier that treats a visit-based relapse day as exact (``time`` 'upper' or
    'midpoint'); shown only to expose its bias. Returns milestones with Greenwood CIs."""
    from workbench.cohort import analysis_times
    from workbench.retention import KaplanMeier

    stop, event = analysis_times(cohort, time=time)
    label = NAIVE_VISIT if time == "upper" else NAIVE_MIDPOINT
    km = KaplanMeier().fit(np.maximum(stop, 0.0), event, label=label)
    return km.milestones(months)


def interval_retention(cohort: pd.DataFrame, months, n_bootstrap: int, seed: int):
    """Turnbull NPMLE on (L, R] at the milestones (bootstrap CI; NaN bounds without bootstrap)."""
    from workbench.retention import TurnbullFitter

    relapse = cohort["event"].eq("relapse").to_numpy()
    upper = np.where(relapse, cohort["upper_day"].to_numpy(float), np.nan)
    fit = TurnbullFitter(n_bootstrap=n_bootstrap, seed=seed).fit(
        cohort["lower_day"].to_numpy(float), upper
    )
    months = np.asarray(months, dtype=float)
    if n_bootstrap:
        return fit.milestones(months)
    est = fit.survival_at(months * codes.DAYS_PER_MONTH)
    return pd.DataFrame({"months": months, "estimate": est, "lower": np.nan, "upper": np.nan})


def _retention_replicate(rep: int, seed: int, n: int, months, n_bootstrap: int, config):
    from workbench.cohort import build_cohort
    from workbench.simulate import NO_FEEDBACK, simulate

    # config None: the default without the employment feedback (as before issue 18)
    cohort = build_cohort(
        simulate(NO_FEEDBACK if config is None else config, seed=seed, n=n).dataset
    )
    fits = {
        TURNBULL: interval_retention(cohort, months, n_bootstrap, seed),
        NAIVE_VISIT: naive_retention(cohort, months, "upper"),
        NAIVE_MIDPOINT: naive_retention(cohort, months, "midpoint"),
    }
    parts = [
        pd.DataFrame(
            {
                "rep": rep,
                "seed": seed,
                "estimator": name,
                "months": np.asarray(months, dtype=float),
                "estimate": f["estimate"].to_numpy(float),
                "lower": f["lower"].to_numpy(float),
                "upper": f["upper"].to_numpy(float),
            }
        )
        for name, f in fits.items()
    ]
    return pd.concat(parts, ignore_index=True)


def retention_study(
    n_reps: int = 50,
    n: int = 3000,
    seed: int = 2024,
    months=codes.MILESTONE_MONTHS,
    n_bootstrap: int = 100,
    n_jobs: int = 1,
    config=None,
    truth_n: int = 100_000,
) -> pd.DataFrame:
    """One row per replicate x estimator x milestone: estimate, CI, truth and whether covered."""
    from workbench.simulate import NO_FEEDBACK, true_survival

    months = tuple(float(m) for m in months)
    seeds = replicate_seeds(n_reps, seed)
    args = [(r, s, n, months, n_bootstrap, config) for r, s in enumerate(seeds)]
    if n_jobs == 1:
        parts = [_retention_replicate(*a) for a in args]
    else:
        parts = Parallel(n_jobs=n_jobs)(delayed(_retention_replicate)(*a) for a in args)
    table = pd.concat(parts, ignore_index=True)
    days = np.asarray(months) * codes.DAYS_PER_MONTH
    cfg = NO_FEEDBACK if config is None else config
    truth = dict(zip(months, true_survival(days, cfg, n=truth_n, seed=seed), strict=True))
    table["truth"] = table["months"].map(truth)
    inside = (table["lower"] <= table["truth"]) & (table["truth"] <= table["upper"])
    table["covered"] = inside.where(table["lower"].notna())
    return table


def retention_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per estimator and milestone: truth, mean estimate, bias (with its Monte-Carlo SE),
    empirical SD, root mean squared error and coverage of the 95 % CI."""
    g = table.assign(error=table["estimate"] - table["truth"]).groupby(
        ["estimator", "months"], sort=False
    )
    out = pd.DataFrame(
        {
            "truth": g["truth"].first(),
            "n_reps": g.size(),
            "mean_estimate": g["estimate"].mean(),
            "bias": g["error"].mean(),
            "mc_se_bias": g["error"].std() / np.sqrt(g.size()),
            "empirical_sd": g["estimate"].std(),
            "rmse": np.sqrt(g["error"].apply(lambda e: float(np.mean(e**2)))),
            "coverage": g["covered"].mean(),
        }
    )
    return out.reset_index()


@dataclass(frozen=True)
class MethodChecks:
    """The study's replicate tables (retention; support effects) and their settings."""

    retention: pd.DataFrame
    effects: pd.DataFrame
    n_reps: int
    n: int
    seed: int
    n_bootstrap: int
    notes: tuple[str, ...] = ()

    def retention_summary(self) -> pd.DataFrame:
        return retention_summary(self.retention)

    def effects_summary(self) -> pd.DataFrame:
        from workbench.studies.primary_effects import study_summary

        return study_summary(self.effects)

    def summary(self) -> pd.DataFrame:
        """Both studies in one long table: quantity, target, estimator, truth, bias, coverage."""
        r = self.retention_summary()
        e = self.effects_summary()
        ret = pd.DataFrame(
            {
                "quantity": "retention S(t)",
                "target": r["months"].map(lambda m: f"{m:g} months"),
                "estimator": r["estimator"],
                "truth": r["truth"],
                "bias": r["bias"],
                "coverage": r["coverage"],
            }
        )
        rows = []
        for _, s in e.iterrows():
            common = {"quantity": "log hazard ratio", "target": s["code"]}
            common["truth"] = float(np.log(s["true_hr"]))
            rows.append({**common, "estimator": PRIMARY, "bias": s["bias"]})
            rows[-1]["coverage"] = s["coverage"]
            rows.append({**common, "estimator": NAIVE_EVER, "bias": s["naive_bias"]})
            rows[-1]["coverage"] = np.nan
        return pd.concat([ret, pd.DataFrame(rows)], ignore_index=True)


def run_method_checks(
    n_reps: int = 50,
    n: int = 3000,
    seed: int = 2024,
    n_bootstrap: int = 100,
    n_jobs: int = 1,
    months=codes.MILESTONE_MONTHS,
    config=None,
) -> MethodChecks:
    """Retention and support-effect studies on the same seeded simulated cohorts."""
    from workbench.studies.primary_effects import simulation_study

    retention = retention_study(n_reps, n, seed, months, n_bootstrap, n_jobs, config)
    effects = simulation_study(n_reps=n_reps, n=n, seed=seed, n_jobs=n_jobs, config=config)
    notes = [
        "Retention truth: population S(t) of the simulator without death or censoring "
        "(simulate.true_survival); deaths are treated as censoring by every estimator here.",
        "Effect CIs are the primary model's robust (sandwich) CIs; the bootstrap is not "
        "repeated per replicate.",
    ]
    if n_bootstrap == 0:
        notes.append("n_bootstrap = 0: the NPMLE has no CI, so its coverage is not estimated.")
    return MethodChecks(retention, effects, n_reps, n, seed, n_bootstrap, tuple(notes))


def compare_retention_methods(
    cohort: pd.DataFrame,
    months=codes.MILESTONE_MONTHS,
    n_bootstrap: int = 100,
    seed: int = DEFAULT_SEED,
    truth=None,
    fit=None,
) -> pd.DataFrame:
    """Milestone retention of one cohort by the correct and the naive estimators, side by side;
    `truth` (e.g. `workbench.simulate.true_survival`, days -> S) adds the true value; `fit` is
    an NPMLE already fitted to this cohort (saves refitting it and its bootstrap)."""
    correct = (
        interval_retention(cohort, months, n_bootstrap, seed)
        if fit is None
        else fit.milestones(np.asarray(months, dtype=float))
    )
    fits = {
        TURNBULL: correct,
        NAIVE_VISIT: naive_retention(cohort, months, "upper"),
        NAIVE_MIDPOINT: naive_retention(cohort, months, "midpoint"),
    }
    rows = []
    for name, f in fits.items():
        for r in f.itertuples(index=False):
            rows.append(
                {
                    "estimator": name,
                    "months": float(r.months),
                    "estimate": r.estimate,
                    "lower": r.lower,
                    "upper": r.upper,
                }
            )
    out = pd.DataFrame(rows)
    if truth is not None:
        days = out["months"].to_numpy(float) * codes.DAYS_PER_MONTH
        out["truth"] = np.asarray(truth(days), dtype=float)
        out["error"] = out["estimate"] - out["truth"]
    return out


def retention_method_curves(cohort: pd.DataFrame, truth=None, step: float = 7.0) -> pd.DataFrame:
    """Curves (time, estimate, label) of the NPMLE and the two naive KMs, plus the truth if
    given, for `workbench.plots.retention_curves` (no bands: the point is the shift)."""
    from workbench.cohort import analysis_times
    from workbench.retention import KaplanMeier, TurnbullFitter

    grid = np.arange(0.0, codes.TRACKING_DAYS + step, step)
    relapse = cohort["event"].eq("relapse").to_numpy()
    upper = np.where(relapse, cohort["upper_day"].to_numpy(float), np.nan)
    tb = TurnbullFitter(n_bootstrap=0).fit(cohort["lower_day"].to_numpy(float), upper)
    curves = {TURNBULL: tb.survival_at(grid)}
    for name, kind in ((NAIVE_VISIT, "upper"), (NAIVE_MIDPOINT, "midpoint")):
        stop, event = analysis_times(cohort, time=kind)
        km = KaplanMeier().fit(np.maximum(stop, 0.0), event)
        curves[name] = km.survival_at(grid)["survival"].to_numpy(float)
    frames = [pd.DataFrame({"time": grid, "estimate": v, "label": k}) for k, v in curves.items()]
    if truth is not None:  # a smooth curve: a 2-week grid is plenty and 2x cheaper
        coarse = grid[::2]
        frames.append(
            pd.DataFrame(
                {
                    "time": coarse,
                    "estimate": np.asarray(truth(coarse), dtype=float),
                    "label": "truth (simulator)",
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
