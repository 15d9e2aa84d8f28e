"""A forked process and the pipes to it (`pdf_split`'s part B): length-prefixed messages, JSON
or bytes, with timeouts; the child never returns into the parent's code and never runs its exit
handlers; a child that fails reports its error and exits, one that hangs is killed."""

from __future__ import annotations

import gc
import json
import os
import select
import signal
import struct
import time


class SplitFailed(Exception):
    """The two-process PDF could not be made (the one-process path prints it)."""


class Channel:
    """Length-prefixed messages (JSON or bytes) over a pair of pipes."""

    def __init__(self, read_fd: int, write_fd: int) -> None:
        self.read_fd, self.write_fd = read_fd, write_fd

    def send(self, message: dict) -> None:
        self.send_bytes(json.dumps(message).encode())

    def send_bytes(self, data: bytes) -> None:
        view = memoryview(struct.pack("!Q", len(data)) + data)
        while view:
            view = view[os.write(self.write_fd, view) :]

    def receive(self, timeout: float | None) -> dict:
        message = json.loads(self.receive_bytes(timeout))
        if "error" in message:
            raise SplitFailed(f"part B failed: {message['error']}")
        return message

    def receive_bytes(self, timeout: float | None) -> bytes:
        (size,) = struct.unpack("!Q", self._exactly(8, timeout))
        return self._exactly(size, timeout)

    def _exactly(self, n: int, timeout: float | None) -> bytes:
        end = None if timeout is None else time.monotonic() + timeout
        chunks, got = [], 0
        while got < n:
            wait = None if end is None else max(0.0, end - time.monotonic())
            if not select.select([self.read_fd], [], [], wait)[0]:
                raise SplitFailed("part B took too long")
            chunk = os.read(self.read_fd, min(n - got, 1 << 20))
            if not chunk:
                raise SplitFailed("part B ended early")
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)


class Child:
    """A forked process running `work(channel)`; this side talks to it through `self`.
    On leaving, the child is waited for, or killed when this side failed."""

    def __init__(self, work) -> None:
        self.work = work

    def __enter__(self) -> Channel:
        down_r, down_w = os.pipe()
        up_r, up_w = os.pipe()
        gc.freeze()  # the child's collections leave the parent's objects (and pages) alone
        pid = os.fork()
        if pid == 0:  # the child: never returns, never runs the parent's exit handlers
            code = 1
            channel = Channel(down_r, up_w)
            try:
                os.close(down_w)
                os.close(up_r)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                self.work(channel)
                code = 0
            except BaseException as err:  # reported to the parent, then exit
                try:
                    channel.send({"error": f"{type(err).__name__}: {err}"})
                except BaseException:
                    pass
            finally:
                os._exit(code)
        gc.unfreeze()
        os.close(down_r)
        os.close(up_w)
        self.pid = pid
        self.channel = Channel(up_r, down_w)
        return self.channel

    def __exit__(self, kind, value, tb) -> None:
        if kind is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        os.close(self.channel.read_fd)
        os.close(self.channel.write_fd)
        _, status = os.waitpid(self.pid, 0)
        if kind is None and status != 0:
            raise SplitFailed(f"part B exited with status {status}")
