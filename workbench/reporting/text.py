"""Report-language helpers over the catalog (`workbench.i18n`): reasons a section is missing,
the RMST horizon in words, and "after release" re-worded for a spec's own time zero."""

from __future__ import annotations

import re

from workbench.i18n import TEXT, t

REASONS = frozenset(
    ("too_few", "no_follow_up", "no_relapse", "all_relapse_first", "no_support", "one_region",
     "spec_table", "other")
)  # fmt: skip


def reason(section: str, why: str, lang: str, k: int) -> str:
    """The plain reason a section is missing; technical messages become `why_other`."""
    if why not in REASONS:
        why = "other"
    key = f"why_{section}_{why}" if f"why_{section}_{why}" in TEXT else f"why_{why}"
    return t(key, lang, k=k)


def horizon_words(days: float, lang: str) -> str:
    """The RMST horizon actually used: days, and months only when the days are whole months."""
    from workbench.data.codes import DAYS_PER_MONTH

    months = days / DAYS_PER_MONTH
    d = f"{days:,.0f}"
    if abs(months - round(months)) < 1e-9:
        return t("horizon_months", lang, d=d, m=f"{round(months):d}")
    return t("horizon_days", lang, d=d)


def start_words(text: str, lang: str, start_label: dict[str, str] | None) -> str:
    """`text` with "after release" (`start_release` followed by `start_words`) and its kin saying
    what day 0 really is (a spec's `start_label`: randomisation, admission, …); unchanged for
    release, and where the label's own words already follow (a title "after release from
    prison")."""
    label = (start_label or {}).get(lang)
    release = TEXT["start_release"]
    if not label or label in release.values():
        return text
    words = t("start_words", lang)
    tail = label[len(release[lang]) :] if label.startswith(release[lang]) else ""
    if lang == "zh":
        guard = f"(?!{re.escape(tail[:1])})" if tail else ""
        return re.sub(f"{release[lang]}(?=({words})){guard}", label, text)
    guard = f"(?!{re.escape(tail)})" if tail else ""
    pattern = rf"\b({words}) {release[lang]}\b{guard}"
    return re.sub(pattern, lambda m: f"{m.group(1)} {label}", text)
