"""A dataset folder in, a `Dataset` out (and `load_any` for a folder or a dataset spec).

`load_dataset(folder)` finds the tables, reads them (`workbench.data.read`), conforms them to the
contract (`workbench.data.conform.conform`), checks the tables against each other
(`workbench.data.links`) and returns a `Dataset` whose `repairs` say, in plain words with counts,
every change made on the way. Anything that cannot be repaired safely is a `DataError` naming
file, row, column, value, what was expected and what to do. Writing is `workbench.data.write`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from workbench import i18n
from workbench.data import codes, conform, schema, yamlsafe
from workbench.data.dataset import Dataset
from workbench.data.links import check_links
from workbench.data.read import EXTENSIONS, read_raw, sha256_of
from workbench.data.repairs import Repair
from workbench.data.spec import load_spec
from workbench.data.values import parse_date_text, show
from workbench.exceptions import DataError, ParameterError

DATASET_KEYS = ("name", "cutoff", "description", "interventions", "status")
# dataset.yaml `status`: what the data are (reports on simulated or test data say so on every page)
DATA_STATUSES = ("real", "simulated", "test")


def find_tables(folder: Path) -> dict[str, Path]:
    """The file of each table in `folder` (releases, visits, interventions, optional events)."""
    found: dict[str, Path] = {}
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    for table in schema.TABLES:
        names = {table, *schema.TABLE_ALIASES[table]}
        hits = [p for p in files if p.stem.strip().lower() in names]
        old = [p for p in hits if p.suffix.lower() == ".xls"]
        if old:
            raise DataError(
                f"{old[0].name}: old-style Excel files cannot be read (expected .xlsx, .csv or "
                ".parquet); save it again as .xlsx.",
                file=old[0].name,
            )
        hits = [p for p in hits if p.suffix.lower() in EXTENSIONS]
        if len(hits) > 1:
            raise DataError(
                f"{folder.name}: {' and '.join(p.name for p in hits)} both hold {table} "
                "(expected one file per table); keep one of them.",
                file=hits[1].name,
            )
        if hits:
            found[table] = hits[0]
        elif table not in schema.OPTIONAL_TABLES:
            raise DataError(
                f"{folder}: no {table} table (expected {table}.csv, {table}.xlsx or "
                f"{table}.parquet); add the file or check the folder.",
                file=f"{table}.csv",
            )
    return found


def read_meta(folder: Path) -> dict:
    """dataset.yaml of `folder` (name, cutoff, description, interventions), or {}."""
    path = folder / "dataset.yaml"
    if not path.is_file():
        return {}
    meta = yamlsafe.load(path) or {}
    if not isinstance(meta, dict):
        raise ParameterError("dataset.yaml: expected a mapping of keys; write `key: value` lines.")
    unknown = sorted(set(map(str, meta)) - set(DATASET_KEYS))
    if unknown:
        raise ParameterError(
            f"dataset.yaml: unknown key {unknown[0]} (expected one of {', '.join(DATASET_KEYS)}); "
            "remove it or correct its spelling."
        )
    status = meta.get("status")
    if status is not None and str(status) not in DATA_STATUSES:
        raise ParameterError(
            f"dataset.yaml: status {show(status)} is not one of "
            f"{', '.join(DATA_STATUSES)}; write `status: real` for programme data."
        )
    return meta


def data_status(path: str | os.PathLike) -> str | None:
    """What a dataset folder's data are (dataset.yaml `status`): real, simulated, test; or None
    when undeclared (a dataset spec or a folder without dataset.yaml)."""
    folder = Path(path)
    if folder.name == "dataset.yaml":
        folder = folder.parent
    if not folder.is_dir():
        return None
    status = read_meta(folder).get("status")
    return None if status is None else str(status)


def _extra_interventions(meta: Mapping) -> dict[str, dict[str, str]]:
    declared = meta.get("interventions") or {}
    if not isinstance(declared, dict):
        raise ParameterError(
            "dataset.yaml: interventions must map codes to labels, e.g. "
            f"`interventions: {{housing: {{zh: {i18n.t('housing_example', 'zh')}, en: "
            f"{i18n.t('housing_example', 'en')}}}}}`; fix the entry."
        )
    lookup: dict[str, str] = {}
    for code, labels in declared.items():
        code = str(code)
        if not re.fullmatch(r"[a-z][a-z0-9_]*", code) or code in codes.OUTCOME_CODES:
            raise ParameterError(
                f"dataset.yaml: intervention code {code!r} is not allowed (expected lower-case "
                "letters, digits and _, and not an outcome code); rename it."
            )
        lookup[code] = code
        for word in (labels or {}).values() if isinstance(labels, dict) else ():
            lookup[str(word)] = code
    return {"intervention": lookup}


def _parse_cutoff(value: object, where: str) -> pd.Timestamp:
    if isinstance(value, pd.Timestamp) or hasattr(value, "year"):
        return pd.Timestamp(value).normalize()
    parsed = parse_date_text(str(value).strip())
    if isinstance(parsed, str):
        raise ParameterError(
            f"{where}: cutoff {show(value)} {parsed} (expected {schema.DATE_FORMS}); "
            "give the data cut-off date."
        )
    return parsed


def load_dataset(path: str | os.PathLike, cutoff: object = None) -> Dataset:
    """Read, repair and check a dataset folder; see data/README.md for the contract."""
    folder = Path(path)
    if not folder.is_dir():
        where = (
            "" if folder.is_absolute() else f", read relative to the current folder {Path.cwd()}"
        )
        raise DataError(
            f"{folder}: not a folder (expected a dataset folder with releases, visits and "
            f"interventions tables{where}); check the path.",
            file=str(folder),
        )
    meta = read_meta(folder)
    files = find_tables(folder)
    frames, repairs = _read_tables(files, _extra_interventions(meta))
    names = {t: f.name for t, f in files.items()}
    names.setdefault("events", "events.csv")
    repairs += check_links(frames, names)
    when = _dataset_cutoff(cutoff, meta, frames)
    return Dataset(
        releases=_finish(frames["releases"], "releases"),
        visits=_finish(frames["visits"], "visits"),
        interventions=_finish(frames["interventions"], "interventions"),
        events=_finish(frames["events"], "events"),
        cutoff=when,
        source=str(meta.get("name") or folder.name),
        sha256=_hashes(folder, files),
        repairs=tuple(repairs),
        status=None if meta.get("status") is None else str(meta["status"]),
    )


def _hashes(folder: Path, files: Mapping[str, Path]) -> dict[str, str]:
    """SHA-256 of every input file: the tables and dataset.yaml when present."""
    inputs = list(files.values())
    if (folder / "dataset.yaml").is_file():
        inputs.append(folder / "dataset.yaml")
    return {f.name: sha256_of(f) for f in inputs}


def _read_tables(files: Mapping[str, Path], extra: Mapping) -> tuple[dict, list[str]]:
    """Each table read and conformed; optional tables and columns filled in. Also repairs."""
    frames: dict[str, pd.DataFrame] = {}
    repairs: list[str] = []
    for table, file in files.items():
        raw, notes = read_raw(file, table, fast=True)
        excel = file.suffix.lower() == ".xlsx"
        frames[table], more = conform.conform(raw, table, file.name, excel=excel, extra_codes=extra)
        repairs += notes + more
    releases, name = frames["releases"], files["releases"].name
    if releases.empty:
        raise DataError(
            f"{name}: the table has a header but no rows (expected one row per release); "
            "export the releases again.",
            file=name,
        )
    if "person_id" not in releases.columns:
        releases.insert(1, "person_id", releases["release_id"])
        repairs.append(Repair("dq_repair_person_id", file=name))
    _check_persons(releases, name)
    frames.setdefault("events", schema.empty_frame("events"))
    for table in ("interventions", "events"):
        for col in schema.SPECS[table]:
            if col.name not in frames[table].columns:
                frames[table][col.name] = schema.empty_frame(table)[col.name]
    return frames, repairs


def _check_persons(releases: pd.DataFrame, file: str) -> None:
    """One person (person_id) has one sex and one birth year in every release: two values mean
    one of the records is wrong (or two people share an id), and only the user can tell which."""
    for column in ("sex", "birth_year"):
        if column not in releases.columns:
            continue
        pairs = releases[["person_id", column]].astype({"person_id": object}).dropna()
        distinct = pairs.drop_duplicates()
        clash = distinct["person_id"].duplicated(keep=False).to_numpy()
        if not clash.any():
            continue
        rows = distinct.index[clash]
        people = distinct["person_id"][clash].nunique()
        raise DataError(
            f"{file} row {rows[0]:,}: person_id {show(distinct['person_id'].iloc[0])} has "
            f"releases with different {column} (rows {rows[0]:,} and {rows[1]:,}; "
            f"{people:,} people in all; expected one {column} per person); correct the wrong "
            "record or give the two people different person_id.",
            file=file,
            row=int(rows[0]),
            column=column,
        )


def _finish(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    order = [c.name for c in schema.SPECS[table] if c.name in frame.columns]
    rest = [c for c in frame.columns if c not in order]
    out = frame[order + rest].reset_index(drop=True)
    for name in out.columns:
        if isinstance(out[name].dtype, pd.CategoricalDtype):
            out[name] = out[name].astype(object)
    return out


def _dataset_cutoff(cutoff: object, meta: Mapping, frames: Mapping) -> pd.Timestamp:
    if cutoff is not None:
        when = _parse_cutoff(cutoff, "cutoff argument")
    elif meta.get("cutoff") is not None:
        when = _parse_cutoff(meta["cutoff"], "dataset.yaml")
    else:
        dates = [
            frames["releases"]["release_date"].max(),
            frames["visits"]["visit_date"].max(),
            frames["interventions"]["start_date"].max(),
            frames["events"]["event_date"].max(),
        ]
        when = max(d for d in dates if pd.notna(d))
    first = frames["releases"]["release_date"].min()
    if pd.notna(first) and when < first:
        raise ParameterError(
            f"cutoff {when:%Y-%m-%d} is before every release (first release {first:%Y-%m-%d}; "
            "expected a cut-off after the releases); give the data cut-off date."
        )
    return when


def load_any(path: str | os.PathLike, cutoff: object = None):
    """A `Dataset` for a dataset folder, a `SpecDataset` for a dataset spec (.yaml/.yml).

    `cutoff` applies to a dataset folder only (a spec's times are already follow-up times)."""
    target = Path(path)
    if target.suffix.lower() in (".yaml", ".yml") and target.name != "dataset.yaml":
        return load_spec(target)
    if target.name == "dataset.yaml":
        target = target.parent
    return load_dataset(target, cutoff=cutoff)
