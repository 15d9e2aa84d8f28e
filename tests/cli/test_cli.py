"""The command line's shape: one handler module per command, imported statically, and a start
that does not load the analysis stack."""

from __future__ import annotations

import json
import subprocess
import sys

from workbench import __version__
from workbench.cli import COMMANDS, build_parser


def test_every_command_has_its_handler_in_its_own_cli_module():
    assert list(COMMANDS) == [
        "simulate", "validate", "cohort", "retention", "risk", "effects", "report", "batch",
        "pseudonymize", "notebook", "power",
    ]  # fmt: skip
    for name, (handler, help_text) in COMMANDS.items():
        assert handler.__module__ == f"workbench.cli.{name}", name
        assert handler.__name__ == f"run_{name}"
        assert help_text and help_text[0].islower()
    usage = build_parser().format_help()
    assert all(f"    {name}" in usage for name in COMMANDS)


def test_the_cli_starts_without_loading_the_analysis_stack():
    """Handlers import their analysis inside the body: `workbench --help` stays instant."""
    code = (
        "import json, sys, workbench.cli; workbench.cli.build_parser(); "
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    heavy = {"numpy", "pandas", "scipy", "lifelines", "matplotlib", "papermill", "weasyprint"}
    assert not loaded & heavy


def test_python_dash_m_runs_the_same_main():
    out = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "--version"], capture_output=True, text=True
    )
    assert (out.returncode, out.stdout.strip()) == (0, f"workbench {__version__}")
    bad = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "nonsense"], capture_output=True, text=True
    )
    assert bad.returncode == 2 and "invalid choice: 'nonsense'" in bad.stderr
