"""The report's scope (prefecture, facility, release period) on a cohort, and its rules
against differencing (workbench/privacy/disclosure.py)."""

from __future__ import annotations

import pandas as pd

from workbench.cohort.contract import AnalysisCohort
from workbench.exceptions import ParameterError
from workbench.params.report import ReportParams
from workbench.privacy import disclosure


def scope_masks(table: pd.DataFrame, params: ReportParams) -> dict[str, pd.Series]:
    """Each restriction of the report's scope (prefecture, facility, release period) as the
    rows it keeps."""
    masks = {}
    for key, column in (("prefecture", "prefecture"), ("facility", "facility")):
        value = getattr(params, key)
        if value:
            masks[key] = _scope_column(table, column, key).astype(str).eq(value)
    if params.release_start:
        masks["release_start"] = _scope_column(
            table, "release_date", "release_start"
        ) >= pd.Timestamp(params.release_start)
    if params.release_end:
        masks["release_end"] = _scope_column(table, "release_date", "release_end") <= pd.Timestamp(
            params.release_end
        )
    return masks


def scope_cohort(cohort: AnalysisCohort, params: ReportParams) -> AnalysisCohort:
    """The cohort in the report's scope (prefecture, facility, release period)."""
    table = cohort.table
    keep = pd.Series(True, index=table.index)
    for mask in scope_masks(table, params).values():
        keep &= mask
    return cohort.restrict(keep.to_numpy())


def check_scope_rules(full: pd.DataFrame, scoped: pd.DataFrame, params: ReportParams) -> None:
    """The scope rules against differencing (workbench/privacy/disclosure.py) on the unscoped and the
    scoped cohort tables, for a scope large enough to show anything; an internal report is
    exempt."""
    if params.internal_use or len(scoped) < params.suppression_threshold:
        return
    masks = scope_masks(full, params)
    if "release_date" in full.columns:
        months = pd.to_datetime(full["release_date"]).dt.to_period("M")
    else:  # a spec table without release dates: no period, so no edge months
        months = pd.Series(pd.Period("2000-01", "M"), index=full.index)
    disclosure.check_scope(
        months,
        masks,
        params.suppression_threshold,
        edges=[e for e in ("release_start", "release_end") if e in masks],
    )


def record_keys(table: pd.DataFrame) -> pd.Series:
    """What keys the scope's record set (workbench/disclosure.scope_key): release ids, or a
    hash of each row for a spec table without ids."""
    if "release_id" in table.columns:
        return table["release_id"]
    return pd.util.hash_pandas_object(table, index=False)


def _scope_column(table: pd.DataFrame, column: str, key: str) -> pd.Series:
    if column not in table.columns:
        raise ParameterError(
            f"{key} limits the report to part of the data, but the data have no {column} column; "
            f"remove {key} from the parameters"
        )
    return table[column]
