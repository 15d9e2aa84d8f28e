"""Simulation study: the trend test's detection power and false-alarm rate (issue 19).

    .venv/bin/python bench/trend_power.py [--n 23000] [--reps 60] [--trends 0,-0.02,-0.04] [--jobs 2]

Per seeded replicate and stated secular trend (the simulator's relapse.trend_log_hr_per_year,
log HR per release year), simulate the cohort, run the report's trend test
(`workbench.programme.trend.TrendTest`: release time as a covariate of the interval-censored PH
model, robust SEs clustered by person) and apply the stated rule (two-sided p < 0.05 and the
direction). Reports, per trend, the share said "improving" / "worsening" with its exact 95 %
(Clopper-Pearson) interval, the mean estimated log HR per year (bias against the truth), its
empirical SD and the mean SE. Prints one JSON document (bench/README.md quotes it).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from joblib import Parallel, delayed
from scipy import stats


def one(seed: int, trend: float, n: int) -> tuple[float, float, str]:
    from workbench.cohort.contract import as_cohort
    from workbench.programme.trend import TrendTest
    from workbench.simulate import simulate

    config = {"relapse": {"trend_log_hr_per_year": trend}}
    cohort = as_cohort(simulate(config, seed=seed, n=n).dataset)
    test = TrendTest().fit(cohort.table)
    r = test.trend_
    return float(np.log(r.hr)), float(test.model_.se_["release_time"]), r.verdict


def exact(k: int, n: int) -> list[float]:
    lo = stats.beta.ppf(0.025, k, n - k + 1) if k > 0 else 0.0
    hi = stats.beta.ppf(0.975, k + 1, n - k) if k < n else 1.0
    return [round(float(lo), 3), round(float(hi), 3)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=23_000)
    ap.add_argument("--reps", type=int, default=60)
    ap.add_argument("--trends", default="0,-0.02,-0.04")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    out = {"n": args.n, "reps": args.reps, "rule": "two-sided p < 0.05, by direction"}
    start = time.time()
    for trend in (float(x) for x in args.trends.split(",")):
        rows = Parallel(n_jobs=args.jobs)(
            delayed(one)(1000 + s, trend, args.n) for s in range(args.reps)
        )
        b, se, said = (np.asarray(x) for x in zip(*rows, strict=True))
        k_imp, k_wor = int((said == "improving").sum()), int((said == "worsening").sum())
        out[f"{trend:g}"] = {
            "improving": [k_imp / args.reps, exact(k_imp, args.reps)],
            "worsening": [k_wor / args.reps, exact(k_wor, args.reps)],
            "alarm": [(k_imp + k_wor) / args.reps, exact(k_imp + k_wor, args.reps)],
            "mean_log_hr": round(float(b.mean()), 4),
            "bias": round(float(b.mean() - trend), 4),
            "sd": round(float(b.std(ddof=1)), 4),
            "mean_se": round(float(se.mean()), 4),
        }
    out["seconds"] = round(time.time() - start, 1)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
