"""Who is released, when and where: the releases table and the people's covariates."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from workbench.data import codes

PREFECTURE_KEYS = list(codes.PREFECTURES)
FACILITY_KEYS = list(codes.FACILITIES)
DRUG_KEYS = list(codes.DRUGS)
EDUCATION_KEYS = list(codes.EDUCATION)


def _choice(rng: np.random.Generator, table: dict, size: int) -> np.ndarray:
    """Indices into list(table), drawn with probabilities proportional to its values."""
    p = np.array([float(v) for v in table.values()])
    return rng.choice(len(p), size=size, p=p / p.sum())


def _lookup(table: dict, keys: list, default: float = 0.0) -> np.ndarray:
    """table's value for each of keys, as an array aligned with the indices of keys."""
    return np.array([float(table.get(k, default)) for k in keys])


def _ids(prefix: str, numbers: np.ndarray) -> np.ndarray:
    text = np.strings.zfill(numbers.astype(np.dtypes.StringDType()), 7)
    return np.strings.add(prefix, text).astype(object)


def _origins(rng: np.random.Generator, offsets: np.ndarray, share: float) -> np.ndarray:
    """origin[i] = index of the person's first release (i itself when a first release).

    A repeat release belongs to a person released at least a year earlier (dates sorted)."""
    n = offsets.shape[0]
    origin = np.arange(n)
    eligible = np.searchsorted(offsets, offsets - 365, side="right")  # releases >= 1 year earlier
    repeat = (rng.random(n) < share) & (eligible > 0)
    earlier = np.floor(rng.random(n) * eligible).astype(np.int64)
    origin[repeat] = earlier[repeat]
    for _ in range(64):  # follow chains of repeats back to the first release
        nxt = origin[origin]
        if np.array_equal(nxt, origin):
            break
        origin = nxt
    return origin


def _release_dates(rng: np.random.Generator, cfg: dict) -> tuple[np.ndarray, np.ndarray]:
    start = dt.date.fromisoformat(str(cfg["release_start"]))
    end = dt.date.fromisoformat(str(cfg["release_end"]))
    span = (end - start).days
    offsets = np.sort(rng.integers(0, span + 1, size=cfg["n"]))
    return np.datetime64(start, "D") + offsets.astype("timedelta64[D]"), offsets


def _decimal_year(dates: np.ndarray) -> np.ndarray:
    years = dates.astype("datetime64[Y]")
    first = years.astype("datetime64[D]")
    nxt = (years + 1).astype("datetime64[D]")
    frac = (dates - first).astype(float) / (nxt - first).astype(float)
    return years.astype(int) + 1970 + frac


def _facilities(rng: np.random.Generator, cfg: dict, pref: np.ndarray, male: np.ndarray):
    """Facility index into FACILITY_KEYS: women's centre, a local centre, or drawn by weight."""
    fac_cfg = cfg["facilities"]
    n = pref.shape[0]
    weights = {k: fac_cfg["male_weights"].get(k, 0.0) for k in FACILITY_KEYS}
    fac = _choice(rng, weights, n)
    local_of = np.array(
        [
            FACILITY_KEYS.index(fac_cfg["local"][k]) if k in fac_cfg["local"] else -1
            for k in PREFECTURE_KEYS
        ]
    )[pref]
    go_local = (rng.random(n) < fac_cfg["local_share"]) & (local_of >= 0)
    fac[go_local] = local_of[go_local]
    fac[~male] = FACILITY_KEYS.index("women")
    return fac


def _person_level(rng: np.random.Generator, cfg: dict, n: int) -> dict[str, np.ndarray]:
    """Attributes of a person (shared by their releases), drawn for every row."""
    cov = cfg["covariates"]
    age = rng.normal(cov["age_mean"], cov["age_sd"], size=n)
    lo, hi = cov["age_min"], cov["age_max"]
    bad = (age < lo) | (age > hi)
    age[bad] = rng.uniform(lo, hi, size=int(bad.sum()))  # truncation by redrawing once, uniformly
    return {
        "male": rng.random(n) < cov["male_share"],
        "age_draw": age,
        "pref": _choice(
            rng, {k: cfg["prefectures"].get(k, {}).get("weight", 0.0) for k in PREFECTURE_KEYS}, n
        ),
        "drug": _choice(rng, {k: cov["drug_shares"].get(k, 0.0) for k in DRUG_KEYS}, n),
        "edu": _choice(rng, {k: cov["education_shares"].get(k, 0.0) for k in EDUCATION_KEYS}, n),
    }


def _history(rng: np.random.Generator, cov: dict, drug, age, repeat) -> dict[str, np.ndarray]:
    """Drug history and social situation at release."""
    n = drug.shape[0]
    prior = rng.poisson(_lookup(cov["prior_treatments_mean"], DRUG_KEYS)[drug])
    prior = prior + repeat  # a repeat release has at least one treatment more
    mean_use = _lookup(cov["years_using_mean"], DRUG_KEYS, 1.0)[drug]
    shape = cov["years_using_shape"]
    years_using = np.minimum(rng.gamma(shape, mean_use / shape), np.maximum(age - 12.0, 0.0))
    heroin = drug == DRUG_KEYS.index("heroin")
    employed = rng.random(n) < cov["employed_before_share"] * np.where(heroin, 0.8, 1.0)
    married = rng.random(n) < cov["married_share"]
    family = rng.random(n) < cov["family_support_share"]
    motivation = (
        rng.normal(cov["motivation_mean"], cov["motivation_sd"], size=n)
        + cov["motivation_family_support"] * (family - cov["family_support_share"])
        + cov["motivation_employed_before"] * (employed - cov["employed_before_share"])
    )
    return {
        "prior": prior,
        "years_using": years_using,
        "employed": employed,
        "married": married,
        "family": family,
        "motivation": motivation,
    }


