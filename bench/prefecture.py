"""Prefecture reports: does the support-effects bootstrap cost scale with the scope? (issue 22)

For each prefecture, the report's support-effects analysis (`evaluation.models.support_effects`:
primary time-varying model + six landmark comparisons, each with its bootstrap) on the bundled
synthetic data at the report's default 200 replicates, one process (n_jobs 1), twice in the same
run: with the bootstrap replicates' NPMLE curves allowed the fit's full 20,000 Newton iterations
(before) and capped at `weighted_estimate.REPLICATE_MAX_ITER` (after). Prints one JSON line per
scope: CPU seconds, wall seconds, replicate curves that hit each limit, and the largest change
of any number in the effects table between the two.

Run: `.venv/bin/python bench/prefecture.py --scopes zhangjiajie,xiangtan,hengyang --n-boot 200`
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

from workbench.cohort.contract import as_cohort
from workbench.effects import weighted_estimate as we
from workbench.evaluation import analysis, contract, models
from workbench.params.report import ReportParams
from workbench.stats import npmle

DATA = os.path.join(os.path.dirname(__file__), "..", "data", "synthetic")
NUMBERS = ("hr", "hr_lower", "hr_upper", "rmst_diff_days", "rmst_diff_lower", "rmst_diff_upper")


def _effects(cohort, params, cap: int) -> tuple[dict, object]:
    hits = {"replicate_fits": 0, "at_limit": 0}
    orig = npmle.fit_truncated

    def counted(*args, **kwargs):
        out = orig(*args, **kwargs)
        if kwargs.get("init") is not None:
            hits["replicate_fits"] += 1
            hits["at_limit"] += int(out["n_iter"] >= kwargs.get("max_iter", 20_000))
        return out

    we.fit_truncated, saved = counted, we.REPLICATE_MAX_ITER
    we.REPLICATE_MAX_ITER = cap
    try:
        c0, w0 = time.process_time(), time.perf_counter()
        table = models.support_effects(cohort, params)["table"]
        cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    finally:
        we.fit_truncated, we.REPLICATE_MAX_ITER = orig, saved
    return {"cpu_s": round(cpu, 1), "wall_s": round(wall, 1), **hits}, table


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scopes", default="zhangjiajie,xiangtan,hengyang")
    ap.add_argument("--n-boot", type=int, default=200)
    ap.add_argument("--data", default=DATA)
    args = ap.parse_args()
    full = None
    for scope in args.scopes.split(","):
        params = ReportParams.from_mapping(
            {"data": args.data, "name": scope, "prefecture": scope, "n_bootstrap": args.n_boot,
             "seed": 20170101, "n_jobs": 1}
        )  # fmt: skip
        if full is None:
            full = as_cohort(analysis.load_data(params))
        cohort = contract.scope_cohort(full, params)
        before, t0 = _effects(cohort, params, 20_000)
        after, t1 = _effects(cohort, params, we.REPLICATE_MAX_ITER)
        a, b = (t[list(NUMBERS)].to_numpy(float) for t in (t0, t1))
        both = np.isfinite(a) & np.isfinite(b)
        print(json.dumps({
            "scope": scope, "releases": len(cohort.table), "n_bootstrap": args.n_boot,
            "load": os.getloadavg()[0], "before": before, "after": after,
            "max_abs_change": float(np.abs(a - b)[both].max()) if both.any() else None,
            "same_missing": bool((np.isfinite(a) == np.isfinite(b)).all()),
        }), flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
