"""Support exposures: time-varying start days and landmark exposure; outcomes are refused.

Awards and typical-case tiers (codes.OUTCOME_CODES) follow abstinence, so using them as an
exposure would credit the "support" with the abstinence that selected people for it.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from workbench.data import codes
from workbench.exceptions import ParameterError


def check_exposures(names: Iterable[str]) -> list[str]:
    """Return `names` as a list; refuse outcome codes (awards, typical-case tiers)."""
    names = [str(n) for n in names]
    for name in names:
        if name in codes.OUTCOME_CODES or name in codes.TIERS:
            raise ParameterError(
                f"{name!r} is an outcome (people are selected for it because they stayed "
                "abstinent); it cannot be a support exposure. Choose among: "
                f"{', '.join(codes.INTERVENTIONS)}."
            )
    if len(set(names)) != len(names):
        raise ParameterError(f"exposures are listed twice: {names}; list each once.")
    return names


def exposure_starts_for(ds, exposures: Iterable[str] | None = None) -> pd.DataFrame:
    """Exposure start days (index release_id, NaN = never) from a Dataset, outcomes refused."""
    from workbench.cohort import exposure_starts

    if exposures is None:
        return exposure_starts(ds)
    return exposure_starts(ds, check_exposures(exposures))


def relapse_free_contacts(ds) -> pd.DataFrame:
    """Days (since release) of negative visits: contacts at which a person was seen abstinent."""
    v = ds.visits[ds.visits["result"].astype(str) == "negative"]
    release_date = ds.releases.set_index("release_id")["release_date"]
    day = (v["visit_date"] - v["release_id"].map(release_date)).dt.days.astype(float)
    return pd.DataFrame({"release_id": v["release_id"].astype(str).to_numpy(), "day": day})


def lag_to_contacts(starts: pd.DataFrame, contacts: pd.DataFrame) -> pd.DataFrame:
    """Each start day moved to the first relapse-free contact on or after it (NaN if none).

    A support then switches on where relapse status is known, so it never switches on inside an
    interval (L, R] between visits: there its effect and the baseline hazard's shape within the
    interval cannot be told apart, and support given only to people still abstinent would make
    it look protective. The time between the start and that contact counts as unexposed.
    """
    table = contacts[["release_id", "day"]].copy()
    table["release_id"] = table["release_id"].astype(str)
    table = table.dropna().sort_values("day", kind="stable")
    out = pd.DataFrame(index=starts.index, columns=starts.columns, dtype=float)
    ids = starts.index.astype(str)
    # the ids as integer keys, hashed once (not once per support): the same matches
    keys, _ = pd.factorize(np.concatenate([ids.to_numpy(object), table["release_id"].to_numpy()]))
    table = pd.DataFrame({"key": keys[len(ids) :], "day": table["day"].to_numpy(float)})
    for col in starts.columns:
        s = pd.DataFrame({"key": keys[: len(ids)], "start": starts[col].to_numpy(float)})
        s["row"] = np.arange(len(s))
        known = s.dropna(subset=["start"]).sort_values("start", kind="stable")
        merged = pd.merge_asof(
            known, table, left_on="start", right_on="day", by="key", direction="forward"
        )
        values = np.full(len(s), np.nan)
        values[merged["row"].to_numpy()] = merged["day"].to_numpy(float)
        out[col] = values
    return out
