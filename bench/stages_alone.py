"""Is any analysis slower inside the report than the same computation alone? (issue 23)

    .venv/bin/python bench/stages_alone.py [--n 23000] [--bootstrap 20] [--rounds 2]

For each round: one process computes the report's analyses as the report does
(`evaluation.contract.analyse_cohort` on the loaded data, every section), and then, for each
section, a fresh Python process loads the same data and computes that section alone
(`analyse_cohort(..., only=...)` with the sections it needs first: retention before tiers,
regions, ranking; effects before the target trials). The stage seconds come from the same
`console.stage` timer in both, so a section slower in the report than alone points at hidden
work (a cohort rebuilt, a fit repeated, memory or thread contention between sections). The
data are bench/report.py's simulated province cohort; the cache is not used.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# each section and what it needs computed before it (as analyse_cohort orders them)
NEEDS = {
    "retention": (),
    "coverage": (),
    "tiers": ("retention",),
    "regions": ("retention",),
    "ranking": ("retention", "regions"),
    "facilities": ("retention",),
    "risk": (),
    "effects": (),
    "target_trial": ("effects",),
    "competing": (),
    "trend": (),
    "projection_check": (),
    "model_check": (),
}


def _params(data: str, n_bootstrap: int):
    from workbench.params.report import ReportParams

    base = ReportParams.from_yaml(ROOT / "params" / "province.yaml").to_mapping()
    return ReportParams.from_mapping({**base, "data": data, "n_bootstrap": n_bootstrap})


def _cpu() -> float:
    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def child(data: str, n_bootstrap: int, section: str) -> dict:
    """One process: the whole analysis (section 'all') or one section with what it needs."""
    from workbench import console
    from workbench.evaluation.analysis import load_data
    from workbench.evaluation.contract import analyse_cohort

    params = _params(data, n_bootstrap)
    only = None if section == "all" else (*NEEDS[section], section)
    t0, c0 = time.perf_counter(), _cpu()
    with console.timing() as stages:
        with console.stage("load"):
            loaded = load_data(params)
        analyse_cohort(loaded, params, only=only)
    return {"stages": dict(stages), "wall_s": time.perf_counter() - t0, "cpu_s": _cpu() - c0}


def _run(data: str, n_bootstrap: int, section: str) -> dict:
    cmd = [sys.executable, __file__, "--child", section, "--data", data,
           "--bootstrap", str(n_bootstrap)]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=23000)
    ap.add_argument("--bootstrap", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--data", default="")
    ap.add_argument("--child", default="")
    a = ap.parse_args()
    if a.child:
        print(json.dumps(child(a.data, a.bootstrap, a.child)))
        return
    from report import simulate  # bench/report.py's simulated province cohort

    data = a.data or str(simulate(a.n, Path(tempfile.gettempdir()) / f"stages_alone_n{a.n}"))
    rows: dict[str, list[tuple[float, float]]] = {}
    totals = []
    for r in range(a.rounds):
        whole = _run(data, a.bootstrap, "all")
        totals.append(whole)
        for section in NEEDS:
            alone = _run(data, a.bootstrap, section)["stages"]
            if section in whole["stages"] and section in alone:
                rows.setdefault(section, []).append((whole["stages"][section], alone[section]))
        print(f"round {r + 1}: analyses {whole['wall_s']:.1f} s wall, {whole['cpu_s']:.1f} s CPU",
              file=sys.stderr)  # fmt: skip
    print(f"{a.n:,} releases, {a.bootstrap} replicates, {a.rounds} rounds (report, then each "
          f"section alone), load {os.getloadavg()[0]:.1f} at the end\n")  # fmt: skip
    print(
        "| section | in the report, s (each round) | alone, s (each round) | report ÷ alone (worst) |"
    )
    print("|---|---|---|---:|")
    for section, pairs in rows.items():
        worst = max(w / max(s, 1e-3) for w, s in pairs)
        print(f"| {section} | {' / '.join(f'{w:.2f}' for w, _ in pairs)} | "
              f"{' / '.join(f'{s:.2f}' for _, s in pairs)} | {worst:.2f} |")  # fmt: skip
    stages = [t["stages"] for t in totals]
    print(
        "\nload / cohort stage per report run, s: "
        + "; ".join(f"{s.get('load', 0):.2f} / {s.get('cohort', 0):.2f}" for s in stages)
    )


if __name__ == "__main__":
    main()
