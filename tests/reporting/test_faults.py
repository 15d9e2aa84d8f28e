"""Faults and interruptions (issue #7 items 2-3): a batch whose runs raise, hang or kill their
kernel; reports and batches killed mid-run leave the previous outputs exactly as they were.

Faults are injected with a notebook variant ($WORKBENCH_REPORT_NOTEBOOK): the report notebook with
one extra cell that looks at the run's `name`. Every subprocess gets its own $TMPDIR under the
test's folder, so its work folders and its kernel (whose command line names its connection file
there) can be found afterwards.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pandas as pd
import pypdf
import pytest
from support import make_dataset

from workbench.evaluation.analysis import CODE_VERSION_ENV, code_version
from workbench.reporting.execute import NOTEBOOK_ENV, OUTPUTS, notebook_path

pytestmark = pytest.mark.slow  # end-to-end: ~25 real report processes

FAULT_CELL = """import os, time
if name.startswith("raise"):
    raise RuntimeError(f"injected fault in {name}")
if name.startswith("hang"):
    open("hanging", "w").close()  # in the run's work folder: the test sees the hang started
    time.sleep(3600)
if name.startswith("die"):
    os._exit(1)
"""
HANG_CELL = 'import time\nopen("hanging", "w").close()\ntime.sleep(3600)'
# (name, seed, lang): two seeds = two analyses = two groups, each run in this order by one batch
# worker. Each group holds one run of each fault and two good runs; every fault occurs in both
# languages and is followed by a good run in one group (5: raise→hang→good→die→good, 6:
# raise→good→die→hang→good). One hang per group: the two timeouts, most of this file's time,
# pass side by side.
RUNS = [
    ("raise1", 5, "en"), ("hang1", 5, "zh"), ("good1", 5, "zh"), ("die1", 5, "zh"),
    ("good2", 5, "en"),
    ("raise2", 6, "zh"), ("good3", 6, "en"), ("die2", 6, "en"), ("hang2", 6, "en"),
    ("good4", 6, "zh"),
]  # fmt: skip
WAIT_S = 600  # upper bound for anything to start on a loaded 2-core machine


def fault_notebook(path: Path, cell: str = FAULT_CELL) -> Path:
    """The report notebook with `cell` inserted after the analysis cell."""
    nb = nbformat.read(str(notebook_path()), as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell(cell))
    nbformat.write(nb, str(path))
    return path


def processes_naming(marker: str | Path) -> list[int]:
    """Pids of live processes whose command line contains `marker` (zombies have none)."""
    key, pids = str(marker).encode(), []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if key in (entry / "cmdline").read_bytes() and int(entry.name) != os.getpid():
                pids.append(int(entry.name))
        except (OSError, ValueError):
            continue
    return pids


def wait_gone(marker: str | Path, seconds: float = 15.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := processes_naming(marker)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def cli_env(root: Path, tmp: Path, notebook: Path | None = None) -> dict[str, str]:
    tmp.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, CODE_VERSION_ENV: os.environ.get(CODE_VERSION_ENV) or code_version(),
           "WORKBENCH_CACHE_DIR": str(root / "cache"), "TMPDIR": str(tmp)}  # fmt: skip
    env.pop(NOTEBOOK_ENV, None)
    if notebook is not None:
        env[NOTEBOOK_ENV] = str(notebook)
    return env


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    """`workbench ARGS` as the leader of its own process group, with Ctrl-C's default action."""
    return subprocess.Popen(
        [sys.executable, "-m", "workbench.cli", *args], env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip


def write_params(path: Path, data: Path, name: str, seed: int, lang: str) -> Path:
    d = {"data": str(data), "name": name, "lang": lang, "n_bootstrap": 3, "seed": seed}
    path.write_text("".join(f"{k}: {json.dumps(v)}\n" for k, v in d.items()), "utf-8")
    return path


@pytest.fixture(scope="module")
def prep(tmp_path_factory):
    """Data, the fault notebook, and two good reports run side by side (they time a good run
    under the batch's load of two at once, and fill the cache of both analyses)."""
    root = tmp_path_factory.mktemp("faults")
    data = make_dataset(root / "data", n=500, seed=3)
    notebook = fault_notebook(root / "faults.ipynb")
    procs, t0 = [], time.perf_counter()
    for seed, lang in ((5, "zh"), (6, "en")):
        params = write_params(root / f"good{seed}.yaml", data, f"good{seed}", seed, lang)
        env = cli_env(root, root / f"tmp_good{seed}")
        procs.append(start(["report", "--params", str(params), "--out",
                            str(root / f"good{seed}")], env))  # fmt: skip
    for p in procs:
        _, err = p.communicate(timeout=WAIT_S)
        assert p.returncode == 0, err[-3000:]
    good_s = time.perf_counter() - t0
    return {"root": root, "data": data, "notebook": notebook, "good_s": good_s,
            "report": root / "good5"}  # fmt: skip


def batch_file(root: Path, data: Path) -> Path:
    runs = "".join(f"  - {{name: {n}, seed: {s}, lang: {lang}}}\n" for n, s, lang in RUNS)
    path = root / "faults.yaml"
    path.write_text(f"name: faults\ndefaults: {{data: {data}, n_bootstrap: 3}}\nruns:\n{runs}")
    return path


@pytest.fixture(scope="module")
def faults(prep):
    """The 10-run batch with faults, then the same batch again with the plain notebook."""
    root = prep["root"]
    # generous: a good run must fit even when the load changes after the measurement (the
    # other pytest worker's file changes beside this one)
    timeout = round(2.5 * prep["good_s"] + 10)
    spec, out, tmp = batch_file(root, prep["data"]), root / "out", root / "tmp_batch"
    args = ["batch", str(spec), "--workers", "2", "--timeout", str(timeout), "--out", str(out)]
    first = start(args, cli_env(root, tmp, prep["notebook"]))
    first_out, first_err = first.communicate(timeout=3 * WAIT_S)
    state = {
        "summary": pd.read_csv(out / "summary.csv", keep_default_na=False),
        "index": (out / "index.html").read_text("utf-8"),
        "files": {rid: files_under(out / rid) for rid in run_ids()},
        "mtimes": {p: p.stat().st_mtime_ns for p in out.glob("good*/*")},
        "stray": wait_gone(tmp, 5.0),
        "tmp_left": files_under(tmp),
    }
    second = start(args, cli_env(root, tmp))
    second_out, second_err = second.communicate(timeout=3 * WAIT_S)
    return {"out": out, "timeout": timeout, "first": (first.returncode, first_out, first_err),
            "second": (second.returncode, second_out, second_err), "state": state}  # fmt: skip


def run_ids(kind: str | None = None) -> list[str]:
    return [f"{n}_{lang}" for n, _, lang in RUNS if kind is None or n.startswith(kind)]


def test_fault_batch_records_each_failure_with_its_cause(faults):
    code, stdout, stderr = faults["first"]
    assert code == 1, stderr[-3000:]
    assert "4 ok, 0 skipped, 6 failed" in stdout, stdout
    summary = faults["state"]["summary"].set_index("run_id")
    assert list(summary.index) == run_ids()
    for rid in run_ids("good"):
        assert summary.loc[rid, "status"] == "ok", summary.loc[rid, "error"]
    for rid in run_ids("raise"):
        name = rid.rsplit("_", 1)[0]
        assert summary.loc[rid, "status"] == "failed"
        assert summary.loc[rid, "error"].endswith(f"failed: RuntimeError: injected fault in {name}")
    for rid in run_ids("hang"):
        assert summary.loc[rid, "error"] == f"timed out after {faults['timeout']} s"
    for rid in run_ids("die"):
        assert "kernel failed: DeadKernelError: Kernel died" in summary.loc[rid, "error"]
    index = faults["state"]["index"]
    for rid in run_ids():
        if not rid.startswith("good"):
            cause = summary.loc[rid, "error"].replace("'", "&#x27;")
            assert re.search(
                rf'<td class="failed">[^<]*(<br>[^<]*)*<br>{re.escape(cause)}</td>', index
            ), rid
    assert index.count('<td class="failed"') == 6 and index.count("/report.pdf") == 4


def test_good_runs_of_the_fault_batch_are_complete(faults):
    out, summary = faults["out"], faults["state"]["summary"].set_index("run_id")
    for rid in run_ids("good"):
        assert faults["state"]["files"][rid] == sorted(OUTPUTS), rid
        m = json.loads((out / rid / "metrics.json").read_text("utf-8"))
        n = m["data"]["n_releases"]  # 500 plus cell-key noise of at most 3 (docs/disclosure.md)
        assert abs(n - 500) <= 3 and len(m["retention"]) == 3
        assert summary.loc[rid, "n_releases"] == str(n)  # a whole number
        assert float(summary.loc[rid, "retention_12"]) == pytest.approx(
            m["retention"][0]["estimate"], rel=1e-12
        )
        assert len(pypdf.PdfReader(str(out / rid / "report.pdf")).pages) >= 8
        assert m["scope"]["name"] == rid.rsplit("_", 1)[0]


def test_failed_runs_leave_no_output_no_temp_files_and_no_kernel(faults):
    for rid in run_ids():
        if not rid.startswith("good"):
            assert faults["state"]["files"][rid] == [], rid
    assert faults["state"]["stray"] == []  # timed-out runs' kernels were killed too
    assert faults["state"]["tmp_left"] == []  # every run's temporary folder was removed


def test_rerun_redoes_only_the_failed_runs(faults):
    code, stdout, stderr = faults["second"]
    assert code == 0, stderr[-3000:]
    assert "6 ok, 4 skipped, 0 failed" in stdout, stdout
    out = faults["out"]
    summary = pd.read_csv(out / "summary.csv", keep_default_na=False).set_index("run_id")
    expected = {rid: ("skipped" if rid.startswith("good") else "ok") for rid in run_ids()}
    assert summary["status"].to_dict() == expected
    assert (summary["error"] == "").all()
    for rid in run_ids():
        assert files_under(out / rid) == sorted(OUTPUTS), rid
        assert json.loads((out / rid / "metrics.json").read_text("utf-8"))["data"]["n_releases"]
    for path, mtime in faults["state"]["mtimes"].items():
        assert path.stat().st_mtime_ns == mtime, path  # the good runs were not touched
    index = (out / "index.html").read_text("utf-8")
    assert '<td class="failed"' not in index and index.count("/report.pdf") == 10


def wait_for_hang(proc: subprocess.Popen, tmp: Path, count: int = 1) -> None:
    """Block until `count` runs are inside the hanging cell (their work folders say so)."""
    deadline = time.monotonic() + WAIT_S
    while len(list(tmp.rglob("wb-run-*/hanging"))) < count:
        if proc.poll() is not None:
            pytest.fail(f"ended before hanging: {proc.returncode} {proc.stderr.read()[-3000:]}")
        assert time.monotonic() < deadline, "no run reached the hanging cell"
        time.sleep(0.2)


@pytest.mark.parametrize(
    "sig", [signal.SIGKILL, signal.SIGINT, signal.SIGTERM], ids=["SIGKILL", "SIGINT", "SIGTERM"]
)
def test_interrupted_report_keeps_the_previous_report(prep, tmp_path, sig):
    out = tmp_path / "report"
    shutil.copytree(prep["report"], out)
    before = snapshot(out)
    params = write_params(tmp_path / "p.yaml", prep["data"], "hang_report", 5, "zh")
    tmp = tmp_path / "tmp"
    proc = start(["report", "--params", str(params), "--out", str(out)],
                 cli_env(prep["root"], tmp, prep["notebook"]))  # fmt: skip
    wait_for_hang(proc, tmp)
    os.killpg(proc.pid, sig)
    _, err = proc.communicate(timeout=60)
    assert snapshot(out) == before  # byte-identical, nothing added (no temp file in `out`)
    assert wait_gone(tmp) == []  # the kernel exits with its report
    if sig != signal.SIGKILL:  # Ctrl-C, and SIGTERM like it, clean up everything
        assert proc.returncode == 130
        assert "workbench report: interrupted; no partial output was kept" in err.splitlines()
        assert files_under(tmp) == []
    else:  # SIGKILL: documented leftovers in $TMPDIR only (work folder, connection file)
        assert proc.returncode == -signal.SIGKILL
        assert all(f.startswith("wb-run-") or f.endswith(".json") for f in files_under(tmp))


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_interrupted_batch_keeps_the_previous_outputs(prep, faults, tmp_path, sig):
    out = tmp_path / "out"
    shutil.copytree(faults["out"], out)
    before = snapshot(out)
    hang_all = fault_notebook(tmp_path / "hang.ipynb", HANG_CELL)
    tmp = tmp_path / "tmp"
    args = ["batch", str(prep["root"] / "faults.yaml"), "--workers", "2", "--force",
            "--out", str(out)]  # fmt: skip
    proc = start(args, cli_env(prep["root"], tmp, hang_all))
    wait_for_hang(proc, tmp, count=2)  # both workers are mid-run
    os.killpg(proc.pid, sig)
    _, err = proc.communicate(timeout=60)
    assert wait_gone(tmp_path, 20.0) == []  # no report process or kernel outlives the batch
    after = snapshot(out)
    # the batch log records the interrupted attempt: it may only have grown
    log_before, log_after = before.pop("batch.log", b""), after.pop("batch.log", b"")
    assert log_after.startswith(log_before)
    assert after == before  # summary.csv, index.html, the manifest and every report byte-identical
    if sig == signal.SIGINT:
        assert proc.returncode == 130
        assert err.strip().splitlines()[-1] == (
            "workbench batch: interrupted; no partial output was kept"
        )
        assert files_under(tmp) == []
    else:  # the runs stopped themselves when the batch died; their folders stay in $TMPDIR
        assert proc.returncode == -signal.SIGKILL
        assert not list(tmp.rglob("wb-run-*"))  # each run removed its work folder


def test_deferred_signals_hold_an_interrupt_until_the_block_ends():
    from workbench.reporting.execute import deferred_signals

    done = []
    # Ctrl-C's usual handler (pytest started in the background inherits SIGINT ignored)
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            with deferred_signals():
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.2)  # the handler has run by now: it only recorded the signal
                done.append("all files moved")
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, old)
    assert done == ["all files moved"]


def test_kill_processes_naming_kills_only_the_marked_process(tmp_path):
    from workbench.reporting.batch import kill_processes_naming

    code = "import time; time.sleep(60)"
    marked = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "kernel.json")])
    other = subprocess.Popen([sys.executable, "-c", code, "unrelated"])
    try:
        assert kill_processes_naming(str(tmp_path)) == [marked.pid]
        assert marked.wait(timeout=10) == -signal.SIGKILL
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()
