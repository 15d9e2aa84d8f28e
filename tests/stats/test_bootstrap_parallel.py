"""Bootstrap replicates give the same draws sequentially, on joblib processes and on Dask."""

import numpy as np
import pandas as pd
import pytest
from joblib import parallel_config
from support import toy_cohort, visit_data

from workbench.effects.primary import TimeVaryingEffects
from workbench.exceptions import EstimationError
from workbench.retention.turnbull import TurnbullFitter
from workbench.stats.bootstrap import bootstrap, run_replicates


@pytest.fixture(scope="module")
def cluster():
    from dask.distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    ) as local:
        yield local


@pytest.fixture(scope="module")
def primary_data():
    return toy_cohort(300, 21)


def _primary(data, **options):
    cohort, starts = data
    est = TimeVaryingEffects(n_bootstrap=5, seed=11, lag="none", **options).fit(cohort, starts)
    return est.boot_.to_numpy()


def _npmle(**options):
    L, R, _ = visit_data(np.random.default_rng(5), 600)
    fit = TurnbullFitter(n_bootstrap=6, seed=2, **options).fit(L, R)
    return fit.confidence_band([100.0, 200.0, 400.0, 800.0])[["lower", "upper"]].to_numpy()


def test_primary_draws_equal_on_processes_and_dask(primary_data, cluster):
    one = _primary(primary_data)
    assert np.isfinite(one).all() and np.unique(one[:, 0]).size == 5
    np.testing.assert_array_equal(_primary(primary_data, n_jobs=2), one)
    np.testing.assert_array_equal(_primary(primary_data, scheduler=cluster), one)
    np.testing.assert_array_equal(_primary(primary_data, scheduler=cluster.scheduler_address), one)


def test_npmle_band_equal_on_processes_and_dask(cluster):
    one = _npmle()
    assert np.all(one[:, 0] < one[:, 1])
    np.testing.assert_array_equal(_npmle(n_jobs=2), one)
    np.testing.assert_array_equal(_npmle(scheduler=cluster), one)


def test_active_joblib_dask_backend_is_used(primary_data, cluster):
    from dask.distributed import Client

    one = _primary(primary_data)
    with Client(cluster) as client, parallel_config(backend="dask"):
        seen = client.run(lambda: True)
        got = _primary(primary_data)
    assert len(seen) == 2
    np.testing.assert_array_equal(got, one)


def _draw(rng):
    value = rng.standard_normal(3)
    if value[0] > 0.5:
        raise EstimationError("this replicate fails")
    return value


def test_failed_replicates_are_nan_rows_wherever_they_run(cluster):
    seeds = np.random.SeedSequence(4).spawn(12)
    want = [_draw(np.random.default_rng(s)) if _ok(s) else None for s in seeds]
    got = bootstrap(_draw, 12, np.random.SeedSequence(4))
    assert any(w is None for w in want) and any(w is not None for w in want)
    for row, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(row, np.full(3, np.nan) if w is None else w)
    np.testing.assert_array_equal(bootstrap(_draw, 12, np.random.SeedSequence(4), 2), got)
    np.testing.assert_array_equal(
        bootstrap(_draw, 12, np.random.SeedSequence(4), scheduler=cluster), got
    )
    listed = run_replicates(_draw, seeds, n_jobs=2)
    assert [r is None for r in listed] == [w is None for w in want]


def _ok(seed) -> bool:
    return np.random.default_rng(seed).standard_normal(3)[0] <= 0.5


def test_the_environment_does_not_choose_the_scheduler(primary_data, monkeypatch):
    """The scheduler is an argument from the CLI down; the variable that once carried it (and
    any other) is not read: an unreachable address there changes nothing."""
    one = _primary(primary_data)
    monkeypatch.setenv("WORKBENCH_DASK_SCHEDULER", "tcp://127.0.0.1:9")
    np.testing.assert_array_equal(_primary(primary_data), one)


def test_report_analyses_run_their_replicates_on_the_scheduler_given(tmp_path, cluster):
    """`workbench report --dask-scheduler`: analyse(params, scheduler=) sends the retention,
    effects and competing-risks replicates to the cluster; the numbers are a local run's."""
    from dask.distributed import Client, get_task_stream

    from workbench.evaluation.analysis import analyse
    from workbench.params.report import ReportParams
    from workbench.simulate import NO_FEEDBACK, simulate, write_simulation

    write_simulation(simulate(NO_FEEDBACK, n=400, seed=8), tmp_path / "data")
    params = ReportParams.from_mapping({"data": str(tmp_path / "data"), "n_bootstrap": 3})
    local = analyse(params, use_cache=False)
    with Client(cluster) as client, get_task_stream(client) as stream:
        remote = analyse(params, use_cache=False, scheduler=cluster)
    assert len(stream.data) > 0
    pd.testing.assert_frame_equal(remote.milestones, local.milestones, rtol=1e-12)
    pd.testing.assert_frame_equal(remote.effects, local.effects, rtol=1e-12)


