"""Subgroup effects of the supports from one model with exposure x subgroup interactions.

The primary time-varying model (`pwe.PiecewiseExponentialPH`, exposure from the first
relapse-free contact after the start) gets, for every support j and every subgroup g other than
the reference (the largest), a second time-varying column that switches on with j only for
people in g. Its coefficient is the difference of log hazard ratios between g and the
reference; the subgroup's hazard ratio is exp(gamma_j + delta_jg) with the robust (sandwich)
variance. The interaction test of support j is the Wald test that all its delta_jg are 0
(chi-square on the number of interaction columns). The subgroup's own main effect is among the
confounders (sex, primary_drug, prefecture are already; age_group and the region are added).
A subgroup needs `min_exposed` exposed people and `min_events` relapses seen after the start
to get its own term (with none, its hazard ratio would run off to 0); otherwise it shares the
reference group's hazard ratio in the model and is reported as not estimable (NaN).

Subgroups: `primary_drug`, `sex`, `age_group` and `region`, Hunan's four planning regions
(Changsha-Zhuzhou-Xiangtan, Dongting Lake, South Hunan, Greater West Hunan; Hunan Provincial
Government's regional development plans), or any cohort column with an optional mapping.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from workbench._base import check_is_fitted
from workbench.data.codes import SUPPRESSION_THRESHOLD
from workbench.effects.design import category_levels, default_confounders, encode
from workbench.effects.exposure import check_exposures
from workbench.effects.primary import lagged_starts, relapse_free_at_starts
from workbench.exceptions import EstimationError, ParameterError
from workbench.stats.pwe import DEFAULT_CUTS, PiecewiseExponentialPH

REGION_OF_PREFECTURE = {
    "changsha": "cztz",
    "zhuzhou": "cztz",
    "xiangtan": "cztz",
    "yueyang": "dongting",
    "changde": "dongting",
    "yiyang": "dongting",
    "hengyang": "south",
    "chenzhou": "south",
    "yongzhou": "south",
    "shaoyang": "west",
    "huaihua": "west",
    "loudi": "west",
    "zhangjiajie": "west",
    "xiangxi": "west",
}
SUBGROUPS = ("primary_drug", "sex", "age_group", "region")


def interaction_test(log_hr, se) -> tuple[float, int, float]:
    """(Q, df, p) of the Wald test of equal log hazard ratios across independent subgroups
    (separately fitted models): Q = sum_g (b_g - b_pooled)^2 / se_g^2 on G - 1 df."""
    b, s = np.asarray(log_hr, float), np.asarray(se, float)
    ok = np.isfinite(b) & np.isfinite(s) & (s > 0)
    b, w = b[ok], 1 / s[ok] ** 2
    if b.size < 2:
        return np.nan, 0, np.nan
    pooled = np.sum(w * b) / np.sum(w)
    q = float(np.sum(w * (b - pooled) ** 2))
    return q, b.size - 1, float(stats.chi2.sf(q, b.size - 1))


def subgroup_labels(cohort: pd.DataFrame, by: str, groups: Mapping | None = None) -> pd.Series:
    """Each release's subgroup: column `by` (or `region` from prefecture), mapped by `groups`."""
    if by == "region" and "region" not in cohort.columns:
        if "prefecture" not in cohort.columns:
            raise ParameterError("subgroup 'region' needs the prefecture column.")
        groups = REGION_OF_PREFECTURE if groups is None else groups
        by = "prefecture"
    if by not in cohort.columns:
        raise ParameterError(
            f"subgroup column {by!r} is not in the cohort; choose among: {', '.join(SUBGROUPS)} "
            "or another cohort column."
        )
    labels = cohort[by].astype(str)
    if groups is not None:
        labels = labels.map(lambda v: str(groups.get(v, "other")))
    return labels.reset_index(drop=True)


