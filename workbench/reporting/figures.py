"""The report's figures, drawn from the tables in `ReportResults` and returned as inline SVG.

Text is drawn as paths (no font needed by the PDF engine); Chinese labels use Noto Sans CJK SC
through `workbench.fonts.use_font`.
"""

from __future__ import annotations

import io

import matplotlib
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from workbench import codes
from workbench.fonts import use_font
from workbench.reporting.text import t


def svg(fig) -> str:
    """The figure as an SVG string (text as paths)."""
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "workbench"}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg") :]


def _axes(lang: str, size=(6.4, 3.6)):
    use_font(lang)
    fig = Figure(figsize=size)  # no pyplot: the caller's backend and figure list stay as they are
    ax = fig.subplots()
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def retention_curve(
    curve: pd.DataFrame,
    milestones: pd.DataFrame | None,
    lang: str,
    ylabel: str | None = None,
    xlabel: str | None = None,
) -> str:
    fig, ax = _axes(lang)
    months = curve["time"].to_numpy(float) / codes.DAYS_PER_MONTH
    ax.step(months, curve["estimate"], where="post", color="#1f5f8b", lw=1.8)
    ax.fill_between(months, curve["lower"], curve["upper"], step="post", color="#1f5f8b", alpha=0.2)
    if milestones is not None:
        for _, row in milestones.iterrows():
            if np.isfinite(row["estimate"]):
                ax.plot(row["months"], row["estimate"], "o", color="#b03a2e", ms=4)
                ax.annotate(
                    f"{row['estimate']:.1%}",
                    (row["months"], row["estimate"]),
                    textcoords="offset points",
                    xytext=(4, 6),
                    fontsize=8,
                )
    end = min(codes.TRACKING_MONTHS, int(np.ceil(months.max())))
    ax.set_xlim(0, end)
    ax.set_xticks(range(0, end + 1, 6 if end > 12 else 1))
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_xlabel(xlabel or t("ax_months", lang))
    ax.set_ylabel(ylabel or t("ax_retention", lang))
    ax.grid(alpha=0.3)
    return svg(fig)


def arm_curves(
    curves: pd.DataFrame, lang: str, ylabel: str | None = None, xlabel: str | None = None
) -> str:
    """Each arm's curve (arm, group 1/0, time in days, estimate, lower, upper) with its band."""
    fig, ax = _axes(lang)
    colours = ("#1f5f8b", "#b03a2e", "#2e7d32", "#6a1b9a")
    months_max = 0.0
    for i, ((arm, group), part) in enumerate(curves.groupby(["arm", "group"], sort=False)):
        months = part["time"].to_numpy(float) / codes.DAYS_PER_MONTH
        months_max = max(months_max, float(months.max()))
        label = t("arm_treated" if int(group) == 1 else "arm_control", lang, arm=arm)
        colour = colours[i % len(colours)]
        ax.step(months, part["estimate"], where="post", color=colour, lw=1.8, label=label)
        ax.fill_between(months, part["lower"], part["upper"], step="post", color=colour, alpha=0.15)
    end = max(1, int(np.ceil(months_max)))
    ax.set_xlim(0, end)
    ax.set_xticks(range(0, end + 1, 6 if end > 12 else 1))
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_xlabel(xlabel or t("ax_months", lang))
    ax.set_ylabel(ylabel or t("ax_retention", lang))
    ax.legend(frameon=False, loc="lower left")
    ax.grid(alpha=0.3)
    return svg(fig)


def tiers_bars(tiers: pd.DataFrame, lang: str) -> str:
    fig, ax = _axes(lang, size=(6.4, 3.0))
    labels = [codes.label("tier", str(int(y)), lang) for y in tiers["years"]]
    y = np.arange(len(tiers))
    ax.barh(y + 0.2, tiers["observed"], height=0.38, color="#1f5f8b", label=t("col_observed", lang))
    proj = tiers["projected"].fillna(tiers["observed"])
    ax.barh(y - 0.2, proj, height=0.38, color="#7fb3d5", label=t("col_projected", lang))
    for i, target in enumerate(tiers["target"]):
        ax.plot([target, target], [i - 0.45, i + 0.45], color="#b03a2e", lw=2)
    ax.set_xscale("symlog", linthresh=10)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel(t("col_count", lang))
    ax.plot([], [], color="#b03a2e", lw=2, label=t("col_target", lang))
    ax.legend(fontsize=8, loc="lower right")
    return svg(fig)


def funnel(regions: pd.DataFrame, limits: pd.DataFrame, overall: float, lang: str) -> str:
    fig, ax = _axes(lang, size=(6.4, 4.0))
    ax.axhline(overall, color="grey", lw=1)
    for level, style in (("95", "--"), ("998", ":")):
        ax.plot(limits["n"], limits[f"lower{level}"], style, color="grey", lw=1)
        ax.plot(limits["n"], limits[f"upper{level}"], style, color="grey", lw=1)
    colours = regions["flag"].map({"better": "#1e8449", "worse": "#b03a2e", "watch": "#d68910"})
    ax.scatter(regions["n"], regions["adjusted"], c=colours.fillna("#1f5f8b"), s=25, zorder=3)
    for _, row in regions.iterrows():
        ax.annotate(
            codes.label("prefecture", row["code"], lang),
            (row["n"], row["adjusted"]),
            textcoords="offset points",
            xytext=(3, 3),
            fontsize=7,
        )
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_xlabel(t("ax_n", lang))
    ax.set_ylabel(t("col_adjusted", lang))
    ax.grid(alpha=0.3)
    return svg(fig)
