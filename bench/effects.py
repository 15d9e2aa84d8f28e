"""Benchmark: the full effects analysis (primary time-varying model, landmark weighted
comparisons, naive, findings) on a simulated Hunan-sized cohort, bootstrap included.

    .venv/bin/python bench/effects.py [--n 23000] [--n-boot 200] [--jobs 2] [--seed 20170101]

Prints one JSON line with the timings (seconds) and the effects table.
"""

from __future__ import annotations

import argparse
import json
import time

from workbench.cohort import build_cohort
from workbench.effects.exposure import exposure_starts_for, relapse_free_contacts
from workbench.effects.findings import findings
from workbench.effects.landmark import WeightedEffect
from workbench.effects.naive import naive_effects
from workbench.effects.primary import TimeVaryingEffects
from workbench.simulate import simulate


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=23000)
    p.add_argument("--n-boot", type=int, default=200)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--seed", type=int, default=20170101)
    a = p.parse_args()
    timings = {}
    t0 = time.perf_counter()
    sim = simulate(seed=a.seed, n=a.n)
    ds = sim.dataset
    cohort, starts, contacts = build_cohort(ds), exposure_starts_for(ds), relapse_free_contacts(ds)
    timings["simulate_and_cohort"] = time.perf_counter() - t0

    t = time.perf_counter()
    TimeVaryingEffects(n_boot=0).fit(cohort, starts, contacts)
    timings["primary_one_fit"] = time.perf_counter() - t
    t = time.perf_counter()
    primary = TimeVaryingEffects(n_boot=a.n_boot, seed=a.seed, n_jobs=a.jobs)
    table = primary.fit(cohort, starts, contacts).summary()
    timings["primary_with_bootstrap"] = time.perf_counter() - t

    t = time.perf_counter()
    landmark = []
    for code in starts.columns:
        we = WeightedEffect(code, n_boot=a.n_boot, seed=a.seed, n_jobs=a.jobs)
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
        "n_boot": a.n_boot,
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
