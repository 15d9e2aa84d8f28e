"""Simulation study: the fair ranking and the study-planning formula against the simulator's
truth (issue 19).

    .venv/bin/python bench/ranking_study.py oe    [--reps 1000]
    .venv/bin/python bench/ranking_study.py full  [--n 23000] [--reps 10] [--start 0]
                                                  [--estimator ic|visit-cox] [--rows FILE]
    .venv/bin/python bench/ranking_study.py summary FILE ...
    .venv/bin/python bench/ranking_study.py backtest [--reps 100]
    .venv/bin/python bench/ranking_study.py power [--reps 400]
    .venv/bin/python bench/ranking_study.py homogeneous [--reps 400]

`oe`: the cheap simulator of the tests (tests/programme/test_ranking.py): per replicate, each
prefecture's relapses O ~ Poisson(E0 exp(theta)) with the true log HRs of params/simulation.yaml,
E rescaled to sum O, then `workbench.programme.ranking.shrink` (the report's function). Mean
squared error of raw and shrunk log ratios (with the Monte Carlo SE of their difference), 95 %
interval coverage, and 95 % rank-interval coverage (tied true values may hold either rank; also
'strict': the true rank of a tie is its mean rank, covered only when inside the interval).

`full`: the report's estimator end to end on full simulations (`region_effects` = the
interval-censored PH model with prefecture, then `shrink_effects`; `--estimator visit-cox`: the
first version, O/E from a Cox model without region on visit-dated times, then `shrink`); truth =
the prefecture's log HR plus the log mean facility effect of its people, centred with the
estimator's own province weights. Also the slope of the mean raw estimate on the truth (1 = no
attenuation). `--rows` keeps every region-replicate; `summary` pools such files (a long study
in chunks of under ~3 CPU minutes).

`backtest`: `workbench.programme.backtest.backtest` on the default cohort (bootstrap replicates
= --reps): the 1/2/3-year tier projections from two years before the cut-off against what
happened, with the interval with and without the leaving-tracking curve's uncertainty.

`power`: `workbench.studies.power` formula against simulated studies at the formula's size, for a
few designs (exact dates and 6-monthly visits); `homogeneous`: the same where everyone shares one
relapse hazard apart from the support (what the formula assumes).

Prints one JSON document (the numbers in bench/README.md come from it).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import pandas as pd

from workbench.programme.ranking import centred, region_effects, shrink, shrink_effects
from workbench.simulate.config import prefecture_effects

SIZES = (1500, 4600, 23000)
EVENT_SHARE = 0.55


def rank_checks(fit: pd.DataFrame, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lo = np.array([1 + np.sum(t < x - 1e-12) for x in t])
    hi = np.array([np.sum(t <= x + 1e-12) for x in t])
    mid = (lo + hi) / 2
    lenient = (fit["rank_lower"] <= hi) & (fit["rank_upper"] >= lo)
    strict = (fit["rank_lower"] <= mid) & (fit["rank_upper"] >= mid)
    return lenient.to_numpy(), strict.to_numpy()


def summarise(raw: list, shr: list, inside: list, lenient: list, strict: list, width: list) -> dict:
    raw, shr = np.array(raw), np.array(shr)
    diff = raw - shr
    return {
        "mse_raw": float(raw.mean()),
        "mse_shrunk": float(shr.mean()),
        "gain_share": float(diff.mean() / raw.mean()),
        "gain_mc_se_share": float(diff.std(ddof=1) / np.sqrt(len(diff)) / raw.mean()),
        "interval_coverage": float(np.mean(inside)),
        "rank_coverage": float(np.mean(lenient)),
        "rank_coverage_strict": float(np.mean(strict)),
        "mean_rank_interval_width": float(np.mean(width)),
    }


def run_oe(reps: int) -> dict:
    _, theta, weight = prefecture_effects()
    out = {}
    for n in SIZES:
        e0 = weight / weight.sum() * n * EVENT_SHARE
        t = centred(theta, e0 / e0.sum())
        rng = np.random.default_rng(n)
        acc: dict[str, list] = {k: [] for k in ("raw", "shr", "inside", "len", "strict", "width")}
        start = time.perf_counter()
        for i in range(reps):
            o = rng.poisson(e0 * np.exp(theta)).astype(float)
            fit = shrink(o, e0 * o.sum() / e0.sum(), seed=i).table
            _collect(acc, fit, t)
        out[str(n)] = summarise(*acc.values()) | {"seconds": round(time.perf_counter() - start, 1)}
    return {"reps": reps, "sizes": out}


def _collect(acc: dict, fit: pd.DataFrame, t: np.ndarray) -> None:
    acc["raw"].append(np.mean((fit["raw"] - t) ** 2))
    acc["shr"].append(np.mean((fit["estimate"] - t) ** 2))
    acc["inside"].append(((fit["lower"] <= t) & (fit["upper"] >= t)).to_numpy())
    lenient, strict = rank_checks(fit, t)
    acc["len"].append(lenient)
    acc["strict"].append(strict)
    acc["width"].append((fit["rank_upper"] - fit["rank_lower"] + 1).mean())


def run_full(
    n: int, reps: int, start: int = 0, estimator: str = "ic", rows: str | None = None
) -> dict:
    """The report's estimator (`estimator` "ic": interval-censored PH model with region, then
    `shrink_effects`) or the first version ("visit-cox": O/E from a Cox model without region on
    visit-dated times, then `shrink`) on full simulations with seeds 1000 + start ... ."""
    from workbench.cohort.contract import as_cohort
    from workbench.simulate import simulate

    acc: dict[str, list] = {k: [] for k in ("raw", "shr", "inside", "len", "strict", "width")}
    found = []
    clock = time.process_time()
    for seed in range(start, start + reps):
        sim = simulate(seed=1000 + seed, n=n)
        cohort = as_cohort(sim.dataset).table
        if estimator == "ic":
            fx = region_effects(cohort, "prefecture")
            codes, weights = fx.codes, fx.weights
            fit = shrink_effects(fx.log_hr, fx.cov, fx.observed).table
        else:
            table = visit_cox_expected(cohort)
            codes, weights = list(table["code"]), table["expected"].to_numpy()
            fit = shrink(table["observed"], table["expected"]).table
        t = centred(truth_effects(sim, cohort, codes), weights / weights.sum())
        _collect(acc, fit, t)
        found.append(fit.assign(seed=seed, code=codes, truth=t))
    out = pd.concat(found)
    if rows:
        out.to_csv(rows, index=False)
    return {"n": n, "reps": reps, "start": start, "estimator": estimator,
            **summarise(*acc.values()), **bias(out),
            "cpu_seconds": round(time.process_time() - clock, 1)}  # fmt: skip


def truth_effects(sim, cohort: pd.DataFrame, codes: list[str]) -> np.ndarray:
    """Each prefecture's true log HR plus the log mean facility HR of its people."""
    pref = cohort["prefecture"].astype(str)
    fac = np.exp(cohort["facility"].astype(str).map(sim.truth["facility_log_hr"]))
    mix = np.log(fac.groupby(pref).mean())[codes].to_numpy()
    return pd.Series(sim.truth["prefecture_log_hr"])[codes].to_numpy() + mix


