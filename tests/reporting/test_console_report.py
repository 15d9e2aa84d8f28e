"""`workbench report` end to end (issue 23 item 3 and 4): no kernel transport warning (the kernel
runs over IPC and leaves no socket behind), stage lines on stderr, `--quiet`, and each stage's
time in metrics.json's provenance."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from support import make_dataset

pytestmark = pytest.mark.slow  # two real reports (one cold, one from the cache)

ANALYSES = [
    "retention", "coverage", "tiers", "regions", "ranking", "facilities", "risk", "effects",
    "target_trial", "competing", "trend", "projection_check", "model_check",
]  # fmt: skip


def _report(params: Path, out: Path, env: dict, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workbench.cli", "report", "--params", str(params),
         "--out", str(out), *extra],
        capture_output=True, text=True, timeout=900, env=env,
    )  # fmt: skip


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("console_report")
    data = make_dataset(root / "data", n=500, seed=3)
    params = root / "p.yaml"
    params.write_text(f"data: {data}\nname: small\nlang: en\nn_bootstrap: 3\nseed: 5\n", "utf-8")
    (root / "tmp").mkdir()
    env = {**os.environ, "WORKBENCH_CACHE_DIR": str(root / "cache"), "TMPDIR": str(root / "tmp")}
    cold = _report(params, root / "cold", env)
    warm = _report(params, root / "warm", env, "--quiet")
    return {"root": root, "cold": cold, "warm": warm}


def _provenance(folder: Path) -> dict:
    return json.loads((folder / "metrics.json").read_text("utf-8"))["provenance"]


def test_no_kernel_transport_warning_and_no_socket_left(runs):
    for run in (runs["cold"], runs["warm"]):
        assert run.returncode == 0, run.stderr[-3000:]
        assert "without encryption" not in run.stderr and "IPKernelApp" not in run.stderr
        assert "WARNING" not in run.stderr
    assert list((runs["root"] / "tmp").rglob("*")) == []  # work folder, sockets, connection file


def test_cold_report_shows_each_stage_and_ends_the_log_with_their_times(runs):
    lines = runs["cold"].stderr.strip().splitlines()
    assert all(re.match(r"\d\d:\d\d:\d\d ", x) for x in lines), lines  # not a terminal
    text = [x[len("08:31:05 ") :] for x in lines]
    done = [x.split(" done in ")[0] for x in text if re.search(r" done in \d+\.\d s$", x)]
    assert [d for d in done if ":" not in d] == [
        "cache",
        "cache",
        "load",
        "cohort",
        *ANALYSES,
        "cache",
        "notebook",
        "html",
        "pdf",
    ]  # fmt: skip  (a miss looks again holding the entry's lock, then computes and stores)
    assert "effects: bootstrap 3/3 done in" in runs["cold"].stderr
    assert re.fullmatch(r"stages: cache [\d.]+ s, load [\d.]+ s, .*, pdf [\d.]+ s", text[-1])
    assert re.fullmatch(r"report small \(en\) → .*report\.pdf \([\d.]+ s\)\n", runs["cold"].stdout)


def test_provenance_records_the_time_of_each_stage(runs):
    cold = _provenance(runs["root"] / "cold")
    assert list(cold["stages"]) == ["cache", "load", "cohort", *ANALYSES, "notebook", "html", "pdf"]
    assert all(isinstance(v, float) and v >= 0 for v in cold["stages"].values())
    assert cold["stages"]["notebook"] > 0.5 and cold["stages"]["pdf"] > 0.05  # a kernel, a PDF
    assert sum(cold["stages"].values()) <= cold["duration_s"] + 0.01
    warm = _provenance(runs["root"] / "warm")  # the analyses came from the cache
    assert list(warm["stages"]) == ["cache", "notebook", "html", "pdf"]


def test_quiet_report_prints_only_its_final_line(runs):
    assert runs["warm"].stderr == ""
    assert re.fullmatch(r"report small \(en\) → .*report\.pdf \([\d.]+ s\)\n", runs["warm"].stdout)
