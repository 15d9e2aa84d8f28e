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

from workbench.emulation.arms import Arm, Design, never_arm, within_arm
from workbench.emulation.batch_em import fit_hazards_batch
from workbench.emulation.grid import HORIZON, Grid
from workbench.emulation.outcome import Grouping, Groups, curves, grouping
from workbench.emulation.replicate_weights import NeverDays, WithinDays
from workbench.emulation.weights import (
    TRUNCATION_QUANTILE,
    StartModel,
    fit_start_model,
    month_start_probability,
    truncate_weights,
)
from workbench.exceptions import EstimationError

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


@dataclass(frozen=True)
class ReplicateDesign:
    """What every bootstrap replicate of one support and grace period shares: the strategies'
    `arms.Design`s, their clones' (kind, l, b) groupings (`outcome.Grouping`) and what their
    weights take from the clones alone (`replicate_weights`: the info days' months and masks)."""

    start: Design
    never: Design
    start_groups: Grouping
    never_groups: Grouping
    start_days: WithinDays
    never_days: NeverDays

    @classmethod
    def of(cls, start: Design, never: Design, grid: Grid, grace: int) -> ReplicateDesign:
        group_of = lambda d: grouping(d.clones.kind, d.clones.l, d.clones.b)  # noqa: E731
        return cls(start, never, group_of(start), group_of(never),
                   WithinDays.of(start, grace), NeverDays.of(grid, never))  # fmt: skip


def _grouped(groups: Grouping, raw: np.ndarray, rows: np.ndarray, design: Design,
             freq: np.ndarray) -> Groups:  # fmt: skip
    """The `Groups` of one replicate's clones: `raw` the weights of the sampled releases `rows`
    (0 where no data), times the multiplicities; as `arms.within_arm`/`never_arm` give them to
    the EM (the releases not sampled weigh 0 there)."""
    if TRUNCATION_QUANTILE >= 1 and rows.size and raw.max() > 1.0:  # not truncated: the cap is
        return groups.apply_rows(rows, raw * freq[rows][:, None])  # the largest weight: none
    full = np.zeros((freq.size, raw.shape[1]))
    full[rows] = raw
    arm = truncate_weights(full, design.data, freq, TRUNCATION_QUANTILE)
    return groups.apply(arm.weights * freq[:, None])


def replicate_vectors(grid: Grid, grace: int, freqs: list, init, shared: ReplicateDesign,
                      tol: float = REPLICATE_TOL) -> list:  # fmt: skip
    """`estimate(grid, grace, freq, init=init, tol=tol, designs=...).vector()` for each
    multiplicity vector in `freqs` (None where the start model cannot be fitted): each refits
    the start model, the month-g model and both strategies' weights (of the sampled releases
    only); the EM of each strategy runs for the whole chunk at once
    (`batch_em.fit_hazards_batch`, same iterations per row)."""
    groups: dict[str, list] = {"start": [], "never": []}
    fitted = []
    d, dn = shared.start, shared.never
    for i, freq in enumerate(freqs):
        freq = np.asarray(freq, float)
        try:
            model = fit_start_model(grid, freq, init=init.model)
        except EstimationError:
            continue
        rows = np.flatnonzero(freq > 0)
        p_i, _ = month_start_probability(grid, grace, d.at_risk, model, freq,
                                         init=init.start.theta)  # fmt: skip
        raw = shared.start_days.weights(grid, grace, p_i, d.at_risk, rows)
        groups["start"].append(_grouped(shared.start_groups, raw, rows, d, freq))
        raw = np.where(dn.data[rows], shared.never_days.weights(grid, model, rows), 0.0)
        groups["never"].append(_grouped(shared.never_groups, raw, rows, dn, freq))
        fitted.append(i)
    h_start = fit_hazards_batch(groups["start"], init.start.hazards, tol)[0]
    h_never = fit_hazards_batch(groups["never"], init.never.hazards, tol)[0]
    rows: list = [None] * len(freqs)
    for j, i in enumerate(fitted):
        rows[i] = summary_vector({"start": curves(h_start[j]), "never": curves(h_never[j])})
    return rows
