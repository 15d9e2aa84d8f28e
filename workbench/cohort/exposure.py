"""Exposure start days per release (support codes only: outcomes are refused)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from workbench.cohort.records import (
    check_not_before_release,
    cutoff_days,
    days_since_release,
    release_index,
    release_positions,
    text_ids,
)
from workbench.data import codes as _codes
from workbench.data.dataset import Dataset
from workbench.exceptions import ParameterError, StatisticalWarning


def refuse_outcomes(requested: Sequence[str]) -> None:
    """ParameterError when `requested` names an outcome code (awards, typical-case tiers)."""
    bad = [c for c in requested if c in _codes.OUTCOME_CODES]
    if bad:
        raise ParameterError(
            f"{', '.join(bad)} is an outcome (people are selected for it because they stayed "
            "abstinent); it cannot be a support exposure. Use one of: "
            f"{', '.join(_codes.INTERVENTIONS)}."
        )


def exposure_starts(ds: Dataset, codes: Sequence[str] | None = None) -> pd.DataFrame:
    """Day of the first start of each intervention per release (index release_id; NaN = never).

    Columns: every code of ``workbench.data.codes.INTERVENTIONS`` plus any other code present (outcome codes
    such as awards are left out with a StatisticalWarning), or exactly ``codes=[...]``. Starts
    after the data cut-off are not used.
    """
    requested = codes
    iv = ds.interventions
    present = pd.unique(iv["intervention"].astype(str)) if len(iv) else []
    if requested is not None:
        requested = [str(c) for c in requested]
        refuse_outcomes(requested)
        unknown = [c for c in requested if c not in _codes.INTERVENTIONS and c not in present]
        if unknown:
            raise ParameterError(
                f"intervention {', '.join(unknown)} is not known and not in the data; use one "
                f"of: {', '.join(sorted(set(_codes.INTERVENTIONS) | set(present)))}."
            )
        columns = requested
    else:
        outcomes = [c for c in present if c in _codes.OUTCOME_CODES]
        if outcomes:
            warnings.warn(
                StatisticalWarning(
                    f"interventions table holds {', '.join(outcomes)}: outcomes (people are "
                    "selected for them because they stayed abstinent), left out of the exposures.",
                    code="outcome_records",
                    outcome=tuple(outcomes),
                ),
                stacklevel=2,
            )
        others = sorted(c for c in present if c not in _codes.INTERVENTIONS and c not in outcomes)
        columns = list(_codes.INTERVENTIONS) + others
    return _first_starts(ds, columns)


def _first_starts(ds: Dataset, columns: Sequence[str]) -> pd.DataFrame:
    ids = ds.releases["release_id"].astype(str).to_numpy()
    order = np.argsort(ids, kind="stable")
    index = release_index(ids[order])
    iv = ds.interventions
    out = np.full((len(index), len(columns)), np.nan)
    if len(iv):
        pos = release_positions(text_ids(iv["release_id"]), index, "interventions")
        dates = pd.to_datetime(ds.releases["release_date"]).to_numpy(dtype="datetime64[ns]")
        release_dates = dates[order]
        day = days_since_release(iv["start_date"], release_dates, pos)
        check_not_before_release(day, "interventions", "start_date", iv)
        cutoff_day = cutoff_days(ds.cutoff, release_dates)
        col = pd.Index(columns).get_indexer(iv["intervention"].astype(str))
        m = (col >= 0) & ~np.isnan(day) & (day <= cutoff_day[pos])
        flat = np.full(out.size, np.inf)
        np.minimum.at(flat, pos[m] * len(columns) + col[m], day[m])
        out = np.where(np.isfinite(flat), flat, np.nan).reshape(out.shape)
    return pd.DataFrame(out, index=index, columns=pd.Index(list(columns)))
