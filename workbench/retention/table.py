"""Milestone retention tables: the right estimator for the data, per group.

Interval-censored data (relapse seen only at visits) go to the Turnbull NPMLE; data whose
relapse times are all exact go to Kaplan–Meier. Both report retention at milestone months with a
95 % confidence interval. This is what `workbench retention` prints.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np
import pandas as pd

from workbench import jsonout
from workbench.codes import DAYS_PER_MONTH, MILESTONE_MONTHS, label
from workbench.exceptions import ParameterError
from workbench.retention.km import KaplanMeier
from workbench.retention.turnbull import TurnbullFitter


def analysis_frame(data) -> pd.DataFrame:
    """One row per release (or person) with lower_day, upper_day and event, from a Dataset
    (through the cohort builder) or a SpecDataset (already in that form)."""
    from workbench.dataset import Dataset

    if isinstance(data, Dataset):
        from workbench.cohort import build_cohort

        return build_cohort(data)
    return data.frame


def is_exact(frame: pd.DataFrame) -> bool:
    """True when every seen relapse has an exact day (L == R): Kaplan–Meier applies."""
    relapse = frame["event"].eq("relapse")
    return bool(np.allclose(frame.loc[relapse, "lower_day"], frame.loc[relapse, "upper_day"]))


def fit_retention(
    frame: pd.DataFrame,
    *,
    weights: Sequence[float] | None = None,
    label_: str | None = None,
    n_bootstrap: int = 200,
    seed: int = 0,
    n_jobs: int = 1,
):
    """The retention curve for `frame`: Kaplan–Meier if relapse times are exact, else NPMLE."""
    relapse = frame["event"].eq("relapse").to_numpy()
    lower = frame["lower_day"].to_numpy(float)
    if is_exact(frame):
        time = np.where(relapse, frame["upper_day"].to_numpy(float), lower)
        return KaplanMeier().fit(time, relapse.astype(int), weights=weights, label=label_)
    upper = np.where(relapse, frame["upper_day"].to_numpy(float), np.inf)
    fitter = TurnbullFitter(n_bootstrap=n_bootstrap, seed=seed, n_jobs=n_jobs)
    return fitter.fit(lower, upper, weights=weights, label=label_)


def milestone_table(
    frame: pd.DataFrame,
    *,
    by: str | None = None,
    months: Sequence[float] = MILESTONE_MONTHS,
    n_bootstrap: int = 200,
    seed: int = 0,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Retention at each milestone per group: group, months, estimate, lower, upper, n, method."""
    if by is not None and by not in frame.columns:
        raise ParameterError(
            f"--by {by!r} is not a column of the analysis table; choose one of: "
            f"{', '.join(sorted(map(str, frame.columns)))}."
        )
    groups = [("all", frame)] if by is None else list(frame.groupby(by, sort=True, observed=True))
    rows = []
    for key, part in groups:
        fit = fit_retention(
            part, label_=str(key), n_bootstrap=n_bootstrap, seed=seed, n_jobs=n_jobs
        )
        method = (
            "Kaplan-Meier, log-log CI"
            if isinstance(fit, KaplanMeier)
            else (f"Turnbull NPMLE, percentile bootstrap ({n_bootstrap} replicates)")
        )
        table = fit.milestones(months)
        for row in table.itertuples(index=False):
            rows.append(
                {
                    "group": str(key),
                    "months": float(row.months),
                    "estimate": float(row.estimate),
                    "lower": float(row.lower),
                    "upper": float(row.upper),
                    "n": int(len(part)),
                    "method": method,
                }
            )
    return pd.DataFrame(rows)


def _months(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in str(text).split(",") if v.strip())
    except ValueError:
        raise ParameterError(
            f"--at {text!r} is not a list of months (expected e.g. 12,24,36)."
        ) from None
    if not values or any(v <= 0 or v * DAYS_PER_MONTH > 100 * 365.25 for v in values):
        raise ParameterError(f"--at {text!r}: milestones must be positive months, e.g. 12,24,36.")
    return values


def run_retention(args: argparse.Namespace) -> int:
    """`workbench retention DATA [--by COL] [--at 12,24,36] [--json]`."""
    from workbench.io import load_any

    months = _months(args.at)
    frame = analysis_frame(load_any(args.data, cutoff=args.cutoff))
    table = milestone_table(frame, by=args.by, months=months)
    if args.json:
        jsonout.emit(jsonout.records(table.drop(columns="method"), reason="not estimable"))
        return 0
    shown = table.copy()
    if args.by in {"prefecture", "facility", "primary_drug", "sex", "education"}:
        shown["group"] = [label(args.by, g, args.lang) for g in shown["group"]]
    for col in ("estimate", "lower", "upper"):
        shown[col] = shown[col].map(lambda v: f"{v:.3f}")
    print(shown.to_string(index=False))
    return 0
