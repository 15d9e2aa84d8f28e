"""Notebook 05's views of a dataset-spec cohort (an analysis-ready table), so that the notebook
stays a list of calls whatever the spec holds: no arm, one arm or several; exact or
interval-censored times; an outcome that is not relapse.

- `arm_words(cohort, arm, lang)`: an arm's groups in the spec's own values (rIFN-g / placebo).
- `plan(cohort, lang)`: which analyses run and which are skipped, and why, in sentences.
- `canonical_shown(cohort, lang)`: the first rows of the canonical table, its codes in words.
- `milestones(cohort, months, lang, ...)`: event-free share for everyone and by every arm.
- `plot_retention(cohort, arm, lang, last_day)`: the curves of one arm, or of everyone.
- `risk_model(cohort)`: Cox on exact times; the interval-censored proportional-hazards model
  (`risk.interval.IntervalCoxModel`, baseline pieces on the table's own time scale) on
  intervals, never Cox on dated ends (the naive analysis).
- `caveats(caught, lang)`: the model's caveats, said of events (not relapses).
- `ph_shown(model, lang)`: the proportional-hazards test in words (no "GLOBAL" code).
- `effects_shown(cohort, lang, ...)` and `arm_ends(cohort, lang)`: each arm's comparison.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.cohort import followup_figures
from workbench.data import codes
from workbench.i18n import listing, t


def arm_words(cohort, arm: str, lang: str) -> dict:
    """Arm `arm`'s two groups (0/1, also as text) in words: the spec's own values when it maps
    them (`{column, treated, untreated}`), a known example's words, else column yes/no."""
    return followup_figures.arm_words(arm, lang, cohort.arm_labels.get(arm))


CANONICAL_KINDS = {"event": "spec_event", "censor_reason": "spec_censor"}  # codes -> words


def canonical_shown(cohort, lang: str, rows: int = 5):
    """The first `rows` rows of the canonical table ready to show: `event` and
    `censor_reason` in the catalog's words ("事件", "竞争事件", "删失"; "随访结束"), not the
    codes `relapse` / `death` / `censored` / `end_of_follow_up` (the spec's event need not be a
    relapse); `death_day` headed as the competing event's day."""
    from workbench.display import table

    return table(cohort.table.head(rows), lang, kinds=CANONICAL_KINDS,
                 headers={"death_day": "competing_day"})  # fmt: skip


def plan(cohort, lang: str) -> list[str]:
    """Sentences: what day 0 and the event are, how times are known, and which sections run
    or are skipped (no arms: no comparison of arms)."""
    start = cohort.start_label.get(lang) or cohort.start_label.get("en", "")
    lines = [t("nbs_start_event", lang, start=start, event=cohort.event_label)]
    lines.append(t("nbs_exact" if cohort.exact else "nbs_interval", lang))
    if cohort.table["event"].eq("death").any():  # a competing event censors: cause-specific
        lines.append(t("nbs_competing", lang, competing=cohort.competing_label))
    if cohort.interventions:
        names = listing([f"`{a}`" for a in cohort.interventions], lang)
        lines.append(t("nbs_arms", lang, arms=names, k=len(cohort.interventions)))
    else:
        lines.append(t("nbs_no_arms", lang))
    return lines


def milestones(cohort, months, lang: str, n_bootstrap: int = 0, seed: int | None = None):
    """Event-free share at `months` for everyone, then by each arm (groups in the spec's words)
    and by the spec's `group_by` column; the method in words."""
    from workbench.display import method_words
    from workbench.retention.table import milestone_table

    options = {"months": months, "n_bootstrap": n_bootstrap}
    if seed is not None:
        options["seed"] = seed
    everyone = method_words(milestone_table(cohort.table, **options), lang)
    parts = [everyone.assign(group=t("nb_everyone", lang))]
    for arm in cohort.interventions:
        part = method_words(milestone_table(cohort.table, by=arm, **options), lang)
        parts.append(part.assign(group=part["group"].map(arm_words(cohort, arm, lang))))
    by = cohort.group_by  # the spec's `group_by` column (e.g. gender), in its own values
    if by and by not in cohort.interventions:
        part = method_words(milestone_table(cohort.table, by=by, **options), lang)
        words = [t("nb_arm_value", lang, arm=by, value=v) for v in part["group"]]
        parts.append(part.assign(group=words))
    return pd.concat(parts, ignore_index=True)


