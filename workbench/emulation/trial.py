"""`TargetTrial`: which support works, asked as an emulated target trial (clone–censor–weight).

The protocol (TARGET guideline): eligibility = every release; strategies = "start the support
within g months of release (as it happens, if still abstinent)" vs "never start it"; time zero
= release; assignment = cloning into both strategies, censoring at deviation, inverse-
probability-of-censoring weights; outcome = relapse (interval-censored between visits) with
death competing; follow-up to 36 months; contrast = per-protocol risks at the horizons, their
difference and ratio, and the difference of restricted mean event-free time to 36 months.
Method: grid.py (the data on a monthly grid), weights.py (the start model and weights),
outcome.py (the weighted EM for the hazards), arms.py (the two strategies), estimate.py (one
run), diagnostics.py (protocol, flow, weights, caveats), variance.py (the sandwich CI).

CIs: `ci="bootstrap"` (default) resamples releases `n_bootstrap` times and refits everything
(start model, weights, EM), replicate b seeded by child b of `seed`, run by
`stats.bootstrap.run_replicates` (`n_jobs`, `scheduler`); percentile intervals.
`ci="sandwich"`: Wald-type intervals from the influence-function variance of the EM's
estimating equations, Student's t with the SE's Satterthwaite degrees of freedom (variance.py;
fast; the simulation study's CI). By default the weights are taken as known
(`weights_known=True`): for inverse-probability weights from a maximum-likelihood start model
that variance is asymptotically conservative, and it is the one the simulation study validated
(95 % CI coverage 92.5–96.5 % for every support, bench/README.md); `weights_known=False` adds
the start models' estimation (nuisance.py; smaller SEs, which covered less there: financial aid
90.5 % with the normal interval).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench._base import DEFAULT_SEED, NotEstimable, check_is_fitted
from workbench.cohort.contract import as_cohort
from workbench.emulation.arms import never_design, within_arm, within_design
from workbench.emulation.diagnostics import (
    MIN_STARTS,
    caveats,
    flow,
    protocol,
    support_name,
    weights_table,
)
from workbench.emulation.estimate import (
    POINT_TOL,
    REPLICATE_TOL,
    Emulation,
    ReplicateDesign,
    estimate,
    replicate_vectors,
    unpack,
)
from workbench.emulation.grid import HORIZON, build_grid
from workbench.emulation.outcome import curves
from workbench.emulation.weights import TRUNCATION_QUANTILE
from workbench.exceptions import ParameterError, WorkbenchError
from workbench.stats.bootstrap import percentile_ci, run_replicates

STRATEGIES = ("start", "never")
Z = 1.959963984540054
CI_METHODS = ("bootstrap", "sandwich")


def check_intervention(code: str) -> str:
    """`code` as text; outcome codes (awards, typical-case tiers) refused."""
    from workbench.effects.exposure import check_exposures

    return check_exposures([code])[0]


class TargetTrial:
    """Clone–censor–weight emulation of one support (see the module doc)."""

    def __init__(
        self,
        intervention: str,
        grace_months: int = 6,
        horizons: tuple[int, ...] = (12, 24, 36),
        n_bootstrap: int = 200,
        seed: int = DEFAULT_SEED,
        n_jobs: int = 1,
        scheduler=None,
        ci: str = "bootstrap",
        weights_known: bool = True,
    ) -> None:
        self.intervention = intervention
        self.grace_months = grace_months
        self.horizons = horizons
        self.n_bootstrap = n_bootstrap
        self.seed = seed
        self.n_jobs = n_jobs
        self.scheduler = scheduler
        self.ci = ci
        self.weights_known = weights_known

    def _check(self) -> None:
        check_intervention(self.intervention)
        g = self.grace_months
        if isinstance(g, bool) or not isinstance(g, int | np.integer) or not 1 <= g < HORIZON:
            raise ParameterError(f"grace_months {g!r} must be a whole number of months in 1..35.")
        bad = [h for h in self.horizons if not (isinstance(h, int | np.integer) and 1 <= h <= 36)]
        if bad or not self.horizons:
            raise ParameterError(f"horizons {self.horizons!r} must be whole months in 1..36.")
        if self.ci not in CI_METHODS:
            raise ParameterError(f"ci {self.ci!r} must be one of {', '.join(CI_METHODS)}.")
        if self.ci == "bootstrap" and self.n_bootstrap < 2:
            raise ParameterError(f"n_bootstrap {self.n_bootstrap} must be >= 2 (e.g. 200).")

    def fit(
        self, cohort, shared: TargetTrial | None = None, meanwhile=None, point=None
    ) -> TargetTrial:
        """Fit on `cohort`. `shared`: a TargetTrial of the same support already fitted on the
        same cohort (another grace period): its grid, start model and "never" arm, which do not
        depend on the grace period, are reused instead of recomputed (same numbers).
        `meanwhile(trial)`: the caller's work that needs only the point estimate (e.g. the
        grace sensitivity with `shared=trial`), run once it is in (`grid_`, `emulation_`) while
        the bootstrap replicates run on the workers (not called when not estimable). `point`:
        this support's point estimate at this grace period on this cohort, made beforehand
        (`point_estimate`, e.g. while another support's replicates ran): used as is."""
        self._check()
        cohort = as_cohort(cohort)
        code = self.intervention
        self.not_estimable_ = None
        self.warnings_ = []
        if cohort.records is None or cohort.starts is None:
            return self._withhold("tt_no_start_dates", cohort, {})
        base = _usable(shared, code)
        grid = build_grid(cohort, code) if base is None else base.grid_
        n_starts = int(np.sum(grid.start_month <= self.grace_months))
        if n_starts < MIN_STARTS:
            fields = {"name": support_name(code), "n_starts": n_starts, "minimum": MIN_STARTS}
            return self._withhold("tt_too_few_starts", cohort, fields)
        in_month = int(np.sum(grid.start_month == self.grace_months))
        if in_month == 0:  # "start in month g" never happens: the strategy is not identified
            fields = {"name": support_name(code), "grace": self.grace_months}
            return self._withhold("tt_no_start_in_grace_month", cohort, fields)
        self.grid_ = grid
        point = _point(grid, self.grace_months, base) if point is None else point
        self.emulation_ = point
        # the tables that describe the fit need only the point estimate: made while the
        # replicates run (before `meanwhile`), not before they are handed to the workers
        describe = lambda: self._describe(code, grid, point)  # noqa: E731
        self.replicates_ = self._replicates(grid, point, meanwhile, describe)
        self._summarise(point.vector(), self.replicates_)
        return self

    def _describe(self, code, grid, point) -> None:
        """Protocol, flow, weights table, truncation and caveats of the point estimate."""
        arms = {"start": point.start, "never": point.never}
        self.protocol_ = protocol(code, self.grace_months, self.horizons, grid.n,
                                  grid.employed is not None, self.ci, self.n_bootstrap)  # fmt: skip
        self.flow_ = flow(grid, arms)
        self.weights_ = weights_table(arms)
        self.truncation_ = {
            "rule": "quantile",
            "quantile": TRUNCATION_QUANTILE,
            "cap": {s: float(a.weights.cap) for s, a in arms.items()},
        }
        self.warnings_ = caveats(code, grid, self.grace_months, arms, self.weights_)

    def _withhold(self, reason, cohort, fields) -> TargetTrial:
        self.not_estimable_ = NotEstimable(reason, fields)
        n = len(cohort.table)
        self.protocol_ = {}
        self.flow_ = pd.DataFrame(
            columns=["eligible", "cloned", "censored_deviation", "censored_other", "relapses",
                     "deaths"], index=pd.Index([], name="strategy"))  # fmt: skip
        self.curves_ = pd.DataFrame(
            columns=["strategy", "month", "relapse_risk", "lower", "upper", "death_risk"]
        )
        self.horizons_ = pd.DataFrame(columns=list(_HORIZON_COLUMNS))
        self.weights_ = pd.DataFrame(
            columns=["strategy", "month", "mean", "p99", "max", "ess", "n_truncated"]
        )
        self.truncation_ = {}
        self.rmst_diff_days_ = self.rmst_diff_lower_ = self.rmst_diff_upper_ = np.nan
        self.n_releases_ = n
        return self

    def _replicates(self, grid, point, meanwhile=None, describe=None) -> np.ndarray | None:
        """(B, k) summary vectors of the bootstrap replicates (NaN rows: failed); None for the
        sandwich CI. `describe()`, then `meanwhile(self)`, run while the workers compute them."""

        def after():
            if describe is not None:
                describe()
            if meanwhile is not None:
                meanwhile(self)

        if self.ci == "sandwich":
            after()
            return None
        n, grace = grid.n, self.grace_months
        init = _WarmStart.of(point)  # what a replicate starts from (not the arms' n x K arrays)
        # a replicate is the same releases with multiplicities: the clones, their info days and
        # data masks are the point estimate's; only the models, weights and hazards are refitted
        # (and so are the clones' (kind, l, b) groups: the EM runs for a chunk of replicates
        # at once, estimate.replicate_vectors)
        shared = ReplicateDesign.of(within_design(grid, grace), never_design(grid), grid, grace)

        def chunk(rngs):
            freqs = [rng.multinomial(n, np.full(n, 1.0 / n)).astype(float) for rng in rngs]
            return replicate_vectors(grid, grace, freqs, init, shared, REPLICATE_TOL)

        root = np.random.SeedSequence(self.seed)
        seeds = root.spawn(self.n_bootstrap)
        rows = run_replicates(chunk, seeds, self.n_jobs, self.scheduler, batched=True,
                              meanwhile=after)  # fmt: skip
        width = point.vector().size
        return np.vstack([np.full(width, np.nan) if r is None else r for r in rows])

    def _summarise(self, vec: np.ndarray, reps: np.ndarray) -> None:
        p = unpack(vec)
        derived = _contrast_vector(p, self.horizons)
        if reps is None:
            lo, hi = self._sandwich_ci(p, derived)
        else:
            d_reps = np.array([_contrast_vector(unpack(r), self.horizons) for r in reps])
            lo_c, hi_c = percentile_ci(d_reps)
            lo_v, hi_v = percentile_ci(reps)
            lo, hi = (unpack(lo_v), lo_c), (unpack(hi_v), hi_c)
        self.n_releases_ = self.grid_.n
        self._tables(p, derived, lo, hi)

    def _sandwich_ci(self, p, derived):
        """Wald-type intervals from the influence-function SEs (variance.py: Student's t with
        the SE's Satterthwaite degrees of freedom): risks clipped to [0, 1], the RR on the
        log scale."""
        from workbench.emulation.variance import quantile, sandwich_se

        se = sandwich_se(self.emulation_, self.horizons, estimated_weights=not self.weights_known)
        self.se_ = se
        e = {key: quantile(df) * se[key] for key, df in se["df"].items()}  # half-widths
        k = len(self.horizons)
        lo_v, hi_v = {}, {}
        for s in STRATEGIES:
            r = p[f"relapse_{s}"]
            lo_v[f"relapse_{s}"] = np.clip(r - e[f"relapse_{s}"], 0, 1)
            hi_v[f"relapse_{s}"] = np.clip(r + e[f"relapse_{s}"], 0, 1)
        rd, rr, rmst = derived[:k], derived[k : 2 * k], derived[-1]
        with np.errstate(divide="ignore", invalid="ignore"):
            log_rr = np.log(rr)
        lo_c = np.concatenate([rd - e["rd"], np.exp(log_rr - e["log_rr"]),
                               [rmst - e["rmst"]]])  # fmt: skip
        hi_c = np.concatenate([rd + e["rd"], np.exp(log_rr + e["log_rr"]),
                               [rmst + e["rmst"]]])  # fmt: skip
        return (lo_v, lo_c), (hi_v, hi_c)

    def _tables(self, p, derived, lo, hi) -> None:
        (lo_v, lo_c), (hi_v, hi_c) = lo, hi
        months = np.arange(HORIZON + 1)
        rows = []
        for s in STRATEGIES:
            rows.append(
                pd.DataFrame(
                    {
                        "strategy": s,
                        "month": months,
                        "relapse_risk": p[f"relapse_{s}"],
                        "lower": lo_v[f"relapse_{s}"],
                        "upper": hi_v[f"relapse_{s}"],
                        "death_risk": self.emulation_.curves[s]["death"],
                    }
                )
            )
        self.curves_ = pd.concat(rows, ignore_index=True)
        k = len(self.horizons)
        table = pd.DataFrame(
            {
                "month": list(self.horizons),
                "risk_start": p["relapse_start"][list(self.horizons)],
                "risk_never": p["relapse_never"][list(self.horizons)],
                "rd": derived[:k],
                "rd_lower": lo_c[:k],
                "rd_upper": hi_c[:k],
                "rr": derived[k : 2 * k],
                "rr_lower": lo_c[k : 2 * k],
                "rr_upper": hi_c[k : 2 * k],
            }
        )
        self.horizons_ = table[list(_HORIZON_COLUMNS)]
        self.rmst_diff_days_ = float(derived[-1])
        self.rmst_diff_lower_, self.rmst_diff_upper_ = float(lo_c[-1]), float(hi_c[-1])

    def to_json(self) -> dict:
        """The issue's block: grace, horizons (risks, RD and CI), RMST difference and CI."""
        check_is_fitted(self, "not_estimable_")
        out = {"grace_months": int(self.grace_months)}
        if self.not_estimable_ is not None:
            out.update(horizons=[], rmst_diff_days=None, rmst_diff_lower=None,
                       rmst_diff_upper=None, not_estimable=self.not_estimable_.reason)  # fmt: skip
            return out
        keys = ("month", "risk_start", "risk_never", "rd", "rd_lower", "rd_upper")
        out["horizons"] = [
            {k: (int(r[k]) if k == "month" else _num(r[k])) for k in keys}
            for r in self.horizons_.to_dict("records")
        ]
        out.update(
            rmst_diff_days=_num(self.rmst_diff_days_),
            rmst_diff_lower=_num(self.rmst_diff_lower_),
            rmst_diff_upper=_num(self.rmst_diff_upper_),
        )
        return out


def _usable(shared, code):
    """`shared` when it is a fitted, estimable trial of support `code`, else None."""
    if shared is None:
        return None
    if shared.intervention != code:
        raise ParameterError(f"shared trial is of {shared.intervention!r}, not {code!r}.")
    if getattr(shared, "emulation_", None) is None or shared.not_estimable_ is not None:
        return None
    return shared


def point_estimate(cohort, intervention: str, grace_months: int = 6) -> Emulation | None:
    """The point estimate `TargetTrial(intervention, grace_months).fit(cohort)` makes (its
    `emulation_`; None when it makes none), for `fit(point=)`."""
    cohort = as_cohort(cohort)
    if cohort.records is None or cohort.starts is None:
        return None
    grid = build_grid(cohort, intervention)
    if int(np.sum(grid.start_month <= grace_months)) < MIN_STARTS:
        return None
    if not np.any(grid.start_month == grace_months):
        return None
    return _point(grid, grace_months, None)


def point_ahead(cohort, intervention: str, grace_months: int = 6) -> tuple:
    """(`point_estimate`, or None when it cannot be made: `fit` meets the problem itself;
    the warnings it raised, to be raised again where the trial is fitted)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            point = point_estimate(cohort, intervention, grace_months)
        except (WorkbenchError, ValueError, np.linalg.LinAlgError):
            point, caught[:] = None, []
    return point, list(caught)


def _point(grid, grace: int, base) -> Emulation:
    """The point estimate at grace period `grace`; with `base` (a fitted trial on the same grid)
    its start model and "never" arm are reused: neither depends on the grace period, and
    `estimate` would refit both from the same data to the same numbers."""
    if base is None:
        return estimate(grid, grace)
    model, never = base.emulation_.model, base.emulation_.never
    start = within_arm(grid, model, grace, np.ones(grid.n), tol=POINT_TOL)
    return Emulation(
        model, start, never, {"start": curves(start.hazards), "never": curves(never.hazards)}
    )


@dataclass(frozen=True)
class _Arm:
    hazards: np.ndarray
    theta: np.ndarray | None = None


@dataclass(frozen=True)
class _WarmStart:
    """The parts of the point estimate a bootstrap replicate starts from (`estimate`'s `init`):
    the start model and both strategies' hazards — shipped to the workers instead of the whole
    `Emulation` (whose arms carry n x K weight arrays and closures over the grid)."""

    model: object
    start: _Arm
    never: _Arm

    @classmethod
    def of(cls, point: Emulation) -> _WarmStart:
        start = _Arm(point.start.hazards, point.start.theta)
        return cls(point.model, start, _Arm(point.never.hazards))


_HORIZON_COLUMNS = (
    "month", "risk_start", "risk_never", "rd", "rd_lower", "rd_upper", "rr", "rr_lower",
    "rr_upper",
)  # fmt: skip


def _num(x) -> float | None:
    x = float(x)
    return None if np.isnan(x) else x


def _contrast_vector(p: dict, horizons) -> np.ndarray:
    """[RD at each horizon, RR at each horizon, RMST difference] (start minus / over never)."""
    h = list(horizons)
    rs, rn = p["relapse_start"][h], p["relapse_never"][h]
    with np.errstate(divide="ignore", invalid="ignore"):
        rr = np.where(rn > 0, rs / rn, np.nan)
    return np.concatenate([rs - rn, rr, [p["rmst_start"] - p["rmst_never"]]])
