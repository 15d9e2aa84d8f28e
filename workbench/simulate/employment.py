"""Employment feedback: a time-varying confounder that support moves (issue 18).

With `employment.enabled` the simulator no longer decides support from baseline covariates once:

- Employment E(t) (1 = employed) starts at `employed_before` (recorded in releases.csv) and
  changes only at attended contacts (visits): an unemployed person is employed after the contact
  with probability expit(logit(find_job_per_contact) + sum_j find_log_odds_j * 1{support j started
  before the contact day}); an employed person loses the job with probability
  lose_job_per_contact. The visit row records the state after the contact, so the visits show the
  whole path: between contacts E(t) is the value at the last attended contact (at release,
  employed_before).
- Support j is offered month by month inside its `start_months` window (month m = days
  [m, m + 1) * 365.25 / 12 since release): at the start of month m a person who has not started j
  starts it with probability expit(assign_j(x) - log(W_j) + start_log_odds_j * E(start of m)),
  where assign_j(x) is the baseline logistic predictor of `interventions.<j>.assign` and W_j the
  window's number of months; the start day is uniform (whole days) within month m, and the start
  happens only if the person is still tracked (not transferred, not lost) and no relapse is known
  then (a positive or detained visit, a police record). A support can start after an undetected
  relapse; it has no effect on that relapse. `run_path` ignores relapse (starts after it cannot
  change it); the simulator removes the starts after the relapse became known.
- Relapse hazard: lambda0(t) exp(x'beta + shift + log_hr * E(t) + sum_j log(HR_j) 1{t >= s_j})
  (shift = relapse_log_hr_shift, keeping the population's calibration),
  piecewise constant between breaks, start days and contacts; T = Lambda^{-1}(Exp(1)) exactly.

Every random number is drawn once per person (per contact, per month and support) in `World`, so
`run_path` re-runs the same people under another strategy with the same draws (common random
numbers): the counterfactual truth in `workbench.simulate.strategies` does this.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.data import codes
from workbench.simulate.hazard import invert_cumulative_hazard
from workbench.simulate.population import assignment_logit
from workbench.simulate.records import contact_slots

DPM = codes.DAYS_PER_MONTH


def enabled(cfg: dict) -> bool:
    return bool(cfg.get("employment", {}).get("enabled", False))


def window_months(spec: dict) -> range:
    """The months m (0-based) in which a support can start: [lo, hi) of its start_months."""
    lo, hi = spec["start_months"]
    first = int(np.ceil(lo))
    return range(first, max(int(np.floor(hi)), first + 1))


@dataclass(frozen=True)
class World:
    """Every random draw a person's path needs, drawn once (common random numbers)."""

    contact_day: np.ndarray  # (n, K) contact days, sorted; inf = no contact
    contact_month: np.ndarray  # (n, K) scheduled month; NaN = unscheduled
    u_miss: np.ndarray  # (n, K) a scheduled visit is missed when u_miss < missed_share
    u_emp: np.ndarray  # (n, K) employment transition at the contact
    u_start: tuple[np.ndarray, ...]  # per support (n, months in its window): start decision
    w_day: tuple[np.ndarray, ...]  # per support (n, months in its window): day within month
    e: np.ndarray  # (n,) Exp(1): relapse when the cumulative hazard reaches it
    death: np.ndarray  # (n,) true death day (independent of relapse)
    transfer: np.ndarray  # (n,) true transfer day (inf = never)
    lost: np.ndarray  # (n,) true day of loss to follow-up (inf = never)


@dataclass(frozen=True)
class Path:
    """One person's course under a strategy: starts before relapse, employment, relapse day."""

    starts: np.ndarray  # (n, J) start day of each support, whether or not after relapse
    employed: np.ndarray  # (n, K) employment after each attended contact (NaN = no contact)
    relapse: np.ndarray  # (n,) true relapse day (as if nobody died)
    change_days: np.ndarray  # (n, J + K) days at which the log hazard steps (NaN = none)
    log_hr_steps: np.ndarray  # (n, J + K) the step at each change day
    lp: np.ndarray  # (n,) log HR at release: x'beta + log_hr * employed_before + shift


def _waiting(rng: np.random.Generator, rate_per_day) -> np.ndarray:
    e = rng.standard_exponential(np.shape(rate_per_day))
    with np.errstate(divide="ignore"):
        return np.where(np.asarray(rate_per_day) > 0, e / rate_per_day, np.inf)


def draw_world(rng: np.random.Generator, rel: pd.DataFrame, cfg: dict, death_rate) -> World:
    """Draw every person's contacts, uniforms and latent event times (in this fixed order)."""
    n = len(rel)
    day, month = contact_slots(rng, cfg, n)
    u_miss = rng.random(day.shape)
    u_emp = rng.random(day.shape)
    sizes = [len(window_months(s)) for s in cfg["interventions"].values()]
    u_start = tuple(rng.random((n, w)) for w in sizes)
    w_day = tuple(rng.random((n, w)) for w in sizes)
    e = rng.standard_exponential(n)
    c = cfg["censoring"]
    death = _waiting(rng, death_rate)
    transfer = _waiting(rng, np.full(n, c["transfer_per_year"] / 365.25))
    lost = _waiting(rng, np.full(n, c["lost_per_year"] / 365.25))
    return World(day, month, u_miss, u_emp, u_start, w_day, e, death, transfer, lost)


def _expit(z):
    return 1.0 / (1.0 + np.exp(-z))


def _logit(p: float) -> float:
    p = min(max(p, 1e-12), 1 - 1e-12)
    return float(np.log(p / (1 - p)))


