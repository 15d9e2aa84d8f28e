"""The report kernel: started before the analyses, reused for every notebook of one process.

A kernel costs ~1 s CPU to start and ~3 s to import pandas, matplotlib and the report modules.
`ReportKernel.start` only spawns the process (over unix sockets in the run's private work folder,
`ipc_kernel_manager`) and asks it, through ``exec_lines``, to import `kernel_state` and with it
those modules: the kernel boots on the second core while the parent checks fonts and computes
the analyses. `run` executes one notebook with papermill in it, after `kernel_state.fresh()` has
put the kernel back as it was before any notebook, so the English twin of a scope renders in the
kernel that rendered the Chinese report (same output: tests/reporting/test_report.py). After a
failed notebook the kernel is replaced (a cell's error may leave any state behind; a dead kernel
cannot be reused). `close` kills the kernel (no shutdown request: see `execute`'s docstring).

`submit(code)` runs code in the kernel silently after what it is doing (`analysis_ahead`: the
figures of a cold report's sections drawn while the parent still computes the analyses).
`prewarm(langs)` asks the kernel, after a report (its PDF printed: a kernel busy when the PDF
starts keeps the PDF in one process, `pdf_split.free_core`), to draw that report's figures in
the other language(s) into the figure cache (`kernel_state.prewarm`) and returns at once.
`settle` waits for it (before the
kernel is reused or killed); a prewarm still running after `PREWARM_WAIT` seconds is abandoned
with its kernel (the figures not drawn yet are drawn by their own report).

A kernel outlives its run when the run asks for it (`take` / `park`, the library's
`build_reports` by default): parked after the run's last report, it serves the next run of the
same process — the bench's warm report after the cold one, an analyst's second language from a
Python session — when that run starts with the environment the kernel was started with (the
input files' hashes aside: `fresh` sends them), and is killed when the process exits
(`atexit`) or a run with another environment starts. Such a kernel's sockets live in a folder
of their own (``$TMPDIR/wb-run-kernel-*``), its working directory follows the run (`fresh`).
"""

from __future__ import annotations

import atexit
import functools
import json
import logging
import os
import queue
import shutil
import tempfile
import threading
import time
from pathlib import Path

from workbench.exceptions import ReportError

KERNEL = "python3"  # jupyter_client starts it with the current interpreter (sys.executable)
KERNEL_START_RETRIES = 3
SOCKET_PATH_MAX = 100  # a unix socket's path must fit sun_path (107 bytes on Linux)
PRELOAD = "import workbench.reporting.kernel_state"
STATE = "workbench.reporting.kernel_state"
PREWARM_WAIT = 120.0  # seconds a notebook or the end of the run waits for a prewarm


def is_kernel_start_failure(err: BaseException) -> bool:
    text = f"{type(err).__name__}: {err}"
    markers = ("Address already in use", "Kernel died before replying", "didn't respond in")
    return any(m in text for m in markers) or type(err).__name__ == "ZMQError"


def ipc_kernel_manager(folder: Path) -> type:
    """A jupyter_client AsyncKernelManager class whose kernels listen on unix sockets
    `folder/kernel-ipc-N` (transport "ipc") and whose connection file is `folder/kernel.json`.
    `folder` must be private (mkdtemp's 0700) and its path short (`SOCKET_PATH_MAX`). It keeps
    the clients it makes (`clients`), so their sockets can be closed when the kernel is
    reused: nbclient closes them only for a kernel it started itself. Its clients are
    `ready_client()`'s."""
    from jupyter_client import AsyncKernelManager

    class IPCKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            kwargs.setdefault("transport", "ipc")
            kwargs.setdefault("ip", str(folder / "kernel-ipc"))
            kwargs.setdefault("connection_file", str(folder / "kernel.json"))
            super().__init__(**kwargs)
            self.client_factory = ready_client()
            self.clients: list = []

        def client(self, **kwargs):
            kc = super().client(**kwargs)
            self.clients.append(kc)
            return kc

    return IPCKernelManager


@functools.cache
def ready_client() -> type:
    """jupyter_client's AsyncKernelClient whose `wait_for_ready` does not end with 0.2 s of
    silence: jupyter_client's, once the kernel has answered kernel_info and IOPub is seen to be
    connected, reads IOPub until nothing arrives for 0.2 s — every notebook's start paid that
    twice (our `kernel_state.fresh` request and nbclient's), 0.4 s of a warm report (issue 23).
    This one reads IOPub up to the kernel's `idle` status for the kernel_info request it
    answered, the last message that request makes (or, as before, until 0.2 s pass without
    one). Otherwise as jupyter_client 8's: kernel_info every second until a reply, a dead
    kernel or the timeout."""
    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.client import KernelClient
    from jupyter_client.manager import KernelManager

    class ReadyClient(AsyncKernelClient):
        async def wait_for_ready(self, timeout: float | None = None) -> None:
            if not isinstance(self.parent, KernelManager):
                return await KernelClient._async_wait_for_ready(self, timeout)
            return await _wait_for_ready(self, timeout)

    return ReadyClient


