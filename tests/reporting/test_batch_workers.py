"""How a local batch hands its groups to its workers: never more report processes than workers,
the province first and alone, chunks of groups early and single groups at the end, one BLAS
thread per core (runs replaced by a stand-in: no reports are built here)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from workbench.reporting import batch
from workbench.reporting.batch import STATUS_OK, Group, RunResult


def _groups(n_prefectures: int) -> list[Group]:
    province = Group([("province.yaml", "/o/province_zh"), ("province_en.yaml", "/o/province_en")],
                     alone=True)  # fmt: skip
    return [province] + [
        Group([(f"p{i}.yaml", f"/o/p{i}_zh"), (f"p{i}.yaml", f"/o/p{i}_en")])
        for i in range(n_prefectures)
    ]


def test_two_workers_run_chunks_in_two_processes_at_most(monkeypatch):
    calls, live, peak, lock = [], [0], [0], threading.Lock()

    def process(jobs, timeout, step=None, threads=None):  # stands in for one report process
        with lock:
            live[0] += 1
            peak[0] = max(peak[0], live[0])
            calls.append(([Path(o).name for _, o in jobs], threads))
        time.sleep(0.2)  # long enough for the other worker to start its own process meanwhile
        with lock:
            live[0] -= 1
        return [RunResult(Path(o).name, STATUS_OK, "", 0.2) for _, o in jobs]

    monkeypatch.setattr(batch, "run_group", process)
    monkeypatch.setattr(batch.os, "cpu_count", lambda: 2)
    results = batch._local_runner(2)(_groups(14), None, None)
    assert peak[0] == 2  # both workers busy at once, never a third process
    every = [r for g in _groups(14) for _, r in g]
    assert sorted(r.run_id for r in results) == sorted(Path(r).name for r in every)  # each once
    assert calls[0][0] == ["province_zh", "province_en"]  # first, in a process of its own
    assert all(threads == 1 for _, threads in calls)  # 2 cores, 2 processes: 1 BLAS thread each
    # 14 prefecture groups (2 runs each) in chunks of 4, 3, 2, 2, 1, 1, 1 groups: 7 processes
    # instead of 14, and the last three are single groups
    assert sorted(len(ids) for ids, _ in calls[1:]) == [2, 2, 2, 4, 4, 6, 8]
    for ids, _ in calls[1:]:  # a chunk is consecutive whole groups (both languages together)
        first = int(ids[0][1:].split("_")[0])
        assert ids == [f"p{i}_{lang}" for i in range(first, first + len(ids) // 2)
                       for lang in ("zh", "en")]  # fmt: skip


def test_one_worker_takes_half_of_what_is_left_then_less():
    chunks = batch.Chunks(_groups(6), workers=1)
    sizes = []
    while chunk := chunks.take():
        sizes.append(len(chunk))
    assert sizes == [1, 3, 2, 1]  # the province alone; then ceil(6/2), ceil(3/2), ceil(1/2)


def test_the_province_goes_first_then_the_largest_prefectures(tmp_path):
    import csv

    from support import make_dataset

    from workbench.params.batch import load_batch

    data = make_dataset(tmp_path / "data", n=600, seed=3)
    with open(data / "releases.csv", encoding="utf-8") as fh:
        rows = [r["prefecture"] for r in csv.DictReader(fh)]
    sizes = {p: rows.count(p) for p in set(rows)}
    by_size = {n: p for p, n in sorted(sizes.items())}  # one prefecture of each size
    distinct = sorted(by_size)
    small, mid, large = (
        by_size[n] for n in (distinct[0], distinct[len(distinct) // 2], distinct[-1])
    )
    assert sizes[small] < sizes[mid] < sizes[large]
    runs = "".join(f"  - {{name: {p}, prefecture: {p}}}\n" for p in (mid, small, large))
    spec = tmp_path / "b.yaml"
    spec.write_text(f"name: b\ndefaults: {{data: {data}, n_bootstrap: 3}}\nruns:\n"
                    f"{runs}  - {{name: all}}\n  - {{name: all, lang: en}}\n", "utf-8")  # fmt: skip
    groups, done = batch._plan(load_batch(spec), tmp_path / "out", force=True)
    assert done == []
    names = [[Path(o).name for _, o in g] for g in groups]
    assert names == [["all_zh", "all_en"], [f"{large}_zh"], [f"{mid}_zh"], [f"{small}_zh"]]
    assert [g.alone for g in groups] == [True, False, False, False]
