"""The province benchmark of a prefecture report comes from the benchmark's own sections: it does
not wait for the whole province analysis another report is computing, and its numbers are those
of the whole analysis."""

from __future__ import annotations

import dataclasses
import threading

import pandas as pd
from support import make_dataset

from workbench import cache
from workbench.evaluation.analysis import analyse, cache_key
from workbench.params.report import ReportParams
from workbench.reporting import benchmark


def test_benchmark_does_not_wait_for_the_whole_province_analysis(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv(benchmark.BENCHMARK_ENV, raising=False)
    data = make_dataset(tmp_path / "data", n=1500, seed=3)
    province = ReportParams(data=str(data), name="province", n_bootstrap=3, seed=5)
    pref = dataclasses.replace(province, name="changsha", prefecture="changsha")
    benchmark._benchmark.cache_clear()
    got: list = []
    helper = threading.Thread(target=lambda: got.append(benchmark.province_benchmark(pref)))
    # the province report holds its analysis' lock for as long as it computes the whole analysis
    with cache.locked(cache_key(province)):
        helper.start()
        helper.join(timeout=120)  # the sections alone take seconds; the lock is never released
        assert not helper.is_alive() and got[0].available
    part = analyse(province, only=benchmark.BENCHMARK_SECTIONS)  # now a cache hit
    assert part.effects is None and part.target_trials is None  # not the whole analysis
    whole = benchmark.from_results(analyse(province), "changsha")
    benchmark._benchmark.cache_clear()
    # the same code with the same seeds: the same numbers, to the last digit
    bench = got[0]
    pd.testing.assert_frame_equal(bench.milestones, whole.milestones, check_exact=True)
    assert bench.coverage == whole.coverage and bench.standing == whole.standing
    assert bench.standing is not None and set(bench.ranking) == set(whole.ranking)
    for by in whole.ranking:
        pd.testing.assert_frame_equal(bench.ranking[by], whole.ranking[by], check_exact=True)
