"""Simulation study: the fair ranking and the study-planning formula against the simulator's
truth (issue 19).

    .venv/bin/python bench/ranking_study.py oe    [--reps 1000]
    .venv/bin/python bench/ranking_study.py full  [--n 23000] [--reps 10]
    .venv/bin/python bench/ranking_study.py power [--reps 400]
    .venv/bin/python bench/ranking_study.py homogeneous [--reps 400]

`oe`: the cheap simulator of the tests (tests/programme/test_ranking.py): per replicate, each
prefecture's relapses O ~ Poisson(E0 exp(theta)) with the true log HRs of params/simulation.yaml,
E rescaled to sum O, then `workbench.programme.ranking.shrink` (the report's function). Mean
squared error of raw and shrunk log ratios (with the Monte Carlo SE of their difference), 95 %
interval coverage, and 95 % rank-interval coverage (tied true values may hold either rank; also
'strict': the true rank of a tie is its mean rank, covered only when inside the interval).

`full`: the report's estimator end to end on full simulations (`person_expected` = the Cox model
without region, then `shrink`); truth = the prefecture's log HR plus the log mean facility effect
of its people, centred as O/E is.

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

from workbench.programme.ranking import person_expected, shrink
from workbench.simulate.config import prefecture_effects

SIZES = (1500, 4600, 23000)
EVENT_SHARE = 0.55


def centred(theta: np.ndarray, expected: np.ndarray) -> np.ndarray:
    return theta - np.log((expected * np.exp(theta)).sum() / expected.sum())


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
        t = centred(theta, e0)
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


def run_full(n: int, reps: int) -> dict:
    from workbench.cohort.contract import as_cohort
    from workbench.simulate import simulate

    acc: dict[str, list] = {k: [] for k in ("raw", "shr", "inside", "len", "strict", "width")}
    start = time.perf_counter()
    for seed in range(reps):
        sim = simulate(seed=1000 + seed, n=n)
        cohort = as_cohort(sim.dataset).table
        table = person_expected(cohort).by(cohort["prefecture"])
        pref = cohort["prefecture"].astype(str)
        fac = np.exp(cohort["facility"].astype(str).map(sim.truth["facility_log_hr"]))
        mix = np.log(fac.groupby(pref).mean())[table["code"]].to_numpy()
        theta = pd.Series(sim.truth["prefecture_log_hr"])[table["code"]].to_numpy() + mix
        t = centred(theta, table["expected"].to_numpy())
        _collect(acc, shrink(table["observed"], table["expected"]).table, t)
    return {"n": n, "reps": reps, **summarise(*acc.values()),
            "seconds": round(time.perf_counter() - start, 1)}  # fmt: skip


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
    parser.add_argument("mode", choices=["oe", "full", "power", "homogeneous"])
    parser.add_argument("--reps", type=int, default=None)
    parser.add_argument("--n", type=int, default=23000)
    args = parser.parse_args()
    if args.mode == "oe":
        result = run_oe(args.reps or 1000)
    elif args.mode == "full":
        result = run_full(args.n, args.reps or 10)
    else:
        result = run_power(args.reps or 400, homogeneous=args.mode == "homogeneous")
    from workbench import jsonout

    print(json.dumps(jsonout.plain(result), indent=2))


if __name__ == "__main__":
    main()
