"""A cold report's figures drawn while its analyses run (issue 23, `reporting/analysis_ahead`):
what the kernel draws ahead is exactly what the report then embeds."""

from __future__ import annotations

import json
import pickle
import re
import stat
from pathlib import Path

from support import make_dataset

from workbench import console
from workbench.evaluation import analyse
from workbench.params.report import ReportParams
from workbench.reporting import analysis_ahead, figure_ahead, figure_cache, kernel_state


class Kernel:
    """Stands in for `kernel.ReportKernel`: a started kernel that records what it is sent."""

    km = object()

    def __init__(self) -> None:
        self.sent: list[str] = []

    def submit(self, code: str) -> None:
        self.sent.append(code)


def test_figures_drawn_during_the_analyses_are_the_reports(tmp_path, monkeypatch):
    """While `analyse` computes, each figure section is sent once, as soon as its values are
    known, in private files; each job run as the kernel runs it (`kernel_state.ahead`, here in
    this process) is removed, and afterwards the report's figure sections draw nothing — in
    both languages (the method checks' figure, sent last, in the report's own) — so every figure
    drawn ahead is keyed by the final, protected results' content."""
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "cache"))
    data = make_dataset(tmp_path / "data")
    text = {"data": str(data), "name": "small", "n_bootstrap": 5, "seed": 11, "lang": "zh"}
    (tmp_path / "zh.yaml").write_text(json.dumps(text), "utf-8")
    zh = ReportParams.from_yaml(tmp_path / "zh.yaml")
    en = ReportParams.from_mapping({**zh.to_mapping(), "lang": "en"})
    folder = tmp_path / "run"
    folder.mkdir(mode=0o700)
    kernel = Kernel()
    with analysis_ahead.drawing(kernel, zh, folder, ["zh", "en"]):
        results = analyse(zh, use_cache=False)
    console.offer(retention={})  # outside the block: nobody listens, nothing is sent
    paths = [re.search(r"ahead\('(.+)'\)", code).group(1) for code in kernel.sent]
    assert len(paths) >= 3  # retention and tiers, regions and ranking, ... at least
    jobs = []
    for path in paths:
        assert Path(path).parent == folder
        assert stat.S_IMODE(Path(path).stat().st_mode) == 0o600
        with open(path, "rb") as fh:
            jobs.append(pickle.load(fh))
    sent = [s for job in jobs for s in job["sections"]]
    assert len(sent) == len(set(sent))  # each section once
    names = [n for n in analysis_ahead.NEEDS if figure_ahead.figure_sections(results, [n])]
    assert sorted(sent) == sorted(names) and len(names) >= 5
    assert jobs[-1]["sections"] == ["check"] and jobs[-1]["langs"] == ["zh"]
    assert all(job["langs"] == ["zh", "en"] for job in jobs[:-1])

    drawn = figure_cache.DRAWN["n"]
    for path in paths:
        kernel_state.ahead(path)
    assert figure_cache.DRAWN["n"] > drawn
    assert not any(folder.iterdir())  # every job file removed

    def draws(params, only) -> int:
        before = figure_cache.DRAWN["n"]
        for build in figure_ahead.figure_sections(results, only):
            build(results, params)
        return figure_cache.DRAWN["n"] - before

    assert draws(zh, None) == 0
    assert draws(en, [n for n in names if n != "check"]) == 0


def test_no_kernel_or_a_large_cohort_sends_nothing(tmp_path):
    """Without a started kernel, or for a scoped report, `drawing` listens to nothing; a cohort
    over MAX_RELEASES is not keyed here (the scope key sorts every release id): nothing sent."""
    zh = ReportParams.from_mapping({"data": str(tmp_path), "name": "x", "lang": "zh"})
    with analysis_ahead.drawing(None, zh, tmp_path, ["zh"]):
        assert console._OFFERS.get() is None  # nobody listens
    kernel = Kernel()

    class Cohort:
        table = range(analysis_ahead.MAX_RELEASES + 1)

    listener = analysis_ahead.Listener(kernel, zh, tmp_path, ["zh"])
    listener("cohort", Cohort())  # (a real cohort's header and key would be made here)
    listener("retention", {})
    listener("tiers", None)
    assert listener.key is None
    scoped = ReportParams.from_mapping({**zh.to_mapping(), "prefecture": "changsha"})
    with analysis_ahead.drawing(kernel, scoped, tmp_path, ["zh"]):
        assert console._OFFERS.get() is None  # nobody listens
    assert kernel.sent == []
