"""Fixtures shared by the test files.

`small_sim_feedback`: the same size and seed with the employment feedback on (the default).
`small_sim`: ONE seeded small simulated cohort (3,000 releases, seed 7) for the whole session,
simulated WITHOUT the employment feedback (`NO_FEEDBACK`: support from baseline covariates
only, as before issue 18, so estimators of the support HRs are unbiased on it),
for tests whose assertions hold on any simulated cohort of this size (records agree with the
truth, files follow the contract). Tests whose numbers were tuned on another seed or size keep
their own simulation: test_retention_table (seed 11: CI coverage of the truth), test_turnbull
(seed 11), test_effects_landmark (seed 7, 2,500 releases: effect sizes), test_effects_small_sample
(1,500 releases: the small-sample rules), test_competing (seed 20170101), test_competing_ic.
A `Simulation` is immutable in use: never modify it in a test (copy a table first).

`make test` runs 2 pytest-xdist workers, each its own session: session fixtures are built once
per worker, each worker has its own analysis cache ($WORKBENCH_CACHE_DIR, `_own_cache_dir`), and
a test file runs whole on one worker beside another file: write tests that keep their files in
tmp_path and pass whatever runs beside them.
"""

from __future__ import annotations

import os

import pytest

SMALL_SIM_SEED = 7
SMALL_SIM_N = 3000

# `make test` runs the files on 2 workers (pytest-xdist, --dist loadfile: a file runs whole on one
# worker) in collection order; these start first, slowest first, so that no long file starts
# last while the other worker sits idle. Re-order from the slowest-durations list that
# `make test` prints at its end (CI's log) when a file grows.
SLOWEST_FIRST = (  # seconds per file, full -n 2 run at load 10-23 (2026-12-07): sizes relative
    "tests/reporting/test_faults.py",  # 819
    "tests/test_corpus.py",  # 747
    "tests/studies/test_effects_study.py",  # 443
    "tests/privacy/test_privacy_scan.py",  # 406
    "tests/reporting/test_degenerate.py",  # 321
    "tests/reporting/test_batch.py",  # 306
    "tests/studies/test_effects_landmark_study.py",  # 284
    "tests/studies/test_target_trial_study.py",  # 44, growing (#18)
    "tests/notebooks/test_notebooks.py",  # 251
    "tests/reporting/test_report.py",  # 228
    "tests/data/test_bad_inputs.py",  # 147
    "tests/reporting/test_report_official.py",  # 139
    "tests/reporting/test_batch_annual.py",  # 135
    "tests/reporting/test_console_report.py",  # 116
    "tests/stats/test_bootstrap_parallel.py",  # 107
    "tests/programme/test_trend.py",  # 100
    "tests/retention/test_turnbull.py",  # 78
)


def pytest_collection_modifyitems(config, items):
    """The files of SLOWEST_FIRST first, in that order; every other test keeps its place (the
    order within a file never changes). Deterministic: the same order on every worker and run."""
    root = config.rootpath

    def rank(item) -> int:
        path = item.path.relative_to(root).as_posix() if item.path.is_relative_to(root) else ""
        return SLOWEST_FIRST.index(path) if path in SLOWEST_FIRST else len(SLOWEST_FIRST)

    items[:] = sorted(items, key=rank)  # stable


@pytest.fixture(scope="session", autouse=True)
def _own_cache_dir(tmp_path_factory):
    """An analysis cache of this test session (per xdist worker) unless a test sets its own:
    tests never read the developer's cache, and two workers never share one."""
    old = os.environ.get("WORKBENCH_CACHE_DIR")
    os.environ["WORKBENCH_CACHE_DIR"] = str(tmp_path_factory.mktemp("workbench_cache"))
    yield
    if old is None:
        os.environ.pop("WORKBENCH_CACHE_DIR", None)
    else:
        os.environ["WORKBENCH_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def small_sim():
    """The simulator's output for 3,000 releases with seed 7 (dataset, truth, truth_table)."""
    from workbench.simulate import NO_FEEDBACK, simulate

    return simulate(NO_FEEDBACK, seed=SMALL_SIM_SEED, n=SMALL_SIM_N)


@pytest.fixture(scope="session")
def small_sim_feedback():
    """3,000 releases, seed 7, with the default employment feedback (issue 18): employment at
    visits (visits `employed`), support started month by month, truth of the natural course."""
    from workbench.simulate import simulate

    return simulate(seed=SMALL_SIM_SEED, n=SMALL_SIM_N)
