"""Typed parameter sets for the report notebook and batches.

papermill only warns about unknown parameters and passes YAML dates as strings (statistics.md
trap 5), so every parameter set is checked here, before any analysis runs: unknown keys are
errors that list the valid ones, and dates, numbers and choices are parsed with our messages.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from workbench.data import codes, yamlsafe
from workbench.exceptions import ParameterError

LANGUAGES = codes.LANGUAGES
DATE_YEARS = (1990, 2100)  # the data contract's date range (workbench.data.schema.DATE_RANGE)


def shown(value: Any) -> str:
    """A parameter value as a message quotes it: its repr, cut to 40 characters."""
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
            + _suggest(str(unknown[0]), valid)
        )


@dataclass(frozen=True)
class Origin:
    """Where a parameter set came from: a file and the line of each of its keys."""

    path: str
    lines: Mapping[str, int] = dataclasses.field(default_factory=dict)

    def __str__(self) -> str:
        return self.path


def _where(source: str | Origin | None) -> str:
    """The prefix of every message about a parameter set: "FILE: " (or nothing)."""
    return f"{source}: " if source else ""


def _located(source: str | Origin | None, key: str | None, text: str) -> str:
    """`text` about `key`, after the file, ending with the key's line when it is known."""
    line = source.lines.get(key) if isinstance(source, Origin) and key else None
    return f"{_where(source)}{text}" + (f" (line {line})" if line else "")


def _suggest(key: str, valid: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else "; remove it or fix its spelling"


def _as_date(key: str, value: Any, source: str | None) -> dt.date | None:
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
                _located(
                    source,
                    key,
                    f"{key} {value.isoformat()} is outside {DATE_YEARS[0]}-{DATE_YEARS[1]} "
                    "(expected a date of the data's period); correct the year",
                )
            )
        return value
    raise ParameterError(
        _located(
            source,
            key,
            f"{key} {shown(value)} is not a date (expected YYYY-MM-DD, e.g. "
            "2019-06-30); correct the date",
        )
    )


def _as_int(
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
                _located(
                    source,
                    key,
                    f"{key} {shown(value)} is not a whole number (expected {expect}); write it in "
                    "digits",
                )
            )
    if minimum is not None and value < minimum:
        raise ParameterError(
            _located(
                source, key, f"{key} {value} is below its minimum {minimum}; use {minimum} or more"
            )
        )
    return value


def _as_str(key: str, value: Any, source: str | None, optional: bool = True) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ParameterError(
            _located(source, key, f"{key} {shown(value)} is not a text value; write it as text")
        )
    return value.strip()


_UNSAFE_NAME = re.compile(r"[/\\\x00-\x1f\x7f:*?\"<>|]")


def _as_name(value: str, source: Any) -> str:
    """A report name is a plain folder name: reports/<name> stays inside reports/."""
    if _UNSAFE_NAME.search(value) or value in (".", "..") or value.startswith((".", "~")):
        raise ParameterError(
            _located(
                source,
                "name",
                f"name {shown(value)} is not a plain name (expected letters, digits, - or _, "
                "without / \\ .. or a leading dot); the report folder is reports/<name>, so "
                "choose a plain name",
            )
        )
    return value


def _choice(key: str, value: Any, valid: Any, source: str | None) -> Any:
    if value is None:
        return None
    if value not in valid:
        raise ParameterError(
            _located(
                source,
                key,
                f"{key} {shown(value)} is not one of: {', '.join(map(str, valid))}; use one of these",
            )
        )
    return value


def _as_months(key: str, value: Any, source: str | None) -> tuple[int, ...]:
    if isinstance(value, int | str) and not isinstance(value, bool):
        value = [value] if isinstance(value, int) else value.split(",")
    if not isinstance(value, list | tuple) or not value:
        raise ParameterError(
            _located(
                source, key, f"{key} {shown(value)} is not a list of months, e.g. [12, 24, 36]"
            )
        )
    each = "a list of whole months such as [12, 24, 36]"
    months = tuple(_as_int(key, v, source, minimum=1, expect=each) for v in value)
    if any(m > codes.TRACKING_MONTHS for m in months):
        raise ParameterError(
            _located(
                source,
                key,
                f"{key} {list(months)} goes beyond the {codes.TRACKING_MONTHS}-month "
                "tracking period; use months between 1 and 36",
            )
        )
    return tuple(sorted(set(months)))


