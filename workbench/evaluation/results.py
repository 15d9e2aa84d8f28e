"""What the report's analyses hand to the renderer: `ReportResults` (plain tables and numbers,
no fitted objects), the caveats recorded while they ran (`record_warnings`, `Note`) and the
small helpers each analysis step shares (`guarded`, `as_float`, …)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.data import codes
from workbench.exceptions import EstimationError, WorkbenchError
from workbench.i18n import TEXT, Text


@dataclass(frozen=True)
class Note:
    """One warning an analysis raised: the English `message` verbatim (the analysts' log, the
    English metrics.json) and, for our own caveats (`StatisticalWarning`), the catalog `code`
    and `fields` the report renders it from; a library message has no code."""

    message: str
    code: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Counts:
    """The cohort's counts: people released, visits (None for a table without a visit
    schedule), relapses, deaths, and the censored by reason (raw here; perturbed by `protect`)."""

    n_releases: Any
    n_visits: Any
    n_relapses: Any
    n_deaths: Any
    n_censored: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RestrictedMean:
    """The retention curve's restricted mean abstinent days up to `tau_days`, with its CI."""

    tau_days: float
    estimate: float | None
    lower: float | None
    upper: float | None


@dataclass(frozen=True)
class RiskSensitivity:
    """The Cox model on visit-dated times beside the interval-censored PH model (labelled)."""

    method: str
    method_text: tuple[Text, ...]
    table: dict[str, pd.DataFrame]  # by language


@dataclass(frozen=True)
class RiskFactors:
    """The relapse-risk model as tables: hazard ratios and PH advice by language, the numbers
    of people and events, whether SEs are clustered; `method` is set for the interval-censored
    PH model (None: the Cox model), with its Cox `sensitivity` analysis."""

    table: dict[str, pd.DataFrame]
    advice: dict[str, list[str]]
    n: Any
    n_events: Any
    clustered: bool
    method: str | None = None
    sensitivity: RiskSensitivity | None = None


@dataclass(frozen=True)
class ReportResults:
    """Everything a report shows, as plain tables and numbers (no fitted objects).

    ``missing`` maps a section name to why it is not in this report; ``notes`` are caveats shown
    in the methods section; counts are raw here and suppressed when rendered.
    """

    kind: str  # "contract" (visit records) or "spec" (analysis-ready table)
    source: str
    event_label: str
    sha256: dict[str, str]
    cutoff: str | None
    period: tuple[str | None, str | None]
    counts: Counts
    coverage: pd.DataFrame | None = None
    milestones: pd.DataFrame | None = None
    curve: pd.DataFrame | None = None
    median_day: float | None = None
    rmst: RestrictedMean | None = None
    tiers: pd.DataFrame | None = None
    regions: pd.DataFrame | None = None
    funnel: pd.DataFrame | None = None
    # shrunken rankings by "prefecture" / "facility" (workbench.programme.ranking), protected
    ranking: dict[str, pd.DataFrame] | None = None
    facility_regions: pd.DataFrame | None = None  # the centres compared (a facility's standing)
    endings: pd.DataFrame | None = None
    risk: RiskFactors | None = None
    effects: pd.DataFrame | None = None
    findings: pd.DataFrame | None = None
    cif: pd.DataFrame | None = None
    repairs: tuple[str, ...] = ()
    missing: dict[str, str] = field(default_factory=dict)
    notes: tuple[Note, ...] = ()
    design: str = "observational"  # "randomised": arms compared as in a trial (no propensity)
    start_label: dict[str, str] = field(default_factory=lambda: dict(TEXT["start_release"]))
    competing_label: str = "death"
    n_dropped: int = 0  # rows left out by the complete-case rule (spec tables)
    dropped: dict[str, int] = field(default_factory=dict)  # empty cells per column
    arm_curves: pd.DataFrame | None = None  # randomised: each arm's curve (arm, time, estimate…)
    # issue 19 (workbench.evaluation.trends): direction of travel, backtest, risk-model check
    trend: Any = None
    projection_check: Any = None
    model_check: Any = None
    # each table's method label as catalog parts ("milestones", "effects", "cif", "risk_sensitivity")
    method_text: dict[str, tuple[Text, ...]] = field(default_factory=dict)
    # the emulated target trials, one per support (evaluation.target_trial.TrialSummary; #18)
    target_trials: dict[str, Any] | None = None


def record_warnings(notes: list[Note]):
    """Context manager collecting our StatisticalWarnings (and others) into `notes`, each once."""
    return _Recorder(notes)


class _Recorder:
    def __init__(self, notes: list[Note]) -> None:
        self.notes = notes
        self._cm = warnings.catch_warnings(record=True)

    def __enter__(self) -> _Recorder:
        self._log = self._cm.__enter__()
        warnings.simplefilter("always")
        return self

    def __exit__(self, *exc: object) -> bool:
        self._cm.__exit__(*exc)
        seen = {n.message for n in self.notes}
        for w in self._log:
            text = str(w.message).strip()
            if text and text not in seen:
                seen.add(text)
                fields = dict(getattr(w.message, "fields", None) or {})
                self.notes.append(Note(text, getattr(w.message, "code", None), fields))
        return False


def guarded(missing: dict[str, str], section: str, func, *args: Any, **kwargs: Any) -> Any:
    """Run one analysis step; an estimation problem marks the section missing with its reason."""
    try:
        return func(*args, **kwargs)
    except ImportError as err:
        missing[section] = f"module {err.name or err} not available"
    except (EstimationError, np.linalg.LinAlgError, ZeroDivisionError) as err:
        missing[section] = str(err)
    except WorkbenchError as err:
        missing[section] = str(err)
    except Exception as err:  # a failing analysis leaves its section out, with the cause shown
        missing[section] = f"failed: {type(err).__name__}: {err}"
    return None


def months_to_days(months: Any) -> np.ndarray:
    return np.asarray(months, dtype=float) * codes.DAYS_PER_MONTH


def as_float(x: Any) -> float | None:
    """A plain float, or None when not finite."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


def frame_or_none(df: pd.DataFrame | None) -> pd.DataFrame | None:
    return None if df is None or len(df) == 0 else df.reset_index(drop=True)
