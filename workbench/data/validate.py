"""Data-quality report of a loaded dataset (`workbench validate DATA`: `workbench.cli.validate`).

Definitions (also in data/README.md): tracking coverage and loss to follow-up are those of the
cohort builder (`workbench.cohort`, data/README.md "Cohort rules"), so the data-quality summary and
every analysis count the same people:
- scheduled visits *due* and *attended*: the cohort's n_scheduled and n_attended, summed;
- *lost to follow-up*: releases whose censoring reason is `lost`;
- *contradictions*: a negative after the first evidence of relapse, a contact after a transfer
  out, both negative and positive results on the same day, a scheduled visit more than 90 days
  from its scheduled day.

A dataset spec (`SpecDataset`, an analysis-ready table) has no visit schedule, so its report is
built apart (`_spec_report`: counts, repairs, identifier warnings); one path for both would need a
common tables interface on `Dataset` and `SpecDataset`, which #17 leaves for later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbench import i18n
from workbench.data import codes
from workbench.data.dataset import Dataset
from workbench.data.links import positions
from workbench.data.repairs import said as said_in
from workbench.data.spec import SpecDataset, dropped_note
from workbench.privacy import identifiers

WINDOW_DAYS = 90
SAMPLE_ROWS = 5_000


@dataclass(frozen=True)
class ValidationReport:
    """What a dataset holds and how good it is; `summary()` and `text(lang)` show it."""

    source: str
    counts: dict[str, int]
    cutoff: pd.Timestamp | None = None
    by_prefecture: dict[str, int] = field(default_factory=dict)
    n_due: int = 0
    n_attended: int = 0
    n_lost: int = 0
    contradictions: dict[str, int] = field(default_factory=dict)
    repairs: tuple[str, ...] = ()
    identifiers: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    # rows a spec's complete-case rule left out and the empty cells per column (said in `lang`
    # by `text`; among `repairs` in English)
    n_dropped: int = 0
    dropped: dict[str, int] = field(default_factory=dict)

    @property
    def coverage(self) -> float:
        """Share of scheduled visits due that were attended (NaN when none were due)."""
        return self.n_attended / self.n_due if self.n_due else float("nan")

    def summary(self) -> pd.DataFrame:
        """Long table: section, item, value."""
        rows = [("rows", t, n) for t, n in self.counts.items()]
        rows += [("releases by prefecture", p, n) for p, n in self.by_prefecture.items()]
        rows += [
            ("tracking", "scheduled visits due", self.n_due),
            ("tracking", "scheduled visits attended", self.n_attended),
            ("tracking", "coverage", self.coverage),
            ("tracking", "lost to follow-up", self.n_lost),
        ]
        rows += [("contradictions", k, n) for k, n in self.contradictions.items()]
        rows += [("repairs", f"repair {i + 1}", r) for i, r in enumerate(self.repairs)]
        rows += [("identifiers", f"warning {i + 1}", w) for i, w in enumerate(self.identifiers)]
        return pd.DataFrame(rows, columns=["section", "item", "value"])

    def text(self, lang: str = "en") -> str:
        """A plain-text report in English ('en') or Chinese ('zh')."""
        i18n.check_lang(lang)

        def w(key: str) -> str:
            return i18n.t(f"dq_{key}", lang, days=WINDOW_DAYS)

        lines = [f"{w('title')}: {source_words(self.source, lang)}"]
        if self.cutoff is not None:
            lines.append(f"{w('cutoff')}: {self.cutoff:%Y-%m-%d}")
        lines += [f"  {_table_name(t, lang)}: {n:,} {w('rows')}" for t, n in self.counts.items()]
        if self.by_prefecture:
            lines.append(f"{w('by_prefecture')}:")
            lines += [
                f"  {codes.label('prefecture', p, lang)}: {n:,}"
                for p, n in self.by_prefecture.items()
            ]
        if self.n_due or self.by_prefecture:
            share = "–" if np.isnan(self.coverage) else f"{100 * self.coverage:.1f} %"
            lines.append(f"{w('coverage')}: {share} ({self.n_attended:,} / {self.n_due:,})")
            lines.append(f"{w('lost')}: {self.n_lost:,}")
        lines.append(
            f"{w('contradictions')}:"
            + ("" if any(self.contradictions.values()) else f" {w('none')}")
        )
        lines += [f"  {w(k)}: {n:,}" for k, n in self.contradictions.items() if n]
        repairs = [said_in(r, lang) for r in self.repairs]  # a dataset's repairs in `lang`
        if self.n_dropped:  # the complete-case rule's English note, said in `lang`
            english = dropped_note(self.n_dropped, self.dropped)
            where = i18n.listing([f"{c} ({n:,})" for c, n in self.dropped.items()], lang)
            said = i18n.t("dq_dropped_rows", lang, n=self.n_dropped, where=where)
            repairs = [said if r == english else r for r in repairs]
        for key, items in (("repairs", repairs), ("identifiers", self.identifiers)):
            lines.append(f"{w(key)}:" + ("" if items else f" {w('none')}"))
            lines += [f"  - {item}" for item in items]
        lines += [f"{w('note')}: {i18n.t(n, lang) if n in i18n.TEXT else n}" for n in self.notes]
        return "\n".join(lines)


def _table_name(table: str, lang: str) -> str:
    """A table's name in `lang` (the contract's four tables, a spec's rows and events), else the
    count's own name."""
    key = f"dq_table_{table}"
    if key in i18n.TEXT:
        return i18n.t(key, lang)
    event = SPEC_EVENTS.fullmatch(table)
    return i18n.t("dq_table_spec_events", lang, label=event.group(1)) if event else table


