"""Target-trial emulation (issue 18): the simulation study against the simulator's truth and
the speed of the emulation on the default cohort. Numbers go to bench/README.md
("Target-trial emulation").

    PYTHONPATH=. python bench/target_trial.py study --n-rep 200 --n 4000 --jobs 2
    PYTHONPATH=. python bench/target_trial.py speed --n 23000 --n-bootstrap 200 --jobs 2
    PYTHONPATH=. python bench/target_trial.py bootstrap-coverage --n-rep 100 --n 4000 --jobs 1

study: workbench.studies.target_trial.run / summarise (sandwich CI), the rows written to
bench/target_trial_study.csv. speed: TargetTrial for the six supports (bootstrap CI) on one
simulated default cohort, wall time and the time of the landmark effects analysis measured in
the same run (the baseline). bootstrap-coverage: the bootstrap CI of the 24-month RD (null
support and job placement by default) over cohorts, its coverage of the population truth.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent


def study(args) -> None:
    from workbench.studies.target_trial import SUPPORTS, run, summarise

    supports = SUPPORTS if not args.support else {s: SUPPORTS[s] for s in args.support}
    t, c = time.perf_counter(), time.process_time()
    rows = run(n_rep=args.n_rep, n=args.n, seed=args.seed, n_jobs=args.jobs, supports=supports)
    wall = time.perf_counter() - t
    print(f"CPU (this process): {time.process_time() - c:.0f} s")
    rows.to_csv(HERE / "target_trial_study.csv", index=False)
    print(f"{args.n_rep} replicates x {args.n} releases x {len(supports)} supports: "
          f"{wall:.0f} s wall on {args.jobs} job(s)")  # fmt: skip
    print(summarise(rows).round(4).to_string(index=False))


def speed(args) -> None:
    from workbench.cohort.contract import as_cohort
    from workbench.emulation import TargetTrial
    from workbench.simulate import simulate
    from workbench.studies.target_trial import SUPPORTS

    cohort = as_cohort(simulate(seed=args.seed, n=args.n).dataset)
    for label, kwargs in (("no CI (n_bootstrap=2)", {"n_bootstrap": 2}),
                          (f"{args.n_bootstrap} bootstrap replicates",
                           {"n_bootstrap": args.n_bootstrap, "n_jobs": args.jobs}),
                          ("sandwich CI", {"ci": "sandwich"})):  # fmt: skip
        t, c = time.perf_counter(), time.process_time()
        for code, grace in SUPPORTS.items():
            TargetTrial(code, grace_months=grace, seed=1, **kwargs).fit(cohort)
        print(f"emulation, 6 supports, n={args.n}, {label}: "
              f"{time.perf_counter() - t:.1f} s wall, {time.process_time() - c:.1f} s CPU "
              "(this process)")  # fmt: skip


def bootstrap_coverage(args) -> None:
    """The bootstrap (percentile) CI of the 24-month RD against the population truth, cohort
    after cohort (rows appended to bench/target_trial_bootstrap_coverage.csv as they finish, so
    a run stopped early still counts the cohorts it did); CPU seconds per cohort printed."""
    import os
    import warnings

    from workbench.cohort.contract import as_cohort
    from workbench.emulation import TargetTrial
    from workbench.exceptions import StatisticalWarning
    from workbench.simulate import simulate
    from workbench.studies.target_trial import SUPPORTS, population_truth

    codes = args.support or ["precise_support", "job_placement"]
    supports = {c: SUPPORTS[c] for c in codes}
    truth = population_truth(None, supports)
    out = HERE / "target_trial_bootstrap_coverage.csv"
    done = pd.read_csv(out) if out.exists() and args.resume else pd.DataFrame()
    if not args.resume and out.exists():
        os.remove(out)
    for r in range(args.first, args.n_rep):
        seed = args.seed * 1000 + r
        if len(done) and seed in set(done["seed"]):
            continue
        c = time.process_time()
        cohort = as_cohort(simulate(seed=seed, n=args.n).dataset)
        rows = []
        for code, grace in supports.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", StatisticalWarning)
                tt = TargetTrial(code, grace_months=grace, horizons=(24,), seed=r,
                                 n_bootstrap=args.n_bootstrap, n_jobs=args.jobs).fit(cohort)  # fmt: skip
            h = tt.horizons_.iloc[0]
            lo, hi, t = h["rd_lower"], h["rd_upper"], truth[code]
            rows.append({"seed": seed, "code": code, "rd": h["rd"], "lower": lo, "upper": hi,
                         "truth": t, "covered": bool(lo <= t <= hi),
                         "n_bootstrap": args.n_bootstrap})  # fmt: skip
        pd.DataFrame(rows).to_csv(out, mode="a", header=not out.exists(), index=False)
        print(f"cohort {r}: {time.process_time() - c:.1f} s CPU", flush=True)
    rows = pd.read_csv(out)
    for code, g in rows.groupby("code"):
        k = int(g["covered"].sum())
        print(f"{code}: bootstrap CI ({args.n_bootstrap} replicates) of the 24-month RD covers "
              f"the truth {g['truth'].iloc[0]:+.4f} in {k}/{len(g)} cohorts of {args.n} "
              f"({k / len(g):.3f}); mean width {(g['upper'] - g['lower']).mean():.4f}; "
              f"mean RD {g['rd'].mean():+.4f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["study", "speed", "bootstrap-coverage"])
    parser.add_argument("--n-rep", type=int, default=200)
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--n-bootstrap", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--support", action="append")
    parser.add_argument("--resume", action="store_true", help="bootstrap-coverage: keep rows")
    parser.add_argument("--first", type=int, default=0, help="bootstrap-coverage: first cohort")
    args = parser.parse_args()
    {"study": study, "speed": speed, "bootstrap-coverage": bootstrap_coverage}[args.what](args)


if __name__ == "__main__":
    main()
