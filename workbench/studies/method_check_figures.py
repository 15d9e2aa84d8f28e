"""Notebook 04's figures (and notebook 02's method comparison words), in Chinese or English:
each replicate's estimates against the truth, and the coverage of every confidence interval.
Estimator names are catalog entries ``nb_est_<estimator>``; legends sit outside the data."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.data import codes
from workbench.i18n import TEXT, check_lang, t
from workbench.plots import outside
from workbench.studies.method_checks import (
    ESTIMATOR_COLOURS,
    ESTIMATORS,
    NAIVE_EVER,
    PRIMARY,
    MethodChecks,
)


def estimator_word(name: object, lang: str) -> str:
    """An estimator's (or curve's) name in `lang`; a name without an entry as it is."""
    key = f"nb_est_{name}"
    return t(key, lang) if key in TEXT else str(name)


def _axes(ax, lang: str, size=(8.0, 4.5)):
    import matplotlib.pyplot as plt

    from workbench.fonts import use_font

    use_font(check_lang(lang))
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def plot_retention_check(table: pd.DataFrame, ax=None, lang: str = "en", title=None):
    """Each replicate's S(t) per estimator (dots) and the truth (black bar) at each milestone."""
    ax = _axes(ax, lang)
    months = sorted(table["months"].unique())
    width = 0.8 / len(ESTIMATORS)
    rng = np.random.default_rng(0)  # horizontal jitter of the dots only
    for k, name in enumerate(ESTIMATORS):
        part = table[(table["estimator"] == name) & np.isfinite(table["estimate"])]
        x = part["months"].map({m: i for i, m in enumerate(months)}).to_numpy(float)
        x = x - 0.4 + width * (k + 0.5) + rng.uniform(-width / 4, width / 4, len(x))
        ax.scatter(x, part["estimate"], s=10, alpha=0.6, color=ESTIMATOR_COLOURS[name],
                   label=estimator_word(name, lang))  # fmt: skip
    truth = table.groupby("months")["truth"].first()
    for i, m in enumerate(months):
        ax.hlines(truth[m], i - 0.45, i + 0.45, color="black", lw=2,
                  label=t("nb_truth", lang) if i == 0 else None)  # fmt: skip
    ax.set_xticks(range(len(months)))
    ax.set_xticklabels([t("nb_months_n", lang, m=m) for m in months])
    ax.set_xlabel(t("nb_milestone_x", lang))
    ax.set_ylabel(t("nb_share_abstinent", lang))
    ax.set_title(title or t("nb_retention_check_title", lang))
    ax.grid(axis="y", alpha=0.3)
    outside(ax)
    return ax


def plot_effect_check(effects: pd.DataFrame, ax=None, lang: str = "en", title=None):
    """Each replicate's hazard ratio per support: primary model vs naive, truth as a black bar."""
    from workbench.plots import ratio_ticks

    ax = _axes(ax, lang, (8.0, 5.0))
    codes_ = list(dict.fromkeys(effects["code"]))
    rng = np.random.default_rng(0)  # vertical jitter of the dots only
    pos = effects["code"].map({c: i for i, c in enumerate(codes_)}).to_numpy(float)
    for k, (name, col) in enumerate(((PRIMARY, "log_hr"), (NAIVE_EVER, "naive_log_hr"))):
        y = pos + (0.18 if k == 0 else -0.18) + rng.uniform(-0.06, 0.06, len(pos))
        finite = np.isfinite(effects[col].to_numpy(float))
        ax.scatter(np.exp(effects[col].to_numpy(float)[finite]), y[finite], s=10, alpha=0.6, color=ESTIMATOR_COLOURS[name],
                   label=estimator_word(name, lang))  # fmt: skip
    truth = effects.groupby("code", sort=False)["true_log_hr"].first()
    for i, c in enumerate(codes_):
        ax.vlines(np.exp(truth[c]), i - 0.4, i + 0.4, color="black", lw=2,
                  label=t("nb_true_hr", lang) if i == 0 else None)  # fmt: skip
    ax.axvline(1.0, color="grey", lw=0.8, ls=":")
    ax.set_xscale("log")
    hr = np.exp(np.r_[effects["log_hr"], effects["naive_log_hr"], truth.to_numpy(float)])
    hr = hr[np.isfinite(hr)]
    ratio_ticks(ax, hr, hr)
    ax.set_yticks(range(len(codes_)))
    ax.set_yticklabels([codes.label("intervention", c, lang) for c in codes_])
    ax.set_xlabel(t("nb_subgroup_x", lang))
    ax.set_title(title or t("nb_effect_check_title", lang))
    outside(ax)
    return ax


