"""The report's independent sections on both cores (issue 23, evaluation/section_processes.py):
the same values, missing reasons, caveats (in order) and stage order as one process; a section
the worker does not deliver is computed here; the target trials' worker waits for the second
core."""

from __future__ import annotations

import dataclasses
import io
import os
import time
import warnings

import numpy as np
import pandas as pd

from workbench import console
from workbench.emulation.grid import shared_grid
from workbench.evaluation import section_processes as sections
from workbench.evaluation import trial_processes
from workbench.evaluation.contract import analyse_cohort
from workbench.evaluation.results import Note
from workbench.exceptions import EstimationError, StatisticalWarning
from workbench.params.report import ReportParams


def same(a, b, where: str = "results") -> None:
    """Equal to the last bit, recursively (frames exactly, NaN = NaN, dict order too)."""
    assert type(a) is type(b), where
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=where)
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, check_exact=True, obj=where)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype, where
        np.testing.assert_array_equal(a, b, err_msg=where)
    elif dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, dict):
        assert list(a) == list(b), where  # the same keys in the same order
        for key in a:
            same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{where}[{i}]")
    elif isinstance(a, float):
        assert (np.isnan(a) and np.isnan(b)) or a == b, where
    elif hasattr(a, "__dict__") and not callable(a):
        same(vars(a), vars(b), where)
    else:
        assert a == b, where


def _warn(text: str, value, code: str | None = None):
    if code is None:
        warnings.warn(text, UserWarning, stacklevel=1)
    else:
        warnings.warn(StatisticalWarning(text, code=code, n=3), stacklevel=1)
    return value


def _fail(reason: str):
    raise EstimationError(reason)


def _slow(value, seconds: float = 0.05):
    time.sleep(seconds)
    return value


def _plan() -> list[sections.Section]:
    S = sections.Section
    return [
        S("regions", _warn, ("shared caveat", {"regions": 1}, "c1")),
        S("ranking", _warn, ("shared caveat", "ranked", "c1"), movable=True,
          when=lambda values, missing: values.get("regions") is not None),
        S("risk", _fail, ("no_relapse",), movable=True),
        S("effects", _slow, ({"table": pd.DataFrame({"x": [0.1, np.nan]})},)),
        S("target_trial", _slow, when=lambda values, missing: "effects" not in missing,
          late=lambda values: (len(values["effects"]["table"]),)),
        S("trend", _warn, ("trend caveat", np.arange(3.0)), movable=True),
        S("model_check", _warn, ("last caveat", 2.5, "c2"), movable=True),
        S("skipped", _slow, (1,), movable=True),
    ]  # fmt: skip


def _run(beside: bool, plan=None):
    notes = [Note("from the cohort")]
    missing = {"skipped": "no_follow_up"}
    out = io.StringIO()
    shown = console.Console(out, tty=False, hold_s=0)
    with console.showing(shown), console.timing() as stages:
        values = sections.run(plan or _plan(), missing, notes, beside=beside)
    return values, missing, notes, stages, out.getvalue()


def test_a_worker_gives_what_one_process_gives():
    one = _run(beside=False)
    two = _run(beside=True)
    same(one[:3], two[:3])  # values, missing (in order), notes (in order, each once)
    assert list(one[3]) == list(two[3])  # the stages in the order one process runs them
    assert list(one[3]) == ["regions", "ranking", "risk", "effects", "target_trial", "trend",
                            "model_check"]  # fmt: skip
    assert one[1] == {"skipped": "no_follow_up", "risk": "no_relapse"}
    assert [n.message for n in one[2]] == ["from the cohort", "shared caveat", "trend caveat",
                                           "last caveat"]  # fmt: skip
    assert one[0]["target_trial"] == 2 and one[0]["skipped"] is None
    # the worker's sections said so on the console, with their own seconds
    assert "ranking done in" in two[4] and "(in a second process)" in two[4]
    assert "in a second process: ranking, risk, trend, model_check" in two[4]
    assert "(in a second process)" not in one[4]


def test_a_worker_section_whose_condition_fails_is_dropped():
    # no regional comparison: one process does not rank, so the worker's ranking is dropped
    plan = [dataclasses.replace(s, func=_fail, args=("one_region",)) if s.name == "regions"
            else s for s in _plan()]  # fmt: skip
    one, two = _run(False, plan), _run(True, plan)
    same(one[:3], two[:3])
    assert one[0]["ranking"] is None and "ranking" not in one[1]
    assert list(one[3]) == list(two[3]) and "ranking" not in two[3]


def test_what_the_worker_does_not_deliver_is_computed_here():
    parent = os.getpid()

    def dies(value):
        if os.getpid() != parent:
            os._exit(3)  # the worker dies (as when killed for memory) in this section
        return value

    plan = [dataclasses.replace(s, func=dies, args=("checked",)) if s.name == "trend" else s
            for s in _plan()]  # fmt: skip
    one, two = _run(False, plan), _run(True, plan)
    same(one[:3], two[:3])
    assert two[0]["trend"] == "checked" and list(one[3]) == list(two[3])


def test_a_worker_only_with_two_jobs_and_no_replicates():
    params = ReportParams(data="x", n_jobs=2, n_bootstrap=0)
    assert sections.usable(params)
    assert not sections.usable(dataclasses.replace(params, n_jobs=1))
    # the bootstrap's replicates already spread over the cores (the 23 k report, the batch)
    assert not sections.usable(dataclasses.replace(params, n_bootstrap=200))
    assert not sections.usable(params, scheduler="tcp://127.0.0.1:8786")


