"""The two strategies of one support, estimated from the grid: clones, weights and hazards.

Every release is cloned into both strategies at release (time zero); a clone deviating on day
c keeps what was known by c (grid.truncate), its weights come from weights.py, and the weighted
EM (outcome.py) gives its strategy's monthly hazards of relapse and death.

- "never start": deviation = a start (c = the start day);
- "start within g months": deviation = no start by the end of month g (c = g·D) while still
  eligible; a clone whose relapse staff knew of (a police record included), who died or whose
  follow-up ended by then does not deviate and keeps all its data with weight 1.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from workbench.emulation import nuisance
from workbench.emulation.grid import Clones, D, Grid, InfoDays, staff_end, truncate
from workbench.emulation.outcome import fit_hazards, group
from workbench.emulation.start_model import follow_stop
from workbench.emulation.weights import (
    TRUNCATION_QUANTILE,
    ArmWeights,
    StartModel,
    carries_data,
    grace_end,
    month_start_probability,
    never_weights,
    never_weights_rows,
    truncate_weights,
    within_weights_early,
    within_weights_from,
)


@dataclass(frozen=True)
class Arm:
    """One strategy's fit: clones, weights, hazards (2K,), EM iterations, and what the sandwich
    needs to account for the estimated weights (`nuisance`: a callable giving nuisance.py's
    Nuisance, built only when asked)."""

    clones: Clones
    weights: ArmWeights
    hazards: np.ndarray
    iterations: int
    nuisance: object = None
    theta: np.ndarray | None = None  # "start within g": the month-g model's coefficients


@dataclass(frozen=True)
class Design:
    """The part of one strategy that does not depend on the sample's multiplicities (`freq`):
    the clones, the day each clone-month's data came (`info`), the clone-months that carry
    data and, for "start within g", who may deviate (`at_risk`). Built once per grid; a
    bootstrap replicate reuses it (`design=`) and refits only what the multiplicities change."""

    clones: Clones
    info: InfoDays  # (n, K) on demand: info[rows], np.asarray(info)
    data: np.ndarray
    at_risk: np.ndarray | None = None


# From this many releases the fitted "never start" arm keeps its (n, K) weights (0.7 GB at 2.3 M
# releases) only as the means to remake them a block of releases at a time (issue 23: the report
# within 8 GB): the same numbers (tests/emulation/test_scale.py), about a third more of the
# trials' CPU (27.0 -> 35.9 s at 230 k), so only where the memory matters.
NEVER_ON_DEMAND_FROM = 1_000_000


def _design(grid: Grid, clones: Clones, at_risk=None) -> Design:
    data = carries_data(clones.kind, clones.l, clones.b)
    return Design(clones, InfoDays(grid, clones), data, at_risk)


def never_design(grid: Grid) -> Design:
    """The "never start" clones: deviation = a start (c = the start day)."""
    c = np.where(np.isfinite(grid.start), grid.start, np.inf)
    return _design(grid, truncate(grid, c, staff_end(grid) > c))


def within_design(grid: Grid, grace: int) -> Design:
    """The "start within `grace` months" clones (see the module doc)."""
    c = np.where(grid.start_month <= grace, np.inf, grace * D)
    at_risk = (grid.start_month >= grace) & (staff_end(grid) > grace * D)  # may deviate
    clones = truncate(grid, c, at_risk & (grid.start_month > grace))
    return _design(grid, clones, at_risk)


def _once(make):
    """`make`, called at most once: the arm keeps what it made (the "never" arm is shared by
    the grace-period sensitivity's fits, so its nuisance and dU/dtheta are computed once)."""
    made = []

    def get():
        if not made:
            made.append(make())
        return made[0]

    return get


def _fit_arm(clones, raw, freq, init, tol, nuisance=None, data=None) -> Arm:
    if data is None:
        data = carries_data(clones.kind, clones.l, clones.b)
    np.copyto(raw, 0.0, where=~data)  # raw is this fit's own array
    arm = truncate_weights(raw, data, freq, TRUNCATION_QUANTILE)
    w = arm.weights if np.all(freq == 1.0) else arm.weights * freq[:, None]
    h, it = fit_hazards(group(clones.kind, clones.l, clones.b, w), init=init, tol=tol)
    return Arm(clones, arm, h, it, nuisance)


def never_arm(grid: Grid, model: StartModel, freq, init=None, tol: float = 1e-10,
              design: Design | None = None) -> Arm:  # fmt: skip
    """The "never start" strategy (see the module doc); `design`: `never_design(grid)`."""
    d = never_design(grid) if design is None else design
    raw = never_weights(grid, model, d.info)
    nu = _once(lambda: nuisance.pooled(grid, model, d.info))
    arm = _fit_arm(d.clones, raw, freq, init, tol, nu, d.data)
    del raw
    if grid.n >= NEVER_ON_DEMAND_FROM and np.all(
        freq == 1.0
    ):  # keep no (n, K) array: remade a block at a time
        stop = follow_stop(grid)

        def remake(rows):
            raw = never_weights_rows(grid, model, d.info[rows], rows, stop[rows])
            return np.where(d.data[rows], raw, 0.0)

        arm = dataclasses.replace(arm, weights=arm.weights.on_demand(remake, grid.n))
    return arm


def within_arm(grid: Grid, model: StartModel, grace: int, freq, init=None, tol=1e-10,
               design: Design | None = None, theta_init=None) -> Arm:  # fmt: skip
    """The "start within `grace` months" strategy (see the module doc); `design`:
    `within_design(grid, grace)`; `theta_init`: month-g model coefficients to start from."""
    d = within_design(grid, grace) if design is None else design
    p_i, theta = month_start_probability(grid, grace, d.at_risk, model, freq, init=theta_init)
    raw = within_weights_from(p_i, grid, grace, d.info, d.at_risk)
    nu = _once(lambda: nuisance.month(grid, grace, d.at_risk, theta, d.info, model))
    arm = _fit_arm(d.clones, raw, freq, init, tol, nu, d.data)
    del raw
    if np.all(freq == 1.0):  # keep the (n,) probabilities, not the (n, K) weights
        early = d.info.by(grace_end(grace))  # (n,) arrays, made once per design

        def remake(rows):
            raw = within_weights_early(p_i[rows], grid.start_month[rows], grace, early[rows],
                                       d.at_risk[rows])  # fmt: skip
            return np.where(d.data[rows], raw, 0.0)

        arm = dataclasses.replace(arm, weights=arm.weights.on_demand(remake, grid.n))
    return dataclasses.replace(arm, theta=theta)
