"""Signals of the long-running commands (`workbench report`, `workbench batch`)."""

from __future__ import annotations

import signal
import threading


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def stop_on_sigterm() -> None:
    """SIGTERM cleans up like Ctrl-C (KeyboardInterrupt). Only the main thread can install a
    handler; elsewhere (a test calling the handler from a thread) nothing changes."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
