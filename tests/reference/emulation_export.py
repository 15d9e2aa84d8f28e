"""Write the inputs of tests/reference/emulation.R (run once; the CSVs are committed).

emulation_glm_input.csv: the start model's long person-month table for job placement in a
seeded 1,500-release simulation (month, the design's covariates, employed, started, w: bootstrap
multiplicities so frequency weights are checked too).
emulation_aj_input.csv: right-censored monthly data with competing death and weights (time in
months 1..37, status 0 censored / 1 relapse / 2 death, w).

Run: PYTHONPATH=. python tests/reference/emulation_export.py
"""

from pathlib import Path

import numpy as np
import pandas as pd

from workbench.cohort.contract import as_cohort
from workbench.emulation.grid import build_grid
from workbench.emulation.weights import at_risk_of_starting
from workbench.simulate import simulate

HERE = Path(__file__).parent


def glm_input() -> pd.DataFrame:
    grid = build_grid(as_cohort(simulate(seed=11, n=1500).dataset), "job_placement")
    freq = np.random.default_rng(5).multinomial(grid.n, np.full(grid.n, 1 / grid.n))
    risk, started = at_risk_of_starting(grid)
    rows, months = np.nonzero(risk & (freq[:, None] > 0))
    some = started.sum(axis=0)[months] > 0  # months in which someone started
    rows, months = rows[some], months[some]
    frame = pd.DataFrame(grid.X[rows], columns=[f"x{j}" for j in range(grid.X.shape[1])])
    emp = np.random.default_rng(6).random((grid.n, 40)) < 0.4  # a stand-in time-varying column
    frame.insert(0, "month", months + 1)
    frame["employed"] = emp[rows, months].astype(int)
    frame["started"] = started[rows, months].astype(int)
    frame["w"] = freq[rows]
    return frame


def aj_input() -> pd.DataFrame:
    rng = np.random.default_rng(12)
    n = 800
    time = rng.integers(1, 38, n)
    status = rng.choice([0, 1, 2], size=n, p=[0.45, 0.45, 0.10])
    w = np.round(rng.uniform(0.3, 3.0, n), 3)
    return pd.DataFrame({"time": time, "status": status, "w": w})


if __name__ == "__main__":
    glm_input().to_csv(HERE / "emulation_glm_input.csv", index=False)
    aj_input().to_csv(HERE / "emulation_aj_input.csv", index=False)
