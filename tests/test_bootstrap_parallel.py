"""Bootstrap replicates give the same draws sequentially, on joblib processes and on Dask."""

import numpy as np
import pytest
from joblib import parallel_config
from test_effects_primary import toy_cohort
from test_turnbull import visit_data

from workbench.effects.estimate import bootstrap, run_replicates
from workbench.effects.primary import TimeVaryingEffects
from workbench.exceptions import EstimationError
from workbench.retention.turnbull import TurnbullFitter


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
    est = TimeVaryingEffects(n_boot=5, seed=11, lag="none", **options).fit(cohort, starts)
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
