"""Shared tools of the red-team tests (issue #15): run an attack, check it was refused cleanly.

`refused(argv, ...)` runs the `workbench` command line in this process and checks what every
refusal must look like: exit code 2, exactly one line on stderr starting with the command's
name, no traceback, an answer within `SECONDS`, and the watched folders byte-for-byte as before
(nothing half-written). `small_dataset(folder)` writes a valid simulated dataset to attack.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from workbench.cli import main

SECONDS = 10.0  # a refusal comes before any analysis (typically < 2 s; slack for a busy CI)


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str
    seconds: float


def run(argv: list[str]) -> Outcome:
    """`workbench ARGV` in this process: exit code, stdout, stderr, wall time."""
    out, err = io.StringIO(), io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return Outcome(code, out.getvalue(), err.getvalue(), time.perf_counter() - t0)


def snapshot(*paths: Path) -> dict[str, str]:
    """Every file under `paths` (and whether each path exists) with its SHA-256 and mode."""
    state: dict[str, str] = {}
    for root in paths:
        root = Path(root)
        state[str(root)] = "dir" if root.is_dir() else ("file" if root.exists() else "absent")
        files = [root] if root.is_file() else sorted(root.rglob("*")) if root.is_dir() else []
        for f in files:
            if f.is_file():
                digest = hashlib.sha256(f.read_bytes()).hexdigest()
                state[str(f)] = f"{digest} {f.stat().st_mode:o}"
            else:
                state[str(f)] = "dir"
    return state


def refused(
    argv: list[str],
    match: str,
    watch: tuple[Path, ...] = (),
    hidden: tuple[str, ...] = (),
    seconds: float = SECONDS,
) -> str:
    """Run `argv`; assert a clean refusal whose message matches `match` and contains none of
    `hidden` (values that must never be printed); return the message."""
    before = snapshot(*watch)
    res = run(argv)
    assert res.code == 2, (res.code, res.err[-2000:], res.out[-2000:])
    lines = res.err.strip("\n").splitlines()
    assert len(lines) == 1, res.err[-3000:]
    assert lines[0].startswith(f"workbench {argv[0]}: ") or lines[0].startswith("error: ")
    assert "Traceback" not in res.err and "Traceback" not in res.out
    assert re.search(match, lines[0]), lines[0]
    for value in hidden:
        assert value not in res.err, (value, lines[0])
    assert res.seconds < seconds, f"refused after {res.seconds:.1f} s"
    assert snapshot(*watch) == before, "the attack changed files it should not have"
    return lines[0]


def small_dataset(folder: Path, n: int = 120, seed: int = 7) -> Path:
    """A valid simulated dataset (CSV tables and dataset.yaml) in `folder`."""
    from workbench.simulate import NO_FEEDBACK, simulate, write_simulation

    write_simulation(simulate(NO_FEEDBACK, seed=seed, n=n), folder)
    return folder


def edit_table(folder: Path, table: str, change) -> None:
    """Rewrite `folder/table.csv` (UTF-8) after `change(frame)` edits it in place."""
    path = folder / f"{table}.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    change(frame)
    frame.to_csv(path, index=False, encoding="utf-8")
