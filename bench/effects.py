"""Benchmark: the full effects analysis (primary time-varying model, landmark weighted
comparisons, naive, findings) on a simulated Hunan-sized cohort, bootstrap included.

    .venv/bin/python bench/effects.py [--n 23000] [--n-boot 200] [--jobs 2] [--seed 20170101]

Prints one JSON line with the timings (seconds) and the effects table.

    .venv/bin/python bench/effects.py --scale 23000,230000,2300000 [--reps 5]

Scale ladder of the bootstrap's unit costs: for each size, simulate and build the cohort, then
in a fresh child process (so its peak RSS is the fit's, plus the cohort it loads) one primary
fit (wall and CPU seconds, peak RSS), the CPU seconds per primary bootstrap replicate and per
Turnbull NPMLE bootstrap replicate (on the cohort's retention intervals, as the report uses
them), averaged over --reps replicates. Prints one JSON line per size.
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from workbench.cohort import build_cohort
from workbench.effects.exposure import exposure_starts_for, relapse_free_contacts
from workbench.effects.findings import findings
from workbench.effects.landmark import WeightedEffect
from workbench.effects.naive import naive_effects
from workbench.effects.primary import TimeVaryingEffects
from workbench.simulate import simulate


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # kB on Linux


def _cpu_per_call(fn, args) -> float:
    t = time.process_time()
    for a in args:
        fn(a)
    return (time.process_time() - t) / len(args)


def scale_child(path: str, reps: int, seed: int) -> None:
    """Runs in a fresh process: one primary fit, then bootstrap replicate unit costs."""
    from workbench.retention.turnbull import TurnbullFitter

    with open(path, "rb") as fh:
        cohort, starts, contacts = pickle.load(fh)
    out = {"n": len(cohort), "peak_rss_gb_loaded": round(_peak_gb(), 2)}
    t, c = time.perf_counter(), time.process_time()
    est = TimeVaryingEffects(n_bootstrap=0).fit(cohort, starts, contacts)
    out["primary_fit_s"] = round(time.perf_counter() - t, 2)
    out["primary_fit_cpu_s"] = round(time.process_time() - c, 2)
    out["primary_newton_iterations"] = est.model_.n_iter_
    out["peak_rss_gb_after_fit"] = round(_peak_gb(), 2)
    refit, n = est.model_.refitter(), len(cohort)
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(reps)]
    counts = [np.bincount(r.integers(0, n, n), minlength=n) for r in rngs]
    out["primary_replicate_cpu_s"] = round(_cpu_per_call(refit, counts), 4)
    relapse = cohort["event"].astype(str).eq("relapse").to_numpy()
    upper = np.where(relapse, cohort["upper_day"].to_numpy(float), np.nan)
    t = time.process_time()
    fit = TurnbullFitter(n_bootstrap=0).fit(cohort["lower_day"].to_numpy(float), upper)
    out["npmle_fit_cpu_s"] = round(time.process_time() - t, 3)
    out["npmle_innermost_intervals"] = int(fit.masses_.size)
    replicate = fit._replicate()
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(reps)]
    out["npmle_replicate_cpu_s"] = round(_cpu_per_call(replicate, rngs), 4)
    out["peak_rss_gb"] = round(_peak_gb(), 2)
    print(json.dumps(out))


def scale(sizes: list[int], reps: int, seed: int) -> None:
    for n in sizes:
        t = time.perf_counter()
        ds = simulate(seed=seed, n=n).dataset
        t_sim = time.perf_counter() - t
        t = time.perf_counter()
        data = (build_cohort(ds), exposure_starts_for(ds), relapse_free_contacts(ds))
        t_cohort = time.perf_counter() - t
        del ds
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "cohort.pkl"
            path.write_bytes(pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
            del data
            cmd = [sys.executable, __file__, "--scale-child", str(path), "--reps", str(reps)]
            child = subprocess.run(cmd, capture_output=True, text=True, check=True)
        row = json.loads(child.stdout.strip().splitlines()[-1])
        row = {"simulate_s": round(t_sim, 1), "cohort_s": round(t_cohort, 1), **row}
        print(json.dumps(row), flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=23000)
    p.add_argument("--n-boot", type=int, default=200)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--seed", type=int, default=20170101)
    p.add_argument("--scale", default=None, help="comma-separated sizes: the scale ladder")
    p.add_argument("--reps", type=int, default=5, help="replicates per unit cost (--scale)")
    p.add_argument("--scale-child", default=None, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.scale_child:
        return scale_child(a.scale_child, a.reps, a.seed)
    if a.scale:
        return scale([int(x) for x in a.scale.split(",")], a.reps, a.seed)
    timings = {}
    t0 = time.perf_counter()
    sim = simulate(seed=a.seed, n=a.n)
    ds = sim.dataset
    cohort, starts, contacts = build_cohort(ds), exposure_starts_for(ds), relapse_free_contacts(ds)
    timings["simulate_and_cohort"] = time.perf_counter() - t0

    t = time.perf_counter()
    TimeVaryingEffects(n_bootstrap=0).fit(cohort, starts, contacts)
    timings["primary_one_fit"] = time.perf_counter() - t
    t = time.perf_counter()
    primary = TimeVaryingEffects(n_bootstrap=a.n_bootstrap, seed=a.seed, n_jobs=a.jobs)
    table = primary.fit(cohort, starts, contacts).summary()
    timings["primary_with_bootstrap"] = time.perf_counter() - t
    timings["primary_per_replicate_wall"] = (
        timings["primary_with_bootstrap"] - timings["primary_one_fit"]
    ) / max(a.n_bootstrap, 1)

    t = time.perf_counter()
    landmark = []
    for code in starts.columns:
        we = WeightedEffect(code, n_bootstrap=a.n_bootstrap, seed=a.seed, n_jobs=a.jobs)
        we.fit(cohort, starts, contacts)
        landmark.append(we.summary().iloc[0].to_dict())
    timings["landmark_all_supports_with_bootstrap"] = time.perf_counter() - t

    t = time.perf_counter()
    naive = naive_effects(cohort, starts)
    sentences = findings(table)
    timings["naive_and_findings"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    truth = sim.truth["hazard_ratios"]
    out = {
        "n": a.n,
        "n_bootstrap": a.n_bootstrap,
        "jobs": a.jobs,
        "timings_s": {k: round(v, 2) for k, v in timings.items()},
        "primary": [
            {
                "code": r.code,
                "hr": r.hr,
                "lower": r.hr_lower,
                "upper": r.hr_upper,
                "truth": truth[r.code],
            }
            for r in table.itertuples()
        ],
        "naive_hr": dict(zip(naive["code"], naive["hr"], strict=True)),
        "landmark_rmst_diff": {d["code"]: d.get("rmst_diff_days") for d in landmark},
        "findings_en": list(sentences["en"]),
    }
    print(json.dumps(out, ensure_ascii=False, default=float))


if __name__ == "__main__":
    main()