def test_report_kernel_gets_the_scheduler_as_a_notebook_parameter(tmp_path, monkeypatch):
    """The report's kernel is another process: the scheduler travels as the notebook's
    `dask_scheduler` parameter, and only when given (report parameters unchanged)."""
    import nbformat
    import papermill

    from workbench.params.report import ReportParams
    from workbench.reporting.execute import execute

    seen = []
    # papermill returns the executed notebook; an empty one will do (execute retries on None)
    monkeypatch.setattr(papermill, "execute_notebook",
                        lambda *a, **kw: seen.append(kw) or nbformat.v4.new_notebook())  # fmt: skip
    params = ReportParams.from_mapping({"data": "x"})
    execute(params, tmp_path / "r.ipynb", tmp_path, None, "tcp://10.0.0.1:8786")
    execute(params, tmp_path / "r.ipynb", tmp_path, None)
    assert seen[0]["parameters"] == {**params.to_mapping(), "dask_scheduler": "tcp://10.0.0.1:8786"}
    assert seen[1]["parameters"] == params.to_mapping()


def test_cli_effects_on_a_dask_scheduler_gives_the_same_table(tmp_path):
    import json
    import subprocess
    import sys

    from dask.distributed import Client, LocalCluster, get_task_stream

    from workbench.simulate import NO_FEEDBACK, simulate, write_simulation

    write_simulation(simulate(NO_FEEDBACK, n=800, seed=8), tmp_path / "data")
    cmd = [sys.executable, "-m", "workbench.cli", "effects", str(tmp_path / "data"), "--json",
           "--bootstrap", "3"]  # fmt: skip
    local = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert local.returncode == 0, local.stderr[-2000:]
    # a TCP scheduler (another process must reach it), workers in this process
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp",
                      dashboard_address=":0") as tcp, Client(tcp) as client:  # fmt: skip
        with get_task_stream(client) as stream:
            remote = subprocess.run([*cmd, "--dask-scheduler", tcp.scheduler_address],
                                    capture_output=True, text=True, timeout=600)  # fmt: skip
    assert remote.returncode == 0, remote.stderr[-2000:]
    assert len(stream.data) > 0
    got, want = pd.DataFrame(json.loads(remote.stdout)), pd.DataFrame(json.loads(local.stdout))
    # equal to the last bits or so: BLAS in a Dask worker thread may sum in another order
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12, atol=0)


def test_unreachable_scheduler_is_one_line_and_exit_2(tmp_path, capsys):
    from workbench.cli import main
    from workbench.simulate import NO_FEEDBACK, simulate, write_simulation

    write_simulation(simulate(NO_FEEDBACK, n=300, seed=8), tmp_path / "data")
    code = main(["effects", str(tmp_path / "data"), "--bootstrap", "2",
                 "--dask-scheduler", "tcp://127.0.0.1:9"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert "Dask scheduler 'tcp://127.0.0.1:9' cannot be reached" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_batched_replicates_keep_each_seed_whatever_the_workers():
    # batched=True hands fn a whole chunk; replicate b still draws from child b of the seed,
    # and a None row stays None (a failed replicate)
    def chunk(rngs):
        return [None if (x := rng.random()) > 0.9 else np.array([x]) for rng in rngs]

    seeds = np.random.SeedSequence(3).spawn(60)
    plain = run_replicates(lambda rng: chunk([rng])[0], seeds)
    for jobs in (1, 2):
        rows = run_replicates(chunk, seeds, n_jobs=jobs, batched=True)
        assert [r is None for r in rows] == [r is None for r in plain]
        assert any(r is None for r in rows) and len(rows) == 60
        np.testing.assert_array_equal(
            np.array([r[0] for r in rows if r is not None]),
            np.array([r[0] for r in plain if r is not None]),
        )


def test_meanwhile_runs_once_while_the_replicates_are_out():
    # the caller's other work runs exactly once, in this process, and changes no replicate
    calls = []
    seeds = np.random.SeedSequence(4).spawn(12)
    plain = run_replicates(lambda rng: rng.random(), seeds)
    for jobs in (1, 2):
        rows = run_replicates(lambda rng: rng.random(), seeds, n_jobs=jobs,
                              meanwhile=lambda j=jobs: calls.append(j))  # fmt: skip
        assert rows == plain
    assert calls == [1, 2]
