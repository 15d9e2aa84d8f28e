"""The table of a dataset spec as the analysis frame: times in days, event codes, ids, arms.

`canonical_frame(spec, raw, file, scale)` is what `workbench.data.spec.load_spec` returns as
`SpecDataset.frame`; cell-level words (events, arms, complete cases, weights) are
`workbench.data.spec_columns`. Each refusal is a `DataError` naming file, row, column, the value,
what was expected and what to do.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from workbench.data import spec_columns as cols
from workbench.data.values import show
from workbench.exceptions import DataError


def arms(spec: Mapping) -> list:
    """The spec's arms (key `arms`, or its older name `interventions`)."""
    return list(spec.get("arms", spec.get("interventions", [])))


def _numeric(raw: pd.DataFrame, column: str, file: str, blank_ok: bool = False) -> np.ndarray:
    """A numeric column; with `blank_ok` (an interval's upper end) empty and inf mean open."""
    values = pd.to_numeric(raw[column], errors="coerce").to_numpy(dtype=float)
    bad = np.isnan(values) & (raw[column].notna().to_numpy() | (not blank_ok))
    literal = raw[column].astype(str).str.strip().str.lower().isin(["inf", "+inf", "infinity"])
    bad |= np.isinf(values) & ((values < 0) | (not blank_ok) | ~literal.to_numpy())
    if bad.any():
        row = raw.index[bad][0]
        shown = raw.loc[row, column]
        what = "is empty" if pd.isna(shown) else f"{show(shown)} is not a finite number"
        raise DataError(
            f"{file} row {row:,}: {column} {what} (expected a number); correct the value.",
            file=file,
            row=int(row),
            column=column,
            value=shown,
        )
    return values


def _times(spec: Mapping, raw: pd.DataFrame, file: str, scale: float):
    """(lower, upper, event code, competing day) in days."""
    if "time" in spec:
        time = _numeric(raw, spec["time"], file) * scale
        _nonnegative(raw, spec["time"], time, file)
        event = cols.event_codes(spec["event"], raw, file)
        hit = event == "relapse"
        return time, np.where(hit, time, np.nan), event, np.where(event == "death", time, np.nan)
    lower = _numeric(raw, spec["lower"], file) * scale
    upper = _numeric(raw, spec["upper"], file, blank_ok=True) * scale
    upper = np.where(np.isinf(upper), np.nan, upper)
    _nonnegative(raw, spec["lower"], lower, file)
    wrong = upper < lower
    if wrong.any():
        row = raw.index[wrong][0]
        raise DataError(
            f"{file} row {row:,}: {spec['upper']} {show(raw.loc[row, spec['upper']])} is below "
            f"{spec['lower']} (expected lower <= upper); correct the interval.",
            file=file,
            row=int(row),
            column=spec["upper"],
        )
    if "event" in spec:
        event = cols.event_codes(spec["event"], raw, file)
    else:
        event = np.where(np.isnan(upper), "censored", "relapse")
    death = np.where(event == "death", np.where(np.isnan(upper), lower, upper), np.nan)
    return lower, np.where(event == "relapse", upper, np.nan), event, death


def canonical_frame(spec: Mapping, raw: pd.DataFrame, file: str, scale: float) -> pd.DataFrame:
    """The spec's table as the analysis frame: id, lower_day, upper_day, event, death_day (days,
    `scale` days per time unit), entry_day, arms, covariates, strata, cluster, weights, group."""
    lower, upper, event, death = _times(spec, raw, file, scale)
    ids = _ids(raw, spec["id"], file) if "id" in spec else raw.index.astype(str)
    out = pd.DataFrame(
        {
            "id": np.asarray(ids, dtype=object),
            "lower_day": lower,
            "upper_day": upper,
            "event": event,
            "death_day": death,
        }
    )
    if "entry" in spec:
        out["entry_day"] = _entry(
            raw, spec["entry"], file, scale, np.where(np.isnan(death), lower, death)
        )
    for item in arms(spec):
        column, values = cols.arm_values(item, raw, file)
        out[column] = values
    for column in spec.get("covariates", []):
        out[column] = _covariate(raw[column])
    for column in [*spec.get("strata", []), spec.get("cluster")]:
        if column and column not in out.columns:
            out[column] = raw[column].to_numpy()
    if "weights" in spec:
        out[spec["weights"]] = cols.numeric_column(raw, spec["weights"], file, "a weight > 0",
                                                     positive=True)  # fmt: skip
    if spec.get("group_by") and spec["group_by"] not in out.columns:
        out[spec["group_by"]] = raw[spec["group_by"]].to_numpy()
    return out


def _entry(raw, column: str, file: str, scale: float, end: np.ndarray) -> np.ndarray:
    """Delayed-entry day: finite, >= 0 and before the person's time (or lower end)."""
    entry = cols.numeric_column(raw, column, file, "an entry time >= 0") * scale
    late = entry > end
    if late.any():
        row = raw.index[late][0]
        raise DataError(
            f"{file} row {row:,}: {column} {show(raw.loc[row, column])} is after the "
            "follow-up time (expected entry <= time, or <= lower); correct the value.",
            file=file,
            row=int(row),
            column=column,
        )
    return entry


def _ids(raw: pd.DataFrame, column: str, file: str) -> pd.Series:
    ids = raw[column].astype(str).str.strip()
    empty = raw[column].isna().to_numpy()
    again = ids.duplicated().to_numpy() | empty
    if again.any():
        row = raw.index[again][0]
        first = raw.index[(ids == ids.loc[row]).to_numpy()][0]
        what = (
            "is empty"
            if empty[raw.index.get_loc(row)]
            else f"{show(ids.loc[row])} appears again (first in row {first:,})"
        )
        raise DataError(
            f"{file} row {row:,}: {column} {what} (expected each id once); "
            "correct the id or drop the row.",
            file=file,
            row=int(row),
            column=column,
        )
    return ids


def _nonnegative(raw: pd.DataFrame, column: str, days: np.ndarray, file: str) -> None:
    bad = days < 0
    if bad.any():
        row = raw.index[bad][0]
        raise DataError(
            f"{file} row {row:,}: {column} {show(raw.loc[row, column])} is negative (expected a time "
            "since the start >= 0); correct the value.",
            file=file,
            row=int(row),
            column=column,
        )


def _covariate(series: pd.Series) -> pd.Series:
    """Numbers stay numbers; any other column is text (a category in every model)."""
    numbers = pd.to_numeric(series, errors="coerce")
    if numbers.notna().sum() == series.notna().sum():
        return numbers.reset_index(drop=True)
    return series.astype(str).str.strip().reset_index(drop=True)
