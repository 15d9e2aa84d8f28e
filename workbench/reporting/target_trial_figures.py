"""The target trials' figure: each support's cumulative relapse risk under "start within g
months" and "never start", with 95 % bands, one small panel per support (issue 18).

Drawn from the protected curves (points withheld by disclosure control are gaps); the legend sits
below the panels, off the data; the image carries a plain-language alt text. matplotlib is
imported by the drawing functions only: the report's text (`target_trial`, `trial_verdicts`)
uses the names here, and a report whose figures are cached never loads it (`figure_cache`).
"""

from __future__ import annotations

import numpy as np

from workbench.data import codes
from workbench.evaluation.target_trial import GRACE_MONTHS, RMST_MONTHS, STRATEGIES, TrialSummary
from workbench.fonts import use_font
from workbench.i18n import t
from workbench.reporting.markup import first_upper

COLOURS = {"start": "#1f5f8b", "never": "#b03a2e"}  # figures.BLUE, figures.RED


def name_of(code: str, lang: str) -> str:
    """A support's name in `lang`."""
    return codes.label("intervention", code, lang)


def strategy_label(strategy: str, lang: str, g: float = GRACE_MONTHS) -> str:
    """'Start within g months' / 'Never start'."""
    return t(f"tt_arm_{strategy}", lang, g=f"{g:g}")


COLUMNS = 3


def draw_trial_curves(trials: dict[str, TrialSummary], lang: str):
    """Small multiples (3 per row) of the estimable supports' risk curves; None when none is."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from workbench.plots import step_band
    from workbench.reporting.figures import WIDTH

    shown = {c: s for c, s in trials.items() if s.estimable and s.curves is not None}
    if not shown:
        return None
    rows = int(np.ceil(len(shown) / COLUMNS))
    use_font(lang)
    fig = Figure(figsize=(WIDTH, 1.2 + 2.0 * rows))  # no pyplot: the caller's state stays
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, COLUMNS, squeeze=False, sharex=True, sharey=True).ravel()
    top = max(float(np.nanmax(s.curves["upper"].to_numpy(float))) for s in shown.values())
    top = min(1.0, np.ceil((top + 0.02) * 10) / 10) if np.isfinite(top) else 1.0
    g = next(iter(shown.values())).grace_months
    for ax, (code, s) in zip(axes, shown.items(), strict=False):
        for strategy in STRATEGIES:
            part = s.curves[s.curves["strategy"] == strategy].sort_values("month")
            step_band(ax, part["month"].to_numpy(float), part["relapse_risk"], part["lower"],
                      part["upper"], alpha=0.18, color=COLOURS[strategy], lw=1.5)  # fmt: skip
        ax.set_title(_wrapped(first_upper(name_of(code, lang), lang), lang), fontsize=9)
        ax.set_xlim(0, RMST_MONTHS)
        ax.set_xticks(range(0, RMST_MONTHS + 1, 12))
        ax.set_ylim(0, top)
        ax.yaxis.set_major_formatter(_percent())
        ax.grid(alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
        ax.tick_params(labelsize=8)
    for i, ax in enumerate(axes[len(shown) :], start=len(shown)):
        ax.set_visible(False)
        if i >= COLUMNS:  # the panel above has nothing below it: its month ticks are shown
            axes[i - COLUMNS].xaxis.set_tick_params(labelbottom=True)
    handles = [Line2D([], [], color=COLOURS[s], lw=1.5) for s in STRATEGIES]
    labels = [strategy_label(s, lang, g) for s in STRATEGIES]
    handles.append(Patch(color="#888888", alpha=0.3))
    labels.append(t("ci", lang))
    fig.legend(handles, labels, loc="lower center", ncol=3, frameon=False, fontsize=8,
               bbox_to_anchor=(0.5, 0.0))  # fmt: skip
    fig.supxlabel(t("ax_tt_months", lang), fontsize=9, y=0.09 if rows == 1 else 0.06)
    fig.supylabel(t("ax_tt_risk", lang), fontsize=9)
    fig.subplots_adjust(bottom=0.3 if rows == 1 else 0.17, top=0.86 if rows == 1 else 0.9,
                        hspace=0.55, wspace=0.15)  # fmt: skip
    return fig


def _percent():
    import matplotlib.ticker

    return matplotlib.ticker.PercentFormatter(1.0, decimals=0)


def _wrapped(title: str, lang: str, width: int = 22) -> str:
    """A panel title on at most two lines (English names are long; Chinese ones fit)."""
    import textwrap

    if lang == "zh" or len(title) <= width:
        return title
    lines = textwrap.wrap(title, width)
    return "\n".join([lines[0], " ".join(lines[1:])])


def alt_text(trials: dict[str, TrialSummary], lang: str) -> str:
    from workbench.i18n import listing

    names = listing([name_of(c, lang) for c, s in trials.items() if s.estimable], lang)
    g = next(iter(trials.values())).grace_months if trials else GRACE_MONTHS
    return t("tt_alt", lang, names=names, g=f"{g:g}")


def trial_curves(trials: dict[str, TrialSummary], lang: str) -> str:
    """The figure as an embedded image with its alt text, or "" when no support can be drawn."""
    from workbench.reporting.figures import image

    fig = draw_trial_curves(trials, lang)
    if fig is None:
        return ""
    return image(fig, alt_text(trials, lang))
