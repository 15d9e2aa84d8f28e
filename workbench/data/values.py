"""Checking and converting a column's values to the data contract: trimming, dates, numbers, codes.

Checks run on the distinct values of a column (`pd.factorize`), so 16 M visit rows cost a hash
pass, not a Python loop per row; a message is built only for the first offending row
(`row_error`: file, row, column, value, what was expected and what to do). Which columns exist
and what they accept is `workbench.data.schema`; `workbench.data.conform` applies both to a table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from workbench.data import codes
from workbench.data.schema import (
    DATE_FORMS,
    DATE_RANGE,
    DATE_RE,
    EXCEL_EPOCH,
    EXCEL_LAST_SERIAL,
    FLAG_FORMS,
    FLAG_WORDS,
    Column,
    code_lookup,
)
from workbench.exceptions import DataError

_AMBIGUOUS_RE = re.compile(r"^\d{1,2}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{2,4}$", re.ASCII)


_NUMBER_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$", re.ASCII)


_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060-\u2064\ufeff\u00ad]")
OUTSIDE = f"is outside {DATE_RANGE[0].year}-{DATE_RANGE[1].year}"


def show(value: object) -> str:
    """A cell value as shown in a one-line message."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "(empty)"
    text = str(value).replace("\r", " ").replace("\n", " ")
    return text if len(text) <= 40 else text[:37] + "..."


def row_error(
    file: str, rows: pd.Index, column: str, value: object, problem: str, expected: str, todo: str
) -> DataError:
    """A DataError for the first of `rows` (spreadsheet row numbers), counting the others."""
    first = int(rows[0])
    more = f" (and {len(rows) - 1:,} more rows)" if len(rows) > 1 else ""
    shown = "is empty" if problem == "empty" else f"{show(value)} {problem}"
    message = f"{file} row {first:,}{more}: {column} {shown} (expected {expected}); {todo}."
    return DataError(message, file=file, row=first, column=column, value=value)


def _factor(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Row → distinct-value numbers (-1 = empty) and the distinct values (object array)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy(), np.asarray(series.cat.categories, dtype=object)
    ints, uniques = pd.factorize(series, use_na_sentinel=True)
    return ints, np.asarray(uniques, dtype=object)


def _expand(ints: np.ndarray, values: np.ndarray, index: pd.Index, fill: object) -> pd.Series:
    values = np.asarray(values)
    if values.dtype.kind == "M":
        out = np.full(len(ints), np.datetime64("NaT"), dtype="datetime64[ns]")
    else:
        out = np.full(len(ints), fill, dtype=object if values.dtype == object else float)
    ok = ints >= 0
    if len(values):
        out[ok] = values[ints[ok]]
    return pd.Series(out, index=index)


def _rows_with(ints: np.ndarray, bad: np.ndarray, index: pd.Index) -> pd.Index:
    """Spreadsheet rows whose distinct-value number is flagged in boolean `bad`."""
    flagged = np.flatnonzero(bad)
    return index[np.isin(ints, flagged)]


def _as_text(value: object) -> object:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return np.nan
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)


def trim(series: pd.Series, as_text: bool = True) -> tuple[pd.Series, int]:
    """Text with spaces trimmed (empty → NaN), and how many cells were changed.

    With `as_text` every value becomes text (ids, codes); otherwise numbers and dates (Excel
    cells) are kept as they are for the parser of their column. The result is a Categorical
    (distinct values once), so later checks and cross-table look-ups cost little."""
    ints, uniq = _factor(series)
    if len(uniq) and pd.api.types.infer_dtype(uniq, skipna=False) == "string":  # all text
        text = uniq
        stripped = np.array([t.strip() for t in text], dtype=object)
        changed = stripped != text
        blank = stripped == ""
    else:
        convert = _as_text if as_text else (lambda u: np.nan if _blank(u) else u)
        text = np.array([convert(u) for u in uniq], dtype=object)
        stripped = np.array([t.strip() if isinstance(t, str) else t for t in text], dtype=object)
        changed = np.array(
            [isinstance(t, str) and t != s for t, s in zip(text, stripped, strict=True)],
            dtype=bool,
        )
        blank = np.array([_blank(v) or (isinstance(v, str) and v == "") for v in stripped], bool)
    n_changed = int(np.isin(ints, np.flatnonzero(changed)).sum()) if changed.any() else 0
    if not changed.any() and not blank.any():  # distinct already: keep the numbering
        if isinstance(series.dtype, pd.CategoricalDtype) and text is uniq:
            return series, 0  # the same Categorical (re-checking its categories costs seconds)
        cat = pd.Categorical.from_codes(ints, categories=pd.Index(text, dtype=object))
        return pd.Series(cat, index=series.index), 0
    new_ints, categories = pd.factorize(pd.Index(stripped[~blank], dtype=object))
    lookup = np.full(len(stripped) + 1, -1, dtype=np.int64)  # the last entry serves ints == -1
    lookup[:-1][~blank] = new_ints
    cat = pd.Categorical.from_codes(lookup[ints], categories=pd.Index(categories, dtype=object))
    return pd.Series(cat, index=series.index), n_changed


