"""What every parameter set shares: strict keys, messages that quote values and name the line.

papermill only warns about unknown parameters and passes YAML dates as strings (statistics.md
trap 5), so every parameter set (report, batch run, research notebook) is checked before any
analysis runs: unknown keys are errors that list the valid ones.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from workbench.exceptions import ParameterError


def shown(value: Any) -> str:
    """A parameter value as a message quotes it: its repr, cut to 40 characters.

    >>> shown("2019-02-30")
    "'2019-02-30'"
    >>> len(shown("x" * 100))
    40
    """
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_keys(d: object, valid: tuple[str, ...], prefix: str = "") -> None:
    """A parameter set is a mapping whose keys are all in `valid` (papermill only warns)."""
    if not isinstance(d, Mapping):
        raise ParameterError(f"{prefix}expected a mapping of parameters, got {type(d).__name__}")
    unknown = sorted(set(d) - set(valid))
    if unknown:
        raise ParameterError(
            f"{prefix}unknown parameter {shown(unknown[0])}; valid parameters are: {', '.join(valid)}"
            + suggest(str(unknown[0]), valid)
        )


@dataclass(frozen=True)
class Origin:
    """Where a parameter set came from: a file and the line of each of its keys; `files` names
    another file for the keys that came from it (a batch run's ``params: FILE``)."""

    path: str
    lines: Mapping[str, int] = dataclasses.field(default_factory=dict)
    files: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def __str__(self) -> str:
        return self.path


def where(source: str | Origin | None) -> str:
    """The prefix of every message about a parameter set: "FILE: " (or nothing)."""
    return f"{source}: " if source else ""


def located(source: str | Origin | None, key: str | None, text: str) -> str:
    """`text` about `key`, after the file, ending with the key's line when it is known."""
    line = source.lines.get(key) if isinstance(source, Origin) and key else None
    if isinstance(source, Origin) and key in source.files:
        source = source.files[key]  # the mistake is in that file, not in the batch file
    return f"{where(source)}{text}" + (f" (line {line})" if line else "")


def suggest(key: str, valid: tuple[str, ...]) -> str:
    """The end of an unknown-key message: the closest valid key, or what to do.

    >>> suggest("langauge", ("data", "lang"))
    "; did you mean 'lang'?"
    """
    close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else "; remove it or fix its spelling"


class ParameterSet:
    """Base of the frozen parameter dataclasses: their keys, and their values as plain types."""

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def to_mapping(self) -> dict[str, Any]:
        """Plain types only (dates as ISO strings, tuples as lists), as papermill and YAML want."""
        out: dict[str, Any] = {}
        for key, value in dataclasses.asdict(self).items():
            if isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[key] = value
        return out
