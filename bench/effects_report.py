"""The report's whole effects analysis, timed as `workbench report` runs it (issue 18, "Speed"):
the `effects` stage (time-varying PWE model + day-180 landmark comparisons, each with their
bootstrap) and the `target_trial` stage (clone-censor-weight for every support with the
bootstrap, plus the grace-period sensitivity), on a simulated dataset, with the report's
parameters (params/province.yaml: n_bootstrap 200, seed 20170101, n_jobs 2).

    PYTHONPATH=. python bench/effects_report.py [--data DIR | --n 23000] [--n-boot 200]
        [--jobs 2] [--before REV] [--runs after,before]

Each measurement runs in a fresh child process and reports per stage: wall seconds, CPU
seconds of the process and all its children (joblib's workers included), and at the end the
peak RSS of the main process and of the largest worker. `--before REV` also measures the
workbench package of git revision REV (exported to a temporary folder) in the same
invocation, under the same load, and compares every number the two stages return (the effects
table, the trials' risk, difference, RMST and grace tables, the risk curves): the largest
absolute difference per table is printed. Prints one JSON line per run and one comparison line.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _cpu_seconds() -> float:
    """CPU seconds of this process, its reaped children and its live descendants."""
    import psutil

    me = psutil.Process()
    t = me.cpu_times()
    total = t.user + t.system + t.children_user + t.children_system
    for child in me.children(recursive=True):
        try:
            c = child.cpu_times()
            total += c.user + c.system
        except psutil.Error:
            pass
    return total


def child(args) -> None:
    """Runs in a fresh process with the workbench under test first on sys.path."""
    import dataclasses

    import numpy as np

    from workbench.cohort.contract import as_cohort
    from workbench.evaluation import models
    from workbench.evaluation.analysis import load_data
    from workbench.evaluation.contract import scope_cohort
    from workbench.evaluation.target_trial import run_target_trials
    from workbench.params.report import ReportParams

    params = ReportParams.from_yaml(str(ROOT / "params" / "province.yaml"))
    params = dataclasses.replace(params, data=args.data, n_bootstrap=args.n_boot, n_jobs=args.jobs)
    out: dict = {"label": args.label, "n_bootstrap": args.n_boot, "jobs": args.jobs}
    t, c = time.perf_counter(), _cpu_seconds()
    cohort = scope_cohort(as_cohort(load_data(params)), params)
    out["cohort"] = {"wall_s": time.perf_counter() - t, "cpu_s": _cpu_seconds() - c}
    out["n"] = len(cohort.table)
    t, c = time.perf_counter(), _cpu_seconds()
    effects = models.support_effects(cohort, params, None)
    out["effects"] = {"wall_s": time.perf_counter() - t, "cpu_s": _cpu_seconds() - c}
    supports = [str(code) for code in effects["table"]["code"]]
    t, c = time.perf_counter(), _cpu_seconds()
    trials = run_target_trials(cohort, params, None, supports)
    out["target_trial"] = {"wall_s": time.perf_counter() - t, "cpu_s": _cpu_seconds() - c}
    out["both_stages"] = {
        k: out["effects"][k] + out["target_trial"][k] for k in ("wall_s", "cpu_s")
    }
    try:  # reap joblib's workers so their peak RSS is counted
        from joblib.externals.loky import get_reusable_executor

        get_reusable_executor().shutdown(wait=True)
    except Exception:
        pass
    out["peak_rss_main_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["peak_rss_worker_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    numbers = {"effects": effects["table"].select_dtypes("number").to_numpy(float)}
    for code, s in trials.items():
        if s.horizons is None:
            continue
        numbers[f"{code}.horizons"] = s.horizons.select_dtypes("number").to_numpy(float)
        numbers[f"{code}.curves"] = s.curves.select_dtypes("number").to_numpy(float)
        numbers[f"{code}.rmst"] = np.array([s.rmst[k] for k in ("diff", "lower", "upper")], float)
        if s.grace is not None:
            numbers[f"{code}.grace"] = s.grace.select_dtypes("number").to_numpy(float)
    Path(args.numbers).write_bytes(pickle.dumps(numbers))
    print(json.dumps(_rounded(out)), flush=True)


def _rounded(d):
    if isinstance(d, dict):
        return {k: _rounded(v) for k, v in d.items()}
    return round(d, 2) if isinstance(d, float) else d


def export(rev: str, where: Path) -> Path:
    """The workbench package of git revision `rev`, unpacked under `where`."""
    tar = where / "src.tar"
    with open(tar, "wb") as fh:
        subprocess.run(["git", "-C", str(ROOT), "archive", rev, "workbench"], stdout=fh, check=True)
    with tarfile.open(tar) as tf:
        tf.extractall(where, filter="data")
    return where


def run(label: str, pythonpath: Path, data: str, a, numbers: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(pythonpath), "OMP_NUM_THREADS": "1"}
    env["WORKBENCH_CACHE_DIR"] = str(numbers.parent / f"cache-{label}")
    cmd = [sys.executable, __file__, "--child", "--label", label, "--data", data,
           "--n-boot", str(a.n_boot), "--jobs", str(a.jobs), "--numbers", str(numbers)]  # fmt: skip
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"{label} run failed")
    line = proc.stdout.strip().splitlines()[-1]
    print(line, flush=True)
    return json.loads(line)


def compare(a: Path, b: Path) -> dict:
    import numpy as np

    x, y = pickle.loads(a.read_bytes()), pickle.loads(b.read_bytes())
    out = {}
    for key in sorted(set(x) | set(y)):
        if key not in x or key not in y or x[key].shape != y[key].shape:
            out[key] = "missing or different shape"
            continue
        d = np.abs(x[key] - y[key])
        both_nan = np.isnan(x[key]) & np.isnan(y[key])
        d = np.where(both_nan, 0.0, d)
        out[key] = float(np.nanmax(d)) if d.size else 0.0
        if np.any(np.isnan(d)):
            out[key] = "NaN in one run only"
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=None, help="a dataset folder (default: simulate --n)")
    p.add_argument("--n", type=int, default=23000)
    p.add_argument("--n-boot", type=int, default=200)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument(
        "--before",
        default=None,
        help="git revision (or a folder holding its workbench/) to measure beside",
    )
    p.add_argument("--runs", default="after,before", help="order of the runs")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--label", default="after", help=argparse.SUPPRESS)
    p.add_argument("--numbers", default=None, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child:
        return child(a)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = a.data
        if data is None:
            data = str(tmp / "data")
            cmd = [
                sys.executable,
                "-m",
                "workbench.cli",
                "simulate",
                "--out",
                data,
                "--n",
                str(a.n),
            ]
            subprocess.run(cmd, check=True, capture_output=True, env={**os.environ,
                           "PYTHONPATH": str(ROOT)})  # fmt: skip
        trees = {"after": ROOT}
        if a.before:
            given = Path(a.before)
            trees["before"] = given if given.is_dir() else export(a.before, _mk(tmp))
        results = {}
        for label in [r for r in a.runs.split(",") if r in trees]:
            results[label] = run(label, trees[label], data, a, tmp / f"{label}.pkl")
        if len(results) == 2:
            diff = compare(tmp / "before.pkl", tmp / "after.pkl")
            ratio = {
                stage: round(
                    results["after"][stage]["cpu_s"] / results["before"][stage]["cpu_s"], 3
                )
                for stage in ("effects", "target_trial", "both_stages")
            }
            print(json.dumps({"cpu_after_over_before": ratio, "max_abs_diff": diff}), flush=True)


def _mk(tmp: Path) -> Path:
    d = tmp / "before"
    d.mkdir()
    return d


if __name__ == "__main__":
    main()
