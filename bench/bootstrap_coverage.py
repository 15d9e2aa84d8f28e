"""Coverage of the percentile-bootstrap CIs the reports print for retention (issue #24).

    .venv/bin/python bench/bootstrap_coverage.py [--reps 200] [--n 300] [--boot 200] [--jobs 1]

Per seeded replicate: n releases with Weibull relapse days (shape 0.8, scale 400: S(12 months)
= 0.39), seen at monthly visits (each attended with probability 0.85) until a cut-off uniform
in [300, 1400] days, so every relapse is known only to lie between two attended visits (L, R].
`TurnbullFitter(n_bootstrap=200)` (the reports' default) gives the pointwise percentile band at
6, 12 and 24 months (`milestones`, the NPMLE band) and the RMST to 24 months with its percentile
CI (`rmst`). Each is compared with the true S(t) = exp(-(t/400)^0.8) and the true RMST (the
integral of S); coverage is the share of replicates whose interval holds the truth, two-sided
(misses below and above counted apart). The Monte-Carlo SE of a 95 % coverage over R replicates
is sqrt(0.95 * 0.05 / R) (0.015 at R = 200: 95 % and 90 % are 3 SE apart).

Prints one JSON document (bench/README.md quotes it).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from joblib import Parallel, delayed

from workbench.data.codes import DAYS_PER_MONTH
from workbench.retention.turnbull import TurnbullFitter

SHAPE, SCALE = 0.8, 400.0
MONTHS = np.array([6.0, 12.0, 24.0])
TAU = 24 * DAYS_PER_MONTH


def true_survival(t):
    return np.exp(-((np.asarray(t, float) / SCALE) ** SHAPE))


def true_rmst(tau=TAU):
    t = np.linspace(0.0, tau, 200_001)
    return float(np.trapezoid(true_survival(t), t))


def simulate(rng, n):
    """(L, R] from monthly visits, each attended with probability 0.85, until the cut-off."""
    T = rng.weibull(SHAPE, n) * SCALE
    visits = np.arange(1, 49) * DAYS_PER_MONTH
    seen = (rng.random((n, visits.size)) < 0.85) & (
        visits[None, :] <= rng.uniform(300, 1400, n)[:, None]
    )
    L, R = np.zeros(n), np.full(n, np.inf)
    before = seen & (visits[None, :] < T[:, None])
    after = seen & (visits[None, :] >= T[:, None])
    has_before = before.any(axis=1)
    L[has_before] = np.where(before, visits[None, :], 0.0).max(axis=1)[has_before]
    has_after = after.any(axis=1)
    first_after = np.where(after, visits[None, :], np.inf).min(axis=1)
    R[has_after] = first_after[has_after]
    return L, R


def replicate(seed, n, boot):
    rng = np.random.default_rng(seed)
    L, R = simulate(rng, n)
    fit = TurnbullFitter(n_bootstrap=boot, seed=seed).fit(L, R)
    band = fit.milestones(MONTHS)
    r = fit.rmst(TAU)
    return {
        "lower": band["lower"].tolist(),
        "upper": band["upper"].tolist(),
        "estimate": band["estimate"].tolist(),
        "rmst": [r.estimate, r.lower, r.upper],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--boot", type=int, default=200)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--seed", type=int, default=24)
    a = ap.parse_args()
    seeds = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(a.seed).spawn(a.reps)]
    t0 = time.perf_counter()
    rows = Parallel(n_jobs=a.jobs)(delayed(replicate)(s, a.n, a.boot) for s in seeds)
    elapsed = time.perf_counter() - t0
    truth = true_survival(MONTHS * DAYS_PER_MONTH)
    lo = np.array([r["lower"] for r in rows])
    hi = np.array([r["upper"] for r in rows])
    est = np.array([r["estimate"] for r in rows])
    rm = np.array([r["rmst"] for r in rows])
    rm_truth = true_rmst()
    se95 = float(np.sqrt(0.95 * 0.05 / a.reps))
    out = {
        "reps": a.reps, "n": a.n, "boot": a.boot, "seconds": round(elapsed, 1),
        "monte_carlo_se_of_95pct_coverage": round(se95, 4),
        "npmle_band": {
            f"{m:g} months": {
                "truth": round(float(truth[k]), 4),
                "mean_estimate": round(float(est[:, k].mean()), 4),
                "sd_estimate": round(float(est[:, k].std(ddof=1)), 4),
                "coverage": round(float(np.mean((lo[:, k] <= truth[k]) & (truth[k] <= hi[:, k]))), 4),
                "miss_below": round(float(np.mean(hi[:, k] < truth[k])), 4),
                "miss_above": round(float(np.mean(lo[:, k] > truth[k])), 4),
            }
            for k, m in enumerate(MONTHS)
        },
        "rmst_24_months": {
            "truth_days": round(rm_truth, 2),
            "mean_estimate": round(float(rm[:, 0].mean()), 2),
            "sd_estimate": round(float(rm[:, 0].std(ddof=1)), 2),
            "coverage": round(float(np.mean((rm[:, 1] <= rm_truth) & (rm_truth <= rm[:, 2]))), 4),
            "miss_below": round(float(np.mean(rm[:, 2] < rm_truth)), 4),
            "miss_above": round(float(np.mean(rm[:, 1] > rm_truth)), 4),
        },
    }  # fmt: skip
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
