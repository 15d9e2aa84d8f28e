"""`SequentialTrials`: which support works, asked as a sequence of nested target trials, one at
each scheduled visit (issue #18, item 3).

**Protocol.** Trial v (v = 6, 12, 18, 24, 30: the scheduled visit months) enrols, from the
visit records alone, every release whose scheduled month-v visit was attended and negative,
with no relapse known to staff before it (positive or detained visit, police record) and who
had not started the support by the end of month v (start day > v·D, D = 365.25/12 days).
Strategies: "start now" = start the support within the month after the visit (month v + 1,
days (v·D, (v+1)·D]) vs "not now" = do not start in that month. Time zero = the end of month v
(the visit). Outcome: relapse, known only between visits (interval-censored, never imputed at a
visit date), with death competing; risks at the horizons (12 and 24 months after time zero).
A person enters every trial they are eligible for; the trials are pooled (trial month j of
every trial shares one hazard); only trials in which at least `MIN_TRIAL_STARTS` people start
enter the pool (a trial nobody starts in has no "start now" arm: keeping its "not now" arm
would change the mix of trials in one arm only). The flow (`flow_`) shows every trial.

**Analyses.**

- Intention-to-treat ("itt"): arms as started in month v + 1, followed to the end whatever
  happens after. Month v + 1 is a grace month handled as ccw's "start within g" arm: a person
  whose follow-up ends in it (relapse known to staff, death, loss) could not take part in the
  choice and enters BOTH arms with weight 1; among those still eligible at its end, inverse
  probability of treatment weights 1 / p_i ("start now") and 1 / (1 - p_i) ("not now"), p_i
  from a logistic model of starting in month v + 1 among them with the design of ccw's pooled
  start model (weights.month_start_probability: baseline covariates, employment carried
  forward from the last contact — the visit's included). Not stabilised: then each trial's
  pseudo-population is its whole eligible group in both arms, so pooling mixes the trials the
  same way in both arms.
- Per-protocol ("per_protocol"): as ITT, and a "not now" person who starts later is censored on
  the start day (keeping what was known by then, grid.truncate); their data on month m weigh
  additionally 1 / prod_{v+1<k<=f} (1 - p_i(k)), p_i(k) ccw's pooled monthly start model
  (weights.fit_start_model), f the months completed when those data were obtained
  (grid.info_day, as ccw's "never" arm). "Start now" is not censored again.

Weights are truncated at the 99th percentile of the corrected weights per arm (weights.py).
The outcome: ccw's weighted EM (outcome.py) on the shifted grid (trial month j = grid month
v + j; data after the 36-month tracking end are dropped).

**CIs.** Nonparametric bootstrap over releases (a release's trials stay together: clustered),
the whole procedure refitted (start model, weights, EM) per replicate, replicate b seeded by
child b of `seed` (stats.bootstrap.run_replicates); percentile intervals.

**Not covered.** A start in month v + 1 before the visit day when the visit came late; a
"start now" person whose follow-up ends later in month v + 1 also counts in "not now".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench._base import DEFAULT_SEED, NotEstimable, check_is_fitted
from workbench.cohort.contract import as_cohort
from workbench.emulation.diagnostics import support_name
from workbench.emulation.grid import (
    CENSORED,
    HORIZON,
    D,
    Grid,
    K,
    build_grid,
    info_day,
    staff_end,
    truncate,
)
from workbench.emulation.outcome import curves, fit_hazards, group
from workbench.emulation.weights import (
    at_risk_of_starting,
    carries_data,
    fit_start_model,
    month_start_probability,
    truncate_weights,
)
from workbench.exceptions import ParameterError
from workbench.stats.bootstrap import percentile_ci, run_replicates

VISIT_MONTHS = (6, 12, 18, 24, 30)
MIN_TRIAL_STARTS = 10
ANALYSES = ("itt", "per_protocol")
ARMS = ("start", "not_now")
REPLICATE_TOL = 1e-7


def eligible_at_visit(cohort, grid: Grid, v: int) -> np.ndarray:
    """(n,) bool: the release's scheduled month-`v` visit was negative, no relapse was known
    before it, and the support had not started by the end of month v."""
    visits = cohort.records.visits
    rel = cohort.records.releases.set_index("release_id")["release_date"]
    at_v = visits[(visits["scheduled_month"] == v) & (visits["result"].astype(str) == "negative")]
    day = (at_v["visit_date"] - at_v["release_id"].map(rel)).dt.days.to_numpy(float)
    visit_day = (
        pd.Series(day, index=at_v["release_id"].astype(str).to_numpy())
        .groupby(level=0)
        .min()
        .reindex(grid.release_id)
        .to_numpy(float)
    )
    ok = np.isfinite(visit_day)
    return ok & (grid.detected > np.where(ok, visit_day, 0)) & (grid.start_month > v)


@dataclass(frozen=True)
class PersonTrials:
    """The pooled person-trials of one support (aligned arrays)."""

    release: np.ndarray  # index into the grid
    trial: np.ndarray  # visit month v
    started: np.ndarray  # started in month v + 1


def person_trials(cohort, grid: Grid, visits=VISIT_MONTHS) -> PersonTrials:
    rel, trial = [], []
    for v in visits:
        idx = np.flatnonzero(eligible_at_visit(cohort, grid, v))
        rel.append(idx)
        trial.append(np.full(idx.size, v))
    r, t = np.concatenate(rel), np.concatenate(trial)
    return PersonTrials(r, t, grid.start_month[r] == t + 1)


def _shift(kind, l, b, v):  # noqa: E741
    """Grid outcome (kind, l, b) -> trial months after time zero v; data past month HORIZON of
    the grid are dropped (right-censored at the tracking end)."""
    late = (kind != CENSORED) & (b > HORIZON)
    kind = np.where(late, CENSORED, kind)
    l = np.minimum(l, HORIZON)  # noqa: E741
    b = np.where(kind == CENSORED, l, b)
    l2 = np.maximum(l - v, 0)
    b2 = np.where(kind == CENSORED, l2, np.maximum(b - v, l2 + 1))
    return kind, l2, b2


def _shift_cols(a: np.ndarray, v: np.ndarray) -> np.ndarray:
    """(n, K) grid-month columns -> trial-month columns (column j = grid month v + j + 1)."""
    cols = np.arange(K)[None, :] + v[:, None]
    inside = cols < K
    return np.where(inside, np.take_along_axis(a, np.minimum(cols, K - 1), axis=1), 0.0)


def _arm_hazards(kind, l, b, raw, freq, init, tol):  # noqa: E741
    data = carries_data(kind, l, b)
    arm = truncate_weights(np.where(data, raw, 0.0), data, freq)
    h, _ = fit_hazards(group(kind, l, b, arm.weights * freq[:, None]), init=init, tol=tol)
    return h, arm.cap


def fit_once(grid: Grid, pt: PersonTrials, freq=None, init=None, tol=1e-10) -> dict:
    """Hazards (2K,) per (analysis, arm), the weight caps and the start model, on releases with
    multiplicities `freq` (None: all once); `init`: a previous fit_once result to start from."""
    freq = np.ones(grid.n) if freq is None else np.asarray(freq, float)
    model = fit_start_model(grid, freq, init=None if init is None else init["model"])
    p = model.probabilities(grid)
    risk, _ = at_risk_of_starting(grid, until_start=False)
    k_i = np.concatenate([np.ones((grid.n, 1)), np.cumprod(1.0 - np.where(risk, p, 0.0), 1)], 1)
    r, v, s = pt.release, pt.trial, pt.started
    ended = staff_end(grid)[r] <= (v + 1) * D  # relapse known, death or loss in month v + 1
    p_now = _start_probability(grid, model, pt, ended, freq)
    fq = freq[r]
    itt_w = np.where(s, 1.0 / np.maximum(p_now, 1e-300), 1.0 / np.maximum(1.0 - p_now, 1e-300))
    itt_w = np.where(ended, 1.0, itt_w)
    kind, l, b = _shift(grid.kind[r], grid.l[r], grid.b[r], v)  # noqa: E741
    # per protocol: "not now" censored on a later start day (the same cut in every trial the
    # release enters as "not now", so the clones are cut once on the whole grid)
    c = np.where(np.isfinite(grid.start), grid.start, np.inf)
    cut = truncate(grid, c, staff_end(grid) > c)
    info = info_day(grid, cut)[r]
    f = np.clip(np.floor(np.where(np.isfinite(info), info, 0.0) / D + 1e-9), 0, K).astype(int)
    f = np.maximum(f, v[:, None] + 1)
    later = k_i[r, v + 1][:, None] / np.maximum(np.take_along_axis(k_i[r], f, axis=1), 1e-300)
    pp_w = np.where((s | ended)[:, None], 1.0, _shift_cols(later, v)) * itt_w[:, None]
    stay = s | ended | ~np.isfinite(grid.start[r])  # these keep all their data
    pk, pl, pb = _shift(
        np.where(stay, grid.kind[r], cut.kind[r]),
        np.where(stay, grid.l[r], cut.l[r]),
        np.where(stay, grid.b[r], cut.b[r]),
        v,
    )
    out, caps = {}, {}
    for arm, mask in (("start", s | ended), ("not_now", ~s | ended)):
        for analysis in ANALYSES:
            if analysis == "itt":
                data = (kind[mask], l[mask], b[mask])
                raw = np.repeat(itt_w[mask][:, None], K, axis=1)
            else:
                data = (pk[mask], pl[mask], pb[mask])
                raw = pp_w[mask]
            key = (analysis, arm)
            start = None if init is None else init["hazards"][key]
            out[key], caps[key] = _arm_hazards(*data, raw, fq[mask], start, tol)
    return {"hazards": out, "caps": caps, "model": model}


def _start_probability(grid: Grid, model, pt: PersonTrials, ended, freq) -> np.ndarray:
    """Per person-trial: probability of starting in month v + 1 among those still eligible at
    its end (weights.month_start_probability, one logistic model per trial; ccw's grace-month
    model). Unused (0) for those whose follow-up ended in the month: they weigh 1 in both arms."""
    out = np.zeros(pt.release.size)
    for v in np.unique(pt.trial):
        rows = (pt.trial == v) & ~ended
        at_risk = np.zeros(grid.n, bool)
        at_risk[pt.release[rows]] = True
        if not (at_risk & (grid.start_month == v + 1)).any():
            continue
        p = month_start_probability(grid, int(v) + 1, at_risk, model, freq)[0]
        out[rows] = p[pt.release[rows]]
    return out


def _vector(fit: dict, horizons) -> np.ndarray:
    """[risk start, risk not now, rd] per horizon, per analysis."""
    h = list(horizons)
    parts = []
    for analysis in ANALYSES:
        rs = curves(fit["hazards"][(analysis, "start")])["relapse"][h]
        rn = curves(fit["hazards"][(analysis, "not_now")])["relapse"][h]
        parts.append(np.concatenate([rs, rn, rs - rn]))
    return np.concatenate(parts)


class SequentialTrials:
    """Sequential trial emulation of one support (see the module doc)."""

    def __init__(
        self,
        intervention: str,
        horizons: tuple[int, ...] = (12, 24),
        visits: tuple[int, ...] = VISIT_MONTHS,
        n_bootstrap: int = 200,
        seed: int = DEFAULT_SEED,
        n_jobs: int = 1,
        scheduler=None,
    ) -> None:
        self.intervention = intervention
        self.horizons = horizons
        self.visits = visits
        self.n_bootstrap = n_bootstrap
        self.seed = seed
        self.n_jobs = n_jobs
        self.scheduler = scheduler

    def _check(self) -> None:
        from workbench.emulation.trial import check_intervention

        check_intervention(self.intervention)
        if not self.horizons or any(not 1 <= int(h) <= 30 for h in self.horizons):
            raise ParameterError(f"horizons {self.horizons!r} must be whole months in 1..30.")
        if not self.visits or any(not 1 <= int(v) < HORIZON for v in self.visits):
            raise ParameterError(f"visits {self.visits!r} must be months in 1..35.")
        if self.n_bootstrap < 2:
            raise ParameterError(f"n_bootstrap {self.n_bootstrap} must be >= 2 (e.g. 200).")

    def fit(self, cohort) -> SequentialTrials:
        self._check()
        cohort = as_cohort(cohort)
        self.not_estimable_ = None
        self.horizons_ = pd.DataFrame(columns=list(_COLUMNS))
        if cohort.records is None or cohort.starts is None:
            self.not_estimable_ = NotEstimable("tt_no_start_dates", {})
            self.flow_ = pd.DataFrame(columns=["eligible", "started", "included"])
            self.n_trials_ = 0
            return self
        grid = build_grid(cohort, self.intervention)
        pt = person_trials(cohort, grid, self.visits)
        flow = pd.DataFrame({"trial": pt.trial, "started": pt.started})
        self.flow_ = (
            flow.groupby("trial")
            .agg(eligible=("started", "size"), started=("started", "sum"))
            .reindex(list(self.visits), fill_value=0)
            .rename_axis("trial")
        )
        self.flow_["included"] = self.flow_["started"] >= MIN_TRIAL_STARTS
        keep = np.isin(pt.trial, self.flow_.index[self.flow_["included"]])
        self.n_trials_ = int(self.flow_["included"].sum())
        if self.n_trials_ == 0:
            fields = {"name": support_name(self.intervention), "minimum": MIN_TRIAL_STARTS}
            self.not_estimable_ = NotEstimable("st_too_few_starts", fields)
            return self
        pt = PersonTrials(pt.release[keep], pt.trial[keep], pt.started[keep])
        self.person_trials_ = pt
        point = fit_once(grid, pt)
        self.caps_ = point["caps"]
        vec = _vector(point, self.horizons)
        reps = self._replicates(grid, pt, point)
        self.replicates_ = reps
        lo, hi = percentile_ci(reps)
        self.horizons_ = self._table(vec, lo, hi)
        return self

    def _replicates(self, grid, pt, point) -> np.ndarray:
        n, horizons = grid.n, self.horizons

        def one(rng):
            freq = rng.multinomial(n, np.full(n, 1.0 / n)).astype(float)
            fit = fit_once(grid, pt, freq, init=point, tol=REPLICATE_TOL)
            return _vector(fit, horizons)

        root = np.random.SeedSequence(self.seed)
        rows = run_replicates(one, root.spawn(self.n_bootstrap), self.n_jobs, self.scheduler)
        width = 3 * len(horizons) * len(ANALYSES)
        return np.vstack([np.full(width, np.nan) if x is None else x for x in rows])

    def _table(self, vec, lo, hi) -> pd.DataFrame:
        k = len(self.horizons)
        rows = []
        for a, analysis in enumerate(ANALYSES):
            base = 3 * k * a
            for i, month in enumerate(self.horizons):
                rows.append(
                    {
                        "analysis": analysis,
                        "month": int(month),
                        "risk_start": vec[base + i],
                        "risk_never": vec[base + k + i],
                        "rd": vec[base + 2 * k + i],
                        "rd_lower": lo[base + 2 * k + i],
                        "rd_upper": hi[base + 2 * k + i],
                    }
                )
        return pd.DataFrame(rows, columns=list(_COLUMNS))

    def to_json(self) -> dict:
        """{'not_estimable', 'visits', 'n_trials', 'flow': [{trial, eligible, started, included}], 'itt':
        [{month, risk_start, risk_never, rd, rd_lower, rd_upper}], 'per_protocol': [...]}."""
        check_is_fitted(self, "horizons_")
        out = {
            "not_estimable": None if self.not_estimable_ is None else self.not_estimable_.reason,
            "visits": [int(v) for v in self.visits],
            "n_trials": self.n_trials_,
            "flow": [
                {"trial": int(t), "eligible": int(r.eligible), "started": int(r.started),
                 "included": bool(r.included)}
                for t, r in self.flow_.iterrows()
            ],
        }  # fmt: skip
        for analysis in ANALYSES:
            sub = self.horizons_[self.horizons_["analysis"] == analysis]
            out[analysis] = [
                {
                    k: (int(v) if k == "month" else _num(v))
                    for k, v in row.items()
                    if k != "analysis"
                }
                for row in sub.to_dict("records")
            ]
        return out


_COLUMNS = ("analysis", "month", "risk_start", "risk_never", "rd", "rd_lower", "rd_upper")


def _num(x) -> float | None:
    x = float(x)
    return None if np.isnan(x) else x