def parse_date_text(text: str) -> pd.Timestamp | str:
    """A date from one of the accepted forms, or the reason it is not one.

    >>> parse_date_text("2019/3/5")
    Timestamp('2019-03-05 00:00:00')
    >>> parse_date_text("2019-02-30")
    'is not a date'
    """
    m = DATE_RE.match(text)
    if m is None:
        if _AMBIGUOUS_RE.match(text):
            return "is ambiguous (day and month order unknown)"
        return "is not a date"
    hour, minute, second = (int(g) if g else 0 for g in (m[4], m[5], m[6]))
    if hour > 23 or minute > 59 or second > 59:
        return "has a time of day that does not exist"
    if not DATE_RANGE[0].year <= int(m[1]) <= DATE_RANGE[1].year:  # before any nanosecond stamp
        return OUTSIDE
    try:
        return pd.Timestamp(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return "is not a date"


def _date_value(value: object, excel: bool) -> pd.Timestamp | str | float:
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return np.nan
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, pd.Timestamp) or hasattr(value, "year"):
        if not DATE_RANGE[0].year <= value.year <= DATE_RANGE[1].year:
            return OUTSIDE  # checked before the nanosecond stamp, which wraps past 2262
        return pd.Timestamp(value).normalize().tz_localize(None)
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        if excel and 0 < float(value) <= EXCEL_LAST_SERIAL:
            return (EXCEL_EPOCH + pd.Timedelta(days=int(value))).normalize()
        if excel and float(value) > EXCEL_LAST_SERIAL:
            return f"is an Excel date number after {DATE_RANGE[1]:%Y-%m-%d}"
        return "is a number, not a date"
    return parse_date_text(str(value).strip())


def to_dates(series: pd.Series, file: str, column: str, excel: bool = False) -> pd.Series:
    """Parse a date column (strings, datetimes or Excel serials) to datetime64[ns] at midnight."""
    if pd.api.types.is_datetime64_any_dtype(series):
        out = series.dt.tz_localize(None) if series.dt.tz is not None else series
        _check_range(out, file, column)  # in the column's own unit, before any ns conversion
        out = out.astype("datetime64[ns]").dt.normalize()
    else:
        ints, uniq = _factor(series)
        parsed = [_date_value(u, excel) for u in uniq]
        bad = np.array([isinstance(p, str) for p in parsed], dtype=bool)
        if bad.any():
            rows = _rows_with(ints, bad, series.index)
            value = series.loc[rows[0]]
            reason = parsed[int(ints[series.index.get_loc(rows[0])])]
            low, high = DATE_RANGE
            expected = f"a date between {low:%Y-%m-%d} and {high:%Y-%m-%d}"
            expected = expected if reason == OUTSIDE else DATE_FORMS
            raise row_error(
                file, rows, column, value, reason, expected, "fix the date or drop the row"
            )
        stamps = np.array(
            [
                np.datetime64(p, "ns")
                if isinstance(p, pd.Timestamp)
                else np.datetime64("NaT", "ns")
                for p in parsed
            ],
            dtype="datetime64[ns]",
        )
        out = _expand(ints, stamps, series.index, np.nan)
    _check_range(out, file, column)
    return out


def _check_range(out: pd.Series, file: str, column: str) -> None:
    low, high = DATE_RANGE
    outside = out.notna() & ((out < low) | (out >= high + pd.Timedelta(days=1)))
    if outside.any():
        rows = out.index[outside.to_numpy()]
        raise row_error(
            file,
            rows,
            column,
            out.loc[rows[0]].strftime("%Y-%m-%d"),
            OUTSIDE,
            f"a date between {low:%Y-%m-%d} and {high:%Y-%m-%d}",
            "correct the year",
        )


def to_numbers(series: pd.Series, file: str, col: Column) -> pd.Series:
    """Parse a numeric column (int, float or flag) and check its range or allowed values."""
    if pd.api.types.is_bool_dtype(series):
        series = series.astype(float)
    if pd.api.types.is_numeric_dtype(series):
        out = series.astype(float)
    else:
        ints, uniq = _factor(series)
        values = np.array([_number(u, col.kind) for u in uniq], dtype=float)
        bad = np.isnan(values) & np.array([not _blank(u) for u in uniq], dtype=bool)
        if bad.any():
            rows = _rows_with(ints, bad, series.index)
            expected = FLAG_FORMS if col.kind == "flag" else "a number"
            problem = "is not 1 or 0" if col.kind == "flag" else "is not a number"
            raise row_error(
                file, rows, col.name, series.loc[rows[0]], problem, expected, "correct the value"
            )
        out = _expand(ints, values, series.index, np.nan).astype(float)
    _check_numbers(out, file, col)
    return out


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _number(value: object, kind: str) -> float:
    if _blank(value):
        return np.nan
    if kind == "flag":
        if isinstance(value, int | float | np.integer | np.floating):
            return float(value) if float(value) in (0.0, 1.0) else np.nan
        return float(FLAG_WORDS.get(str(value).strip().lower(), np.nan))
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip().replace(",", "")
    if not _NUMBER_RE.match(text):  # Python's float() also takes "1_977", full-width digits, "inf"
        return np.nan
    return float(text)


