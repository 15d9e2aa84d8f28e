"""Worked examples: how one release's raw visits and events become its (L, R] relapse interval.

`worked_examples(ds, cohort)` picks releases that show each rule of the cohort builder (exact
relapse, interval-censored relapse, lost, died, transferred, ...), `examples_table` lists them and
`plot_worked_examples` draws their records on the follow-up clock (notebook 01).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.data import codes
from workbench.data.dataset import Dataset


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
