"""Notebook 03's words and figures for the support-effect analyses, in Chinese or English:
covariate names, balance (love) and propensity-overlap figures, the landmark comparison's
statement, the subgroup forest plot with the subgroups too small for their own term explained,
the E-value table and sentences that compare the naive and the adjusted hazard ratios from the
numbers at hand (never from what the simulator is known to hold)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from workbench.data import codes
from workbench.i18n import TEXT, check_lang, listing, t
from workbench.plots import forest_plot, outside
from workbench.risk.labels import variable_label

MIN_SUBGROUP = codes.MIN_EXPOSED_RELAPSES  # exposed people and relapses for a subgroup term


def covariate_word(name: str, lang: str) -> str:
    """A design column in words: 'sex[male]' -> 'sex: male', 'exposed_peer_education' ->
    'already receiving: peer education', else the variable's label."""
    m = re.fullmatch(r"(\w+)\[(.+)\]", str(name))
    if m:
        var, level = m.groups()
        word = codes.label(var, level, lang) if var in codes.KINDS else level
        return f"{variable_label(var, lang)}: {word}"
    if str(name).startswith("exposed_"):
        code = str(name)[len("exposed_") :]
        return t("nb_already_receiving", lang, name=codes.label("intervention", code, lang))
    return variable_label(str(name), lang)


def support_name(code: str, lang: str) -> str:
    return codes.label("intervention", code, lang)


def balance_frame(landmark, lang: str) -> pd.DataFrame:
    """The landmark comparison's balance table, covariates in words (the group means are of the
    data as recorded: a 0/1 characteristic's mean is the share with it)."""
    bal = landmark.weights_model_.balance().reset_index()
    bal["covariate"] = [covariate_word(c, lang) for c in bal["covariate"]]
    return bal


def _figure(size, lang: str):
    import matplotlib.pyplot as plt

    from workbench.fonts import use_font

    use_font(check_lang(lang))
    return plt.subplots(figsize=size)


def plot_love(weights, lang: str, title: str, threshold: float = 0.1):
    """|SMD| per covariate before and after weighting, with the balance target."""
    bal = weights.balance().sort_values("smd_before", key=np.abs)
    _, ax = _figure((8, 0.28 * len(bal) + 1.6), lang)
    y = np.arange(len(bal))
    ax.scatter(np.abs(bal["smd_before"]), y, marker="o", label=t("nb_unweighted", lang))
    ax.scatter(np.abs(bal["smd_after"]), y, marker="x", label=t("nb_weighted", lang))
    ax.axvline(threshold, ls="--", color="grey", label=t("nb_balance_target", lang, x=threshold))
    ax.set_yticks(y, [covariate_word(c, lang) for c in bal.index], fontsize=8)
    ax.set_ylim(-0.8, len(bal) - 0.2)
    ax.set_xlabel(t("nb_abs_smd", lang))
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    outside(ax)
    return ax


def plot_overlap(weights, lang: str, title: str, bins: int = 30):
    """Mirrored densities of the propensity score: exposed above the axis, not exposed below,
    each scaled to its own group so that a small exposed group is as visible as a large one."""
    _, ax = _figure((8, 4.5), lang)
    edges = np.linspace(0, 1, bins + 1)
    p, a = np.asarray(weights.propensity_, float), np.asarray(weights.treated_).astype(bool)
    for sign, mask, key, colour in ((1, a, "nb_exposed", "#c44e52"),
                                    (-1, ~a, "nb_not_exposed", "#4c72b0")):  # fmt: skip
        dens, _ = np.histogram(p[mask], edges, density=True) if mask.any() else (np.zeros(bins), 0)
        ax.bar(edges[:-1], sign * dens, width=np.diff(edges), align="edge", color=colour,
               alpha=0.7, label=t(key, lang, n=int(mask.sum())))  # fmt: skip
    ax.axhline(0, color="black", lw=0.8)
    ax.yaxis.set_major_formatter(lambda v, _pos: f"{abs(v):g}")
    ax.set_xlim(0, 1)
    ax.set_xlabel(t("nb_propensity", lang))
    ax.set_ylabel(t("nb_density", lang))
    ax.set_title(title)
    outside(ax)
    return ax