def plot_retention(cohort, arm: str | None, lang: str, last_day: float | None = None):
    """The event-free curves of arm `arm`'s groups, or of everyone (`arm` None), on a month
    axis from day 0 (the spec's start) to the end of follow-up."""
    from workbench.cohort.followup import retention_curve_frame
    from workbench.plots import retention_curves

    if arm is not None:
        ax = followup_figures.plot_arms(
            cohort.table, arm, lang, last_day, cohort.arm_labels.get(arm)
        )
    else:
        end = codes.TRACKING_DAYS if last_day is None else max(float(last_day), 7.0)
        frame = cohort.table.assign(_all=t("nb_everyone", lang))
        curves = retention_curve_frame(frame, "_all", lang=lang, step=max(7.0, end / 300), end=end)
        ax = retention_curves(curves, lang=lang, at_risk=False, title=t("nb_everyone_title", lang))
        ax.set_ylabel(t("nb_event_free", lang))
        ax.set_xlim(0, end / codes.DAYS_PER_MONTH + 0.5)
    ax.set_xlabel(t("nb_months_from_start", lang))
    months = ax.get_xlim()[1]
    if months > 37:  # follow-up beyond the programme's 36 months: ticks for the whole axis
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(nbins=8, steps=[1, 2, 3, 6, 10], integer=True))
    return ax


def risk_model(cohort):
    """The risk-factor model of the arms and covariates, fitted: Cox (Efron ties; the spec's
    strata, cluster, weights and delayed entry) when every time is exact, else the
    interval-censored proportional-hazards model on (L, R] itself with baseline pieces at the
    table's own quantiles (`effects.fitting.data_cuts`) and its PH check split at the median
    interval end."""
    from workbench.effects.fitting import data_cuts
    from workbench.risk.cox import CoxModel
    from workbench.risk.interval import IntervalCoxModel

    table = cohort.table
    terms = [*cohort.interventions, *cohort.covariates]
    if not terms:
        return None
    if cohort.exact:
        frame = table.assign(day=table["lower_day"], had_event=table["event"].eq("relapse"))
        model = CoxModel(terms, reference=cohort.reference, cluster=cohort.cluster,
                         strata=cohort.strata)  # fmt: skip
        return model.fit(frame.assign(had_event=frame["had_event"].astype(int)), "day",
                         "had_event", weights_col=cohort.weights, entry_col=cohort.entry)  # fmt: skip
    lower, upper = table["lower_day"].to_numpy(float), table["upper_day"].to_numpy(float)
    upper = np.where(table["event"].eq("relapse"), upper, np.nan)
    ends = np.r_[lower[lower > 0], upper[np.isfinite(upper)]]
    split = float(np.median(ends)) if ends.size else 1.0
    model = IntervalCoxModel(terms, reference=cohort.reference, cluster=cohort.cluster,
                             cuts=data_cuts(lower, upper), ph_split_day=split)  # fmt: skip
    return model.fit(table, weights_col=cohort.weights, entry_col=cohort.entry)


def caveats(caught, lang: str) -> list[str]:
    """Caught StatisticalWarnings in `lang`, the few-events one in the spec's terms (events,
    not relapses)."""
    from workbench.display import caveat
    from workbench.exceptions import StatisticalWarning

    out = []
    for w in caught:
        if not issubclass(w.category, StatisticalWarning):
            continue
        fields = getattr(w.message, "fields", {})
        if getattr(w.message, "code", None) == "few_events" and {"events", "terms"} <= set(fields):
            out.append(t("nbs_few_events", lang, **fields))
        else:
            out.append(caveat(w.message, lang))
    return out


def ph_shown(model, lang: str):
    """The proportional-hazards test per factor (and all together, for Cox) in words, ready to
    show: label, p, chi-square, df (the variable codes, "GLOBAL" among them, left out); a
    sentence instead when the test is not available (delayed entry)."""
    from workbench.display import sentences, table
    from workbench.exceptions import EstimationError
    from workbench.risk.labels import ph_test_in

    try:
        view = ph_test_in(model, lang)[["label", "p", "chisq", "df"]]
    except EstimationError as err:
        late = getattr(model, "entry_", None) is not None
        return sentences([t("nbs_ph_entry", lang) if late else str(err)])
    return table(view, lang)


def effects_shown(cohort, lang: str, n_bootstrap: int, seed: int):
    """Each arm's comparison (`effects.table.effects_table`) ready to show: one arm as a
    record (item, value), several as a table with one row per arm; None without arms."""
    from workbench.display import method_words, record, table
    from workbench.effects.table import effects_table

    if not cohort.interventions:
        return None
    effects = effects_table(cohort, n_bootstrap=n_bootstrap, seed=seed)
    view = effects.rename(columns={"code": "arm", "n_exposed": "n_exposed_arm"})
    view.attrs = {"method_text": effects.attrs.get("method_text", {})}
    view = view.assign(code=view["arm"])  # method_words reads the method's parts by code
    view = method_words(view, lang).drop(columns="code")
    first = ["arm", "n_exposed_arm", "hr", "hr_lower", "hr_upper"]
    return record(view, lang, first) if len(view) == 1 else table(view, lang, first)


def arm_ends(cohort, lang: str) -> pd.DataFrame:
    """Each arm's event-free share at its last time, groups in the spec's words."""
    from workbench.effects.trial import arm_curves

    curves = arm_curves(cohort)
    if curves is None:
        return pd.DataFrame()
    last = curves.groupby(["arm", "group"]).tail(1)
    words = [arm_words(cohort, a, lang)[g] for a, g in zip(last["arm"], last["group"], strict=True)]
    return last.assign(group=words)
