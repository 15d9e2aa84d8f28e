"""The one parser of parameter values: dates, numbers, names, choices, months and codes.

Report and batch parameters (`as_*`) quote the value, name the file and line (`base.Origin`) and
say what to do; a research notebook's parameters (`parse_field`) are parsed from their type hint
and checked against the limits in each field's metadata (`limits`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
import types
import typing
from collections.abc import Mapping
from typing import Any

from workbench.data import codes
from workbench.exceptions import ParameterError
from workbench.params.base import Origin, located, shown

DATE_YEARS = (1990, 2100)  # the data contract's date range (workbench.data.schema.DATE_RANGE)


def as_date(key: str, value: Any, source: str | None) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    if isinstance(value, dt.date):
        if not DATE_YEARS[0] <= value.year <= DATE_YEARS[1]:
            raise ParameterError(
                located(
                    source,
                    key,
                    f"{key} {value.isoformat()} is outside {DATE_YEARS[0]}-{DATE_YEARS[1]} "
                    "(expected a date of the data's period); correct the year",
                )
            )
        return value
    raise ParameterError(
        located(
            source,
            key,
            f"{key} {shown(value)} is not a date (expected YYYY-MM-DD, e.g. "
            "2019-06-30); correct the date",
        )
    )


def as_int(
    key: str,
    value: Any,
    source: str | Origin | None,
    minimum: int | None = None,
    expect: str = "an integer",
) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value.strip())
        else:
            raise ParameterError(
                located(
                    source,
                    key,
                    f"{key} {shown(value)} is not a whole number (expected {expect}); write it in "
                    "digits",
                )
            )
    if minimum is not None and value < minimum:
        raise ParameterError(
            located(
                source, key, f"{key} {value} is below its minimum {minimum}; use {minimum} or more"
            )
        )
    return value


def as_str(key: str, value: Any, source: str | None, optional: bool = True) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ParameterError(
            located(source, key, f"{key} {shown(value)} is not a text value; write it as text")
        )
    return value.strip()


_UNSAFE_NAME = re.compile(r"[/\\\x00-\x1f\x7f:*?\"<>|]")


def as_name(value: str, source: Any) -> str:
    """A report name is a plain folder name: reports/<name> stays inside reports/."""
    if _UNSAFE_NAME.search(value) or value in (".", "..") or value.startswith((".", "~")):
        raise ParameterError(
            located(
                source,
                "name",
                f"name {shown(value)} is not a plain name (expected letters, digits, - or _, "
                "without / \\ .. or a leading dot); the report folder is reports/<name>, so "
                "choose a plain name",
            )
        )
    return value


def choice(key: str, value: Any, valid: Any, source: str | None) -> Any:
    if value is None:
        return None
    if value not in valid:
        raise ParameterError(
            located(
                source,
                key,
                f"{key} {shown(value)} is not one of: {', '.join(map(str, valid))}; use one of these",
            )
        )
    return value


def as_months(key: str, value: Any, source: str | None) -> tuple[int, ...]:
    """Milestones in whole months (a list, one number or "24,12"), sorted without repeats.

    >>> as_months("milestones", "24,12,24", None)
    (12, 24)
    """
    if isinstance(value, int | str) and not isinstance(value, bool):
        value = [value] if isinstance(value, int) else value.split(",")
    if not isinstance(value, list | tuple) or not value:
        raise ParameterError(
            located(source, key, f"{key} {shown(value)} is not a list of months, e.g. [12, 24, 36]")
        )
    each = "a list of whole months such as [12, 24, 36]"
    months = tuple(as_int(key, v, source, minimum=1, expect=each) for v in value)
    if any(m > codes.TRACKING_MONTHS for m in months):
        raise ParameterError(
            located(
                source,
                key,
                f"{key} {list(months)} goes beyond the {codes.TRACKING_MONTHS}-month "
                "tracking period; use months between 1 and 36",
            )
        )
    return tuple(sorted(set(months)))


def as_codes(key: str, value: Any, source: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ParameterError(
            located(
                source,
                key,
                f"{key} {shown(value)} is not a list of codes; write e.g. "
                "[job_placement, financial_aid]",
            )
        )
    outcome = [v for v in value if v in codes.OUTCOME_CODES]
    if outcome:
        raise ParameterError(
            located(
                source,
                key,
                f"{key}: {outcome[0]!r} is an outcome (people are selected for it "
                "because they stayed abstinent); it cannot be a support exposure",
            )
        )
    return tuple(value)


def known_code(key: str, value: str, known: Mapping[str, Any], source: Any) -> str:
    """A prefecture or facility code the data can hold (the loader rejects any other); a
    misspelt one is answered with the closest code ("did you mean hengyang?") first."""
    if value not in known:
        close = difflib.get_close_matches(str(value).strip().lower(), tuple(known), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]}?)" if close else ""
        end = "" if close else "; use one of these codes"
        raise ParameterError(
            located(
                source,
                key,
                f"{key} {shown(value)} is not a known {key} code{hint}, so no release is in the "
                f"report's scope (expected one of: {', '.join(known)}){end}",
            )
        )
    return value


# --- research notebooks: parsed from the field's type hint ---------------------------------------


def limits(minimum=None, maximum=None, choices=None) -> dict[str, Any]:
    return {"min": minimum, "max": maximum, "choices": choices}


def _bad(name: str, key: str, value: Any, expected: str) -> ParameterError:
    return ParameterError(f"{name}: {key} {shown(value)} is not valid (expected {expected})")


def _check_range(name: str, key: str, value: float, meta: Mapping[str, Any]) -> None:
    lo, hi = meta.get("min"), meta.get("max")
    if lo is not None and value < lo:
        raise ParameterError(f"{name}: {key} {value} is below its minimum {lo}")
    if hi is not None and value > hi:
        raise ParameterError(f"{name}: {key} {value} is above its maximum {hi}")


def _parse_int(name: str, key: str, value: Any) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(name, key, value, "a whole number")
    return value


def _parse_float(name: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(name, key, value, "a number")
    return float(value)


def _parse_bool(name: str, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _bad(name, key, value, "True or False")
    return value


def _parse_str(name: str, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _bad(name, key, value, "a text value")
    return value.strip()


def _parse_date(name: str, key: str, value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise _bad(name, key, value, "a date YYYY-MM-DD, e.g. 2019-06-30") from None


def _parse_tuple(name: str, key: str, value: Any, item: type) -> tuple:
    if isinstance(value, str | int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list | tuple) or not value:
        raise _bad(name, key, value, f"a non-empty list of {item.__name__} values")
    parse = _parse_int if item is int else _parse_str
    return tuple(parse(name, key, v) for v in value)


def parse_field(name: str, f: dataclasses.Field, hint: Any, value: Any) -> Any:
    """Parse one value according to its type hint; None only where the hint allows it."""
    args = typing.get_args(hint)
    if isinstance(hint, types.UnionType) and type(None) in args:
        if value is None:
            return None
        hint = next(a for a in args if a is not type(None))
        args = typing.get_args(hint)
    if value is None:
        raise _bad(name, f.name, value, "a value, not None")
    if hint is int:
        value = _parse_int(name, f.name, value)
    elif hint is float:
        value = _parse_float(name, f.name, value)
    elif hint is bool:
        return _parse_bool(name, f.name, value)
    elif hint is str:
        value = _parse_str(name, f.name, value)
    elif hint is dt.date:
        return _parse_date(name, f.name, value)
    else:  # tuple[int, ...] or tuple[str, ...]
        value = _parse_tuple(name, f.name, value, args[0])
    _check_value(name, f.name, value, f.metadata)
    return value


def _check_value(name: str, key: str, value: Any, meta: Mapping[str, Any]) -> None:
    choices = meta.get("choices")
    items = value if isinstance(value, tuple) else (value,)
    for v in items:
        if choices is not None and v not in choices:
            raise ParameterError(f"{name}: {key} {shown(v)} is not one of: {', '.join(choices)}")
        if isinstance(v, int | float):
            _check_range(name, key, v, meta)
