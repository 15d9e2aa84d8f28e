"""Coverage of the percentile-bootstrap CIs the reports print for the primary effects (issue #24).

    .venv/bin/python bench/effects_bootstrap_coverage.py [--reps 300] [--n 6000] [--boot 200]
        [--seed 24] [--out bench/effects_bootstrap_coverage.csv]

Per seeded cohort: `workbench.simulate` without the employment feedback (`NO_FEEDBACK`, where
the piecewise-exponential PH model is correctly specified and the simulator's hazard ratios are
the estimand, as in tests/studies/test_effects_study.py), n releases; the primary time-varying
model (`TimeVaryingEffects`, as `workbench effects` and the report fit it) with its percentile
bootstrap over releases (`--boot`, the reports' default 200). Per support: the estimate, the
percentile CI, the model-based (sandwich) CI, whether each covers the true HR, and whether the
truth lies above or below the percentile CI. Rows are appended to the CSV as each cohort ends,
so a stopped run keeps what it did; a re-run skips the cohorts (seeds) already there, and a
larger --reps extends the same seed list (SeedSequence children). The summary (printed at the
end; `--summary` only summarises the CSV): per support the coverage c over R cohorts with its
Monte-Carlo SE sqrt(max(c(1 - c), 0.95 x 0.05) / R), the two-sided misses, the model-based CI's
coverage, the share of CIs holding 1, the bias of the log HR with its MC SE, and the mean CI
width on the log scale against the SD of the log-HR estimates over cohorts (a 95 % CI needs
a width of about 2 x 1.96 SD: `width_over_3.92_sd` near 1). Cost: about 2.7 s of CPU per
cohort of 6,000 for the fit and its 200 refits (~3.5 s wall with the simulation, niced, on the
shared machine): 300 cohorts in ~20 min.

Prints one JSON document (bench/README.md quotes it).
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import pandas as pd

from workbench.effects.primary import TimeVaryingEffects


def replicate(rep: int, seed: int, n: int, boot: int) -> pd.DataFrame:
    from workbench.simulate import NO_FEEDBACK, simulate

    sim = simulate(NO_FEEDBACK, seed=seed, n=n)
    t0 = time.process_time()
    est = TimeVaryingEffects.for_dataset(sim.dataset, n_bootstrap=boot, seed=seed, n_jobs=1)
    sm = est.summary().set_index("code")
    cpu = time.process_time() - t0
    truth = sim.truth["hazard_ratios"]
    true_hr = np.array([float(truth[c]) for c in sm.index])
    lo = sm["hr_lower"].to_numpy(float)
    hi = sm["hr_upper"].to_numpy(float)
    out = pd.DataFrame(
        {
            "rep": rep,
            "seed": seed,
            "n": n,
            "boot": boot,
            "code": sm.index,
            "n_exposed": sm["n_exposed"].to_numpy(),
            "true_hr": true_hr,
            "hr": sm["hr"].to_numpy(float),
            "lower": lo,
            "upper": hi,
            "lower_model": sm["hr_lower_model"].to_numpy(float),
            "upper_model": sm["hr_upper_model"].to_numpy(float),
            "cpu_seconds": round(cpu, 2),
            "boot_ok": int((~est.boot_.isna().any(axis=1)).sum()),
        }
    )
    out["covered"] = (lo <= true_hr) & (true_hr <= hi)
    out["truth_above"] = true_hr > hi
    out["truth_below"] = true_hr < lo
    out["covered_model"] = (out["lower_model"] <= true_hr) & (true_hr <= out["upper_model"])
    out["covers_one"] = (lo <= 1.0) & (1.0 <= hi)
    return out


def summarise(table: pd.DataFrame) -> dict:
    table = table.dropna(subset=["hr", "lower", "upper"])
    res = {}
    for code, d in table.groupby("code", sort=False):
        r = len(d)
        c = float(d["covered"].astype(bool).mean())
        log_hr = np.log(d["hr"])
        res[code] = {
            "true_hr": round(float(d["true_hr"].iloc[0]), 4),
            "cohorts": r,
            "coverage": round(c, 4),
            "mc_se": round(float(np.sqrt(max(c * (1 - c), 0.95 * 0.05) / r)), 4),
            "truth_above_ci": round(float(d["truth_above"].astype(bool).mean()), 4),
            "truth_below_ci": round(float(d["truth_below"].astype(bool).mean()), 4),
            "coverage_model_ci": round(float(d["covered_model"].astype(bool).mean()), 4),
            "ci_covers_1": round(float(d["covers_one"].astype(bool).mean()), 4),
            "mean_log_hr": round(float(log_hr.mean()), 4),
            "bias_log_hr": round(float((log_hr - np.log(d["true_hr"])).mean()), 4),
            "mc_se_bias": round(float(log_hr.std(ddof=1) / np.sqrt(r)), 4),
            "sd_log_hr": round(float(log_hr.std(ddof=1)), 4),
            "width_over_3.92_sd": round(
                float((np.log(d["upper"]) - np.log(d["lower"])).mean() / (3.92 * log_hr.std())), 3
            ),
            "mean_width_log": round(float((np.log(d["upper"]) - np.log(d["lower"])).mean()), 4),
            "mean_width_log_model": round(
                float((np.log(d["upper_model"]) - np.log(d["lower_model"])).mean()), 4
            ),
        }
    return {
        "cohorts": int(table["seed"].nunique()),
        "n": sorted(table["n"].unique().tolist()),
        "boot": sorted(table["boot"].unique().tolist()),
        "cpu_seconds_per_cohort": round(
            float(table.groupby("seed")["cpu_seconds"].first().mean()), 1
        ),
        "pooled_coverage": round(float(table["covered"].astype(bool).mean()), 4),
        "supports": res,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=300)
    ap.add_argument("--n", type=int, default=6000)
    ap.add_argument("--boot", type=int, default=200)
    ap.add_argument("--seed", type=int, default=24)
    ap.add_argument("--out", default="bench/effects_bootstrap_coverage.csv")
    ap.add_argument("--summary", action="store_true", help="only summarise the CSV")
    a = ap.parse_args()
    if not a.summary:
        children = np.random.SeedSequence(a.seed).spawn(a.reps)
        seeds = [int(c.generate_state(1)[0]) for c in children]
        done = set(pd.read_csv(a.out)["seed"]) if os.path.exists(a.out) else set()
        for rep, s in enumerate(seeds):
            if s in done:
                continue
            rows = replicate(rep, s, a.n, a.boot)
            rows.to_csv(a.out, mode="a", header=not os.path.exists(a.out), index=False)
    print(json.dumps(summarise(pd.read_csv(a.out)), indent=1))


if __name__ == "__main__":
    main()
