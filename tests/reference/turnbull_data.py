"""Write the (L, R] data sets that turnbull.R fits (run from the repository root).

    .venv/bin/python tests/reference/turnbull_data.py && Rscript tests/reference/turnbull.R

grid: 6-monthly visits exactly on the schedule (day 182.625 k); jitter: visits +-21 days around
it; mice and diabetes: lifelines' interval-censored example data. Open ends are written as NA.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from lifelines.datasets import load_diabetes, load_mice

HERE = Path(__file__).parent
DAYS_PER_MONTH = 365.25 / 12


def visit_intervals(rng, n, jitter):
    """Weibull relapse days (shape 0.7, scale 400) seen at attended 6-monthly visits."""
    T = rng.weibull(0.7, n) * 400.0
    V = np.arange(1, 7) * 6 * DAYS_PER_MONTH + rng.integers(-jitter, jitter + 1, (n, 6))
    seen = rng.random((n, 6)) < 0.85
    cutoff = rng.uniform(300, 1400, n)
    L, R, done = np.zeros(n), np.full(n, np.nan), np.zeros(n, bool)
    for k in range(6):
        ok = seen[:, k] & (V[:, k] <= cutoff) & ~done
        pos, neg = ok & (T <= V[:, k]), ok & (T > V[:, k])
        R[pos], L[neg] = V[pos, k], V[neg, k]
        done |= pos
    return pd.DataFrame({"l": L, "u": R})


def main() -> None:
    rng = np.random.default_rng(20261129)
    visit_intervals(rng, 600, 0).to_csv(HERE / "turnbull_grid.csv", index=False)
    visit_intervals(rng, 3000, 21).to_csv(HERE / "turnbull_jitter.csv", index=False)
    mice = load_mice()
    pd.DataFrame({"l": mice["l"], "u": mice["u"].replace(np.inf, np.nan)}).to_csv(
        HERE / "turnbull_mice.csv", index=False
    )
    dia = load_diabetes()
    pd.DataFrame({"l": dia["left"], "u": dia["right"]}).to_csv(
        HERE / "turnbull_diabetes.csv", index=False
    )


if __name__ == "__main__":
    main()
