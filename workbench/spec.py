"""Analysis-ready tables through a small YAML dataset spec (one row per person).

A spec names the table and maps its columns: `time` (or `lower`/`upper`), `event`, `time_unit`,
baseline 0/1 `interventions`, `covariates`, optional `id`, `group_by`, `name`, `description`,
`event_label`. `load_spec(path)` returns a `SpecDataset` whose frame has the canonical columns
`id`, `lower_day`, `upper_day` (NaN = right-censored; equal to `lower_day` for an exact event) and
`event` ('relapse' | 'censored'; "relapse" stands for the spec's event, named by `event_label`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from workbench import codes, io, schema
from workbench.exceptions import DataError, ParameterError

SPEC_KEYS = (
    "name",
    "description",
    "table",
    "time",
    "lower",
    "upper",
    "event",
    "event_label",
    "time_unit",
    "interventions",
    "covariates",
    "id",
    "group_by",
)
EVENT_KEYS = ("column", "relapse", "censored")
TIME_UNITS = {"days": 1.0, "weeks": 7.0, "months": codes.DAYS_PER_MONTH}
TRUE_WORDS = {"1", "1.0", "true", "yes", "是"}
FALSE_WORDS = {"0", "0.0", "false", "no", "否"}


@dataclass(frozen=True)
class SpecDataset:
    """An analysis-ready table in canonical form, with where it came from."""

    name: str
    frame: pd.DataFrame
    event_label: str = "relapse"
    interventions: tuple[str, ...] = ()
    covariates: tuple[str, ...] = ()
    group_by: str | None = None
    time_unit: str = "days"
    description: str = ""
    source: str = ""
    sha256: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def summary(self) -> pd.DataFrame:
        """Rows, events, censored rows and exact events, as a one-row frame."""
        f = self.frame
        exact = (f["event"] == "relapse") & (f["upper_day"] == f["lower_day"])
        return pd.DataFrame(
            {
                "name": [self.name],
                "n": [len(f)],
                "n_events": [int((f["event"] == "relapse").sum())],
                "n_censored": [int((f["event"] == "censored").sum())],
                "n_exact": [int(exact.sum())],
                "event_label": [self.event_label],
            }
        )


def _fail(where: str, problem: str, todo: str) -> ParameterError:
    return ParameterError(f"{where}: {problem}; {todo}.")


def read_spec(path: Path) -> dict:
    """The spec's keys, checked for unknown keys and types."""
    if not path.is_file():
        raise ParameterError(f"{path}: no such spec file; check the path.")
    spec = io.load_yaml(path)
    if not isinstance(spec, dict):
        raise _fail(path.name, "expected a mapping of keys", "write `key: value` lines")
    unknown = sorted(set(map(str, spec)) - set(SPEC_KEYS))
    if unknown:
        raise _fail(
            path.name,
            f"unknown key {unknown[0]} (expected one of {', '.join(SPEC_KEYS)})",
            "remove it or correct its spelling",
        )
    _check_types(spec, path.name)
    return spec


def _check_types(spec: Mapping, name: str) -> None:
    if "table" not in spec:
        raise _fail(name, "key table is missing (expected the table's path)", "add `table: FILE`")
    for key in ("name", "description", "table", "time", "lower", "upper", "id", "group_by"):
        if key in spec and not isinstance(spec[key], str):
            raise _fail(name, f"{key} must be a column name or text, not {spec[key]!r}", "fix it")
    for key in ("interventions", "covariates"):
        value = spec.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _fail(name, f"{key} must be a list of column names, not {value!r}", "fix it")
    if ("time" in spec) == ("lower" in spec):
        raise _fail(name, "give either time or lower (with upper), not both or neither", "fix it")
    if ("lower" in spec) != ("upper" in spec):
        raise _fail(name, "lower and upper go together", "give both")
    if "time" in spec and "event" not in spec:
        raise _fail(name, "key event is missing (expected the event column)", "add `event: COLUMN`")
    unit = spec.get("time_unit", "days")
    if unit not in TIME_UNITS:
        raise _fail(
            name, f"time_unit {unit!r} is not one of {', '.join(TIME_UNITS)}", "choose one of them"
        )
    event = spec.get("event")
    if isinstance(event, dict):
        extra = sorted(set(map(str, event)) - set(EVENT_KEYS))
        if extra or "column" not in event:
            raise _fail(
                name,
                f"event mapping needs keys {', '.join(EVENT_KEYS)} (got {', '.join(map(str, event))})",
                "write `event: {column: C, relapse: [values], censored: [values]}`",
            )
    elif event is not None and not isinstance(event, str):
        raise _fail(name, f"event must be a column name or a mapping, not {event!r}", "fix it")


def load_spec(path: str | Path) -> SpecDataset:
    """Read a dataset spec and its table into a `SpecDataset` (times in days)."""
    path = Path(path)
    spec = read_spec(path)
    table_path = (path.parent / spec["table"]).resolve()
    if not table_path.is_file():
        raise _fail(path.name, f"table {spec['table']} does not exist", "check the path")
    raw = io.read_table(table_path)
    file = table_path.name
    _check_columns(spec, raw, file, path.name)
    frame = _canonical(spec, raw, file)
    event = spec.get("event")
    column = event["column"] if isinstance(event, dict) else event
    return SpecDataset(
        name=spec.get("name") or path.stem,
        frame=frame,
        event_label=spec.get("event_label") or column or "relapse",
        interventions=tuple(spec.get("interventions", [])),
        covariates=tuple(spec.get("covariates", [])),
        group_by=spec.get("group_by"),
        time_unit=spec.get("time_unit", "days"),
        description=spec.get("description", ""),
        source=str(path),
        sha256={file: io.sha256_of(table_path), path.name: io.sha256_of(path)},
        notes=tuple(raw.attrs.get("repairs", [])),
    )


