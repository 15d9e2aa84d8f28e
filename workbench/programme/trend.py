"""Direction of travel: is retention improving from one release cohort to the next?

Two views, both from the interval-censored data as they are (no relapse dated at a visit):

1. `retention_by_cohort`: retention at 6, 12 and 24 months for each release cohort (calendar
   year, or half-year when every half-year has at least `HALF_YEAR_MIN` releases), from the
   Turnbull NPMLE (`workbench.retention.turnbull`) with its percentile-bootstrap CI. A cohort's
   milestone is shown only when *everyone* in it could have been followed that long: the cut-off
   minus the cohort's last release day is at least the milestone (`FULL_FOLLOW_UP`). A naive
   comparison of cohorts with different follow-up is what this rule prevents.
2. `TrendTest`: the release date (in years since the first release) as a covariate of the
   interval-censored proportional-hazards model (`workbench.risk.interval.IntervalCoxModel`),
   optionally beside the person's baseline characteristics (risk adjustment). Its hazard ratio
   per release year says how the relapse hazard moved from one year's releases to the next.

The words (`VERDICT_RULE`): "improving" when the two-sided p < alpha (0.05) and the hazard ratio
per year is below 1, "worsening" when p < alpha and it is above 1, "no clear change" otherwise.
The rule is a statement about the data, not about what caused the change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench._base import DEFAULT_SEED, check_is_fitted
from workbench.data.codes import DAYS_PER_MONTH
from workbench.exceptions import EstimationError, ParameterError
from workbench.i18n import Text

TREND_MONTHS = (6, 12, 24)
HALF_YEAR_MIN = 1000  # releases in every half-year before half-years are shown (CI ~ +-3 points)
ALPHA = 0.05
DAYS_PER_YEAR = 365.25
FULL_FOLLOW_UP = "last release of the cohort + milestone (calendar months) <= cutoff"
VERDICT_RULE = (Text("trend_rule", {"alpha": ALPHA}),)
VERDICTS = ("improving", "no_clear_change", "worsening")
COLUMNS = ["cohort", "first", "last", "n", "months", "estimate", "lower", "upper", "followed"]


def verdict(hr: float, p: float, alpha: float = ALPHA) -> str:
    """The stated rule: improving / worsening when p < alpha, by the direction of the hazard
    ratio per year; otherwise no clear change.

    >>> verdict(0.95, 0.01), verdict(1.05, 0.01), verdict(0.95, 0.2)
    ('improving', 'worsening', 'no_clear_change')
    """
    if not (np.isfinite(hr) and np.isfinite(p)) or p >= alpha or hr == 1:
        return "no_clear_change"
    return "improving" if hr < 1 else "worsening"


def cohort_unit(release_date: pd.Series, min_half: int = HALF_YEAR_MIN) -> str:
    """ "half" when every half-year of releases has at least `min_half` people, else "year"."""
    dates = pd.to_datetime(release_date)
    half = dates.dt.year.astype(str) + np.where(dates.dt.month <= 6, "H1", "H2")
    counts = half.value_counts()
    return "half" if len(counts) > 1 and int(counts.min()) >= min_half else "year"


def cohort_of(release_date: pd.Series, unit: str) -> pd.Series:
    """Each release's cohort label: "2019" (unit "year") or "2019H2" (unit "half")."""
    dates = pd.to_datetime(release_date)
    year = dates.dt.year.astype(str)
    if unit == "year":
        return year
    if unit == "half":
        return year + np.where(dates.dt.month <= 6, "H1", "H2")
    raise ParameterError(f"cohort unit {unit!r}: give 'year' or 'half'")


def followed(last_release: pd.Timestamp, cutoff: pd.Timestamp, months: float) -> bool:
    """Whether everyone released by `last_release` could be followed `months` (calendar
    months: a release on 2021-12-31 is followed 12 months on 2022-12-31) by `cutoff`."""
    months = float(months)
    if months.is_integer():
        return pd.Timestamp(last_release) + pd.DateOffset(months=int(months)) <= pd.Timestamp(
            cutoff
        )
    return (pd.Timestamp(cutoff) - pd.Timestamp(last_release)).days >= months * DAYS_PER_MONTH


def data_cutoff(table: pd.DataFrame, cutoff: object = None) -> pd.Timestamp:
    """The cut-off: given, else the last day anyone was seen (release date + last_day)."""
    if cutoff is not None:
        return pd.Timestamp(cutoff)
    seen = pd.to_datetime(table["release_date"]) + pd.to_timedelta(table["last_day"], unit="D")
    return pd.Timestamp(seen.max())


