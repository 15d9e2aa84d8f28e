"""One run of the whole emulation of one support on one sample of releases (the point estimate
or a bootstrap replicate): natural course, start model, both strategies, their curves.

`estimate(grid, grace, freq, init)` returns an `Emulation`; `summary_vector` flattens what the
bootstrap needs (relapse risk under each strategy at months 0..36, death risk at 36, RMSTs).
Replicates start from the point estimate (`init`) and stop at a looser tolerance (1e-7 on the
hazards; the point estimate 1e-10): a replicate only needs to be far more precise than the
spread between replicates (~1e-2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.emulation.arms import Arm, never_arm, within_arm
from workbench.emulation.grid import HORIZON, Grid
from workbench.emulation.outcome import curves
from workbench.emulation.weights import StartModel, fit_start_model

POINT_TOL = 1e-10
REPLICATE_TOL = 1e-7


@dataclass(frozen=True)
class Emulation:
    """Everything one run estimated."""

    model: StartModel
    start: Arm
    never: Arm
    curves: dict  # strategy -> curves() dict

    def vector(self) -> np.ndarray:
        return summary_vector(self.curves)


def summary_vector(c: dict) -> np.ndarray:
    """[relapse risk start 0..H, never 0..H, death risk start H, never H, RMST start, never]."""
    s, n = c["start"], c["never"]
    return np.concatenate(
        [
            s["relapse"],
            n["relapse"],
            [s["death"][HORIZON], n["death"][HORIZON]],
            [s["rmst_days"], n["rmst_days"]],
        ]  # fmt: skip
    )


def unpack(vec: np.ndarray) -> dict:
    """The pieces of `summary_vector` (works on a (B, k) array of replicates too)."""
    h = HORIZON + 1
    vec = np.asarray(vec)
    return {
        "relapse_start": vec[..., :h],
        "relapse_never": vec[..., h : 2 * h],
        "death_start": vec[..., 2 * h],
        "death_never": vec[..., 2 * h + 1],
        "rmst_start": vec[..., 2 * h + 2],
        "rmst_never": vec[..., 2 * h + 3],
    }


def estimate(
    grid: Grid,
    grace: int,
    freq: np.ndarray | None = None,
    init: Emulation | None = None,
    tol: float = POINT_TOL,
    designs: tuple | None = None,
    hazards: np.ndarray | None = None,
) -> Emulation:
    """The emulation of one support on the sample with multiplicities `freq` (None: all once).
    `init`: a fit to start from (start model, month-g model, hazards); `designs`: the
    (within, never) `arms.Design`s of this grid and grace (built here when None); `hazards`
    (2K,): where both strategies' EM start when there is no `init` (e.g. the natural course's
    hazards, which a study fits once per cohort for all supports)."""
    freq = np.ones(grid.n) if freq is None else np.asarray(freq, float)
    get = (lambda name: getattr(init, name)) if init is not None else (lambda name: None)
    model = fit_start_model(grid, freq, init=get("model"))
    start_init = hazards if init is None else init.start.hazards
    never_init = hazards if init is None else init.never.hazards
    theta_init = None if init is None else getattr(init.start, "theta", None)
    d_start, d_never = (None, None) if designs is None else designs
    start = within_arm(grid, model, grace, freq, init=start_init, tol=tol, design=d_start,
                       theta_init=theta_init)  # fmt: skip
    never = never_arm(grid, model, freq, init=never_init, tol=tol, design=d_never)
    return Emulation(
        model=model,
        start=start,
        never=never,
        curves={"start": curves(start.hazards), "never": curves(never.hazards)},
    )
