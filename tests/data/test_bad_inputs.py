"""The bad-input corpus (tests/data/bad/, written by make_cases.py): each case makes
`workbench validate` (data) or `workbench report`/`workbench batch` (a broken report.yaml or
batch.yaml) exit 2 with one clear line on stderr, no traceback, and no file changed or created."""

from __future__ import annotations

import argparse
import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.cli.validate import run_validate

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "data" / "bad"
CASES = sorted(p.name for p in BAD.iterdir() if (p / "expected.txt").is_file())


def _target(case: Path) -> Path:
    return case / "spec.yaml" if (case / "spec.yaml").is_file() else case


def _command(case: Path) -> list[str]:
    """The CLI call for a case; report and batch write to CASE/out, which must not appear."""
    if (case / "report.yaml").is_file():
        return ["report", "--params", str(case / "report.yaml"), "--out", str(case / "out")]
    if (case / "batch.yaml").is_file():
        return ["batch", str(case / "batch.yaml"), "--out", str(case / "out")]
    return ["validate", str(_target(case))]


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_corpus_has_at_least_30_cases():
    assert len(CASES) >= 30


@pytest.mark.slow
@pytest.mark.parametrize("name", CASES)
def test_bad_input_gives_one_line_and_exit_2(name):
    case = BAD / name
    expected = (case / "expected.txt").read_text(encoding="utf-8").strip()
    before = _snapshot(case)
    run = subprocess.run(
        [sys.executable, "-m", "workbench.cli", *_command(case)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        timeout=120,
    )
    assert run.returncode == 2, run.stdout + run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert re.search(expected, lines[0]), lines[0]
    assert run.stdout == ""
    assert _snapshot(case) == before
    assert not (case / "out").exists()


def test_corpus_has_parameter_file_cases():
    params = [c for c in CASES if _command(BAD / c)[0] in ("report", "batch")]
    assert len(params) >= 6 and any(_command(BAD / c)[0] == "batch" for c in params)


def test_run_validate_directly_returns_2(capsys):
    case = BAD / "impossible_date"
    code = run_validate(argparse.Namespace(data=str(case), cutoff=None))
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert re.search((case / "expected.txt").read_text(encoding="utf-8").strip(), err)
