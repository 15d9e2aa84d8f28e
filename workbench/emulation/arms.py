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

from dataclasses import dataclass

import numpy as np

from workbench.emulation import nuisance
from workbench.emulation.grid import Clones, D, Grid, info_day, staff_end, truncate
from workbench.emulation.outcome import fit_hazards, group
from workbench.emulation.weights import (
    TRUNCATION_QUANTILE,
    ArmWeights,
    StartModel,
    carries_data,
    month_start_probability,
    never_weights,
    truncate_weights,
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


def _fit_arm(clones, raw, freq, init, tol, nuisance=None) -> Arm:
    data = carries_data(clones.kind, clones.l, clones.b)
    raw = np.where(data, raw, 0.0)
    arm = truncate_weights(raw, data, freq, TRUNCATION_QUANTILE)
    w = arm.weights * freq[:, None]
    h, it = fit_hazards(group(clones.kind, clones.l, clones.b, w), init=init, tol=tol)
    return Arm(clones, arm, h, it, nuisance)


def never_arm(grid: Grid, model: StartModel, freq, init=None, tol: float = 1e-10) -> Arm:
    """The "never start" strategy (see the module doc)."""
    c = np.where(np.isfinite(grid.start), grid.start, np.inf)
    clones = truncate(grid, c, staff_end(grid) > c)
    info = info_day(grid, clones)
    raw = never_weights(grid, model, info)
    return _fit_arm(clones, raw, freq, init, tol, lambda: nuisance.pooled(grid, model, info))


def within_arm(grid: Grid, model: StartModel, grace: int, freq, init=None, tol=1e-10) -> Arm:
    """The "start within `grace` months" strategy (see the module doc)."""
    c = np.where(grid.start_month <= grace, np.inf, grace * D)
    at_risk = (grid.start_month >= grace) & (staff_end(grid) > grace * D)  # may deviate
    clones = truncate(grid, c, at_risk & (grid.start_month > grace))
    info = info_day(grid, clones)
    p_i, theta = month_start_probability(grid, grace, at_risk, model, freq)
    raw = within_weights_from(p_i, grid, grace, info, at_risk)
    nu = lambda: nuisance.month(grid, grace, at_risk, theta, info, model)  # noqa: E731
    return _fit_arm(clones, raw, freq, init, tol, nu)
