"""Follow-up as it happened: the flow of releases through the visits, visit timing against the
schedule, and worked examples of how raw visits become the (L, R] relapse interval.

Used by notebook 01 (the data as they arrive); the cohort rules themselves live in
`workbench.cohort` and `data/README.md`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.data import codes
from workbench.data.dataset import Dataset
from workbench.exceptions import ParameterError

STATES = (
    "under follow-up",
    "relapse seen",
    "died",
    "transferred",
    "lost",
    "cutoff",
    "end_of_tracking",
)
STATE_COLOURS = {
    "under follow-up": "#4c72b0",
    "relapse seen": "#c44e52",
    "died": "#333333",
    "transferred": "#8172b2",
    "lost": "#dd8452",
    "cutoff": "#bbbbbb",
    "end_of_tracking": "#55a868",
}


def load_or_simulate(data=None, n: int = 3000, seed: int = 20170101, cutoff=None):
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


def plot_flow(flow: pd.DataFrame, ax=None, title: str | None = None):
    """Stacked areas: how many releases are under follow-up or in each ending, by month."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5))
    states = [s for s in STATES if s in flow.columns]
    ax.stackplot(
        flow["month"],
        [flow[s].to_numpy() for s in states],
        labels=states,
        colors=[STATE_COLOURS[s] for s in states],
        alpha=0.9,
    )
    ax.set_xlabel("months since release")
    ax.set_ylabel("releases (count)")
    ax.set_title(title or "Where releases stand during the 3-year follow-up")
    ax.set_xlim(0, flow["month"].max())
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    return ax


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


def plot_visit_timing(timing: pd.DataFrame, ax=None, bins: int = 60, title: str | None = None):
    """Histogram of visit offsets from the scheduled day, one colour per scheduled month."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5))
    lo, hi = np.nanpercentile(timing["offset_days"], [0.5, 99.5])
    edges = np.linspace(lo, hi, bins + 1)
    for month, part in timing.groupby("scheduled_month"):
        ax.hist(part["offset_days"], bins=edges, histtype="step", label=f"month {int(month)}")
    ax.axvline(0, color="black", lw=1, ls="--", label="scheduled day")
    ax.set_xlabel("visit day minus scheduled day (days)")
    ax.set_ylabel("visits (count)")
    ax.set_title(title or "When visits happened, relative to the schedule")
    ax.legend(frameon=False, fontsize="small")
    return ax


@dataclass(frozen=True)
class WorkedExample:
    """One release's raw visits and the (L, R] interval the cohort builder made of them."""

    pattern: str
    release_id: str
    visits: pd.DataFrame  # day, scheduled_month, result (and event rows from other registers)
    lower_day: float
    upper_day: float
    event: str
    censor_reason: str | None
    explanation: str
    notes: tuple[str, ...] = ()

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "pattern": self.pattern,
                    "release_id": self.release_id,
                    "L (days)": self.lower_day,
                    "R (days)": self.upper_day,
                    "event": self.event,
                    "censor_reason": self.censor_reason,
                    "explanation": self.explanation,
                }
            ]
        )


def _patterns(c: pd.DataFrame) -> list[tuple[str, pd.Series, str]]:
    """(name, row mask, explanation template) for the kinds of history worth showing."""
    rel = c["event"].eq("relapse")
    lo, up = c["lower_day"], c["upper_day"]
    exact = rel & up.eq(lo)
    return [
        (
            "negative, then positive",
            rel & ~exact & lo.gt(0) & (up - lo).lt(250),
            "Negative on day {L:.0f}, positive on day {R:.0f}: the relapse happened somewhere in "
            "({L:.0f}, {R:.0f}] - we do not know the day, only the interval.",
        ),
        (
            "a missed visit widens the interval",
            rel & ~exact & (up - lo).ge(250),
            "Last negative on day {L:.0f}; missed visit(s) in between; first evidence on day "
            "{R:.0f}. The interval ({L:.0f}, {R:.0f}] is long because nobody was seen.",
        ),
        (
            "positive at the first contact",
            rel & ~exact & lo.eq(0),
            "Never seen negative after release, first evidence on day {R:.0f}: relapse lies in "
            "(0, {R:.0f}].",
        ),
        (
            "exact date from another register",
            exact,
            "A register (e.g. police) gives the exact relapse day {R:.0f}, so L = R = {R:.0f}.",
        ),
        (
            "died relapse-free",
            c["event"].eq("death") & lo.gt(0),
            "Last negative on day {L:.0f}; died on day {D:.0f}. Death ends follow-up: it is a "
            "competing event, not a relapse and not ordinary censoring.",
        ),
        (
            "abstinent to the end of tracking",
            c["censor_reason"].eq("end_of_tracking"),
            "Negative up to day {L:.0f}; tracking ends at 36 months. Right-censored: relapse "
            "after day {L:.0f}, if ever (R = infinity).",
        ),
        (
            "lost to follow-up",
            c["censor_reason"].eq("lost"),
            "Last negative on day {L:.0f}, then only missed visits: right-censored at day "
            "{L:.0f}. If missing people relapse more often, retention is overestimated.",
        ),
        (
            "transferred out",
            c["censor_reason"].eq("transferred"),
            "Last negative on day {L:.0f}, then transferred out of the jurisdiction on day "
            "{E:.0f}: right-censored.",
        ),
    ]


