"""Follow-up as it happened: the flow of releases through the visits, visit results and timing
against the schedule, retention curves per group and support uptake, as tables.

Used by the research notebooks; their figures are `workbench.cohort.followup_figures`, the
worked (L, R] examples `workbench.cohort.examples`; the cohort rules themselves live in
`workbench.cohort` and `data/README.md`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench._base import DEFAULT_SEED
from workbench.data import codes
from workbench.data.dataset import Dataset
from workbench.exceptions import ParameterError
from workbench.i18n import t

STATES = (
    "under follow-up",
    "relapse seen",
    "died",
    "transferred",
    "lost",
    "cutoff",
    "end_of_tracking",
)


def load_or_simulate(data=None, n: int = 3000, seed: int = DEFAULT_SEED, cutoff=None):
    """(Dataset, Simulation or None): the dataset folder `data`, or a simulated cohort of `n`."""
    if data is not None:
        from workbench.data.io import load_dataset

        cut = None if cutoff is None else pd.Timestamp(cutoff).date().isoformat()
        return load_dataset(str(data), cutoff=cut), None
    from workbench.simulate import simulate

    sim = simulate(seed=seed, n=n)
    if cutoff is not None:
        raise ParameterError(
            "cutoff applies to a dataset folder; a simulated cohort has its own cut-off "
            "(set it in params/simulation.yaml) - leave cutoff None when data is None"
        )
    return sim.dataset, sim


def followup_flow(cohort: pd.DataFrame, months=codes.SCHEDULED_MONTHS) -> pd.DataFrame:
    """Where every release stands at each month since release (counts per state).

    A release is 'relapse seen' from the day of the first evidence (R), 'died' from its death
    day, and a censored release is in its censoring reason after its last day under observation;
    before that it is 'under follow-up'; at 36 months everyone is in their ending (the month-36
    visit may fall a few days after day 1095.75). Rows: months (0 plus `months`); columns: STATES.
    """
    months = np.concatenate([[0.0], np.asarray(months, dtype=float)])
    days = months * codes.DAYS_PER_MONTH
    event = cohort["event"].astype(str).to_numpy()
    last = cohort["last_day"].to_numpy(float)
    reason = cohort["censor_reason"].astype(object).to_numpy()
    ending = np.where(
        event == "relapse", "relapse seen", np.where(event == "death", "died", reason)
    )
    # an ending counts from its day; a censoring from just after the last day observed (end of
    # tracking from its day, so that month 36 shows who was followed to the end)
    strict = (event == "censored") & (reason != "end_of_tracking")
    rows = []
    for d in days:
        ended = np.where(strict, last < d, last <= d + 1e-9)
        if d >= codes.TRACKING_DAYS - 1e-9:  # tracking is over: everyone is in their ending
            ended[:] = True  # (a month-36 visit can fall a few days after day 1095.75)
        counts = pd.Series(ending[ended]).value_counts()
        row = {s: int(counts.get(s, 0)) for s in STATES[1:]}
        row["under follow-up"] = int((~ended).sum())
        rows.append(row)
    out = pd.DataFrame(rows, columns=list(STATES))
    out.insert(0, "month", months)
    return out


def visit_results(ds: Dataset) -> pd.DataFrame:
    """Counts of each visit result at each scheduled month (rows), plus unscheduled contacts."""
    v = ds.visits
    month = v["scheduled_month"].astype(float)
    label = np.where(month.isna(), "unscheduled", month.fillna(0).astype(int).astype(str))
    table = pd.crosstab(pd.Series(label, name="scheduled_month"), v["result"].astype(str))
    results = [r for r in codes.VISIT_RESULTS if r in table.columns]
    order = [str(m) for m in codes.SCHEDULED_MONTHS if str(m) in table.index]
    order += [i for i in table.index if i not in order]
    table = table.reindex(index=order, columns=results, fill_value=0)
    table["total"] = table.sum(axis=1)
    attended = table[[c for c in ("negative", "positive") if c in table.columns]].sum(axis=1)
    table["attended_share"] = attended / table["total"].where(table["total"] > 0)
    return table


def visit_days(ds: Dataset) -> pd.DataFrame:
    """Every visit with its day since release (release day = day 0)."""
    rel = ds.releases.set_index("release_id")["release_date"]
    v = ds.visits
    released = rel.reindex(v["release_id"].to_numpy()).to_numpy()
    day = (v["visit_date"].to_numpy() - released) / np.timedelta64(1, "D")
    return pd.DataFrame(
        {
            "release_id": v["release_id"].to_numpy(),
            "day": day.astype(float),
            "scheduled_month": v["scheduled_month"].astype(float).to_numpy(),
            "result": v["result"].astype(str).to_numpy(),
        }
    )


def visit_timing(ds: Dataset) -> pd.DataFrame:
    """Scheduled visits that took place (not missed): days early (-) or late (+) vs schedule."""
    d = visit_days(ds)
    d = d[d["scheduled_month"].notna() & d["result"].ne("missed")].reset_index(drop=True)
    d["scheduled_day"] = d["scheduled_month"] * codes.DAYS_PER_MONTH
    d["offset_days"] = d["day"] - d["scheduled_day"]
    return d


def timing_summary(timing: pd.DataFrame, window: float = 30.0) -> pd.DataFrame:
    """Per scheduled month: visits, median and quartiles of the offset, share within +-window."""
    g = timing.groupby("scheduled_month")["offset_days"]
    out = pd.DataFrame(
        {
            "visits": g.size(),
            "median_offset_days": g.median(),
            "q25_offset_days": g.quantile(0.25),
            "q75_offset_days": g.quantile(0.75),
            f"share_within_{window:g}_days": g.apply(lambda s: float((s.abs() <= window).mean())),
        }
    )
    out.index = out.index.astype(int)
    return out


def retention_curve_frame(
    cohort: pd.DataFrame,
    by: str | None = None,
    n_bootstrap: int = 0,
    seed: int = 0,
    step: float = 7.0,
    lang: str = "en",
    end: float = codes.TRACKING_DAYS,
) -> pd.DataFrame:
    """Retention curves (time in days, estimate, lower, upper, label) overall or per group of
    `by`, on a weekly grid to day `end`, for `workbench.plots.retention_curves`. The right
    estimator for the data (NPMLE on (L, R], or Kaplan-Meier for exact times); bands need
    n_bootstrap > 0."""
    from workbench.retention.table import fit_retention

    if by is not None and by not in cohort.columns:
        raise ParameterError(f"{by!r} is not a cohort column; choose one of {list(cohort.columns)}")
    parts = [("all", cohort)] if by is None else list(cohort.groupby(by, observed=True))
    if by in codes.KINDS:  # the code list's order (age groups youngest first), not text order
        rank = {k: i for i, k in enumerate(codes.in_order(by, [str(k) for k, _ in parts]))}
        parts.sort(key=lambda kv: rank[str(kv[0])])
    frames = []
    for key, part in parts:
        name = codes.label(by, key, lang) if by in codes.KINDS else str(key)
        fit = fit_retention(part, label_=name, n_bootstrap=n_bootstrap, seed=seed)
        label = t("nb_counted", lang, group=name, n=len(part))
        frames.append(curve_from_fit(fit, label, step, end))
    return pd.concat(frames, ignore_index=True)


def curve_from_fit(
    fit, label: str = "all", step: float = 7.0, end: float = codes.TRACKING_DAYS
) -> pd.DataFrame:
    """A fitted TurnbullFitter or KaplanMeier as a curve frame every `step` days to day `end`
    (time, estimate, lower, upper, label); Turnbull bands only when it was fitted with a
    bootstrap."""
    grid = np.arange(0.0, end + step, step)
    if hasattr(fit, "confidence_band") and fit.n_bootstrap:
        band = fit.confidence_band(grid).rename(columns={"day": "time"})
    elif hasattr(fit, "confidence_band"):
        band = pd.DataFrame({"time": grid, "estimate": fit.survival_at(grid)})
    else:
        s = fit.survival_at(grid)
        band = pd.DataFrame(
            {"time": grid, "estimate": s["survival"], "lower": s["lower"], "upper": s["upper"]}
        )
    band["label"] = label
    return band


def stop_days(cohort: pd.DataFrame) -> np.ndarray:
    upper = cohort["upper_day"].to_numpy(float)
    return np.where(np.isfinite(upper), upper, cohort["last_day"].to_numpy(float))


def exposure_overview(cohort: pd.DataFrame, starts: pd.DataFrame) -> pd.DataFrame:
    """Per support: who started it during follow-up, when, and the immortal time a naive
    'ever received' analysis would credit to it.

    ``immortal_days`` sums, over people who started, the days from release to the start: days
    they had to stay relapse-free and followed to be counted as exposed at all. A naive analysis
    counts them as exposed time; ``immortal_share`` is their share of that exposed time."""
    stop = stop_days(cohort)
    s = starts.reindex(cohort["release_id"].to_numpy())
    rows = []
    for code in s.columns:
        day = s[code].to_numpy(float)
        started = np.isfinite(day) & (day <= stop)
        rows.append(
            {
                "code": code,
                "n_started": int(started.sum()),
                "share_started": float(started.mean()),
                "median_start_day": float(np.median(day[started])) if started.any() else np.nan,
                "q25_start_day": float(np.quantile(day[started], 0.25))
                if started.any()
                else np.nan,
                "q75_start_day": float(np.quantile(day[started], 0.75))
                if started.any()
                else np.nan,
                "immortal_days": float(day[started].sum()),
                "immortal_share": float(day[started].sum() / stop[started].sum())
                if started.any()
                else np.nan,
            }
        )
    return pd.DataFrame(rows)


STEPS = (3, 6, 12, 24, 36, 60)  # milestone spacings in months: quarter-years up to 5 years


def milestones_within(
    table: pd.DataFrame, step: int | None = None, n: int = 3
) -> dict[str, object]:
    """Milestone months for an analysis-ready table: the last `n` multiples of `step` months
    before its longest follow-up, with that follow-up (`last_day`, `last_months`) so that a
    notebook's sentence about where follow-up ends is read from the data (Rossi: day 364,
    12.0 months, milestones 3, 6, 9). Without `step`, the first `n` multiples of the widest
    spacing in STEPS that fits `n` milestones (12 years of Mayo PBC: 36, 72, 108 months, where
    quarter-years gave 114, 117, 120, near the end with few people left)."""
    days = pd.concat([table["lower_day"], table["upper_day"]]).to_numpy(float)
    last = float(np.nanmax(days[np.isfinite(days)]))
    months = last / codes.DAYS_PER_MONTH
    auto = step is None
    if auto:
        step = max([s for s in STEPS if n * s < months], default=STEPS[0])
    within = [m for m in range(step, int(months) + step, step) if m * codes.DAYS_PER_MONTH < last]
    within = within[:n] if auto else within[-n:]
    return {"last_day": int(last), "last_months": months,
            "months": within or [max(1, int(months))]}  # fmt: skip


# published Cox coefficients of a known example spec (Efron ties): Rossi from lifelines'
# load_rossi documentation and R coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar +
# paro + prio, ties = "efron")
PUBLISHED_COX = {
    "rossi": {
        "fin": -0.3794222, "age": -0.0574377, "race": 0.3138998, "wexp": -0.1497957,
        "mar": -0.4337039, "paro": -0.0848711, "prio": 0.0914971,
    },
}  # fmt: skip


def with_published(params: pd.Series, name: str, labels=None) -> pd.DataFrame:
    """Our Cox coefficients (`params`) beside the published ones of example `name` (only ours
    for data without published values), one row per term (index: the term codes); with
    `labels` (the terms in words, in `params`' order), a `label` column first."""
    ours = params.rename("ours").rename_axis("term").to_frame()
    if labels is not None:
        ours.insert(0, "label", list(labels))
    published = PUBLISHED_COX.get(name)
    return ours if published is None else ours.assign(published=ours.index.map(published))


def milestones_by_group(
    cohort: pd.DataFrame,
    groups,
    months,
    lang: str,
    n_bootstrap: int = 200,
    seed: int = DEFAULT_SEED,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Retention at `months` in each group of each column in `groups`, ready to show: by,
    group (words, code lists' order), months, estimate, lower, upper (the estimator's own 95 %
    CI: the NPMLE's percentile bootstrap with `n_bootstrap` replicates, as for everyone; none
    when 0), n, note (in `lang`)."""
    from workbench import display
    from workbench.retention.table import milestone_table

    parts = [
        milestone_table(cohort, by=by, months=months, n_bootstrap=n_bootstrap, seed=seed,
                        n_jobs=n_jobs)
        .pipe(display.code_order, "group", by)  # age groups youngest first
        .assign(by=display.header(by, lang),
                group=lambda m, by=by: display.values(m["group"], by, lang))
        for by in groups
    ]  # fmt: skip
    shown = ["by", "group", "months", "estimate", "lower", "upper", "n", "note"]
    return display.milestone_words(pd.concat(parts, ignore_index=True), lang)[shown]