SIMULATED = re.compile(r"simulated \(seed (\d+)\)")  # the simulator's source (simulate/core.py)
SPEC_EVENTS = re.compile(r"events \((.+)\)")  # a spec's event count, named by its event_label


def source_words(source: str, lang: str) -> str:
    """Where the data come from, in `lang`: a simulated cohort's seed in words, else the
    dataset's own name (a folder or spec name, kept as written)."""
    sim = SIMULATED.fullmatch(source)
    return i18n.t("dq_source_simulated", lang, seed=int(sim.group(1))) if sim else source


def validation_report(data: Dataset | SpecDataset) -> ValidationReport:
    """Counts, tracking coverage, loss to follow-up, contradictions, repairs and privacy flags."""
    if isinstance(data, SpecDataset):
        return _spec_report(data)
    ds = data
    counts = {
        "releases": len(ds.releases),
        "visits": len(ds.visits),
        "interventions": len(ds.interventions),
        "events": len(ds.events),
    }
    by_prefecture = ds.releases["prefecture"].value_counts().sort_index()
    days = _Days(ds)
    due, attended, lost = _tracking(ds)
    identifiers = tuple(
        w
        for table in ("releases", "visits", "interventions", "events")
        for w in identifier_warnings(getattr(ds, table), table)
    )
    return ValidationReport(
        source=ds.source,
        counts=counts,
        cutoff=ds.cutoff,
        by_prefecture={str(k): int(v) for k, v in by_prefecture.items()},
        n_due=due,
        n_attended=attended,
        n_lost=lost,
        contradictions=_contradictions(days),
        repairs=tuple(ds.repairs),
        identifiers=identifiers,
    )


def _spec_report(spec: SpecDataset) -> ValidationReport:
    f = spec.frame
    n_events = int((f["event"] == "relapse").sum())
    return ValidationReport(
        source=spec.name,
        counts={"rows": len(f), f"events ({spec.event_label})": n_events},
        repairs=spec.notes,
        identifiers=tuple(identifier_warnings(f, "table")),
        notes=("dq_note_no_schedule",),
        n_dropped=spec.n_dropped,
        dropped=dict(spec.dropped),
    )