def _history(ds: Dataset, release_id: str, released: pd.Timestamp) -> pd.DataFrame:
    v = ds.visits[ds.visits["release_id"] == release_id]
    rows = pd.DataFrame(
        {
            "day": (v["visit_date"] - released).dt.days.astype(float).to_numpy(),
            "scheduled_month": v["scheduled_month"].astype(float).to_numpy(),
            "result": v["result"].astype(str).to_numpy(),
        }
    )
    ev = ds.events
    if ev is not None and len(ev):
        e = ev[ev["release_id"] == release_id]
        extra = pd.DataFrame(
            {
                "day": (e["event_date"] - released).dt.days.astype(float).to_numpy(),
                "scheduled_month": np.nan,
                "result": (
                    "register: " + e["event"].astype(str) + " (" + e["source"].astype(str) + ")"
                ).to_numpy(),
            }
        )
        rows = pd.concat([rows, extra], ignore_index=True)
    return rows.sort_values("day", kind="stable").reset_index(drop=True)


def worked_examples(ds: Dataset, cohort: pd.DataFrame, n: int = 5) -> list[WorkedExample]:
    """Up to `n` releases, one per kind of history, with their visits and (L, R] interval."""
    c = cohort.sort_values("release_id").reset_index(drop=True)
    released = ds.releases.set_index("release_id")["release_date"]
    out = []
    for name, mask, template in _patterns(c):
        if len(out) >= n or not mask.any():
            continue
        row = c.loc[mask.idxmax()]
        rid = str(row["release_id"])
        history = _history(ds, rid, released.loc[rid])
        values = {"L": row["lower_day"], "R": row["upper_day"], "D": row["death_day"]}
        values["E"] = row["last_day"]
        reason = row["censor_reason"]
        out.append(
            WorkedExample(
                pattern=name,
                release_id=rid,
                visits=history,
                lower_day=float(row["lower_day"]),
                upper_day=float(row["upper_day"]),
                event=str(row["event"]),
                censor_reason=None if pd.isna(reason) else str(reason),
                explanation=template.format(**values),
            )
        )
    return out


def examples_table(examples: list[WorkedExample]) -> pd.DataFrame:
    """One row per worked example: pattern, L, R, event and the explanation."""
    return pd.concat([e.summary() for e in examples], ignore_index=True)


RESULT_MARKERS = {
    "negative": ("o", "#55a868"),
    "positive": ("X", "#c44e52"),
    "detained": ("s", "#c44e52"),
    "missed": ("o", "#bbbbbb"),
    "died": ("D", "#333333"),
    "transferred": ("^", "#8172b2"),
}


