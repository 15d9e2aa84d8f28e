"""Mutation testing of the estimators (issue #24), on demand, never in CI.

    python bench/mutation.py                 # a sample of 150 mutants, seed 24
    python bench/mutation.py --sample 0      # every mutant (hours on 2 cores)
    python bench/mutation.py --summarise     # only re-read the last run's results
    python bench/mutation.py --rerun --work W   # run W's survivors again with this tree's tests
    python bench/mutation.py --deliberate --work deliberate   # the issue's deliberate changes

Uses mutmut (pinned in the dev extra and constraints.txt). It works in a scratch copy,
bench/out/mutation/ (git-ignored): the package, the tests and the data they read, and a
pyproject.toml with a generated [tool.mutmut] section, so the repository's own files are never
mutated. mutmut mutates every function of MODULES (retention/, risk/, effects/, the cohort
builder, reporting/suppression and privacy/disclosure), collects which tests call which
function (one run of TESTS, the fast targeted subset: not the slow studies), then runs each
chosen mutant against only the tests that reach its function. With --sample N a random sample
of N mutants (fixed seed) is run, else all of them. Results: the score (killed / (killed +
survived), timeouts counted as killed, mutants no test reaches counted as survived) and the list
of survivors, written to bench/out/mutation/summary.md and printed (copied by hand into
bench/README.md with the sample size).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / "out" / "mutation"  # --work NAME: bench/out/NAME
MODULES = [
    "workbench/retention/*",
    "workbench/risk/*",
    "workbench/effects/*",
    "workbench/cohort/build.py",
    "workbench/reporting/suppression.py",
    "workbench/privacy/disclosure.py",
]
# The fast tests of those modules ("-m 'not slow'"): the folders since the tests moved (issue
# #17), the flat files before (for --from an older commit); paths missing in the copy are skipped.
TESTS = [
    "tests/retention",
    "tests/risk",
    "tests/effects",
    "tests/cohort",
    "tests/stats/test_bootstrap_ci.py",
    "tests/security/test_disclosure_threshold.py",
    "tests/security/test_disclosure_differencing.py",
    "tests/retention/test_ictest.py",
    "tests/retention/test_turnbull.py",
    "tests/retention/test_km.py",
    "tests/retention/test_competing.py",
    "tests/retention/test_competing_ic.py",
    "tests/retention/test_retention_table.py",
    "tests/risk/test_risk.py",
    "tests/risk/test_risk_ic.py",
    "tests/effects/test_effects_weighting.py",
    "tests/effects/test_effects_landmark.py",
    "tests/effects/test_effects_subgroups.py",
    "tests/effects/test_effects_primary.py",
    "tests/effects/test_effects_curves.py",
    "tests/effects/test_effects_balance.py",
    "tests/cohort/test_cohort.py",
    "tests/cohort/test_cohort_rules.py",
    "tests/reporting/test_suppression.py",
    # fast tests elsewhere that reach the mutated functions (session 7: the plots' data, the
    # verdicts table, display of milestone/effects tables)
    "tests/test_plots.py",
    "tests/test_display.py",
    "tests/reporting/test_trial_verdicts.py",
    "tests/privacy/test_disclosure_kills.py",
]
COPY = ["workbench", "tests", "params", "data/examples", "data/corpus", "docs", "README.md"]


def _toml_list(items) -> str:
    return "[" + ", ".join(json.dumps(str(x)) for x in items) + "]"


def prepare(commit: str | None = None) -> None:
    """A fresh scratch copy with the [tool.mutmut] section; `commit`: the package, tests and
    data of that commit instead of this tree (the score of an older test suite)."""
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    if commit:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", commit, *COPY], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(WORK)], input=archive, check=True)
    for name in COPY if not commit else []:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, WORK / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            (WORK / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, WORK / name)
    tests = [t for t in TESTS if (WORK / t).exists()]
    section = f"""
