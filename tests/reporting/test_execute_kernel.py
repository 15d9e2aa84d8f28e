"""The report kernel's start / execute / stop cycle leaves stderr clean (issue 23).

ipykernel's own shutdown races between its threads: after a shutdown request the control thread
flushes stdout through the IOPub thread while the main thread is closing that thread's pipes, and
now and then the kernel printed "ERROR:tornado.general: Uncaught exception in ZMQStream callback …
Socket operation on non-socket" (1 of 22 corpus reports under load). The test makes that window
wide instead of waiting for luck: an IPython startup file (the kernel runs it, $IPYTHONDIR) makes
the control thread pause between "is the IOPub thread alive?" and its send — with a shutdown request
that prints the traceback every time (checked on the graceful shutdown: 1 of 1), so these cycles
fail for certain if a shutdown request ever comes back; `execute` kills the kernel instead.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from workbench.params.report import ReportParams
from workbench.reporting.execute import NOTEBOOK_ENV, execute

CYCLES = 2  # a kernel start each (~3 s idle); with the widened window one would already fail

WIDEN = """
import threading, time, ipykernel.iostream as _io
def _widen(orig=_io.IOPubThread.schedule, sleep=time.sleep, current=threading.current_thread):
    def schedule(self, f):
        if current().name != "Control":
            return orig(self, f)
        alive = self.thread.is_alive()
        sleep(0.3)  # the main thread may stop the IOPub thread and close its pipes meanwhile
        if alive:
            self._events.append(f)
            self._event_pipe.send(b"")
        else:
            f()
    _io.IOPubThread.schedule = schedule
_widen()
"""


def _trivial_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "language": "python",
        "display_name": "Python 3",
    }
    params = nbformat.v4.new_code_cell("name = None")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("print('run', name)")]
    nbformat.write(nb, str(path))
    return path


def test_kernel_cycles_leave_stderr_clean(tmp_path, monkeypatch, capfd):
    startup = tmp_path / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-widen.py").write_text(WIDEN, encoding="utf-8")
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv(NOTEBOOK_ENV, str(_trivial_notebook(tmp_path / "trivial.ipynb")))
    for i in range(CYCLES):
        params = ReportParams.from_mapping({"data": str(tmp_path), "name": f"cycle{i}"})
        workdir = tmp_path / f"w{i}"
        workdir.mkdir()
        execute(params, workdir / "out.ipynb", workdir, timeout=120)
        out = nbformat.read(str(workdir / "out.ipynb"), as_version=4)
        printed = "".join(o.get("text", "") for c in out.cells for o in c.get("outputs", []))
        assert printed == f"run cycle{i}\n"  # the cell ran with this cycle's parameters
        assert sorted(p.name for p in workdir.iterdir()) == ["out.ipynb"]  # no socket left
        captured = capfd.readouterr()
        assert captured.err == "", captured.err
