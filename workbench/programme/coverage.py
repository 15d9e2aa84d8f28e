"""Tracking coverage: scheduled visits attended per group, and loss to follow-up."""

from __future__ import annotations

import numpy as np
import pandas as pd


def coverage_table(cohort: pd.DataFrame, by: str = "prefecture") -> pd.DataFrame:
    """Tracking coverage per group: scheduled visits attended / due, and loss to follow-up."""
    grouped = cohort.groupby(by, observed=True)
    table = pd.DataFrame(
        {
            "n_releases": grouped.size(),
            "visits_due": grouped["n_scheduled"].sum(),
            "visits_attended": grouped["n_attended"].sum(),
            "lost": grouped["censor_reason"].apply(lambda s: int(s.eq("lost").sum())),
            "transferred": grouped["censor_reason"].apply(lambda s: int(s.eq("transferred").sum())),
            "died": grouped["event"].apply(lambda s: int(s.eq("death").sum())),
        }
    )
    total = table.sum(numeric_only=True).to_frame("all").T
    table = pd.concat([table, total])
    table.index.name = by
    due = table["visits_due"].replace(0, np.nan)
    table["coverage"] = table["visits_attended"] / due
    table["lost_share"] = table["lost"] / table["n_releases"]
    return table.reset_index()
