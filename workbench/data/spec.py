"""Analysis-ready tables through a small YAML dataset spec (one row per person).

A spec names the table and maps its columns: `time` (or `lower`/`upper`), `event` (with
optional `competing` values), `time_unit`, `design`, baseline `interventions` (or `arms`: value
words or a treated/untreated mapping), `covariates` (text columns become categories against a
`reference` level), `missing`, `strata`, `cluster`, `weights`, `entry`, `start_label`, optional
`id`, `group_by`, `name`, `description`, `event_label`. Every key has a worked example in
data/README.md. `load_spec(path)` returns a `SpecDataset` whose frame has the canonical columns
`id`, `lower_day`, `upper_day` (NaN = right-censored or competing event; equal to `lower_day` for
an exact event), `event` ('relapse' | 'death' | 'censored'; "relapse" stands for the spec's event,
named by `event_label`, and "death" for its competing event, named by `competing_label`) and
`death_day` (the competing event's day), then `entry_day`, the arms (0/1), covariates, strata,
cluster, weights and `group_by` columns.

This module reads and checks the spec file itself (keys, types, choices); the table becomes the
analysis frame in `workbench.data.spec_table`, cell by cell with `workbench.data.spec_columns`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from workbench import i18n
from workbench.data import codes, read, yamlsafe
from workbench.data import spec_columns as cols
from workbench.data.spec_table import arms, canonical_frame
from workbench.exceptions import DataError, ParameterError
from workbench.params.base import shown  # values cut to 40 characters

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
    "design",
    "arms",
    "reference",
    "missing",
    "strata",
    "cluster",
    "weights",
    "entry",
    "start_label",
    "competing_label",
)
EVENT_KEYS = ("column", "relapse", "censored", "competing", "competing_label")
ARM_KEYS = ("column", "treated", "untreated")
TIME_UNITS = {"days": 1.0, "weeks": 7.0, "months": codes.DAYS_PER_MONTH, "years": 365.25}
DESIGNS = {"randomised": "randomised", "randomized": "randomised", "observational": "observational"}
MISSING = ("complete_case", "error")
START_LABEL = dict(i18n.TEXT["start_release"])
COMPETING_LABEL = dict(i18n.TEXT["competing_event"])


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
    design: str = "observational"
    reference: dict[str, str] = field(default_factory=dict)
    strata: tuple[str, ...] = ()
    cluster: str | None = None
    weights: str | None = None
    entry: bool = False
    start_label: dict[str, str] = field(default_factory=lambda: dict(START_LABEL))
    competing_label: str = COMPETING_LABEL["en"]
    missing: str = "complete_case"
    dropped: dict[str, int] = field(default_factory=dict)  # column -> rows with it empty
    n_dropped: int = 0
    # arm column -> (treated, untreated) values as the spec writes them (mapped arms only)
    arm_labels: dict[str, tuple[str, str]] = field(default_factory=dict)

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
                "n_competing": [int((f["event"] == "death").sum())],
                "n_exact": [int(exact.sum())],
                "n_dropped": [self.n_dropped],
                "event_label": [self.event_label],
            }
        )


def _fail(where: str, problem: str, todo: str) -> ParameterError:
    return ParameterError(f"{where}: {problem}; {todo}.")


def read_spec(path: Path) -> dict:
    """The spec's keys, checked for unknown keys and types."""
    if not path.is_file():
        where = (
            "" if Path(path).is_absolute() else f" (relative to the current folder {Path.cwd()})"
        )
        raise ParameterError(f"{path}: no such spec file{where}; check the path.")
    spec = yamlsafe.load(path)
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
    text_keys = ("name", "description", "table", "time", "lower", "upper", "id", "group_by")
    for key in (*text_keys, "cluster", "weights", "entry"):
        if key in spec and not isinstance(spec[key], str):
            raise _fail(
                name, f"{key} must be a column name or text, not {shown(spec[key])}", "fix it"
            )
    for key in ("covariates", "strata"):
        value = spec.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _fail(name, f"{key} must be a list of column names, not {shown(value)}", "fix it")
    if ("time" in spec) == ("lower" in spec):
        raise _fail(name, "give either time or lower (with upper), not both or neither", "fix it")
    if ("lower" in spec) != ("upper" in spec):
        raise _fail(name, "lower and upper go together", "give both")
    if "time" in spec and "event" not in spec:
        raise _fail(name, "key event is missing (expected the event column)", "add `event: COLUMN`")
    unit = spec.get("time_unit", "days")
    if unit not in TIME_UNITS:
        raise _fail(
            name,
            f"time_unit {shown(unit)} is not one of {', '.join(TIME_UNITS)}",
            "choose one of them",
        )
    _check_event(spec.get("event"), name)
    inside = isinstance(spec.get("event"), dict) and "competing_label" in spec["event"]
    if "competing_label" in spec and (inside or not isinstance(spec["competing_label"], str)):
        raise _fail(
            name,
            "competing_label must be text, given once (top level or inside the event mapping)",
            "keep one",
        )
    _check_arms(spec, name)
    _check_choices(spec, name)


