"""Small-sample study of the effects estimators at prefecture sizes (issue 20 item 4).

    .venv/bin/python bench/small_sample.py [--sizes 1000,2000,3000] [--reps 200] [--jobs 2]
                                           [--seed 2026] [--out DIR] [--time-one]

Each replicate simulates a cohort (default `params/simulation.yaml`, `--seed` spawns one seed
per replicate and size), then fits

* the primary time-varying piecewise-exponential PH model (`TimeVaryingEffects`, all six
  supports, model-based sandwich CI: the bootstrap would cost 200 fits per replicate), and
* per support the landmark (day 180) design: who is exposed at the landmark, how many relapses
  follow in each arm, the max |SMD| after overlap weights and after stabilised, truncated ATE
  weights (propensity model only), and for the null support `precise_support` the full
  comparison (`WeightedEffect`, overlap weights, no bootstrap: the robust Wald CI of the
  weighted piecewise-exponential model). The full comparison of the other supports has no
  known truth and would cost ~5x the replicate (their weighted curves), so it is left out.

It records per support: the estimate, its CI and whether the CI covers the simulator's true
log-HR (for the landmark comparison only the null support `precise_support` has a known
truth, HR 1: the others estimate a marginal HR among the still-abstinent, see
`effects/landmark.py`), the number exposed and the number of relapses seen among the exposed
(primary: relapse intervals ending after the exposure counts, i.e. after the first
relapse-free contact on or after the start; landmark: relapses after day 180 in the exposed
arm). Appends each finished replicate to `replicates.csv` (so a run cut short still leaves its
replicates; `--summarise` only prints the tables of an existing file) and prints the summary
tables (markdown) used in bench/README.md. `--time-one` times one replicate per size and exits.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workbench.exceptions import EstimationError, StatisticalWarning  # noqa: E402

NULL = "precise_support"


def _primary_rows(sim, cohort, starts, contacts) -> list[dict]:
    from workbench.effects.primary import TimeVaryingEffects, lagged_starts

    est = TimeVaryingEffects(n_bootstrap=0).fit(cohort, starts, contacts)
    sm = est.summary().set_index("code")
    lagged = lagged_starts("contact", starts, contacts)
    lagged = lagged.reindex(cohort["release_id"].to_numpy())
    upper = cohort["upper_day"].to_numpy(float)
    rows = []
    for code in sm.index:
        s = lagged[code].to_numpy(float)
        truth = float(np.log(sim.truth["hazard_ratios"][code]))
        lo = float(np.log(sm.loc[code, "hr_lower_model"]))
        hi = float(np.log(sm.loc[code, "hr_upper_model"]))
        rows.append(
            {
                "estimator": "primary",
                "code": code,
                "n_exposed": int(sm.loc[code, "n_exposed"]),
                "n_events_exposed": int(np.sum(np.isfinite(upper) & (s < upper))),
                "true_log_hr": truth,
                "log_hr": float(np.log(sm.loc[code, "hr"])),
                "se": float(sm.loc[code, "se_log_hr"]),
                "lower": lo,
                "upper": hi,
                "covered": bool(lo <= truth <= hi),
            }
        )
    return rows


def _max_smd(X, a, estimand) -> float:
    from workbench.effects.propensity import PropensityWeights, max_abs_smd

    return max_abs_smd(PropensityWeights(estimand, "logistic").fit(X, a, warn=False).balance())


def _landmark_row(sim, cohort, starts, contacts, code) -> dict:
    from workbench.effects.design import category_levels, encode
    from workbench.effects.landmark import WeightedEffect

    we = WeightedEffect(code, estimand="overlap", n_bootstrap=0)
    row = {"estimator": "landmark", "code": code}
    frame, a, _ = we._table(cohort, starts, contacts)
    relapsed = np.isfinite(frame["upper_day"].to_numpy(float))
    exposed = a.astype(bool)
    row.update(
        n_exposed=int(exposed.sum()),
        n_events_exposed=int(np.sum(relapsed & exposed)),
        n_events_unexposed=int(np.sum(relapsed & ~exposed)),
    )
    if min(exposed.sum(), (~exposed).sum()) < 10:
        return row
    conf = we._confounders(frame)
    X = encode(frame, conf, levels=category_levels(frame, conf))
    row.update(max_smd=_max_smd(X, a, "overlap"), max_smd_ate=_max_smd(X, a, "ATE"))
    if code != NULL:
        return row
    try:
        r = we.fit(cohort, starts, contacts).result_
    except EstimationError as exc:
        return {**row, "error": str(exc)}
    if not r.estimable:  # withheld by the small-sample rule (a NotEstimable result)
        return {**row, "error": we.withheld_}
    lo, hi = (float(np.log(v)) for v in r.hr_ci_model)
    row.update(
        true_log_hr=0.0,
        log_hr=float(np.log(r.hazard_ratio)),
        se=(hi - lo) / (2 * 1.959963984540054),
        lower=lo,
        upper=hi,
        covered=bool(lo <= 0.0 <= hi),
        risk_diff=r.risk_difference,
        rmst_diff=r.rmst_difference,
    )
    return row


def replicate(rep: int, seed: int, n: int) -> pd.DataFrame:
    from workbench.cohort import build_cohort, exposure_starts
    from workbench.effects.exposure import relapse_free_contacts
    from workbench.simulate import NO_FEEDBACK, simulate

    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        sim = simulate(NO_FEEDBACK, seed=seed, n=n)  # the HRs are the estimand
        ds = sim.dataset
        cohort, starts = build_cohort(ds), exposure_starts(ds)
        contacts = relapse_free_contacts(ds)
        rows = _primary_rows(sim, cohort, starts, contacts)
        rows += [_landmark_row(sim, cohort, starts, contacts, c) for c in starts.columns]
    out = pd.DataFrame(rows).assign(n=n, rep=rep, seed=seed)
    out["seconds"] = time.perf_counter() - t
    return out


def _seeds(seed: int, n: int, reps: int) -> list[int]:
    children = np.random.SeedSequence([seed, n]).spawn(reps)
    return [int(c.generate_state(1)[0]) for c in children]


def run(sizes, reps, seed, jobs, path: Path) -> pd.DataFrame:
    """Replicates in parallel, each appended to `path` as it finishes (skips those in it)."""
    done = set()
    if path.exists():
        old = pd.read_csv(path)
        done = set(zip(old["n"], old["rep"], strict=True))
    seeds = {n: _seeds(seed, n, reps) for n in sizes}
    tasks = [  # sizes interleaved: a run cut short has replicates of every size
        (r, seeds[n][r], n) for r in range(reps) for n in sizes if (n, r) not in done
    ]
    parts = Parallel(n_jobs=jobs, return_as="generator_unordered")(
        delayed(replicate)(*t) for t in tasks
    )
    for k, part in enumerate(parts, 1):
        part.to_csv(path, mode="a", header=not path.exists(), index=False)
        if k % 20 == 0:
            print(f"{k} of {len(tasks)} replicates", file=sys.stderr, flush=True)
    return pd.read_csv(path)


def _mc(x) -> str:
    x = pd.Series(x, dtype=float).dropna()
    if x.size < 2:
        return "–"
    return f"{x.mean():+.3f} ({x.std() / np.sqrt(x.size):.3f})"


def _cov(c) -> str:
    c = pd.Series(c, dtype=float).dropna()
    if c.empty:
        return "–"
    p = c.mean()
    return f"{p:.3f} ({np.sqrt(p * (1 - p) / c.size):.3f})"


def summary_primary(table: pd.DataFrame) -> pd.DataFrame:
    """Per size and support: bias (MC SE), empirical SD, mean SE, coverage (MC SE), and how
    often the support had < 10 exposed or < 10 / < 20 relapses among the exposed."""
    rows = []
    for (n, code), d in table[table["estimator"] == "primary"].groupby(["n", "code"]):
        ok = d["log_hr"].notna()
        rows.append(
            {
                "n": n,
                "support": code,
                "true HR": f"{np.exp(d['true_log_hr'].iloc[0]):.2f}",
                "reps": int(ok.sum()),
                "median exposed": int(d["n_exposed"].median()),
                "median exposed relapses": int(d["n_events_exposed"].median()),
                "bias log-HR (MC SE)": _mc(d["log_hr"] - d["true_log_hr"]),
                "empirical SD": f"{d['log_hr'].std():.3f}",
                "mean SE": f"{d['se'].mean():.3f}",
                "coverage (MC SE)": _cov(d.loc[ok, "covered"]),
                "< 10 exposed": f"{np.mean(d['n_exposed'] < 10):.3f}",
                "< 10 exposed relapses": f"{np.mean(d['n_events_exposed'] < 10):.3f}",
                "< 20 exposed relapses": f"{np.mean(d['n_events_exposed'] < 20):.3f}",
            }
        )
    return pd.DataFrame(rows)


def summary_landmark(table: pd.DataFrame) -> pd.DataFrame:
    """Per size and support: exposed at the landmark, relapses among them, how often < 10
    exposed (not fitted) or < 20 exposed relapses, max |SMD| after overlap and after ATE
    weights (share of replicates >= 0.1), and for the null support bias and coverage."""
    rows = []
    for (n, code), d in table[table["estimator"] == "landmark"].groupby(["n", "code"]):
        fitted = d["max_smd"].notna()  # >= 10 people in each arm
        null = code == NULL
        rows.append(
            {
                "n": n,
                "support": code,
                "median exposed": int(d["n_exposed"].median()),
                "median exposed relapses": int(d["n_events_exposed"].median()),
                "< 10 in an arm": f"{np.mean(~fitted):.3f}",
                "< 10 exposed relapses": f"{np.mean(d['n_events_exposed'] < 10):.3f}",
                "< 20 exposed relapses": f"{np.mean(d['n_events_exposed'] < 20):.3f}",
                "max abs SMD overlap": f"{d['max_smd'].max():.0e}",
                "ATE: max abs SMD >= 0.1": f"{np.mean(d.loc[fitted, 'max_smd_ate'] >= 0.1):.3f}",
                "bias log-HR (MC SE)": _mc(d["log_hr"] - d["true_log_hr"]) if null else "–",
                "empirical SD": f"{d['log_hr'].std():.3f}" if null else "–",
                "coverage (MC SE)": _cov(d.loc[d["log_hr"].notna(), "covered"]) if null else "–",
            }
        )
    return pd.DataFrame(rows)


def by_events(table: pd.DataFrame) -> pd.DataFrame:
    """Primary estimator, all sizes and supports pooled: bias and coverage by the number of
    relapses among the exposed (where a minimum-size rule would cut)."""
    d = table[(table["estimator"] == "primary") & table["log_hr"].notna()].copy()
    bins = [0, 10, 20, 40, 80, np.inf]
    d["exposed relapses"] = pd.cut(d["n_events_exposed"], bins, right=False)
    rows = []
    for b, g in d.groupby("exposed relapses", observed=True):
        rows.append(
            {
                "exposed relapses": str(b),
                "estimates": len(g),
                "bias log-HR (MC SE)": _mc(g["log_hr"] - g["true_log_hr"]),
                "empirical SD": f"{(g['log_hr'] - g['true_log_hr']).std():.3f}",
                "mean SE": f"{g['se'].mean():.3f}",
                "coverage (MC SE)": _cov(g["covered"]),
            }
        )
    return pd.DataFrame(rows)


def markdown(frame: pd.DataFrame) -> str:
    """A pipe table (no tabulate dependency); numbers right-aligned."""
    cols = [str(c) for c in frame.columns]
    align = ["---:" if pd.api.types.is_numeric_dtype(frame[c]) else "---" for c in frame.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.to_numpy()]
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="1000,2000,3000")
    p.add_argument("--reps", type=int, default=200)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--out", default=str(ROOT / "bench" / "out"))
    p.add_argument("--time-one", action="store_true")
    p.add_argument("--summarise", action="store_true")
    a = p.parse_args(argv)
    sizes = [int(s) for s in a.sizes.split(",")]
    if a.time_one:
        for n in sizes:
            t = time.perf_counter()
            replicate(0, _seeds(a.seed, n, 1)[0], n)
            print(f"n={n}: one replicate {time.perf_counter() - t:.1f} s")
        return 0
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "replicates.csv"
    t = time.perf_counter()
    table = pd.read_csv(path) if a.summarise else run(sizes, a.reps, a.seed, a.jobs, path)
    print(f"wall {time.perf_counter() - t:.0f} s; replicates per size:", end=" ")
    print(table.groupby("n")["rep"].nunique().to_dict(), end="; ")
    print(f"mean seconds per replicate {table.groupby(['n', 'rep'])['seconds'].first().mean():.1f}")
    for f in (summary_primary, summary_landmark, by_events):
        print(markdown(f(table)), end="\n\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
