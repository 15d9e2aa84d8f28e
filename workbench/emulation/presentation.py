"""Notebook 03's and 04's views of an emulated target trial (issue 18), in Chinese or English:
the clones' flow, the weights' distribution by month, the effective sample size per strategy and
month, the risk curves and the plain findings of a fitted `TargetTrial`, and the bias table of
the method-check study. The report shows the same numbers through
workbench/reporting/target_trial.py; here nothing is protected (the notebooks are the analysts')."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from workbench.i18n import TEXT, t
from workbench.reporting.markup import first_upper

STRATEGY_COLOURS = {"start": "#1f5f8b", "never": "#b03a2e"}


def summary_of(tt: Any) -> Any:
    """The fitted trial's plain tables (`evaluation.target_trial.TrialSummary`)."""
    from workbench.evaluation.target_trial import summarise

    return summarise(tt, str(tt.intervention), int(getattr(tt, "n_bootstrap", 0)))


def strategy_words(strategies: pd.Series, tt: Any, lang: str) -> list[str]:
    from workbench.evaluation.target_trial import strategy_code
    from workbench.reporting.target_trial_figures import strategy_label

    g = float(getattr(tt, "grace_months", 6))
    return [strategy_label(strategy_code(s), lang, g) for s in strategies]


def flow_view(tt: Any, lang: str) -> pd.DataFrame:
    """The clones' flow, one row per strategy: eligible, cloned, censored (deviation, other),
    relapses, deaths."""
    flow = summary_of(tt).flow
    return flow.assign(strategy=strategy_words(flow["strategy"], tt, lang))


def weights_view(tt: Any, lang: str) -> pd.DataFrame:
    """The weights' distribution and effective sample size per strategy and month."""
    w = tt.weights_
    return w.assign(strategy=strategy_words(w["strategy"], tt, lang))


def clones_view(tt: Any, lang: str) -> pd.DataFrame | None:
    """Three people's two clones side by side: one who started within the grace period, one
    who started later, one who never started; each clone's month of deviation (censoring) and
    outcome while following its strategy. None when the fitted trial keeps no clones."""
    grid, emulation = getattr(tt, "grid_", None), getattr(tt, "emulation_", None)
    if grid is None or emulation is None:
        return None
    g, horizon = int(tt.grace_months), 36
    start = np.asarray(grid.start_month, float)
    picks = [np.flatnonzero(start <= g), np.flatnonzero((start > g) & (start <= horizon)),
             np.flatnonzero(start > horizon)]  # fmt: skip
    rows = []
    outcome = {0: t("censored", lang), 1: t("relapse", lang), 2: t("death", lang)}
    for idx in (p[0] for p in picks if p.size):
        for strategy in ("start", "never"):
            clones = getattr(emulation, strategy).clones
            month = int(clones.censor_month[idx])
            rows.append({
                "release_id": str(grid.release_id[idx]),
                "start_month": t("nb_tt_never_started", lang) if start[idx] > horizon
                else int(start[idx]),
                "strategy": strategy_words(pd.Series([strategy]), tt, lang)[0],
                "censor_month": month if month <= horizon else t("nb_tt_followed", lang),
                "outcome": outcome.get(int(clones.kind[idx]), "–"),
            })  # fmt: skip
    return pd.DataFrame(rows)


def _figure(lang: str, size=(7.0, 3.2), ncols: int = 2):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from workbench.fonts import use_font

    use_font(lang)
    fig = Figure(figsize=size)
    FigureCanvasAgg(fig)
    return fig, fig.subplots(1, ncols, squeeze=False, sharey=True)[0]


def plot_weights(tt: Any, lang: str):
    """The weights' distribution by month, one panel per strategy: mean, 99th percentile and
    largest weight (log scale); a rising maximum is where a few people carry the estimate."""
    from workbench.data import codes

    w = tt.weights_
    fig, axes = _figure(lang)
    name = codes.label("intervention", str(tt.intervention), lang)
    for ax, strategy in zip(axes, ("start", "never"), strict=True):
        part = w[w["strategy"].astype(str).str.contains("never") == (strategy == "never")]
        part = part.sort_values("month")
        for col, style in (("mean", "-"), ("p99", "--"), ("max", ":")):
            ax.plot(part["month"], part[col], style, color=STRATEGY_COLOURS[strategy],
                    label=t(f"nbcol_{col}", lang))  # fmt: skip
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(_log_ticks())
        ax.yaxis.set_major_formatter(_plain())
        ax.yaxis.set_minor_formatter(_plain(minor=True))
        ax.set_title(strategy_words(pd.Series([strategy]), tt, lang)[0], fontsize=9)
        ax.set_xlabel(t("ax_tt_months", lang))
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(t("nb_tt_weight", lang))
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, frameon=False, fontsize=8)
    fig.suptitle(first_upper(t("nb_tt_weights_title", lang, name=name), lang), fontsize=10)
    fig.subplots_adjust(bottom=0.3, top=0.82, wspace=0.1)
    return fig


