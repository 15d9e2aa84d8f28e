"""Batches: parallel isolated runs, failures recorded, reruns skipped, index opened in Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from support import make_dataset

from workbench.params.batch import load_batch
from workbench.reporting.batch import STATUS_FAILED, execute_batch, run_one
from workbench.reporting.metrics import without_provenance

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.slow  # end-to-end: every test runs real reports


def _batch_file(folder: Path, data: Path) -> Path:
    text = f"""name: small
out: out
defaults: {{data: {data}, n_bootstrap: 3, seed: 5}}
runs:
  - {{name: all}}
  - {{name: all, lang: en}}
  - {{name: broken, n_bootstrap: many}}
  - {{name: nowhere, prefecture: no_such_place}}
"""
    f = folder / "batch.yaml"
    f.write_text(text, encoding="utf-8")
    return f


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """A batch of four runs (two good, two broken) with 2 workers, through the CLI."""
    from workbench.evaluation.analysis import CODE_VERSION_ENV, code_version

    root = tmp_path_factory.mktemp("batch")
    data = make_dataset(root / "data", n=500, seed=3)
    spec_file = _batch_file(root, data)
    old = os.environ.get(CODE_VERSION_ENV)
    os.environ[CODE_VERSION_ENV] = old or code_version()  # one code version for all the runs
    env = {**os.environ, "WORKBENCH_CACHE_DIR": str(root / "cache1")}
    res = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "batch", str(spec_file), "--workers", "2",
         "--out", str(root / "out")],
        capture_output=True, text=True, timeout=900, env=env,
    )  # fmt: skip
    yield {"root": root, "data": data, "file": spec_file, "res": res, "out": root / "out"}
    if old is None:
        os.environ.pop(CODE_VERSION_ENV, None)


def test_failing_runs_do_not_stop_the_others(batch):
    res, out = batch["res"], batch["out"]
    assert res.returncode == 1, res.stderr[-2000:]
    assert "2 ok, 0 skipped, 2 failed" in res.stdout
    for rid in ("all_zh", "all_en"):
        assert (out / rid / "report.pdf").is_file() and (out / rid / "metrics.json").is_file()
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary["run_id"]) == ["all_zh", "all_en", "broken_zh", "nowhere_zh"]
    failed = summary.set_index("run_id")
    assert "n_bootstrap '[value]' is not a whole number" in failed.loc["broken_zh", "error"]
    assert "no release is in the report's scope" in failed.loc["nowhere_zh", "error"]
    assert list(summary["status"]) == ["ok", "ok", "failed", "failed"]
    m = json.loads((out / "all_zh" / "metrics.json").read_text("utf-8"))
    assert summary.loc[0, "retention_12"] == pytest.approx(m["retention"][0]["estimate"], abs=1e-12)


def test_rerun_skips_up_to_date_reports(batch):
    spec = load_batch(batch["file"])
    before = (batch["out"] / "all_zh" / "report.pdf").stat().st_mtime_ns
    results = execute_batch(spec, batch["out"], workers=1, progress=False)
    status = {r.run_id: r.status for r in results}
    assert status == {"all_zh": "skipped", "all_en": "skipped", "broken_zh": "failed",
                      "nowhere_zh": "failed"}  # fmt: skip
    assert (batch["out"] / "all_zh" / "report.pdf").stat().st_mtime_ns == before


def test_metrics_identical_with_one_or_two_workers(batch, tmp_path, monkeypatch):
    """A fresh cache and one worker give byte-identical metrics (provenance aside)."""
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "cache2"))
    spec_file = tmp_path / "one.yaml"
    spec_file.write_text(
        f"runs:\n  - {{data: {batch['data']}, name: all, n_bootstrap: 3, seed: 5}}\n", "utf-8"
    )
    results = execute_batch(load_batch(spec_file), tmp_path / "out1", workers=1, progress=False)
    assert [r.status for r in results] == ["ok"]
    for rid in ("all_zh",):
        a = (batch["out"] / rid / "metrics.json").read_text("utf-8")
        b = (tmp_path / "out1" / rid / "metrics.json").read_text("utf-8")
        assert without_provenance(a) == without_provenance(b)
        strip = re.compile(r',\n  "provenance": \{.*\}\n\}\n$', re.S)
        assert strip.sub("", a) == strip.sub("", b)  # byte-identical outside provenance


def test_timeout_kills_the_run(batch, tmp_path):
    params = tmp_path / "p.yaml"
    params.write_text(f"data: {batch['data']}\nname: slow\nn_bootstrap: 3\n", encoding="utf-8")
    res = run_one(str(params), str(tmp_path / "slow"), timeout=0.5)
    assert res.status == STATUS_FAILED and res.error == "timed out after 0.5 s"
    assert not (tmp_path / "slow" / "report.pdf").exists()


@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed")
def test_index_opens_in_headless_chromium_and_links_resolve(batch, tmp_path):
    index = batch["out"] / "index.html"
    base = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-dev-shm-usage"]  # fmt: skip
    shot = tmp_path / "index.png"
    subprocess.run([*base, f"--screenshot={shot}", "--window-size=1000,700", index.as_uri()],
                   capture_output=True, timeout=120, check=True)  # fmt: skip
    assert shot.stat().st_size > 1000
    dom = subprocess.run([*base, "--dump-dom", index.as_uri()], capture_output=True, text=True,
                         timeout=120, check=True).stdout  # fmt: skip
    links = re.findall(r'href="([^"]+)"', dom)
    assert "all_zh/report.pdf" in links and "all_en/report.html" in links
    assert len(links) == 6  # summary.csv, batch.json + PDF and HTML of the two good runs
    for link in links:
        assert (batch["out"] / link).is_file(), link
    assert "n_bootstrap" in dom  # the failure's cause is shown
    for fact in ("data cut-off", "code version", "report built", "12-month retention", "全省",
                 "数据截止", "12个月操守保持率", "报告生成于"):  # fmt: skip
        assert fact in dom, fact  # the facts an analyst sends round


def test_batch_on_a_dask_local_cluster(batch, tmp_path, monkeypatch):
    from dask.distributed import LocalCluster

    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(batch["root"] / "cache1"))
    spec_file = tmp_path / "one.yaml"
    spec_file.write_text(
        f"runs:\n  - {{data: {batch['data']}, name: all, n_bootstrap: 3, seed: 5}}\n", "utf-8"
    )
    spec = load_batch(spec_file)
    # dashboard on a free port (None still binds 8787, which another cluster may hold)
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                      dashboard_address=":0") as cluster:  # fmt: skip
        results = execute_batch(spec, tmp_path / "out", scheduler=cluster.scheduler_address,
                                force=True, progress=False)  # fmt: skip
    assert [(r.run_id, r.status) for r in results] == [("all_zh", "ok")]
    a = (batch["out"] / "all_zh" / "metrics.json").read_text("utf-8")
    b = (tmp_path / "out" / "all_zh" / "metrics.json").read_text("utf-8")
    assert without_provenance(a) == without_provenance(b)
