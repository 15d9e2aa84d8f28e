"""Scale ladder: time and peak memory of each step at 23 k, 230 k and 2.3 M releases.

    .venv/bin/python bench/scale.py [--sizes 23000,230000,2300000] [--n-boot 50] [--jobs 2]
                                    [--timeout 1800] [--write-readme]

Each step runs in its own process (so its peak RSS is its own): simulate+write, validate
(load + data-quality report), cohort build, NPMLE, Cox, the effects analysis, and the full
report (papermill → HTML → PDF). The datasets are written once under bench/out/scale/ and reused.
With --write-readme the table replaces the `scale` block of bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "scale"
STEPS = ("simulate", "validate", "cohort", "npmle", "cox", "effects", "report")
COX_COVARIATES = [
    "sex",
    "age",
    "primary_drug",
    "prior_treatments",
    "employed_before",
    "family_support",
    "motivation_score",
]


def _folder(n: int) -> Path:
    return OUT / f"n{n}"


def _step(name: str, n: int, n_boot: int, jobs: int) -> float:
    """Run one step in this process; return the seconds the step itself took."""
    import pandas as pd

    folder = _folder(n)
    cohort_file = folder.parent / f"cohort_n{n}.parquet"
    if name == "simulate":
        from workbench.simulate import simulate, write_simulation

        t = time.perf_counter()
        write_simulation(simulate(n=n), folder)
        return time.perf_counter() - t
    if name == "validate":
        from workbench.io import load_dataset
        from workbench.validate import validation_report

        t = time.perf_counter()
        validation_report(load_dataset(folder))
        return time.perf_counter() - t
    if name in ("cohort", "effects"):
        from workbench.io import load_dataset

        ds = load_dataset(folder)
        t = time.perf_counter()
        if name == "cohort":
            from workbench.cohort import build_cohort

            build_cohort(ds).to_parquet(cohort_file, index=False)
        else:
            from workbench.effects.table import effects_table

            effects_table(ds, n_boot=n_boot, n_jobs=jobs)
        return time.perf_counter() - t
    cohort = pd.read_parquet(cohort_file)
    t = time.perf_counter()
    if name == "npmle":
        from workbench.retention.table import fit_retention

        fit_retention(cohort, n_bootstrap=0)
    elif name == "cox":
        from workbench.risk import CoxModel

        CoxModel(COX_COVARIATES).fit(cohort)
    elif name == "report":
        params = folder.parent / f"report_n{n}.yaml"
        params.write_text(
            f"data: {folder}\nname: scale_n{n}\nlang: zh\nn_bootstrap: {n_boot}\nn_jobs: {jobs}\n",
            encoding="utf-8",
        )
        cmd = [sys.executable, "-m", "workbench.cli", "report", "--params", str(params)]
        subprocess.run([*cmd, "--out", str(folder.parent / f"report_n{n}")], check=True)
    return time.perf_counter() - t


def _run_child(name: str, n: int, n_boot: int, jobs: int, timeout: float) -> dict:
    cmd = [sys.executable, __file__, "--child", name, "--sizes", str(n)]
    cmd += ["--n-boot", str(n_boot), "--jobs", str(jobs)]
    start = time.perf_counter()
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"step": name, "n": n, "status": f"timeout > {timeout:.0f} s"}
    wall = time.perf_counter() - start
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["?"])[-1]
        return {"step": name, "n": n, "status": f"failed: {tail[:120]}", "wall_s": wall}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return {"step": name, "n": n, "status": "ok", "wall_s": wall, **result}


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, Python {platform.python_version()}"


def _table(rows: list[dict]) -> str:
    sizes = sorted({r["n"] for r in rows})
    head = "| step | " + " | ".join(f"{n:,} releases" for n in sizes) + " |"
    lines = [head, "|---|" + "---|" * len(sizes)]
    for step in STEPS:
        cells = []
        for n in sizes:
            r = next((r for r in rows if r["step"] == step and r["n"] == n), None)
            if r is None:
                cells.append("–")
            elif r["status"] != "ok":
                cells.append(r["status"])
            else:
                cells.append(f"{r['step_s']:.1f} s, {r['maxrss_mb']:,.0f} MB")
        lines.append(f"| {step} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _write_readme(text: str) -> None:
    readme = ROOT / "bench" / "README.md"
    body = readme.read_text(encoding="utf-8") if readme.exists() else "# Benchmarks\n"
    start, end = "<!-- scale:start -->", "<!-- scale:end -->"
    block = f"{start}\n{text}\n{end}"
    if start in body:
        before, rest = body.split(start, 1)
        body = before + block + rest.split(end, 1)[1]
    else:
        body = body.rstrip() + "\n\n## Scale ladder (bench/scale.py)\n\n" + block + "\n"
    readme.write_text(body, encoding="utf-8")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="23000,230000,2300000")
    p.add_argument("--steps", default=",".join(STEPS))
    p.add_argument("--n-boot", type=int, default=50)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--timeout", type=float, default=1800)
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    p.add_argument("--write-readme", action="store_true")
    a = p.parse_args()
    sizes = [int(s) for s in a.sizes.split(",")]
    if a.child:
        seconds = _step(a.child, sizes[0], a.n_boot, a.jobs)
        usage = [resource.getrusage(w).ru_maxrss for w in (resource.RUSAGE_SELF,)]
        child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(json.dumps({"step_s": seconds, "maxrss_mb": max(*usage, child) / 1024}))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in sizes:
        for step in a.steps.split(","):
            if step == "simulate" and (_folder(n) / "visits.csv").exists():
                continue
            rows.append(_run_child(step, n, a.n_boot, a.jobs, a.timeout))
            print(json.dumps(rows[-1]), flush=True)
    text = (
        f"Machine: {_machine()}. Bootstrap replicates: {a.n_boot}, workers: {a.jobs}.\n"
        "Each cell: the step's own time, and the peak resident memory of its process "
        "(which includes loading its inputs).\n\n" + _table(rows)
    )
    (OUT / "results.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    print(text)
    if a.write_readme:
        _write_readme(text)


if __name__ == "__main__":
    main()
