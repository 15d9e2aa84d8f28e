"""The one YAML loader of parameter files, batch files and `-p KEY=VALUE` values.

Every file goes through `workbench.data.yamlsafe` (safe, no anchors or aliases, dates stay text for
our date parser); the node tree gives each key's line for messages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from workbench.data import yamlsafe
from workbench.exceptions import ParameterError


def read_mapping(path: Path) -> dict[str, Any]:
    d = yamlsafe.load(path, "parameter file")
    if d is None:
        d = {}
    if not isinstance(d, dict):
        raise ParameterError(
            f"{path}: expected a mapping of parameters at the top level (key: value lines)"
        )
    return d


def node_lines(node: yaml.Node | None) -> dict[str, int]:
    """1-based line of each key of a YAML mapping node."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): k.start_mark.line + 1 for k, _ in node.value}


def child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if k.value == key:
                return v
    return None


def key_lines(path: Path) -> dict[str, int]:
    return node_lines(yamlsafe.compose(path))


def parse_value(text: str) -> Any:
    """One YAML value from the command line (`-p KEY=VALUE`); dates stay text."""
    return yaml.load(text, Loader=yamlsafe.SafeLoader)
