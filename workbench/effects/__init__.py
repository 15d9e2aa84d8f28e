"""Which support works: confounding- and immortal-time-safe effects of aftercare support.

- `primary`: all supports as time-varying exposures in one PH model for interval-censored
  relapse (penalised piecewise-exponential, `workbench.stats.pwe`), robust and bootstrap CIs.
- `landmark` / `propensity`: per-support landmark comparison with propensity weights, balance,
  adjusted retention curves, HR, 12-month risk difference, NNT and RMST difference
  (`weighted_estimate`: one comparison's numbers; `comparison`: its result).
- `methods`: method labels as catalog parts (`method_text`).
- `subgroups`: subgroup hazard ratios and interaction tests from one interaction model.
- `evalue`, `naive`, `findings`, `table` (effects_table).

Simulation studies of these estimators live in `workbench.studies`.
"""

import importlib

# name -> module; imported on first use (PEP 562), so `import workbench.effects.findings` (the
# report kernel's summary) does not load scikit-learn and every estimator.
_EXPORTS = {
    "COLUMNS": "workbench.effects.table",
    "EffectEstimate": "workbench.effects.estimate",
    "PropensityWeights": "workbench.effects.propensity",
    "SubgroupEffects": "workbench.effects.subgroups",
    "TimeVaryingEffects": "workbench.effects.primary",
    "WeightedComparison": "workbench.effects.comparison",
    "WeightedEffect": "workbench.effects.landmark",
    "balance_table": "workbench.effects.propensity",
    "check_exposures": "workbench.effects.exposure",
    "effective_sample_size": "workbench.effects.propensity",
    "effects_table": "workbench.effects.table",
    "evalue_hr": "workbench.effects.evalue",
    "evalue_table": "workbench.effects.evalue",
    "exposure_starts_for": "workbench.effects.exposure",
    "interaction_test": "workbench.effects.subgroups",
    "lag_to_contacts": "workbench.effects.exposure",
    "naive_effects": "workbench.effects.naive",
    "relapse_free_contacts": "workbench.effects.exposure",
    "sentence": "workbench.effects.findings",
    "subgroup_effects": "workbench.effects.subgroups",
    "subgroup_forest": "workbench.effects.subgroups",
    "verdict": "workbench.effects.findings",
    "weighted_km": "workbench.effects.weighted_estimate",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
