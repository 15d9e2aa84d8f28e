"""Progress of the long-running commands on stderr, and the time each stage of a run took.

Two things, deliberately apart:

* **Stage timing** (`timing()`, `stage(name)`): a run opens `with timing() as stages:` and each
  stage inside it (`with stage("load"):`, however deep in the call stack) adds its duration in
  seconds to `stages` (a dict in the order the stages ran; a stage run twice adds up). The report
  writes it to metrics.json's provenance and its run log. Durations only: no names of people,
  files or values.
* **Display** (`Console`, `showing(console)`): a command that wants progress opens
  `with showing(Console(quiet=args.quiet)):`; every stage then prints its name as it starts and
  its duration as it ends, and every bootstrap (`workbench.stats.bootstrap.run_replicates`) draws
  a progress bar with elapsed and remaining time. On a terminal the bar redraws in place; when
  stderr is not a terminal (a log file, a pipe) each event is one plain line that starts with
  the time of day (`08:31:05 effects: bootstrap 100/200 (50%), 0:12 elapsed, ~0:12 left`),
  intermediate bootstrap lines at most every `LOG_EVERY_S` seconds. `quiet` shows nothing: the
  command's errors and its final line are printed by the command itself.

  Plain lines are held back for the command's first `HOLD_S` seconds (then written with the
  times they happened): a command refused within seconds (bad data, bad parameters) still says
  so in exactly one line on stderr, the contract of every refusal; a quick success writes its
  lines when it ends.

* **Values as they are computed** (`offer(name=value)`, `offers_to(listener)`): an analysis
  offers each section's value when it has it; a listener opened around the analysis (the report:
  `reporting/analysis_ahead`, which draws those sections' figures in the otherwise idle report
  kernel) gets `listener(name, value)`; with none open, `offer` does nothing. A listener's error
  never reaches the analysis.

All live in context variables, so the code that runs a stage does not need a console passed
to it, and a thread or worker process started inside a stage shows nothing (only the process
and thread that opened the display print). Standard library only: importing this costs nothing.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TextIO

LOG_EVERY_S = 10.0  # non-terminal output: at most one intermediate progress line per this
HOLD_S = 10.0  # non-terminal output: lines wait this long, dropped if the command fails by then
BAR_WIDTH = 24
REDRAW_EVERY_S = 0.1  # terminal output: the bar is redrawn at most this often

Progress = Callable[[int, int], None]  # progress(done, total)


def clock(seconds: float) -> str:
    """0:07, 1:05:03: a duration as the console shows it."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Console:
    """Where progress goes: `stream` (default stderr), redrawn in place when it is a terminal
    (`tty`, default `stream.isatty()`), one timestamped line per event otherwise; nothing when
    `quiet`. `prefix` starts every plain line after the time (e.g. the run's name in a batch).
    `hold_s`: plain lines wait this long (see the module docstring; 0: written at once)."""

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        quiet: bool = False,
        tty: bool | None = None,
        prefix: str = "",
        now: Callable[[], float] = time.monotonic,
        hold_s: float = HOLD_S,
    ) -> None:
        self.stream = sys.stderr if stream is None else stream
        self.quiet = quiet
        if tty is None:
            isatty = getattr(self.stream, "isatty", None)
            tty = bool(isatty and isatty())
        self.tty = tty
        self.prefix = prefix
        self.now = now
        self._open_line = False  # a terminal line being redrawn (a bar) needs ending first
        self._until = now() + hold_s
        self._held: list[str] | None = [] if hold_s > 0 and not tty else None

    # -- output ---------------------------------------------------------------------------
    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # a closed or broken stderr must not stop the run
            pass

    def _release(self) -> None:
        held, self._held = self._held, None
        if held:
            self._write("".join(held))

    def tick(self) -> None:
        """Write the held-back lines once the hold is over (called on every event)."""
        if self._held is not None and self.now() >= self._until:
            self._release()

    def line(self, text: str) -> None:
        """One line of progress (not shown when quiet)."""
        if self.quiet:
            return
        if self.tty:
            self._write(("\r\033[K" if self._open_line else "") + text + "\n")
            self._open_line = False
            return
        text = f"{time.strftime('%H:%M:%S')} {self.prefix}{text}\n"
        self.tick()
        if self._held is not None:
            self._held.append(text)
        else:
            self._write(text)

    def redraw(self, text: str) -> None:
        """Replace the terminal's current line with `text` (a bar); nothing when not a terminal."""
        if self.quiet or not self.tty:
            return
        self._write("\r\033[K" + text)
        self._open_line = True

    # -- events ---------------------------------------------------------------------------
    def stage_started(self, name: str) -> None:
        if self.tty:
            self.redraw(f"{name} …")
        else:
            self.line(f"{name} …")

    def stage_done(self, name: str, seconds: float) -> None:
        self.line(f"{name} done in {seconds:.1f} s")

    def stage_failed(self, name: str, seconds: float) -> None:
        """A stage that raised: said when it ran a while (a quick failure's error line, printed
        next by the command, says enough); on a terminal the bar is always cleared."""
        if self.tty:
            self._write("\r\033[K")  # the bar goes; the command's error line comes next
            self._open_line = False
        elif seconds >= 1.0:
            self.line(f"{name} stopped after {seconds:.1f} s")

    def close(self, failed: bool = False) -> None:
        """End a terminal line left open by a bar; write the held-back lines, or drop them
        when the command `failed` within the hold (its error line is then all it says)."""
        if self._open_line:
            self._write("\n")
            self._open_line = False
        if failed:
            self._held = None
        self._release()

    def progress(self, label: str) -> Progress:
        """A `progress(done, total)` callback drawing `label`'s bar (terminal) or lines."""
        start = self.now()
        state = {"shown": start, "last_done": -1}

        def update(done: int, total: int) -> None:
            t = self.now()
            self.tick()
            if total <= 0 or done == state["last_done"]:  # nothing to show for no replicates
                return
            state["last_done"] = done
            elapsed = t - start
            finished = done >= total
            if self.tty:
                if finished or t - state["shown"] >= REDRAW_EVERY_S or done == 0:
                    state["shown"] = t
                    self.redraw(bar(label, done, total, elapsed))
                return
            if finished or (done > 0 and t - state["shown"] >= LOG_EVERY_S):
                state["shown"] = t
                self.line(progress_text(label, done, total, elapsed))

        return update