def _check_numbers(out: pd.Series, file: str, col: Column) -> None:
    values = out.to_numpy()
    checks: list[tuple[np.ndarray, str, str]] = []
    if col.kind == "flag":
        checks.append(
            (~np.isin(values, [0.0, 1.0]) & ~np.isnan(values), "is not 1 or 0", FLAG_FORMS)
        )
    if col.kind == "int":
        checks.append(
            (
                ~np.isnan(values) & (values != np.round(values)),
                "is not a whole number",
                "a whole number",
            )
        )
    if col.allowed:
        allowed = ", ".join(f"{a:g}" for a in col.allowed)
        checks.append(
            (
                ~np.isnan(values) & ~np.isin(values, col.allowed),
                "is not allowed",
                f"one of {allowed} or empty",
            )
        )
    if col.low is not None:
        span = f"a number from {col.low:g} to {col.high:g}"
        checks.append((values < col.low, "is too small", span))
        checks.append((values > col.high, "is too large", span))
    for bad, problem, expected in checks:
        if bad.any():
            rows = out.index[bad]
            raise row_error(
                file,
                rows,
                col.name,
                f"{out.loc[rows[0]]:g}",
                problem,
                expected,
                "correct the value",
            )


def to_codes(
    series: pd.Series, file: str, col: Column, extra: Mapping[str, str] | None = None
) -> tuple[pd.Series, dict[str, int]]:
    """Map code words to codes; return the codes and counts of non-code spellings repaired."""
    lookup = code_lookup(col.codes, extra)
    ints, uniq = _factor(series)
    if col.codes == "intervention":
        _refuse_outcomes(series, ints, uniq, file, col)
    mapped = np.array([lookup.get(str(u).lower(), None) for u in uniq], dtype=object)
    bad = np.array([m is None for m in mapped], dtype=bool)
    if bad.any():
        rows = _rows_with(ints, bad, series.index)
        valid = [*codes.KINDS[col.codes], *(extra or {}).values()]
        raise row_error(
            file,
            rows,
            col.name,
            series.loc[rows[0]],
            "is not a known code",
            f"one of {', '.join(dict.fromkeys(valid))}, or a Chinese name listed in data/README.md",
            "correct the value",
        )
    counts = np.bincount(ints[ints >= 0], minlength=len(uniq))
    repaired = {
        f"{u} → {m}": int(n) for u, m, n in zip(uniq, mapped, counts, strict=True) if u != m
    }
    return _expand(ints, mapped, series.index, np.nan), repaired


def _refuse_outcomes(series, ints, uniq, file: str, col: Column) -> None:
    outcomes = code_lookup("outcome")
    bad = np.array([str(u).lower() in outcomes for u in uniq], dtype=bool)
    if bad.any():
        rows = _rows_with(ints, bad, series.index)
        raise row_error(
            file,
            rows,
            col.name,
            series.loc[rows[0]],
            "is an outcome, not a support (awards and typical cases follow abstinence)",
            f"a support such as {', '.join(codes.INTERVENTIONS)}",
            "drop these rows; outcomes can never be exposures",
        )


def check_empty(series: pd.Series, file: str, col: Column) -> None:
    """DataError naming the first empty cell of a column that may not be empty."""
    if col.nullable:
        return
    empty = series.isna().to_numpy()
    if empty.any():
        rows = series.index[empty]
        raise row_error(
            file, rows, col.name, None, "empty", _expected(col), "fill the cell or drop the row"
        )


def _expected(col: Column) -> str:
    return {
        "id": "an id",
        "text": "text",
        "date": DATE_FORMS,
        "code": "a code listed in data/README.md",
        "int": "a whole number",
        "float": "a number",
        "flag": FLAG_FORMS,
    }[col.kind]


def check_visible(series: pd.Series, file: str, col: Column) -> None:
    """Ids must not hold invisible characters: R001 and R001+U+200B would be two people."""
    ints, uniq = _factor(series)
    if not _INVISIBLE.search("\n".join(map(str, uniq))):  # one C-speed scan of 2.3 M ids
        return
    bad = np.array([bool(_INVISIBLE.search(str(u))) for u in uniq], dtype=bool)
    if bad.any():
        rows = _rows_with(ints, bad, series.index)
        value = series.loc[rows[0]]
        char = _INVISIBLE.search(str(value))[0]
        raise row_error(
            file,
            rows,
            col.name,
            value,
            f"holds an invisible character (U+{ord(char):04X})",
            "visible letters and digits only",
            "delete the invisible character (retype the id)",
        )
