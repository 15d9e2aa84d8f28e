"""The one YAML reader of the workbench: safe, small, without anchors or aliases.

Parameter files, batch files, dataset specs, dataset.yaml and the simulation config are all read
here. PyYAML's safe loader still expands aliases, so a few lines of ``&a [*b, *b, ...]`` become
gigabytes (a "billion laughs"); our files never need anchors, so any anchor or alias is refused
with the line it is on, before anything is built. Files over `MAX_YAML_BYTES` and nesting deeper
than `MAX_DEPTH` are refused too. Dates stay text, so our date parser (and messages) handle them.
Messages name the file and line, never the content of the document.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from workbench.exceptions import ParameterError

MAX_YAML_BYTES = 1 << 20  # 1 MiB: a parameter file or spec is a few hundred bytes
MAX_DEPTH = 50


class SafeLoader(yaml.SafeLoader):
    """Safe YAML without implicit timestamps, anchors, aliases or deep nesting."""

    _depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _Refused(event.start_mark, "anchors and aliases (&name, *name) are not accepted")
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Refused(event.start_mark, f"nesting is deeper than {MAX_DEPTH} levels")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


SafeLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _Refused(Exception):
    def __init__(self, mark, problem: str) -> None:
        super().__init__(problem)
        self.line = mark.line + 1 if mark is not None else None
        self.problem = problem


def read_text(path: Path, what: str = "file") -> str:
    """The text of a YAML file, refused when missing, too large or not UTF-8."""
    path = Path(path)
    if not path.is_file():
        kind = "is a folder" if path.is_dir() else "not found"
        where = "" if path.is_absolute() else f", read relative to the current folder {Path.cwd()}"
        raise ParameterError(f"{path}: {what} {kind} (expected a YAML file{where}); check the path")
    if path.stat().st_size > MAX_YAML_BYTES:
        raise ParameterError(
            f"{path}: the {what} is larger than {MAX_YAML_BYTES >> 10} KiB (expected a short "
            "YAML file); check that this is the right file"
        )
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ParameterError(f"{path}: not UTF-8 text; save the file as UTF-8") from None


def _error(path: Path, err: BaseException) -> ParameterError:
    if isinstance(err, _Refused):
        at = f" at line {err.line}" if err.line else ""
        return ParameterError(
            f"{path}: YAML {err.problem}{at} (expected plain keys and values); write the "
            "values out in full"
        )
    if isinstance(err, RecursionError):
        return ParameterError(f"{path}: YAML nested too deeply; write plain keys and values")
    mark = getattr(err, "problem_mark", None)
    at = f" at line {mark.line + 1}" if mark is not None else ""
    problem = getattr(err, "problem", None) or "not valid YAML"
    return ParameterError(
        f"{path}: not valid YAML{at} ({problem}); check indentation, colons and quotes"
    )


def load(path: str | Path, what: str = "file") -> object:
    """Parse a YAML file with `SafeLoader`; one-line ParameterError when refused or invalid."""
    path = Path(path)
    text = read_text(path, what)
    try:
        return yaml.load(text, Loader=SafeLoader)
    except (yaml.YAMLError, _Refused, RecursionError, ValueError) as err:
        raise _error(path, err) from None


def compose(path: str | Path) -> yaml.Node | None:
    """The node tree of a YAML file (for line numbers), or None when it cannot be read."""
    try:
        return yaml.compose(read_text(Path(path)), Loader=SafeLoader)
    except (ParameterError, yaml.YAMLError, _Refused, RecursionError, ValueError):
        return None
