"""A raw table conformed to the data contract: canonical headers, codes, dates and numbers.

`conform(frame, table, file)` renames Chinese or English headers to canonical names, trims
spaces, maps Chinese code words to codes, parses dates and numbers, and checks codes and ranges
(`workbench.data.values`, column by column, against `workbench.data.schema`). It returns the
canonical frame and the repairs made, or raises `DataError` naming file, row, column, value,
what was expected and what to do.

Row numbers are those a spreadsheet user sees: the header is row 1, the first data row is row 2.
Readers (`workbench.data.read`) give each frame an index holding that row number; `conform` keeps it.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from workbench.data.repairs import Repair
from workbench.data.schema import FLAG_WORDS, SPECS, Column, header_lookup, normalise_header
from workbench.data.values import (
    check_empty,
    check_visible,
    show,
    to_codes,
    to_dates,
    to_numbers,
    trim,
)
from workbench.exceptions import DataError


def rename_headers(frame: pd.DataFrame, table: str, file: str) -> tuple[pd.DataFrame, list[str]]:
    """Rename accepted headers to canonical names; check required columns are present."""
    lookup = header_lookup(table)
    mapping: dict[object, str] = {}
    renamed: list[str] = []
    for header in frame.columns:
        canonical = lookup.get(normalise_header(header))
        if canonical is None:
            continue
        if canonical in mapping.values():
            other = next(h for h, c in mapping.items() if c == canonical)
            raise DataError(
                f"{file}: columns {show(other)} and {show(header)} both mean {canonical}; "
                "keep one of them.",
                file=file,
                column=canonical,
            )
        mapping[header] = canonical
        if str(header) != canonical:
            renamed.append(f"{show(header)} → {canonical}")
    missing = [c.name for c in SPECS[table] if c.required and c.name not in mapping.values()]
    if missing:
        col = next(c for c in SPECS[table] if c.name == missing[0])
        also = f" (also missing: {', '.join(missing[1:])})" if len(missing) > 1 else ""
        zh = f" or {'/'.join(col.aliases)}" if col.aliases else ""
        raise DataError(
            f"{file}: column {missing[0]} is missing{also} (expected a header {missing[0]}{zh}); "
            "add the column or rename its header as in data/README.md.",
            file=file,
            column=missing[0],
        )
    repairs = (
        [Repair("dq_repair_renamed", file=file, renamed=", ".join(renamed))] if renamed else []
    )
    return frame.rename(columns=mapping), repairs


def conform(
    frame: pd.DataFrame,
    table: str,
    file: str,
    *,
    excel: bool = False,
    extra_codes: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Canonical columns, codes and dtypes for `table`; raise DataError on the first problem.

    The index (spreadsheet row numbers) is kept. Contract columns come first, in contract
    order; other columns follow as trimmed text. Id and text columns come back as Categoricals
    (`workbench.data.io` turns them into plain text when the checks across tables are done).
    Returns the frame and the repairs made."""
    frame, repairs = rename_headers(frame, table, file)
    out: dict[str, pd.Series] = {}
    trimmed = 0
    for col in SPECS[table]:
        if col.name not in frame.columns:
            continue
        series = frame[col.name]
        as_text = col.kind in ("id", "text", "code")
        typed = pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(
            series
        )
        if as_text or not typed:
            series, n = trim(series, as_text=as_text)
            trimmed += n
        check_empty(series, file, col)
        out[col.name], notes = _convert(series, file, col, excel, extra_codes)
        repairs += notes
    for name in frame.columns:
        if name not in out:
            series, n = trim(frame[name])
            out[str(name)] = series
            trimmed += n
    if trimmed:
        repairs.insert(0, Repair("dq_repair_trimmed", file=file, n=trimmed))
    return pd.DataFrame(out, index=frame.index), repairs


def _convert(series, file, col, excel, extra_codes) -> tuple[pd.Series, list[str]]:
    if col.kind == "id":
        check_visible(series, file, col)
    if col.kind == "date":
        return to_dates(series, file, col.name, excel), []
    if col.kind in ("int", "float", "flag"):
        out = to_numbers(series, file, col)
        if col.kind != "float" and not col.nullable:
            out = out.astype("int64")
        return out, _flag_words(series, file, col)
    if col.kind == "code":
        out, repaired = to_codes(series, file, col, (extra_codes or {}).get(col.codes))
        if not repaired:
            return out, []
        total = sum(repaired.values())
        detail = "; ".join(f"{k}: {n:,}" for k, n in repaired.items())
        return out, [Repair("dq_repair_codes", file=file, column=col.name, n=total, detail=detail)]
    return series, []


def _flag_words(series: pd.Series, file: str, col: Column) -> list[str]:
    if col.kind != "flag" or pd.api.types.is_numeric_dtype(series):
        return []
    counts = series.dropna().astype(str).value_counts()
    words = counts[~counts.index.isin(["0", "1", "0.0", "1.0"])]
    if words.empty:
        return []
    detail = "; ".join(f"{w} → {FLAG_WORDS[w.lower()]}: {n:,}" for w, n in words.items())
    return [
        Repair("dq_repair_flags", file=file, column=col.name, n=int(words.sum()), detail=detail)
    ]