def _as_codes(key: str, value: Any, source: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ParameterError(
            _located(
                source,
                key,
                f"{key} {shown(value)} is not a list of codes; write e.g. "
                "[job_placement, financial_aid]",
            )
        )
    outcome = [v for v in value if v in codes.OUTCOME_CODES]
    if outcome:
        raise ParameterError(
            _located(
                source,
                key,
                f"{key}: {outcome[0]!r} is an outcome (people are selected for it "
                "because they stayed abstinent); it cannot be a support exposure",
            )
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
    issuer: str | None = None  # the issuing unit named on the cover (e.g. 湖南省戒毒管理局)
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
    internal_use: bool = False  # allows a threshold below the floor; the report is then internal

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_mapping(cls, d: Mapping[str, Any], source: str | None = None) -> ReportParams:
        """Validate a mapping (YAML, papermill parameters); unknown keys are errors."""
        unknown = sorted(set(d) - set(cls.field_names())) if isinstance(d, Mapping) else []
        try:
            check_keys(d, cls.field_names())
        except ParameterError as err:
            raise ParameterError(
                _located(source, unknown[0] if unknown else None, str(err))
            ) from None
        if d.get("data") in (None, ""):
            raise ParameterError(
                _located(
                    source, "data", "data is missing: give a dataset folder or spec (data: FOLDER)"
                )
            )
        return cls(**_parse(d, source))

    @classmethod
    def from_yaml(cls, path: str | Path) -> ReportParams:
        """Read a YAML parameter file; a relative ``data`` path is taken from the file's folder."""
        path = Path(path)
        d = _read_yaml(path)
        if not d:
            raise ParameterError(
                f"{path}: the parameter file is empty; write at least 'data: FOLDER' (the "
                "dataset folder or spec)"
            )
        data = d.get("data")
        if isinstance(data, str) and data and not Path(data).is_absolute():
            d = {**d, "data": str((path.parent / data).resolve())}
        return cls.from_mapping(d, source=Origin(str(path), _key_lines(path)))

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
        """The parameters that change the numbers (not language, title, issuer or n_jobs)."""
        d = self.to_mapping()
        for key in ("lang", "title", "issuer", "name", "n_jobs"):
            d.pop(key)
        return d

    def sha256(self) -> str:
        text = json.dumps(self.to_mapping(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _parse(d: Mapping[str, Any], source: str | None) -> dict[str, Any]:
    s = source
    out: dict[str, Any] = {"data": _as_str("data", d["data"], s, optional=False)}
    if "name" in d:
        out["name"] = _as_name(_as_str("name", d["name"], s, optional=False), s)
    for key in ("title", "issuer"):
        if key in d:
            out[key] = _as_str(key, d[key], s)
    if "lang" in d:
        out["lang"] = _choice("lang", d["lang"], LANGUAGES, s) or "zh"
    for key, kind in (("prefecture", codes.PREFECTURES), ("facility", codes.FACILITIES)):
        if d.get(key) is not None:
            out[key] = _known_code(key, _as_str(key, d[key], s), kind, s)
    for key in ("release_start", "release_end", "cutoff"):
        if key in d:
            out[key] = _as_date(key, d[key], s)
    if out.get("release_start") and out.get("release_end"):
        if out["release_start"] > out["release_end"]:
            raise ParameterError(
                _located(
                    s,
                    "release_start",
                    f"release_start {out['release_start']} is after release_end "
                    f"{out['release_end']}; swap them",
                )
            )
    if "milestones" in d:
        out["milestones"] = _as_months("milestones", d["milestones"], s)
    if "landmark_day" in d:
        out["landmark_day"] = _as_int("landmark_day", d["landmark_day"], s, minimum=0)
        if out["landmark_day"] >= codes.TRACKING_DAYS:
            raise ParameterError(
                _located(
                    s,
                    "landmark_day",
                    f"landmark_day {out['landmark_day']} is after the end of "
                    "tracking (1095 days); use a day between 0 and 1095",
                )
            )
    if "interventions" in d:
        out["interventions"] = _as_codes("interventions", d["interventions"], s)
    mins = {"n_bootstrap": 0, "seed": 0, "suppression_threshold": 1, "n_jobs": 1}
    for key, minimum in mins.items():
        if key in d:
            out[key] = _as_int(key, d[key], s, minimum=minimum)
    _check_disclosure(d, out, s)
    return out


def _check_disclosure(d: Mapping[str, Any], out: dict[str, Any], source: Any) -> None:
    """The threshold floor and whole-month periods (workbench/privacy/disclosure.py)."""
    from workbench.privacy import disclosure

    internal = d.get("internal_use", False)
    if not isinstance(internal, bool):
        raise ParameterError(
            _located(source, "internal_use", f"internal_use {internal!r} is not true or false")
        )
    if internal:
        out["internal_use"] = True
    k = out.get("suppression_threshold", codes.SUPPRESSION_THRESHOLD)
    problem = disclosure.check_threshold(k, internal)
    if problem:
        raise ParameterError(_located(source, "suppression_threshold", problem))
    problem = disclosure.check_period(out.get("release_start"), out.get("release_end"), internal)
    if problem:
        key = "release_start" if problem.startswith("release_start") else "release_end"
        raise ParameterError(_located(source, key, problem))


def _known_code(key: str, value: str, known: Mapping[str, Any], source: Any) -> str:
    """A prefecture or facility code the data can hold (the loader rejects any other)."""
    if value not in known:
        raise ParameterError(
            _located(
                source,
                key,
                f"{key} {shown(value)} is not a known {key} code, so no release is "
                f"in the report's scope (expected one of: {', '.join(known)}); use one of these codes",
            )
        )
    return value


def _read_yaml(path: Path) -> dict[str, Any]:
    d = yamlsafe.load(path, "parameter file")
    if d is None:
        d = {}
    if not isinstance(d, dict):
        raise ParameterError(
            f"{path}: expected a mapping of parameters at the top level (key: value lines)"
        )
    return d


def _compose(path: Path) -> yaml.Node | None:
    return yamlsafe.compose(path)


def _lines(node: yaml.Node | None) -> dict[str, int]:
    """1-based line of each key of a YAML mapping node."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): k.start_mark.line + 1 for k, _ in node.value}


def _child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if k.value == key:
                return v
    return None


def _key_lines(path: Path) -> dict[str, int]:
    return _lines(_compose(path))


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
    node = _compose(path)
    unknown = sorted(set(d) - set(BATCH_KEYS))
    if unknown:
        raise ParameterError(
            _located(
                Origin(str(path), _lines(node)),
                unknown[0],
                f"unknown key {shown(unknown[0])}; valid keys are: {', '.join(BATCH_KEYS)}"
                + _suggest(str(unknown[0]), BATCH_KEYS),
            )
        )
    runs = d.get("runs")
    if not isinstance(runs, list) or not runs:
        raise ParameterError(f"{path}: runs must be a non-empty list of report parameter sets")
    defaults = d.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise ParameterError(f"{path}: defaults must be a mapping of report parameters")
    _check_run_keys(path, node, defaults, runs)
    out = Path(d.get("out") or Path("reports") / str(d.get("name") or path.stem))
    lines = _run_lines(node, len(runs))
    parsed = [_batch_run(path, i, defaults, r, lines[i - 1]) for i, r in enumerate(runs, start=1)]
    ids = [r.run_id for r in parsed]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise ParameterError(
            f"{path}: two runs are both named {dup[0]!r}; give each run its own name"
        )
    return BatchSpec(name=str(d.get("name") or path.stem), out=out, runs=tuple(parsed))


def _check_run_keys(path: Path, node: Any, defaults: dict, runs: list) -> None:
    """A misspelt key in `defaults` or a run stops the whole batch before anything runs: it is
    the same mistake in every rerun (bad values stay failures of their own run)."""
    valid = ReportParams.field_names()
    where = [("defaults", defaults, _lines(_child(node, "defaults")))]
    run_nodes = _child(node, "runs")
    for i, run in enumerate(runs, start=1):
        run_node = run_nodes.value[i - 1] if isinstance(run_nodes, yaml.SequenceNode) else None
        if isinstance(run, dict):
            where.append((f"run {i}", run, _lines(run_node)))
    for label, mapping, lines in where:
        unknown = sorted(set(mapping) - {*valid, "params"})
        if unknown:
            key = str(unknown[0])
            text = (
                f"{label}: unknown parameter {shown(key)} (the batch was not started); valid "
                f"parameters are: {', '.join(valid)}{_suggest(key, valid)}"
            )
            raise ParameterError(_located(Origin(str(path), lines), key, text))


def _run_lines(node: Any, n: int) -> list[dict[str, int]]:
    """Per run: the line of each key (the run's own, else its default's)."""
    defaults = _lines(_child(node, "defaults"))
    runs = _child(node, "runs")
    items = runs.value if isinstance(runs, yaml.SequenceNode) else []
    return [{**defaults, **(_lines(items[i]) if i < len(items) else {})} for i in range(n)]


def _batch_run(
    path: Path, i: int, defaults: dict, run: Any, lines: Mapping[str, int] | None = None
) -> BatchRun:
    source = f"{path} run {i}"
    if not isinstance(run, dict):
        return BatchRun(f"run{i:02d}", None, {}, f"{source}: expected a mapping of parameters")
    merged = _resolve_data(dict(defaults), path.parent)
    try:
        lines = dict(lines or {})
        file = run.get("params")
        if file is not None:
            fpath = (path.parent / str(file)).resolve()
            from_file = _read_yaml(fpath)
            merged.update(_resolve_data(from_file, fpath.parent))
            for key in set(from_file) - set(run):
                lines.pop(key, None)  # its line is in the other file
        own = {k: v for k, v in run.items() if k != "params"}
        merged.update(_resolve_data(own, path.parent))
        run_id = _run_id(merged, i)
        params = ReportParams.from_mapping(merged, source=Origin(source, lines))
        return BatchRun(run_id, params, merged)
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
