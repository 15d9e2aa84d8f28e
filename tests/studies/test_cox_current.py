"""The grouped-time Cox model with current employment (workbench/studies/cox_current.py)."""

import numpy as np

from workbench.cohort.contract import as_cohort
from workbench.emulation.grid import build_grid
from workbench.simulate import simulate
from workbench.studies import cox_current


def test_recovers_the_employment_hazard_ratio_and_implies_no_rd_for_hr_1():
    """The simulator's log HR of relapse while employed is -1.0 (params/simulation.yaml). One
    cohort of 4,000: the coefficient's SE is ~0.06, and relapses counted at the visit that saw
    them attenuate it a little; asserted within 0.25 (about 4 SEs)."""
    grid = build_grid(as_cohort(simulate(seed=3, n=4000).dataset), "precise_support")
    theta = cox_current.fit(grid)
    assert abs(theta[-1] - (-1.0)) < 0.25
    assert abs(theta[-2]) < 0.3  # precise support: HR 1 in the simulator
    never = np.linspace(0.0, 0.7, 37)
    assert cox_current.implied_rd(1.0, never, 6, 24) == 0.0
    rd = cox_current.implied_rd(0.5, never, 6, 24)
    s6, s24 = 1 - never[6], 1 - never[24]
    assert np.isclose(rd, (1 - s6 * (s24 / s6) ** 0.5) - (1 - s24), atol=1e-15) and rd < 0