def bias(rows: pd.DataFrame) -> dict:
    """Slope of the mean raw estimate on the truth over prefectures (1: no attenuation), the
    largest |mean raw - truth| and the mean ratio of the raw estimates' SD to their stated SE."""
    by = rows.groupby("code").agg(t=("truth", "mean"), raw=("raw", "mean"),
                                  sd=("raw", "std"), se=("se", "mean"))  # fmt: skip
    return {
        "slope_raw_on_truth": float(np.polyfit(by["t"], by["raw"], 1)[0]),
        "max_abs_bias_raw": float((by["raw"] - by["t"]).abs().max()),
        "sd_over_se_raw": float((by["sd"] / by["se"]).mean())
        if rows["seed"].nunique() > 1
        else None,
    }


def run_summary(files: list[str]) -> dict:
    """The `full` summaries of several --rows files together (chunks of one study)."""
    rows = pd.concat([pd.read_csv(f) for f in files])
    acc: dict[str, list] = {k: [] for k in ("raw", "shr", "inside", "len", "strict", "width")}
    for _, fit in rows.groupby("seed"):
        _collect(acc, fit.reset_index(drop=True), fit["truth"].to_numpy())
    return {"reps": int(rows["seed"].nunique()), **summarise(*acc.values()), **bias(rows)}


def visit_cox_expected(cohort: pd.DataFrame) -> pd.DataFrame:
    """The first version's O and E per prefecture (kept here to measure it): a Cox model on the
    baseline characteristics without region, relapse at the midpoint of (L, R], censoring at L;
    E_i the cumulative hazard at the person's own time, rescaled so that sum E = sum O."""
    from lifelines import CoxPHFitter

    from workbench.cohort import PERSON_COVARIATES

    present = [c for c in PERSON_COVARIATES if c in cohort.columns]
    design = pd.get_dummies(cohort[present], drop_first=True, dtype=float)
    design = design.loc[:, design.std() > 0]
    relapse = cohort["event"].eq("relapse").to_numpy()
    lower = cohort["lower_day"].to_numpy(float)
    upper = np.nan_to_num(cohort["upper_day"].to_numpy(float), nan=0.0)
    when = np.maximum(np.where(relapse, (lower + upper) / 2, lower), 0.5)
    fitter = CoxPHFitter(penalizer=1e-4).fit(
        design.assign(_time=when, _event=relapse.astype(int)), "_time", "_event"
    )
    base = fitter.baseline_cumulative_hazard_
    steps, values = base.index.to_numpy(float), base.iloc[:, 0].to_numpy(float)
    i = np.searchsorted(steps, when, side="right") - 1
    expected = np.where(i >= 0, values[np.clip(i, 0, None)], 0.0)
    expected = expected * fitter.predict_partial_hazard(design).to_numpy(float)
    expected *= relapse.sum() / expected.sum()
    frame = pd.DataFrame({"code": cohort["prefecture"].astype(str), "o": relapse, "e": expected})
    return frame.groupby("code").agg(observed=("o", "sum"), expected=("e", "sum")).reset_index()