def test_the_trials_worker_waits_for_the_second_core(small_sim_feedback):
    from workbench.cohort.contract import as_cohort
    from workbench.evaluation.target_trial import _Settings

    cohort = as_cohort(small_sim_feedback.dataset)
    codes = ["job_placement", "employment_311", "peer_education"]
    params = _Settings(n_bootstrap=0, seed=7, n_jobs=2, interventions=tuple(codes))

    def fit(c, code, p, scheduler=None, ahead=None):
        time.sleep(0.3)
        return os.getpid()

    asked = []
    with shared_grid(cohort), trial_processes.second_core(lambda: asked.append(1) and False):
        busy = trial_processes.fit_supports(cohort, codes, params, fit)
    assert set(busy.values()) == {os.getpid()} and len(asked) >= 2  # asked, never forked
    calls = []  # free from the second question on: the worker is forked after one support
    with (
        shared_grid(cohort),
        trial_processes.second_core(lambda: len(calls.append(1) or calls) > 1),
    ):
        later = trial_processes.fit_supports(cohort, codes, params, fit)
    assert later[codes[0]] == os.getpid() and len(set(later.values())) == 2 and len(calls) == 2


def test_the_report_analysis_on_two_cores_is_the_one_process_analysis(small_sim_feedback):
    params = ReportParams.from_yaml("params/province.yaml")
    params = dataclasses.replace(params, n_bootstrap=0, n_jobs=2)
    data = small_sim_feedback.dataset
    runs = []
    for n_jobs in (1, 2):
        out = io.StringIO()
        with console.showing(console.Console(out, tty=False, hold_s=0)), console.timing() as st:
            got = analyse_cohort(data, dataclasses.replace(params, n_jobs=n_jobs))
        runs.append((got, list(st), out.getvalue()))
    (one, one_stages, _), (two, two_stages, shown) = runs
    assert "(in a second process)" in shown
    assert one_stages == two_stages
    assert one.target_trials and one.ranking and one.notes  # compared, not only empty
    same(one, two)


def _span(seconds: float = 0.6):
    start = time.time()
    time.sleep(seconds)
    return (start, time.time())


def test_two_sections_run_at_once_only_when_their_memory_fits(monkeypatch):
    from workbench.evaluation import memory

    # 1 M releases; the budget leaves 1,000 MB beside what this process holds: "big" (900 MB
    # each) never run at the same time as each other, "small" (50 MB) beside anything
    monkeypatch.setattr(memory, "BUDGET_MB", memory.resident_mb() + memory.OTHERS_MB + 1000)
    # the budget alone decides
    monkeypatch.setattr(sections, "lasting_child_fits", lambda *sizes: True)
    weights = {"big_here": 900, "big_away": 900, "small_away": 50, "small_here": 50}
    monkeypatch.setattr(memory, "TRANSIENT_MB_PER_M", weights)
    S = sections.Section
    plan = [S("small_here", _span), S("big_here", _span), S("big_away", _span, movable=True),
            S("small_away", _span, movable=True)]  # fmt: skip
    with console.timing():
        got = sections.run(plan, {}, [], beside=True, size=1_000_000)
    big_here, big_away = got["big_here"], got["big_away"]
    assert big_away[0] >= big_here[1] or big_here[0] >= big_away[1]  # one after the other
    # the worker took the small one first (the big one did not fit beside the parent's)
    small_away = got["small_away"]
    assert small_away[0] < got["small_here"][1] or small_away[0] < big_here[1]


def test_a_worker_that_dies_holding_memory_does_not_stop_this_process(monkeypatch):
    from workbench.evaluation import memory

    parent = os.getpid()

    def dies():
        if os.getpid() != parent:
            os._exit(3)  # killed in the middle of a section that holds most of the budget
        return "computed here"

    monkeypatch.setattr(memory, "BUDGET_MB", memory.resident_mb() + memory.OTHERS_MB + 1000)
    monkeypatch.setattr(sections, "lasting_child_fits", lambda *sizes: True)
    monkeypatch.setattr(memory, "TRANSIENT_MB_PER_M", {"dies": 900, "after": 900})
    S = sections.Section
    plan = [S("dies", dies, movable=True), S("after", _slow, ("after", 0.5))]
    with console.timing():
        got = sections.run(plan, {}, [], beside=True, size=1_000_000)
    assert got == {"dies": "computed here", "after": "after"}


def _pid_after(seconds: float) -> int:
    time.sleep(seconds)  # the worker takes its section while this process computes its own
    return os.getpid()


def test_no_worker_where_a_copy_of_this_process_would_not_fit(monkeypatch):
    from workbench.evaluation import memory

    # the 2.3 M report: this process's memory twice (a worker's pages stop being shared as
    # either process writes them) and the two largest sections do not fit in the budget
    monkeypatch.setattr(memory, "BUDGET_MB", 2 * memory.resident_mb() + memory.OTHERS_MB + 1000)
    monkeypatch.setattr(memory, "TRANSIENT_MB_PER_M", {"big_here": 600, "big_away": 600})
    S = sections.Section
    plan = [S("big_here", _pid_after, (0.5,)), S("big_away", _pid_after, (0.0,), movable=True)]
    with console.timing():
        got = sections.run(plan, {}, [], beside=True, size=1_000_000)
    assert got == {"big_here": os.getpid(), "big_away": os.getpid()}  # both computed here
    # (room left for this process to grow by up to 400 MB meanwhile)
    monkeypatch.setattr(memory, "TRANSIENT_MB_PER_M", {"big_here": 100, "big_away": 100})
    with console.timing():
        got = sections.run(plan, {}, [], beside=True, size=1_000_000)
    assert got["big_away"] != os.getpid()  # fits: a worker computed it
