"""One cohort contract: the analysis-ready object every analysis, notebook and report consumes.

`AnalysisCohort` is built once, by `from_dataset` (visit records → the cohort builder) or
`from_spec` (an analysis-ready table through a dataset spec), or by `as_cohort` / `load_cohort`
from either. It holds one row per release (or person) with the relapse interval (L, R], the
event type ('relapse' | 'death' = the competing event | 'censored'), `death_day`, `censor_reason`,
optional `entry_day`, covariates, exposures (baseline 0/1 arm columns, or time-varying support
starts with the relapse-free contacts that time them), strata, cluster, weights, the study
design, what day 0 is (`start_label`), and its provenance (source, hashes, cut-off, repairs, rows
left out by the complete-case rule). Analyses read its attributes; none asks which kind of
file it came from.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench import i18n
from workbench.exceptions import ParameterError

RELEASE_LABEL = dict(i18n.TEXT["start_release"])


@dataclass(frozen=True)
class AnalysisCohort:
    """The analysis-ready cohort (see module doc). Build it with `as_cohort`."""

    table: pd.DataFrame
    kind: str  # "contract" (visit records) or "spec" (analysis-ready table): provenance only
    exposure: str  # "time_varying" (support starts after day 0) or "baseline" (0/1 columns)
    interventions: tuple[str, ...] = ()
    covariates: tuple[str, ...] = ()
    reference: dict[str, str] = field(default_factory=dict)
    strata: tuple[str, ...] = ()
    cluster: str | None = None
    weights: str | None = None
    entry: str | None = None  # "entry_day" when people enter late (left truncation)
    design: str = "observational"
    start_label: dict[str, str] = field(default_factory=lambda: dict(RELEASE_LABEL))
    event_label: str = "relapse"
    competing_label: str = "death"
    time_unit: str = "days"
    exact: bool = False  # every relapse time exact (Kaplan–Meier) rather than an interval
    has_visits: bool = False  # visit schedule known: coverage, tiers and regions apply
    name: str = ""
    description: str = ""
    source: str = ""
    sha256: dict[str, str] = field(default_factory=dict)
    cutoff: pd.Timestamp | None = None
    repairs: tuple[str, ...] = ()
    n_dropped: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    group_by: str | None = None
    # arm column -> (treated, untreated) values as the spec writes them (mapped arms only)
    arm_labels: dict[str, tuple[str, str]] = field(default_factory=dict)
    records: Any = field(default=None, repr=False, compare=False)  # the visit-record Dataset

    @property
    def randomised(self) -> bool:
        return self.design == "randomised"

    @property
    def arm_frame(self) -> pd.DataFrame:
        """Baseline 0/1 arm columns (empty for time-varying exposures)."""
        cols = list(self.interventions) if self.exposure == "baseline" else []
        return self.table[cols]

    @functools.cached_property
    def starts(self) -> pd.DataFrame | None:
        """Time-varying support start days (index release_id; NaN = never), or None."""
        if self.records is None:
            return None
        from workbench.effects.exposure import exposure_starts_for

        return exposure_starts_for(self.records)

    @functools.cached_property
    def contacts(self) -> pd.DataFrame | None:
        """Days of relapse-free (negative) visits (release_id, day), or None."""
        if self.records is None:
            return None
        from workbench.effects.exposure import relapse_free_contacts

        return relapse_free_contacts(self.records)

    @functools.cached_property
    def n_visits(self) -> int | None:
        """Visit records of the cohort's releases (None without a visit schedule)."""
        if self.records is None:
            return None
        visits = self.records.visits
        return int(visits["release_id"].isin(self.table["release_id"]).sum())

    @functools.cached_property
    def received(self) -> frozenset[str] | None:
        """Support codes someone in the cohort started by the cut-off (None when the exposures
        are baseline columns, which say nothing about who received what)."""
        if self.records is None:
            return None
        return received_supports(self.records.interventions, self.cutoff)

    def restrict(self, keep: pd.Series | np.ndarray) -> AnalysisCohort:
        """The cohort restricted to rows `keep` (itself when that is every row)."""
        keep = np.asarray(keep, dtype=bool)
        if keep.all():
            return self
        table = self.table.loc[keep].reset_index(drop=True)
        records = self.records
        if records is not None:
            records = scoped_dataset(records, table["release_id"])
        return dataclasses.replace(self, table=table, records=records)


