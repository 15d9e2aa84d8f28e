"""Checks across the tables of a dataset: ids, dates after release, end dates, deaths.

`check_links(frames, names)` is called by `workbench.data.io.load_dataset` once every table has been
conformed to the contract; it raises a `DataError` for anything that cannot be repaired safely and
returns the repairs made (exact duplicates dropped, missed visits after a death dropped).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from workbench.data.repairs import Repair
from workbench.data.values import row_error


def check_links(frames: dict[str, pd.DataFrame], names: Mapping[str, str]) -> list[str]:
    """Check ids, dates and deaths across tables; drop exact duplicates. Returns repairs."""
    releases = frames["releases"]
    _check_unique_ids(releases, names["releases"])
    ids = pd.Index(np.asarray(releases["release_id"], dtype=object))
    released = releases["release_date"].to_numpy()
    repairs: list[str] = []
    keys = {
        "visits": ("visit_date", ["release_id", "visit_date", "result"]),
        "interventions": ("start_date", ["release_id", "intervention", "start_date"]),
        "events": ("event_date", ["release_id", "event_date", "event"]),
    }
    for table, (date_col, cols) in keys.items():
        frame = frames[table]
        if frame.empty:
            continue
        pos = positions(frame["release_id"], ids)
        _check_known_ids(frame, pos, names[table], names["releases"])
        _check_after_release(frame, names[table], date_col, released[pos])
        dup = frame.duplicated(cols).to_numpy()
        if dup.any():
            frames[table] = frame.loc[~dup]
            repairs.append(Repair("dq_repair_duplicates", file=names[table], n=int(dup.sum()),
                                  columns=", ".join(cols)))  # fmt: skip
    _check_end_dates(frames["interventions"], names["interventions"])
    repairs += _check_after_death(frames, names, ids)
    return repairs


def positions(release_ids: pd.Series, ids: pd.Index) -> np.ndarray:
    """Row of each release_id in `ids` (-1 = not there), looked up once per distinct id."""
    cat = release_ids.astype("category")
    where = ids.get_indexer(pd.Index(np.asarray(cat.cat.categories, dtype=object)))
    where = np.append(where, -1)  # the last entry serves empty ids (code -1)
    return where[cat.cat.codes.to_numpy()]


def _check_unique_ids(releases: pd.DataFrame, name: str) -> None:
    dup = releases["release_id"].duplicated(keep="first").to_numpy()
    if dup.any():
        rows = releases.index[dup]
        value = releases.loc[rows[0], "release_id"]
        first = releases.index[(releases["release_id"] == value).to_numpy()][0]
        raise row_error(
            name,
            rows,
            "release_id",
            value,
            f"appears again (first in row {first:,})",
            "each release_id once",
            "give each release its own id or drop the repeated row",
        )


def _check_known_ids(frame: pd.DataFrame, pos: np.ndarray, name: str, releases_name: str):
    unknown = pos < 0
    if unknown.any():
        rows = frame.index[unknown]
        raise row_error(
            name,
            rows,
            "release_id",
            frame.loc[rows[0], "release_id"],
            f"is not in {releases_name}",
            f"an id listed in {releases_name}",
            "correct the id or add the release",
        )


def _check_after_release(frame, name: str, date_col: str, released: np.ndarray) -> None:
    early = frame[date_col].to_numpy() < released
    if early.any():
        rows = frame.index[early]
        first = int(np.flatnonzero(early)[0])
        raise row_error(
            name,
            rows,
            date_col,
            f"{frame.loc[rows[0], date_col]:%Y-%m-%d}",
            f"is before the release on {pd.Timestamp(released[first]):%Y-%m-%d}",
            "a date on or after the release date",
            "correct the date or the release_id",
        )


def _check_end_dates(frame: pd.DataFrame, name: str) -> None:
    if frame.empty:
        return
    bad = (frame["end_date"] < frame["start_date"]).to_numpy()
    if bad.any():
        rows = frame.index[bad]
        raise row_error(
            name,
            rows,
            "end_date",
            f"{frame.loc[rows[0], 'end_date']:%Y-%m-%d}",
            f"is before start_date {frame.loc[rows[0], 'start_date']:%Y-%m-%d}",
            "an end on or after the start",
            "correct the dates",
        )


def _death_days(frames: dict, ids: pd.Index) -> np.ndarray:
    """Earliest recorded death (a died visit or a death event) per release, NaT when none."""
    visits, events = frames["visits"], frames["events"]
    died_v = (visits["result"] == "died").to_numpy()
    died_e = (events["event"] == "death").to_numpy()
    pos = np.concatenate(
        [positions(visits["release_id"][died_v], ids), positions(events["release_id"][died_e], ids)]
    )
    dates = np.concatenate(
        [visits["visit_date"].to_numpy()[died_v], events["event_date"].to_numpy()[died_e]]
    )
    out = np.full(len(ids), np.datetime64("NaT"), dtype="datetime64[ns]")
    if len(pos):
        first = pd.Series(dates).groupby(pos).min()
        out[first.index.to_numpy()] = first.to_numpy()
    return out


def _check_after_death(frames: dict, names: Mapping[str, str], ids: pd.Index) -> list[str]:
    """Contacts and events after a recorded death are errors; missed visits after it are dropped."""
    died = _death_days(frames, ids)
    if np.isnat(died).all():
        return []
    visits, events = frames["visits"], frames["events"]
    death = died[positions(visits["release_id"], ids)]
    after = visits["visit_date"].to_numpy() > death  # NaT compares False
    missed = after & (visits["result"] == "missed").to_numpy()
    # a `died` visit after an exact death event is the visit at which the death was learnt of
    recorded = after & (visits["result"] == "died").to_numpy()
    contact = after & ~missed & ~recorded
    if contact.any():
        rows = visits.index[contact]
        raise row_error(
            names["visits"],
            rows,
            "visit_date",
            f"{visits.loc[rows[0], 'visit_date']:%Y-%m-%d}",
            f"({visits.loc[rows[0], 'result']}) is after the death recorded on "
            f"{pd.Timestamp(death[np.flatnonzero(contact)[0]]):%Y-%m-%d}",
            "no contact after a death",
            "correct the visit or the death record",
        )
    if not events.empty:
        late = events["event_date"].to_numpy() > died[positions(events["release_id"], ids)]
        late &= (events["event"] != "death").to_numpy()  # two death dates: the cohort decides
        if late.any():
            rows = events.index[late]
            raise row_error(
                names["events"],
                rows,
                "event_date",
                f"{events.loc[rows[0], 'event_date']:%Y-%m-%d}",
                f"({events.loc[rows[0], 'event']}) is after the recorded death",
                "no event after a death",
                "correct the event or the death record",
            )
    if missed.any():
        frames["visits"] = visits.loc[~missed]
        return [Repair("dq_repair_after_death", file=names["visits"], n=int(missed.sum()))]
    return []
