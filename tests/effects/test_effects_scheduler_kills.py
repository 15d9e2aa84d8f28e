"""The Dask scheduler is an argument from the CLI down to every bootstrap (issue #24, session 7:
bench/mutation.py's seed 27 dropped it in three places unseen). A stand-in for the cluster runs
the replicates here and records that it was asked; the tables must equal those computed without
it (each replicate's draws come from its own seed, so where it runs cannot change a number)."""

import numpy as np
import pandas as pd
import pytest

from workbench.effects.table import effects_table
from workbench.stats import bootstrap as bs


@pytest.fixture
def cluster(monkeypatch):
    """Records the scheduler of each bootstrap sent to the cluster; `cluster.local` counts the
    bootstraps run in this process (one `_chunk` call each when n_jobs == 1)."""
    asked = Asked()
    chunk = bs._chunk

    def local(fn, seeds, *args):
        asked.local += 1
        return chunk(fn, seeds, *args)

    def on_the_cluster(fn, seeds, scheduler, progress=None, runner=None, meanwhile=None):
        asked.append(scheduler)
        if meanwhile is not None:
            meanwhile()
        run = chunk if runner in (None, local) else runner
        return run(fn, list(seeds))

    monkeypatch.setattr(bs, "_dask_chunks", on_the_cluster)
    monkeypatch.setattr(bs, "_chunk", local)
    return asked


class Asked(list):
    local = 0


def _same(a: pd.DataFrame, b: pd.DataFrame):
    pd.testing.assert_frame_equal(a, b, check_exact=True)


@pytest.mark.filterwarnings("ignore::workbench.exceptions.StatisticalWarning")
def test_time_varying_supports_bootstrap_on_the_given_scheduler(cluster):
    from workbench.simulate import NO_FEEDBACK, simulate

    data = simulate(NO_FEEDBACK, seed=7, n=800).dataset
    here = effects_table(data, n_bootstrap=2, seed=1)
    n_local = cluster.local
    assert n_local >= 2  # the primary model's bootstrap and the landmark comparisons'
    cluster.local = 0
    there = effects_table(data, n_bootstrap=2, seed=1, scheduler="tcp://cluster:8786")
    # every bootstrap went to the cluster, none ran here
    assert set(cluster) == {"tcp://cluster:8786"} and len(cluster) == n_local
    assert cluster.local == 0
    _same(here, there)


def test_randomised_interval_censored_arms_bootstrap_on_the_given_scheduler(cluster):
    from workbench.cohort.contract import AnalysisCohort

    rng = np.random.default_rng(3)
    n = 160
    arm = rng.integers(0, 2, n)
    t = rng.exponential(np.where(arm == 1, 700.0, 450.0))
    visits = np.array([180.0, 360.0, 540.0, 720.0])
    k = (visits[None, :] < t[:, None]).sum(axis=1)  # visits before the relapse
    seen = k < visits.size
    upper = np.where(seen, visits[np.minimum(k, visits.size - 1)], np.nan)
    lower = np.where(k > 0, visits[np.maximum(k - 1, 0)], 0.0)
    table = pd.DataFrame({"lower_day": lower, "upper_day": upper, "arm": arm,
                          "event": np.where(seen, "relapse", "censored"),
                          "last_day": np.where(seen, upper, lower)})  # fmt: skip
    cohort = AnalysisCohort(table=table, kind="spec", exposure="baseline",
                            interventions=("arm",), design="randomised")  # fmt: skip
    here = effects_table(cohort, n_bootstrap=4, seed=1)
    n_local = cluster.local
    assert n_local >= 2  # one NPMLE bootstrap per arm
    cluster.local = 0
    there = effects_table(cohort, n_bootstrap=4, seed=1, scheduler="tcp://cluster:8786")
    assert set(cluster) == {"tcp://cluster:8786"} and len(cluster) == n_local
    assert cluster.local == 0
    _same(here, there)
