"""Simulation study: interval-censored estimators against the simulator's truth (issue 20).

    .venv/bin/python bench/ic_truth.py cif  [--n 3000] [--reps 200] [--boot 0] [--jobs 2]
    .venv/bin/python bench/ic_truth.py risk [--n 3000] [--reps 200] [--jobs 2]

`cif`: per seeded replicate, simulate a cohort (default parameters), and estimate the
cumulative incidence of relapse (death competing) at 12/24/36 months by the competing-risks
NPMLE (`workbench.retention.competing_ic`) and by the Aalen-Johansen estimator on visit-dated
times; the truth is the replicate's own incidence from the true relapse and death days
(truth/truth_table.csv), so errors are paired. With --boot B, also the coverage of the NPMLE's
percentile-bootstrap 95 % interval.

`risk`: per replicate, simulate with every support's true HR set to 1 (so a model of baseline
characteristics is correctly specified), and fit the interval-censored PH model
(`workbench.risk.interval.IntervalCoxModel`) and the Cox model on visit-dated times
(`workbench.risk.cox.CoxModel`) on the same terms; the truth is `workbench.simulate.log_hr`.
Reports bias, empirical SD, mean SE and 95 % CI coverage per term, and pooled.

Prints one JSON document (the numbers in bench/README.md come from it).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from workbench.cohort import build_cohort
from workbench.cohort.build import PERSON_COVARIATES
from workbench.data.codes import DAYS_PER_MONTH
from workbench.retention.competing import AalenJohansen, best_available_times
from workbench.retention.competing_ic import fit_cohort
from workbench.risk.cox import CoxModel
from workbench.risk.interval import IntervalCoxModel
from workbench.simulate import simulate
from workbench.simulate.log_hr import true_log_hr

MONTHS = np.array([12.0, 24.0, 36.0])
NULL_SUPPORT = {
    "interventions": {
        k: {"hazard_ratio": 1.0}
        for k in (
            "employment_311",
            "vocational_training",
            "job_placement",
            "peer_education",
            "financial_aid",
            "precise_support",
        )
    }
}
# The study's model: the cohort's person covariates except sex, plus the regions.
RISK_COVARIATES = (
    *(c for c in PERSON_COVARIATES if c != "sex"),
    "prefecture",
    "facility",
)


def cif_replicate(seed: int, n: int, boot: int = 0) -> dict:
    """Truth, NPMLE and visit-date AJ incidences of relapse at MONTHS for one seed."""
    sim = simulate(seed=seed, n=n)
    cohort = build_cohort(sim.dataset)
    days = MONTHS * DAYS_PER_MONTH
    table = sim.truth_table.set_index("release_id").loc[cohort["release_id"]]
    r, d = table["relapse_day"].to_numpy(), table["death_day"].to_numpy()
    truth = [float(np.mean((r <= t) & (r < d))) for t in days]
    fit = fit_cohort(cohort, n_bootstrap=boot, seed=seed)
    est = fit.cif_at(days)
    bt = best_available_times(cohort)
    aj = AalenJohansen().fit(bt["time"], bt["status"]).cif_at(days)["estimate"]
    return {
        "truth": truth,
        "npmle": est["estimate"].tolist(),
        "aj": aj.tolist(),
        "lower": est["lower"].tolist(),
        "upper": est["upper"].tolist(),
    }


def risk_replicate(seed: int, n: int) -> dict:
    """True log-HRs, IC PH and imputed-times Cox estimates and SEs for one seed."""
    sim = simulate(config=NULL_SUPPORT, seed=seed, n=n)
    cohort = build_cohort(sim.dataset)
    ic = IntervalCoxModel(list(RISK_COVARIATES)).fit(cohort)
    cox = CoxModel(list(RISK_COVARIATES)).fit(cohort)
    terms = ic.design_.terms
    return {
        "term": terms["term"].tolist(),
        "truth": true_log_hr(sim.truth, terms).tolist(),
        "ic": ic.params_.tolist(),
        "ic_se": ic.se_.tolist(),
        "cox": cox.params_.tolist(),
        "cox_se": cox.se_.tolist(),
    }


def summarise_cif(rows: list[dict]) -> dict:
    out = {}
    truth = np.array([r["truth"] for r in rows])
    for key in ("npmle", "aj"):
        err = np.array([r[key] for r in rows]) - truth
        out[key] = {
            "bias": err.mean(axis=0).round(5).tolist(),
            "mc_se": (err.std(axis=0, ddof=1) / np.sqrt(len(rows))).round(5).tolist(),
            "rmse": np.sqrt((err**2).mean(axis=0)).round(5).tolist(),
        }
    out["truth_mean"] = truth.mean(axis=0).round(5).tolist()
    lo, hi = np.array([r["lower"] for r in rows]), np.array([r["upper"] for r in rows])
    if np.all(np.isfinite(lo)):
        out["npmle"]["coverage"] = ((lo <= truth) & (truth <= hi)).mean(axis=0).round(4).tolist()
    return out


def summarise_risk(rows: list[dict]) -> dict:
    truth = np.array([r["truth"] for r in rows])
    out = {"term": rows[0]["term"], "truth": truth[0].round(5).tolist()}
    for key in ("ic", "cox"):
        est, se = np.array([r[key] for r in rows]), np.array([r[f"{key}_se"] for r in rows])
        err = est - truth
        cover = np.abs(err) <= 1.959964 * se
        out[key] = {
            "bias": err.mean(axis=0).round(5).tolist(),
            "mc_se": (err.std(axis=0, ddof=1) / np.sqrt(len(rows))).round(5).tolist(),
            "sd": est.std(axis=0, ddof=1).round(5).tolist(),
            "mean_se": se.mean(axis=0).round(5).tolist(),
            "coverage": cover.mean(axis=0).round(4).tolist(),
            "max_abs_bias": float(np.abs(err.mean(axis=0)).max().round(5)),
            "pooled_coverage": float(cover.mean().round(4)),
            "slope": float(np.sum(est.mean(0) * truth[0]) / np.sum(truth[0] ** 2)),
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("study", choices=("cif", "risk"))
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--boot", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--seed", type=int, default=20261207)
    ap.add_argument("--out", help="also write the per-replicate rows here (JSON)")
    a = ap.parse_args()
    seeds = [a.seed + i for i in range(a.reps)]
    start = time.perf_counter()
    if a.study == "cif":
        rows = Parallel(n_jobs=a.jobs)(delayed(cif_replicate)(s, a.n, a.boot) for s in seeds)
        summary = summarise_cif(rows)
    else:
        rows = Parallel(n_jobs=a.jobs)(delayed(risk_replicate)(s, a.n) for s in seeds)
        summary = summarise_risk(rows)
    summary.update(
        {"study": a.study, "n": a.n, "reps": a.reps, "boot": a.boot, "seed": a.seed,
         "seconds": round(time.perf_counter() - start, 1)}
    )  # fmt: skip
    print(json.dumps(summary))
    if a.out:
        pd.DataFrame(rows).to_json(a.out)


if __name__ == "__main__":
    main()
