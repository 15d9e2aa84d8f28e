"""simulate(): a dataset in the data contract whose truth is known."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from workbench._base import DEFAULT_SEED
from workbench.data import codes
from workbench.data.dataset import Dataset
from workbench.exceptions import ParameterError
from workbench.simulate import employment
from workbench.simulate.config import resolve_config
from workbench.simulate.hazard import cumulative_hazard, invert_cumulative_hazard
from workbench.simulate.population import (
    DRUG_KEYS,
    HIDDEN_COLUMNS,
    assignment_probability,
    death_rate_per_day,
    draw_releases,
    linear_predictor,
)
from workbench.simulate.records import (
    RESULTS,
    Fates,
    VisitRows,
    draw_events,
    draw_support,
    draw_visits,
    to_dates,
)

TRUTH_SCHEMA = "workbench.simulation_truth/1"


@dataclass(frozen=True)
class Simulation:
    """A simulated dataset with its truth (see truth/truth.json written by write_simulation)."""

    dataset: Dataset
    truth: dict
    truth_table: pd.DataFrame
    config: dict


def baseline(cfg: dict) -> tuple[np.ndarray, np.ndarray]:
    """Baseline hazard: change points (days) and the rate per day after each."""
    rel = cfg["relapse"]
    breaks = np.asarray(rel["baseline_breaks_months"], dtype=float) * codes.DAYS_PER_MONTH
    rates = np.asarray(rel["baseline_rates_per_month"], dtype=float) / codes.DAYS_PER_MONTH
    return breaks, rates


def log_hazard_ratios(cfg: dict) -> np.ndarray:
    return np.log([spec["hazard_ratio"] for spec in cfg["interventions"].values()])


def planned_starts(rng: np.random.Generator, rel: pd.DataFrame, cfg: dict) -> np.ndarray:
    """Day each support would start (whole days >= 1; NaN = not selected), one column per support."""
    n = len(rel)
    specs = list(cfg["interventions"].values())
    u = rng.random((n, len(specs)))
    w = rng.random((n, len(specs)))
    out = np.full((n, len(specs)), np.nan)
    for c, spec in enumerate(specs):
        lo, hi = (max(np.ceil(m * codes.DAYS_PER_MONTH), 1.0) for m in spec["start_months"])
        day = np.floor(lo + w[:, c] * (hi - lo + 1))
        chosen = u[:, c] < assignment_probability(rel, spec)
        out[chosen, c] = day[chosen]
    return out


def _waiting(rng: np.random.Generator, rate_per_day) -> np.ndarray:
    """Exponential waiting times (inf where the rate is 0)."""
    e = rng.standard_exponential(np.shape(rate_per_day))
    with np.errstate(divide="ignore"):
        return np.where(np.asarray(rate_per_day) > 0, e / rate_per_day, np.inf)


def _fates(rng, rel, cfg, relapse, cut) -> Fates:
    n = len(rel)
    c = cfg["censoring"]
    death = _waiting(rng, death_rate_per_day(rel, cfg))
    transfer = _waiting(rng, np.full(n, c["transfer_per_year"] / 365.25))
    lost = _waiting(rng, np.full(n, c["lost_per_year"] / 365.25))
    extra = relapse + _waiting(rng, np.full(n, cfg["knobs"]["informative_ltfu_per_year"] / 365.25))
    police = rng.random(n) < cfg["events"]["police_relapse_share"]
    return Fates(relapse, death, transfer, np.minimum(lost, extra), police, cut)


@dataclass(frozen=True)
class _Feedback:
    """What the employment-feedback world adds: visit rows drawn early, employment at them."""

    visits: VisitRows
    employed: np.ndarray  # per visit row: employment after the contact (NaN = nobody seen)
    known_relapse: np.ndarray  # per release: the day the relapse becomes known


def _feedback(rng, rel, cfg, lp, cut):
    """The employment-feedback world (workbench.simulate.employment): fates, starts (before the
    relapse is known: a support can start after an undetected relapse), relapse without
    support, and the visit rows with the employment recorded at them."""
    world = employment.draw_world(rng, rel, cfg, death_rate_per_day(rel, cfg))
    tracked = np.minimum(world.transfer, world.lost)
    path = employment.run_path(rel, lp, cfg, world, baseline(cfg), tracked_end=tracked)
    never = dict.fromkeys(cfg["interventions"], "never")
    path0 = employment.run_path(
        rel, lp, cfg, world, baseline(cfg), tracked_end=tracked, strategy=never
    )
    n = len(rel)
    extra = path.relapse + _waiting(
        rng, np.full(n, cfg["knobs"]["informative_ltfu_per_year"] / 365.25)
    )
    police = rng.random(n) < cfg["events"]["police_relapse_share"]
    lost = np.minimum(world.lost, extra)
    fates = Fates(path.relapse, world.death, world.transfer, lost, police, cut)
    vis = draw_visits(rng, cfg, fates, (world.contact_day, world.contact_month, world.u_miss))
    starts = np.where(path.starts < vis.detect_day[:, None], path.starts, np.nan)
    emp = employment.record_employment(rel, cfg, world, starts, tracked)
    at_rows = np.where(vis.attended, emp[vis.rows, vis.cols], np.nan)
    return fates, starts, path0.relapse, _Feedback(vis, at_rows, vis.detect_day)


def _visits_frame(ids, dates, vis: VisitRows) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "release_id": ids[vis.rows],
            "visit_date": to_dates(dates, vis.rows, vis.day),
            "scheduled_month": vis.month,
            "result": RESULTS[vis.result],
        }
    )


def _tables(
    rng, rel, cfg, fates, planned, fb: _Feedback | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    dates = rel["release_date"].to_numpy()
    ids = rel["release_id"].to_numpy(dtype=object)
    vis = draw_visits(rng, cfg, fates) if fb is None else fb.visits  # sorted by row, day
    visits = _visits_frame(ids, dates, vis)
    if fb is not None:
        visits["employed"] = fb.employed  # 1.0 / 0.0, NaN where nobody was seen (as read)
    e_rows, e_day, e_event, e_source = draw_events(rng, cfg, fates, vis.det_day)
    order = np.lexsort((e_day, e_rows))
    events = pd.DataFrame(
        {
            "release_id": ids[e_rows[order]].astype(object),
            "event_date": to_dates(dates, e_rows[order], e_day[order]),
            "event": e_event[order].astype(object),
            "source": e_source[order].astype(object),
        }
    )
    known = None if fb is None else fb.known_relapse
    s_rows, s_col, s_day, s_end, s_amount = draw_support(rng, cfg, fates, planned, known)
    order = np.lexsort((s_col, s_day, s_rows))
    names = np.array(list(cfg["interventions"]), dtype=object)
    interventions = pd.DataFrame(
        {
            "release_id": ids[s_rows[order]].astype(object),
            "intervention": names[s_col[order]],
            "start_date": to_dates(dates, s_rows[order], s_day[order]),
            "end_date": to_dates(dates, s_rows[order], s_end[order]),
            "amount": s_amount[order],
        }
    )
    return visits, interventions, events


def _retention(times: np.ndarray) -> dict[str, float]:
    return {
        str(m): float(np.mean(times > m * codes.DAYS_PER_MONTH)) for m in codes.MILESTONE_MONTHS
    }


TRUTH_NOTES = (
    "Days are days since release (release day = 0); months are 365.25/12 days.",
    "relapse_day is the continuous true time of first relapse, drawn as if nobody died or was "
    "censored, with the support the person would be given while relapse-free; "
    "relapse_day_without_support uses the same random draw without any support.",
    "A visit on day v sees a relapse when relapse_day <= v; an exact-dated event on day d means "
    "the true time lies in (d - 1, d] (d = ceil of the true day).",
    "start_<code> is the planned start day when it falls before the true relapse (support starts "
    "from that day on); interventions.csv holds only the starts that also fall before death, "
    "transfer, loss to follow-up and the cut-off. exposed_share counts start_<code>.",
    "risk_score is x'beta of the relapse hazard (covariates centred at covariate_reference, plus "
    "prefecture and facility), with age = decimal release year - birth_year - 0.5.",
    "Relapse hazard: baseline_hazard(t) * exp(risk_score + sum_j log(hazard_ratio_j) * "
    "1{t >= start_j}); baseline piecewise constant, the last rate continuing.",
    "With employment.enabled (employment feedback, workbench/simulate/employment.py), support "
    "starts month by month with a chance that depends on employment at the month's start, "
    "while tracked and before the relapse is known (a visit or police record finds it), so "
    "start_<code> can fall after an undetected relapse (no effect on it); "
    "employment changes only at attended contacts (visits.csv employed) and multiplies the "
    "relapse hazard by exp(employment.log_hr) while employed (plus relapse_log_hr_shift for "
    "everyone); relapse_day_without_support then re-runs the same draws with no support started.",
    "trend_log_hr_per_year: the relapse hazard is multiplied by exp(trend * years from "
    "release_start to the release date); risk_score includes it.",
    "death_day, transfer_day and lost_day are true continuous times (inf = never, when a rate "
    "is 0); lost_day includes the informative_ltfu knob. Records stop at the first of death, "
    "transfer, loss, re-admission (detained) and the cut-off; deaths are learnt at the next "
    "scheduled visit (a died visit) and some also exactly from events.",
)


def _by(groups: np.ndarray, times: np.ndarray, keys) -> dict[str, dict[str, float]]:
    return {k: _retention(times[groups == k]) for k in keys if np.any(groups == k)}


def _truth(cfg, seed, rel, table, lp) -> dict:
    names = list(cfg["interventions"])
    death = table["death_day"].to_numpy()
    years = np.minimum(death, codes.TRACKING_DAYS).sum() / 365.25
    drugs = np.array(DRUG_KEYS, dtype=object)[rel["_drug"].to_numpy()]
    with_support = table["relapse_day"].to_numpy()
    without = table["relapse_day_without_support"].to_numpy()
    breaks, rates = baseline(cfg)
    return {
        "schema": TRUTH_SCHEMA,
        "seed": int(seed),
        "n": int(len(rel)),
        "cutoff": str(cfg["cutoff"]),
        "hazard_ratios": {k: float(cfg["interventions"][k]["hazard_ratio"]) for k in names},
        "retention": _retention(with_support),
        "retention_without_support": _retention(without),
        "retention_by_drug": _by(drugs, with_support, DRUG_KEYS),
        "retention_without_support_by_drug": _by(drugs, without, DRUG_KEYS),
        "retention_by_prefecture": _by(
            rel["prefecture"].to_numpy(), with_support, cfg["prefectures"]
        ),
        "exposed_share": {k: float(table[f"start_{k}"].notna().mean()) for k in names},
        "support_start_months": {k: cfg["interventions"][k]["start_months"] for k in names},
        "deaths_per_100py": float(100 * np.sum(death <= codes.TRACKING_DAYS) / years),
        "covariate_log_hr": cfg["relapse"]["log_hr"],
        "covariate_reference": cfg["relapse"]["reference"],
        "prefecture_log_hr": {k: v["log_hr"] for k, v in cfg["prefectures"].items()},
        "facility_log_hr": cfg["facilities"]["log_hr"],
        "baseline_hazard": {"breaks_days": breaks.tolist(), "rates_per_day": rates.tolist()},
        "mean_risk_score": float(np.mean(lp)),
        "employment": cfg["employment"],
        "trend_log_hr_per_year": float(cfg["relapse"]["trend_log_hr_per_year"]),
        "config_sha256": hashlib.sha256(
            json.dumps(cfg, sort_keys=True, default=str).encode()
        ).hexdigest(),
        "notes": list(TRUTH_NOTES),
    }


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ParameterError(f"simulate: seed {seed!r} must be a whole number >= 0.")
    return int(seed)


def simulate(
    config: str | Path | Mapping | None = None, seed: int = DEFAULT_SEED, n: int | None = None
) -> Simulation:
    """Simulate a dataset with known truth. `config`: overrides of params/simulation.yaml."""
    seed = _check_seed(seed)
    cfg = resolve_config(config, n)
    rng = np.random.default_rng(seed)
    rel = draw_releases(rng, cfg)
    lp = linear_predictor(rel, cfg)
    cutoff = pd.Timestamp(dt.date.fromisoformat(str(cfg["cutoff"])))
    cut = (cutoff - rel["release_date"]).dt.days.to_numpy(dtype=float)
    if employment.enabled(cfg):
        fates, planned, relapse0, fb = _feedback(rng, rel, cfg, lp, cut)
        visits, interventions, events = _tables(rng, rel, cfg, fates, planned, fb)
        relapse = fates.relapse
        starts = planned  # before the relapse became known (maybe after an unseen relapse)
    else:  # the draws in exactly the order of the simulator before the feedback existed
        planned = planned_starts(rng, rel, cfg)
        e = rng.standard_exponential(len(rel))
        breaks, rates = baseline(cfg)
        gammas = log_hazard_ratios(cfg)
        relapse = invert_cumulative_hazard(e, lp, breaks, rates, planned, gammas)
        relapse0 = invert_cumulative_hazard(e, lp, breaks, rates, np.empty((len(rel), 0)), [])
        fates = _fates(rng, rel, cfg, relapse, cut)
        visits, interventions, events = _tables(rng, rel, cfg, fates, planned)
        starts = np.where(planned < relapse[:, None], planned, np.nan)
    table = pd.DataFrame(
        {
            "release_id": rel["release_id"],
            "relapse_day": relapse,
            "relapse_day_without_support": relapse0,
            "death_day": fates.death,
            "transfer_day": fates.transfer,
            "lost_day": fates.lost,
            "risk_score": lp,
        }
    )
    for c, name in enumerate(cfg["interventions"]):
        table[f"start_{name}"] = starts[:, c]
    releases = rel.drop(columns=list(HIDDEN_COLUMNS))
    ds = Dataset(
        releases=releases,
        visits=visits,
        interventions=interventions,
        events=events,
        cutoff=cutoff,
        source=f"simulated (seed {seed})",
    )
    return Simulation(ds, _truth(cfg, seed, rel, table, lp), table, cfg)


def true_survival(
    days,
    config: str | Path | Mapping | None = None,
    *,
    support: bool = True,
    n: int = 100_000,
    seed: int = 1,
) -> np.ndarray:
    """Population-average S(t) of relapse (no death, no censoring) at `days`.

    Averages each person's exact exp(-Lambda_i(t)) over a fresh sample of n releases drawn from
    the configured population (with the support they would be given when `support`). With the
    employment feedback, Lambda_i is on one drawn path of starts and employment per person
    (nobody lost or transferred), so the average has Monte Carlo error from the paths too."""
    cfg = resolve_config(config, n)
    rng = np.random.default_rng(_check_seed(seed))
    rel = draw_releases(rng, cfg)
    lp = linear_predictor(rel, cfg)
    breaks, rates = baseline(cfg)
    if employment.enabled(cfg):  # Lambda_i on each person's drawn path, nobody censored
        world = employment.draw_world(rng, rel, cfg, death_rate_per_day(rel, cfg))
        never = {} if support else dict.fromkeys(cfg["interventions"], "never")
        path = employment.run_path(rel, lp, cfg, world, (breaks, rates), strategy=never)
        lp, starts, gammas = path.lp, path.change_days, path.log_hr_steps
    elif support:
        starts, gammas = planned_starts(rng, rel, cfg), log_hazard_ratios(cfg)
    else:
        starts, gammas = np.empty((n, 0)), np.empty(0)
    days = np.asarray(days, dtype=float)
    cum = cumulative_hazard(days.reshape(-1), lp, breaks, rates, starts, gammas)
    return np.exp(-cum).mean(axis=0).reshape(days.shape)
