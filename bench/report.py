"""Benchmark of the report pipeline (issue 5 acceptance; issue 8 targets).

Times, on this machine:
  floor     an empty report through the same pipeline (papermill → nbconvert HTML → WeasyPrint)
  province  the province report on a simulated cohort (default 23,000 releases): cold (analyses
            computed) and warm (the same scope in the other language: cached analyses, render only)
  batch     the annual batch (province + 14 prefectures × zh/en) with `workbench batch`
            against a sequential papermill + nbconvert loop over the same 30 parameter sets,
            each starting with an empty analysis cache (per-run seconds are recorded)

  pair      (--pair TREE,TREE,...) `make report`'s report commands, the Chinese report and its
            English twin from an empty cache, run as `workbench report` processes of each source
            tree in turn (a tree whose CLI takes several --params files builds both in one
            process; an older one runs two processes, as its Makefile did): wall and CPU seconds
            of the processes and their kernels, the trees alternating `--rounds` times, so a
            before and an after tree are compared under the same load
  batch     `--scopes K` keeps the province and the first K-1 prefectures (a quicker check)
  warm      (--warm-pair TREE,TREE,...) the floor and the render-only reports (cached analyses)
            of each source tree, one child process per tree and round, alternating: the warm
            report's CPU seconds before and after a rendering change under the same load; each
            round's first (Chinese) report draws its figures (earlier rounds' cached figures are
            dropped; round 1 also computes the analyses), the reports after it may not

Usage: .venv/bin/python bench/report.py [--n 23000] [--bootstrap 200] [--skip-batch]
       [--workers 2] [--out bench/out/report] [--pair BEFORE,AFTER --rounds 2] [--scopes K]
       [--warm-pair BEFORE,AFTER --rounds 3]
Writes bench/out/report/report_bench.json and prints a Markdown table for bench/README.md.

Size: one benchmark script with its modes (floor, province, pair, warm pair, batch) sharing helpers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
TREE_ENV = "BENCH_REPORT_TREE"  # --warm-pair's child: the source tree it imports workbench from
sys.path.insert(0, os.environ.get(TREE_ENV, str(ROOT)))

from workbench.params.batch import load_batch  # noqa: E402
from workbench.params.report import ReportParams  # noqa: E402
from workbench.reporting import build_report  # noqa: E402
from workbench.reporting import execute as execute_mod  # noqa: E402
from workbench.reporting.batch import execute_batch  # noqa: E402
from workbench.reporting.execute import KERNEL, ipc_kernel_manager, notebook_path  # noqa: E402
from workbench.reporting.render import document, notebook_body, write_pdf  # noqa: E402


def cpu_s() -> float:
    """CPU seconds of this process and its finished children (kernels, subprocesses): on a
    shared machine the steadier measure beside the wall-clock seconds."""
    import resource

    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime + live_children_cpu_s()


def live_children_cpu_s() -> float:
    """CPU seconds so far of this process's children still running (a report kernel kept for
    the next call, `reporting.kernel.park`): RUSAGE_CHILDREN counts a child only once it has
    ended, so a difference of `cpu_s` around a call counts what a kept kernel did during it
    (and a child ending during the call only for its time within the call)."""
    me, total = os.getpid(), 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended meanwhile
        if int(fields[1]) == me:  # ppid; utime, stime in clock ticks
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def floor(workdir: Path) -> float:
    """An empty report: one heading, same kernel, same HTML and PDF steps."""
    import papermill as pm

    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("lang = 'zh'", metadata={"tags": ["parameters"]})
    cell = nbformat.v4.new_code_cell(
        "from IPython.display import HTML\nHTML('<h2 id=\"sec-summary\">执行摘要</h2><p>—</p>')"
    )
    nb.cells = [params, cell]
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python 3", "language": "python"}
    src = workdir / "empty.ipynb"
    nbformat.write(nb, str(src))
    t0 = time.perf_counter()
    pm.execute_notebook(str(src), str(workdir / "empty_out.ipynb"), parameters={"lang": "zh"},
                        kernel_name=KERNEL, progress_bar=False, cwd=str(workdir),
                        kernel_manager_class=ipc_kernel_manager(workdir),
                        shutdown_kernel=SHUTDOWN)  # fmt: skip
    page = document(notebook_body(nbformat.read(str(workdir / "empty_out.ipynb"), 4)), "zh", "x")
    write_pdf(page, workdir / "empty.pdf")
    return time.perf_counter() - t0


def simulate(n: int, folder: Path) -> Path:
    from workbench.simulate import simulate as sim
    from workbench.simulate import write_simulation

    if not (folder / "releases.csv").exists():
        write_simulation(sim(seed=20170101, n=n), folder)
    return folder


def province(data: Path, out: Path, n_bootstrap: int) -> dict:
    base = ReportParams.from_yaml(ROOT / "params" / "province.yaml").to_mapping()
    zh = ReportParams.from_mapping({**base, "data": str(data), "n_bootstrap": n_bootstrap})
    en = ReportParams.from_mapping({**zh.to_mapping(), "lang": "en", "name": "province_en"})
    t0, c0 = time.perf_counter(), cpu_s()
    res = build_report(zh, out / "province")
    cold, cold_cpu = time.perf_counter() - t0, cpu_s() - c0
    t0, c0 = time.perf_counter(), cpu_s()
    twin = build_report(en, out / "province_en")
    warm, warm_cpu = time.perf_counter() - t0, cpu_s() - c0
    import pypdf

    pages = len(pypdf.PdfReader(str(res.pdf)).pages)
    analyses = sum(v for k, v in res.stages.items() if k not in RENDER_STAGES)
    return {"cold_s": cold, "warm_s": warm, "cold_cpu_s": cold_cpu, "warm_cpu_s": warm_cpu,
            "pages": pages, "cold_stages": res.stages,
            "warm_stages": twin.stages, "cold_analyses_s": analyses}  # fmt: skip


# stages of metrics.json's provenance that are not analyses (the rest: load, cohort, each one)
RENDER_STAGES = ("cache", "notebook", "html", "pdf")


_FONT_ONLY = "pdf=False" in notebook_path().read_text("utf-8")  # the kernel's font check
SHUTDOWN = getattr(execute_mod, "KERNEL_SHUTDOWN", "graceful")  # as reporting/execute does


def kernel_imports() -> dict:
    """CPU and wall seconds of the report kernel's imports (its first two code cells' imports),
    in a fresh interpreter: what every report's kernel pays before its first section."""
    code = (
        "import time, sys; t = time.process_time(); w = time.perf_counter()\n"
        "from workbench.fonts import require_fonts\n"
        "from workbench.params.report import ReportParams\n"
        f"require_fonts('zh'{', pdf=False' if _FONT_ONLY else ''})\n"
        "from workbench.evaluation import analyse\n"
        "from workbench.reporting import closing, model_sections, provenance, sections, summary\n"
        "print(time.process_time() - t, time.perf_counter() - w, len(sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True).stdout.split()  # fmt: skip
    return {"cpu_s": float(got[0]), "wall_s": float(got[1]), "modules": int(got[2])}


def pair(data: Path, out: Path, trees: list[Path], rounds: int, n_bootstrap: int) -> list[dict]:
    """`make report`'s report step (zh + en, empty cache) with each tree's CLI, alternating."""
    rows = []
    for r in range(rounds):
        for tree in trees:
            rows.append(_pair_once(data, out / f"pair{r}_{tree.name}", tree, n_bootstrap))
            print(json.dumps(rows[-1]), flush=True)
    return rows


def _pair_once(data: Path, out: Path, tree: Path, n_bootstrap: int) -> dict:
    import resource
    import shutil

    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    files = []
    for lang, name in (("zh", "province"), ("en", "province_en")):
        text = yaml.safe_dump({"data": str(data), "name": name, "lang": lang,
                               "n_bootstrap": n_bootstrap, "seed": 20170101, "n_jobs": 2})  # fmt: skip
        files.append((out / f"{name}.yaml", out / name))
        files[-1][0].write_text(text, "utf-8")
    env = {**os.environ, "PYTHONPATH": str(tree), "WORKBENCH_CACHE_DIR": str(out / "cache")}
    env.pop("WORKBENCH_CODE_VERSION", None)
    several = 'nargs="+"' in (tree / "workbench" / "cli" / "__init__.py").read_text("utf-8")
    cli = [sys.executable, "-m", "workbench.cli", "report", "--quiet"]
    if several:
        cmds = [
            [*cli, "--params", *(str(p) for p, _ in files), "--out", *(str(o) for _, o in files)]
        ]
    else:
        cmds = [[*cli, "--params", str(p), "--out", str(o)] for p, o in files]
    before, load = resource.getrusage(resource.RUSAGE_CHILDREN), os.getloadavg()[0]
    t0 = time.perf_counter()
    for cmd in cmds:
        subprocess.run(cmd, env=env, check=True, capture_output=True, cwd=str(tree))
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    stages = [json.loads((o / "metrics.json").read_text("utf-8"))["provenance"]["stages"]
              for _, o in files]  # fmt: skip
    return {"tree": str(tree), "processes": len(cmds), "wall_s": round(wall, 1),
            "cpu_s": round(cpu, 1), "load_average_start": load,
            "zh_stages": stages[0], "en_stages": stages[1]}  # fmt: skip


def warm_pair(data: Path, out: Path, trees: list[Path], rounds: int, n_bootstrap: int) -> list:
    """The floor and the render-only reports of each tree, alternating: per round and tree one
    child process (`--warm-child`) that imports that tree's workbench, runs the floor, builds
    the Chinese report (cold in a tree's first round: each tree keys its own cache), then the
    English one and the Chinese one again from the cache (warm, each with its own kernel, as
    `build_report` of one report), then both languages in one `build_reports` call when the
    tree has it (make report's render step). CPU seconds include the kernels."""
    rows = []
    for r in range(rounds):
        for tree in trees:
            env = {**os.environ, TREE_ENV: str(tree), "PYTHONPATH": str(tree),
                   "WORKBENCH_CACHE_DIR": str(out / f"cache_{tree.name}")}  # fmt: skip
            env.pop("WORKBENCH_CODE_VERSION", None)
            cmd = [sys.executable, str(Path(__file__).resolve()), "--warm-child", "--n",
                   str(data.name.removeprefix("data_")), "--bootstrap", str(n_bootstrap),
                   "--out", str(out / f"warm_{tree.name}")]  # fmt: skip
            load = os.getloadavg()[0]
            got = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
            row = {"round": r, "tree": str(tree), "load_average_start": load,
                   **json.loads(got.stdout.strip().splitlines()[-1])}  # fmt: skip
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


def warm_child(data: Path, out: Path, n_bootstrap: int) -> dict:
    """One tree's floor and warm reports in this process (see `warm_pair`)."""
    import shutil

    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    row = {}
    with tempfile.TemporaryDirectory() as tmp:
        c0, t0 = cpu_s(), time.perf_counter()
        floor(Path(tmp))
        row["floor"] = (round(time.perf_counter() - t0, 2), round(cpu_s() - c0, 2))
    base = ReportParams.from_yaml(ROOT / "params" / "province.yaml").to_mapping()
    zh = ReportParams.from_mapping({**base, "data": str(data), "n_bootstrap": n_bootstrap})
    en = ReportParams.from_mapping({**zh.to_mapping(), "lang": "en", "name": "province_en"})
    row["figure_entries_dropped"] = _drop_figures(zh)  # first_zh: drawn, as in a cold report
    for label, params in (("first_zh", zh), ("warm_en", en), ("warm_zh", zh)):
        c0, t0 = cpu_s(), time.perf_counter()
        res = build_report(params, out / label)
        row[label] = (round(time.perf_counter() - t0, 2), round(cpu_s() - c0, 2))
        row[f"{label}_stages"] = {k: round(v, 2) for k, v in res.stages.items()
                                  if k in RENDER_STAGES}  # fmt: skip
    if hasattr(execute_mod, "build_reports"):
        c0, t0 = cpu_s(), time.perf_counter()
        got = execute_mod.build_reports([(zh, out / "pair_zh"), (en, out / "pair_en")])
        row["warm_pair"] = (round(time.perf_counter() - t0, 2), round(cpu_s() - c0, 2))
        row["warm_pair_stages"] = [{k: round(v, 2) for k, v in g.stages.items()} for g in got]
    import pypdf

    pdf = out / "warm_en" / "report.pdf"
    row["en_pdf"] = {"pages": len(pypdf.PdfReader(str(pdf)).pages), "bytes": pdf.stat().st_size}
    return row


def _drop_figures(params) -> int:
    """Remove every cache entry but the analysis of `params` (the figure cache's entries of an
    earlier round, `reporting.figure_cache`), so the first report of a round draws its figures
    as a cold report does (its analyses stay cached); a tree without a figure cache has none."""
    try:
        from workbench import cache
        from workbench.evaluation.analysis import cache_key

        folder = cache.private_dir()
        keep = cache.entry_path(folder, cache.machine_key(folder), cache_key(params))
    except Exception:
        return 0
    dropped = 0
    for entry in folder.glob("*" + cache.SUFFIX):
        if entry != keep:
            entry.unlink()
            dropped += 1
    return dropped


def annual_batch(data: Path, out: Path, workers: int, n_bootstrap: int, scopes: int = 0) -> dict:
    spec_file = out / "annual.yaml"
    annual = yaml.safe_load((ROOT / "params" / "batches" / "annual.yaml").read_text("utf-8"))
    runs = [{k: v for k, v in r.items()} for r in annual["runs"]]
    if scopes:  # the province and the first prefectures, both languages (a quicker check)
        keep = list(dict.fromkeys(r["params"] for r in runs))[:scopes]
        runs = [r for r in runs if r["params"] in keep]
    for r in runs:
        r["params"] = str((ROOT / "params" / "batches" / r["params"]).resolve())
    spec = {"name": "annual", "out": str(out / "annual"),
            "defaults": {}, "runs": [{**r, "data": str(data), "n_bootstrap": n_bootstrap}
                                     for r in runs]}  # fmt: skip
    spec_file.write_text(yaml.safe_dump(spec, allow_unicode=True), "utf-8")
    batch = load_batch(spec_file)
    _cold_cache(out / "cache_batch")  # both start with an empty analysis cache
    t0 = time.perf_counter()
    c0 = cpu_s()
    results = execute_batch(batch, out / "annual", workers=workers, force=True, progress=False)
    ours, ours_cpu = time.perf_counter() - t0, cpu_s() - c0
    _cold_cache(out / "cache_loop")
    # The loop is what an analyst runs without `workbench batch`: for each parameter set, one
    # after the other, papermill executes the notebook and `nbconvert --to html --no-input`
    # renders it (no PDF, no metrics.json). The notebook itself uses the workbench's analysis
    # cache, so the English twin of a scope reuses its Chinese analysis, as in the batch.
    t0, c0 = time.perf_counter(), cpu_s()
    loop_runs = {}
    for run in batch.runs:
        t1 = time.perf_counter()
        target = out / "loop" / f"{run.run_id}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        import papermill as pm

        pm.execute_notebook(str(notebook_path()), str(target), parameters=run.params.to_mapping(),
                            kernel_name=KERNEL, progress_bar=False)  # fmt: skip
        subprocess.run([sys.executable, "-m", "nbconvert", "--to", "html", "--no-input",
                        str(target)], check=True, capture_output=True)  # fmt: skip
        loop_runs[run.run_id] = round(time.perf_counter() - t1, 2)
    loop, loop_cpu = time.perf_counter() - t0, cpu_s() - c0
    failed = [r.run_id for r in results if r.status == "failed"]
    return {"batch_s": ours, "loop_s": loop, "ratio": ours / loop, "failed": failed,
            "batch_timeline": batch_timeline(out / "annual"),
            "batch_cpu_s": ours_cpu, "loop_cpu_s": loop_cpu, "runs": len(batch.runs),
            "load_average": os.getloadavg(),
            "batch_runs": {r.run_id: r.duration_s for r in results}, "loop_runs": loop_runs}  # fmt: skip


def batch_timeline(folder: Path) -> dict:
    """Each batch run's start (seconds after the first run's, from metrics.json's started_at),
    its seconds and its notebook stage's (a prefecture waiting on the province shows there):
    the two workers' timeline, idle gaps included."""
    import datetime as dt

    rows = {}
    for m in sorted(folder.glob("*/metrics.json")):
        prov = json.loads(m.read_text("utf-8"))["provenance"]
        start = dt.datetime.fromisoformat(prov["started_at"].replace("Z", "+00:00"))
        rows[m.parent.name] = (start, prov["duration_s"], prov["stages"].get("notebook"))
    if not rows:
        return {}
    t0 = min(r[0] for r in rows.values())
    return {k: [round((s - t0).total_seconds()), d, nb and round(nb, 1)]
            for k, (s, d, nb) in sorted(rows.items(), key=lambda kv: kv[1][0])}  # fmt: skip


def bytecode_state() -> str:
    """Whether this interpreter reads compiled bytecode for the report stack: without cached
    .pyc files (a venv installed by uv without --compile-bytecode, and PYTHONDONTWRITEBYTECODE
    set) every process compiles every module it imports, ~4-5 s CPU per report process."""
    import importlib.util

    import pandas

    pyc = importlib.util.cache_from_source(pandas.__file__)
    cached = os.path.exists(pyc)
    return f"pandas .pyc {'present' if cached else 'absent'}; dont_write_bytecode={sys.dont_write_bytecode}"


def _cold_cache(folder: Path) -> None:
    """Point the analysis cache at an empty `folder` (for this process and its children)."""
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
    os.environ["WORKBENCH_CACHE_DIR"] = str(folder)


def _print_province(record: dict, n: int) -> None:
    p, fl = record["province"], record["floor_s"]
    print(f"| province report, {n:,} releases, cold | {p['cold_s']:.1f} "
          f"({p['cold_s'] / fl:.1f}× floor) |")  # fmt: skip
    rest = p["cold_s"] - p["cold_analyses_s"]
    print(f"| of which analyses (load, cohort, each analysis) | {p['cold_analyses_s']:.1f} |")
    print(f"| of which everything else | {rest:.1f} ({rest / fl:.1f}× floor) |")
    st = p["cold_stages"]
    outside = p["cold_s"] - sum(st.values())
    print(f"| everything else: outside every stage {outside:.1f}, cache {st.get('cache', 0):.1f}, "
          f"notebook {st.get('notebook', 0):.1f}, html {st.get('html', 0):.1f}, "
          f"pdf {st.get('pdf', 0):.1f} |")  # fmt: skip
    print(
        f"| CPU s: floor {record['floor_cpu_s']:.1f}, cold {p['cold_cpu_s']:.1f}, "
        f"warm {p['warm_cpu_s']:.1f} ({p['warm_cpu_s'] / record['floor_cpu_s']:.1f}× floor) |"
    )
    print(f"| same scope, other language (cached analyses) | {p['warm_s']:.1f} "
          f"({p['warm_s'] / fl:.1f}× floor) |")  # fmt: skip
    for which in ("cold", "warm"):
        stages = ", ".join(f"{k} {v:.1f}" for k, v in p[f"{which}_stages"].items())
        print(f"| {which} stages (s) | {stages} |")
    print(f"| PDF pages | {p['pages']} |")


def _print_warm_pair(rows: list[dict]) -> None:
    print(
        "| round | tree | load | floor CPU s (wall) | first zh CPU s (wall) | warm en CPU s (wall) "
        "| warm zh CPU s (wall) | en ÷ floor, CPU (wall) | zh+en in one call, CPU s (wall) "
        "| first zh notebook / pdf s | en notebook / html / pdf s |"
    )
    print("|---|---|---:|---|---|---|---|---|---|---|---|")
    for r in rows:
        fl, en, zh, pr = r["floor"], r["warm_en"], r["warm_zh"], r.get("warm_pair", ("–", "–"))
        first, st, st0 = r["first_zh"], r["warm_en_stages"], r["first_zh_stages"]
        print(f"| {r['round'] + 1} | {Path(r['tree']).name} | {r['load_average_start']:.1f} "
              f"| {fl[1]} ({fl[0]}) | {first[1]} ({first[0]}) | {en[1]} ({en[0]}) "
              f"| {zh[1]} ({zh[0]}) | {en[1] / fl[1]:.1f}× ({en[0] / fl[0]:.1f}×) "
              f"| {pr[1]} ({pr[0]}) | {st0.get('notebook')} / {st0.get('pdf')} "
              f"| {st.get('notebook')} / {st.get('html')} / {st.get('pdf')} |")  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=23_000)
    ap.add_argument("--bootstrap", type=int, default=200)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--skip-batch", action="store_true")
    ap.add_argument("--batch-only", action="store_true", help="time only the annual batch")
    ap.add_argument("--skip-province", action="store_true", help="floor and kernel imports only")
    ap.add_argument("--out", default=str(ROOT / "bench" / "out" / "report"))
    ap.add_argument("--pair", default="", help="source trees (comma-separated): make report's "
                    "zh + en report step with each, alternating")  # fmt: skip
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--scopes", type=int, default=0, help="batch: province + K-1 prefectures")
    ap.add_argument("--warm-pair", default="", help="source trees (comma-separated): the floor "
                    "and warm (render-only) reports of each, alternating, one process each")  # fmt: skip
    ap.add_argument("--warm-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("WORKBENCH_CACHE_DIR", str(out / "cache"))
    record = {"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
              "n": args.n, "bootstrap": args.bootstrap}  # fmt: skip
    record["bytecode"] = bytecode_state()
    if args.warm_child:
        data = out.parent / f"data_{args.n}"
        print(json.dumps(warm_child(data, out, args.bootstrap)))
        return 0
    data = simulate(args.n, out / f"data_{args.n}")
    if args.warm_pair:
        trees = [Path(t).resolve() for t in args.warm_pair.split(",")]
        record["warm_pair"] = warm_pair(data, out, trees, args.rounds, args.bootstrap)
        (out / "warm_pair_bench.json").write_text(json.dumps(record, indent=2), "utf-8")
        _print_warm_pair(record["warm_pair"])
        return 0
    if args.pair:
        trees = [Path(t).resolve() for t in args.pair.split(",")]
        record["pair"] = pair(data, out, trees, args.rounds, args.bootstrap)
        (out / "pair_bench.json").write_text(json.dumps(record, indent=2), "utf-8")
        return 0
    if args.batch_only:
        record["batch"] = annual_batch(data, out, args.workers, args.bootstrap, args.scopes)
        (out / "batch_bench.json").write_text(json.dumps(record, indent=2), "utf-8")
        print(json.dumps(record["batch"]))
        return 0
    record["load_average_before"] = os.getloadavg()
    record["kernel_imports"] = kernel_imports()
    with tempfile.TemporaryDirectory() as tmp:
        c0 = cpu_s()
        record["floor_s"] = floor(Path(tmp))
        record["floor_cpu_s"] = cpu_s() - c0
    if not args.skip_province:
        record["province"] = province(data, out, args.bootstrap)
    record["load_average_after"] = os.getloadavg()
    if not args.skip_batch:
        record["batch"] = annual_batch(data, out, args.workers, args.bootstrap, args.scopes)
    (out / "report_bench.json").write_text(json.dumps(record, indent=2), "utf-8")
    print("| what | seconds |\n|---|---|")
    k = record["kernel_imports"]
    print(f"| report kernel's imports (fresh interpreter) | {k['wall_s']:.1f} wall, "
          f"{k['cpu_s']:.1f} CPU, {k['modules']} modules |")  # fmt: skip
    print(f"| empty report (floor) | {record['floor_s']:.1f} |")
    if "province" in record:
        _print_province(record, args.n)
    if "batch" in record:
        b = record["batch"]
        print(f"| annual batch, {args.workers} workers | {b['batch_s']:.1f} |")
        print(f"| sequential papermill + nbconvert loop | {b['loop_s']:.1f} ({b['ratio']:.2f}×) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
