"""Scale ladder: time and peak memory of each step at 23 k, 230 k and 2.3 M releases.

    .venv/bin/python bench/scale.py [--sizes 23000,230000,2300000] [--n-boot 20,20,0] [--jobs 2]
                                    [--timeout 1800] [--write-readme]

Each step runs in its own process (so its peak RSS is its own): simulate+write, validate
(load + data-quality report), cohort build, NPMLE, Cox, the effects analysis, the report's
target-trial stage (every support's emulated trial with its grace-period sensitivity), and the full
report (papermill → HTML → PDF, with an empty analysis cache, so cold). The datasets are written
once under bench/out/scale/ and reused. `--n-boot` is one number or one per size (0 = model-based
confidence intervals instead of the bootstrap). The empty-report floor (bench/report.py) is
measured in the same run. Each row records wall-clock and CPU seconds: on a shared machine the
CPU time is what other jobs do not inflate. With --write-readme the table and the targets replace
the `scale` block of bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# where the datasets and results go (WORKBENCH_SCALE_OUT: e.g. a cache outside the worktree)
OUT = Path(os.environ.get("WORKBENCH_SCALE_OUT") or ROOT / "bench" / "out" / "scale")
STEPS = ("simulate", "validate", "cohort", "npmle", "cox", "effects", "target_trial", "report")
TARGET_REPORT_S, TARGET_RSS_MB, TARGET_RATIO, TARGET_FLOOR, TARGET_NPMLE_S = 600, 8192, 10, 3, 10
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


def _step(name: str, n: int, n_bootstrap: int, jobs: int) -> float:
    """Run one step in this process; return the seconds the step itself took."""
    import pandas as pd

    folder = _folder(n)
    cohort_file = folder.parent / f"cohort_n{n}.parquet"
    if name == "simulate":
        from workbench.simulate import simulate, write_simulation

        t = time.perf_counter()
        write_simulation(simulate(n=n), folder)
        return time.perf_counter() - t
    if name == "floor":
        import tempfile

        sys.path.insert(0, str(ROOT / "bench"))
        from report import floor  # bench/report.py: an empty report through the same pipeline

        with tempfile.TemporaryDirectory() as tmp:
            return floor(Path(tmp))
    if name == "validate":
        from workbench.data.io import load_dataset
        from workbench.data.validate import validation_report

        t = time.perf_counter()
        validation_report(load_dataset(folder))
        return time.perf_counter() - t
    if name == "target_trial":
        return _target_trial(folder, n_bootstrap, jobs)
    if name in ("cohort", "effects"):
        from workbench.data.io import load_dataset

        ds = load_dataset(folder)
        t = time.perf_counter()
        if name == "cohort":
            from workbench.cohort import build_cohort

            build_cohort(ds).to_parquet(cohort_file, index=False)
        else:
            from workbench.effects.table import effects_table

            effects_table(ds, n_bootstrap=n_bootstrap, n_jobs=jobs)
        return time.perf_counter() - t
    cohort = None if name == "report" else pd.read_parquet(cohort_file)  # the report loads data
    t = time.perf_counter()
    if name == "npmle":
        from workbench.retention.table import fit_retention

        fit_retention(cohort, n_bootstrap=0)
    elif name == "cox":
        from workbench.risk.cox import CoxModel

        CoxModel(COX_COVARIATES).fit(cohort)
    elif name == "report":
        params = folder.parent / f"report_n{n}.yaml"
        params.write_text(
            f"data: {folder}\nname: scale_n{n}\nlang: zh\nn_bootstrap: {n_bootstrap}\nn_jobs: {jobs}\n",
            encoding="utf-8",
        )
        cmd = [sys.executable, "-m", "workbench.cli", "report", "--params", str(params)]
        cache = folder.parent / f"cache_n{n}"  # empty: the report computes every analysis
        shutil.rmtree(cache, ignore_errors=True)
        env = {**os.environ, "WORKBENCH_CACHE_DIR": str(cache)}
        log = _report_log(n)  # the run log: its stage lines date the memory samples
        with open(log, "w", encoding="utf-8") as err:
            done = subprocess.run([*cmd, "--out", str(folder.parent / f"report_n{n}")], env=env,
                                  stderr=err)  # fmt: skip
        if done.returncode != 0:
            sys.stderr.write(log.read_text(encoding="utf-8", errors="replace")[-4000:])
            raise SystemExit(f"report failed ({done.returncode})")
    return time.perf_counter() - t


def _report_log(n: int) -> Path:
    return OUT / f"report_n{n}.log"


def _target_trial(folder: Path, n_bootstrap: int, jobs: int) -> float:
    """The report's target-trial stage alone (evaluation.target_trial.run_target_trials: every
    support's trial and its grace-period sensitivity) on the report's cohort; n_bootstrap 0
    gives the sandwich CIs, as the report at 230 k and 2.3 M. Seconds after loading."""
    import dataclasses

    from workbench.cohort.contract import as_cohort
    from workbench.evaluation.analysis import load_data
    from workbench.evaluation.contract import scope_cohort
    from workbench.evaluation.target_trial import run_target_trials
    from workbench.params.report import ReportParams

    params = ReportParams.from_yaml(str(ROOT / "params" / "province.yaml"))
    params = dataclasses.replace(params, data=str(folder), n_bootstrap=n_bootstrap, n_jobs=jobs)
    cohort = scope_cohort(as_cohort(load_data(params)), params)
    t = time.perf_counter()
    trials = run_target_trials(cohort, params)
    print(json.dumps({"supports": {c: s.withheld or "ok" for c, s in trials.items()}}),
          file=sys.stderr)  # fmt: skip
    return time.perf_counter() - t


def _run_child(name: str, n: int, n_bootstrap: int, jobs: int, timeout: float) -> dict:
    cmd = [sys.executable, __file__, "--child", name, "--sizes", str(n)]
    cmd += ["--n-boot", str(n_bootstrap), "--jobs", str(jobs)]
    start = time.perf_counter()
    row = {"step": name, "n": n, "n_bootstrap": n_bootstrap}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT)  # fmt: skip
    with _TreeMemory(proc.pid) as tree:
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            return {**row, "status": f"timeout > {timeout:.0f} s"}
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        tail = (stderr.strip().splitlines() or ["?"])[-1]
        return {**row, "status": f"failed: {tail[:120]}", "wall_s": wall, **tree.peaks}
    result = json.loads(stdout.strip().splitlines()[-1])
    series = _stages_of(tree.series, _report_log(n)) if name == "report" else tree.series
    path = OUT / f"memory_{name}_n{n}.json"  # the time series, beside results.json
    path.write_text(json.dumps(series), encoding="utf-8")
    return {**row, "status": "ok", "wall_s": wall, **result, **tree.peaks,
            **_memory_story(series), "memory_series": path.name}  # fmt: skip


class _TreeMemory:
    """Peak memory of a process and all its descendants together, sampled every second:
    `tree_rss_mb` (the sum of their RSS: shared pages counted in each process) and
    `tree_pss_mb` (the sum of their PSS: shared pages divided among the processes sharing
    them, what the tree really occupies, e.g. a forked worker sharing its parent's data).
    `series`: every sample (seconds since the start, time of day, tree RSS and PSS, each
    process's PSS largest first), to tell which stage sets the peak (`_stages_of`)."""

    def __init__(self, pid: int, every: float = 1.0) -> None:
        import threading

        self.pid, self.every = pid, every
        self.peaks = {"tree_rss_mb": 0.0, "tree_pss_mb": 0.0}
        self.series: list[dict] = []
        self._t0 = time.time()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> _TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self._stop.wait(self.every):
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                continue
            rss, each = 0, []
            for p in procs:
                try:
                    m = p.memory_full_info()
                except psutil.Error:
                    continue
                rss += m.rss
                each.append(getattr(m, "pss", m.rss))
            pss = sum(each)
            for key, value in (("tree_rss_mb", rss), ("tree_pss_mb", pss)):
                self.peaks[key] = max(self.peaks[key], value / 2**20)
            now = time.time()
            self.series.append({
                "t": round(now - self._t0, 1), "clock": time.strftime("%H:%M:%S", time.localtime(now)),
                "rss_mb": round(rss / 2**20), "pss_mb": round(pss / 2**20),
                "pss_each_mb": [round(x / 2**20) for x in sorted(each, reverse=True) if x > 2**26],
            })  # fmt: skip


_STAGE_LINE = re.compile(r"^(\d\d:\d\d:\d\d) (\w+) (…|done in|stopped after)")


def _stages_of(series: list[dict], log: Path) -> list[dict]:
    """Each sample with the stage the report's process was in (`stage`, from the report's run
    log: `HH:MM:SS name …` starts a stage, `name done in` ends it; '' between stages)."""
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return series
    events = []  # (clock, stage or '' when it ended)
    for line in lines:
        m = _STAGE_LINE.match(line)
        if m and m.group(2) != "stages":
            events.append((m.group(1), m.group(2) if m.group(3) == "…" else ""))
    out, k, current = [], 0, ""
    for sample in series:  # both in time order (a run within one day)
        while k < len(events) and events[k][0] <= sample["clock"]:
            current = events[k][1]
            k += 1
        out.append({**sample, "stage": current})
    return out


def _memory_story(series: list[dict]) -> dict:
    """The peak of the tree's PSS with its stage, and each stage's largest tree PSS."""
    if not series:
        return {}
    top = max(series, key=lambda s: s["pss_mb"])
    by_stage: dict[str, int] = {}
    for s in series:
        name = s.get("stage") or "-"
        by_stage[name] = max(by_stage.get(name, 0), s["pss_mb"])
    return {"peak_pss_stage": top.get("stage", "?"), "peak_pss_at_s": top["t"],
            "peak_pss_each_mb": top["pss_each_mb"], "stage_peak_pss_mb": by_stage}  # fmt: skip


def _child(name: str, n: int, n_bootstrap: int, jobs: int) -> dict:
    """Run one step here; its own seconds, CPU seconds (this process and its children, e.g.
    the report's kernel and bootstrap workers) and the peak RSS of the largest process."""
    cpu0 = _cpu()
    seconds = _step(name, n, n_bootstrap, jobs)
    loky = sys.modules.get("joblib.externals.loky.reusable_executor")
    if loky is not None and getattr(loky, "_executor", None) is not None:
        loky._executor.shutdown(wait=True)  # the bootstrap's workers exit: their CPU counts
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"step_s": seconds, "cpu_s": _cpu() - cpu0, "maxrss_mb": max(own, child) / 1024,
            "main_mb": own / 1024, "worker_mb": child / 1024}  # fmt: skip


def _cpu() -> float:
    me, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


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


def _cell(r: dict | None) -> str:
    if r is None:
        return "–"
    if r["status"] != "ok":
        return r["status"]
    cpu = f" ({r['cpu_s']:.0f} s CPU)" if "cpu_s" in r else ""
    tree = f" (all processes: {r['tree_pss_mb']:,.0f} MB PSS)" if r.get("tree_pss_mb") else ""
    return f"{r['step_s']:.1f} s{cpu}, {r['maxrss_mb']:,.0f} MB{tree}"


def _find(rows: list[dict], step: str, n: int) -> dict | None:
    return next((r for r in rows if r["step"] == step and r["n"] == n), None)


def _table(rows: list[dict]) -> str:
    sizes = sorted({r["n"] for r in rows if r["step"] != "floor"})
    head = "| step | " + " | ".join(f"{n:,} releases" for n in sizes) + " |"
    lines = [head, "|---|" + "---:|" * len(sizes)]
    for step in STEPS:
        cells = [_cell(_find(rows, step, n)) for n in sizes]
        if any(c != "–" for c in cells):
            lines.append(f"| {step} | " + " | ".join(cells) + " |")
    boots = [_find(rows, "report", n) for n in sizes]
    if any(boots):
        b = [str(r["n_bootstrap"]) if r else "–" for r in boots]
        lines.append("| report: bootstrap replicates | " + " | ".join(b) + " |")
    return "\n".join(lines)


def _ok(r: dict | None) -> bool:
    return r is not None and r["status"] == "ok"


def _limiting(rows: list[dict], n: int) -> str:
    """The slowest analysis step at size n (what limits the report there)."""
    done = [r for r in rows if r["n"] == n and _ok(r) and r["step"] not in ("report", "simulate")]
    if not done:
        return "no step measured"
    worst = max(done, key=lambda r: r["step_s"])
    return f"slowest step alone: {worst['step']} {worst['step_s']:.0f} s"


def _memory(r: dict) -> float:
    """A step's peak memory: its largest process's RSS, or all its processes' PSS together
    when larger (a forked worker shares its parent's pages: summing RSS would count them twice)."""
    return max(r["maxrss_mb"], r.get("tree_pss_mb") or 0.0)


def _targets(rows: list[dict]) -> str:
    """Issue 8's targets, each marked met / not met with what limits it."""
    sizes = sorted({r["n"] for r in rows if r["step"] != "floor"})
    big, mid, small = max(sizes), (sorted(sizes)[-2] if len(sizes) > 1 else None), min(sizes)
    rep = {n: _find(rows, "report", n) for n in sizes}
    out = []

    def mark(ok: bool | None) -> str:
        return "not measured" if ok is None else ("**met**" if ok else "**not met**")

    r = rep[big]
    ok = None if r is None else (_ok(r) and r["step_s"] < TARGET_REPORT_S)
    got = "no report row" if r is None else (f"{r['step_s']:.0f} s" if _ok(r) else r["status"])
    out.append(f"- report at {big:,} < {TARGET_REPORT_S // 60} min: {mark(ok)} ({got}; "
               f"{_limiting(rows, big)})")  # fmt: skip
    peak = [x for x in rows if x["n"] == big and _ok(x)]
    if peak:
        top = max(peak, key=_memory)
        ok = all(_memory(x) < TARGET_RSS_MB for x in peak)
        out.append(f"- peak memory at {big:,} < 8 GB: {mark(ok)} (largest: {top['step']} "
                   f"{_memory(top):,.0f} MB)")  # fmt: skip
    if mid is not None and _ok(rep[big]) and _ok(rep[mid]):
        ratio = rep[big]["step_s"] / rep[mid]["step_s"]
        out.append(f"- report time({big:,}) / time({mid:,}) ≤ {TARGET_RATIO}: "
                   f"{mark(ratio <= TARGET_RATIO)} ({ratio:.1f})")  # fmt: skip
    floor, r = _find(rows, "floor", 0), rep[small]
    if _ok(floor) and _ok(r):
        ratio = r["step_s"] / floor["step_s"]
        out.append(f"- cold report at {small:,} within {TARGET_FLOOR}× the empty-report floor "
                   f"({floor['step_s']:.1f} s): {mark(ratio <= TARGET_FLOOR)} ({ratio:.1f}×)")  # fmt: skip
    r = _find(rows, "npmle", big)
    if _ok(r):
        out.append(f"- NPMLE at {big:,} ≤ {TARGET_NPMLE_S} s: {mark(r['step_s'] <= TARGET_NPMLE_S)} "
                   f"({r['step_s']:.1f} s, retention table with milestones, no bootstrap)")  # fmt: skip
    return "\n".join(out)


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


def _kept(a: argparse.Namespace) -> list[dict]:
    """Rows of an earlier run (results.json), for sizes or steps this run does not repeat."""
    try:
        return json.loads((OUT / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="23000,230000,2300000")
    p.add_argument("--steps", default=",".join(STEPS))
    p.add_argument("--n-boot", default="50", help="one number, or one per size")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--timeout", type=float, default=1800)
    p.add_argument("--no-floor", action="store_true", help="skip the empty-report floor")
    p.add_argument("--keep", action="store_true", help="keep results.json rows not re-measured")
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    p.add_argument("--write-readme", action="store_true")
    a = p.parse_args()
    sizes = [int(s) for s in a.sizes.split(",")]
    boots = [int(b) for b in a.n_boot.split(",")]
    boots = boots * len(sizes) if len(boots) == 1 else boots
    if len(boots) != len(sizes):
        p.error("--n-boot: give one number or one per size")
    if a.child:
        print(json.dumps(_child(a.child, sizes[0], boots[0], a.jobs)))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    rows = _kept(a) if a.keep else []
    if not a.no_floor:
        rows = [r for r in rows if r["step"] != "floor"]
        rows.insert(0, _run_child("floor", 0, 0, a.jobs, a.timeout))
    for n, n_bootstrap in zip(sizes, boots, strict=True):
        for step in filter(None, a.steps.split(",")):
            if step == "simulate" and (_folder(n) / "visits.csv").exists():
                continue
            rows = [r for r in rows if (r["step"], r["n"]) != (step, n)]
            rows.append(_run_child(step, n, n_bootstrap, a.jobs, a.timeout))
            print(json.dumps(rows[-1]), flush=True)
            (OUT / "results.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    load = os.getloadavg()
    text = (
        f"Machine: {_machine()}; run {started}, load average at the end "
        f"{load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f} (the machine is shared: CPU seconds are "
        f"the steadier measure). Workers: {a.jobs}.\n"
        "Each cell: the step's own wall-clock time, the CPU seconds of its process tree, and the "
        "peak resident memory of its largest process (which includes loading its inputs). "
        "The report is cold (empty analysis cache) and includes loading the data.\n\n"
        + _table(rows)
        + "\n\nTargets (issue 8):\n\n"
        + _targets(rows)
    )
    (OUT / "results.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    print(text)
    if a.write_readme:
        _write_readme(text)


if __name__ == "__main__":
    main()
