"""Subgroup effects of the primary model, a Wald test of interaction, and a forest plot.

Each subgroup is fitted separately (all covariate effects free to differ); the interaction test
is the Wald test that the exposure's log hazard ratio is the same in every subgroup:
Q = sum_g (b_g - b_pooled)^2 / se_g^2 on G - 1 degrees of freedom.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from workbench.effects.design import default_confounders
from workbench.effects.primary import TimeVaryingEffects
from workbench.exceptions import EstimationError, ParameterError


def interaction_test(log_hr, se) -> tuple[float, int, float]:
    """(Q, df, p) of the Wald test of equal log hazard ratios across independent subgroups."""
    b, s = np.asarray(log_hr, float), np.asarray(se, float)
    ok = np.isfinite(b) & np.isfinite(s) & (s > 0)
    b, w = b[ok], 1 / s[ok] ** 2
    if b.size < 2:
        return np.nan, 0, np.nan
    pooled = np.sum(w * b) / np.sum(w)
    q = float(np.sum(w * (b - pooled) ** 2))
    return q, b.size - 1, float(stats.chi2.sf(q, b.size - 1))


def subgroup_effects(
    cohort: pd.DataFrame,
    starts: pd.DataFrame,
    by: str,
    *,
    groups: Mapping[str, str] | None = None,
    exposures=None,
    **options,
) -> pd.DataFrame:
    """Per subgroup of `by` (optionally mapped through `groups`, e.g. prefecture -> region):
    code, group, n, n_exposed, hr, hr_lower, hr_upper, log_hr, se, and the interaction p-value."""
    if by not in cohort.columns:
        raise ParameterError(f"subgroup column {by!r} is not in the cohort.")
    labels = cohort[by].astype(str)
    if groups is not None:
        labels = labels.map(lambda v: groups.get(v, "other"))
    conf = [c for c in default_confounders(cohort) if c != by]
    rows = []
    for level in sorted(labels.unique()):
        part = cohort.loc[labels == level]
        model = TimeVaryingEffects(exposures, conf, n_boot=0, **options)
        try:
            sm = model.fit(part, starts).summary()
        except EstimationError:
            continue
        sm["group"], sm["n"] = level, len(part)
        rows.append(sm)
    if not rows:
        raise EstimationError(f"no subgroup of {by} could be fitted.")
    out = pd.concat(rows, ignore_index=True)
    out["log_hr"] = np.log(out["hr"])
    out = out.rename(columns={"hr_lower_model": "lower", "hr_upper_model": "upper"})
    p = {c: interaction_test(g["log_hr"], g["se_log_hr"])[2] for c, g in out.groupby("code")}
    out["p_interaction"] = out["code"].map(p)
    cols = ["code", "group", "n", "n_exposed", "hr", "lower", "upper", "log_hr", "se_log_hr"]
    return out[[*cols, "p_interaction"]].rename(columns={"lower": "hr_lower", "upper": "hr_upper"})


def forest_plot(table: pd.DataFrame, code: str, ax=None):
    """Hazard ratio and CI per subgroup for one support (log scale)."""
    import matplotlib.pyplot as plt

    ax = ax or plt.gca()
    t = table[table["code"] == code].reset_index(drop=True)
    y = np.arange(len(t))[::-1]
    err = [t["hr"] - t["hr_lower"], t["hr_upper"] - t["hr"]]
    ax.errorbar(t["hr"], y, xerr=err, fmt="s", color="black", capsize=3)
    ax.axvline(1.0, linestyle="--", color="grey")
    ax.set_xscale("log")
    ax.set_yticks(y, t["group"])
    ax.set_xlabel("hazard ratio")
    p = t["p_interaction"].iloc[0] if len(t) else np.nan
    ax.set_title(f"{code} (interaction p = {p:.3f})")
    return ax