def run_backtest(reps: int) -> dict:
    from workbench.cohort.contract import as_cohort
    from workbench.programme import backtest as bt
    from workbench.retention.turnbull import TurnbullFitter
    from workbench.simulate import simulate

    clock = time.process_time()
    sim = simulate()
    check = bt.backtest(sim.dataset, n_bootstrap=reps)
    early = as_cohort(bt.cut_records(sim.dataset, check.cutoff_then)).table
    relapse = early["event"].astype(str).eq("relapse").to_numpy()
    upper = np.where(relapse, early["upper_day"].to_numpy(float), np.nan)
    fit = TurnbullFitter(n_bootstrap=reps).fit(early["lower_day"].to_numpy(float), upper)
    rows = []
    for r in check.tiers.itertuples():
        without = bt.projection(early, fit, int(r.years))  # the interval before (no G spread)
        rows.append({**r._asdict(), "lower_without_g": without["lower"],
                     "upper_without_g": without["upper"]})  # fmt: skip
    return {"reps": reps, "tiers": rows, "retention": check.retention.to_dict("records"),
            "cpu_seconds": round(time.process_time() - clock, 1)}  # fmt: skip


def designs():
    from workbench.studies import power as pw

    return [
        pw.StudyDesign(uptake=0.5, hr=0.7, accrual_years=1, follow_up_years=1),
        pw.StudyDesign(uptake=0.3, hr=0.8, accrual_years=2, follow_up_years=1),
        pw.StudyDesign(
            uptake=0.3,
            hr=None,
            risk_difference=0.05,
            accrual_years=2,
            follow_up_years=2,
            loss_per_year=0.1,
        ),
    ]


def run_power(reps: int, homogeneous: bool) -> dict:
    """Each design's plan with simulation in the simulator's population (exact dates and
    visits); with `homogeneous`, the formula and exact-date power where everyone shares one
    relapse hazard apart from the support (the formula's own assumption)."""
    from workbench.studies import power as pw

    if homogeneous:
        return {"reps": reps, "homogeneous": [_homogeneous(d, reps) for d in designs()[:2]]}
    out = []
    for design in designs():
        start = time.perf_counter()
        found = pw.plan(design, powers=(0.8, 0.9), replicates=reps, seed=7)
        out.append(found | {"seconds": round(time.perf_counter() - start, 1)})
    return {"reps": reps, "designs": out}


def _homogeneous(design, reps: int) -> dict:
    from workbench.studies import power as pw

    start = time.perf_counter()
    population = pw.homogeneous()
    base = pw.baseline_curve(pw.horizon_days(design), population=population)
    found = pw.formula(design, base=base)
    rows = []
    for target, n in found.releases.items():
        sim = pw.simulate_power(design, n, reps, found.hr, seed=7, visits=False,
                                population=population)  # fmt: skip
        rows.append({"power": target, "releases": n, "simulated_power_exact": sim.exact,
                     "se": sim.exact_se, "events_expected": n * found.event_probability,
                     "events_simulated": sim.events})  # fmt: skip
    return {"hr": found.hr, "uptake": design.uptake, "rows": rows,
            "seconds": round(time.perf_counter() - start, 1)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "mode", choices=["oe", "full", "summary", "backtest", "power", "homogeneous"]
    )
    parser.add_argument("files", nargs="*", help="summary: the --rows files of `full` runs")
    parser.add_argument("--reps", type=int, default=None)
    parser.add_argument("--n", type=int, default=23000)
    parser.add_argument("--start", type=int, default=0, help="full: first seed (1000 + start)")
    parser.add_argument("--estimator", choices=["ic", "visit-cox"], default="ic")
    parser.add_argument("--rows", default=None, help="full: write each region-replicate here")
    args = parser.parse_args()
    if args.mode == "oe":
        result = run_oe(args.reps or 1000)
    elif args.mode == "full":
        result = run_full(args.n, args.reps or 10, args.start, args.estimator, args.rows)
    elif args.mode == "summary":
        result = run_summary(args.files)
    elif args.mode == "backtest":
        result = run_backtest(args.reps or 100)
    else:
        result = run_power(args.reps or 400, homogeneous=args.mode == "homogeneous")
    from workbench import jsonout

    print(json.dumps(jsonout.plain(result), indent=2))


if __name__ == "__main__":
    main()
