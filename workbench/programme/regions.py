"""A risk-adjusted comparison of regions (indirect standardisation, Spiegelhalter's funnel plot):
each prefecture's observed retention against what its people's baseline characteristics predict."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.cohort import PERSON_COVARIATES
from workbench.data.codes import DAYS_PER_MONTH
from workbench.exceptions import EstimationError


@dataclass(frozen=True)
class RegionComparison:
    """Observed vs expected 12-month retention per region, with funnel-plot limits."""

    table: pd.DataFrame  # code, n, observed, expected, adjusted, lower95, upper95, lower998, ...
    overall: float
    months: float
    method: str
    notes: tuple[str, ...] = ()

    def summary(self) -> pd.DataFrame:
        return self.table.copy()

    def funnel(self, n_max: float | None = None, points: int = 200) -> pd.DataFrame:
        """The control limits as curves over n, for drawing the funnel."""
        top = n_max or float(self.table["n"].max()) * 1.1
        n = np.linspace(max(5.0, top / points), top, points)
        return pd.DataFrame({"n": n, **_limits(self.overall, n)})


def _limits(p0: float, n: np.ndarray) -> dict[str, np.ndarray]:
    # scipy.stats.norm.ppf is ndtri; scipy.stats costs ~1 s to import, scipy.special ~0.15 s:
    # imported here, so the report kernel (which reads `flag_categories`) never loads it
    from scipy.special import ndtri

    se = np.sqrt(p0 * (1 - p0) / np.asarray(n, dtype=float))
    out = {}
    for name, level in (("95", 0.95), ("998", 0.998)):
        z = ndtri(0.5 + level / 2)
        out[f"lower{name}"] = np.clip(p0 - z * se, 0, 1)
        out[f"upper{name}"] = np.clip(p0 + z * se, 0, 1)
    return out


def compare_regions(
    cohort: pd.DataFrame,
    observed: pd.Series,
    expected_individual: pd.Series,
    overall: float,
    *,
    by: str = "prefecture",
    months: float = 12,
    method: str = "",
) -> RegionComparison:
    """Risk-adjusted comparison of regions (indirect standardisation, Spiegelhalter's funnel).

    `observed` is each region's estimated retention at `months` (e.g. from the NPMLE),
    `expected_individual` each release's model-predicted retention from a model WITHOUT region,
    `overall` the whole cohort's observed retention. Expected values are recalibrated so that the
    cohort's expected equals its observed (the model's overall misfit is not blamed on regions).
    A region is flagged when its adjusted retention (overall + observed - expected) falls outside
    the 99.8 % limits, and marked 'watch' outside the 95 % limits.
    """
    eligible = cohort.index[expected_individual.reindex(cohort.index).notna()]
    if len(eligible) == 0:
        raise EstimationError("no release has a predicted retention; cannot compare regions")
    pred = expected_individual.reindex(eligible)
    scale = overall / float(pred.mean())
    groups = cohort.loc[eligible, by]
    expected = (pred * scale).groupby(groups, observed=True).mean()
    n = groups.value_counts()
    table = pd.DataFrame({"n": n, "observed": observed, "expected": expected}).dropna()
    table["adjusted"] = overall + table["observed"] - table["expected"]
    limits = _limits(overall, table["n"].to_numpy(float))
    for key, values in limits.items():
        table[key] = values
    table["flag"] = np.select(
        [
            table["adjusted"] > table["upper998"],
            table["adjusted"] < table["lower998"],
            (table["adjusted"] > table["upper95"]) | (table["adjusted"] < table["lower95"]),
        ],
        ["better", "worse", "watch"],
        default="",
    )
    table.index.name = "code"
    notes = (
        "Expected retention comes from a model without region, recalibrated to the overall level.",
        "Limits assume binomial variation around the overall retention; censoring widens the true "
        "uncertainty, so a 'watch' flag alone is not evidence of a difference.",
    )
    return RegionComparison(
        table=table.reset_index(),
        overall=float(overall),
        months=float(months),
        method=method,
        notes=notes,
    )


def flag_categories(table: pd.DataFrame) -> pd.DataFrame:
    """The words a flag is shown with: `category` better / as_expected / worse than expected,
    and `sure` (True outside the 99.8 % limits; False for a 'watch' region, outside 95 % only,
    whose direction is shown with an 'uncertain' marker). One row per row of `table` (a
    `compare_regions` table: flag, observed, expected, adjusted)."""
    overall = table["adjusted"] - table["observed"] + table["expected"]
    above = table["adjusted"] > overall
    flag = table["flag"].fillna("").astype(str)
    category = np.select(
        [flag.eq("better"), flag.eq("worse"), flag.eq("watch") & above, flag.eq("watch")],
        ["better", "worse", "better", "worse"],
        default="as_expected",
    )
    return pd.DataFrame(
        {"category": category, "sure": flag.isin(["better", "worse"]).to_numpy()},
        index=table.index,
    )


def predicted_retention(
    cohort: pd.DataFrame,
    months: float = 12,
    covariates: Sequence[str] = PERSON_COVARIATES,
) -> pd.Series:
    """Each release's predicted probability of abstinence at `months` from a Cox model on
    baseline characteristics only (no region), fitted on best available times: relapse at the
    midpoint of (L, R], censoring at L. Used as the 'expected' in regional comparisons."""
    from lifelines import CoxPHFitter

    present = [c for c in covariates if c in cohort.columns]
    design = pd.get_dummies(cohort[present], drop_first=True, dtype=float)
    design = design.loc[:, design.std() > 0]
    relapse = cohort["event"].eq("relapse").to_numpy()
    lower = cohort["lower_day"].to_numpy(float)
    upper = cohort["upper_day"].to_numpy(float)
    time = np.where(relapse, (lower + np.nan_to_num(upper, nan=0.0)) / 2, lower)
    frame = design.assign(_time=np.maximum(time, 0.5), _event=relapse.astype(int))
    key = _digest(frame, months)
    if not (_LAST and _LAST[0][0] == key):  # the same model on the same data: its predictions
        fitter = CoxPHFitter(penalizer=1e-4).fit(frame, "_time", "_event")
        day = months * DAYS_PER_MONTH
        surv = fitter.predict_survival_function(design, times=[day])
        _LAST[:] = [(key, surv.to_numpy()[0].copy())]
    return pd.Series(_LAST[0][1].copy(), index=cohort.index, name=f"expected_{months:g}")


# The last fit's predictions by a digest of everything the fit reads: the report compares
# prefectures and then facilities on one cohort, with the same Cox model (at 2.3 M releases
# about 15 s each); a digest costs about 0.5 s there.
_LAST: list = []


def _digest(frame: pd.DataFrame, months: float) -> bytes:
    import hashlib

    h = hashlib.blake2b(repr((float(months), list(map(str, frame.columns)))).encode())
    for column in frame.columns:
        h.update(np.ascontiguousarray(frame[column].to_numpy(float)).tobytes())
    return h.digest()