def draw_releases(rng: np.random.Generator, cfg: dict) -> pd.DataFrame:
    """The releases table (contract columns) plus hidden columns the hazard uses (`_age`, ...)."""
    n = cfg["n"]
    dates, offsets = _release_dates(rng, cfg)
    origin = _origins(rng, offsets, cfg["repeat_release_share"])
    person = {k: v[origin] for k, v in _person_level(rng, cfg, n).items()}
    dec_year = _decimal_year(dates)
    birth_year = np.floor(dec_year[origin] - person["age_draw"]).astype(np.int64)
    age = dec_year - (birth_year + 0.5)  # what the records imply: born mid-year
    drug = person["drug"]
    h = _history(rng, cfg["covariates"], drug, age, origin != np.arange(n))
    fac = _facilities(rng, cfg, person["pref"], person["male"])
    first_ids = np.unique(origin, return_inverse=True)[1]
    obj = lambda keys, idx: np.array(keys, dtype=object)[idx]  # noqa: E731
    return pd.DataFrame(
        {
            "release_id": _ids("R", np.arange(1, n + 1)),
            "person_id": _ids("P", first_ids + 1),
            "release_date": dates.astype("datetime64[ns]"),
            "prefecture": obj(PREFECTURE_KEYS, person["pref"]),
            "facility": obj(FACILITY_KEYS, fac),
            "sex": np.where(person["male"], "male", "female").astype(object),
            "birth_year": birth_year,
            "primary_drug": obj(DRUG_KEYS, drug),
            "prior_treatments": h["prior"].astype(np.int64),
            "years_using": np.round(h["years_using"], 1),
            "education": obj(EDUCATION_KEYS, person["edu"]),
            "employed_before": h["employed"].astype(np.int64),
            "married": h["married"].astype(np.int64),
            "family_support": h["family"].astype(np.int64),
            "motivation_score": np.round(np.clip(h["motivation"], 0.0, 10.0), 1),
            "_age": age,
            "_pref": person["pref"],
            "_fac": fac,
            "_drug": drug,
            "_edu": person["edu"],
            "_male": person["male"],
        }
    )


def linear_predictor(rel: pd.DataFrame, cfg: dict) -> np.ndarray:
    """x'beta of the relapse hazard (covariates, prefecture and facility), per release."""
    b = cfg["relapse"]["log_hr"]
    ref = cfg["relapse"]["reference"]
    col = lambda name: rel[name].to_numpy()  # noqa: E731
    pref_hr = {k: v["log_hr"] for k, v in cfg["prefectures"].items()}
    return (
        b["female"] * ~col("_male")
        + b["age_per_10y"] * (col("_age") - ref["age"]) / 10.0
        + _lookup(b["primary_drug"], DRUG_KEYS)[col("_drug")]
        + b["prior_treatments"] * (col("prior_treatments") - ref["prior_treatments"])
        + b["years_using_per_10y"] * (col("years_using") - ref["years_using"]) / 10.0
        + _lookup(b["education"], EDUCATION_KEYS)[col("_edu")]
        + b["employed_before"] * col("employed_before")
        + b["married"] * col("married")
        + b["family_support"] * col("family_support")
        + b["motivation_score"] * (col("motivation_score") - ref["motivation_score"])
        + _lookup(pref_hr, PREFECTURE_KEYS)[col("_pref")]
        + _lookup(cfg["facilities"]["log_hr"], FACILITY_KEYS)[col("_fac")]
        + _trend(rel, cfg)
    )


def _trend(rel: pd.DataFrame, cfg: dict) -> np.ndarray | float:
    """Secular trend: trend_log_hr_per_year * years from release_start to the release date."""
    beta = float(cfg["relapse"].get("trend_log_hr_per_year", 0.0))
    if beta == 0.0:
        return 0.0  # adding 0.0 leaves every value as before the knob existed
    start = np.datetime64(str(cfg["release_start"]), "D")
    days = (rel["release_date"].to_numpy().astype("datetime64[D]") - start).astype(float)
    return beta * days / 365.25


def assignment_logit(rel: pd.DataFrame, spec: dict) -> np.ndarray:
    """Log-odds of being selected for one support (linear in the confounders)."""
    a = spec["assign"]
    return (
        a.get("intercept", 0.0)
        + a.get("motivation_score", 0.0) * (rel["motivation_score"].to_numpy() - 5.0)
        + a.get("employed_before", 0.0) * rel["employed_before"].to_numpy()
        + a.get("family_support", 0.0) * rel["family_support"].to_numpy()
        + a.get("heroin", 0.0) * (rel["_drug"].to_numpy() == DRUG_KEYS.index("heroin"))
    )


def assignment_probability(rel: pd.DataFrame, spec: dict) -> np.ndarray:
    """Probability of being selected for one support (logistic in the confounders)."""
    return 1.0 / (1.0 + np.exp(-assignment_logit(rel, spec)))


def death_rate_per_day(rel: pd.DataFrame, cfg: dict) -> np.ndarray:
    d = cfg["deaths"]
    per_year = _lookup(d["rate_per_100py"], DRUG_KEYS)[rel["_drug"].to_numpy()] / 100.0
    per_year = per_year * np.exp(d["age_log_hr_per_10y"] * (rel["_age"].to_numpy() - 35.0) / 10.0)
    return per_year / 365.25


HIDDEN_COLUMNS = ("_age", "_pref", "_fac", "_drug", "_edu", "_male")
