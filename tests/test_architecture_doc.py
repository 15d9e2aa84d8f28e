"""docs/architecture.md stays a true map: every module of the package is named in it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "workbench"


def test_every_module_is_on_the_map():
    words = set(
        re.findall(r"[A-Za-z_][A-Za-z0-9_]*", (ROOT / "docs" / "architecture.md").read_text())
    )
    missing = [
        str(p.relative_to(PACKAGE))
        for p in sorted(PACKAGE.rglob("*.py"))
        if p.stem not in ("__init__", "__main__")
        and (p.stem not in words or p.parent.name not in words | {"workbench"})
    ]
    assert not missing, f"docs/architecture.md does not name: {missing}"


def test_every_package_on_the_map_exists():
    text = (ROOT / "docs" / "architecture.md").read_text()
    for name in re.findall(r"^([a-z0-9_]+)/ ", text, flags=re.M):
        assert (PACKAGE / name / "__init__.py").is_file(), (
            f"{name}/ is on the map but not in workbench/"
        )
