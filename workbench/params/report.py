"""`ReportParams`: one evaluation report's parameters, read from YAML or papermill's cell."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench import i18n
from workbench._base import DEFAULT_SEED
from workbench.data import codes
from workbench.exceptions import ParameterError
from workbench.params.base import Origin, ParameterSet, check_keys, located
from workbench.params.files import key_lines, read_mapping
from workbench.params.values import (
    as_codes,
    as_date,
    as_int,
    as_months,
    as_name,
    as_str,
    choice,
    known_code,
)

LANGUAGES = i18n.LANGUAGES
# Options of a run that are not report parameters: where it computes, not what. The report
# notebook takes them after the parameters (papermill passes them only when given); they are not
# in `to_mapping`, the parameter hash, the analysis cache key or the report's parameter appendix.
RUN_OPTIONS = ("dask_scheduler",)


@dataclass(frozen=True)
class ReportParams(ParameterSet):
    """One evaluation report: what data, which scope, which language, how to estimate.

    ``data`` is a dataset folder or a dataset spec (.yaml), relative paths resolved against the
    parameter file's folder by `from_yaml`. ``prefecture``/``facility`` restrict the cohort;
    ``release_start``/``release_end`` restrict release dates (inclusive); ``cutoff`` overrides the
    dataset's data cut-off.
    """

    data: str
    name: str = "report"
    title: str | None = None
    issuer: str | None = None  # the issuing unit named on the cover (e.g. the provincial bureau)
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
    seed: int = DEFAULT_SEED
    suppression_threshold: int = codes.SUPPRESSION_THRESHOLD
    n_jobs: int = 1
    internal_use: bool = False  # allows a threshold below the floor; the report is then internal

    @classmethod
    def from_mapping(cls, d: Mapping[str, Any], source: str | None = None) -> ReportParams:
        """Validate a mapping (YAML, papermill parameters); unknown keys are errors."""
        unknown = sorted(set(d) - set(cls.field_names())) if isinstance(d, Mapping) else []
        try:
            check_keys(d, cls.field_names())
        except ParameterError as err:
            raise ParameterError(
                located(source, unknown[0] if unknown else None, str(err))
            ) from None
        if d.get("data") in (None, ""):
            raise ParameterError(
                located(
                    source, "data", "data is missing: give a dataset folder or spec (data: FOLDER)"
                )
            )
        return cls(**_parse(d, source))

    @classmethod
    def from_yaml(cls, path: str | Path) -> ReportParams:
        """Read a YAML parameter file; a relative ``data`` path is taken from the file's folder."""
        path = Path(path)
        d = read_mapping(path)
        if not d:
            raise ParameterError(
                f"{path}: the parameter file is empty; write at least 'data: FOLDER' (the "
                "dataset folder or spec)"
            )
        data = d.get("data")
        relative = isinstance(data, str) and bool(data) and not Path(data).is_absolute()
        if relative:
            d = {**d, "data": str((path.parent / data).resolve())}
        params = cls.from_mapping(d, source=Origin(str(path), key_lines(path)))
        against = (
            f"read relative to the parameter file's folder {path.resolve().parent}"
            if relative
            else f"as written in the parameter file {path.resolve()}"
        )
        object.__setattr__(params, "_data_against", against)  # for `missing_data` only
        return params

    @property
    def data_against(self) -> str | None:
        """What `data` was resolved against, when read from a parameter file (not a parameter:
        not in `to_mapping`, the hash or the cache key)."""
        return self.__dict__.get("_data_against")

    def analysis_key(self) -> dict[str, Any]:
        """The parameters that change the numbers (not language, title, issuer or n_jobs)."""
        d = self.to_mapping()
        for key in ("lang", "title", "issuer", "name", "n_jobs"):
            d.pop(key)
        return d

    def sha256(self) -> str:
        text = json.dumps(self.to_mapping(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def missing_data(data: str, against: str | None = None) -> str:
    """The message for a `data` path that does not exist, with what it was resolved against
    (`against`, e.g. `ReportParams.data_against`; default: the current folder for a relative
    path)."""
    if against is None:
        against = (
            "an absolute path"
            if Path(data).is_absolute()
            else f"read relative to the current folder {Path.cwd()}"
        )
    return f"data {data!r} does not exist ({against}); give a dataset folder or spec"


def _parse(d: Mapping[str, Any], source: str | None) -> dict[str, Any]:
    """Every given value parsed, in this order (the first bad one is the one reported)."""
    out: dict[str, Any] = {"data": as_str("data", d["data"], source, optional=False)}
    _parse_words(d, out, source)
    _parse_period(d, out, source)
    _parse_analysis(d, out, source)
    _check_disclosure(d, out, source)
    return out


def _parse_words(d: Mapping[str, Any], out: dict[str, Any], s: str | None) -> None:
    """Name, title, issuer, language and the scope's codes."""
    if "name" in d:
        out["name"] = as_name(as_str("name", d["name"], s, optional=False), s)
    for key in ("title", "issuer"):
        if key in d:
            out[key] = as_str(key, d[key], s)
    if "lang" in d:
        out["lang"] = choice("lang", d["lang"], LANGUAGES, s) or "zh"
    for key, kind in (("prefecture", codes.PREFECTURES), ("facility", codes.FACILITIES)):
        if d.get(key) is not None:
            out[key] = known_code(key, as_str(key, d[key], s), kind, s)


def _parse_period(d: Mapping[str, Any], out: dict[str, Any], s: str | None) -> None:
    """The release period and the cut-off: dates, the start not after the end."""
    for key in ("release_start", "release_end", "cutoff"):
        if key in d:
            out[key] = as_date(key, d[key], s)
    if out.get("release_start") and out.get("release_end"):
        if out["release_start"] > out["release_end"]:
            raise ParameterError(
                located(
                    s,
                    "release_start",
                    f"release_start {out['release_start']} is after release_end "
                    f"{out['release_end']}; swap them",
                )
            )


def _parse_analysis(d: Mapping[str, Any], out: dict[str, Any], s: str | None) -> None:
    """Milestones, landmark day, supports and the whole numbers of the estimation."""
    if "milestones" in d:
        out["milestones"] = as_months("milestones", d["milestones"], s)
    if "landmark_day" in d:
        out["landmark_day"] = as_int("landmark_day", d["landmark_day"], s, minimum=0)
        if out["landmark_day"] >= codes.TRACKING_DAYS:
            raise ParameterError(
                located(
                    s,
                    "landmark_day",
                    f"landmark_day {out['landmark_day']} is after the end of "
                    "tracking (1095 days); use a day between 0 and 1095",
                )
            )
    if "interventions" in d:
        out["interventions"] = as_codes("interventions", d["interventions"], s)
    mins = {"n_bootstrap": 0, "seed": 0, "suppression_threshold": 1, "n_jobs": 1}
    for key, minimum in mins.items():
        if key in d:
            out[key] = as_int(key, d[key], s, minimum=minimum)


def _check_disclosure(d: Mapping[str, Any], out: dict[str, Any], source: Any) -> None:
    """The threshold floor and whole-month periods (workbench/privacy/disclosure.py)."""
    from workbench.privacy import disclosure

    internal = d.get("internal_use", False)
    if not isinstance(internal, bool):
        raise ParameterError(
            located(source, "internal_use", f"internal_use {internal!r} is not true or false")
        )
    if internal:
        out["internal_use"] = True
    k = out.get("suppression_threshold", codes.SUPPRESSION_THRESHOLD)
    problem = disclosure.check_threshold(k, internal)
    if problem:
        raise ParameterError(located(source, "suppression_threshold", problem))
    problem = disclosure.check_period(out.get("release_start"), out.get("release_end"), internal)
    if problem:
        key = "release_start" if problem.startswith("release_start") else "release_end"
        raise ParameterError(located(source, key, problem))
