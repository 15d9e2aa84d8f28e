"""One strict parameter set per research notebook (notebooks/01..05), and running one.

papermill only warns about unknown parameters and passes YAML dates as text (statistics.md
trap 5), so cell 2 of every notebook passes its parameters through `from_mapping`: unknown keys
are errors that list the valid ones; numbers, choices, dates and lists are checked with our
messages before any analysis runs. Limits live in each field's metadata.
"""

from __future__ import annotations

import datetime as dt
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar

from workbench import i18n
from workbench._base import DEFAULT_SEED
from workbench.data import codes
from workbench.exceptions import ParameterError
from workbench.params.base import ParameterSet, check_keys, shown
from workbench.params.files import parse_value
from workbench.params.values import limits, parse_field

GROUP_COLUMNS = ("primary_drug", "sex", "age_group", "prefecture", "facility", "education")
SUBGROUP_COLUMNS = ("sex", "age_group", "primary_drug", "employed_before", "family_support")


@dataclass(frozen=True)
class NotebookParams(ParameterSet):
    """Base: strict validation of a mapping against the dataclass fields and their hints."""

    notebook: ClassVar[str] = "notebook"

    @classmethod
    def from_mapping(cls, d: Mapping[str, Any]):
        """Validate parameters (e.g. the notebook's parameters cell); unknown keys are errors."""
        check_keys(d, cls.field_names(), f"{cls.notebook}: ")
        hints = typing.get_type_hints(cls)
        parsed = {
            f.name: parse_field(cls.notebook, f, hints[f.name], d[f.name])
            for f in fields(cls)
            if f.name in d
        }
        return cls(**parsed)

    def notes(self, lang: str) -> list[str]:
        """Sentences about settings that make the results rough, in `lang` (a handful of
        bootstrap replicates: percentile intervals that may even miss their estimate)."""
        n = getattr(self, "n_bootstrap", 0)
        if 0 < n < FEW_BOOTSTRAP:
            return [i18n.t("nb_few_bootstrap", lang, n=n, min=FEW_BOOTSTRAP)]
        return []


FEW_BOOTSTRAP = 50  # bootstrap replicates below which the notebooks say the CIs are rough


def _existing(name: str, key: str, path: str | None) -> None:
    if path is not None and not Path(path).exists():
        raise ParameterError(
            f"{name}: {key} {path!r} does not exist; give a dataset folder (or None to simulate)"
        )


_SEED = field(default=DEFAULT_SEED, metadata=limits(0))
_LANG = field(default="en", metadata=limits(choices=i18n.LANGUAGES))
_JOBS = field(default=1, metadata=limits(1, 64))


@dataclass(frozen=True)
class CohortParams(NotebookParams):
    """01_cohort_and_followup: the data as they arrive. ``data`` None simulates a cohort."""

    notebook: ClassVar[str] = "01_cohort_and_followup"
    data: str | None = None
    n_simulated: int = field(default=23_000, metadata=limits(100, 500_000))
    seed: int = _SEED
    cutoff: dt.date | None = None
    n_examples: int = field(default=5, metadata=limits(1, 20))
    lang: str = _LANG
    strict_warnings: bool = True

    def __post_init__(self) -> None:
        _existing(self.notebook, "data", self.data)


@dataclass(frozen=True)
class RetentionParams(NotebookParams):
    """02_retention_and_relapse: curves, milestones, tests, competing risks, risk factors."""

    notebook: ClassVar[str] = "02_retention_and_relapse"
    data: str | None = None
    n_simulated: int = field(default=10_000, metadata=limits(100, 500_000))
    seed: int = _SEED
    cutoff: dt.date | None = None
    milestones: tuple[int, ...] = field(
        default=codes.MILESTONE_MONTHS, metadata=limits(1, codes.TRACKING_MONTHS)
    )
    groups: tuple[str, ...] = field(
        default=("primary_drug", "sex", "age_group", "prefecture"),
        metadata=limits(choices=GROUP_COLUMNS),
    )
    n_bootstrap: int = field(default=200, metadata=limits(0, 10_000))
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
    n_simulated: int = field(default=10_000, metadata=limits(100, 500_000))
    seed: int = _SEED
    cutoff: dt.date | None = None
    intervention: str = field(
        default="job_placement", metadata=limits(choices=tuple(codes.INTERVENTIONS))
    )
    landmark_day: int = field(default=180, metadata=limits(1, 1000))
    subgroup_by: str = field(default="sex", metadata=limits(choices=SUBGROUP_COLUMNS))
    n_bootstrap: int = field(default=200, metadata=limits(0, 10_000))
    n_jobs: int = _JOBS
    lang: str = _LANG
    strict_warnings: bool = True

    def __post_init__(self) -> None:
        _existing(self.notebook, "data", self.data)


@dataclass(frozen=True)
class MethodCheckParams(NotebookParams):
    """04_method_checks: the simulation study (replicates x cohort size)."""

    notebook: ClassVar[str] = "04_method_checks"
    n_replicates: int = field(default=50, metadata=limits(2, 10_000))
    n_per_replicate: int = field(default=3_000, metadata=limits(300, 500_000))
    seed: int = _SEED
    n_bootstrap: int = field(default=50, metadata=limits(0, 10_000))
    n_jobs: int = _JOBS
    lang: str = _LANG
    strict_warnings: bool = True


@dataclass(frozen=True)
class OwnDataParams(NotebookParams):
    """05_bring_your_own_data: an analysis-ready table through a dataset spec (.yaml)."""

    notebook: ClassVar[str] = "05_bring_your_own_data"
    spec: str = "../params/examples/rossi.yaml"
    n_bootstrap: int = field(default=200, metadata=limits(0, 10_000))
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


def parse_assignments(items) -> dict[str, Any]:
    """['n_simulated=1500', 'groups=[sex]'] -> parameters (YAML values, dates kept as text);
    relative data/spec paths are made absolute against the current folder."""
    out: dict[str, Any] = {}
    for text in items or []:
        key, sep, value = str(text).partition("=")
        if not sep or not key.strip():
            raise ParameterError(f"-p {shown(text)} is not KEY=VALUE (e.g. -p n_simulated=1500)")
        v = parse_value(value)
        if key.strip() in PATH_PARAMETERS and isinstance(v, str) and not Path(v).is_absolute():
            v = str(Path(v).resolve())
        out[key.strip()] = v
    return out