class SubgroupEffects:
    """Hazard ratio of each support within each subgroup of `by`, and the interaction tests."""

    def __init__(
        self,
        by: str,
        *,
        groups: Mapping | None = None,
        exposures=None,
        confounders=None,
        cuts=DEFAULT_CUTS,
        smooth: float = 1.0,
        lag: str = "contact",
        min_exposed: int = SUPPRESSION_THRESHOLD,
        min_events: int = SUPPRESSION_THRESHOLD,
        alpha: float = 0.05,
    ):
        self.by = by
        self.min_events = min_events
        self.groups = groups
        self.exposures = exposures
        self.confounders = confounders
        self.cuts = cuts
        self.smooth = smooth
        self.lag = lag
        self.min_exposed = min_exposed
        self.alpha = alpha

    def _starts(self, cohort, starts, contacts):
        starts = lagged_starts(self.lag, starts, contacts)
        exposures = check_exposures(self.exposures or list(starts.columns))
        S = starts.reindex(cohort["release_id"].to_numpy())[exposures].reset_index(drop=True)
        return exposures, S

    def _design(self, cohort, labels):
        frame = cohort.reset_index(drop=True).assign(_subgroup=labels.to_numpy())
        conf = default_confounders(frame) if self.confounders is None else list(self.confounders)
        conf = [*conf, "_subgroup"]
        return encode(frame, conf, levels=category_levels(frame, conf))

    def fit(self, cohort: pd.DataFrame, starts: pd.DataFrame, contacts=None) -> SubgroupEffects:
        """`cohort` from build_cohort, `starts` (index release_id), `contacts` for the lag."""
        labels = subgroup_labels(cohort, self.by, self.groups)
        levels = labels.value_counts().sort_values(ascending=False, kind="stable").index.tolist()
        if len(levels) < 2:
            raise EstimationError(f"{self.by} has one group only; nothing to compare.")
        exposures, S = self._starts(cohort, starts, contacts)
        lower = cohort["lower_day"].to_numpy(float)
        upper = cohort["upper_day"].to_numpy(float)
        if self.lag == "none":
            lower = relapse_free_at_starts(lower, upper, S.to_numpy(float))
        end = np.where(np.isfinite(upper), upper, lower)
        exposed = S.to_numpy(float) < end[:, None]
        relapsed = exposed & np.isfinite(upper)[:, None]  # relapse seen after the start
        g = labels.to_numpy()
        counts, enough = {}, {}
        for j, e in enumerate(exposures):
            for lv in levels:
                counts[(e, lv)] = int(exposed[g == lv, j].sum())
                n_rel = int(relapsed[g == lv, j].sum())
                enough[(e, lv)] = counts[(e, lv)] >= self.min_exposed and n_rel >= self.min_events
        main = [e for e in exposures if enough[(e, levels[0])]]
        columns = {e: S[e] for e in main}
        for e in main:
            for lv in levels[1:]:
                if enough[(e, lv)]:  # else the group shares the reference HR, reported as NaN
                    columns[f"{e}:{lv}"] = S[e].where(g == lv)
        model = PiecewiseExponentialPH(self.cuts, smooth=self.smooth, robust=True)
        model.fit(lower, upper, self._design(cohort, labels), pd.DataFrame(columns))
        self.model_, self.levels_, self.labels_ = model, levels, labels
        self.exposures_, self.counts_ = exposures, counts
        return self

    def _coef(self, name):
        return float(self.model_.params_.get(name, np.nan))

    def interaction_tests(self) -> pd.DataFrame:
        """Per support: Wald chi-square of all its interaction terms, df, p."""
        check_is_fitted(self, "model_")
        V = self.model_.variance_matrix_
        rows = []
        for e in self.exposures_:
            names = [f"{e}:{lv}" for lv in self.levels_[1:] if f"{e}:{lv}" in V.index]
            if not names:
                rows.append({"code": e, "chi2": np.nan, "df": 0, "p": np.nan})
                continue
            d = self.model_.params_[names].to_numpy()
            chi2 = float(d @ np.linalg.pinv(V.loc[names, names].to_numpy()) @ d)
            rows.append(
                {"code": e, "chi2": chi2, "df": len(names), "p": stats.chi2.sf(chi2, len(names))}
            )
        return pd.DataFrame(rows)

    def summary(self) -> pd.DataFrame:
        """code, group, n, n_exposed, hr, hr_lower, hr_upper, log_hr, se_log_hr, p_interaction."""
        V = self.model_.variance_matrix_
        q = stats.norm.ppf(1 - self.alpha / 2)
        tests = self.interaction_tests().set_index("code")["p"]
        n = self.labels_.value_counts()
        rows = []
        for e in self.exposures_:
            for k, lv in enumerate(self.levels_):
                names = [e] if k == 0 else [e, f"{e}:{lv}"]
                if any(name not in V.index for name in names):
                    b = se = np.nan
                else:
                    b = float(self.model_.params_[names].sum())
                    var = float(V.loc[names, names].to_numpy().sum())
                    se = np.sqrt(var) if var > 0 else np.nan
                rows.append(
                    {
                        "code": e,
                        "group": lv,
                        "reference": k == 0,
                        "n": int(n[lv]),
                        "n_exposed": self.counts_[(e, lv)],
                        "hr": np.exp(b),
                        "hr_lower": np.exp(b - q * se),
                        "hr_upper": np.exp(b + q * se),
                        "log_hr": b,
                        "se_log_hr": se,
                        "p_interaction": tests[e],
                    }
                )
        return pd.DataFrame(rows)

    def plot(self, code: str, ax=None, lang: str = "en"):
        """Forest plot of one support's subgroup hazard ratios (`subgroup_forest`)."""
        check_is_fitted(self, "model_")
        return subgroup_forest(self.summary(), code, ax, lang)


def subgroup_effects(
    cohort: pd.DataFrame,
    starts: pd.DataFrame,
    by: str,
    *,
    groups: Mapping | None = None,
    exposures=None,
    contacts=None,
    **options,
) -> pd.DataFrame:
    """`SubgroupEffects(by, ...).fit(cohort, starts, contacts).summary()`."""
    model = SubgroupEffects(by, groups=groups, exposures=exposures, **options)
    return model.fit(cohort, starts, contacts).summary()


def subgroup_forest(table: pd.DataFrame, code: str, ax=None, lang: str = "en"):
    """Hazard ratio and CI per subgroup of one support (a `subgroup_effects` table), drawn by
    the one forest plot (`workbench.plots.forest_plot`): rows "group (n)", the interaction
    test's p in the title."""
    from workbench.plots import forest_plot

    t = table[(table["code"] == code) & np.isfinite(table["hr"])].reset_index(drop=True)
    rows = pd.DataFrame(
        {
            "label": [f"{g} ({n:,})" for g, n in zip(t["group"], t["n"], strict=True)],
            "hr": t["hr"],
            "lower": t["hr_lower"],
            "upper": t["hr_upper"],
        }
    )
    p = t["p_interaction"].iloc[0] if len(t) else np.nan
    return forest_plot(rows, ax=ax, lang=lang, title=f"{code} (interaction p = {p:.3f})")