def plot_worked_examples(examples: list[WorkedExample], ax=None, title: str | None = None):
    """One line per example: visits as markers, the (L, R] interval as a shaded bar."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.7 * len(examples) + 1.5))
    seen: set[str] = set()
    for i, ex in enumerate(examples):
        y = len(examples) - 1 - i
        ax.axhline(y, color="#eeeeee", lw=1, zorder=0)
        relapse = ex.event == "relapse"
        right = ex.upper_day if relapse else codes.TRACKING_DAYS
        key = "(L, R] relapse interval" if relapse else "(L, ...) relapse-free at least to L"
        ax.barh(
            y,
            max(right - ex.lower_day, 6.0),
            left=ex.lower_day,
            height=0.35,
            color="#c44e52" if relapse else "#4c72b0",
            alpha=0.3,
            label=None if key in seen else key,
        )
        seen.add(key)
        for _, v in ex.visits.iterrows():
            kind = v["result"] if v["result"] in RESULT_MARKERS else "register"
            marker, colour = RESULT_MARKERS.get(kind, ("*", "#937860"))
            lab = None if kind in seen else kind
            seen.add(kind)
            ax.scatter(v["day"], y, marker=marker, color=colour, s=45, zorder=3, label=lab)
    ax.set_yticks(range(len(examples)))
    ax.set_yticklabels([e.pattern for e in reversed(examples)])
    ax.set_xlabel("days since release")
    ax.set_xlim(-20, codes.TRACKING_DAYS + 40)
    ax.set_title(title or "From raw visits to the (L, R] interval: worked examples")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, fontsize="small")
    return ax


def retention_curve_frame(
    cohort: pd.DataFrame,
    by: str | None = None,
    n_bootstrap: int = 0,
    seed: int = 0,
    step: float = 7.0,
    lang: str = "en",
) -> pd.DataFrame:
    """Retention curves (time in days, estimate, lower, upper, label) overall or per group of
    `by`, on a weekly grid, for `workbench.plots.retention_curves`. The right estimator for the
    data (NPMLE on (L, R], or Kaplan-Meier for exact times); bands need n_bootstrap > 0."""
    from workbench.retention.table import fit_retention

    if by is not None and by not in cohort.columns:
        raise ParameterError(f"{by!r} is not a cohort column; choose one of {list(cohort.columns)}")
    parts = [("all", cohort)] if by is None else list(cohort.groupby(by, observed=True))
    frames = []
    for key, part in parts:
        name = codes.label(by, key, lang) if by in codes.KINDS else str(key)
        fit = fit_retention(part, label_=name, n_bootstrap=n_bootstrap, seed=seed)
        frames.append(curve_from_fit(fit, f"{name} (n={len(part):,})", step))
    return pd.concat(frames, ignore_index=True)


def curve_from_fit(fit, label: str = "all", step: float = 7.0) -> pd.DataFrame:
    """A fitted TurnbullFitter or KaplanMeier as a weekly curve frame (time, estimate, lower,
    upper, label); Turnbull bands only when it was fitted with a bootstrap."""
    grid = np.arange(0.0, codes.TRACKING_DAYS + step, step)
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


def _stop_days(cohort: pd.DataFrame) -> np.ndarray:
    upper = cohort["upper_day"].to_numpy(float)
    return np.where(np.isfinite(upper), upper, cohort["last_day"].to_numpy(float))


def exposure_overview(cohort: pd.DataFrame, starts: pd.DataFrame) -> pd.DataFrame:
    """Per support: who started it during follow-up, when, and the immortal time a naive
    'ever received' analysis would credit to it.

    ``immortal_days`` sums, over people who started, the days from release to the start: days
    they had to stay relapse-free and followed to be counted as exposed at all. A naive analysis
    counts them as exposed time; ``immortal_share`` is their share of that exposed time."""
    stop = _stop_days(cohort)
    s = starts.reindex(cohort["release_id"].to_numpy())
    rows = []
    for code in s.columns:
        day = s[code].to_numpy(float)
        started = np.isfinite(day) & (day <= stop)
        rows.append(
            {
                "code": code,
                "support": codes.label("intervention", code, "en"),
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


def plot_uptake(cohort: pd.DataFrame, starts: pd.DataFrame, ax=None, title: str | None = None):
    """Cumulative share of releases who have started each support, by month since release."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5))
    stop = _stop_days(cohort)
    s = starts.reindex(cohort["release_id"].to_numpy())
    grid = np.arange(0.0, codes.TRACKING_DAYS + 7.0, 7.0)
    for code in s.columns:
        day = s[code].to_numpy(float)
        day = np.where(np.isfinite(day) & (day <= stop), day, np.inf)
        share = np.searchsorted(np.sort(day), grid, side="right") / len(day)
        ax.step(
            grid / codes.DAYS_PER_MONTH,
            share,
            where="post",
            label=codes.label("intervention", code, "en"),
        )
    ax.set_xlabel("months since release")
    ax.set_ylabel("share of releases who started (proportion)")
    ax.set_title(title or "When support starts: cumulative uptake after release")
    ax.set_xlim(0, codes.TRACKING_MONTHS)
    ax.legend(frameon=False, fontsize="small")
    return ax
