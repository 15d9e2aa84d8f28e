"""Figures of follow-up as it happened (notebook 01, 03), labelled in Chinese or English: the
flow through follow-up, visit timing, worked (L, R] examples, support uptake and tracking
coverage. Legends sit outside the data; many groups get small multiples or direct labels."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.cohort.examples import REGISTER, WorkedExample
from workbench.cohort.followup import STATES, stop_days
from workbench.data import codes
from workbench.i18n import check_lang, t
from workbench.plots import outside, step_band

STATE_COLOURS = {
    "under follow-up": "#4c72b0",
    "relapse seen": "#c44e52",
    "died": "#333333",
    "transferred": "#8172b2",
    "lost": "#dd8452",
    "cutoff": "#bbbbbb",
    "end_of_tracking": "#55a868",
}
RESULT_MARKERS = {
    "negative": ("o", "#55a868"),
    "positive": ("X", "#c44e52"),
    "detained": ("s", "#c44e52"),
    "missed": ("o", "#bbbbbb"),
    "died": ("D", "#333333"),
    "transferred": ("^", "#8172b2"),
    "register:relapse": ("*", "#c44e52"),
    "register:death": ("P", "#333333"),
    "register:transfer": ("P", "#8172b2"),
}


def _new(size, lang: str):
    import matplotlib.pyplot as plt

    from workbench.fonts import use_font

    use_font(check_lang(lang))
    return plt.subplots(figsize=size)


def _state_word(state: str, lang: str) -> str:
    from workbench.display import header

    return header(state, lang)


def plot_flow(flow: pd.DataFrame, ax=None, lang: str = "en", title: str | None = None):
    """Stacked areas: how many releases are under follow-up or in each ending, by month."""
    if ax is None:
        _, ax = _new((8, 4.5), lang)
    states = [s for s in STATES if s in flow.columns]
    ax.stackplot(
        flow["month"],
        [flow[s].to_numpy() for s in states],
        labels=[_state_word(s, lang) for s in states],
        colors=[STATE_COLOURS[s] for s in states],
        alpha=0.9,
    )
    ax.set_xlabel(t("nb_months_since_release", lang))
    ax.set_ylabel(t("nb_releases_count", lang))
    ax.set_title(title or t("nb_flow_title", lang))
    ax.set_xlim(0, flow["month"].max())
    ax.set_xticks(np.asarray(flow["month"], float))
    outside(ax)
    return ax


def plot_visit_timing(timing: pd.DataFrame, lang: str = "en", bins: int = 40):
    """Small multiples: for each scheduled month, the density of visit days minus the scheduled
    day (the share of that month's visits per day), with the scheduled day marked."""
    import matplotlib.pyplot as plt

    from workbench.fonts import use_font

    use_font(check_lang(lang))
    months = sorted(timing["scheduled_month"].dropna().unique())
    ncol = 3
    nrow = max(1, -(-len(months) // ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(9, 2.3 * nrow + 0.8), sharex=True, sharey=True,
                             squeeze=False)  # fmt: skip
    lo, hi = np.nanpercentile(timing["offset_days"], [0.5, 99.5]) if len(timing) else (-1, 1)
    # visit days are whole days and a month's scheduled day has a fixed fraction, so bins of a
    # whole number of days (edges on half days) hold the same number of possible offsets each:
    # equal-width bins of ~1.05 days drew false spikes where one bin caught two days
    width = max(1, round((hi - lo) / bins))
    edges = np.arange(np.floor(lo) - 0.5, np.ceil(hi) + width + 0.5, width)
    for ax, month in zip(axes.flat, months, strict=False):
        part = timing.loc[timing["scheduled_month"].eq(month), "offset_days"]
        ax.hist(part, bins=edges, density=True, color="#4c72b0", alpha=0.8)
        ax.axvline(0, color="black", lw=1, ls="--")
        ax.set_title(t("nb_month_visit", lang, m=int(month)), fontsize=10)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(months) :]:
        ax.set_visible(False)
    fig.supxlabel(t("nb_timing_x", lang))
    fig.supylabel(t("nb_timing_y", lang))
    fig.suptitle(t("nb_timing_title", lang))
    fig.tight_layout()
    return axes


def _example_bar(ax, y: int, ex: WorkedExample, lang: str, seen: set) -> None:
    """The interval where the relapse lies: (L, R], an exact day, or (L, ∞) when censored. A
    death is a competing event: no relapse can follow it, so no bar."""
    if ex.event == "death":
        return
    relapse = ex.event == "relapse"
    exact = relapse and ex.upper_day == ex.lower_day
    right = ex.upper_day if relapse else codes.TRACKING_DAYS
    key = (
        "nb_interval_exact"
        if exact
        else "nb_interval_relapse"
        if relapse
        else "nb_interval_censored"
    )
    ax.barh(
        y,
        max(right - ex.lower_day, 6.0),
        left=ex.lower_day - (3.0 if exact else 0.0),
        height=0.35,
        color="#c44e52" if relapse else "#4c72b0",
        alpha=0.3,
        label=None if key in seen else t(key, lang),
    )
    seen.add(key)


def _marker_word(result: str, lang: str) -> str:
    if result.startswith(REGISTER):
        return t("nb_register", lang) + ": " + codes.label("event", result[len(REGISTER) :], lang)
    return codes.label("result", result, lang)


def plot_worked_examples(examples: list[WorkedExample], ax=None, lang: str = "en", title=None):
    """One line per example, labelled with its kind of history: visits and register records as
    markers, the (L, R] interval as a shaded bar (an exact day as a narrow bar at that day)."""
    if ax is None:
        _, ax = _new((9, 0.7 * len(examples) + 1.8), lang)
    seen: set[str] = set()
    for i, ex in enumerate(examples):
        y = len(examples) - 1 - i
        ax.axhline(y, color="#eeeeee", lw=1, zorder=0)
        _example_bar(ax, y, ex, lang, seen)
        for _, v in ex.visits.iterrows():
            result = str(v["result"])
            marker, colour = RESULT_MARKERS.get(result, ("*", "#937860"))
            word = _marker_word(result, lang)
            ax.scatter(v["day"], y, marker=marker, color=colour, s=45, zorder=3,
                       label=None if word in seen else word)  # fmt: skip
            seen.add(word)
    ax.set_yticks(range(len(examples)))
    ax.set_yticklabels([e.label(lang) for e in reversed(examples)])
    ax.set_xlabel(t("nb_days_since_release", lang))
    ax.set_xlim(-20, codes.TRACKING_DAYS + 40)
    ax.set_ylim(-0.6, len(examples) - 0.4)
    ax.set_title(title or t("nb_examples_title", lang))
    outside(ax)
    return ax


def plot_uptake(cohort: pd.DataFrame, starts: pd.DataFrame, ax=None, lang: str = "en", title=None):
    """Cumulative share of releases who have started each support, by month since release."""
    if ax is None:
        _, ax = _new((8, 4.5), lang)
    stop = stop_days(cohort)
    s = starts.reindex(cohort["release_id"].to_numpy())
    grid = np.arange(0.0, codes.TRACKING_DAYS + 7.0, 7.0)
    for code in s.columns:
        day = s[code].to_numpy(float)
        day = np.where(np.isfinite(day) & (day <= stop), day, np.inf)
        share = np.searchsorted(np.sort(day), grid, side="right") / len(day)
        step_band(ax, grid / codes.DAYS_PER_MONTH, share,
                  label=codes.label("intervention", code, lang))  # fmt: skip
    ax.set_xlabel(t("nb_months_since_release", lang))
    ax.set_ylabel(t("nb_uptake_y", lang))
    ax.set_title(title or t("nb_uptake_title", lang))
    ax.set_xlim(0, codes.TRACKING_MONTHS)
    ax.set_xticks(np.arange(0, codes.TRACKING_MONTHS + 1, 6))
    ax.grid(alpha=0.3)
    outside(ax)
    return ax


def plot_coverage(table: pd.DataFrame, by: str = "prefecture", ax=None, lang: str = "en"):
    """Tracking coverage per group as dots on a zoomed axis, sorted, each labelled with its
    value; the whole-province figure (row "all") as a vertical line, not as a group."""
    groups = table[table[by].astype(str) != "all"].dropna(subset=["coverage"])
    groups = groups.sort_values("coverage")
    total = table.loc[table[by].astype(str) == "all", "coverage"]
    if ax is None:
        _, ax = _new((7.5, 0.32 * len(groups) + 1.6), lang)
    names = [codes.label(by, v, lang) if by in codes.KINDS else str(v) for v in groups[by]]
    y = np.arange(len(groups))
    cov = groups["coverage"].to_numpy(float)
    ax.hlines(y, 0, cov, color="#cccccc", lw=1)
    ax.plot(cov, y, "o", color="#4c72b0")
    for yi, c in zip(y, cov, strict=True):
        ax.annotate(f"{c:.1%}", (c, yi), xytext=(5, 0), textcoords="offset points", va="center",
                    fontsize=8, zorder=4, bbox={"facecolor": "white", "edgecolor": "none",
                                                "pad": 0.5})  # fmt: skip  # over the province line
    if len(total) and np.isfinite(total.iloc[0]):
        ax.axvline(total.iloc[0], color="black", ls="--", lw=1, zorder=1)
        ax.annotate(f"{t('nb_coverage_all', lang)} {total.iloc[0]:.1%}", (total.iloc[0], 1.0),
                    xycoords=("data", "axes fraction"), xytext=(0, 3), textcoords="offset points",
                    ha="center", va="bottom", fontsize=8)  # fmt: skip
    ax.set_yticks(y)
    ax.set_yticklabels(names)
    lo = float(np.nanmin(cov)) if len(cov) else 0.0
    hi = float(np.nanmax(cov)) if len(cov) else 1.0
    span = max(hi - lo, 0.02)
    ax.set_xlim(max(0.0, lo - 0.15 * span), min(1.0, hi + 0.35 * span) if hi < 1 else 1.05)
    digits = 1 if span < 0.05 else 0  # 84.5%, 85.0%: ticks half a point apart stay distinct
    ax.xaxis.set_major_formatter(lambda x, _pos: f"{x:.{digits}%}")
    ax.set_ylim(-0.6, len(groups) - 0.4)
    ax.set_xlabel(t("nb_coverage_x", lang))
    ax.set_title(t("nb_coverage_title", lang), pad=16)
    ax.grid(axis="x", alpha=0.3)
    return ax


# an analysis-ready table's arm (notebook 05): the spec's own words for a known example's arm,
# else the arm's column name with yes/no
ARM_WORDS = {"fin": ("nb_aid_no", "nb_aid_yes", "nb_aid_title", "nb_not_rearrested")}
GENERIC_ARM_WORDS = ("nb_arm_no", "nb_arm_yes", "nb_arm_title", "nb_event_free")


def arm_words(arm: str, lang: str, labels: tuple[str, str] | None = None) -> dict:
    """An arm's two values (0/1, also as text: a table's group) as words in `lang`: the spec's
    own (treated, untreated) values when it maps them (`labels`, e.g. rIFN-g / placebo), a known
    example's words (Rossi's `fin`: financial aid / no aid), else the column with yes/no."""
    if labels is not None:
        words = {1: t("nb_arm_value", lang, arm=arm, value=labels[0]),
                 0: t("nb_arm_value", lang, arm=arm, value=labels[1])}  # fmt: skip
    else:
        no, yes = ARM_WORDS.get(arm, GENERIC_ARM_WORDS)[:2]
        words = {0: t(no, lang, arm=arm), 1: t(yes, lang, arm=arm)}
    return {**words, **{str(k): w for k, w in words.items()}}


def plot_arms(
    table: pd.DataFrame,
    arm: str,
    lang: str = "en",
    last_day: float | None = None,
    labels: tuple[str, str] | None = None,
):
    """Each arm's event-free curve of an analysis-ready table (0/1 column `arm`), labelled with
    the arm's words in `lang` (`arm_words`), on a month axis to the end of follow-up."""
    from workbench.cohort.followup import retention_curve_frame
    from workbench.plots import retention_curves

    _, _, title, ylabel = ARM_WORDS.get(arm, GENERIC_ARM_WORDS)
    frame = table.assign(_arm=table[arm].map(arm_words(arm, lang, labels)))
    end = codes.TRACKING_DAYS if last_day is None else max(float(last_day), 7.0)
    curves = retention_curve_frame(frame, "_arm", lang=lang, step=max(7.0, end / 300), end=end)
    ax = retention_curves(curves, lang=lang, at_risk=False, title=t(title, lang, arm=arm))
    if last_day is not None:
        ax.set_xlim(0, last_day / codes.DAYS_PER_MONTH + 0.5)
    ax.set_ylabel(t(ylabel, lang))
    return ax