def bar(label: str, done: int, total: int, elapsed: float) -> str:
    """`effects: bootstrap [#########---------------] 75/200  0:12 elapsed  ~0:20 left`."""
    total = max(total, 1)
    filled = int(BAR_WIDTH * min(done, total) / total)
    left = f"  ~{clock(elapsed / done * (total - done))} left" if 0 < done < total else ""
    return (
        f"{label} [{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {done}/{total}  "
        f"{clock(elapsed)} elapsed{left}"
    )


def progress_text(label: str, done: int, total: int, elapsed: float) -> str:
    """`effects: bootstrap 100/200 (50%), 0:12 elapsed, ~0:12 left` (one log line)."""
    pct = round(100 * done / max(total, 1))
    if done >= total:
        return f"{label} {done}/{total} done in {elapsed:.1f} s"
    left = f", ~{clock(elapsed / done * (total - done))} left" if done else ""
    return f"{label} {done}/{total} ({pct}%), {clock(elapsed)} elapsed{left}"


_DISPLAY: ContextVar[Console | None] = ContextVar("workbench_console", default=None)
_STAGES: ContextVar[dict[str, float] | None] = ContextVar("workbench_stages", default=None)
_CURRENT: ContextVar[str | None] = ContextVar("workbench_stage", default=None)
_OFFERS: ContextVar[Callable[[str, object], None] | None] = ContextVar(
    "workbench_offers", default=None
)