def _intervals(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    relapse = frame["event"].astype(str).eq("relapse").to_numpy()
    upper = np.where(relapse, frame["upper_day"].to_numpy(float), np.nan)
    return frame["lower_day"].to_numpy(float), upper


def retention_by_cohort(
    table: pd.DataFrame,
    cutoff: object = None,
    months: Sequence[float] = TREND_MONTHS,
    unit: str | None = None,
    n_bootstrap: int = 200,
    seed: int = DEFAULT_SEED,
    n_jobs: int = 1,
    scheduler=None,
    min_n: int = 1,
) -> pd.DataFrame:
    """Retention at `months` by release cohort (module doc, item 1): one row per cohort and
    milestone with columns COLUMNS; `followed` False (estimate NaN) where the cohort's follow-up
    is not complete to the milestone; estimate NaN too for a cohort of fewer than `min_n`. The table's
    attrs carry the unit and the cut-off."""
    if "release_date" not in table.columns:
        raise EstimationError("no_release_dates")
    from workbench.retention.turnbull import TurnbullFitter

    cut = data_cutoff(table, cutoff)
    unit = unit or cohort_unit(table["release_date"])
    labels = cohort_of(table["release_date"], unit)
    rows = []
    for label, frame in table.groupby(labels.to_numpy(), sort=True):
        dates = pd.to_datetime(frame["release_date"])
        done = [float(m) for m in months if followed(dates.max(), cut, m)]
        band = None
        if done and len(frame) >= min_n:
            fit = TurnbullFitter(
                n_bootstrap=n_bootstrap, seed=seed, n_jobs=n_jobs, scheduler=scheduler
            ).fit(*_intervals(frame))
            band = fit.milestones(done).set_index("months")
        for m in months:
            ok = band is not None and float(m) in band.index
            complete = float(m) in done
            est = band.loc[float(m)] if ok else None
            rows.append(
                {
                    "cohort": str(label),
                    "first": dates.min().date().isoformat(),
                    "last": dates.max().date().isoformat(),
                    "n": int(len(frame)),
                    "months": float(m),
                    "estimate": float(est["estimate"]) if ok else np.nan,
                    "lower": float(est["lower"]) if ok else np.nan,
                    "upper": float(est["upper"]) if ok else np.nan,
                    "followed": complete,
                }
            )
    out = pd.DataFrame(rows, columns=COLUMNS)
    out.attrs.update(unit=unit, cutoff=cut.date().isoformat())
    return out


@dataclass(frozen=True)
class Trend:
    """The trend test's result: hazard ratio per release year with its CI and two-sided p, the
    verdict by the stated rule, and what the model held (adjusted: baseline characteristics)."""

    hr: float
    lower: float
    upper: float
    p: float
    z: float
    verdict: str
    adjusted: bool
    n: int
    n_events: int
    first: str
    last: str


class TrendTest:
    """Release time (years) as a covariate of the interval-censored PH model (module doc, item 2).

    `covariates`: the baseline characteristics to adjust for (none: the crude trend); the other
    arguments go to `IntervalCoxModel` (robust SEs clustered by person by default).
    """

    def __init__(
        self,
        covariates: Sequence[str] = (),
        reference: dict | None = None,
        cluster: str | None = "person_id",
        robust: bool = True,
        alpha: float = ALPHA,
        cuts=None,
    ) -> None:
        self.covariates = covariates
        self.reference = reference
        self.cluster = cluster
        self.robust = robust
        self.alpha = alpha
        self.cuts = cuts

    def fit(self, table: pd.DataFrame) -> TrendTest:
        """Fit on a cohort table with release_date and the (L, R] columns; returns self."""
        from workbench.risk.interval import MONTHLY_CUTS, IntervalCoxModel, model_frame

        if "release_date" not in table.columns:
            raise EstimationError("no_release_dates")
        dates = pd.to_datetime(table["release_date"])
        span = (dates.max() - dates.min()).days / DAYS_PER_YEAR
        if span < 1:
            raise EstimationError("one_cohort")
        years = (dates - dates.min()).dt.days / DAYS_PER_YEAR
        data = model_frame(table, [*self.covariates, self.cluster or ""], {"release_time": years})
        covs = [c for c in self.covariates if c in data and data[c].nunique() > 1]
        model = IntervalCoxModel(
            ["release_time", *covs],
            reference=self.reference,
            cluster=self.cluster,
            robust=self.robust,
            alpha=self.alpha,
            cuts=MONTHLY_CUTS if self.cuts is None else self.cuts,
        ).fit(data)
        b = float(model.params_["release_time"])
        se = float(model.se_["release_time"])
        from scipy import stats

        z = b / se
        p = float(2 * stats.norm.sf(abs(z)))
        q = float(stats.norm.isf(self.alpha / 2))
        self.model_ = model
        self.result_ = Trend(
            hr=float(np.exp(b)),
            lower=float(np.exp(b - q * se)),
            upper=float(np.exp(b + q * se)),
            p=p,
            z=float(z),
            verdict=verdict(np.exp(b), p, self.alpha),
            adjusted=bool(covs),
            n=int(model.n_),
            n_events=int(model.n_events_),
            first=dates.min().date().isoformat(),
            last=dates.max().date().isoformat(),
        )
        return self

    @property
    def trend_(self) -> Trend:
        check_is_fitted(self, "result_")
        return self.result_


__all__ = [
    "ALPHA",
    "HALF_YEAR_MIN",
    "TREND_MONTHS",
    "VERDICTS",
    "VERDICT_RULE",
    "Trend",
    "TrendTest",
    "cohort_of",
    "cohort_unit",
    "data_cutoff",
    "followed",
    "retention_by_cohort",
    "verdict",
]
