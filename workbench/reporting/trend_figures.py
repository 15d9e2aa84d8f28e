"""Figures of the direction of travel and of the risk model's check (issue 19), as embedded images.

`draw_trend`: retention at each milestone by release cohort, a point and its 95 % CI per cohort,
one colour per milestone; cohorts not yet followed to a milestone, or withheld, have no point.
`draw_calibration`: one panel per horizon, mean predicted risk against the NPMLE share relapsed
by tenth of predicted risk, on the diagonal when the model is calibrated. Only the protected
numbers of `ReportResults` are drawn (nothing below the suppression threshold).
"""

from __future__ import annotations

import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from workbench.fonts import use_font
from workbench.i18n import t
from workbench.reporting.figures import BLUE, GREEN, GREY, RED, WIDTH, image

MILESTONE_COLOURS = {6.0: GREEN, 12.0: BLUE, 24.0: RED, 36.0: GREY}


def _figure(lang: str, size) -> Figure:
    use_font(lang)
    fig = Figure(figsize=size)  # no pyplot (as workbench.reporting.figures)
    FigureCanvasAgg(fig)
    return fig


def draw_trend(cohorts: pd.DataFrame, lang: str) -> Figure:
    """Retention by release cohort (columns of `workbench.programme.trend.COLUMNS`)."""
    fig = _figure(lang, size=(WIDTH, 3.2))
    ax = fig.subplots()
    ax.spines[["top", "right"]].set_visible(False)
    names = list(dict.fromkeys(cohorts["cohort"]))
    x = {c: i for i, c in enumerate(names)}
    months = sorted(cohorts["months"].unique())
    offsets = np.linspace(-0.18, 0.18, len(months)) if len(months) > 1 else [0.0]
    for off, m in zip(offsets, months, strict=True):
        part = cohorts[(cohorts["months"] == m) & np.isfinite(cohorts["estimate"].astype(float))]
        if part.empty:
            continue
        xs = np.array([x[c] for c in part["cohort"]]) + off
        est = part["estimate"].to_numpy(float)
        lo, hi = part["lower"].to_numpy(float), part["upper"].to_numpy(float)
        colour = MILESTONE_COLOURS.get(float(m), GREY)
        ok = np.isfinite(lo) & np.isfinite(hi)
        # a percentile interval need not contain its estimate (few replicates): clip at 0
        yerr = np.clip([est[ok] - lo[ok], hi[ok] - est[ok]], 0.0, None)
        ax.errorbar(xs[ok], est[ok], yerr=yerr, fmt="none",
                    ecolor=colour, elinewidth=1.2, capsize=2)  # fmt: skip
        ax.plot(xs, est, "o-", color=colour, ms=4, lw=1,
                label=t("months_label", lang, m=f"{m:g}"))  # fmt: skip
    many = len(names) > 6
    ax.set_xticks(range(len(names)), names, fontsize=7.5 if many else 8,
                  rotation=35 if many else 0, ha="right" if many else "center")  # fmt: skip
    ax.set_xlim(-0.6, len(names) - 0.4)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
    ax.set_ylabel(t("axis_retention", lang))
    ax.set_xlabel(t("axis_cohort", lang))
    if ax.get_legend_handles_labels()[0]:  # every point withheld: no legend
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    fig.subplots_adjust(right=0.82, bottom=0.18)
    return fig


def trend_chart(cohorts: pd.DataFrame, lang: str) -> str:
    return image(draw_trend(cohorts, lang))


def draw_calibration(calibration: pd.DataFrame, lang: str) -> Figure:
    """Calibration by tenth of predicted risk, one panel per horizon (protected table)."""
    horizons = sorted(calibration["months"].unique())
    fig = _figure(lang, size=(WIDTH, 2.9))
    axes = fig.subplots(1, len(horizons), squeeze=False)[0]
    for ax, m in zip(axes, horizons, strict=True):
        part = calibration[calibration["months"] == m]
        ok = np.isfinite(part["observed"].astype(float)) & np.isfinite(
            part["predicted"].astype(float)
        )
        ax.plot([0, 1], [0, 1], color=GREY, lw=0.8, ls="--", label=t("perfect_calibration", lang))
        p, o = part.loc[ok, "predicted"].astype(float), part.loc[ok, "observed"].astype(float)
        lo, hi = part.loc[ok, "lower"].astype(float), part.loc[ok, "upper"].astype(float)
        if np.isfinite(lo).all() and np.isfinite(hi).all() and len(lo):
            yerr = np.clip([o - lo, hi - o], 0.0, None)
            ax.errorbar(p, o, yerr=yerr, fmt="none", ecolor=BLUE, elinewidth=1)
        ax.plot(p, o, "o", color=BLUE, ms=3.5)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_aspect("equal")
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
            axis.set_major_locator(matplotlib.ticker.MultipleLocator(0.5))
        ax.tick_params(labelsize=7)
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_title(t("months_label", lang, m=f"{m:g}"), fontsize=8.5)
        ax.set_xlabel(t("axis_predicted_risk", lang), fontsize=7.5)
    axes[0].set_ylabel(t("axis_observed_risk", lang), fontsize=7.5)
    fig.subplots_adjust(wspace=0.45, bottom=0.2)
    return fig


def calibration_chart(calibration: pd.DataFrame, lang: str) -> str:
    return image(draw_calibration(calibration, lang))


__all__ = ["calibration_chart", "draw_calibration", "draw_trend", "trend_chart"]
