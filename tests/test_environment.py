"""environment.yml (conda) and pyproject.toml (pip) describe the same environment."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# PyPI name -> conda-forge name(s) where they differ.
CONDA_NAMES = {"dask[distributed]": ("dask", "distributed"), "pyyaml": ("pyyaml",)}


def _split(requirement: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.\-\[\]]+)\s*(.*)$", requirement)
    assert match, requirement
    return match.group(1).lower(), match.group(2).replace(" ", "")


def _pip_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = project["dependencies"] + project["optional-dependencies"]["dev"]
    out: dict[str, str] = {}
    for name, spec in map(_split, requirements):
        for conda_name in CONDA_NAMES.get(name, (name,)):
            out[conda_name] = spec
    return out


def _conda_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    entries = [d for d in env["dependencies"] if isinstance(d, str)]
    pairs = dict(map(_split, entries))
    return {name: spec for name, spec in pairs.items() if name not in {"python", "pip"}}


def test_environment_yml_lists_the_same_packages_as_pyproject():
    assert _conda_requirements() == _pip_requirements()


def test_environment_yml_pins_python_311():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert "python=3.11" in env["dependencies"]


def test_constraints_pin_every_direct_dependency():
    pinned = {
        _split(line)[0]
        for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    }
    wanted = {name.split("[")[0] for name in _pip_requirements() if name != "distributed"}
    assert wanted - {n.replace("_", "-") for n in pinned} == set()
