"""One strict parameter set per research notebook (notebooks/01..05).

papermill only warns about unknown parameters and passes YAML dates as text (statistics.md
trap 5), so cell 2 of every notebook passes its parameters through `from_mapping`: unknown keys
are errors that list the valid ones; numbers, choices, dates and lists are checked with our
messages before any analysis runs. Limits live in each field's metadata.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar

from workbench.data import codes
from workbench.exceptions import ParameterError
from workbench.params import check_keys, shown

GROUP_COLUMNS = ("primary_drug", "sex", "age_group", "prefecture", "facility", "education")
SUBGROUP_COLUMNS = ("sex", "age_group", "primary_drug", "employed_before", "family_support")


def _limits(minimum=None, maximum=None, choices=None) -> dict[str, Any]:
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


def _parse(name: str, f: dataclasses.Field, hint: Any, value: Any) -> Any:
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


@dataclass(frozen=True)
class NotebookParams:
    """Base: strict validation of a mapping against the dataclass fields and their hints."""

    notebook: ClassVar[str] = "notebook"

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_mapping(cls, d: Mapping[str, Any]):
        """Validate parameters (e.g. the notebook's parameters cell); unknown keys are errors."""
        check_keys(d, cls.field_names(), f"{cls.notebook}: ")
        hints = typing.get_type_hints(cls)
        parsed = {
            f.name: _parse(cls.notebook, f, hints[f.name], d[f.name])
            for f in fields(cls)
            if f.name in d
        }
        return cls(**parsed)

    def to_mapping(self) -> dict[str, Any]:
        """Plain types (dates as ISO text, tuples as lists), as papermill wants them."""
        out = {}
        for key, value in dataclasses.asdict(self).items():
            if isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[key] = value
        return out


def _existing(name: str, key: str, path: str | None) -> None:
    if path is not None and not Path(path).exists():
        raise ParameterError(
            f"{name}: {key} {path!r} does not exist; give a dataset folder (or None to simulate)"
        )


_SEED = field(default=20170101, metadata=_limits(0))
_LANG = field(default="en", metadata=_limits(choices=codes.LANGUAGES))
_JOBS = field(default=1, metadata=_limits(1, 64))


@dataclass(frozen=True)
class CohortParams(NotebookParams):
    """01_cohort_and_followup: the data as they arrive. ``data`` None simulates a cohort."""

    notebook: ClassVar[str] = "01_cohort_and_followup"
    data: str | None = None
    n_simulated: int = field(default=23_000, metadata=_limits(100, 500_000))
    seed: int = _SEED
    cutoff: dt.date | None = None
    n_examples: int = field(default=5, metadata=_limits(1, 20))
    lang: str = _LANG
    strict_warnings: bool = True

    def __post_init__(self) -> None:
        _existing(self.notebook, "data", self.data)


@dataclass(frozen=True)
class RetentionParams(NotebookParams):
    """02_retention_and_relapse: curves, milestones, tests, competing risks, risk factors."""

    notebook: ClassVar[str] = "02_retention_and_relapse"
    data: str | None = None
    n_simulated: int = field(default=10_000, metadata=_limits(100, 500_000))
    seed: int = _SEED
    cutoff: dt.date | None = None
    milestones: tuple[int, ...] = field(
        default=codes.MILESTONE_MONTHS, metadata=_limits(1, codes.TRACKING_MONTHS)
    )
    groups: tuple[str, ...] = field(
        default=("primary_drug", "sex", "age_group", "prefecture"),
        metadata=_limits(choices=GROUP_COLUMNS),
    )
    n_bootstrap: int = field(default=200, metadata=_limits(0, 10_000))
    n_jobs: int = _JOBS
    lang: str = _LANG
    strict_warnings: bool = True

    def __post_init__(self) -> None:
        _existing(self.notebook, "data", self.data)


@dataclass(frozen=True)
class EffectsParams(NotebookParams):
    """03_support_effects: exposures, immortal time, propensity, effects, subgroups, E-values."""

    notebook: ClassVar[str] = "03_support_effects"
    data: str | None = None
    n_simulated: int = field(default=10_000, metadata=_limits(100, 500_000))
    seed: int = _SEED
    cutoff: dt.date | None = None
    intervention: str = field(
        default="job_placement", metadata=_limits(choices=tuple(codes.INTERVENTIONS))
    )
    landmark_day: int = field(default=180, metadata=_limits(1, 1000))
    subgroup_by: str = field(default="sex", metadata=_limits(choices=SUBGROUP_COLUMNS))
    n_bootstrap: int = field(default=200, metadata=_limits(0, 10_000))
    n_jobs: int = _JOBS
    lang: str = _LANG
    strict_warnings: bool = True

    def __post_init__(self) -> None:
        _existing(self.notebook, "data", self.data)


@dataclass(frozen=True)
class MethodCheckParams(NotebookParams):
    """04_method_checks: the simulation study (replicates x cohort size)."""

    notebook: ClassVar[str] = "04_method_checks"
    n_replicates: int = field(default=50, metadata=_limits(2, 10_000))
    n_per_replicate: int = field(default=3_000, metadata=_limits(300, 500_000))
    seed: int = _SEED
    n_bootstrap: int = field(default=50, metadata=_limits(0, 10_000))
    n_jobs: int = _JOBS
    lang: str = _LANG
    strict_warnings: bool = True


@dataclass(frozen=True)
class OwnDataParams(NotebookParams):
    """05_bring_your_own_data: an analysis-ready table through a dataset spec (.yaml)."""

    notebook: ClassVar[str] = "05_bring_your_own_data"
    spec: str = "../params/examples/rossi.yaml"
    n_bootstrap: int = field(default=200, metadata=_limits(0, 10_000))
    seed: int = _SEED
    lang: str = _LANG
    strict_warnings: bool = True

    def __post_init__(self) -> None:
        if not self.spec.endswith((".yaml", ".yml")):
            raise ParameterError(
                f"{self.notebook}: spec {self.spec!r} is not a dataset spec (expected a .yaml "
                "file such as params/examples/rossi.yaml)"
            )
        if not Path(self.spec).is_file():
            raise ParameterError(
                f"{self.notebook}: spec {self.spec!r} does not exist; copy "
                "params/examples/rossi.yaml and point its `table` at your CSV or Excel file"
            )


PARAMETER_SETS = {
    "01_cohort_and_followup": CohortParams,
    "02_retention_and_relapse": RetentionParams,
    "03_support_effects": EffectsParams,
    "04_method_checks": MethodCheckParams,
    "05_bring_your_own_data": OwnDataParams,
}


def parameter_set(notebook: str | Path) -> type[NotebookParams]:
    """The parameter set of a research notebook, by file name or path."""
    stem = Path(notebook).stem
    if stem not in PARAMETER_SETS:
        raise ParameterError(
            f"{stem!r} is not a research notebook; choose one of: {', '.join(PARAMETER_SETS)}"
        )
    return PARAMETER_SETS[stem]


def execute(
    notebook: str | Path,
    output: str | Path,
    parameters: Mapping[str, Any] | None = None,
    kernel_name: str = "workbench",
    cwd: str | Path | None = None,
):
    """Run a research notebook with papermill after validating `parameters` (papermill itself
    would only warn about an unknown one). Relative paths resolve against `cwd` (default: the
    notebook's folder). Returns the executed notebook node."""
    import papermill

    notebook = Path(notebook)
    given = dict(parameters or {})
    cls = parameter_set(notebook)
    unknown = sorted(set(given) - set(cls.field_names()))
    if unknown:
        raise ParameterError(
            f"{cls.notebook}: unknown parameter {shown(unknown[0])}; valid parameters are: "
            f"{', '.join(cls.field_names())}"
        )
    return papermill.execute_notebook(
        str(notebook),
        str(output),
        parameters=given,
        kernel_name=kernel_name,
        cwd=str(cwd or notebook.parent),
        progress_bar=False,
    )


PATH_PARAMETERS = ("data", "spec")


def _no_dates_loader():
    import yaml

    class NoDates(yaml.SafeLoader):
        """YAML without implicit dates: they stay text for the parameter set to parse."""

    NoDates.yaml_implicit_resolvers = {
        k: [r for r in v if r[0] != "tag:yaml.org,2002:timestamp"]
        for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return NoDates


def parse_assignments(items) -> dict[str, Any]:
    """['n_simulated=1500', 'groups=[sex]'] -> parameters (YAML values, dates kept as text);
    relative data/spec paths are made absolute against the current folder."""
    import yaml

    loader = _no_dates_loader()
    out: dict[str, Any] = {}
    for text in items or []:
        key, sep, value = str(text).partition("=")
        if not sep or not key.strip():
            raise ParameterError(f"-p {shown(text)} is not KEY=VALUE (e.g. -p n_simulated=1500)")
        v = yaml.load(value, Loader=loader)
        if key.strip() in PATH_PARAMETERS and isinstance(v, str) and not Path(v).is_absolute():
            v = str(Path(v).resolve())
        out[key.strip()] = v
    return out


def run_notebook(args) -> int:
    """`workbench notebook NAME OUT [-p KEY=VALUE ...]`: run a research notebook (exit 0), or
    print our error (exit 2). NAME is a notebook path or a name like 02_retention_and_relapse."""
    import sys

    from workbench.exceptions import WorkbenchError

    path = Path(args.notebook)
    if not path.suffix:
        path = Path(__file__).resolve().parents[1] / "notebooks" / f"{path.name}.ipynb"
    try:
        params = parse_assignments(getattr(args, "param", None))
        parameter_set(path).from_mapping(params)  # our message before a kernel starts
        execute(path, args.out, params, kernel_name=getattr(args, "kernel", None) or "workbench")
    except WorkbenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