def _check_event(event: object, name: str) -> None:
    if isinstance(event, dict):
        extra = sorted(set(map(str, event)) - set(EVENT_KEYS))
        if extra or "column" not in event:
            raise _fail(
                name,
                f"event mapping needs keys {', '.join(EVENT_KEYS[:3])} and may have "
                f"{', '.join(EVENT_KEYS[3:])} (got {', '.join(map(str, event))})",
                "write `event: {column: C, relapse: [values], censored: [values]}`",
            )
        label = event.get("competing_label")
        if label is not None and not isinstance(label, str):
            raise _fail(name, f"competing_label must be text, not {shown(label)}", "fix it")
    elif event is not None and not isinstance(event, str):
        raise _fail(name, f"event must be a column name or a mapping, not {shown(event)}", "fix it")


def _check_arms(spec: Mapping, name: str) -> None:
    if "interventions" in spec and "arms" in spec:
        raise _fail(name, "give interventions or arms, not both", "keep one of them")
    key = "arms" if "arms" in spec else "interventions"
    value = spec.get(key, [])
    if not isinstance(value, list):
        raise _fail(
            name, f"{key} must be a list of column names or mappings, not {shown(value)}", "fix it"
        )
    for item in value:
        if isinstance(item, dict):
            if sorted(map(str, item)) != sorted(ARM_KEYS) or not all(
                isinstance(item[k], list | str | int | float | bool) for k in ARM_KEYS
            ):
                raise _fail(
                    name,
                    f"{key} mapping needs exactly the keys {', '.join(ARM_KEYS)} (got {shown(item)})",
                    "write `{column: C, treated: [values], untreated: [values]}`",
                )
        elif not isinstance(item, str):
            raise _fail(
                name, f"{key} must list column names or mappings, not {shown(item)}", "fix it"
            )
    columns = [_arm_column(item) for item in value]
    if len(set(columns)) != len(columns):
        raise _fail(name, f"{key} lists a column twice ({', '.join(columns)})", "list each once")


def _arm_column(item: object) -> str:
    return str(item["column"]) if isinstance(item, dict) else str(item)


def _check_choices(spec: Mapping, name: str) -> None:
    design = spec.get("design", "observational")
    if design not in DESIGNS:
        raise _fail(
            name,
            f"design {shown(design)} is not one of randomised, observational",
            "write `design: randomised` for a trial, else leave it out",
        )
    missing = spec.get("missing", "complete_case")
    if missing not in MISSING:
        raise _fail(
            name, f"missing {shown(missing)} is not one of {', '.join(MISSING)}", "choose one"
        )
    reference = spec.get("reference", {})
    if not isinstance(reference, dict) or not all(
        isinstance(v, str | int | float) and not isinstance(v, bool) for v in reference.values()
    ):
        raise _fail(
            name, f"reference must map a covariate to a level, not {shown(reference)}", "fix it"
        )
    label = spec.get("start_label", START_LABEL)
    example = i18n.TEXT["start_label_example"]
    if isinstance(label, dict):
        if sorted(map(str, label)) != ["en", "zh"] or not all(
            isinstance(v, str) and v.strip() for v in label.values()
        ):
            raise _fail(
                name,
                f"start_label must give zh and en text, not {shown(label)}",
                f"write `start_label: {{zh: {example['zh']}, en: {example['en']}}}`",
            )
    elif not (isinstance(label, str) and label.strip()):
        raise _fail(name, f"start_label must be text, not {shown(label)}", "fix it")


