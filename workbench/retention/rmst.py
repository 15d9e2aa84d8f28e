"""The restricted mean time without the event: the one result class of every retention curve's
`rmst(tau)` (Kaplan-Meier with its Greenwood-type SE, Turnbull with a bootstrap CI)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.i18n import Text


@dataclass(frozen=True)
class RMST:
    """Restricted mean days without the event to `tau` days, with its CI (`lower`, `upper`) and
    standard error (NaN when the method gives none, e.g. a percentile bootstrap)."""

    tau: float
    estimate: float
    lower: float
    upper: float
    method: str
    se: float = np.nan
    label: str = ""
    notes: tuple[str, ...] = ()
    method_text: tuple[Text, ...] = ()

    @property
    def ci(self) -> tuple[float, float]:
        """(lower, upper) confidence limits."""
        return (self.lower, self.upper)

    def summary(self) -> pd.DataFrame:
        cols = ("label", "tau", "estimate", "se", "lower", "upper", "method")
        return pd.DataFrame([{k: getattr(self, k) for k in cols}])
