"""Simulation study of the primary estimator (and the naive one) against the simulator's truth.

Each replicate simulates a cohort (`workbench.simulate`), fits the primary time-varying model
with model-based (sandwich) CIs — the bootstrap would cost n_bootstrap fits per replicate,
so coverage is studied for the model-based intervals — and the naive ever-vs-never Cox model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from workbench.effects.naive import naive_effects
from workbench.effects.primary import TimeVaryingEffects


def _replicate(rep: int, seed: int, n: int, config) -> pd.DataFrame:
    from workbench.simulate import NO_FEEDBACK, simulate

    # config None: the default without the employment feedback (the HRs are then the estimand)
    sim = simulate(NO_FEEDBACK if config is None else config, seed=seed, n=n)
    est = TimeVaryingEffects.for_dataset(sim.dataset, n_bootstrap=0)
    sm = est.summary().set_index("code")
    naive = naive_effects(est.cohort_, est.starts_).set_index("code")
    truth = sim.truth["hazard_ratios"]
    out = pd.DataFrame(
        {
            "rep": rep,
            "seed": seed,
            "code": sm.index,
            "n_exposed": sm["n_exposed"].to_numpy(),
            "true_log_hr": np.log([float(truth[c]) for c in sm.index]),
            "log_hr": np.log(sm["hr"].to_numpy(float)),
            "se": sm["se_log_hr"].to_numpy(float),
            "lower": np.log(sm["hr_lower_model"].to_numpy(float)),
            "upper": np.log(sm["hr_upper_model"].to_numpy(float)),
            "naive_log_hr": np.log(naive.loc[sm.index, "hr"].to_numpy(float)),
        }
    )
    out["covered"] = (out["lower"] <= out["true_log_hr"]) & (out["true_log_hr"] <= out["upper"])
    return out


def simulation_study(
    n_reps: int = 50, n: int = 3000, seed: int = 2024, n_jobs: int = 1, config=None
) -> pd.DataFrame:
    """Tidy table: one row per replicate x support (truth, estimate, CI, covered, naive)."""
    children = np.random.SeedSequence(seed).spawn(n_reps)
    seeds = [int(c.generate_state(1)[0]) for c in children]
    if n_jobs == 1:
        parts = [_replicate(r, s, n, config) for r, s in enumerate(seeds)]
    else:
        jobs = (delayed(_replicate)(r, s, n, config) for r, s in enumerate(seeds))
        parts = Parallel(n_jobs=n_jobs)(jobs)
    return pd.concat(parts, ignore_index=True)


def study_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per support: truth, mean estimate, bias, Monte-Carlo SE, empirical SD, mean model SE,
    coverage of the 95 % CI, and the naive estimator's bias."""
    g = table.groupby("code", sort=False)
    out = pd.DataFrame(
        {
            "true_hr": np.exp(g["true_log_hr"].first()),
            "n_reps": g.size(),
            "bias": g.apply(
                lambda d: (d["log_hr"] - d["true_log_hr"]).mean(), include_groups=False
            ),
            "mc_se_bias": g["log_hr"].std() / np.sqrt(g.size()),
            "empirical_sd": g["log_hr"].std(),
            "mean_se": g["se"].mean(),
            "coverage": g["covered"].mean(),
            "naive_bias": g.apply(
                lambda d: (d["naive_log_hr"] - d["true_log_hr"]).mean(), include_groups=False
            ),
        }
    )
    return out.reset_index()
