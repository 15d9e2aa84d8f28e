"""CPU seconds and peak memory of the report's serial analyses, one section per process, for one
or more source trees side by side (issue 23: the 2.3 M report's sections made cheaper).

Each child loads the dataset (a folder written by bench/scale.py), builds the cohort and the
retention fit as `analyse_cohort` does (n_bootstrap 0, n_jobs 1: the report's setting at 230 k
and 2.3 M), then computes ONE section with the functions `analyse_cohort` calls, and reports its
CPU seconds (process + children), wall seconds and the section's peak memory above the memory
held before it (VmHWM after resetting it, minus VmRSS; Linux). The facilities are timed after
the regions (untimed), as the report computes them. With several trees the rounds
alternate the trees per section, and `--check` compares every number of each section's result
with the first tree's (largest absolute difference).

    .venv/bin/python bench/sections.py --data /work/cache/ttscale/scale/n230000 \\
        --trees /tmp/before,/tmp/after --check --out /tmp/sections.json

BLAS runs on one thread (`--blas-threads`): CPU seconds of a threaded BLAS on a busy machine
count its threads' spinning.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SECTIONS = (
    "regions",
    "ranking",
    "facilities",
    "risk",
    "effects",
    "competing",
    "trend",
    "projection_check",
    "model_check",
)

# sections the report computes first in the same process (the facilities reuse the regions'
# expected retention: workbench.programme.regions.predicted_retention)
BEFORE = {"facilities": ("regions",)}


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _status_mb(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1]) / 1024
    return float("nan")


def _section(name: str, cohort, fit, params):
    from workbench.evaluation import contract, models, trends

    table = cohort.table
    calls = {
        "regions": lambda: contract._regions(table, fit, params),
        "ranking": lambda: contract.ranking_tables(table, params),
        "facilities": lambda: contract.facility_comparison(table, fit, params),
        "risk": lambda: models.risk_factors(cohort),
        "effects": lambda: models.support_effects(cohort, params, None),
        "competing": lambda: models.competing_risks(
            cohort, params.milestones, n_bootstrap=0, seed=params.seed
        ),
        "trend": lambda: trends.trend_results(cohort, params),
        "projection_check": lambda: trends.projection_check(cohort, params),
        "model_check": lambda: trends.model_check(cohort, params),
    }
    return calls[name]


def child(name: str, data: str, result: str | None) -> dict:
    """One section in this process (module doc); its numbers pickled to `result`."""
    import gc
    import warnings

    from workbench.cohort.contract import as_cohort
    from workbench.evaluation.analysis import load_data
    from workbench.evaluation.retention import fit_retention
    from workbench.params.report import ReportParams
    from workbench.retention import summary as rs

    warnings.simplefilter("ignore")
    params = ReportParams(data=data, name="sections", n_bootstrap=0, n_jobs=1)
    cohort = as_cohort(load_data(params))
    fit = fit_retention(cohort.table, params, cohort.exact, cohort.entry, rs.unit_days(cohort))
    for first in BEFORE.get(name, ()):  # what the report computes before it, untimed
        _section(first, cohort, fit, params)()
    call = _section(name, cohort, fit, params)
    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM from here
    before = _status_mb("VmRSS")
    cpu, wall = _cpu(), time.perf_counter()
    out = call()
    row = {"cpu_s": _cpu() - cpu, "wall_s": time.perf_counter() - wall}
    row["peak_mb"] = _status_mb("VmHWM") - before
    if result:
        with open(result, "wb") as f:
            pickle.dump(_numbers(out), f)
    return row


def _numbers(x, path: str = "") -> dict:
    """Every number in a section's result by its path (frames, dataclasses, dicts, lists)."""
    import pandas as pd

    if isinstance(x, pd.DataFrame):
        return {k: v for c in x.columns for k, v in _numbers(x[c], f"{path}.{c}").items()}
    if isinstance(x, pd.Series):
        values = x.to_numpy()
        return {path: values.astype(float)} if values.dtype.kind in "fiub" else {}
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        x = {f.name: getattr(x, f.name) for f in dataclasses.fields(x)}
    if isinstance(x, dict):
        return {k: v for key, val in x.items() for k, v in _numbers(val, f"{path}.{key}").items()}
    if isinstance(x, list | tuple):
        return {k: v for i, val in enumerate(x) for k, v in _numbers(val, f"{path}[{i}]").items()}
    if isinstance(x, int | float | np.number) and not isinstance(x, bool):
        return {path: np.array([float(x)])}
    return {}


def _difference(a: dict, b: dict) -> float | str:
    if a.keys() != b.keys():
        return "different fields"
    worst = 0.0
    for k in a:
        x, y = a[k], b[k]
        if x.shape != y.shape or not np.array_equal(np.isfinite(x), np.isfinite(y)):
            return f"{k}: shape or missing values differ"
        both = np.isfinite(x)
        if both.any():
            worst = max(worst, float(np.max(np.abs(x[both] - y[both]))))
    return worst


def _run(tree: str, name: str, data: str, result: str | None, blas: int) -> dict:
    env = {**os.environ, "PYTHONPATH": tree, "OPENBLAS_NUM_THREADS": str(blas)}
    cmd = [sys.executable, __file__, "--child", name, "--data", data]
    cmd += ["--result", result] if result else []
    done = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, help="a dataset folder (bench/scale.py writes them)")
    p.add_argument("--trees", default=str(Path(__file__).resolve().parents[1]))
    p.add_argument("--sections", default=",".join(SECTIONS))
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--check", action="store_true", help="compare the numbers with the first tree")
    p.add_argument("--blas-threads", type=int, default=1)
    p.add_argument("--out", default=None, help="write the rows as JSON here")
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    p.add_argument("--result", default=None, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child:
        print(json.dumps(child(a.child, a.data, a.result)))
        return
    trees = a.trees.split(",")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(a.rounds):
            for name in a.sections.split(","):
                results = []
                for i, tree in enumerate(trees):
                    res = f"{tmp}/{name}_{i}.pkl" if a.check else None
                    row = {"round": r, "section": name, "tree": tree}
                    row |= _run(tree, name, a.data, res, a.blas_threads)
                    if res:
                        with open(res, "rb") as f:
                            results.append(pickle.load(f))
                        row["max_abs_diff"] = _difference(results[0], results[-1])
                    rows.append(row)
                    print(json.dumps(row), flush=True)
    if a.out:
        Path(a.out).write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