def _check_columns(spec: Mapping, raw: pd.DataFrame, file: str, name: str) -> None:
    event = spec.get("event")
    wanted = [spec.get(k) for k in ("time", "lower", "upper", "id", "group_by")]
    wanted.append(event["column"] if isinstance(event, dict) else event)
    wanted += spec.get("interventions", []) + spec.get("covariates", [])
    for column in wanted:
        if column is not None and column not in raw.columns:
            raise DataError(
                f"{name}: column {column} is not in {file} (expected one of "
                f"{', '.join(map(str, raw.columns))}); correct the spec.",
                file=file,
                column=column,
            )


def _numeric(raw: pd.DataFrame, column: str, file: str, blank_ok: bool = False) -> np.ndarray:
    """A numeric column; with `blank_ok` (an interval's upper end) empty and inf mean open."""
    values = pd.to_numeric(raw[column], errors="coerce").to_numpy(dtype=float)
    bad = np.isnan(values) & (raw[column].notna().to_numpy() | (not blank_ok))
    bad |= np.isinf(values) & ((values < 0) | (not blank_ok))
    if bad.any():
        row = raw.index[bad][0]
        shown = raw.loc[row, column]
        what = "is empty" if pd.isna(shown) else f"{schema.show(shown)} is not a finite number"
        raise DataError(
            f"{file} row {row:,}: {column} {what} (expected a number); correct the value.",
            file=file,
            row=int(row),
            column=column,
            value=shown,
        )
    return values


def _events(spec: Mapping, raw: pd.DataFrame, file: str) -> np.ndarray:
    """Boolean event indicator from a 1/0, true/false or mapped column."""
    event = spec["event"]
    if isinstance(event, dict):
        column = event["column"]
        yes = {str(v).lower() for v in _as_list(event.get("relapse", [1]))}
        no = {str(v).lower() for v in _as_list(event.get("censored", [0]))}
    else:
        column, yes, no = event, TRUE_WORDS, FALSE_WORDS
    words = raw[column].astype(str).str.strip().str.lower()
    words = words.where(~words.str.fullmatch(r"-?\d+\.0"), words.str[:-2])
    is_yes, is_no = words.isin(yes).to_numpy(), words.isin(no).to_numpy()
    bad = ~(is_yes | is_no)
    if bad.any():
        row = raw.index[bad][0]
        raise DataError(
            f"{file} row {row:,}: {column} {schema.show(raw.loc[row, column])} is not an event value "
            f"(expected one of {', '.join(sorted(yes | no))}); correct the value or map it in the spec.",
            file=file,
            row=int(row),
            column=column,
            value=raw.loc[row, column],
        )
    return is_yes


def _as_list(value: object) -> list:
    return value if isinstance(value, list) else [value]


def _canonical(spec: Mapping, raw: pd.DataFrame, file: str) -> pd.DataFrame:
    scale = TIME_UNITS[spec.get("time_unit", "days")]
    if "time" in spec:
        time = _numeric(raw, spec["time"], file) * scale
        hit = _events(spec, raw, file)
        lower, upper = time, np.where(hit, time, np.nan)
        _nonnegative(raw, spec["time"], time, file)
    else:
        lower = _numeric(raw, spec["lower"], file) * scale
        upper = _numeric(raw, spec["upper"], file, blank_ok=True) * scale
        upper = np.where(np.isinf(upper), np.nan, upper)
        _nonnegative(raw, spec["lower"], lower, file)
        wrong = upper < lower
        if wrong.any():
            row = raw.index[wrong][0]
            raise DataError(
                f"{file} row {row:,}: {spec['upper']} {schema.show(raw.loc[row, spec['upper']])} is below "
                f"{spec['lower']} (expected lower <= upper); correct the interval.",
                file=file,
                row=int(row),
                column=spec["upper"],
            )
        hit = ~np.isnan(upper)
        if "event" in spec:
            hit = _events(spec, raw, file)
            upper = np.where(hit, upper, np.nan)
    ids = _ids(raw, spec["id"], file) if "id" in spec else raw.index.astype(str)
    out = pd.DataFrame(
        {
            "id": np.asarray(ids, dtype=object),
            "lower_day": lower,
            "upper_day": upper,
            "event": np.where(hit, "relapse", "censored"),
        }
    )
    for column in spec.get("interventions", []):
        out[column] = _binary(raw, column, file)
    for column in spec.get("covariates", []):
        out[column] = _covariate(raw[column])
    if spec.get("group_by"):
        out[spec["group_by"]] = raw[spec["group_by"]].to_numpy()
    return out


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
            else f"{schema.show(ids.loc[row])} appears again (first in row {first:,})"
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
            f"{file} row {row:,}: {column} {schema.show(raw.loc[row, column])} is negative (expected a time "
            "since release >= 0); correct the value.",
            file=file,
            row=int(row),
            column=column,
        )


def _binary(raw: pd.DataFrame, column: str, file: str) -> np.ndarray:
    values = pd.to_numeric(raw[column], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isin(values, [0.0, 1.0])
    if bad.any():
        row = raw.index[bad][0]
        raise DataError(
            f"{file} row {row:,}: intervention {column} {schema.show(raw.loc[row, column])} is not 0 or 1 "
            "(expected a baseline 0/1 indicator); recode the column.",
            file=file,
            row=int(row),
            column=column,
        )
    return values.astype("int64")


def _covariate(series: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(series, errors="coerce")
    if numbers.notna().sum() == series.notna().sum():
        return numbers.reset_index(drop=True)
    return series.reset_index(drop=True)
