"""Speed of the simulator with and without the employment feedback (issue 18), same run.

    .venv/bin/python bench/simulate_feedback.py [--n 23000] [--repeats 3] [--truth-n 100000]

Times `simulate(seed=20170101, n)` with the default config (feedback on) and with NO_FEEDBACK
(the simulator of before, byte for byte), best of --repeats, wall-clock and CPU seconds, and
once the counterfactual truth `strategy_truth(n=--truth-n)` that `workbench simulate` writes to
truth/strategies.csv. Numbers go in bench/README.md by hand.
"""

from __future__ import annotations

import argparse
import os
import time


def _best(fn, repeats: int) -> tuple[float, float]:
    best = (float("inf"), float("inf"))
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        fn()
        best = min(best, (time.perf_counter() - w, time.process_time() - c))
    return best


def main() -> None:
    from workbench.simulate import NO_FEEDBACK, simulate
    from workbench.simulate.strategies import strategy_truth

    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=23_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--truth-n", type=int, default=100_000)
    a = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}")
    for label, cfg in (("no feedback (before)", NO_FEEDBACK), ("feedback (default)", None)):
        wall, cpu = _best(lambda cfg=cfg: simulate(cfg, n=a.n), a.repeats)
        print(f"simulate n={a.n:,} {label}: {wall:.2f} s wall, {cpu:.2f} s CPU")
    wall, cpu = _best(lambda: strategy_truth(n=a.truth_n), 1)
    print(f"strategy_truth n={a.truth_n:,}: {wall:.1f} s wall, {cpu:.1f} s CPU")


if __name__ == "__main__":
    main()
