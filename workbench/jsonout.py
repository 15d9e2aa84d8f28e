"""Strict JSON for every `--json` output: `null`, never `NaN` or `Infinity`.

`plain(value)` turns numpy/pandas values into plain JSON types (NaN, +inf and -inf become None;
numpy scalars become int/float/bool; DataFrames become lists of records; dates become ISO text).
`records(frame, reason=...)` gives a table's rows, and every row that has a null number carries a
`reason` (its own `reason` column if it has one, else the default given): a value that cannot be
estimated is `null` with a reason, never silently missing. `dumps` writes with `allow_nan=False`,
so a stray non-finite number is an error here, not invalid JSON downstream. `loads` is the strict
reader the tests use (it refuses `NaN`, `Infinity` and `-Infinity`).

Top-level, not in `workbench.data`: it is output infrastructure shared by every `--json` writer
(retention, risk, effects tables), not part of the data contract that `workbench.data` reads.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

REASON = "reason"


def plain(value: Any) -> Any:
    """`value` with only plain JSON types (dict, list, str, int, float, bool, None) inside."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, pd.DataFrame):
        return records(value)
    if isinstance(value, pd.Series):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, list | tuple | set | frozenset | np.ndarray):
        return [plain(v) for v in (value.tolist() if isinstance(value, np.ndarray) else value)]
    return _scalar(value)


def _scalar(value: Any) -> Any:
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        v = float(value)
        return v if math.isfinite(v) else None
    if isinstance(value, pd.Timestamp | _dt.date | _dt.datetime):
        return None if pd.isna(value) else value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return None
    raise TypeError(f"cannot write a {type(value).__name__} as JSON")


def records(frame: pd.DataFrame, reason: str | None = None) -> list[dict[str, Any]]:
    """The rows of `frame` as plain dicts; a row with a null number gets a `reason`.

    The row's own non-empty `reason` column wins; otherwise `reason` (the caller's default) is
    used. Without either, a null number is an error (every null must say why)."""
    out = []
    for rec in frame.to_dict("records"):
        row = {
            str(k): _scalar(v) if not isinstance(v, list | tuple) else plain(v)
            for k, v in rec.items()
        }
        if REASON in row and row[REASON] in (None, ""):
            row.pop(REASON)
        numeric = [k for k, v in rec.items() if _is_number(v) and str(k) != REASON]
        if any(row[str(k)] is None for k in numeric) and REASON not in row:
            if reason is None:
                nulls = [str(k) for k in numeric if row[str(k)] is None]
                raise ValueError(f"null value(s) {', '.join(nulls)} without a reason: {row}")
            row[REASON] = reason
        out.append(row)
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, float | np.floating | int | np.integer) and not isinstance(
        value, bool | np.bool_
    )


def dumps(obj: Any, indent: int | None = 1) -> str:
    """Strict JSON text of `obj` (UTF-8 characters kept; NaN/inf already null)."""
    return json.dumps(plain(obj), ensure_ascii=False, indent=indent, allow_nan=False)


def emit(obj: Any) -> None:
    """Print `obj` as strict JSON on stdout (one document)."""
    print(dumps(obj))


def _refuse(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON (expected null)")


def loads(text: str) -> Any:
    """Parse JSON text, refusing NaN, Infinity and -Infinity."""
    return json.loads(text, parse_constant=_refuse)