async def _wait_for_ready(kc, timeout: float | None) -> None:
    """`ready_client`'s wait: kernel_info until answered with IOPub connected, then IOPub up to
    that request's `idle` status."""
    deadline = time.time() + (float("inf") if timeout is None else timeout)
    while True:
        got = await _answered(kc)
        if got is not None:
            reply, seen = got
            kc._handle_kernel_info_reply(reply)
            break
        if not await kc._async_is_alive():
            raise RuntimeError("Kernel died before replying to kernel_info")  # as jupyter_client
        if time.time() > deadline:
            raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")
    request = reply["parent_header"].get("msg_id")
    while seen is not None and not _idle_after(seen, request):
        seen = await _next_iopub(kc)


async def _answered(kc):
    """kernel_info asked once: (its reply, a first IOPub message) or None."""
    from jupyter_core.utils import ensure_async

    kc.kernel_info()
    try:
        reply = await ensure_async(kc.shell_channel.get_msg(timeout=1))
    except queue.Empty:
        return None
    if reply["msg_type"] != "kernel_info_reply":
        return None
    seen = await _next_iopub(kc)  # IOPub connected? else ask again
    return None if seen is None else (reply, seen)


async def _next_iopub(kc):
    from jupyter_core.utils import ensure_async

    try:
        return await ensure_async(kc.iopub_channel.get_msg(timeout=0.2))
    except queue.Empty:
        return None


def _idle_after(msg, request: str) -> bool:
    return (msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle"
            and msg["parent_header"].get("msg_id") == request)  # fmt: skip


def socket_folder(workdir: Path) -> Path:
    """Where the kernel's sockets go: the work folder, or a private folder in /tmp when the
    work folder's path is too long for a unix socket (a deep $TMPDIR); the caller removes it."""
    if len(str(workdir / "k99" / "kernel-ipc-99999").encode()) <= SOCKET_PATH_MAX:
        return workdir
    return Path(tempfile.mkdtemp(prefix="wb-ipc-", dir="/tmp"))


def environment(volatile: tuple[str, ...] = ()) -> tuple:
    """This process's environment but the `volatile` variables: what a kernel inherits."""
    return tuple(sorted((k, v) for k, v in os.environ.items() if k not in volatile))


