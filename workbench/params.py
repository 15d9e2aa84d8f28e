"""Typed parameter sets for the report notebook and batches.

papermill only warns about unknown parameters and passes YAML dates as strings (statistics.md
trap 5), so every parameter set is checked here, before any analysis runs: unknown keys are
errors that list the valid ones, and dates, numbers and choices are parsed with our messages.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from workbench import codes
from workbench.exceptions import ParameterError

LANGUAGES = codes.LANGUAGES


def check_keys(d: object, valid: tuple[str, ...], prefix: str = "") -> None:
    """A parameter set is a mapping whose keys are all in `valid` (papermill only warns)."""
    if not isinstance(d, Mapping):
        raise ParameterError(f"{prefix}expected a mapping of parameters, got {type(d).__name__}")
    unknown = sorted(set(d) - set(valid))
    if unknown:
        raise ParameterError(
            f"{prefix}unknown parameter {unknown[0]!r}; valid parameters are: {', '.join(valid)}"
        )


def _where(source: str | None) -> str:
    return f"{source}: " if source else ""


def _as_date(key: str, value: Any, source: str | None) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ParameterError(
        f"{_where(source)}{key} {value!r} is not a date (expected YYYY-MM-DD, e.g. 2019-06-30)"
    )


def _as_int(key: str, value: Any, source: str | None, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value.strip())
        else:
            raise ParameterError(
                f"{_where(source)}{key} {value!r} is not a whole number (expected an integer)"
            )
    if minimum is not None and value < minimum:
        raise ParameterError(f"{_where(source)}{key} {value} is below its minimum {minimum}")
    return value


def _as_str(key: str, value: Any, source: str | None, optional: bool = True) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ParameterError(f"{_where(source)}{key} {value!r} is not a text value")
    return value.strip()


def _choice(key: str, value: Any, valid: Any, source: str | None) -> Any:
    if value is None:
        return None
    if value not in valid:
        raise ParameterError(
            f"{_where(source)}{key} {value!r} is not one of: {', '.join(map(str, valid))}"
        )
    return value


def _as_months(key: str, value: Any, source: str | None) -> tuple[int, ...]:
    if isinstance(value, int | str) and not isinstance(value, bool):
        value = [value] if isinstance(value, int) else value.split(",")
    if not isinstance(value, list | tuple) or not value:
        raise ParameterError(
            f"{_where(source)}{key} {value!r} is not a list of months, e.g. [12, 24, 36]"
        )
    months = tuple(_as_int(key, v, source, minimum=1) for v in value)
    if any(m > codes.TRACKING_MONTHS for m in months):
        raise ParameterError(
            f"{_where(source)}{key} {list(months)} goes beyond the {codes.TRACKING_MONTHS}-month "
            "tracking period; use months between 1 and 36"
        )
    return tuple(sorted(set(months)))


def _as_codes(key: str, value: Any, source: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ParameterError(f"{_where(source)}{key} {value!r} is not a list of codes")
    outcome = [v for v in value if v in codes.OUTCOME_CODES]
    if outcome:
        raise ParameterError(
            f"{_where(source)}{key}: {outcome[0]!r} is an outcome (people are selected for it "
            "because they stayed abstinent); it cannot be a support exposure"
        )
    return tuple(value)


@dataclass(frozen=True)
class ReportParams:
    """One evaluation report: what data, which scope, which language, how to estimate.

    ``data`` is a dataset folder or a dataset spec (.yaml), relative paths resolved against the
    parameter file's folder by `from_yaml`. ``prefecture``/``facility`` restrict the cohort;
    ``release_start``/``release_end`` restrict release dates (inclusive); ``cutoff`` overrides the
    dataset's data cut-off.
    """

    data: str
    name: str = "report"
    title: str | None = None
    lang: str = "zh"
    prefecture: str | None = None
    facility: str | None = None
    release_start: dt.date | None = None
    release_end: dt.date | None = None
    cutoff: dt.date | None = None
    milestones: tuple[int, ...] = codes.MILESTONE_MONTHS
    landmark_day: int = 180
    interventions: tuple[str, ...] | None = None
    n_bootstrap: int = 200
    seed: int = 20170101
    suppression_threshold: int = codes.SUPPRESSION_THRESHOLD
    n_jobs: int = 1

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_mapping(cls, d: Mapping[str, Any], source: str | None = None) -> ReportParams:
        """Validate a mapping (YAML, papermill parameters); unknown keys are errors."""
        check_keys(d, cls.field_names(), _where(source))
        if d.get("data") in (None, ""):
            raise ParameterError(f"{_where(source)}data is missing: give a dataset folder or spec")
        return cls(**_parse(d, source))

    @classmethod
    def from_yaml(cls, path: str | Path) -> ReportParams:
        """Read a YAML parameter file; a relative ``data`` path is taken from the file's folder."""
        path = Path(path)
        d = _read_yaml(path)
        data = d.get("data")
        if isinstance(data, str) and data and not Path(data).is_absolute():
            d = {**d, "data": str((path.parent / data).resolve())}
        return cls.from_mapping(d, source=str(path))

    def to_mapping(self) -> dict[str, Any]:
        """Plain types only (dates as ISO strings), as papermill and YAML want them."""
        out: dict[str, Any] = {}
        for key, value in dataclasses.asdict(self).items():
            if isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[key] = value
        return out

    def analysis_key(self) -> dict[str, Any]:
        """The parameters that change the numbers (not language, title or n_jobs)."""
        d = self.to_mapping()
        for key in ("lang", "title", "name", "n_jobs"):
            d.pop(key)
        return d

    def sha256(self) -> str:
        text = json.dumps(self.to_mapping(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _parse(d: Mapping[str, Any], source: str | None) -> dict[str, Any]:
    s = source
    out: dict[str, Any] = {"data": _as_str("data", d["data"], s, optional=False)}
    if "name" in d:
        out["name"] = _as_str("name", d["name"], s, optional=False)
    if "title" in d:
        out["title"] = _as_str("title", d["title"], s)
    if "lang" in d:
        out["lang"] = _choice("lang", d["lang"], LANGUAGES, s) or "zh"
    if d.get("prefecture") is not None:
        out["prefecture"] = _as_str("prefecture", d["prefecture"], s)
    if d.get("facility") is not None:
        out["facility"] = _as_str("facility", d["facility"], s)
    for key in ("release_start", "release_end", "cutoff"):
        if key in d:
            out[key] = _as_date(key, d[key], s)
    if out.get("release_start") and out.get("release_end"):
        if out["release_start"] > out["release_end"]:
            raise ParameterError(
                f"{_where(s)}release_start {out['release_start']} is after release_end "
                f"{out['release_end']}; swap them"
            )
    if "milestones" in d:
        out["milestones"] = _as_months("milestones", d["milestones"], s)
    if "landmark_day" in d:
        out["landmark_day"] = _as_int("landmark_day", d["landmark_day"], s, minimum=0)
        if out["landmark_day"] >= codes.TRACKING_DAYS:
            raise ParameterError(
                f"{_where(s)}landmark_day {out['landmark_day']} is after the end of tracking (1095 days)"
            )
    if "interventions" in d:
        out["interventions"] = _as_codes("interventions", d["interventions"], s)
    mins = {"n_bootstrap": 0, "seed": 0, "suppression_threshold": 1, "n_jobs": 1}
    for key, minimum in mins.items():
        if key in d:
            out[key] = _as_int(key, d[key], s, minimum=minimum)
    return out


class _TextDatesLoader(yaml.SafeLoader):
    """YAML without implicit timestamps: dates stay text and are checked by our parser."""


_TextDatesLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ParameterError(f"{path}: parameter file not found")
    try:
        d = yaml.load(path.read_text(encoding="utf-8"), Loader=_TextDatesLoader)
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ParameterError(
            f"{path}: not valid YAML ({first}); check indentation and quotes"
        ) from None
    if d is None:
        d = {}
    if not isinstance(d, dict):
        raise ParameterError(f"{path}: expected a mapping of parameters at the top level")
    return d


BATCH_KEYS = ("name", "out", "defaults", "runs")


@dataclass(frozen=True)
class BatchRun:
    """One report in a batch: its output folder name and its validated parameters.

    ``error`` holds the parameter error message when the run's parameters are invalid: the
    batch reports it as a failed run and runs the others.
    """

    run_id: str
    params: ReportParams | None
    raw: Mapping[str, Any]
    error: str | None = None


@dataclass(frozen=True)
class BatchSpec:
    name: str
    out: Path
    runs: tuple[BatchRun, ...]


def load_batch(path: str | Path) -> BatchSpec:
    """Read a batch file: ``defaults`` (merged into each run) and ``runs``.

    Each run is a mapping of report parameters, optionally with ``params: FILE`` (a report
    parameter file, relative to the batch file) whose keys the run's own keys override.
    """
    path = Path(path)
    d = _read_yaml(path)
    unknown = sorted(set(d) - set(BATCH_KEYS))
    if unknown:
        raise ParameterError(
            f"{path}: unknown key {unknown[0]!r}; valid keys are: {', '.join(BATCH_KEYS)}"
        )
    runs = d.get("runs")
    if not isinstance(runs, list) or not runs:
        raise ParameterError(f"{path}: runs must be a non-empty list of report parameter sets")
    defaults = d.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise ParameterError(f"{path}: defaults must be a mapping of report parameters")
    out = Path(d.get("out") or Path("reports") / str(d.get("name") or path.stem))
    parsed = [_batch_run(path, i, defaults, r) for i, r in enumerate(runs, start=1)]
    ids = [r.run_id for r in parsed]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise ParameterError(
            f"{path}: two runs are both named {dup[0]!r}; give each run its own name"
        )
    return BatchSpec(name=str(d.get("name") or path.stem), out=out, runs=tuple(parsed))


def _batch_run(path: Path, i: int, defaults: dict, run: Any) -> BatchRun:
    source = f"{path} run {i}"
    if not isinstance(run, dict):
        return BatchRun(f"run{i:02d}", None, {}, f"{source}: expected a mapping of parameters")
    merged = _resolve_data(dict(defaults), path.parent)
    try:
        file = run.get("params")
        if file is not None:
            fpath = (path.parent / str(file)).resolve()
            merged.update(_resolve_data(_read_yaml(fpath), fpath.parent))
        own = {k: v for k, v in run.items() if k != "params"}
        merged.update(_resolve_data(own, path.parent))
        run_id = _run_id(merged, i)
        return BatchRun(run_id, ReportParams.from_mapping(merged, source=source), merged)
    except ParameterError as err:
        return BatchRun(_run_id(merged, i), None, merged, str(err))


def _resolve_data(d: dict, folder: Path) -> dict:
    data = d.get("data")
    if isinstance(data, str) and data and not Path(data).is_absolute():
        d["data"] = str((folder / data).resolve())
    return d


def _run_id(merged: Mapping[str, Any], i: int) -> str:
    name = str(merged.get("name") or f"run{i:02d}")
    lang = merged.get("lang", "zh")
    rid = f"{name}_{lang}" if not name.endswith(f"_{lang}") else name
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in rid)