def landmark_statement(landmark, lang: str) -> str:
    """Balance achieved / not achieved, or why there is no estimate, in `lang`."""
    result = landmark.result_
    if not result.estimable:
        key = f"nb_withheld_{result.reason}"
        fields = dict(getattr(result, "fields", {}) or {})
        fields.setdefault("min_group", getattr(landmark, "min_group", ""))
        fields.setdefault("min_events", getattr(landmark, "min_events", ""))
        return t(key, lang, **fields) if key in TEXT else landmark.statement()
    if result.balance_achieved:
        return t("nb_balance_achieved", lang, smd=result.max_abs_smd)
    return t("nb_balance_not_achieved", lang, smd=result.max_abs_smd)


def _months_axis(ax, lang: str) -> None:
    """A day axis shown in months since release (ticks every 6 months), like every other
    retention figure of the notebooks; the data stay in days."""
    low, high = ax.get_xlim()
    months = [m for m in range(0, 121, 6) if low <= m * codes.DAYS_PER_MONTH <= high]
    ax.set_xticks([m * codes.DAYS_PER_MONTH for m in months], [str(m) for m in months])
    ax.set_xlim(low, high)
    ax.set_xlabel(t("plot_months", lang))


def landmark_figure(landmark, lang: str, day: int):
    """The weighted retention curves of both arms from the landmark day (legend beside them),
    or, without an estimate, the sentence saying why."""
    _, ax = _figure((8.5, 4.5), lang)
    landmark.plot(ax=ax, lang=lang)
    name = support_name(landmark.intervention, lang)
    if landmark.result_.estimable:
        ax.set_title(t("nb_landmark_title", lang, day=day, name=name))
        ax.set_ylabel(t("nb_share_abstinent", lang))
        _months_axis(ax, lang)
        outside(ax)
    else:
        ax.texts[0].set_text(landmark_statement(landmark, lang))
    return ax


def landmark_summary(landmark, lang: str) -> pd.DataFrame:
    """The landmark comparison's one-row summary with its method and statement in `lang` (the
    method from the result's catalog parts, `method_text`)."""
    from workbench.i18n import join

    out = landmark.summary()
    parts = getattr(landmark.result_, "method_text", ())
    if "method" in out.columns and parts:
        out["method"] = join(parts, lang, "; ")
    if "notes" in out.columns:
        estimable = landmark.result_.estimable
        out["notes"] = (
            landmark_notes(landmark, lang) if estimable else landmark_statement(landmark, lang)
        )
    return out


def landmark_notes(landmark, lang: str) -> str:
    """The landmark comparison's notes (`WeightedEffect._notes`) in `lang`, said from the fitted
    comparison's own attributes: the propensity model's covariates, the estimand, balance, who
    enters and from when, the curves' convergence and entry window."""
    confounders = listing((covariate_word(c, lang) for c in landmark.confounders_), lang)
    notes = [t("nb_lm_weights_from", lang, names=confounders)]
    if f"nb_lm_estimand_{landmark.estimand}" in TEXT:
        notes.append(t(f"nb_lm_estimand_{landmark.estimand}", lang))
    if not landmark.result_.balance_achieved:
        notes.append(t("nb_lm_unbalanced", lang, smd=landmark.max_abs_smd_))
    if landmark.landmark_day is not None:
        notes.append(t("nb_lm_entry", lang, day=landmark.entry_))
        if landmark.curve_violation_ > 1e-6:
            notes.append(t("nb_lm_not_converged", lang, v=landmark.curve_violation_))
        if landmark.entry_window > 0:
            notes.append(t("nb_lm_window", lang, days=landmark.entry_window))
    return ("" if lang == "zh" else " ").join(notes)


