"""Disclosure control: no count below the threshold appears in a table, label or sentence."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from workbench.i18n import TEXT, t


def is_small(n: object, threshold: int) -> bool:
    """True for a count that must not be shown (below the threshold, zero included)."""
    try:
        value = float(n)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return bool(np.isfinite(value) and value < threshold)


def count_text(n: object, threshold: int, lang: str = "en") -> str:
    """A count for a sentence or a cell: ``"1,234"``, or ``"<10"`` when it is below the threshold."""
    if n is None or (isinstance(n, float) and not np.isfinite(n)):
        return "–"
    if is_small(n, threshold):
        return t("suppressed_cell", lang, threshold)
    return f"{round(float(n)):,}"  # type: ignore[arg-type]


_COUNT_IN_TEXT = re.compile(
    r"(?<![\d.,])(\d{1,3}(?:,\d{3})+|\d+)(?=\s*(?:[a-z-]+\s+){0,2}(?:"
    + TEXT["count_words"]["en"]
    + r")\b|\s*(?:"
    + TEXT["count_words"]["zh"]
    + "))"
)


def scrub_counts(text: str, threshold: int, lang: str = "en") -> str:
    """Replace counts of people below the threshold in a free-text note by "<threshold"."""

    def repl(m: re.Match) -> str:
        n = int(m.group(1).replace(",", ""))
        return t("suppressed_cell", lang, threshold) if n < threshold else m.group(1)

    return _COUNT_IN_TEXT.sub(repl, text)


def suppress(
    table: pd.DataFrame,
    threshold: int,
    counts: Sequence[str] = (),
    rates: Sequence[str] = (),
    base: str | None = None,
    lang: str = "en",
) -> tuple[pd.DataFrame, int]:
    """Replace small counts by ``"<threshold"``; returns (display table, cells suppressed).

    `counts` are count columns (each cell checked); `rates` are columns derived from a row's
    `base` count (e.g. a coverage share from n releases): they are blanked when the base is
    small, because a rate of a tiny group discloses its members. Columns in `counts` are
    formatted as whole numbers with thousands separators.
    """
    out = table.copy().astype(object)
    n_suppressed = 0
    small_base = (
        table[base].map(lambda v: is_small(v, threshold))
        if base is not None
        else pd.Series(False, index=table.index)
    )
    for col in counts:
        mask = table[col].map(lambda v: is_small(v, threshold))
        n_suppressed += int(mask.sum())
        out[col] = [count_text(v, threshold, lang) for v in table[col]]
    for col in rates:
        n_suppressed += int(small_base.sum())
        out.loc[small_base, col] = t("suppressed_cell", lang, threshold)
    return out, n_suppressed


def complementary(
    shown: pd.DataFrame,
    raw: pd.DataFrame,
    columns: Sequence[str],
    total: Sequence[bool],
    threshold: int,
    lang: str = "en",
) -> tuple[pd.DataFrame, int]:
    """Secondary suppression: no hidden cell can be recovered as the total minus the others.

    For each column of counts that add up to the `total` row(s), when exactly one component cell
    is hidden while the total is shown, the smallest shown component is hidden as well (the
    standard rule: a column never has a single suppressed cell). Returns (table, cells hidden).
    """
    mark = t("suppressed_cell", lang, threshold)
    out = shown.copy()
    is_total = np.asarray(total, dtype=bool)
    n = 0
    for col in columns:
        hidden = out[col].eq(mark).to_numpy()
        if hidden[~is_total].sum() != 1 or hidden[is_total].all():
            continue
        values = pd.to_numeric(raw[col], errors="coerce").to_numpy(float)
        candidates = np.where(~is_total & ~hidden & np.isfinite(values))[0]
        if candidates.size == 0:
            continue
        pick = candidates[np.argmin(values[candidates])]
        out.iloc[pick, out.columns.get_loc(col)] = mark
        n += 1
    return out, n
