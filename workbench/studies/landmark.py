"""Simulation check of the landmark comparison: is a support with no effect found to have none?

Each replicate simulates a cohort (`workbench.simulate`), runs the landmark weighted
comparison of one support (`WeightedEffect`, overlap weights by default, no bootstrap: the
robust Wald CI of the weighted piecewise-exponential model) and records log HR, its CI and
whether the CI covers the truth.
In the simulator supports are assigned from measured confounders only, independently of each
other given them, so for `precise_support` (true HR 1) the landmark hazard ratio is 1.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from workbench.exceptions import StatisticalWarning


def _replicate(rep, seed, n, code, co_interventions, config):
    from workbench.cohort import build_cohort, exposure_starts
    from workbench.effects.exposure import relapse_free_contacts
    from workbench.effects.landmark import WeightedEffect
    from workbench.simulate import NO_FEEDBACK, simulate

    # config None: the default without the employment feedback (the HRs are then the estimand)
    sim = simulate(NO_FEEDBACK if config is None else config, seed=seed, n=n)
    ds = sim.dataset
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        we = WeightedEffect(code, n_bootstrap=0, co_interventions=co_interventions)
        res = we.fit(build_cohort(ds), exposure_starts(ds), relapse_free_contacts(ds)).result_
    truth = float(np.log(sim.truth["hazard_ratios"][code]))
    if not res.estimable:  # too few in an arm or too few exposed relapses (small-sample rule)
        return {"rep": rep, "seed": seed, "code": code, "n_exposed": we.n_exposed_,
                "true_log_hr": truth, "log_hr": np.nan, "lower": np.nan, "upper": np.nan,
                "covered": np.nan, "rmst_diff_days": np.nan}  # fmt: skip
    lo, hi = np.log(res.hr_ci_model)
    return {
        "rep": rep,
        "seed": seed,
        "code": code,
        "n_exposed": res.n_exposed,
        "true_log_hr": truth,
        "log_hr": float(np.log(res.hazard_ratio)),
        "lower": float(lo),
        "upper": float(hi),
        "covered": bool(lo <= truth <= hi),
        "rmst_diff_days": res.rmst_difference,
    }


def landmark_study(
    n_reps: int = 20,
    n: int = 6000,
    code: str = "precise_support",
    *,
    seed: int = 2025,
    co_interventions: bool = True,
    n_jobs: int = 1,
    config=None,
) -> pd.DataFrame:
    """One row per replicate: truth, landmark log HR, robust 95 % CI, covered, RMST diff."""
    children = np.random.SeedSequence(seed).spawn(n_reps)
    seeds = [int(c.generate_state(1)[0]) for c in children]
    args = [(r, s, n, code, co_interventions, config) for r, s in enumerate(seeds)]
    if n_jobs == 1:
        rows = [_replicate(*a) for a in args]
    else:
        rows = Parallel(n_jobs=n_jobs)(delayed(_replicate)(*a) for a in args)
    return pd.DataFrame(rows)
