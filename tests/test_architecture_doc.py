"""docs/architecture.md stays a true map: every module of the package is named on its package's
line of the map (top-level modules anywhere in the map), and every package on it exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "workbench"
DOC = ROOT / "docs" / "architecture.md"


def map_lines() -> dict[str, set[str]]:
    """Package name -> the words on its line of the map (continuation lines included);
    key "" -> every word of the map block."""
    block = DOC.read_text().split("```")[1]
    groups: dict[str, set[str]] = {"": set(re.findall(r"\w+", block))}
    current = None
    for line in block.splitlines():
        head = re.match(r"^([a-z0-9_]+)/\s", line)
        if head:
            current = head.group(1)
            groups[current] = set(re.findall(r"\w+", line[head.end() :]))
        elif line.startswith(" ") and current:
            groups[current] |= set(re.findall(r"\w+", line))
        else:
            current = None
    return groups


def test_every_module_is_on_its_package_line():
    groups = map_lines()
    missing = []
    for p in sorted(PACKAGE.rglob("*.py")):
        if p.stem in ("__init__", "__main__"):
            continue
        package = "" if p.parent == PACKAGE else p.parent.name
        if p.stem not in groups.get(package, set()):
            missing.append(str(p.relative_to(PACKAGE)))
    assert not missing, f"docs/architecture.md's map does not name: {missing}"


def test_every_package_on_the_map_exists():
    for name in map_lines():
        if name:
            assert (PACKAGE / name / "__init__.py").is_file(), (
                f"{name}/ is on the map, not in workbench/"
            )
