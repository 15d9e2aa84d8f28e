"""Which support works: confounding- and immortal-time-safe effects of aftercare support.

- `primary`: all supports as time-varying exposures in one PH model for interval-censored
  relapse (penalised piecewise-exponential, `pwe`), bootstrap and model-based CIs.
- `landmark`/`propensity`: per-support landmark comparison with propensity weights, balance,
  adjusted retention curves, HR, risk difference, NNT and RMST difference.
- `subgroups`, `evalue`, `naive`, `findings`, `table` (effects_table, run_effects), `study`.
"""

from workbench.effects.estimate import EffectEstimate
from workbench.effects.exposure import check_exposures, exposure_starts_for
from workbench.effects.primary import TimeVaryingEffects
from workbench.effects.pwe import DEFAULT_CUTS, PiecewiseExponentialPH

__all__ = [
    "DEFAULT_CUTS",
    "EffectEstimate",
    "PiecewiseExponentialPH",
    "TimeVaryingEffects",
    "check_exposures",
    "exposure_starts_for",
]
