"""The grace period's choice as a sensitivity analysis: the emulation at g = 3, 6, 12 months."""

from __future__ import annotations

import pandas as pd

from workbench._base import DEFAULT_SEED
from workbench.emulation.trial import TargetTrial


def grace_sensitivity(
    cohort,
    intervention: str,
    graces: tuple[int, ...] = (3, 6, 12),
    n_bootstrap: int = 200,
    seed: int = DEFAULT_SEED,
    n_jobs: int = 1,
    scheduler=None,
    horizons: tuple[int, ...] = (12, 24, 36),
    ci: str = "bootstrap",
    base: TargetTrial | None = None,
) -> pd.DataFrame:
    """Risk differences (start within g months minus never) at `horizons` for each grace g:
    columns grace_months, month, rd, rd_lower, rd_upper (no rows for a g whose emulation is
    not estimable). `base`: the support's trial already fitted on `cohort` at another grace
    period; its grid, start model and "never" arm are reused (`TargetTrial.fit(shared=)`)."""
    rows = []
    for g in graces:
        tt = TargetTrial(intervention, grace_months=g, horizons=horizons, n_bootstrap=n_bootstrap,
                         seed=seed, n_jobs=n_jobs, scheduler=scheduler, ci=ci).fit(cohort, shared=base)  # fmt: skip
        if tt.not_estimable_ is not None:
            continue
        part = tt.horizons_[["month", "rd", "rd_lower", "rd_upper"]].assign(grace_months=g)
        rows.append(part)
    cols = ["grace_months", "month", "rd", "rd_lower", "rd_upper"]
    if not rows:
        return pd.DataFrame(columns=cols)
    return pd.concat(rows, ignore_index=True)[cols]
