"""The report's target trials in two processes (issue 23, evaluation/trial_processes.py): the
same summaries as one process, whichever process fits a support, and nothing lost when the
worker stops."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from workbench.cohort.contract import as_cohort
from workbench.emulation.grid import shared_grid
from workbench.evaluation import target_trial, trial_processes

CODES = ["job_placement", "employment_311", "peer_education"]


@pytest.fixture(scope="module")
def cohort(small_sim_feedback):
    return as_cohort(small_sim_feedback.dataset)


def _params(n_jobs: int):
    return target_trial._Settings(n_bootstrap=0, seed=7, n_jobs=n_jobs, interventions=tuple(CODES))


def _same(a, b) -> None:
    for name in a.__dataclass_fields__:
        x, y = getattr(a, name), getattr(b, name)
        if isinstance(x, pd.DataFrame):
            pd.testing.assert_frame_equal(x, y, check_exact=True)
        else:
            assert x == y, name


def test_two_processes_give_the_one_process_summaries(cohort):
    # each support's fit reads only the shared grid and the cohort: the same numbers to the
    # last bit (check_exact) and the same caveats, whichever process fitted it
    serial = target_trial.run_target_trials(cohort, _params(1))
    pids = {}

    def fit(c, code, params, scheduler=None, ahead=None):
        out = target_trial.fit_one(c, code, params, scheduler, ahead=ahead)
        pids[code] = os.getpid()  # the parent's record: the worker's own copy is not seen
        return out

    codes = list(serial)  # the cohort's order
    assert sorted(codes) == sorted(CODES)
    with shared_grid(cohort):
        forked = trial_processes.fit_supports(cohort, codes, _params(2), fit)
    assert list(forked) == codes
    assert len(pids) < len(codes)  # the worker fitted at least one support
    assert any(s.caveats for s in serial.values())  # caveats compared, not only empty ones
    assert all(s.withheld is None for s in serial.values())
    for code in codes:
        _same(serial[code], forked[code])


def test_what_the_worker_does_not_deliver_is_fitted_here(cohort):
    parent = os.getpid()

    def fit(c, code, params, scheduler=None, ahead=None):
        if os.getpid() != parent:
            os._exit(3)  # the worker dies (as when killed for memory) before sending anything
        return f"fitted {code}"

    with shared_grid(cohort):
        got = trial_processes.fit_supports(cohort, CODES, _params(2), fit)
    assert got == {code: f"fitted {code}" for code in CODES}


def test_the_report_uses_two_processes_only_with_the_sandwich_and_two_jobs(cohort, monkeypatch):
    calls = []
    monkeypatch.setattr(trial_processes, "fit_supports",
                        lambda c, chosen, params, fit: calls.append(params) or {})  # fmt: skip
    target_trial.run_target_trials(cohort, _params(2))
    assert len(calls) == 1
    one = target_trial._Settings(n_bootstrap=0, seed=7, n_jobs=2, interventions=("job_placement",))
    monkeypatch.setattr(target_trial, "fit_one", lambda *a, **k: "serial")
    assert target_trial.run_target_trials(cohort, one) == {"job_placement": "serial"}
    boot = target_trial._Settings(n_bootstrap=4, seed=7, n_jobs=2, interventions=tuple(CODES))
    assert set(target_trial.run_target_trials(cohort, boot).values()) == {"serial"}
    assert len(calls) == 1  # one support, or the bootstrap (its replicates use the workers)
    assert np.all([c.n_bootstrap == 0 for c in calls])
