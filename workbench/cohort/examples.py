"""Worked examples of how a person's raw visits become the (L, R] relapse interval.

Label, sentence and picture come from one source, the example's own record: the kind of history
is read from the cohort row (`KINDS`), and what was found on day R (a positive test, a
re-admission, a police record) from the visit or register row on that day. Words are catalog
entries (``nb_pat_*``, ``nb_ex_*``), so the examples read the same in Chinese and English.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.data import codes
from workbench.data.dataset import Dataset
from workbench.i18n import TEXT, t

EVIDENCE_RESULTS = ("positive", "detained")  # visit results that are evidence of relapse
REGISTER = "register:"  # prefix of history rows from the events table ("register:relapse")


@dataclass(frozen=True)
class WorkedExample:
    """One release's raw history and the (L, R] interval the cohort builder made of it.

    `pattern` is the kind of history (a key of `KINDS`); `visits` has day, scheduled_month,
    result (a visit result code, or "register:<event>") and source (registers only)."""

    pattern: str
    release_id: str
    visits: pd.DataFrame
    lower_day: float
    upper_day: float
    event: str
    censor_reason: str | None
    death_day: float = np.nan

    def evidence(self) -> pd.Series | None:
        """The history row that is the first evidence of relapse (on day R), if any."""
        if self.event != "relapse":
            return None
        v = self.visits
        hit = v["result"].isin(EVIDENCE_RESULTS) | v["result"].eq(REGISTER + "relapse")
        rows = v[hit & np.isclose(v["day"], self.upper_day)]
        return rows.iloc[0] if len(rows) else None

    def found(self, lang: str) -> str:
        """What was found on day R, in words: "positive (relapse) on day 234"."""
        row = self.evidence()
        if row is None:
            what = codes.label("event", "relapse", lang)
        elif str(row["result"]).startswith(REGISTER):
            what = source_word(row.get("source"), lang)
        else:
            what = codes.label("result", row["result"], lang)
        return t("nb_found", lang, what=what, day=self.upper_day)

    def label(self, lang: str) -> str:
        return t(f"nb_pat_{self.pattern}", lang)

    def interval(self) -> str:
        """(L, R] as written in the table; (L, ∞) for a censored or competing ending."""
        if self.event != "relapse":
            return f"({self.lower_day:.0f}, ∞)"
        return f"({self.lower_day:.0f}, {self.upper_day:.0f}]"

    def explanation(self, lang: str) -> str:
        values = {"L": self.lower_day, "R": self.upper_day, "D": self.death_day}
        return t(f"nb_ex_{self.pattern}", lang, found=self.found(lang), **values)

    def summary(self, lang: str = "en") -> dict:
        return {
            "pattern": self.label(lang),
            "release_id": self.release_id,
            "interval": self.interval(),
            "event": self.event,
            "censor_reason": self.censor_reason,
            "explanation": self.explanation(lang),
        }


def source_word(source: object, lang: str) -> str:
    """A register's source (police, hospital, ...) in words; an unknown source as it is."""
    key = f"nb_source_{source}"
    return t(key, lang) if key in TEXT else str(source)


def _kinds(c: pd.DataFrame) -> dict[str, pd.Series]:
    """Kind of history -> rows of the cohort that have it, in the order they are shown."""
    rel = c["event"].eq("relapse")
    lo, up = c["lower_day"], c["upper_day"]
    exact = rel & up.eq(lo)
    return {
        "interval": rel & ~exact & lo.gt(0) & (up - lo).lt(250),
        "missed": rel & ~exact & lo.gt(0) & (up - lo).ge(250),
        "first": rel & ~exact & lo.eq(0),
        "exact": exact,
        "died": c["event"].eq("death") & lo.gt(0),
        "end": c["censor_reason"].eq("end_of_tracking"),
        "lost": c["censor_reason"].eq("lost"),
        "transferred": c["censor_reason"].eq("transferred"),
    }


KINDS = ("interval", "missed", "first", "exact", "died", "end", "lost", "transferred")


def history(ds: Dataset, release_id: str, released: pd.Timestamp) -> pd.DataFrame:
    """A release's visits and register events, by day since release."""
    v = ds.visits[ds.visits["release_id"] == release_id]
    rows = pd.DataFrame(
        {
            "day": (v["visit_date"] - released).dt.days.astype(float).to_numpy(),
            "scheduled_month": v["scheduled_month"].astype(float).to_numpy(),
            "result": v["result"].astype(str).to_numpy(),
            "source": None,
        }
    )
    ev = ds.events
    if ev is not None and len(ev):
        e = ev[ev["release_id"] == release_id]
        extra = pd.DataFrame(
            {
                "day": (e["event_date"] - released).dt.days.astype(float).to_numpy(),
                "scheduled_month": np.nan,
                "result": (REGISTER + e["event"].astype(str)).to_numpy(),
                "source": e["source"].astype(object).to_numpy(),
            }
        )
        rows = pd.concat([rows, extra], ignore_index=True) if len(extra) else rows
    return rows.sort_values("day", kind="stable").reset_index(drop=True)


def worked_examples(ds: Dataset, cohort: pd.DataFrame, n: int = 5) -> list[WorkedExample]:
    """Up to `n` releases, one per kind of history, each with its record and (L, R] interval."""
    c = cohort.sort_values("release_id").reset_index(drop=True)
    released = ds.releases.set_index("release_id")["release_date"]
    out = []
    for kind, mask in _kinds(c).items():
        if len(out) >= n or not mask.any():
            continue
        row = c.loc[mask.idxmax()]
        rid = str(row["release_id"])
        reason = row["censor_reason"]
        out.append(
            WorkedExample(
                pattern=kind,
                release_id=rid,
                visits=history(ds, rid, released.loc[rid]),
                lower_day=float(row["lower_day"]),
                upper_day=float(row["upper_day"]),
                event=str(row["event"]),
                censor_reason=None if pd.isna(reason) else str(reason),
                death_day=float(row.get("death_day", np.nan)),
            )
        )
    return out


def examples_table(examples: list[WorkedExample], lang: str = "en") -> pd.DataFrame:
    """One row per worked example: kind of history, interval, ending and the explanation."""
    return pd.DataFrame([e.summary(lang) for e in examples])


def history_table(example: WorkedExample, lang: str = "en") -> pd.DataFrame:
    """An example's raw record for reading: register rows name their source."""
    v = example.visits.copy()
    reg = v["result"].str.startswith(REGISTER)
    words = [
        t("nb_register_row", lang, event=codes.label("event", r[len(REGISTER) :], lang),
          source=source_word(s, lang))
        for r, s in zip(v.loc[reg, "result"], v.loc[reg, "source"], strict=True)
    ]  # fmt: skip
    v["result"] = v["result"].astype(object)
    v.loc[reg, "result"] = words
    return v.drop(columns="source")
