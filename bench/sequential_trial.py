"""Speed of the sequential trial emulation (issue 18 item 3, workbench.emulation.sequential) on
one simulated default cohort: one support, the point estimate alone (n_bootstrap=2, the
baseline) and with `--n-bootstrap` replicates, wall and CPU time. Numbers go to
bench/README.md ("Sequential trials").

    OMP_NUM_THREADS=1 PYTHONPATH=. python bench/sequential_trial.py --n 23000 --n-bootstrap 50
"""

from __future__ import annotations

import argparse
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=23000)
    parser.add_argument("--n-bootstrap", type=int, default=50)
    parser.add_argument("--support", default="job_placement")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()

    from workbench.cohort.contract import as_cohort
    from workbench.emulation import SequentialTrials
    from workbench.simulate import simulate

    cohort = as_cohort(simulate(seed=args.seed, n=args.n).dataset)
    for b in (2, args.n_bootstrap):
        t, c = time.perf_counter(), time.process_time()
        st = SequentialTrials(args.support, n_bootstrap=b, seed=1, n_jobs=args.jobs).fit(cohort)
        print(f"sequential trials, {args.support}, n={args.n}, {b} bootstrap replicates: "
              f"{time.perf_counter() - t:.1f} s wall, {time.process_time() - c:.1f} s CPU "
              "(this process)")  # fmt: skip
    print(st.flow_.to_string())
    print(st.horizons_.round(4).to_string(index=False))


if __name__ == "__main__":
    main()