def load_spec(path: str | Path) -> SpecDataset:
    """Read a dataset spec and its table into a `SpecDataset` (times in days)."""
    path = Path(path)
    spec = read_spec(path)
    table_path = (path.parent / spec["table"]).resolve()
    if not table_path.is_file():
        raise _fail(
            path.name,
            f"table {spec['table']} does not exist (read relative to the spec's folder "
            f"{path.resolve().parent})",
            "check the path",
        )
    raw = read.read_table(table_path)
    file = table_path.name
    _check_columns(spec, raw, file, path.name)
    cols.categories_checked(raw, spec.get("covariates", []), spec.get("reference", {}), path.name)
    raw, n_dropped, dropped = cols.complete_cases(
        raw, _used_columns(spec), spec.get("missing", "complete_case"), file
    )
    frame = canonical_frame(spec, raw, file, TIME_UNITS[spec.get("time_unit", "days")])
    event = spec.get("event")
    column = event["column"] if isinstance(event, dict) else event
    competing = event.get("competing_label") if isinstance(event, dict) else None
    competing = competing or spec.get("competing_label")
    notes = list(raw.attrs.get("repairs", []))
    if n_dropped:
        notes.append(dropped_note(n_dropped, dropped))
    return SpecDataset(
        name=spec.get("name") or path.stem,
        frame=frame,
        event_label=spec.get("event_label") or column or "relapse",
        interventions=tuple(_arm_column(a) for a in arms(spec)),
        covariates=tuple(spec.get("covariates", [])),
        group_by=spec.get("group_by"),
        time_unit=spec.get("time_unit", "days"),
        description=spec.get("description", ""),
        source=str(path),
        sha256={file: read.sha256_of(table_path), path.name: read.sha256_of(path)},
        notes=tuple(notes),
        design=DESIGNS[spec.get("design", "observational")],
        reference={str(k): str(v) for k, v in spec.get("reference", {}).items()},
        strata=tuple(spec.get("strata", [])),
        cluster=spec.get("cluster"),
        weights=spec.get("weights"),
        entry="entry" in spec,
        start_label=_start_label(spec.get("start_label", START_LABEL)),
        competing_label=competing or COMPETING_LABEL["en"],
        missing=spec.get("missing", "complete_case"),
        dropped=dropped,
        n_dropped=n_dropped,
        arm_labels=arm_labels(spec),
    )


def arm_labels(spec: Mapping) -> dict[str, tuple[str, str]]:
    """(treated, untreated) values of each arm given as `{column, treated, untreated}`, as the
    spec writes them ("rIFN-g", "placebo"; several values joined by "/")."""
    out = {}
    for item in arms(spec):
        if isinstance(item, Mapping):
            out[str(item["column"])] = tuple(
                "/".join(str(v) for v in (item[k] if isinstance(item[k], list) else [item[k]]))
                for k in ("treated", "untreated")
            )
    return out


def dropped_note(n_rows: int, per_column: Mapping[str, int]) -> str:
    """The sentence stating the complete-case rule's effect (no data values, only counts)."""
    where = ", ".join(f"{c} ({n:,})" for c, n in per_column.items())
    return (
        f"{n_rows:,} row(s) with an empty value were left out of every analysis (complete cases; "
        f"empty cells per column: {where})"
    )


def _used_columns(spec: Mapping) -> list[str]:
    """The columns every analysis uses besides time and event (complete cases are over these)."""
    used = [_arm_column(a) for a in arms(spec)] + list(spec.get("covariates", []))
    used += list(spec.get("strata", []))
    used += [spec[k] for k in ("cluster", "weights", "entry") if k in spec]
    return list(dict.fromkeys(used))


def _start_label(label: object) -> dict[str, str]:
    if isinstance(label, dict):
        return {"zh": str(label["zh"]).strip(), "en": str(label["en"]).strip()}
    return {"zh": str(label).strip(), "en": str(label).strip()}


def _check_columns(spec: Mapping, raw: pd.DataFrame, file: str, name: str) -> None:
    event = spec.get("event")
    wanted = [spec.get(k) for k in ("time", "lower", "upper", "id", "group_by")]
    wanted.append(event["column"] if isinstance(event, dict) else event)
    wanted += _used_columns(spec)
    for column in wanted:
        if column is not None and column not in raw.columns:
            raise DataError(
                f"{name}: column {column} is not in {file} (expected one of "
                f"{', '.join(map(str, raw.columns))}); correct the spec.",
                file=file,
                column=column,
            )
