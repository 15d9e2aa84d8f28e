"""The bundled annual batch, reduced, on a Dask cluster whose worker runs in another folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from support import make_dataset

from workbench.params.batch import load_batch
from workbench.reporting.batch import STATUS_FAILED, execute_batch, run_group

REPO = Path(__file__).resolve().parents[2]
ANNUAL = REPO / "params" / "batches" / "annual.yaml"


def reduced_annual(folder: Path, data: Path, scope: str = "changsha") -> Path:
    """annual.yaml with only `scope`'s two runs, the test data and 3 bootstrap replicates; its
    `out` stays the bundled relative one and the params files stay the bundled ones."""
    spec = yaml.safe_load(ANNUAL.read_text("utf-8"))
    runs = [r for r in spec["runs"] if r["params"].endswith(f"/{scope}.yaml")]
    assert len(runs) == 2
    for r in runs:
        r.update(params=str((ANNUAL.parent / r["params"]).resolve()), data=str(data), n_bootstrap=3)
    spec["runs"] = runs
    path = folder / "annual.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), "utf-8")
    return path


def test_a_worker_that_cannot_see_a_path_says_which_where_and_what_to_do(tmp_path):
    params = tmp_path / "elsewhere" / "p.yaml"
    (res,) = run_group([(str(params), str(tmp_path / "out" / "p_zh"))], timeout=5)
    assert res.status == STATUS_FAILED and res.duration_s == 0.0
    assert f"params file {params} is not visible on host" in res.error
    assert "same absolute paths" in res.error and "worker folder" in res.error
    assert str(tmp_path) not in res.public  # official outputs show no directories


@pytest.mark.slow
def test_reduced_annual_batch_on_a_worker_started_in_another_folder(tmp_path, monkeypatch):
    from dask.distributed import Client, LocalCluster

    data = make_dataset(tmp_path / "data", n=1200, seed=3)
    submit, elsewhere = tmp_path / "submit", tmp_path / "elsewhere"
    submit.mkdir()
    elsewhere.mkdir()
    spec_file = reduced_annual(tmp_path, data)
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(submit)  # `out: reports/annual` is relative to where the batch is started
    spec = load_batch(spec_file)
    assert not spec.out.is_absolute()
    log = (tmp_path / "worker.log").open("w")
    with log, LocalCluster(n_workers=0, protocol="tcp", dashboard_address=":0") as cluster:
        worker = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", cluster.scheduler_address,
             "--nworkers", "1", "--nthreads", "1", "--no-dashboard"],
            cwd=elsewhere, env={**os.environ, "PYTHONPATH": str(REPO)},
            stdout=subprocess.DEVNULL, stderr=log,
        )  # fmt: skip
        try:
            with Client(cluster.scheduler_address) as client:
                client.wait_for_workers(1, timeout=120)
            t0 = time.perf_counter()
            results = execute_batch(spec, spec.out, scheduler=cluster.scheduler_address,
                                    progress=False)  # fmt: skip
            seconds = time.perf_counter() - t0
        finally:
            worker.terminate()
            worker.wait(30)
    assert [(r.run_id, r.status, r.error) for r in results] == [
        ("changsha_zh", "ok", ""), ("changsha_en", "ok", "")]  # fmt: skip
    out = submit / "reports" / "annual"
    for rid in ("changsha_zh", "changsha_en"):
        assert (out / rid / "report.pdf").stat().st_size > 10_000
        m = json.loads((out / rid / "metrics.json").read_text("utf-8"))
        assert m["data"]["n_releases"] > 0
    assert not (elsewhere / "reports").exists()  # nothing written relative to the worker
    print(f"reduced annual batch on Dask: {seconds:.1f} s")