[tool.mutmut]
source_paths = ["workbench"]
only_mutate = {_toml_list(MODULES)}
also_copy = {_toml_list([p for p in COPY if p != "workbench"])}
pytest_add_cli_args = ["-p", "no:cacheprovider", "-q", "-x", "-m", "not slow"]
pytest_add_cli_args_test_selection = {_toml_list(tests)}
use_git_change_detection = false
timeout_multiplier = 5.0
"""
    text = (ROOT / "pyproject.toml").read_text()  # this tree's: the pytest markers
    text = re.sub(r"\n\[tool\.pytest\.ini_options\]", section + "\n[tool.pytest.ini_options]", text)
    (WORK / "pyproject.toml").write_text(text)


def mutmut(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["WORKBENCH_CACHE_DIR"] = str(WORK / "cache")
    cmd = [sys.executable, "-m", "mutmut", *args]
    return subprocess.run(cmd, cwd=WORK, env=env, check=check, text=True, capture_output=True)


def widen_to_shared_fixtures() -> int:
    """mutmut maps a function to the tests during which it ran; a function called while a
    module- (class-, session-) scoped fixture is built is mapped to the first test that built
    it only, so a mutant there is never run against the file's other tests, which read the
    fixture. Map such a function to every test of that file (files that define such a fixture).
    Returns the number of (function, test) pairs added."""
    path = WORK / "mutants" / "mutmut-stats.json"
    stats = json.loads(path.read_text())
    by_file: dict[str, list[str]] = {}
    for test in stats["duration_by_test"]:
        by_file.setdefault(test.split("::")[0], []).append(test)
    shared = {
        f for f in by_file
        if (WORK / f).exists()
        and re.search(r"scope=[\"'](module|class|session)", (WORK / f).read_text())
    }  # fmt: skip
    added = 0
    for name, tests in stats["tests_by_mangled_function_name"].items():
        wide = set(tests)
        for f in {t.split("::")[0] for t in tests} & shared:
            wide |= set(by_file[f])
        added += len(wide) - len(set(tests))
        stats["tests_by_mangled_function_name"][name] = sorted(wide)
    path.write_text(json.dumps(stats))
    return added


def mutant_names() -> list[str]:
    names = []
    for meta in sorted((WORK / "mutants").rglob("*.meta")):
        names += list(json.loads(meta.read_text())["exit_code_by_key"])
    return sorted(names)


def results() -> dict[str, str]:
    out = mutmut("results", "--all", "true", check=False).stdout
    status = {}
    for line in out.splitlines():
        m = re.match(r"\s*(\S+): (.+)$", line)
        if m:
            status[m[1]] = m[2].strip()
    return status


def summarise(chosen: list[str] | None) -> str:
    status = results()
    if chosen is not None:
        status = {k: v for k, v in status.items() if k in set(chosen)}
    counts: dict[str, int] = {}
    for v in status.values():
        counts[v] = counts.get(v, 0) + 1
    killed = counts.get("killed", 0) + counts.get("timeout", 0)
    survived = counts.get("survived", 0) + counts.get("no tests", 0)
    score = killed / max(killed + survived, 1)
    lines = [
        f"mutants run: {len(status)}; by outcome: {json.dumps(counts, sort_keys=True)}",
        f"score killed / (killed + survived + no tests) = {killed}/{killed + survived} = {score:.1%}",
        "",
        "survivors:",
    ]
    for name, v in sorted(status.items()):
        if v in ("survived", "no tests"):
            diff = mutmut("show", name, check=False).stdout.strip().splitlines()
            change = [d for d in diff if d[:1] in "+-" and not d.startswith(("+++", "---"))]
            lines.append(f"- {name} ({v}): " + " | ".join(c.strip() for c in change))
    text = "\n".join(lines) + "\n"
    (WORK / "summary.md").write_text(text)
    return text


# The deliberate changes of issue #24 ("changed the code on purpose and watched the tests
# pass"): (name, file, text, replacement, tests that must now fail). `--deliberate` applies each
# to a scratch copy in turn and runs its tests (the landmark study is a slow test: ~1-2 min).
DELIBERATE = [
    ("landmark weighted Cox without its weights", "workbench/effects/weighted_estimate.py",
     "beta, info = _cox_beta(t, e, x, w)", "beta, info = _cox_beta(t, e, x, np.ones_like(w))",
     ["tests/effects/test_effects_weighting.py"]),
    ("landmark weighted Cox without its robust SE", "workbench/effects/weighted_estimate.py",
     "var = sandwich_variance(resid, np.array([[1 / info]]), w)[0, 0]", "var = 1 / info",
     ["tests/effects/test_effects_weighting.py"]),
    ("interval-censored group test statistic x 1.12", "workbench/retention/ictest.py",
     "stat = float(np.sum((U - expected) ** 2 / n) / s2)",
     "stat = 1.12 * float(np.sum((U - expected) ** 2 / n) / s2)",
     ["tests/retention/test_ictest.py"]),
    ("landmark log hazard ratio shrunk by 20 %", "workbench/effects/weighted_estimate.py",
     'log_hr = float(fit.params_["a"])', 'log_hr = 0.8 * float(fit.params_["a"])',
     ["tests/studies/test_effects_landmark_study.py"]),
    ("subgroup interaction with the wrong sign", "workbench/effects/subgroups.py",
     "b = float(self.model_.params_[names].sum())",
     "b = float(self.model_.params_[names[0]] - self.model_.params_[names[1:]].sum())",
     ["tests/effects/test_effects_subgroups.py"]),
]  # fmt: skip


def deliberate() -> list[tuple[str, str]]:
    """Apply each DELIBERATE change alone to a scratch copy and run its tests: (name, outcome)
    with outcome "fails a test" (wanted) or "all tests pass" (the change goes unseen)."""
    prepare()
    env = {**os.environ, "PYTHONPATH": str(WORK), "WORKBENCH_CACHE_DIR": str(WORK / "cache")}
    out = []
    for name, path, text, change, tests in DELIBERATE:
        file = WORK / path
        original = file.read_text()
        if original.count(text) != 1:
            out.append((name, f"text not found once in {path}: update DELIBERATE"))
            continue
        file.write_text(original.replace(text, change))
        cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
        run = subprocess.run(cmd, cwd=WORK, env=env, text=True, capture_output=True)
        file.write_text(original)
        failed = [ln for ln in run.stdout.splitlines() if ln.startswith("FAILED")]
        out.append((name, f"fails {failed[0][7:]}" if failed else "all tests pass (unseen)"))
    return out


def rerun(jobs: int) -> str:
    """The last run's survivors again, against this tree's package and tests copied over the
    scratch copy (mutmut collects the new tests' stats and regenerates the mutants of changed
    files only: a survivor in a function this tree changed may now be another mutation)."""
    chosen = json.loads((WORK / "chosen.json").read_text())
    status = results()
    again = [k for k in chosen if status.get(k) in ("survived", "no tests")]
    for name in COPY:
        src, dst = ROOT / name, WORK / name
        if src.is_dir():
            shutil.rmtree(dst, ignore_errors=True)
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            shutil.copy2(src, dst)
    print(f"running the {len(again)} survivors of {len(chosen)} again")
    mutmut("run", "--max-children", str(jobs), "no_such_mutant_*", check=False)  # new tests' map
    print(f"{widen_to_shared_fixtures()} (function, test) pairs added for shared fixtures")
    mutmut("run", "--max-children", str(jobs), *again, check=False)
    return summarise(chosen)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=int, default=150, help="mutants to run (0: all)")
    ap.add_argument("--seed", type=int, default=24)
    ap.add_argument("--jobs", type=int, default=1, help="mutmut --max-children")
    ap.add_argument("--summarise", action="store_true")
    ap.add_argument("--work", default="mutation", help="scratch folder under bench/out/")
    ap.add_argument("--from", dest="commit", help="git commit to copy instead of this tree")
    ap.add_argument("--rerun", action="store_true", help="the last run's survivors, this tree")
    ap.add_argument(
        "--deliberate", action="store_true", help="run the issue's changes (DELIBERATE)"
    )
    a = ap.parse_args()
    global WORK
    WORK = ROOT / "bench" / "out" / a.work
    if a.rerun:
        print(rerun(a.jobs))
        return
    if a.deliberate:
        for name, outcome in deliberate():
            print(f"- {name}: {outcome}")
        return
    if a.summarise:
        chosen = json.loads((WORK / "chosen.json").read_text())
        print(summarise(chosen or None))
        return
    prepare(a.commit)
    # generate the mutants and collect which tests reach which function (runs no mutant: the
    # name matches none, and mutmut says so after the stats are stored)
    mutmut("run", "--max-children", str(a.jobs), "no_such_mutant_*", check=False)
    print(f"{widen_to_shared_fixtures()} (function, test) pairs added for shared fixtures")
    names = mutant_names()
    chosen = sorted(random.Random(a.seed).sample(names, min(a.sample, len(names))))
    if not a.sample:
        chosen = []
    (WORK / "chosen.json").write_text(json.dumps(chosen))
    print(f"{len(names)} mutants in {', '.join(MODULES)}; running {len(chosen) or len(names)}")
    mutmut("run", "--max-children", str(a.jobs), *chosen, check=False)
    print(summarise(chosen or None))


if __name__ == "__main__":
    main()
