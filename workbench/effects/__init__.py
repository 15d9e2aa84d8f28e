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

from workbench.effects.comparison import WeightedComparison
from workbench.effects.estimate import EffectEstimate
from workbench.effects.evalue import evalue_hr, evalue_table
from workbench.effects.exposure import (
    check_exposures,
    exposure_starts_for,
    lag_to_contacts,
    relapse_free_contacts,
)
from workbench.effects.findings import findings, sentence, verdict
from workbench.effects.landmark import WeightedEffect
from workbench.effects.naive import naive_effects
from workbench.effects.primary import TimeVaryingEffects
from workbench.effects.propensity import PropensityWeights, balance_table, effective_sample_size
from workbench.effects.subgroups import (
    SubgroupEffects,
    interaction_test,
    subgroup_effects,
    subgroup_forest,
)
from workbench.effects.table import COLUMNS, effects_table
from workbench.effects.weighted_estimate import weighted_km

__all__ = [
    "COLUMNS",
    "EffectEstimate",
    "PropensityWeights",
    "SubgroupEffects",
    "TimeVaryingEffects",
    "WeightedComparison",
    "WeightedEffect",
    "balance_table",
    "check_exposures",
    "effective_sample_size",
    "effects_table",
    "evalue_hr",
    "evalue_table",
    "exposure_starts_for",
    "findings",
    "interaction_test",
    "lag_to_contacts",
    "naive_effects",
    "relapse_free_contacts",
    "sentence",
    "subgroup_effects",
    "subgroup_forest",
    "verdict",
    "weighted_km",
]