def received_supports(interventions: pd.DataFrame, cutoff: object) -> frozenset[str]:
    """Support codes with a start on or before the cut-off in an interventions table."""
    if cutoff is not None and "start_date" in interventions.columns:
        started = pd.to_datetime(interventions["start_date"]) <= pd.Timestamp(cutoff)
        interventions = interventions[started]
    return frozenset(interventions["intervention"].astype(str))


def scoped_dataset(ds: Any, release_ids: pd.Series) -> Any:
    """The dataset restricted to the releases `release_ids` (itself when that is all of them: a
    copy of every table held 3.5 GB more at 2.3 M releases)."""
    keep = pd.Index(pd.unique(pd.Series(release_ids).to_numpy()))
    if len(keep) == len(ds.releases):  # the cohort has one row per release of ds.releases
        return ds
    tables = {
        name: getattr(ds, name)[getattr(ds, name)["release_id"].isin(keep)].reset_index(drop=True)
        for name in ("releases", "visits", "interventions", "events")
    }
    return dataclasses.replace(ds, **tables)


def from_dataset(ds: Any) -> AnalysisCohort:
    """The cohort of a visit-record dataset (data/README.md, "Cohort rules")."""
    from workbench.cohort.build import PERSON_COVARIATES, build_cohort

    table = build_cohort(ds)
    covariates = tuple(c for c in PERSON_COVARIATES if c in table.columns)
    cutoff = getattr(ds, "cutoff", None)
    return AnalysisCohort(
        table=table,
        kind="contract",
        exposure="time_varying",
        covariates=covariates,
        cluster="person_id",
        has_visits=True,
        source=str(getattr(ds, "source", "") or ""),
        sha256=dict(getattr(ds, "sha256", None) or {}),
        cutoff=None if cutoff is None else pd.Timestamp(cutoff),
        repairs=tuple(getattr(ds, "repairs", ()) or ()),
        records=ds,
    )


def from_spec(spec: Any) -> AnalysisCohort:
    """The cohort of an analysis-ready table read through a dataset spec."""
    table = spec.frame.reset_index(drop=True)
    relapse = table["event"].eq("relapse").to_numpy()
    upper = table["upper_day"].to_numpy(float)
    lower = table["lower_day"].to_numpy(float)
    table = table.assign(
        censor_reason=np.where(table["event"].eq("censored"), "end_of_follow_up", ""),
        last_day=np.where(
            relapse, upper, np.where(table["event"].eq("death"), table["death_day"], lower)
        ),
    )
    exact = bool(np.all(np.isnan(upper) | (upper == lower)))
    return AnalysisCohort(
        table=table,
        kind="spec",
        exposure="baseline",
        interventions=tuple(spec.interventions),
        covariates=tuple(spec.covariates),
        reference=dict(spec.reference),
        strata=tuple(spec.strata),
        cluster=spec.cluster,
        weights=spec.weights,
        entry="entry_day" if spec.entry else None,
        design=spec.design,
        start_label=dict(spec.start_label),
        event_label=spec.event_label,
        competing_label=spec.competing_label,
        time_unit=spec.time_unit,
        exact=exact,
        name=spec.name,
        description=spec.description,
        source=spec.source,
        sha256=dict(spec.sha256),
        repairs=tuple(spec.notes),
        n_dropped=spec.n_dropped,
        dropped=dict(spec.dropped),
        group_by=spec.group_by,
        arm_labels=dict(spec.arm_labels),
    )


def as_cohort(data: Any) -> AnalysisCohort:
    """The one place that tells the inputs apart: a cohort as it is, a visit-record `Dataset`,
    or a `SpecDataset`."""
    if isinstance(data, AnalysisCohort):
        return data
    if hasattr(data, "frame") and hasattr(data, "interventions"):
        return from_spec(data)
    if hasattr(data, "releases") and hasattr(data, "visits"):
        return from_dataset(data)
    raise ParameterError(
        f"expected a dataset folder, a dataset spec or a cohort, not {type(data).__name__}"
    )


def load_cohort(path: Any, cutoff: object = None) -> AnalysisCohort:
    """Read a dataset folder or a dataset spec (.yaml) and build its cohort once."""
    from workbench.data.io import load_any

    return as_cohort(load_any(path, cutoff=cutoff))
