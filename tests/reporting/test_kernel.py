"""A report kernel kept from one run of a process for the next (`kernel.take` / `park`, issue
23): the next run gets the same kernel process, reset as a fresh one, working in its own work
folder; a run with another environment gets a new kernel and the kept one is killed."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import nbformat
import pytest

from workbench.evaluation.analysis import FILE_HASHES_ENV
from workbench.reporting.kernel import park, parked, remove_parked, take

CELL = """import os, json
print(json.dumps([name, os.getcwd(), os.getpid(), 'leftover' in dir(), os.environ.get('WB_MARK')]))
leftover = 1"""


def _notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "P"}
    params = nbformat.v4.new_code_cell("name = None")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(CELL)]
    nbformat.write(nb, str(path))
    return path


def _run(kernel, source: Path, name: str, mark: str) -> tuple[list, list]:
    """Run the notebook; its printed line and its code cells' execution counts."""
    nb = kernel.run(source, kernel.workdir / "out.ipynb", {"name": name}, 120,
                    {FILE_HASHES_ENV: "{}", "WB_MARK": mark})  # fmt: skip
    printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
    return json.loads(printed), counts


def test_kept_kernel_serves_the_next_run_as_a_fresh_kernel(tmp_path, monkeypatch):
    remove_parked()  # one kept by an earlier test of this process
    source = _notebook(tmp_path / "k.ipynb")
    for name in ("w1", "w2", "w3"):
        (tmp_path / name).mkdir()
    first = take(tmp_path / "w1", (FILE_HASHES_ENV,))
    assert first.km is None  # nothing kept yet in this environment: a new kernel
    first.start()
    try:
        got1, counts1 = _run(first, source, "one", "a")
        park(first)
        assert parked() is first
        again = take(tmp_path / "w2", (FILE_HASHES_ENV,))  # the input hashes differ: volatile
        assert again is first and parked() is None
        got2, counts2 = _run(again, source, "two", "b")
    except BaseException:
        first.remove()
        raise
    assert got1 == ["one", str(tmp_path / "w1"), got1[2], False, "a"]
    # the same kernel process, in the second run's folder, with nothing left from the first
    assert got2 == ["two", str(tmp_path / "w2"), got1[2], False, "b"]
    assert counts2 == counts1 == [1, 2, 3]  # start over, as in a new kernel (+ papermill's cell)
    park(again)
    monkeypatch.setenv("WB_OTHER", "1")  # another environment: the kept kernel cannot serve
    other = take(tmp_path / "w3", (FILE_HASHES_ENV,))
    assert other is not first and other.km is None
    assert not first.alive() and not first.sockets.exists()  # killed, its folder removed
    park(other)  # never started: nothing to keep
    assert parked() is None and not other.sockets.exists()


def test_kept_kernel_is_killed_with_the_process(tmp_path):
    (tmp_path / "w").mkdir()
    kernel = take(tmp_path / "w", (FILE_HASHES_ENV,))
    kernel.start()
    park(kernel)
    remove_parked()  # what the process runs at exit (atexit)
    assert parked() is None and not kernel.alive() and not kernel.sockets.exists()


def test_ready_client_leaves_iopub_empty_and_reports_a_dead_kernel(tmp_path):
    """`kernel.ready_client` (wait_for_ready without jupyter_client's closing 0.2 s of silence)
    reads IOPub up to its kernel_info's idle status, so nothing of that request is left for the
    notebook's first cell; a kernel that died makes the error `execute` retries on."""
    from jupyter_core.utils import run_sync

    from workbench.reporting.kernel import is_kernel_start_failure, ready_client

    (tmp_path / "w").mkdir()
    kernel = take(tmp_path / "w", (FILE_HASHES_ENV,))
    kernel.start()
    try:
        kc = kernel.km.client()
        assert isinstance(kc, ready_client())

        async def ready_then_pending() -> list:
            kc.start_channels()
            await kc.wait_for_ready(timeout=120)
            await kc.wait_for_ready(timeout=120)  # a second time: the first one left nothing
            left = []
            while await kc.iopub_channel.msg_ready():
                left.append(await kc.iopub_channel.get_msg(timeout=1))
            return left

        assert run_sync(ready_then_pending)() == []
        pid = kernel.km.provisioner.pid
        os.kill(pid, signal.SIGKILL)
        run_sync(kernel.km.provisioner.wait)()
        with pytest.raises(RuntimeError) as err:
            run_sync(kc.wait_for_ready)(timeout=30)
        assert is_kernel_start_failure(err.value), err.value
    finally:
        kernel.remove()
