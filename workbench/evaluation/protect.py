"""Disclosure control applied to a report's results, once, before they are cached or shown.

`protect(results, record_ids, k)` returns the `ReportResults` every official output is made of
(HTML, PDF, metrics.json): counts perturbed by the cell-key method keyed by the scope's record
set, proportions and curves withheld when their implied numerator or its complement is below k
and otherwise shifted by their implied count's noise, means shifted by their one-person
sensitivity (docs/disclosure.md; the rules themselves are in workbench/privacy/disclosure.py). Counts
below k stay as they are here: the renderers print them as "<k" and metrics.json as null.

The same quantity has one cell name wherever it appears (the relapse count in the summary, the
endings table and metrics.json; a prefecture's releases in the coverage and regions tables), so
one report never shows two noisy versions of one number.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from workbench.data import codes
from workbench.evaluation import trends
from workbench.evaluation.results import Counts, RestrictedMean, RiskFactors
from workbench.evaluation.target_trial import protect_trials
from workbench.privacy import disclosure as dc

_ENDING_CELL = {"relapse": "data.n_relapses", "death": "data.n_deaths"}
_COVERAGE_CELL = {"lost": "n_censored.lost", "transferred": "n_censored.transferred",
                  "died": "n_deaths", "n_releases": "n_releases"}  # fmt: skip


def protect(
    results: Any, record_ids: Iterable[object], k: int, arm_sizes: dict | None = None,
    key: bytes | None = None,
) -> Any:  # fmt: skip
    """The publishable version of `results` (a ReportResults) for threshold `k`; `arm_sizes`
    maps (arm, group) to its number of people, for a randomised cohort's arm curves; `key`:
    `disclosure.scope_key(record_ids)` when the caller has it (`record_ids` then unused)."""
    key = dc.scope_key(record_ids) if key is None else key
    n = results.counts.n_releases
    return dataclasses.replace(
        results,
        counts=_counts(results.counts, key, k),
        coverage=_coverage(results.coverage, key, k),
        milestones=_proportions(results.milestones, n, key, k, "retention"),
        curve=_curve(results.curve, n, key, k),
        median_day=results.median_day if n >= 2 * k else None,
        rmst=_rmst(results.rmst, n, key),
        tiers=_tiers(results.tiers, key, k),
        regions=_regions(results.regions, key, k),
        ranking=protect_ranking(getattr(results, "ranking", None), key, k),
        facility_regions=_regions(getattr(results, "facility_regions", None), key, k, "facility"),
        endings=_endings(results.endings, key, k),
        risk=_risk(results.risk, results.counts, key, k),
        effects=(effects := _effects(results.effects, key, k)),
        findings=_findings(results, effects, k),
        arm_curves=_arm_curves(getattr(results, "arm_curves", None), arm_sizes or {}, key, k),
        cif=_cif(results.cif, n, key, k),
        trend=trends.protect_trend(getattr(results, "trend", None), key, k),
        projection_check=trends.protect_check(getattr(results, "projection_check", None), key, k),
        model_check=trends.protect_model_check(getattr(results, "model_check", None), key, k),
        target_trials=protect_trials(getattr(results, "target_trials", None), key, k, n),
    )


def _counts(counts: Counts, key: bytes, k: int) -> Counts:
    out = {
        name: dc.protect_count(getattr(counts, name), key, f"data.{name}", k)
        for name in ("n_releases", "n_relapses", "n_deaths")
    }
    out["n_visits"] = dc.protect_count(counts.n_visits, key, "data.n_visits", k,
                                       scale=dc.VISIT_SCALE)  # fmt: skip
    out["n_censored"] = {
        r: dc.protect_count(v, key, f"data.n_censored.{r}", k)
        for r, v in (counts.n_censored or {}).items()
    }
    return Counts(**out)


def _coverage(cov: pd.DataFrame | None, key: bytes, k: int) -> pd.DataFrame | None:
    if cov is None:
        return None
    out = cov.copy()
    for i, r in cov.iterrows():
        g = str(r["prefecture"])
        where = "data" if g == "all" else f"prefecture.{g}"
        for col in ("n_releases", "lost", "transferred", "died"):
            cell = f"data.{_COVERAGE_CELL[col]}" if g == "all" else f"{where}.{col}"
            out.at[i, col] = dc.protect_count(r[col], key, cell, k)
        for col in ("visits_due", "visits_attended"):
            out.at[i, col] = dc.protect_count(r[col], key, f"{where}.{col}", k, dc.VISIT_SCALE)
        due, att = float(r["visits_due"]), float(r["visits_attended"])
        ok = r["n_releases"] >= k and dc.rate_allowed(att / due if due else np.nan, due, k)
        out.at[i, "coverage"] = _ratio(out.at[i, "visits_attended"], out.at[i, "visits_due"], ok, k)
        share_ok = dc.rate_allowed(r["lost"] / r["n_releases"], r["n_releases"], k)
        out.at[i, "lost_share"] = _ratio(out.at[i, "lost"], out.at[i, "n_releases"], share_ok, k)
    return out


def _ratio(num: object, den: object, allowed: bool, k: int) -> float:
    """A published share of two published counts, rounded; NaN when withheld (by the rate
    rule on the true counts, `allowed`, or on the published ones)."""
    if not allowed or not float(den):  # type: ignore[arg-type]
        return np.nan
    share = round(float(num) / float(den), dc.RATE_DECIMALS)  # type: ignore[arg-type]
    return share if dc.rate_allowed(share, den, k) else np.nan


def _proportions(
    table: pd.DataFrame | None, n: Any, key: bytes, k: int, name: str, group: str | None = None
) -> pd.DataFrame | None:
    """Milestone estimates with their CIs (one draw per row, shared by estimate and CI)."""
    if table is None:
        return None
    shown = dc.protect_count(n, key, "data.n_releases", k)
    out = table.copy()
    out["withheld"] = False  # True: not publishable (rate rule), shown as "fewer than k"
    for i, r in table.iterrows():
        label = f"{name}.{r[group]}.{r['months']:g}" if group else f"{name}.{r['months']:g}"
        vals = dc.shifted(r[["estimate", "lower", "upper"]], r["estimate"], n, key, label, k,
                          n_shown=shown)  # fmt: skip
        out.loc[i, ["estimate", "lower", "upper"]] = vals
        out.loc[i, "withheld"] = bool(np.isfinite(r["estimate"]) and np.isnan(vals[0]))
    return out


def _cif(cif: pd.DataFrame | None, n: Any, key: bytes, k: int) -> pd.DataFrame | None:
    return _proportions(cif, n, key, k, "cif", group="cause")


def _curve(
    curve: pd.DataFrame | None, n: Any, key: bytes, k: int, cell: str = "curve"
) -> pd.DataFrame | None:
    """The retention curve shifted by one draw d / n; points whose implied number relapsed or
    abstinent is below k are withheld (NaN), except the structural 100 % at day 0."""
    if curve is None:
        return None
    out = curve.copy()
    cols = ["estimate", "lower", "upper"]
    s = curve["estimate"].to_numpy(float)
    shift = dc.noise(key, cell) / float(n)
    ok = (n * s >= k) & (n * (1 - s) >= k) & np.isfinite(s)
    start = curve["time"].to_numpy(float) == 0
    vals = np.round(np.clip(curve[cols].to_numpy(float) + shift, 0.0, 1.0), dc.RATE_DECIMALS)
    shown = float(dc.protect_count(n, key, "data.n_releases" if cell == "curve" else cell, k))
    ok &= (shown * vals[:, 0] >= k - 1e-6) & (shown * (1 - vals[:, 0]) >= k - 1e-6)
    vals[start] = curve.loc[start, cols].to_numpy(float)
    vals[~(ok | start)] = np.nan
    out[cols] = vals
    return out


def _rmst(rmst: RestrictedMean | None, n: Any, key: bytes) -> RestrictedMean | None:
    """Restricted mean time: one person moves it by at most tau / n days."""
    if rmst is None or rmst.estimate is None:
        return rmst
    shift = dc.noise(key, "rmst") * float(rmst.tau_days) / float(n)
    moved = {
        c: None if getattr(rmst, c) is None else round(getattr(rmst, c) + shift, dc.DAYS_DECIMALS)
        for c in ("estimate", "lower", "upper")
    }
    return dataclasses.replace(rmst, **moved)


def _tiers(tiers: pd.DataFrame | None, key: bytes, k: int) -> pd.DataFrame | None:
    if tiers is None:
        return None
    out = tiers.copy().astype({"observed": object})
    for i, r in tiers.iterrows():
        y = int(r["years"])
        out.at[i, "observed"] = dc.protect_count(r["observed"], key, f"tiers.{y}.observed", k)
        proj = float(r["projected"])
        if np.isfinite(proj) and proj >= k:
            projected = max(proj + dc.noise(key, f"tiers.{y}.projected"), float(k))
            out.at[i, "projected"] = float(round(projected))  # a number of people
    return out


def _regions(
    regions: pd.DataFrame | None, key: bytes, k: int, kind: str = "prefecture"
) -> pd.DataFrame | None:
    """A prefecture's (or centre's) n (for a prefecture the same cell as in the coverage table)
    and its 12-month retention, observed and expected, as proportions of its n."""
    if regions is None:
        return None
    out = regions.copy().astype({"n": object})
    rates = [c for c in ("observed", "expected", "adjusted") if c in regions]
    for i, r in regions.iterrows():
        g, n = str(r["code"]), float(r["n"])
        out.at[i, "n"] = dc.protect_count(r["n"], key, f"{kind}.{g}.n_releases", k)
        area = "regions" if kind == "prefecture" else f"{kind}_regions"
        for col in rates:
            cell = f"{area}.{g}.{'observed' if col == 'adjusted' else col}"
            out.at[i, col] = dc.shifted([r[col]], r[col], n, key, cell, k, out.at[i, "n"])[0]
    return out


def protect_ranking(ranking: dict | None, key: bytes, k: int) -> dict | None:
    """The shrunk rankings as published: raw relapse counts dropped; n the same cell as in the
    coverage table; each region's log ratio moved by one draw times one relapse's weight on its
    shrunk estimate (d x data_weight / relapses), the ratios and retentions (through
    dS/dlog r = S log S) with it; ranks and probabilities as they are (one relapse moves them by
    less than the Monte Carlo error); the province level by d / n."""
    if ranking is None:
        return None
    out = {}
    for by, table in ranking.items():
        rows = table.copy().astype({"n": object})
        for i, r in table.iterrows():
            g, n = str(r["code"]), float(r["n"])
            rows.at[i, "n"] = dc.protect_count(n, key, f"{by}.{g}.n_releases", k)
            step = dc.noise(key, f"ranking.{by}.{g}") * r["data_weight"] / float(r["observed"])
            for col in ("ratio", "ratio_lower", "ratio_upper"):
                rows.at[i, col] = round(float(r[col]) * np.exp(step), dc.HR_DECIMALS)
            for col in ("estimate", "lower", "upper", "raw_estimate"):
                s = float(r[col])
                moved = s + s * np.log(s) * step if 0 < s < 1 else s
                rows.at[i, col] = round(float(np.clip(moved, 0.0, 1.0)), dc.RATE_DECIMALS)
        level = float(table["province"].iloc[0]) + dc.noise(key, f"ranking.{by}") / table["n"].sum()
        rows["province"] = round(level, dc.RATE_DECIMALS)
        rows["p_below"] = np.round(table["p_below"].to_numpy(float), 2)
        # the point rank follows the published estimates, so the table reads in order
        order = rows["estimate"].astype(float).rank(ascending=False, method="first")
        rows["rank"] = order.astype(int)
        out[by] = rows.drop(columns=["observed", "expected", "data_weight"]).reset_index(drop=True)
    return out


def _endings(endings: pd.DataFrame | None, key: bytes, k: int) -> pd.DataFrame | None:
    if endings is None:
        return None
    out = endings.copy().astype({"n": object})
    total = float(endings["n"].sum())
    for i, r in endings.iterrows():
        e = str(r["ending"])
        cell = _ENDING_CELL.get(e, f"data.n_censored.{e}")
        out.at[i, "n"] = dc.protect_count(r["n"], key, cell, k)
    shown_total = float(dc.protect_count(total, key, "data.n_releases", k))
    out["share"] = [
        _ratio(out.at[i, "n"], shown_total, dc.rate_allowed(r["n"] / total, total, k), k)
        for i, r in endings.iterrows()
    ]
    return out


def _risk(risk: RiskFactors | None, counts: Counts, key: bytes, k: int) -> RiskFactors | None:
    if risk is None:
        return risk
    same = {"n": ("n_releases", "data.n_releases"), "n_events": ("n_relapses", "data.n_relapses")}
    out = {}
    for field, (raw, shared) in same.items():
        value = getattr(risk, field)
        if value is None:
            continue
        cell = shared if value == getattr(counts, raw) else f"risk.{field}"
        out[field] = dc.protect_count(value, key, cell, k)
    return dataclasses.replace(risk, **out)


def _effects(effects: pd.DataFrame | None, key: bytes, k: int) -> pd.DataFrame | None:
    """n exposed perturbed; the hazard ratio and its CI moved together on the log scale by a
    draw times one person's influence (SE / sqrt(n exposed)); the RMST difference by a draw
    times horizon / n exposed."""
    if effects is None:
        return None
    out = effects.copy().astype({"n_exposed": object})
    for i, r in effects.iterrows():
        c, n = str(r["code"]), float(r["n_exposed"])
        out.at[i, "n_exposed"] = dc.protect_count(n, key, f"effects.{c}.n_exposed", k)
        if not n >= k:
            continue
        hr = r[["hr", "hr_lower", "hr_upper"]].to_numpy(float)
        if np.isfinite(hr).all() and (hr > 0).all():
            se = (np.log(hr[2]) - np.log(hr[1])) / (2 * 1.959964)
            step = dc.noise(key, f"effects.{c}.hr") * se / np.sqrt(n)
            out.loc[i, ["hr", "hr_lower", "hr_upper"]] = np.round(hr * np.exp(step), dc.HR_DECIMALS)
        days = r[["rmst_diff_days", "rmst_diff_lower", "rmst_diff_upper"]].to_numpy(float)
        horizon = float(r.get("horizon_days", codes.TRACKING_DAYS))
        shift = dc.noise(key, f"effects.{c}.rmst") * horizon / n
        out.loc[i, ["rmst_diff_days", "rmst_diff_lower", "rmst_diff_upper"]] = np.round(
            days + shift, dc.DAYS_DECIMALS
        )
    return out


def _findings(results: Any, effects: pd.DataFrame | None, k: int):
    """The plain sentences re-worded from the published (perturbed) estimates, so a sentence
    never quotes a number the table does not show; "not estimable" wordings are kept."""
    found = results.findings
    if found is None or effects is None:
        return found
    from workbench.effects.findings import findings

    fresh = findings(effects, threshold=k)
    if getattr(results, "design", "observational") == "randomised":
        from workbench.evaluation.models import trial_findings

        fresh = trial_findings(effects, fresh, results.event_label)
    fresh = fresh.set_index("code")
    out = found.copy()
    for i, r in found.iterrows():
        if r["verdict"] != "not estimable" and r["code"] in fresh.index:
            out.loc[i, ["verdict", "zh", "en"]] = fresh.loc[r["code"], ["verdict", "zh", "en"]]
    return out


def _arm_curves(curves: pd.DataFrame | None, sizes: dict, key: bytes, k: int):
    """A randomised cohort's curves, one per arm and group, each protected as the retention
    curve with its group's size (a group of unknown size is withheld)."""
    if curves is None:
        return None
    parts = []
    for (arm, group), part in curves.groupby(["arm", "group"], sort=False):
        n = sizes.get((str(arm), str(group)))
        if n is None or n < k:
            part = part.assign(estimate=np.nan, lower=np.nan, upper=np.nan)
        else:
            part = _curve(part.reset_index(drop=True), n, key, k, cell=f"arm.{arm}.{group}")
        parts.append(part)
    return pd.concat(parts, ignore_index=True)