class _Days:
    """Visits and events as integer release positions and days since release (vectorised)."""

    def __init__(self, ds: Dataset) -> None:
        ids = pd.Index(np.asarray(ds.releases["release_id"], dtype=object))
        released = ds.releases["release_date"].to_numpy()
        self.n = len(ids)
        self.cutoff = (ds.cutoff.to_datetime64() - released) / np.timedelta64(1, "D")
        v, e = ds.visits, ds.events
        self.v_pos = positions(v["release_id"], ids)
        self.e_pos = positions(e["release_id"], ids)
        ok_v, ok_e = self.v_pos >= 0, self.e_pos >= 0
        self.v_day = np.where(ok_v, _days(v["visit_date"], released, self.v_pos), np.nan)
        self.e_day = np.where(ok_e, _days(e["event_date"], released, self.e_pos), np.nan)
        self._result = pd.factorize(v["result"])
        self._event = pd.factorize(e["event"])
        self.month = v["scheduled_month"].to_numpy(dtype=float)

    @staticmethod
    def _among(factored, words: tuple[str, ...]) -> np.ndarray:
        ints, uniques = factored
        return np.isin(ints, [i for i, u in enumerate(uniques) if u in words])

    def result(self, *words: str) -> np.ndarray:
        """Visits whose result is one of `words`."""
        return self._among(self._result, words)

    def event(self, *words: str) -> np.ndarray:
        """Events that are one of `words`."""
        return self._among(self._event, words)

    def first(self, results: tuple[str, ...], events: tuple[str, ...]) -> np.ndarray:
        """Per release, the first day with one of `results` (visits) or `events` (NaN: none)."""
        out = np.full(self.n, np.inf)
        for pos, day, mask in (
            (self.v_pos, self.v_day, self.result(*results)),
            (self.e_pos, self.e_day, self.event(*events)),
        ):
            mask &= pos >= 0
            np.minimum.at(out, pos[mask], day[mask])
        return np.where(np.isinf(out), np.nan, out)

    def at_visit(self, per_release: np.ndarray) -> np.ndarray:
        """A per-release array looked up for each visit (NaN for unknown ids)."""
        return np.where(self.v_pos >= 0, per_release[np.maximum(self.v_pos, 0)], np.nan)


def _days(dates: pd.Series, released: np.ndarray, pos: np.ndarray) -> np.ndarray:
    return (dates.to_numpy() - released[np.maximum(pos, 0)]) / np.timedelta64(1, "D")


def _tracking(ds: Dataset) -> tuple[int, int, int]:
    """Visits due, visits attended and releases lost, by the cohort builder's rules."""
    from workbench.cohort import build_cohort

    cohort = build_cohort(ds)
    lost = int(cohort["censor_reason"].eq("lost").sum())
    return int(cohort["n_scheduled"].sum()), int(cohort["n_attended"].sum()), lost


def contradictions(ds: Dataset) -> dict[str, int]:
    """Counts of contradictory records (see the module docstring)."""
    return _contradictions(_Days(ds))


def _contradictions(d: _Days) -> dict[str, int]:
    relapse = d.at_visit(d.first(("positive", "detained"), ("relapse",)))
    transfer = d.at_visit(d.first(("transferred",), ("transfer",)))
    negative, positive = d.result("negative"), d.result("positive")
    contact = negative | positive
    ok = d.v_pos >= 0
    keys = d.v_pos * (1 << 24) + np.nan_to_num(d.v_day, nan=0).astype(np.int64)
    both = pd.Index(pd.unique(keys[negative & ok])).isin(pd.unique(keys[positive & ok]))
    same_day = int(both.sum())
    offset = d.v_day - d.month * codes.DAYS_PER_MONTH
    return {
        "negative_after_relapse": int((negative & (d.v_day > relapse)).sum()),
        "contact_after_transfer": int((contact & (d.v_day > transfer)).sum()),
        "same_day_conflict": int(same_day),
        "outside_window": int((~np.isnan(d.month) & (np.abs(offset) > WINDOW_DAYS)).sum()),
    }


def identifier_warnings(frame: pd.DataFrame, table: str) -> list[str]:
    """Warnings for columns that hold direct identifiers, by header or by value (a sample of
    SAMPLE_ROWS rows; `workbench.privacy.identifiers` says what counts)."""
    out = []
    for column in frame.columns:
        name = str(column)
        kind = identifiers.header_kind(name)
        if kind:
            out.append(
                f"{table}: column {name} looks like a direct identifier by its name ({kind}); "
                "drop it or pseudonymize it before sharing."
            )
            continue
        series = frame[column]
        if series.dtype != object and not isinstance(series.dtype, pd.CategoricalDtype):
            continue
        sample = series.dropna().head(SAMPLE_ROWS).astype(str).str.strip()
        uniques = pd.unique(sample)
        is_id = name in ("release_id", "person_id", "id")
        kind = identifiers.values_kind(uniques, digits=not is_id)
        if kind is None and is_id and identifiers.names_in_ids(uniques):
            kind = "Chinese personal names"
        if kind:
            out.append(
                f"{table}: column {name} holds values that look like direct identifiers "
                f"({kind}); pseudonymize them (workbench pseudonymize) before sharing."
            )
    return out