@contextmanager
def showing(console: Console | None) -> Iterator[Console | None]:
    """Show the stages and bootstraps run inside the block on `console` (None: show nothing)."""
    token = _DISPLAY.set(console)
    failed = True
    try:
        yield console
        failed = False
    finally:
        _DISPLAY.reset(token)
        if console is not None:
            console.close(failed)


def active() -> Console | None:
    """The console of the block being run, if any."""
    return _DISPLAY.get()


@contextmanager
def timing() -> Iterator[dict[str, float]]:
    """Record the durations of the stages run inside the block into the dict it yields
    (seconds, rounded to the millisecond; a stage that runs twice adds up)."""
    stages: dict[str, float] = {}
    token = _STAGES.set(stages)
    try:
        yield stages
    finally:
        _STAGES.reset(token)


@contextmanager
def stage(name: str) -> Iterator[None]:
    """One stage of a run: timed into the open `timing()` block, shown on the console."""
    display, stages = _DISPLAY.get(), _STAGES.get()
    token = _CURRENT.set(name)
    if display is not None:
        display.stage_started(name)
    t0 = time.perf_counter()
    ok = False
    try:
        yield
        ok = True
    finally:
        seconds = time.perf_counter() - t0
        _CURRENT.reset(token)
        if stages is not None:
            stages[name] = round(stages.get(name, 0.0) + seconds, 3)
        if display is not None:
            (display.stage_done if ok else display.stage_failed)(name, seconds)


def add_stage(name: str, seconds: float, where: str = "") -> None:
    """A stage run elsewhere (a second process, evaluation/section_processes.py): its seconds
    into the open `timing()` block as if run here, its end on the console (`where` says where)."""
    display, stages = _DISPLAY.get(), _STAGES.get()
    if stages is not None:
        stages[name] = round(stages.get(name, 0.0) + seconds, 3)
    if display is not None:
        display.line(f"{name} done in {seconds:.1f} s{where}")


def order_stages(names: list[str]) -> None:
    """Put the stages `names` of the open `timing()` block in this order, in the places they
    hold (the others stay where they are): the order one process would have run them in."""
    stages = _STAGES.get()
    if not stages:
        return
    rank = {name: i for i, name in enumerate(names)}
    items = list(stages.items())
    slots = [i for i, (name, _) in enumerate(items) if name in rank]
    ordered = sorted((items[i] for i in slots), key=lambda item: rank[item[0]])
    for slot, item in zip(slots, ordered, strict=True):
        items[slot] = item
    stages.clear()
    stages.update(items)


@contextmanager
def offers_to(listener: Callable[[str, object], None] | None) -> Iterator[None]:
    """`listener(name, value)` for every value `offer`ed inside the block (None: nobody)."""
    token = _OFFERS.set(listener)
    try:
        yield
    finally:
        _OFFERS.reset(token)


def offer(**values: object) -> None:
    """Sections' values as the run computes them, by name, to the open `offers_to` listener;
    nothing when none listens. The listener must not change them; its errors are dropped."""
    listener = _OFFERS.get()
    if listener is None:
        return
    for name, value in values.items():
        try:
            listener(name, value)
        except Exception:  # a listener only ever helps: the run goes on
            pass


def note(text: str) -> None:
    """A line of progress outside the stages (e.g. "analyses: cached"), if a console shows."""
    display = _DISPLAY.get()
    if display is not None:
        display.line(text)


def replicate_progress(what: str = "bootstrap") -> Progress | None:
    """The callback a bootstrap reports its replicates to, labelled with the running stage
    (`effects: bootstrap`), or None when no console shows."""
    display = _DISPLAY.get()
    if display is None or display.quiet:
        return None
    current = _CURRENT.get()
    return display.progress(f"{current}: {what}" if current else what)


def summary(stages: dict[str, float]) -> str:
    """`stages: load 2.1 s, cohort 0.4 s, …` (the run log's last progress line)."""
    return "stages: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in stages.items())


def for_command(args: object) -> Console:
    """The console of a command: stderr, quiet with `--quiet`."""
    return Console(quiet=bool(getattr(args, "quiet", False)))
