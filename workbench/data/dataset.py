"""The in-memory form of a dataset in the data contract (data/README.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class Dataset:
    """Validated tables of one dataset, with canonical column names, codes and dtypes.

    Dates are ``datetime64[ns]`` at midnight; code columns hold the canonical English codes of
    `workbench.data.codes`; ``events`` is an empty frame with the contract's columns when the
    dataset has none. ``cutoff`` is the data cut-off date: nothing after it is used.
    """

    releases: pd.DataFrame
    visits: pd.DataFrame
    interventions: pd.DataFrame
    events: pd.DataFrame
    cutoff: pd.Timestamp
    source: str = ""
    sha256: dict[str, str] = field(default_factory=dict)
    repairs: tuple[str, ...] = ()
    status: str | None = None  # dataset.yaml `status`: real, simulated, test (None: undeclared)