def _log_ticks():
    import matplotlib.ticker

    return matplotlib.ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0))


def _plain(minor: bool = False):
    """Tick labels as plain numbers (0.5, 1, 10), never mathtext like 10^0."""
    import matplotlib.ticker

    if minor:
        return matplotlib.ticker.NullFormatter()
    return matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}")


def plot_ess(tt: Any, lang: str):
    """The effective sample size of each strategy by month (the diagnostics of the weights)."""
    from workbench.data import codes

    w = tt.weights_
    fig, axes = _figure(lang, size=(6.4, 3.4), ncols=1)
    ax = axes[0]
    for strategy in ("start", "never"):
        part = w[w["strategy"].astype(str).str.contains("never") == (strategy == "never")]
        part = part.sort_values("month")
        ax.plot(part["month"], part["ess"], color=STRATEGY_COLOURS[strategy],
                label=strategy_words(pd.Series([strategy]), tt, lang)[0])  # fmt: skip
    ax.set_xlabel(t("ax_tt_months", lang))
    ax.set_ylabel(t("nbcol_ess", lang))
    ax.set_ylim(0, None)
    ax.grid(alpha=0.3)
    name = codes.label("intervention", str(tt.intervention), lang)
    ax.set_title(first_upper(t("nb_tt_ess_title", lang, name=name), lang), fontsize=10)
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
    fig.subplots_adjust(bottom=0.3)
    return fig


def plot_curves(tt: Any, lang: str):
    """Relapse risk under both strategies with 95 % bands (the report's figure, one panel)."""
    from workbench.reporting.target_trial_figures import draw_trial_curves

    s = summary_of(tt)
    return draw_trial_curves({s.code: s}, lang)


def findings(tt: Any, lang: str, k: int = 0) -> list[str]:
    """The report's sentence for this support and its caveats (nothing suppressed: `k` 0)."""
    from workbench.reporting.target_trial import caveats, finding

    s = summary_of(tt)
    return [finding(s, lang, k), *caveats(s, lang, k)]


def horizons_view(tt: Any) -> pd.DataFrame:
    """Risks at the horizons, the difference and ratio with their CIs, and the RMST row."""
    h = tt.horizons_.copy()
    return h.assign(rmst_diff_days=[tt.rmst_diff_days_] + [np.nan] * (len(h) - 1))


# --- notebook 04: the simulation study (workbench.studies.target_trial) ---------------------------


def study_summary(rows: pd.DataFrame) -> pd.DataFrame:
    """`studies.target_trial.summarise(rows)` with the notebook's column names (mean_estimate,
    mc_se_bias, sd_between); a support without the simulator's truth has NaN bias quietly."""
    import warnings

    from workbench.studies.target_trial import summarise

    with warnings.catch_warnings():  # NaN truth (no strategy truth): the mean of nothing is NaN
        warnings.filterwarnings("ignore", "Mean of empty slice", RuntimeWarning)
        table = summarise(rows)
    return table.rename(columns={"mean": "mean_estimate", "mc_se": "mc_se_bias",
                                 "sd": "sd_between"})  # fmt: skip


def bias_notes(summary: pd.DataFrame, lang: str) -> list[str]:
    """One sentence per method: its average absolute bias over the supports with a truth."""
    known = summary[np.isfinite(summary["truth"].astype(float))]
    if known.empty:
        return [t("nb_tt_no_truth", lang)]
    out = []
    for est, part in known.groupby("estimator", sort=False):
        b = float(np.nanmean(np.abs(part["bias"].astype(float)))) * 100
        word = t(f"nb_est_{est}", lang) if f"nb_est_{est}" in TEXT else str(est)
        out.append(t("nb_tt_bias_line", lang, est=word, n=len(part), b=f"{b:.1f}"))
    return out
