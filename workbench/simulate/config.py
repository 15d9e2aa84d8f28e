"""The simulator's configuration: defaults from params/simulation.yaml, overrides, validation."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from workbench.data import codes, yamlsafe
from workbench.exceptions import ParameterError

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parents[2] / "params" / "simulation.yaml"
# Mappings that an override replaces whole (their keys are not fixed by the defaults).
_LEAF_KEYS = frozenset({"local", "amount", "find_log_odds", "start_log_odds"})
# The override that switches the employment feedback off: the simulator of before issue 18
# (support from baseline covariates only), byte for byte for the same seed.
NO_FEEDBACK = {"employment": {"enabled": False}}
# Keys that may be set to null (no amount / no end date recorded).
_NULLABLE = frozenset({"amount", "end_days"})


def _read_yaml(path: Path) -> dict:
    if not Path(path).is_file():
        raise ParameterError(
            f"simulation config {path}: cannot be read (no such file); give an existing YAML file."
        )
    data = yamlsafe.load(path, "simulation config")
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ParameterError(f"simulation config {path}: expected a mapping of keys at the top.")
    return data


def default_config() -> dict:
    """The defaults in params/simulation.yaml, as a fresh dict."""
    if not DEFAULT_CONFIG_PATH.exists():
        raise ParameterError(
            f"simulation defaults {DEFAULT_CONFIG_PATH} are missing; reinstall the workbench "
            "from its source tree (pip install -e .)."
        )
    return _read_yaml(DEFAULT_CONFIG_PATH)


def _merge(base: dict, override: Mapping, where: str) -> dict:
    out = copy.deepcopy(base)
    for key, value in override.items():
        path = f"{where}.{key}" if where else str(key)
        if key not in base:
            valid = ", ".join(sorted(map(str, base)))
            raise ParameterError(f"simulation config: unknown key {path!r} (valid: {valid}).")
        old = base[key]
        if value is None and key in _NULLABLE:
            out[key] = None
        elif isinstance(old, dict) and key not in _LEAF_KEYS:
            if not isinstance(value, Mapping):
                raise ParameterError(f"simulation config: {path} must be a mapping of keys.")
            out[key] = _merge(old, value, path)
        else:
            out[key] = copy.deepcopy(value)
    return out


def resolve_config(config: str | Path | Mapping | None = None, n: int | None = None) -> dict:
    """Defaults overridden by `config` (a mapping or a YAML path) and `n`; validated."""
    cfg = default_config()
    if config is not None:
        override = config if isinstance(config, Mapping) else _read_yaml(Path(config))
        cfg = _merge(cfg, override, "")
    if n is not None:
        cfg["n"] = n
    validate_config(cfg)
    return cfg


def _num(cfg: dict, path: str, lo: float | None = None, hi: float | None = None) -> float:
    value: Any = cfg
    for part in path.split("."):
        value = value[part]
    if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
        raise ParameterError(f"simulation config: {path} = {value!r} is not a number.")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        rng = f"[{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}]"
        raise ParameterError(f"simulation config: {path} = {value!r} is outside {rng}.")
    return float(value)


def _date(cfg: dict, key: str) -> dt.date:
    value = cfg[key]
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ParameterError(
            f"simulation config: {key} {value!r} is not a date (expected YYYY-MM-DD)."
        ) from None


def _table(cfg: dict, path: str, valid: Mapping) -> dict:
    table = cfg
    for part in path.split("."):
        table = table[part]
    if not isinstance(table, dict):
        raise ParameterError(f"simulation config: {path} must be a mapping of codes.")
    unknown = sorted(set(table) - set(valid))
    if unknown:
        raise ParameterError(
            f"simulation config: {path} has unknown codes {unknown} (valid: {', '.join(valid)})."
        )
    return table


def _shares(cfg: dict, path: str, valid: Mapping) -> None:
    table = _table(cfg, path, valid)
    for code in table:
        _num(cfg, f"{path}.{code}", 0.0)
    if sum(table.values()) <= 0:
        raise ParameterError(f"simulation config: {path} must have a positive total.")


def _validate_calendar(cfg: dict) -> None:
    if isinstance(cfg["n"], bool) or not isinstance(cfg["n"], int) or cfg["n"] < 1:
        raise ParameterError(f"simulation config: n = {cfg['n']!r} must be a whole number >= 1.")
    start, end, cutoff = (_date(cfg, k) for k in ("release_start", "release_end", "cutoff"))
    if not start <= end <= cutoff:
        raise ParameterError(
            "simulation config: expected release_start <= release_end <= cutoff, got "
            f"{start}, {end}, {cutoff}."
        )
    _num(cfg, "repeat_release_share", 0.0, 0.5)


def _validate_relapse(cfg: dict) -> None:
    rel = cfg["relapse"]
    breaks, rates = rel["baseline_breaks_months"], rel["baseline_rates_per_month"]
    if (
        not isinstance(breaks, list)
        or not isinstance(rates, list)
        or len(breaks) != len(rates)
        or len(breaks) == 0
    ):
        raise ParameterError(
            "simulation config: relapse.baseline_breaks_months and baseline_rates_per_month "
            "must be lists of the same length."
        )
    b = np.asarray(breaks, dtype=float)
    if b[0] != 0 or np.any(np.diff(b) <= 0):
        raise ParameterError(
            f"simulation config: relapse.baseline_breaks_months {breaks} must start at 0 and increase."
        )
    if any(not isinstance(r, int | float) or not r > 0 for r in rates):
        raise ParameterError(
            f"simulation config: relapse.baseline_rates_per_month {rates} must all be > 0."
        )
    for key in rel["reference"]:
        _num(cfg, f"relapse.reference.{key}")
    for key, value in rel["log_hr"].items():
        if isinstance(value, dict):
            for code in value:
                _num(cfg, f"relapse.log_hr.{key}.{code}", -5, 5)
        else:
            _num(cfg, f"relapse.log_hr.{key}", -5, 5)


def _validate_interventions(cfg: dict) -> None:
    unknown = sorted(set(cfg["interventions"]) - set(codes.INTERVENTIONS))
    if unknown:
        raise ParameterError(
            f"simulation config: unknown interventions {unknown} "
            f"(valid: {', '.join(codes.INTERVENTIONS)})."
        )
    for code, spec in cfg["interventions"].items():
        p = f"interventions.{code}"
        _num(cfg, f"{p}.hazard_ratio", 1e-3, 1e3)
        window = spec["start_months"]
        if not (
            isinstance(window, list) and len(window) == 2 and 0 <= window[0] <= window[1] <= 36
        ):
            raise ParameterError(
                f"simulation config: {p}.start_months {window!r} must be [min, max] months "
                "with 0 <= min <= max <= 36."
            )
        for key in spec["assign"]:
            _num(cfg, f"{p}.assign.{key}", -20, 20)
        if spec["amount"] is not None:
            if not isinstance(spec["amount"], dict) or set(spec["amount"]) != {
                "median",
                "sigma",
                "max",
            }:
                raise ParameterError(
                    f"simulation config: {p}.amount must be null or have exactly median, sigma, max."
                )
            for key in ("median", "sigma", "max"):
                _num(cfg, f"{p}.amount.{key}", 0.0)
        ends = spec["end_days"]
        if ends is not None and not (
            isinstance(ends, list) and len(ends) == 2 and 0 <= ends[0] <= ends[1]
        ):
            raise ParameterError(
                f"simulation config: {p}.end_days {ends!r} must be null or [min, max] days."
            )


def _validate_employment(cfg: dict) -> None:
    emp = cfg["employment"]
    if not isinstance(emp["enabled"], bool):
        raise ParameterError(
            f"simulation config: employment.enabled = {emp['enabled']!r} must be true or false."
        )
    for key in ("find_job_per_contact", "lose_job_per_contact"):
        _num(cfg, f"employment.{key}", 0.0, 1.0)
    _num(cfg, "employment.log_hr", -5, 5)
    _num(cfg, "employment.relapse_log_hr_shift", -5, 5)
    for key in ("find_log_odds", "start_log_odds"):
        for code in _table(cfg, f"employment.{key}", codes.INTERVENTIONS):
            _num(cfg, f"employment.{key}.{code}", -20, 20)


def _validate_counterfactual(cfg: dict) -> None:
    cf = cfg["counterfactual"]
    for key in ("n", "seed"):
        if isinstance(cf[key], bool) or not isinstance(cf[key], int) or cf[key] < 0:
            raise ParameterError(
                f"simulation config: counterfactual.{key} = {cf[key]!r} must be a whole number >= 0."
            )
    graces = cf["grace_months"]
    if not isinstance(graces, list) or not all(
        isinstance(g, int) and not isinstance(g, bool) and 1 <= g <= 36 for g in graces
    ):
        raise ParameterError(
            f"simulation config: counterfactual.grace_months {graces!r} must be a list of whole "
            "months from 1 to 36."
        )


def validate_config(cfg: dict) -> None:
    """Raise ParameterError naming the first bad value."""
    _validate_calendar(cfg)
    _table(cfg, "prefectures", codes.PREFECTURES)
    for code in cfg["prefectures"]:
        _num(cfg, f"prefectures.{code}.weight", 0.0)
        _num(cfg, f"prefectures.{code}.log_hr", -5, 5)
    fac = cfg["facilities"]
    _num(cfg, "facilities.local_share", 0.0, 1.0)
    _shares(cfg, "facilities.male_weights", codes.FACILITIES)
    for code in _table(cfg, "facilities.log_hr", codes.FACILITIES):
        _num(cfg, f"facilities.log_hr.{code}", -5, 5)
    for pref, centre in fac["local"].items():
        if pref not in codes.PREFECTURES or centre not in codes.FACILITIES:
            raise ParameterError(
                f"simulation config: facilities.local maps {pref!r} to {centre!r}; both must be codes."
            )
    for key in ("male_share", "employed_before_share", "married_share", "family_support_share"):
        _num(cfg, f"covariates.{key}", 0.0, 1.0)
    _num(cfg, "covariates.age_sd", 0.0)
    if not 10 <= _num(cfg, "covariates.age_min") < _num(cfg, "covariates.age_max") <= 100:
        raise ParameterError(
            "simulation config: expected 10 <= covariates.age_min < age_max <= 100."
        )
    for key in ("drug_shares", "prior_treatments_mean", "years_using_mean"):
        _shares(cfg, f"covariates.{key}", codes.DRUGS)
    _shares(cfg, "covariates.education_shares", codes.EDUCATION)
    _num(cfg, "covariates.years_using_shape", 1e-3)
    _num(cfg, "covariates.motivation_sd", 0.0)
    _validate_relapse(cfg)
    _num(cfg, "relapse.trend_log_hr_per_year", -5, 5)
    _validate_interventions(cfg)
    _validate_employment(cfg)
    _validate_counterfactual(cfg)
    _shares(cfg, "deaths.rate_per_100py", codes.DRUGS)
    _num(cfg, "deaths.age_log_hr_per_10y", -5, 5)
    for key in ("transfer_per_year", "lost_per_year"):
        _num(cfg, f"censoring.{key}", 0.0)
    _num(cfg, "visits.jitter_days", 0.0, 60.0)
    _num(cfg, "visits.unscheduled_per_year", 0.0)
    for key in ("missed_share", "detained_share", "persist_share"):
        _num(cfg, f"visits.{key}", 0.0, 1.0)
    for key in cfg["events"]:
        _num(cfg, f"events.{key}", 0.0, 1.0)
    _num(cfg, "knobs.test_sensitivity", 0.0, 1.0)
    _num(cfg, "knobs.informative_ltfu_per_year", 0.0)


def fingerprint(
    config: str | Path | Mapping | None = None, seed: int = 0, n: int | None = None
) -> str:
    """sha256 of what a simulation depends on: the resolved config, the seed and the simulator's
    own source files. `workbench simulate --if-missing` re-simulates a folder whose
    truth/truth.json carries another fingerprint (data of an older simulator or other knobs)."""
    import hashlib
    import json

    digest = hashlib.sha256()
    text = json.dumps(resolve_config(config, n), sort_keys=True, default=str)
    digest.update(f"{text}\0{int(seed)}\0".encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def prefecture_effects(cfg: Mapping | None = None) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Prefecture codes (sorted), their true relapse log HRs and release shares (weights) from
    a resolved config (default: params/simulation.yaml): the truth rankings are checked against."""
    pref = (cfg or default_config())["prefectures"]
    codes = sorted(pref)
    return (
        codes,
        np.array([pref[c]["log_hr"] for c in codes], dtype=float),
        np.array([pref[c]["weight"] for c in codes], dtype=float),
    )