def subgroup_view(table: pd.DataFrame, code: str, by: str, lang: str):
    """(rows with an estimate, sentence about the subgroups without one or None) for `code`."""
    rows = table[table["code"] == code].copy()
    rows["group"] = [codes.label(by, g, lang) if by in codes.KINDS else g for g in rows["group"]]
    if "reference" in rows.columns:
        rows["reference"] = [
            codes.label(by, g, lang) if by in codes.KINDS and isinstance(g, str) else g
            for g in rows["reference"]
        ]
    estimated = np.isfinite(rows["hr"].to_numpy(float))
    shown = rows[estimated].reset_index(drop=True)
    if not estimated.any():
        return shown, t("nb_subgroup_none", lang, min=MIN_SUBGROUP)
    if estimated.all():
        return shown, None
    dropped = listing(rows.loc[~estimated, "group"], lang)
    return shown, t("nb_subgroup_dropped", lang, groups=dropped, min=MIN_SUBGROUP)


def subgroup_forest(shown: pd.DataFrame, code: str, by: str, lang: str):
    """Forest plot of the estimated subgroups (labels "group (n)"), the interaction p in the
    title, or why there is none (a single subgroup reached the minimum size)."""
    rows = pd.DataFrame(
        {
            "label": [f"{g} ({n:,})" for g, n in zip(shown["group"], shown["n"], strict=True)],
            "hr": shown["hr"],
            "lower": shown["hr_lower"],
            "upper": shown["hr_upper"],
        }
    )
    p = shown["p_interaction"].iloc[0] if len(shown) else np.nan
    key = "nb_subgroup_title"
    if not np.isfinite(p):  # say why there is no test instead of "p = –"
        key = "nb_subgroup_title_one" if len(shown) < 2 else "nb_subgroup_title_untested"
    title = t(key, lang, name=support_name(code, lang), by=variable_label(by, lang),
              p=f"{p:.3f}" if np.isfinite(p) else "", min=MIN_SUBGROUP)  # fmt: skip
    ax = forest_plot(rows, lang=lang, title=title)
    ax.set_xlabel(t("nb_subgroup_x", lang))
    return ax


def naive_notes(side_by_side: pd.DataFrame, lang: str, truth: dict | None = None) -> list[str]:
    """Sentences comparing the naive (ever vs never) and the adjusted hazard ratios, from the
    table itself; with a simulation's `truth`, also what happened to supports with no effect."""
    ok = side_by_side.dropna(subset=["hr", "naive_hr"])
    lower = ok[ok["naive_hr"] < ok["hr"]]
    names = listing((support_name(c, lang) for c in lower["code"]), lang)
    if len(ok) and len(lower) == len(ok):
        notes = [t("nb_naive_lower_all", lang, k=len(ok))]
    else:
        notes = [t("nb_naive_lower_some", lang, k=len(ok), m=len(lower), names=names or "–")]
    if truth:
        null = ok[[abs(truth.get(c, np.nan) - 1) < 1e-9 for c in ok["code"]]]
        for r in null.itertuples():
            notes.append(t("nb_truth_null", lang, names=support_name(r.code, lang),
                           naive=f"{r.naive_hr:.2f}", adjusted=f"{r.hr:.2f}"))  # fmt: skip
    return notes


def evalue_frame(effects: pd.DataFrame, evalues: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Support, hazard ratio and CI, then rr (the risk ratio the E-value is computed from),
    the E-value of the estimate and of the CI limit nearer 1, and the conversion used."""
    out = pd.concat([effects[["code", "hr", "hr_lower", "hr_upper"]], evalues], axis=1)
    rare = out["approximation"].astype(str).str.startswith("rare")
    out["approximation"] = [t("nb_rr_rare" if r else "nb_rr_common", lang) for r in rare]
    return out[["code", "hr", "hr_lower", "hr_upper", "rr", "evalue", "evalue_ci", "approximation"]]
