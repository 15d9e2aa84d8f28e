"""Who is released, when and where: the releases table and the people's covariates."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd


def _choice(rng: np.random.Generator, table: dict, size: int) -> np.ndarray:
    keys = list(table)
    p = np.array([float(table[k]) for k in keys])
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=size, p=p / p.sum())]


def _origins(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    """origin[i] = index of the earlier release of the same person (i itself when a first release)."""
    origin = np.arange(n)
    repeat = rng.random(n) < share
    repeat[0] = False
    earlier = np.floor(rng.random(n) * np.arange(n)).astype(np.int64)
    origin[repeat] = earlier[repeat]
    for _ in range(64):  # follow chains of repeats back to the first release
        nxt = origin[origin]
        if np.array_equal(nxt, origin):
            break
        origin = nxt
    return origin


def _release_days(rng: np.random.Generator, cfg: dict) -> tuple[np.ndarray, np.ndarray]:
    start = dt.date.fromisoformat(str(cfg["release_start"]))
    end = dt.date.fromisoformat(str(cfg["release_end"]))
    span = (end - start).days
    offsets = np.sort(rng.integers(0, span + 1, size=cfg["n"]))
    dates = np.datetime64(start, "D") + offsets.astype("timedelta64[D]")
    return dates, offsets


def _decimal_year(dates: np.ndarray) -> np.ndarray:
    years = dates.astype("datetime64[Y]")
    first = years.astype("datetime64[D]")
    nxt = (years + 1).astype("datetime64[D]")
    frac = (dates - first).astype(float) / (nxt - first).astype(float)
    return years.astype(int) + 1970 + frac


def _facilities(rng: np.random.Generator, cfg: dict, pref: np.ndarray, male: np.ndarray):
    fac_cfg = cfg["facilities"]
    n = pref.shape[0]
    fac = _choice(rng, fac_cfg["male_weights"], n)
    local = pd.Series(pref).map(fac_cfg["local"]).to_numpy(dtype=object)
    go_local = (rng.random(n) < fac_cfg["local_share"]) & pd.notna(local)
    fac[go_local] = local[go_local]
    fac[~male] = "women"
    return fac


def _person_level(rng: np.random.Generator, cfg: dict, n: int) -> dict[str, np.ndarray]:
    """Attributes of a person (shared by their releases), drawn for every row."""
    cov = cfg["covariates"]
    age = rng.normal(cov["age_mean"], cov["age_sd"], size=n)
    lo, hi = cov["age_min"], cov["age_max"]
    bad = (age < lo) | (age > hi)
    age[bad] = rng.uniform(lo, hi, size=int(bad.sum()))  # truncation by redrawing once, uniformly
    pref_table = {k: v["weight"] for k, v in cfg["prefectures"].items()}
    return {
        "male": rng.random(n) < cov["male_share"],
        "age_draw": age,
        "prefecture": _choice(rng, pref_table, n),
        "primary_drug": _choice(rng, cov["drug_shares"], n),
        "education": _choice(rng, cov["education_shares"], n),
    }


def draw_releases(rng: np.random.Generator, cfg: dict) -> pd.DataFrame:
    """The releases table (contract columns) plus the exact age used by the hazard (`_age`)."""
    n = cfg["n"]
    cov = cfg["covariates"]
    dates, _ = _release_days(rng, cfg)
    origin = _origins(rng, n, cfg["repeat_release_share"])
    person = {k: v[origin] for k, v in _person_level(rng, cfg, n).items()}
    dec_year = _decimal_year(dates)
    birth_year = np.floor(dec_year[origin] - person["age_draw"]).astype(np.int64)
    age = dec_year - (birth_year + 0.5)  # what the records imply: born mid-year
    drug = person["primary_drug"]
    prior = rng.poisson(pd.Series(drug).map(cov["prior_treatments_mean"]).to_numpy(float))
    prior = prior + (origin != np.arange(n))  # a repeat release has at least one treatment more
    mean_use = pd.Series(drug).map(cov["years_using_mean"]).to_numpy(float)
    shape = cov["years_using_shape"]
    years_using = np.minimum(rng.gamma(shape, mean_use / shape), np.maximum(age - 12.0, 0.0))
    heroin = drug == "heroin"
    employed = rng.random(n) < cov["employed_before_share"] * np.where(heroin, 0.8, 1.0)
    married = rng.random(n) < cov["married_share"]
    family = rng.random(n) < cov["family_support_share"]
    motivation = (
        rng.normal(cov["motivation_mean"], cov["motivation_sd"], size=n)
        + cov["motivation_family_support"] * (family - cov["family_support_share"])
        + cov["motivation_employed_before"] * (employed - cov["employed_before_share"])
    )
    first_ids = np.unique(origin, return_inverse=True)[1]
    return pd.DataFrame(
        {
            "release_id": pd.Index(np.arange(1, n + 1)).astype(str).str.zfill(7).map("R{}".format),
            "person_id": pd.Index(first_ids + 1).astype(str).str.zfill(7).map("P{}".format),
            "release_date": dates.astype("datetime64[ns]"),
            "prefecture": person["prefecture"],
            "facility": _facilities(rng, cfg, person["prefecture"], person["male"]),
            "sex": np.where(person["male"], "male", "female").astype(object),
            "birth_year": birth_year,
            "primary_drug": drug,
            "prior_treatments": prior.astype(np.int64),
            "years_using": np.round(years_using, 1),
            "education": person["education"],
            "employed_before": employed.astype(np.int64),
            "married": married.astype(np.int64),
            "family_support": family.astype(np.int64),
            "motivation_score": np.round(np.clip(motivation, 0.0, 10.0), 1),
            "_age": age,
        }
    )


def linear_predictor(rel: pd.DataFrame, cfg: dict) -> np.ndarray:
    """x'beta of the relapse hazard (covariates, prefecture and facility), per release."""
    b = cfg["relapse"]["log_hr"]
    ref = cfg["relapse"]["reference"]
    lp = (
        b["female"] * (rel["sex"] == "female").to_numpy()
        + b["age_per_10y"] * (rel["_age"].to_numpy() - ref["age"]) / 10.0
        + rel["primary_drug"].map(b["primary_drug"]).to_numpy(float)
        + b["prior_treatments"] * (rel["prior_treatments"].to_numpy() - ref["prior_treatments"])
        + b["years_using_per_10y"] * (rel["years_using"].to_numpy() - ref["years_using"]) / 10.0
        + rel["education"].map(b["education"]).to_numpy(float)
        + b["employed_before"] * rel["employed_before"].to_numpy()
        + b["married"] * rel["married"].to_numpy()
        + b["family_support"] * rel["family_support"].to_numpy()
        + b["motivation_score"] * (rel["motivation_score"].to_numpy() - ref["motivation_score"])
    )
    pref_hr = {k: v["log_hr"] for k, v in cfg["prefectures"].items()}
    lp = lp + rel["prefecture"].map(pref_hr).to_numpy(float)
    lp = lp + rel["facility"].map(cfg["facilities"]["log_hr"]).fillna(0.0).to_numpy(float)
    return lp


def assignment_probability(rel: pd.DataFrame, spec: dict) -> np.ndarray:
    """Probability of being selected for one support (logistic in the confounders)."""
    a = spec["assign"]
    z = (
        a.get("intercept", 0.0)
        + a.get("motivation_score", 0.0) * (rel["motivation_score"].to_numpy() - 5.0)
        + a.get("employed_before", 0.0) * rel["employed_before"].to_numpy()
        + a.get("family_support", 0.0) * rel["family_support"].to_numpy()
        + a.get("heroin", 0.0) * (rel["primary_drug"] == "heroin").to_numpy()
    )
    return 1.0 / (1.0 + np.exp(-z))


def death_rate_per_day(rel: pd.DataFrame, cfg: dict) -> np.ndarray:
    d = cfg["deaths"]
    per_year = rel["primary_drug"].map(d["rate_per_100py"]).to_numpy(float) / 100.0
    per_year = per_year * np.exp(d["age_log_hr_per_10y"] * (rel["_age"].to_numpy() - 35.0) / 10.0)
    return per_year / 365.25


__all__ = [
    "assignment_probability",
    "death_rate_per_day",
    "draw_releases",
    "linear_predictor",
]
