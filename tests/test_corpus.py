"""Real-data acceptance corpus (issue 14 item 6): every dataset of data/corpus through the CLI.

For each dataset (data/corpus/<name>/spec.yaml; the CLI arguments per dataset are in
tests/reference/corpus_plan.csv) `workbench retention`, `risk`, `effects` and `report` run as a
user would run them (`python -m workbench.cli ...`, offline). Every run ends with exit 0, or exit
2 with one line on stderr where the data cannot support the analysis; never a traceback; every
`--json` is strict JSON (NaN/Infinity refused). Numbers are compared with R (survival 3.x,
tests/reference/corpus.R -> corpus_R.csv): Kaplan-Meier milestones with log-log CIs, medians
with CIs and RMST with SE to 1e-6; Cox coefficients, model and robust SEs (unstratified and
stratified) and the cox.zph chi-squares to 1e-6; Aalen-Johansen cumulative incidence with CIs to
1e-6; the Turnbull NPMLE log-likelihood at least R's (minus 1e-6).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "data" / "corpus"
REF = ROOT / "tests" / "reference"
PLAN = pd.read_csv(REF / "corpus_plan.csv", dtype=str, keep_default_na=False).set_index("name")
R = pd.read_csv(REF / "corpus_R.csv", dtype={"key": str, "group": str}, keep_default_na=False)
R["value"] = pd.to_numeric(R["value"].replace("NA", np.nan))
NAMES = list(PLAN.index)
TOL = 1e-6


NO_ARM_CHECK = "lung"  # effects on a table without arms: one line, exit 2 (checked once)


def has_arm(name: str) -> bool:
    text = (CORPUS / name / "spec.yaml").read_text("utf-8")
    return "arms:" in text or "interventions:" in text


def _reject(name: str):
    raise ValueError(f"{name} is not valid JSON")


def strict_json(text: str):
    """Parse JSON, refusing NaN, Infinity and -Infinity."""
    return json.loads(text, parse_constant=_reject)


def _run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workbench.cli", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=600,
    )


def checked(proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    """Exit 0, or exit 2 with one line on stderr; never a traceback."""
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 2), (proc.returncode, proc.stderr)
    if proc.returncode == 2:
        assert proc.stderr.strip() and proc.stderr.strip().count("\n") == 0, proc.stderr
    return proc


def _commands(name: str, folder: Path) -> dict[str, list[str]]:
    """Every CLI run of one dataset (key -> argv)."""
    plan, data = PLAN.loc[name], spec(name)
    retention = ["retention", data, "--json", "--at", plan["at"].replace(";", ",")]
    retention += ["--bootstrap", "20", "--seed", "1"]
    retention += ["--by", plan["by"]] if plan["by"] else []
    retention += ["--horizon", plan["horizon"]] if plan["horizon"] else []
    params = folder / "params.yaml"
    params.write_text(
        f"data: {data}\nname: {name}\ntitle: {name} (corpus)\nlang: en\nn_bootstrap: 5\nseed: 1\n",
        encoding="utf-8",
    )
    out = {
        "report": ["report", "--params", str(params), "--out", str(folder / "out")],
        "retention": retention,
        "cox": ["risk", data, "--json", "--strata"],  # --strata alone: no strata
    }
    if has_arm(name) or name == NO_ARM_CHECK:
        out["effects"] = ["effects", data, "--json", "--bootstrap", "10", "--seed", "1"]
    if plan["strata"]:
        out["cox_strata"] = ["risk", data, "--json", "--strata", plan["strata"]]
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[tuple[str, str], subprocess.CompletedProcess]:
    """All CLI runs of the corpus, two at a time (the reports, the slow part, first)."""
    jobs = {}
    for name in NAMES:
        folder = tmp_path_factory.mktemp(name)
        for key, argv in _commands(name, folder).items():
            jobs[(name, key)] = (argv, {"WORKBENCH_CACHE_DIR": str(folder / "cache")})
    order = sorted(jobs, key=lambda k: k[1] != "report")
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {k: pool.submit(_run, *jobs[k]) for k in order}
        done = {k: f.result() for k, f in futures.items()}
    for name in NAMES:  # where the reports went (the metrics are read by test_report_runs)
        done[(name, "folder")] = jobs[(name, "report")][0][4]
    return done


def spec(name: str) -> str:
    return str(CORPUS / name / "spec.yaml")


def ref(name: str, section: str) -> pd.DataFrame:
    return R[(R["dataset"] == name) & (R["section"] == section)]


def close(got, want, what: str, tol: float = TOL) -> float:
    """|got - want| <= tol, with null (None) exactly where R gives NA; returns the difference."""
    if pd.isna(want):
        assert got is None, f"{what}: R gives NA, workbench {got}"
        return 0.0
    assert got is not None, f"{what}: workbench null, R {want}"
    diff = abs(float(got) - float(want))
    assert diff <= tol, f"{what}: workbench {got}, R {want} (|diff| {diff:.2e})"
    return diff


def output(runs, name: str, key: str):
    """The strict-JSON output of a run that must succeed."""
    proc = checked(runs[(name, key)])
    assert proc.returncode == 0, proc.stderr
    return strict_json(proc.stdout)


@pytest.mark.parametrize("name", NAMES)
def test_retention_equals_R(runs, name):
    out = output(runs, name, "retention")
    assert set(out) >= {"milestones", "medians", "rmst", "notes"}
    for row in out["milestones"] + out["medians"] + out["rmst"]:
        assert "group" in row
        nulls = [k for k, v in row.items() if v is None and k not in ("note", "identified")]
        assert not nulls or row.get("reason"), row
    miles = {(r["group"], r["months"]): r for r in out["milestones"]}
    for r in ref(name, "milestone").itertuples():
        close(
            miles[(r.group, float(r.key))][r.stat], r.value, f"{name} {r.group} {r.key} m {r.stat}"
        )
    medians = {r["group"]: r for r in out["medians"]}
    for r in ref(name, "median").itertuples():
        close(medians[r.group][r.stat], r.value, f"{name} {r.group} median {r.stat}")
    rmst = {r["group"]: r for r in out["rmst"]}
    for r in ref(name, "rmst").itertuples():
        row = rmst[r.group]
        assert row["horizon_days"] == float(r.key)
        close(row[r.stat], r.value, f"{name} {r.group} RMST {r.stat}")
    assert any(f"day {float(PLAN.loc[name, 'horizon'] or 0):g}" in n for n in out["notes"]) or (
        not PLAN.loc[name, "horizon"]
    )


@pytest.mark.parametrize("name", [n for n in NAMES if not ref(n, "cif").empty])
def test_cumulative_incidence_equals_R(runs, name):
    rows = output(runs, name, "retention")["cumulative_incidence"]
    causes = list(dict.fromkeys(r["cause"] for r in rows))  # event of interest first
    got = {(("event", "competing")[causes.index(r["cause"])], r["months"]): r for r in rows}
    for r in ref(name, "cif").itertuples():
        cause, months = r.key.split("@")
        close(got[(cause, float(months))][r.stat], r.value, f"{name} CIF {r.key} {r.stat}")


@pytest.mark.parametrize("name", [n for n in NAMES if not ref(n, "npmle").empty])
def test_npmle_log_likelihood_at_least_R(runs, name):
    fits = {r["group"]: r for r in output(runs, name, "retention")["curves"]}
    assert fits
    for r in ref(name, "npmle").query("group in @fits").itertuples():
        assert fits[r.group]["method"].startswith("Turnbull NPMLE")
        assert fits[r.group]["log_likelihood"] >= r.value - TOL, (r.group, r.value)


@pytest.mark.parametrize("name", NAMES)
def test_risk_equals_R(runs, name):
    sections = ["cox"] + (["cox_strata"] if PLAN.loc[name, "strata"] else [])
    for section in sections:
        out = output(runs, name, section)
        terms = {t["term"]: t for t in out["terms"]}
        for t in terms.values():
            assert set(t) >= {"term", "coef", "se", "robust_se", "hr", "lower", "upper", "p"}
        want = ref(name, section)
        if want.empty:  # interval-censored: no R Cox reference, the AFT choice is given
            assert out["aft"]["chosen"] in ("weibull", "loglogistic", "lognormal")
            continue
        assert out["n"] == want.query("stat == 'n'")["value"].item()
        assert out["log_likelihood"] == pytest.approx(
            want.query("stat == 'loglik'")["value"].item(), abs=TOL
        )
        for r in want[want["stat"].isin(["coef", "se", "robust_se"])].itertuples():
            close(terms[r.key][r.stat], r.value, f"{name} {section} {r.key} {r.stat}")
        ph = ref(name, f"{section}_zph").query("stat == 'chisq'")
        if ph.empty:
            assert out["ph_test"] is None and out["ph_test_reason"]
            continue
        got = {p["variable"]: p["chisq"] for p in out["ph_test"]}
        for r in ph.itertuples():
            close(got[r.key], r.value, f"{name} {section} zph {r.key}")


@pytest.mark.parametrize("name", [n for n in NAMES if has_arm(n) or n == NO_ARM_CHECK])
def test_effects_run_where_an_arm_exists(runs, name):
    proc = checked(runs[(name, "effects")])
    if not has_arm(name):
        assert proc.returncode == 2 and "arms" in proc.stderr
        return
    assert proc.returncode == 0, proc.stderr
    records = strict_json(proc.stdout)
    assert records and all("design" in r and "horizon_days" in r for r in records)


@pytest.mark.parametrize("name", NAMES)
def test_report_runs(runs, name):
    proc = checked(runs[(name, "report")])
    assert proc.returncode == 0, proc.stderr
    folder = Path(runs[(name, "folder")])
    metrics = strict_json((folder / "metrics.json").read_text("utf-8"))
    assert metrics["retention"]
    assert {p.name for p in folder.iterdir()} >= {"report.pdf", "report.html", "metrics.json"}
