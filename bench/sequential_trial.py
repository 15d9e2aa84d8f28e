"""Speed of the sequential trial emulation (issue 18 item 3, workbench.emulation.sequential) on
one simulated default cohort: one support, the point estimate alone (n_bootstrap=2, the
baseline) and with `--n-bootstrap` replicates, wall and CPU time. Numbers go to
bench/README.md ("Sequential trials").

    OMP_NUM_THREADS=1 PYTHONPATH=. python bench/sequential_trial.py --n 23000 --n-bootstrap 50
    OMP_NUM_THREADS=1 PYTHONPATH=. python bench/sequential_trial.py --null-reps 40 --n 3000 \
        --n-bootstrap 20

--null-reps R: instead, R simulated cohorts (seeds 200..) where precise support has no effect
(HR 1, no effect on employment) and is offered month by month over months 1-18 (so several
visits have starters): mean RD, SD and bootstrap-CI coverage of 0 per analysis and horizon.
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
    parser.add_argument("--null-reps", type=int, default=0)
    args = parser.parse_args()
    if args.null_reps:
        return null_study(args)

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


def null_study(args) -> None:
    import pandas as pd

    from workbench.cohort.contract import as_cohort
    from workbench.emulation import SequentialTrials
    from workbench.simulate import simulate

    assign = {"intercept": 0.0, "motivation_score": 0.3, "employed_before": 0.5,
              "family_support": 0.5, "heroin": 0.0}  # fmt: skip
    spec = {"hazard_ratio": 1.0, "start_months": [0, 18], "assign": assign}
    cfg = {"interventions": {"precise_support": spec}}
    t, c = time.perf_counter(), time.process_time()
    rows = []
    for seed in range(200, 200 + args.null_reps):
        cohort = as_cohort(simulate(cfg, seed=seed, n=args.n).dataset)
        st = SequentialTrials("precise_support", n_bootstrap=args.n_bootstrap, seed=seed)
        rows.append(st.fit(cohort).horizons_.assign(seed=seed, n_trials=st.n_trials_))
    a = pd.concat(rows)
    a["covers_0"] = (a["rd_lower"] <= 0) & (a["rd_upper"] >= 0)
    out = a.groupby(["analysis", "month"]).agg(
        mean_rd=("rd", "mean"), sd=("rd", "std"), coverage=("covers_0", "mean"), n=("rd", "size")
    )
    out["mc_se"] = out["sd"] / out["n"] ** 0.5
    print(out.round(4).to_string())
    print(f"trials pooled per cohort: {sorted(a['n_trials'].unique().tolist())}")
    print(f"{args.null_reps} cohorts x n={args.n}, {args.n_bootstrap} replicates each: "
          f"{time.perf_counter() - t:.0f} s wall, {time.process_time() - c:.0f} s CPU")  # fmt: skip


if __name__ == "__main__":
    main()