def _day_in_month(m: int, w: np.ndarray) -> np.ndarray:
    first = max(np.ceil(m * DPM), 1.0)
    last = np.ceil((m + 1) * DPM) - 1.0
    return first + np.floor(w * (last - first + 1.0))


class _Employment:
    """Applies the transitions at contacts (in contact order) given the start days so far."""

    def __init__(self, cfg: dict, world: World, e0: np.ndarray, ok: np.ndarray):
        emp = cfg["employment"]
        names = list(cfg["interventions"])
        self.find_logit = _logit(emp["find_job_per_contact"])
        self.lose = float(emp["lose_job_per_contact"])
        self.effect = np.array([float(emp["find_log_odds"].get(k, 0.0)) for k in names])
        self.world, self.ok = world, ok
        self.state = e0.astype(float)
        self.after = np.full(ok.shape, np.nan)

    def contact(self, k: int, rows: np.ndarray, starts: np.ndarray) -> None:
        rows = np.nonzero(rows)[0]
        if rows.size == 0:
            return
        day = self.world.contact_day[rows, k]
        before = starts[rows] < day[:, None]  # NaN compares False: not started
        p_find = _expit(self.find_logit + before @ self.effect)
        u = self.world.u_emp[rows, k]
        now = self.state[rows]
        new = np.where(now == 1.0, u >= self.lose, u < p_find).astype(float)
        self.after[rows, k] = new
        self.state[rows] = new


def _contacts_ok(cfg: dict, world: World, tracked_end: np.ndarray) -> np.ndarray:
    missed = ~np.isnan(world.contact_month) & (world.u_miss < cfg["visits"]["missed_share"])
    return np.isfinite(world.contact_day) & ~missed & (world.contact_day < tracked_end[:, None])


def _decide(cfg, world, z, emp_state, started, m, strategy, tracked_end):
    """Start days chosen at the start of month m (in place in `started`)."""
    b = cfg["employment"]["start_log_odds"]
    for j, (code, spec) in enumerate(cfg["interventions"].items()):
        months = window_months(spec)
        mode = strategy.get(code)
        if m not in months or mode == "never" or (mode is not None and m > mode):
            continue
        free = np.isnan(started[:, j])
        i = m - months.start
        if mode == m:  # the last month of the grace period: everyone still free starts
            go = free
        else:
            p = _expit(z[:, j] + float(b.get(code, 0.0)) * emp_state)
            go = free & (world.u_start[j][:, i] < p)
        day = _day_in_month(m, world.w_day[j][:, i])
        go &= day < tracked_end
        started[go, j] = day[go]


def run_path(
    rel: pd.DataFrame,
    lp: np.ndarray,
    cfg: dict,
    world: World,
    breaks_rates: tuple[np.ndarray, np.ndarray],
    *,
    tracked_end: np.ndarray | None = None,
    strategy: Mapping[str, str | int] | None = None,
) -> Path:
    """Simulate starts, employment and relapse for everyone under `strategy`.

    `strategy` maps a support code to "never" (it never starts) or to a month index f (it
    follows the natural process in months < f and everyone not yet started starts in month f,
    on that month's drawn day, if still relapse-free); other supports follow the natural process.
    `tracked_end`: the day tracking ends (natural world: min(transfer, lost)); None = never
    (the counterfactual world without loss to follow-up or transfer)."""
    strategy = dict(strategy or {})
    n = len(rel)
    specs = list(cfg["interventions"].values())
    tracked_end = np.full(n, np.inf) if tracked_end is None else tracked_end
    e0 = rel["employed_before"].to_numpy(dtype=float)
    z = np.column_stack([assignment_logit(rel, s) - np.log(len(window_months(s))) for s in specs])
    ok = _contacts_ok(cfg, world, tracked_end)
    emp = _Employment(cfg, world, e0, ok)
    started = np.full((n, len(specs)), np.nan)
    with np.errstate(invalid="ignore"):
        cmonth = np.floor(world.contact_day / DPM)
    last = max(window_months(s).stop for s in specs)
    for m in range(last):
        _decide(cfg, world, z, emp.state, started, m, strategy, tracked_end)
        for k in range(ok.shape[1]):
            emp.contact(k, ok[:, k] & (cmonth[:, k] == m), started)
    for k in range(ok.shape[1]):
        emp.contact(k, ok[:, k] & (cmonth[:, k] >= last), started)
    gamma_e = float(cfg["employment"]["log_hr"])
    prev = np.column_stack([e0, emp.after])
    prev = pd.DataFrame(prev).ffill(axis=1).to_numpy()[:, :-1]  # state before each contact
    steps_e = gamma_e * (emp.after - prev)
    gammas = np.log([s["hazard_ratio"] for s in specs])
    change = np.concatenate([started, np.where(np.isnan(emp.after), np.nan, world.contact_day)], 1)
    steps = np.concatenate([np.broadcast_to(gammas, started.shape), steps_e], axis=1)
    lp0 = lp + gamma_e * e0 + float(cfg["employment"]["relapse_log_hr_shift"])
    breaks, rates = breaks_rates
    relapse = invert_cumulative_hazard(world.e, lp0, breaks, rates, change, steps)
    return Path(started, emp.after, relapse, change, steps, lp0)


def record_employment(
    rel: pd.DataFrame, cfg: dict, world: World, starts: np.ndarray, tracked_end: np.ndarray
) -> np.ndarray:
    """Employment after each contact (n, K) given the starts that happened (same draws): the
    same as the path's before any start is removed (after the relapse became known)."""
    ok = _contacts_ok(cfg, world, tracked_end)
    emp = _Employment(cfg, world, rel["employed_before"].to_numpy(dtype=float), ok)
    for k in range(ok.shape[1]):
        emp.contact(k, ok[:, k], starts)
    return emp.after
