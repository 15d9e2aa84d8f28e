"""The cost of disclosure control on a report (docs/disclosure.md, "Cost"): how many published
numbers change, and by how much.

Runs the report's analysis once, keeps the raw results and the protected ones (the only ones
any output is made of), and compares them number by number: metrics.json's leaves and every
number of the report's tables (coverage, retention, curve, tiers, regions, endings, effects,
competing risks).

    python bench/disclosure_cost.py params/province.yaml [--n-bootstrap 20] [--json OUT]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from typing import Any

import numpy as np
import pandas as pd

from workbench.evaluation import analysis, contract
from workbench.params.report import ReportParams
from workbench.reporting.metrics import build_metrics

FRAMES = {  # table: (kind, columns) as the report shows them
    "coverage": ("count", ["n_releases", "visits_due", "visits_attended", "lost", "transferred",
                           "died"]),
    "coverage_rates": ("rate", ["coverage", "lost_share"]),
    "milestones": ("rate", ["estimate", "lower", "upper"]),
    "curve": ("rate", ["estimate", "lower", "upper"]),
    "tiers": ("count", ["observed", "projected"]),
    "regions": ("count", ["n"]),
    "regions_rates": ("rate", ["observed", "expected", "adjusted"]),
    "endings": ("count", ["n"]),
    "endings_rates": ("rate", ["share"]),
    "effects": ("count", ["n_exposed"]),
    "effects_hr": ("hr", ["hr", "hr_lower", "hr_upper"]),
    "effects_days": ("days", ["rmst_diff_days", "rmst_diff_lower", "rmst_diff_upper"]),
    "cif": ("rate", ["estimate", "lower", "upper"]),
}  # fmt: skip


def raw_and_protected(params: ReportParams) -> tuple[Any, Any]:
    seen: dict[str, Any] = {}
    real = contract.protect

    def spy(results, ids, k):
        seen["raw"] = results
        return real(results, ids, k)

    contract.protect = spy
    try:
        protected = analysis._compute(params)
    finally:
        contract.protect = real
    return seen["raw"], protected


def _values(results: Any, table: str, cols: list[str]) -> np.ndarray:
    frame = getattr(results, table.split("_")[0])
    if frame is None:
        return np.array([])
    return pd.DataFrame(frame)[cols].apply(pd.to_numeric, errors="coerce").to_numpy(float).ravel()


def compare_tables(raw: Any, prot: Any) -> dict[str, dict[str, float]]:
    out = {}
    for table, (kind, cols) in FRAMES.items():
        a, b = _values(raw, table, cols), _values(prot, table, cols)
        out[table] = _summary(a, b, kind)
    counts = ["n_releases", "n_visits", "n_relapses", "n_deaths"]
    a = np.array(
        [getattr(raw.counts, c) or np.nan for c in counts] + list(raw.counts.n_censored.values()),
        float,
    )
    b = np.array(
        [getattr(prot.counts, c) or np.nan for c in counts] + list(prot.counts.n_censored.values()),
        float,
    )
    out["data_counts"] = _summary(a, b, "count")
    return out


def _summary(a: np.ndarray, b: np.ndarray, kind: str) -> dict[str, float]:
    shown = np.isfinite(a)
    withheld = shown & ~np.isfinite(b)
    both = shown & np.isfinite(b)
    diff = np.abs(b[both] - a[both])
    rel = diff / np.where(np.abs(a[both]) > 0, np.abs(a[both]), np.nan)
    scale = 100.0 if kind == "rate" else 1.0  # rates in percentage points
    return {
        "kind": kind,
        "numbers": int(shown.sum()),
        "changed": int((diff > 1e-12).sum()),
        "withheld": int(withheld.sum()),
        "max_abs": float(diff.max() * scale) if diff.size else 0.0,
        "mean_abs": float(diff.mean() * scale) if diff.size else 0.0,
        "max_rel_pct": float(np.nanmax(rel) * 100) if np.isfinite(rel).any() else 0.0,
    }


def compare_metrics(raw: Any, prot: Any, params: ReportParams) -> dict[str, int]:
    a = _leaves(build_metrics(raw, params, 0, {}))
    b = _leaves(build_metrics(prot, params, 0, {}))
    keys = [k for k in a if not k.startswith(("$.provenance", "$.notes", "$.scope"))]
    num = [k for k in keys if isinstance(a[k], int | float) and not isinstance(a[k], bool)]
    return {
        "numbers": len(num),
        "changed": sum(1 for k in num if b.get(k) != a[k] and b.get(k) is not None),
        "withheld": sum(1 for k in num if b.get(k) is None),
    }


def _leaves(value: Any, path: str = "$") -> dict[str, Any]:
    if isinstance(value, dict):
        return {k: v for key, x in value.items() for k, v in _leaves(x, f"{path}.{key}").items()}
    if isinstance(value, list):
        return {k: v for i, x in enumerate(value) for k, v in _leaves(x, f"{path}[{i}]").items()}
    return {path: value}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("params")
    ap.add_argument("--data", help="another data folder than the parameter file's")
    ap.add_argument("--n-bootstrap", type=int, default=None)
    ap.add_argument("--json", help="write the comparison here")
    args = ap.parse_args()
    params = ReportParams.from_yaml(args.params)
    changes = {k: v for k, v in (("data", args.data), ("n_bootstrap", args.n_bootstrap)) if v}
    params = dataclasses.replace(params, **changes)
    raw, prot = raw_and_protected(params)
    report = {"tables": compare_tables(raw, prot), "metrics": compare_metrics(raw, prot, params)}
    text = json.dumps(report, indent=1)
    print(text)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")


if __name__ == "__main__":
    main()