MIN_BAND_REPS = 20  # replicates below which no Monte-Carlo band is drawn (it would span 0.5-1)


def coverage_band(n_reps: int) -> tuple[float, float] | None:
    """The coverages that honest 95 % intervals show in 95 % of studies of `n_reps` replicates
    (central range of Binomial(n_reps, 0.95) / n_reps: within [0, 1], never clipped), or None
    below MIN_BAND_REPS replicates (2 replicates: 0.5 to 1, no check at all)."""
    if n_reps < MIN_BAND_REPS:
        return None
    from scipy import stats

    low, high = stats.binom.ppf([0.025, 0.975], n_reps, 0.95) / n_reps
    return float(low), float(high)


def plot_coverage(checks: MethodChecks, ax=None, lang: str = "en", title=None):
    """Coverage of each 95 % CI (bars) with the nominal 0.95 and its Monte-Carlo band (none
    below MIN_BAND_REPS replicates: the title says so)."""
    s = checks.summary().dropna(subset=["coverage"])
    ax = _axes(ax, lang, (8.0, 0.32 * len(s) + 1.8))
    labels = [
        f"{estimator_word(e, lang)}: {target_word(q, g, lang)}"
        for e, q, g in zip(s["estimator"], s["quantity"], s["target"], strict=True)
    ]
    colours = [ESTIMATOR_COLOURS.get(e, "#4c72b0") for e in s["estimator"]]
    ax.barh(np.arange(len(s)), s["coverage"], color=colours, alpha=0.8,
            label=t("nb_observed_coverage", lang))  # fmt: skip
    band = coverage_band(checks.n_reps)
    if band is not None:
        ax.axvspan(*band, color="grey", alpha=0.2, label=t("nb_mc_band", lang))
    elif title is None:  # too few replicates for a band that says anything: say so instead
        title = t("nb_coverage_check_title_few", lang, n=checks.n_reps, min=MIN_BAND_REPS)
    ax.axvline(0.95, color="black", lw=1.5, label=t("nb_nominal", lang))
    for y, c in enumerate(s["coverage"]):  # each value at the bar's start: a 0 is seen too
        ax.annotate(f"{c:.2f}", (0.0, y), xytext=(3, 0), textcoords="offset points", va="center",
                    fontsize=7, color="white" if c > 0.1 else "black")  # fmt: skip
    ax.set_yticks(np.arange(len(s)))
    ax.set_yticklabels(labels, fontsize="small")
    ax.set_xlim(0, 1)
    ax.set_xlabel(t("nb_coverage_check_x", lang))
    ax.set_title(title or t("nb_coverage_check_title", lang))
    outside(ax)
    return ax


def target_word(quantity: str, target: object, lang: str) -> str:
    """A row of `MethodChecks.summary` named in `lang`: '12 months' or a support's name."""
    if str(target) in codes.INTERVENTIONS:
        return codes.label("intervention", target, lang)
    months = str(target).split(" ")[0]
    return (
        t("nb_months_n", lang, m=float(months))
        if months.replace(".", "").isdigit()
        else str(target)
    )


def summary_in(checks: MethodChecks, lang: str) -> pd.DataFrame:
    """`checks.summary()` with quantity, target and estimator in `lang`."""
    s = checks.summary()
    return s.assign(
        quantity=[t(f"nb_quantity_{q}", lang) if f"nb_quantity_{q}" in TEXT else q for q in s["quantity"]],
        target=[target_word(q, g, lang) for q, g in zip(s["quantity"], s["target"], strict=True)],
        estimator=[estimator_word(e, lang) for e in s["estimator"]],
    )  # fmt: skip
