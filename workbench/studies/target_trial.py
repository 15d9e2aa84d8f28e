"""Simulation study of the target-trial emulation against the simulator's truth (issue 18).

Each replicate simulates a cohort with the employment feedback on (`workbench.simulate`,
default configuration), emulates every support's trial at its grace period (`SUPPORTS`: the
grace periods the simulator's truth covers) with the fast influence-function CI
(`emulation.variance`, weights taken as known; Student's t with the SE's Satterthwaite
degrees of freedom `df`), and beside it three comparisons the issue
expects to be biased:

- naive ever/never: the 24-month relapse risk of releases who ever started the support minus
  that of those who never did (weighted EM on each group's visit data, no weights: immortal
  time and confounding);
- landmark (day 180): among releases still followed with no relapse known at day 180, those
  who had started by then minus those who had not (24-month risk from release, EM);
- Cox with current employment (`cox_current`): the grouped-time Cox model with support
  started and current employment as time-varying covariates, its hazard ratio turned into the
  24-month RD it implies from the grace month on against the emulation's "never" curve
  (adjusting for employment removes the part of the effect that goes through it).

The grid is built once per cohort (`grid.for_support` swaps the start days) and every EM of a
replicate starts from the natural course's hazards: ~1 s CPU per replicate for the six
supports at 4,000 releases, plus ~7 s once for the population truth.

`run(n_rep, n, seed, n_jobs)` returns one row per replicate and support: the estimates, the
CI and the truth: the population truth of the simulator (`simulate.strategies.strategy_truth`,
100,000 fresh releases, computed once; MC SE of an RD <= 0.0008). `summarise(rows)`
gives per support and estimator (`ESTIMATORS`) the mean, bias, Monte-Carlo SE, empirical SD,
and for the emulation the mean SE and coverage.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from workbench.exceptions import StatisticalWarning

SUPPORTS = {
    "employment_311": 6,
    "vocational_training": 6,
    "job_placement": 6,
    "peer_education": 6,
    "financial_aid": 6,
    "precise_support": 3,
}
NULL_SUPPORT = "precise_support"
MONTH = 24
LANDMARK_DAY = 180.0
Z = 1.959963984540054
ESTIMATORS = {
    "emulation": "rd",
    "naive": "naive_rd",
    "landmark": "landmark_rd",
    "cox_employment": "cox_rd",
}
# EM tolerance of the study: no hazard moves by more than this in an iteration; risks at the
# horizon then move by ~1e-4 at most, against an SD of ~0.015 between replicates
STUDY_TOL = 1e-6


def _risk(grid, keep, month=MONTH, init=None) -> float:
    from workbench.emulation.grid import K
    from workbench.emulation.outcome import curves, fit_hazards, group

    w = np.repeat(keep.astype(float)[:, None], K, axis=1)
    h, _ = fit_hazards(group(grid.kind, grid.l, grid.b, w), init=init, tol=STUDY_TOL)
    return float(curves(h)["relapse"][month])


def natural_hazards(grid):
    """The natural course's hazards (every release, weight 1): where each EM of a replicate
    starts (one fit per cohort; the fixed points do not depend on the start, ~40 % fewer
    iterations)."""
    from workbench.emulation.grid import K
    from workbench.emulation.outcome import fit_hazards, group

    return fit_hazards(group(grid.kind, grid.l, grid.b, np.ones((grid.n, K))), tol=STUDY_TOL)[0]


def population_truth(config=None, supports=None) -> dict:
    """True 24-month RD (start within g months minus never) per support, from the simulator's
    population truth (`strategy_truth`, 100,000 fresh releases; one call per configuration)."""
    from workbench.simulate.strategies import strategy_truth

    supports = SUPPORTS if supports is None else supports
    if set(supports) == {NULL_SUPPORT}:  # no effect on anything: the strategies cannot differ
        return {NULL_SUPPORT: 0.0}
    table, _ = strategy_truth(config)
    out = {}
    for code, grace in supports.items():
        t = table[(table["intervention"] == code) & (table["month"] == MONTH)]
        start = t.loc[t["strategy"] == f"within_{grace}m", "relapse_risk"]
        never = t.loc[t["strategy"] == "never", "relapse_risk"]
        ok = not (start.empty or never.empty)
        out[code] = float(start.iloc[0] - never.iloc[0]) if ok else np.nan
    return out


def _one_support(grid, grace, truth, init) -> dict:
    from workbench.emulation.estimate import estimate
    from workbench.emulation.grid import staff_end
    from workbench.emulation.variance import sandwich_se
    from workbench.studies import cox_current

    point = estimate(grid, grace, tol=STUDY_TOL, hazards=init)
    var = sandwich_se(point, (MONTH,), estimated_weights=False)
    never = point.curves["never"]["relapse"]
    rd = point.curves["start"]["relapse"][MONTH] - never[MONTH]
    ever = np.isfinite(grid.start)
    naive = _risk(grid, ever, init=init) - _risk(grid, ~ever, init=init)
    at_landmark = staff_end(grid) > LANDMARK_DAY
    exposed = at_landmark & (np.nan_to_num(grid.start, nan=np.inf) <= LANDMARK_DAY)
    landmark = _risk(grid, exposed, init=init) - _risk(grid, at_landmark & ~exposed, init=init)
    log_hr = cox_current.log_hr(grid)
    cox = cox_current.implied_rd(np.exp(log_hr), never, grace, MONTH)
    row = {"grace_months": grace, "rd": rd, "se": float(var["rd"][0]),
           "df": float(var["df"]["rd"][0]), "naive_rd": naive, "landmark_rd": landmark,
           "cox_log_hr": log_hr, "cox_rd": cox, "truth": truth}  # fmt: skip
    return row


def _replicate(rep, seed, n, supports, config, truth) -> list[dict]:
    from workbench.cohort.contract import as_cohort
    from workbench.emulation.grid import build_grid, for_support
    from workbench.simulate import simulate

    sim = simulate(config, seed=seed, n=n)
    cohort = as_cohort(sim.dataset)
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        grid = init = None
        for code, grace in supports.items():
            grid = build_grid(cohort, code) if grid is None else for_support(grid, cohort, code)
            init = natural_hazards(grid) if init is None else init
            rows.append({"rep": rep, "seed": seed, "code": code,
                         **_one_support(grid, grace, truth[code], init)})  # fmt: skip
    return rows


def run(
    n_rep: int = 200,
    n: int = 4000,
    seed: int = 18,
    n_jobs: int = 1,
    supports: dict | None = None,
    config=None,
) -> pd.DataFrame:
    """One row per replicate and support (see the module doc); replicate r uses the seed
    `seed * 100_000 + r`. The CI is rd -/+ t(df) se; `covered_normal`: whether the normal
    interval rd -/+ 1.96 se (the interval before the small-sample correction) covers."""
    from workbench.emulation.variance import quantile

    supports = dict(SUPPORTS if supports is None else supports)
    truth = population_truth(config, supports)
    seeds = [seed * 100_000 + r for r in range(n_rep)]
    jobs = (delayed(_replicate)(r, s, n, supports, config, truth) for r, s in enumerate(seeds))
    parts = Parallel(n_jobs=n_jobs)(jobs) if n_jobs != 1 else [j[0](*j[1], **j[2]) for j in jobs]
    frame = pd.DataFrame([row for part in parts for row in part])
    q = quantile(frame["df"].to_numpy(float))
    frame["lower"] = frame["rd"] - q * frame["se"]
    frame["upper"] = frame["rd"] + q * frame["se"]
    inside = (frame["lower"] <= frame["truth"]) & (frame["truth"] <= frame["upper"])
    frame["covered"] = np.where(frame["truth"].isna(), np.nan, inside.astype(float))
    normal = (frame["rd"] - frame["truth"]).abs() <= Z * frame["se"]
    frame["covered_normal"] = np.where(frame["truth"].isna(), np.nan, normal.astype(float))
    return frame


def summarise(rows: pd.DataFrame) -> pd.DataFrame:
    """Per support and estimator (emulation, naive, landmark): replicates, truth, mean, bias,
    Monte-Carlo SE of the bias, SD; for the emulation also mean SE and CI coverage."""
    out = []
    for code, g in rows.groupby("code", sort=False):
        truth = float(g["truth"].mean())
        for name, col in ESTIMATORS.items():
            x = g[col].to_numpy(float)
            row = {"code": code, "estimator": name, "n_rep": int(np.isfinite(x).sum()),
                   "truth": truth, "mean": float(np.nanmean(x)),
                   "bias": float(np.nanmean(x - g["truth"].to_numpy(float))),
                   "mc_se": float(np.nanstd(x, ddof=1) / np.sqrt(np.isfinite(x).sum())),
                   "sd": float(np.nanstd(x, ddof=1))}  # fmt: skip
            if name == "emulation":
                row["mean_se"] = float(g["se"].mean())
                row["median_df"] = float(g["df"].median())
                row["coverage"] = float(np.nanmean(g["covered"].astype(float)))
                row["coverage_normal"] = float(np.nanmean(g["covered_normal"].astype(float)))
            out.append(row)
    return pd.DataFrame(out)