class ReportKernel:
    """One report kernel at a time in `workdir` (its cwd and, when short enough, its sockets;
    `own_folder`: its sockets in a folder of its own, so that it can outlive the run)."""

    def __init__(self, workdir: Path, own_folder: bool = False, volatile=()) -> None:
        self.workdir = workdir
        if own_folder:
            folder = Path(tempfile.mkdtemp(prefix="wb-run-kernel-"))
            self.sockets = socket_folder(folder)
            if self.sockets != folder:  # a deep $TMPDIR: sockets in /tmp
                folder.rmdir()
        else:
            self.sockets = socket_folder(workdir)
        self.own = own_folder
        self.volatile = tuple(volatile)
        self.env = None  # environment() when the kernel started
        self.km = None
        self.n = 0  # kernels started
        self.pending = None  # (client, msg_id) of a prewarm sent and not yet waited for

    def start(self) -> None:
        """Spawn a kernel that imports the report modules as it boots; returns at once."""
        from jupyter_core.utils import run_sync

        self.close()
        # each kernel its own connection file: a killed one's files never meet the next one's
        folder = self.sockets / f"k{self.n}"
        folder.mkdir(mode=0o700)
        self.n += 1
        self.env = environment(self.volatile)
        self.km = ipc_kernel_manager(folder)(kernel_name=KERNEL)
        args = ["--HistoryManager.hist_file=:memory:", f"--IPKernelApp.exec_lines={PRELOAD}"]
        run_sync(self.km.start_kernel)(extra_arguments=args, cwd=str(self.workdir))

    def run(self, source: Path, target: Path, parameters: dict, timeout: float | None,
            env: dict[str, str], hook=None):  # fmt: skip
        """papermill-execute `source` into `target` in this kernel, as in a fresh one; returns the
        executed notebook. Raises papermill's errors; the kernel is then replaced before the next
        notebook. The file is written once, at the end: papermill's save after every cell (20
        writes of a 1 MB notebook) served only a reader watching the file mid-run, and a run's
        work folder is private."""
        import papermill as pm

        if not self.settle(PREWARM_WAIT):
            self.close()  # still drawing: a new kernel rather than a stalled notebook
        for attempt in range(1, KERNEL_START_RETRIES + 1):
            if self.km is None:
                self.start()
            try:
                self._prepare(env)
                nb = pm.execute_notebook(str(source), str(target), parameters=parameters,
                                         kernel_name=KERNEL, cwd=str(self.workdir),
                                         progress_bar=False, log_output=False,
                                         execution_timeout=timeout, start_timeout=120, km=self.km,
                                         request_save_on_cell_execute=False,
                                         on_cell_executed=hook)  # fmt: skip
                self._close_clients()
                return nb
            except KeyboardInterrupt:
                # the abandoned kernel's polling tasks fail later and asyncio would print their
                # DeadKernelError tracebacks after our one-line "interrupted" message
                logging.getLogger("asyncio").setLevel(logging.CRITICAL + 1)
                raise
            except Exception as err:
                self.close()
                if attempt < KERNEL_START_RETRIES and is_kernel_start_failure(err):
                    continue
                raise

    def _prepare(self, env: dict[str, str]) -> None:
        """Wait for the kernel, then `kernel_state.fresh(env, cwd)` (cwd: this run's work
        folder), silent and outside the history."""
        from jupyter_core.utils import run_sync

        args = f"{json.dumps(json.dumps(env))}, {json.dumps(str(self.workdir))}"
        code = f"__import__({STATE!r}, fromlist=['fresh']).fresh({args})"
        kc = self.km.client()

        async def send() -> None:
            kc.start_channels()
            await kc.wait_for_ready(timeout=120)
            reply = await kc.execute_interactive(
                code, silent=True, store_history=False, timeout=120, output_hook=lambda m: None
            )
            if reply["content"].get("status") != "ok":
                c = reply["content"]
                raise ReportError(f"report kernel: {c.get('ename')}: {c.get('evalue')}")

        run_sync(send)()

    def prewarm(self, langs: list[str]) -> None:
        """Ask the kernel to draw the figures of the notebook it just ran in `langs` (silent,
        outside the history); returns at once."""
        if self.km is None or not langs:
            return
        self.submit(f"__import__({STATE!r}, fromlist=['prewarm']).prewarm({list(langs)!r})")

    def submit(self, code: str) -> None:
        """Run `code` in the kernel after what it is doing (silent, outside the history);
        returns at once. `settle` waits for the last one submitted (the kernel runs them in
        order)."""
        if self.km is None:
            return
        if self.pending is not None:
            kc = self.pending[0]
        else:
            kc = self.km.client()
            kc.start_channels()
        self.pending = (kc, kc.execute(code, silent=True, store_history=False))

    def settle(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for the prewarm sent last; True when none is running."""
        from jupyter_core.utils import run_sync

        if self.pending is None:
            return True
        kc, msg_id = self.pending
        deadline = time.monotonic() + timeout

        async def wait() -> bool:
            while (left := deadline - time.monotonic()) > 0:
                try:
                    msg = await kc.get_shell_msg(timeout=left)
                except queue.Empty:
                    return False
                if msg.get("parent_header", {}).get("msg_id") == msg_id:
                    return True
            return False

        done = self.km is not None and timeout > 0 and run_sync(wait)()
        if done:
            self.pending = None
            kc.stop_channels()
        return done

    def _close_clients(self) -> None:
        if self.km is not None:
            self._close_clients_of(self.km)

    def close(self) -> None:
        """Kill the kernel (SIGKILL to its process group) and remove its files."""
        from jupyter_core.utils import run_sync

        self.pending = None  # its client is one of the kernel's: closed below
        if self.km is None:
            return
        km, self.km = self.km, None
        try:
            self._close_clients_of(km)
            if run_sync(km.is_alive)():
                run_sync(km.shutdown_kernel)(now=True)
        except RuntimeError:
            pass  # "No kernel is running!"
        finally:
            run_sync(km.cleanup_resources)()

    @staticmethod
    def _close_clients_of(km) -> None:
        for kc in km.clients:
            kc.stop_channels()
        km.clients.clear()

    def alive(self) -> bool:
        from jupyter_core.utils import run_sync

        return self.km is not None and run_sync(self.km.is_alive)()

    def remove(self) -> None:
        """Close, and remove the socket folder when it is not the work folder."""
        self.close()
        if self.sockets != self.workdir:
            shutil.rmtree(self.sockets, ignore_errors=True)


_PARKED: list[ReportKernel] = []  # at most one: the kernel kept by this process's last run
_LOCK = threading.Lock()


def take(workdir: Path, volatile: tuple[str, ...] = ()) -> ReportKernel:
    """A kernel for a run in `workdir`: the parked one when it is alive and was started with
    the environment this process has now (the `volatile` variables aside), else a new one
    (not started yet) that the run can park."""
    with _LOCK:
        kept = _PARKED.pop() if _PARKED else None
    if kept is not None:
        if kept.env == environment(volatile) and kept.alive():
            kept.workdir = workdir
            return kept
        kept.remove()
    return ReportKernel(workdir, own_folder=True, volatile=volatile)


def park(kernel: ReportKernel) -> None:
    """Keep `kernel` for this process's next run (`take`); killed when the process exits."""
    if not kernel.own or kernel.km is None:
        kernel.remove()
        return
    with _LOCK:
        old = _PARKED.pop() if _PARKED else None
        _PARKED.append(kernel)
    if old is not None:
        old.remove()


def parked() -> ReportKernel | None:
    """The kernel kept for the next run, if any."""
    return _PARKED[-1] if _PARKED else None


@atexit.register
def remove_parked() -> None:
    """Kill the kept kernel (at exit; or when a caller wants its memory back)."""
    with _LOCK:
        kept = list(_PARKED)
        _PARKED.clear()
    for kernel in kept:
        kernel.remove()
