"""Target-trial emulation (issue 18): the simulation study against the simulator's truth and
the speed of the emulation on the default cohort. Numbers go to bench/README.md
("Target-trial emulation").

    PYTHONPATH=. python bench/target_trial.py study --n-rep 200 --n 4000 --jobs 2
    PYTHONPATH=. python bench/target_trial.py speed --n 23000 --n-bootstrap 200 --jobs 2
    PYTHONPATH=. python bench/target_trial.py bootstrap-coverage --n-rep 100 --n 4000 --jobs 2

study: workbench.studies.target_trial.run / summarise (sandwich CI), the rows written to
bench/target_trial_study.csv. speed: TargetTrial for the six supports (bootstrap CI) on one
simulated default cohort, wall time and the time of the landmark effects analysis measured in
the same run (the baseline). bootstrap-coverage: the bootstrap CI of the null support's
24-month RD over replicates (coverage of 0).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
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
    from workbench.cohort.contract import as_cohort
    from workbench.emulation import TargetTrial
    from workbench.simulate import simulate

    hits, widths = [], []
    t = time.perf_counter()
    for r in range(args.n_rep):
        cohort = as_cohort(simulate(seed=args.seed * 1000 + r, n=args.n).dataset)
        tt = TargetTrial("precise_support", grace_months=3, horizons=(24,),
                         n_bootstrap=args.n_bootstrap, seed=r, n_jobs=args.jobs).fit(cohort)  # fmt: skip
        h = tt.horizons_.iloc[0]
        hits.append(h["rd_lower"] <= 0 <= h["rd_upper"])
        widths.append(h["rd_upper"] - h["rd_lower"])
    print(f"bootstrap CI ({args.n_bootstrap} replicates) of the null support's 24-month RD over "
          f"{args.n_rep} cohorts of {args.n}: covers 0 in {np.mean(hits):.3f}, mean width "
          f"{np.mean(widths):.4f}; {time.perf_counter() - t:.0f} s")  # fmt: skip
    pd.DataFrame({"covered": hits, "width": widths}).to_csv(
        HERE / "target_trial_bootstrap_coverage.csv", index=False
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["study", "speed", "bootstrap-coverage"])
    parser.add_argument("--n-rep", type=int, default=200)
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--n-bootstrap", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--support", action="append")
    args = parser.parse_args()
    {"study": study, "speed": speed, "bootstrap-coverage": bootstrap_coverage}[args.what](args)


if __name__ == "__main__":
    main()
